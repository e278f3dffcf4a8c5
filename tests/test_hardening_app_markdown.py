"""Names and descriptions from files read literally in the app, never as markdown.

A sweep's or scenario's name and description and an uploaded file's name come from files
anyone can hand over. Rendered as markdown, ``![x](http://host/pixel)`` made the browser
fetch an attacker's URL and ``[click](http://evil)`` drew a phishing link. Every element
now gets them escaped (``ui.text.md_escape``). ``test_hardening_app_browser`` checks the
same in Chromium; here the markdown the app sends is checked with AppTest.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import streamlit as st
from app_helpers import two_rule_sweep
from streamlit.testing.v1 import AppTest

from experiments.sweep import run_sweep
from experiments.sweep_file import sweep_from_toml
from game import load_scenario
from ui.text import md_escape, plain, safe_filename

ROOT = Path(__file__).resolve().parent.parent
SWEEPS = str(ROOT / "ui" / "pages" / "sweeps.py")
APP = str(ROOT / "app.py")
IMAGE = "![x](http://127.0.0.1:9/pixel)"
LINK = "[click](http://evil.example/login)"
EVIL = f"{IMAGE} {LINK}"


JOINER = "\u2060"  # the invisible word joiner md_escape puts after ":" and "@"


def markup(value: str) -> str:
    """What markdown would act on: the text with every backslash-escaped character removed."""
    return re.sub(r"\\.", "", value).replace(JOINER, "")


def shown(value: str) -> str:
    """What the reader sees: escapes resolved, word joiners invisible."""
    return re.sub(r"\\(.)", r"\1", value).replace(JOINER, "")


def assert_literal(value: str, payload: str = EVIL) -> None:
    """``value`` shows ``payload`` as text: no link, image, autolink or HTML left to render."""
    active = markup(value)
    for token in ("[", "](", "<", "://", "www."):
        assert token not in active, (token, value)
    assert plain(payload) in shown(value), value
    for url in re.findall(r"https?:\S*", shown(value)):  # no URL left for GFM to link
        assert url not in value.replace("\\", ""), url


@pytest.fixture(autouse=True)
def fresh_caches():
    st.cache_data.clear()
    yield
    st.cache_data.clear()


@pytest.mark.parametrize(
    "text",
    [
        EVIL,
        "<img src=http://h/p> <http://h/a> http://h/b www.h.example a@h.example",
        ":red[warning] :material/home: :smile: $x^2$ `code` **b** _i_ ~~s~~ a | b",
        "# heading",
        "- item",
        "+ item",
        "1. first",
        "> quote",
        "=== underline",
        "line one\n\n# second line\n- item",
        "back\\slash \\[x](y)",
        "bidi \u202eevil\u202c and zero\u200bwidth",
    ],
)
def test_md_escape_leaves_nothing_for_markdown_to_act_on(text):
    escaped = md_escape(text)
    assert "\n" not in escaped
    active = markup(escaped)
    for token in ("[", "](", "<", "://", "www.", "@", "`", "*", "$", ":", "~", "|", "#"):
        assert token not in active, (token, escaped)
    assert not re.match(r"\s*(?:[-+=>]|\d+\.)", active), escaped
    assert shown(escaped) == plain(text)  # reads as the text itself
    for found in re.findall(r"https?://|www\.|\w@\w|:\w+:", escaped.replace("\\", "")):
        pytest.fail(f"GFM or emoji would still find {found!r} in {escaped!r}")


def test_md_escape_keeps_ordinary_names_as_they_are():
    for name in ("lab-2025", "market.mechanism = 'barter'", "lab.research_teams = 0", "a_b_c"):
        assert md_escape(name) == name


def test_download_names_keep_only_plain_file_name_characters():
    assert safe_filename("../../etc/passwd") == "etc-passwd"
    assert safe_filename(EVIL) == "x-http-127.0.0.1-9-pixel-click-http-evil.example-login"
    assert safe_filename("...", "scenario") == "scenario"


def test_a_sweep_named_with_markdown_shows_its_name_and_description_literally(tmp_path):
    db = tmp_path / "evil.db"
    run_sweep(sweep_from_toml(two_rule_sweep(EVIL, f"Read me: {EVIL}\n# not a heading")), db)
    at = AppTest.from_file(SWEEPS, default_timeout=60)
    at.run()
    at.text_input(key="sweeps.path").set_value(str(db)).run()
    assert not at.exception and not at.error
    assert_literal(at.subheader[0].value)
    description = next(c.value for c in at.caption if "Read me" in c.value)
    assert_literal(description)
    assert "#" not in markup(description)


def test_an_uploaded_scenario_named_with_markdown_shows_literally_on_every_page():
    text = load_scenario("classroom").to_toml()
    text = text.replace('name = "classroom"', f"name = {EVIL!r}", 1)
    text = re.sub(r'(?m)^description = ".*"$', f"description = {EVIL!r}", text, count=1)
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    at.sidebar.file_uploader[0].upload(f"{LINK}.toml", text.encode()).run()
    assert not at.exception and not at.sidebar.error
    assert at.session_state["scenario"].name == EVIL
    playing = next(c.value for c in at.sidebar.caption if c.value.startswith("Playing"))
    assert_literal(playing)
    assert markup(playing).count("**") == 2  # the app's own bold around the name still works
    assert_literal(at.toast[0].value, LINK)  # "Loaded <file name>: week 0."
    at.switch_page("ui/pages/compare.py").run()
    assert not at.exception
    assert_literal(at.caption[0].value, EVIL)


def test_a_refused_scenario_upload_names_the_file_literally():
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    at.sidebar.file_uploader[0].upload(f"{IMAGE}.toml", b"weeks = [1, 2").run()
    assert not at.exception
    message = at.sidebar.error[0].value
    assert "TOML does not parse" in message
    assert_literal(message, IMAGE)
