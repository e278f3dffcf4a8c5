"""Uploaded results files stay private to their session and are removed (AppTest).

Before, an upload was kept in ``/tmp/compute-crunch-uploads/<content hash>.db`` (mode 0644,
in a shared 0755 folder) for good, so a ``?db=`` link to that path re-opened it any time.
Now it lives in the session's own 0700 folder inside the server's own 0700 folder, under an
unguessable name, mode 0600; a new upload replaces it, clearing the uploader removes it,
the session's end removes the folder, and no link can name it.
``test_hardening_app_browser`` checks the same with real browser sessions.
"""

from __future__ import annotations

import stat
import tempfile
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from experiments.sweep import run_sweep
from experiments.sweep_file import sweep_from_toml
from ui import access, uploads

PAGE = str(Path(__file__).resolve().parent.parent / "ui" / "pages" / "sweeps.py")
SWEEP = """
[sweep]
name = "upload-grid"
scenario = "classroom"
weeks = 2
replications = 1
seed = {seed}

[factors]
"market.mechanism" = ["uniform_price", "vickrey"]

[outputs]
metrics = ["jain"]
"""


@pytest.fixture(scope="module")
def two_files(tmp_path_factory) -> tuple[bytes, bytes]:
    out = []
    for seed in (1, 2):
        db = tmp_path_factory.mktemp("up") / "grid.db"
        run_sweep(sweep_from_toml(SWEEP.format(seed=seed)), db)
        out.append(db.read_bytes())
    return out[0], out[1]


@pytest.fixture
def at(tmp_path, monkeypatch) -> AppTest:
    monkeypatch.setenv(access.RESULTS_ENV, str(tmp_path / "results"))
    monkeypatch.delenv(access.ROOM_ENV, raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.run()
    yield app
    st.cache_resource.clear()
    st.cache_data.clear()


def upload(at: AppTest, data: bytes, name: str = "mine.db") -> Path:
    at.file_uploader(key="sweeps.upload").set_value((name, data, "application/x-sqlite3")).run()
    assert not at.exception and not at.error
    assert any(s.value == "Sweep: upload-grid" for s in at.subheader)
    return Path(at.session_state[uploads.CURRENT][1])


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_an_upload_is_kept_in_the_sessions_private_folder(at, two_files):
    path = upload(at, two_files[0])
    session, server = path.parent, path.parent.parent
    assert mode(path) == 0o600
    assert mode(session) == 0o700 and mode(server) == 0o700
    assert server.name.startswith(uploads.PREFIX) and server.parent == Path(tempfile.gettempdir())
    assert path.read_bytes() == two_files[0]
    assert [p.name for p in session.iterdir()] == [path.name]  # no temporary part left behind
    assert two_files[0][:16].hex() not in path.name  # the name says nothing of the content
    assert not (Path(tempfile.gettempdir()) / "compute-crunch-uploads").exists()


def test_a_new_upload_replaces_the_previous_file(at, two_files):
    first = upload(at, two_files[0])
    second = upload(at, two_files[1], "second.db")
    assert not first.exists() and second.exists()
    assert list(second.parent.iterdir()) == [second]


def test_clearing_the_uploader_removes_the_file(at, two_files):
    path = upload(at, two_files[0])
    at.file_uploader(key="sweeps.upload").clear().run()
    assert not at.exception
    assert not path.exists()
    assert not any(s.value.startswith("Sweep:") for s in at.subheader)


def test_the_end_of_the_session_removes_its_folder(at, two_files):
    path = upload(at, two_files[0])
    st.cache_resource.clear()  # what Streamlit does with session resources when it ends
    assert not path.parent.exists()
    at.run()  # the page still has the upload: it is written again, in a new folder
    again = Path(at.session_state[uploads.CURRENT][1])
    assert again.exists() and again.parent != path.parent


def test_an_upload_cannot_be_opened_from_a_link(at, two_files):
    path = upload(at, two_files[0])
    other = AppTest.from_file(PAGE, default_timeout=60)
    other.query_params["db"] = str(path)
    other.run()
    assert not other.exception
    assert len(other.error) == 1 and "not opened" in other.error[0].value
    assert not any(s.value.startswith("Sweep:") for s in other.subheader)
