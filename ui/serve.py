"""Serve a Streamlit script headless on a local port, and find the system Chromium.

The browser tests and ``benchmarks/bench_app.py`` both start ``streamlit run`` on a free
port, wait for ``/_stcore/health`` and drive the page with Playwright in the system
Chromium (these machines cannot download Playwright's own browser). This module holds
that plumbing once.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
# Headless flags that keep Chromium off the (closed) network and quiet as root.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
# The app is idle (no script run under way) when this matches.
IDLE_SELECTOR = "[data-testid='stApp'][data-test-script-state='notRunning']"


def find_chromium() -> str | None:
    """The system Chromium: ``$CHROMIUM``, ``/usr/bin/chromium``, or one on the ``PATH``."""
    for candidate in (
        os.environ.get("CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_health(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    """Return once ``url/_stcore/health`` says ``ok``.

    Raises:
        RuntimeError: If the server process exits first.
        TimeoutError: If it is not healthy within ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early with status {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url}/_stcore/health did not say ok within {timeout:.0f} s")


@contextmanager
def serving(
    script: Path = APP,
    *,
    log: IO[str] | None = None,
    env: Mapping[str, str] | None = None,
    args: Sequence[str] = (),
    port: int | None = None,
) -> Iterator[str]:
    """Run ``streamlit run script`` headless on 127.0.0.1 and a free port; yield its URL.

    The server runs in its own process group and is stopped (SIGTERM, then SIGKILL)
    when the block ends.

    Args:
        script: The Streamlit script; it runs with the project root as working directory.
        log: Where the server's output goes (discarded when ``None``).
        env: Environment variables set for the server on top of this process's.
        args: More ``streamlit run`` options, e.g. ``["--client.showErrorDetails=none"]``.
        port: The port to serve on (default: a free one). Giving the port a stopped server
            used lets a test restart "the same" server: the same links open it again.
    """
    port = free_port() if port is None else port
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.headless=true",
        "--server.address=127.0.0.1",
        f"--server.port={port}",
        "--server.fileWatcherType=none",
        "--browser.gatherUsageStats=false",
        *args,
    ]
    out = log if log is not None else subprocess.DEVNULL
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, **(env or {})},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, proc)
        yield url
    finally:
        stop_group(proc)


def stop_group(proc: subprocess.Popen, timeout: float = 15.0) -> None:
    """Stop a server started with ``start_new_session=True`` (nothing if it already ended).

    SIGTERM to its process group; SIGKILL if it is still there after ``timeout`` seconds.
    """
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


@contextmanager
def crunch_app(*args: str, log: Path) -> Iterator[tuple[int, subprocess.Popen]]:
    """Run ``crunch [args] --port P --headless`` until the block ends; yield the port."""
    port = free_port()
    cmd = [str(Path(sys.executable).with_name("crunch")), *args, "--port", str(port), "--headless"]
    with open(log, "w") as out:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_for_health(f"http://127.0.0.1:{port}", proc)
        yield port, proc
    finally:
        stop_group(proc)
