"""Helpers for the tests that run a real ``crunch sweep`` in a subprocess and kill it."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

__all__ = ["start_sweep", "stored_rows", "wait_for_rows"]


def stored_rows(db: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def start_sweep(sweep_file: Path, db: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "crunch", "sweep", str(sweep_file), "--out", str(db), *extra],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, like a shell job
    )


def wait_for_rows(proc: subprocess.Popen, db: Path, at_least: int, timeout: float = 60.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        n = stored_rows(db)
        if n >= at_least:
            return n
        if proc.poll() is not None:
            pytest.fail(f"sweep ended early: {proc.stderr.read() if proc.stderr else ''}")
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    pytest.fail("no rows appeared in time")
