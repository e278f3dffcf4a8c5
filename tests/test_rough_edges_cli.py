"""The command line's rough edges a new user hits (issue 15): pipes, signals, the toolbar, the rule.

Each test runs the real ``crunch`` command as a subprocess: a reader that stops early must
not end it with a ``BrokenPipeError`` traceback, SIGTERM to ``crunch app`` must stop the
Streamlit server it started, the app's toolbar has no "Deploy" button, and a run whose
committee overrides ``--mechanism`` says which rule decided.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import psutil
import pytest

from ui.cli import TOOLBAR_MODE, streamlit_command
from ui.serve import (
    CHROMIUM_ARGS,
    IDLE_SELECTOR,
    ROOT,
    crunch_app,
    find_chromium,
    free_port,
    wait_for_health,
)

CRUNCH = Path(sys.executable).with_name("crunch")
CHROMIUM = find_chromium()


def run_into_closed_pipe(*args: str, buffered: bool = True) -> subprocess.CompletedProcess:
    """Run ``crunch args`` with its standard output on a pipe nobody reads any more.

    The read end is closed before the command starts, so its first write (or the
    interpreter's flush at exit) meets a broken pipe, as ``crunch run | head`` does once
    ``head`` has its lines. ``buffered`` leaves standard output block-buffered, as it is
    for every user whose environment does not set ``PYTHONUNBUFFERED``.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if not buffered:
        env["PYTHONUNBUFFERED"] = "1"
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [str(CRUNCH), *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=120,
        )
    finally:
        os.close(write_end)


# ---------------------------------------------------------------------------- pipes
@pytest.mark.parametrize(
    "args",
    [
        ("run", "--scenario", "classroom", "--weeks", "3"),
        ("mechanisms",),
        ("keys", "emotion"),
        ("--help",),
        ("run", "--help"),
    ],
    ids=["run", "mechanisms", "keys", "help", "run-help"],
)
@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
def test_a_reader_that_stops_early_ends_crunch_quietly(args, buffered):
    done = run_into_closed_pipe(*args, buffered=buffered)
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr
    assert "Exception ignored" not in done.stderr
    assert done.returncode == 0


# ---------------------------------------------------------------------------- crunch app
def _session_processes(pid: int) -> list[psutil.Process]:
    """Every live process of the session ``pid`` leads (the command and anything it started)."""
    out = []
    for proc in psutil.process_iter(["pid"]):
        try:
            if os.getsid(proc.pid) == pid and proc.status() != psutil.STATUS_ZOMBIE:
                out.append(proc)
        except (ProcessLookupError, psutil.Error, OSError):
            continue
    return out


def _port_open(port: int) -> bool:
    import socket

    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.slow
def test_sigterm_to_crunch_app_stops_its_streamlit_server(tmp_path):
    port = free_port()
    with open(tmp_path / "app.log", "w") as log:
        proc = subprocess.Popen(
            [str(CRUNCH), "app", "--headless", "--port", str(port)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own session: whatever it starts is found by sid
        )
    try:
        wait_for_health(f"http://127.0.0.1:{port}", proc)
        assert _session_processes(proc.pid), "nothing is serving"
        os.kill(proc.pid, signal.SIGTERM)  # the command only, as a service manager does
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (_port_open(port) or _session_processes(proc.pid)):
            time.sleep(0.2)
        left = [p.pid for p in _session_processes(proc.pid)]
        assert not _port_open(port), f"port {port} still serves after SIGTERM"
        assert not left, f"processes still running after SIGTERM: {left}"
        assert proc.wait(timeout=5) is not None
    finally:
        if proc.poll() is None or _session_processes(proc.pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


# ---------------------------------------------------------------------------- the toolbar
def test_the_app_is_served_without_the_deploy_button():
    cmd = streamlit_command(8600, headless=True)
    assert cmd[cmd.index("--client.toolbarMode") + 1] == TOOLBAR_MODE == "viewer"
    room = streamlit_command(8600, room=True)
    assert room[room.index("--client.toolbarMode") + 1] == "viewer"
    # `streamlit run app.py` by hand reads the project's config: the same mode.
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["toolbarMode"] == "viewer"


@pytest.mark.slow
@pytest.mark.browser
def test_the_served_page_has_no_deploy_button(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    if CHROMIUM is None:
        pytest.skip("no system Chromium found: apt-get install chromium (or set CHROMIUM=...)")
    with (
        crunch_app("app", log=tmp_path / "app.log") as (port, _),
        sync_api.sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page()
            page.set_default_timeout(60_000)
            page.goto(f"http://127.0.0.1:{port}")
            page.wait_for_selector(IDLE_SELECTOR)
            page.wait_for_selector("[data-testid='stToolbar']", state="attached")
            assert page.locator("[data-testid='stAppDeployButton']").count() == 0
            assert page.get_by_text("Deploy", exact=True).count() == 0
        finally:
            browser.close()


# ---------------------------------------------------------------------------- the rule
def test_a_committee_run_says_the_committee_decided_not_the_mechanism_asked_for():
    done = subprocess.run(
        [
            str(CRUNCH),
            "run",
            "--scenario",
            "classroom",
            "--weeks",
            "2",
            "--mechanism",
            "vickrey",
            "--set",
            "governance.mode=committee",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    head = done.stdout.splitlines()[:2]
    assert "rule committee (Leadership committee)" in head[0]
    assert "mechanism vickrey" not in head[0]
    assert "Leadership committee decides" in head[1] and "vickrey" in head[1]
    assert "not used" in head[1]
    assert "--mechanism vickrey" in done.stderr and "Leadership committee decides" in done.stderr


def test_a_run_whose_mechanism_clears_names_no_override():
    done = subprocess.run(
        [str(CRUNCH), "run", "--scenario", "classroom", "--weeks", "2", "--mechanism", "vickrey"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "rule vickrey (Vickrey" in done.stdout.splitlines()[0]
    assert "decides" not in done.stdout and "not used" not in done.stderr


# ---------------------------------------------------------------------------- docs
README = ROOT / "README.md"
BASH_BLOCKS = re.findall(r"```bash\n(.*?)```", README.read_text(), flags=re.S)
OUTPUT_OPTION = re.compile(r"(--out|--csv|--weekly-csv) (\S+)")


def test_the_readme_points_at_nothing_outside_the_repository():
    text = README.read_text()
    assert "../" not in text
    for target in re.findall(r"\]\(([^)]+)\)", text):  # every markdown link
        if not re.match(r"https?://", target):
            assert (ROOT / target.split("#")[0]).exists(), target


def test_the_readme_layout_lists_every_top_level_package():
    layout = README.read_text().split("## Layout", 1)[1].split("##", 1)[0]
    listed = set(re.findall(r"^(\w+)/", layout, flags=re.M))
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert packages <= listed, f"missing from the Layout: {sorted(packages - listed)}"


def test_the_readme_sweep_examples_write_only_into_git_ignored_folders():
    lines = [
        line
        for block in BASH_BLOCKS
        for line in block.splitlines()
        if re.search(r"crunch (sweep|results|report)|mechanism_grid", line)
    ]
    outputs = [
        m.group(2) for line in lines for m in OUTPUT_OPTION.finditer(line) if m.group(2) != "-"
    ]
    assert len(outputs) >= 4, outputs
    for path in outputs:
        ignored = subprocess.run(
            ["git", "check-ignore", "-q", "--no-index", path], cwd=ROOT, check=False
        )
        assert ignored.returncode == 0, f"{path}: written into the repository, not git-ignored"
        assert "/" in path, f"{path}: written into the repository root"


def test_crunch_app_help_names_every_page_of_the_app():
    titles = re.findall(r'title="([^"]+)"', (ROOT / "app.py").read_text())
    assert {"Explore", "Compare", "Learn", "Sweeps"} <= set(titles)
    done = subprocess.run(
        [str(CRUNCH), "app", "--help"], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    shown = " ".join(done.stdout.split())
    missing = [t for t in titles if t not in shown]
    assert not missing, f"crunch app --help does not name: {missing}"
