"""Where a sweep's results go when things go wrong: no scheduler, a full disk.

An unreachable Dask scheduler leaves no results file behind; a disk that fills up
mid-sweep stops it with one line, keeping every run stored before. The full disk is
real: a file size limit (RLIMIT_FSIZE) on the sweep's process, or a small tmpfs where
this runs as root and may mount one.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import resource
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from crunch.cli import main
from experiments import runner
from experiments.executors import _probe_scheduler
from experiments.sweep import SweepInterrupted, run_sweep
from experiments.sweep_file import load_sweep

ROOT = Path(__file__).resolve().parent.parent
CRUNCH_SWEEP = [sys.executable, "-m", "crunch", "sweep"]
PLANNED = 4 * 2 * 10
WEEKS = 12
SWEEP = f"""
[sweep]
name = "storage"
scenario = "classroom"
weeks = {WEEKS}
replications = 10
seed = 21

[factors]
"market.mechanism" = ["uniform_price", "vickrey", "committee", "max_min_fair"]
"reallocation.enabled" = [true, false]
"""


@pytest.fixture
def sweep_file(tmp_path) -> Path:
    path = tmp_path / "storage.toml"
    path.write_text(SWEEP)
    return path


def side_files(db: Path) -> list[Path]:
    return [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def one_line_error(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    return err


# ---------------------------------------------------------------------------- the scheduler
@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("tcp://127.0.0.1:PORT", "cannot connect (Connection refused)"),
        ("nonsense", "is not a scheduler address"),
        ("tcp://127.0.0.1:99999", "port 99999 is not in 1-65535"),
    ],
)
def test_an_unreachable_scheduler_makes_no_results_file_and_one_line(
    tmp_path, sweep_file, capsys, address, expected
):
    db = tmp_path / "r.db"
    address = address.replace("PORT", str(free_port()))
    started = time.monotonic()
    err = one_line_error(
        capsys, ["sweep", str(sweep_file), "--out", str(db), "--scheduler", address]
    )
    assert time.monotonic() - started < 15
    assert f"--scheduler {address!r}" in err and expected in err
    assert not any(f.exists() for f in side_files(db))


def test_a_listener_that_is_not_a_dask_scheduler_is_refused_within_the_time_limit():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    accepted: list[socket.socket] = []
    thread = threading.Thread(target=lambda: accepted.append(server.accept()[0]), daemon=True)
    thread.start()
    address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
    started = time.monotonic()
    try:
        with pytest.raises(ValueError, match="no Dask scheduler answered within 1 s"):
            _probe_scheduler(address, timeout=1.0)  # accepts, then never answers
    finally:
        for conn in accepted:
            conn.close()
        server.close()
    assert time.monotonic() - started < 5


def test_an_existing_results_file_is_unchanged_when_the_scheduler_cannot_be_reached(
    tmp_path, sweep_file, capsys
):
    db = tmp_path / "r.db"
    played = {"n": 0}

    def three_then_stop(task: runner.RunTask) -> runner.RunResult:
        played["n"] += 1
        if played["n"] > 3:
            raise KeyboardInterrupt
        return runner.run_one(task)

    with pytest.raises(SweepInterrupted):
        run_sweep(load_sweep(sweep_file), db, executor="serial", run=three_then_stop)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    address = f"tcp://127.0.0.1:{free_port()}"
    err = one_line_error(
        capsys, ["sweep", str(sweep_file), "--out", str(db), "--scheduler", address]
    )
    assert "cannot connect" in err
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


# ---------------------------------------------------------------------------- a full disk
def sweep_with_file_limit(sweep_file: Path, db: Path, limit: int) -> subprocess.CompletedProcess:
    def cap_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [*CRUNCH_SWEEP, str(sweep_file), "--out", str(db), "--workers", "2", "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        preexec_fn=cap_file_size,
    )


def stored(db: Path) -> int:
    """Whole ok runs in ``db`` (checked: integrity, and every run with all its weeks)."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        n = conn.execute("SELECT COUNT(*) FROM runs WHERE status = 'ok'").fetchone()[0]
        assert conn.execute("SELECT COUNT(*) FROM weekly").fetchone()[0] == WEEKS * n
    return n


def check_stopped_with_one_line(done: subprocess.CompletedProcess, db: Path) -> int:
    assert done.returncode == 1, done.stderr[-800:]
    err = done.stderr.strip()
    assert "\n" not in err and "Traceback" not in err
    n = stored(db)
    assert 0 < n < PLANNED
    assert f"{n} of {PLANNED} runs are stored in {db}" in err
    assert err.endswith("run the same command again to resume")
    return n


def test_a_sweep_that_fills_its_file_size_limit_stops_in_one_line_keeping_what_is_stored(
    tmp_path, sweep_file
):
    db = tmp_path / "r.db"
    done = sweep_with_file_limit(sweep_file, db, 150_000)
    check_stopped_with_one_line(done, db)
    assert main(["sweep", str(sweep_file), "--out", str(db), "--quiet"]) == 0
    assert stored(db) == PLANNED


def test_a_new_results_file_that_cannot_be_written_at_all_is_not_left_behind(tmp_path, sweep_file):
    db = tmp_path / "r.db"
    done = sweep_with_file_limit(sweep_file, db, 0)
    assert done.returncode == 2, done.stderr[-800:]
    err = done.stderr.strip()
    assert "\n" not in err and "Traceback" not in err and str(db) in err
    assert not any(f.exists() for f in side_files(db))


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MiB tmpfs mounted for the test (root only; skipped where mounting is refused)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True, timeout=30)


def test_a_sweep_on_a_disk_that_fills_up_stops_in_one_line_keeping_what_is_stored(
    tmp_path, sweep_file, small_disk
):
    db = small_disk / "r.db"
    done = subprocess.run(
        [*CRUNCH_SWEEP, str(sweep_file), "--out", str(db), "--workers", "2", "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    n = check_stopped_with_one_line(done, db)
    assert "database or disk is full" in done.stderr
    for f in side_files(db):  # resume where there is room
        if f.exists():
            (tmp_path / f.name).write_bytes(f.read_bytes())
    moved = tmp_path / db.name
    assert stored(moved) == n
    assert main(["sweep", str(sweep_file), "--out", str(moved), "--quiet"]) == 0
    assert stored(moved) == PLANNED
