"""Which files the Sweeps page may read: ``?db=`` links and serving a room (AppTest).

Before, ``?db=/etc/passwd`` said "not a results file" and ``?db=/etc/absent`` said "does not
exist": any link could probe the disk of whoever opened it. A link now opens only a results
file inside the results folder, and everything else gets the same one-line refusal. When
serving a room, the page offers only the results folder's files (and the session's own
uploads) and names files without their server paths.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from experiments.sweep import run_sweep
from experiments.sweep_file import sweep_from_toml
from ui import access

PAGE = str(Path(__file__).resolve().parent.parent / "ui" / "pages" / "sweeps.py")
SWEEP = """
[sweep]
name = "access-grid"
scenario = "classroom"
weeks = 2
replications = 1
seed = 5

[factors]
"market.mechanism" = ["uniform_price", "vickrey"]

[outputs]
metrics = ["jain"]
"""


@pytest.fixture(scope="module")
def made_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("made") / "grid.db"
    run_sweep(sweep_from_toml(SWEEP), db)
    return db


@pytest.fixture
def folder(tmp_path, made_db, monkeypatch) -> Path:
    """A results folder with two results files, a note, a symlink out and a file beside it."""
    results = tmp_path / "results"
    (results / "sub").mkdir(parents=True)
    (results / "grid.db").write_bytes(made_db.read_bytes())
    (results / "sub" / "other.db").write_bytes(made_db.read_bytes())
    (results / "notes.txt").write_text("not a results file")
    outside = tmp_path / "secret.db"
    outside.write_bytes(made_db.read_bytes())
    (results / "escape.db").symlink_to(outside)
    monkeypatch.setenv(access.RESULTS_ENV, str(results))
    monkeypatch.delenv(access.ROOM_ENV, raising=False)
    st.cache_data.clear()
    yield results
    st.cache_data.clear()


def open_page(db: str | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    if db is not None:
        at.query_params["db"] = db
    at.run()
    assert not at.exception
    return at


def opened(at: AppTest) -> bool:
    return any(s.value.startswith("Sweep:") for s in at.subheader)


def refusal_without_value(at: AppTest, value: str) -> str:
    """The page's one error line with the refused value taken out."""
    assert len(at.error) == 1, [e.value for e in at.error]
    message = re.sub(r"\\(.)", r"\1", at.error[0].value).replace("\u2060", "")
    assert "\n" not in message and value[:60] in message
    return message.replace(value, "VALUE")


def test_a_db_link_outside_the_results_folder_is_refused_alike_whether_or_not_it_exists(
    folder, tmp_path
):
    (tmp_path / "real.db").write_bytes((folder / "grid.db").read_bytes())
    links = [
        "/etc/passwd",
        "/etc/no-such-file.db",
        str(tmp_path / "real.db"),  # a real results file, outside the folder
        str(tmp_path / "absent.db"),
        "../secret.db",  # climbs out of the folder
        "escape.db",  # a symlink inside the folder that leads out of it
        "notes.txt",  # inside, but not a results file
        str(folder),
    ]
    messages = set()
    for link in links:
        at = open_page(link)
        assert not opened(at), link
        assert at.text_input(key="sweeps.path").value == ""  # the link filled in nothing
        message = refusal_without_value(at, link)
        assert "exist" not in message and "not a results file (" not in message
        messages.add(message)
    assert len(messages) == 1, messages  # one line, the same for all: nothing to probe


def test_a_db_link_inside_the_results_folder_opens_it(folder):
    for link in ("grid.db", "sub/other.db", str(folder / "grid.db")):
        at = open_page(link)
        assert not at.error, link
        assert opened(at), link


def test_on_this_machine_a_typed_path_still_opens_any_results_file(folder, made_db):
    at = open_page()
    at.text_input(key="sweeps.path").set_value(str(made_db)).run()
    assert not at.exception and not at.error and opened(at)


def test_serving_a_room_offers_only_the_results_folders_files(folder, monkeypatch):
    monkeypatch.setenv(access.ROOM_ENV, "1")
    at = open_page()
    assert not at.text_input  # no path box at all
    pick = at.selectbox(key="sweeps.pick")
    assert pick.options == ["(choose a results file)", "grid.db", "sub/other.db"]
    pick.set_value("sub/other.db").run()
    assert not at.exception and not at.error and opened(at)


def test_serving_a_room_a_link_preselects_a_folder_file_and_refuses_the_rest(folder, monkeypatch):
    monkeypatch.setenv(access.ROOM_ENV, "1")
    at = open_page("grid.db")
    assert at.selectbox(key="sweeps.pick").value == "grid.db" and opened(at)
    first = refusal_without_value(open_page("/etc/passwd"), "/etc/passwd")
    second = refusal_without_value(open_page("absent.db"), "absent.db")
    assert first == second


def test_serving_a_room_errors_name_the_file_not_its_server_path(folder, monkeypatch):
    monkeypatch.setenv(access.ROOM_ENV, "1")
    (folder / "broken.db").write_bytes(b"SQLite format 3\x00" + b"\x07" * 2048)
    at = open_page()
    at.selectbox(key="sweeps.pick").set_value("broken.db").run()
    assert not at.exception
    assert len(at.error) == 1
    message = at.error[0].value
    assert "broken" in message
    assert str(folder) not in message.replace("\\", "")


def test_serving_a_room_an_upload_error_does_not_show_where_uploads_are_kept(folder, monkeypatch):
    monkeypatch.setenv(access.ROOM_ENV, "1")
    at = open_page()
    at.file_uploader(key="sweeps.upload").set_value(("mine.db", b"just text", "x/y")).run()
    assert not at.exception
    message = at.error[0].value.replace("\\", "")
    assert message.startswith("mine.db") and "not a results file" in message
    assert "/" not in message and os.sep not in message


def test_a_browser_on_another_machine_is_served_as_a_room(monkeypatch, tmp_path):
    monkeypatch.delenv(access.ROOM_ENV, raising=False)
    monkeypatch.setenv(access.RESULTS_ENV, str(tmp_path))
    assert not access.current(None).room
    assert access.current("10.0.0.7").room
    monkeypatch.setenv(access.ROOM_ENV, "1")
    assert access.current(None).room and access.current(None).results_dir == tmp_path
