"""A running ``crunch sweep`` whose worker dies, or which is told to stop.

Real subprocesses, real ``kill -9`` of real worker pids (found as children of the sweep
process), real SIGTERM/SIGINT to the sweep and to its process group. Every wait has a
timeout, so a sweep that hangs fails the test instead of hanging it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

from crunch.cli import main
from experiments import runner
from experiments.store import open_results
from experiments.sweep import run_sweep
from experiments.sweep_file import load_sweep

ROOT = Path(__file__).resolve().parent.parent
PLANNED = 4 * 2 * 15
WEEKS = 16
SWEEP = f"""
[sweep]
name = "killable"
scenario = "classroom"
weeks = {WEEKS}
replications = 15
seed = 11

[factors]
"market.mechanism" = ["uniform_price", "vickrey", "committee", "max_min_fair"]
"reallocation.enabled" = [true, false]

[outputs]
metrics = ["jain", "mean_stress"]
"""


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sweep") / "killable.toml"
    path.write_text(SWEEP)
    return path


@pytest.fixture(scope="module")
def serial_reference(sweep_file) -> pd.DataFrame:
    db = sweep_file.parent / "serial.db"
    assert run_sweep(load_sweep(sweep_file), db, executor="serial").ok == PLANNED
    return export(db)


def export(db: Path) -> pd.DataFrame:
    """The runs as exported, without the columns that legitimately vary between runs."""
    with open_results(db) as store:
        runs = store.runs_frame()
    return runs[[c for c in runs.columns if not c.startswith(("timing_", "worker_"))]]


def counts(db: Path) -> tuple[int, int]:
    """(rows, failed rows) stored so far (0, 0 while the file is being created)."""
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            n, failed = conn.execute("SELECT COUNT(*), SUM(status = 'failed') FROM runs").fetchone()
            return n, failed or 0
        finally:
            conn.close()
    except sqlite3.Error:
        return 0, 0


def start(sweep_file: Path, db: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "crunch", "sweep", str(sweep_file), "--out", str(db), *extra],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, like a shell job
    )


def stop_hard(proc: subprocess.Popen, why: str) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    pytest.fail(why)


def worker_pids(pid: int) -> list[int]:
    """The sweep's pool workers: its children running the same command (forked)."""
    parent = psutil.Process(pid)
    command = parent.cmdline()
    found = []
    for child in parent.children():
        try:
            if child.cmdline() == command:
                found.append(child.pid)
        except psutil.Error:  # a short-lived helper (e.g. git) that just ended
            continue
    return found


def running_with_workers(proc: subprocess.Popen, db: Path, rows: int = 5) -> list[int]:
    """Wait until ``rows`` runs are stored; return the pids of the pool's workers."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the sweep ended early: {proc.communicate()[1][-500:]}")
        workers = worker_pids(proc.pid)
        if counts(db)[0] >= rows and len(workers) == 2:
            return workers
        time.sleep(0.02)
    stop_hard(proc, "the sweep did not store runs in time")
    return []


def finish(proc: subprocess.Popen, seconds: float) -> tuple[str, str, float]:
    """Wait for the sweep to end; fail (and kill it) if it takes longer than ``seconds``."""
    t0 = time.monotonic()
    try:
        out, err = proc.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        stop_hard(proc, f"the sweep was still running after {seconds:.0f} s")
    return out, err, time.monotonic() - t0


def all_gone(pids: list[int], seconds: float = 5.0) -> bool:
    procs = []
    for pid in pids:
        with contextlib.suppress(psutil.NoSuchProcess):
            procs.append(psutil.Process(pid))
    _gone, alive = psutil.wait_procs(procs, timeout=seconds)
    return all(_ended(p) for p in alive)


def _ended(process: psutil.Process) -> bool:
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def whole_and_consistent(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        ok = conn.execute("SELECT COUNT(*) FROM runs WHERE status = 'ok'").fetchone()[0]
        weeks = conn.execute("SELECT COUNT(*) FROM weekly").fetchone()[0]
    assert weeks == WEEKS * ok  # every stored run is whole
    return ok


# ---------------------------------------------------------------------------- kill -9 a worker
def test_a_worker_killed_with_kill_9_costs_one_failed_run_and_the_sweep_finishes(
    tmp_path, sweep_file, serial_reference
):
    db = tmp_path / "r.db"
    proc = start(sweep_file, db, "--workers", "2")
    victim = running_with_workers(proc, db)[0]
    os.kill(victim, signal.SIGKILL)
    out, err, _ = finish(proc, 120)
    assert proc.returncode == 1, err[-500:]
    assert f"{PLANNED} runs planned: {PLANNED - 1} ok, 1 failed" in out
    assert "--retry-failed" in out and "Traceback" not in err
    runs = export(db)
    assert len(runs) == PLANNED and runs["run_key"].is_unique
    failed = runs[runs["status"] == "failed"]
    assert len(failed) == 1
    error = failed["error"].iloc[0]
    assert f"worker process {victim} killed by signal 9 (SIGKILL)" in error
    assert "\n" not in error and "rerun it with --retry-failed" in error
    assert whole_and_consistent(db) == PLANNED - 1

    # --retry-failed plays it again; the result is what a serial sweep gives
    rc = main(["sweep", str(sweep_file), "--out", str(db), "--workers", "2", "--quiet"])
    assert rc == 1  # the failure is kept without --retry-failed
    argv = ["sweep", str(sweep_file), "--out", str(db), "--workers", "2", "--retry-failed"]
    assert main([*argv, "--quiet"]) == 0
    pd.testing.assert_frame_equal(export(db), serial_reference)


def stop_when_killed(task: runner.RunTask) -> runner.RunResult:
    """Play a run; the worker given the run named in $CRUNCH_TEST_KILL gets SIGKILL."""
    if task.run_key == os.environ.get("CRUNCH_TEST_KILL"):
        os.kill(os.getpid(), signal.SIGKILL)
    return runner.run_one(task)


def test_the_run_whose_worker_died_is_the_one_stored_failed_and_results_match_serial(
    tmp_path, sweep_file, serial_reference, monkeypatch
):
    db = tmp_path / "r.db"
    sweep = load_sweep(sweep_file)
    monkeypatch.setenv("CRUNCH_TEST_KILL", "p3-r4")
    outcome = run_sweep(sweep, db, executor="processes", workers=2, run=stop_when_killed)
    assert (outcome.ok, outcome.failed, outcome.failures) == (PLANNED - 1, 1, ["p3-r4"])
    runs = export(db)
    ok = runs[runs["status"] == "ok"].reset_index(drop=True)
    ref = serial_reference[serial_reference["run_key"] != "p3-r4"].reset_index(drop=True)
    pd.testing.assert_frame_equal(ok, ref)

    monkeypatch.delenv("CRUNCH_TEST_KILL")
    again = run_sweep(sweep, db, executor="processes", workers=2, retry_failed=True)
    assert (again.todo, again.ok, again.failed) == (1, 1, 0)
    pd.testing.assert_frame_equal(export(db), serial_reference)


# ---------------------------------------------------------------------------- stopping
def test_sigterm_to_the_group_after_a_worker_died_ends_the_sweep_within_seconds(
    tmp_path, sweep_file
):
    db = tmp_path / "r.db"
    proc = start(sweep_file, db, "--workers", "2")
    workers = running_with_workers(proc, db)
    os.kill(workers[0], signal.SIGKILL)
    time.sleep(0.5)
    replacement = worker_pids(proc.pid)
    os.killpg(proc.pid, signal.SIGTERM)
    _out, err, seconds = finish(proc, 30)
    assert seconds < 10
    assert proc.returncode == 130
    last = err.strip().splitlines()[-1]
    assert "Traceback" not in err
    assert f"runs are stored in {db}" in last and "run the same command again to resume" in last
    assert all_gone(workers + replacement)
    stored = whole_and_consistent(db)
    assert f"{counts(db)[0]} of {PLANNED} runs are stored" in last
    assert stored >= 5

    rc = main(["sweep", str(sweep_file), "--out", str(db), "--retry-failed", "--quiet"])
    assert rc == 0
    assert counts(db) == (PLANNED, 0)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_the_sweep_process_alone_ends_it_and_its_workers(tmp_path, sweep_file, signum):
    db = tmp_path / "r.db"
    proc = start(sweep_file, db, "--workers", "2", "--quiet")
    workers = running_with_workers(proc, db)
    os.kill(proc.pid, signum)
    _out, err, seconds = finish(proc, 30)
    assert seconds < 10 and proc.returncode == 130
    assert "run the same command again to resume" in err.strip().splitlines()[-1]
    assert all_gone(workers)
    whole_and_consistent(db)


def test_kill_9_of_the_sweep_process_takes_its_workers_with_it(tmp_path, sweep_file):
    db = tmp_path / "r.db"
    proc = start(sweep_file, db, "--workers", "2", "--quiet")
    workers = running_with_workers(proc, db)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    try:
        assert all_gone(workers), "orphaned workers kept running after the sweep died"
    finally:
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    whole_and_consistent(db)


def test_a_worker_sent_sigterm_alone_stops_the_sweep_as_interrupted_not_failed(
    tmp_path, sweep_file
):
    db = tmp_path / "r.db"
    proc = start(sweep_file, db, "--workers", "2", "--quiet")
    workers = running_with_workers(proc, db)
    os.kill(workers[1], signal.SIGTERM)
    _out, err, seconds = finish(proc, 30)
    assert seconds < 10 and proc.returncode == 130, err[-500:]
    assert "run the same command again to resume" in err.strip().splitlines()[-1]
    assert counts(db)[1] == 0, "a worker asked to stop is not a failed run"
    assert all_gone(workers)
