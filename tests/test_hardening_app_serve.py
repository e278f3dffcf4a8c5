"""``crunch app`` serves this machine only; ``--serve-room`` serves a room, without error details.

Before, ``crunch app`` listened on every interface (``::``) and showed every error in full
(exception, message, traceback with server paths). These tests start the real command as
a subprocess, read the listening address from the kernel (psutil), and load the page in
the system Chromium with a plugin that fails inside the app, so an error is on screen.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from ui.cli import room_address
from ui.serve import (
    CHROMIUM_ARGS,
    IDLE_SELECTOR,
    crunch_app,
    find_chromium,
)

CRUNCH = Path(sys.executable).with_name("crunch")
SECRET = "secret-server-path-/srv/crunch/private"
# Loads quietly in the `crunch` command itself; fails inside the Streamlit app.
PLUGIN = f"""
import sys
if "streamlit.runtime.scriptrunner" in sys.modules:
    raise RuntimeError("{SECRET}")
"""
CHROMIUM = find_chromium()
pytestmark = pytest.mark.slow


def listening(port: int) -> set[str]:
    """The addresses something listens on at ``port`` (read from the kernel)."""
    return {
        c.laddr.ip
        for c in psutil.net_connections(kind="tcp")
        if c.status == psutil.CONN_LISTEN and c.laddr.port == port
    }


def error_text(url: str) -> str:
    """The text of the error box the page shows (Chromium, after the script run ends)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if CHROMIUM is None:
        pytest.skip("no system Chromium found: apt-get install chromium (or set CHROMIUM=...)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page()
            page.set_default_timeout(60_000)
            page.goto(url)
            page.wait_for_selector("[data-testid='stException']")
            page.wait_for_selector(IDLE_SELECTOR)
            return page.inner_text("[data-testid='stException']")
        finally:
            browser.close()


def test_crunch_app_listens_only_on_this_machine_by_default(tmp_path):
    with crunch_app("app", log=tmp_path / "app.log") as (port, _):
        assert listening(port) == {"127.0.0.1"}
    assert "http://localhost:" in (tmp_path / "app.log").read_text()


def test_serving_a_room_listens_on_the_network_and_prints_its_address(tmp_path):
    args = ("app", "--serve-room", "--results-dir", str(tmp_path))
    with crunch_app(*args, log=tmp_path / "room.log") as (port, _):
        assert listening(port) == {"0.0.0.0"}
        time.sleep(0.5)
        printed = (tmp_path / "room.log").read_text()
    assert f"http://{room_address()}:{port}" in printed
    assert str(tmp_path) in printed  # which folder Sweeps may open


@pytest.mark.browser
def test_serving_a_room_shows_errors_without_details(tmp_path):
    plugin = tmp_path / "fails_in_app.py"
    plugin.write_text(PLUGIN)
    args = ("--plugin", str(plugin), "app", "--serve-room", "--results-dir", str(tmp_path))
    with crunch_app(*args, log=tmp_path / "room.log") as (port, _):
        shown = error_text(f"http://127.0.0.1:{port}")
    assert SECRET not in shown and "fails_in_app" not in shown
    assert "Traceback" not in shown and "RuntimeError" not in shown and "PluginError" not in shown
    assert SECRET in (tmp_path / "room.log").read_text()  # the host still sees it


@pytest.mark.browser
def test_on_this_machine_errors_keep_their_details(tmp_path):
    """The contrast that shows the room test can fail: the same error, served locally."""
    plugin = tmp_path / "fails_in_app.py"
    plugin.write_text(PLUGIN)
    with crunch_app("--plugin", str(plugin), "app", log=tmp_path / "app.log") as (port, _):
        shown = error_text(f"http://127.0.0.1:{port}")
    assert SECRET in shown


def test_a_results_dir_that_is_not_a_folder_is_refused_in_one_line(tmp_path):
    missing = tmp_path / "nowhere"
    done = subprocess.run(
        [str(CRUNCH), "app", "--serve-room", "--results-dir", str(missing)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "--results-dir" in done.stderr
    assert "not a folder" in done.stderr
    assert "Compute Crunch" not in done.stdout  # nothing was started
