"""Readers and writers of one results file at the same time, all real processes.

A reader loading a file while a real ``crunch sweep`` writes it always sees whole runs
with their weekly series (one snapshot, never ``immutable``); a second writer is
refused at once with one line naming the first, so no run is computed twice; the
writer's lease dies with its process.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from experiments.analysis import load_results
from experiments.store import StoreError, open_for_sweep, open_results
from experiments.store_lease import lock_path
from experiments.sweep_file import load_sweep

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 180
WEEKS = 3


def sweep_text(replications: int) -> str:
    return f"""
[sweep]
name = "concurrent"
scenario = "classroom"
weeks = {WEEKS}
replications = {replications}
seed = 21
design = "grid"

[factors]
"market.mechanism" = ["vickrey", "committee", "uniform_price", "max_min_fair"]

[outputs]
metrics = ["jain", "mean_stress"]
"""


def sweep_file(tmp_path: Path, replications: int) -> Path:
    path = tmp_path / "sweep.toml"
    path.write_text(sweep_text(replications))
    return path


def start(sweep: Path, db: Path, *extra: str, quiet: bool = True) -> subprocess.Popen[str]:
    flags = ["--quiet"] if quiet else []
    return subprocess.Popen(
        [sys.executable, "-m", "crunch", "sweep", str(sweep), "--out", str(db), *flags, *extra],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"sweep did not finish in {TIMEOUT} s: {err}")
    return proc.returncode, out, err


def stored(db: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
        try:
            return conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def wait_for_rows(proc: subprocess.Popen[str], db: Path, at_least: int) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if db.exists() and stored(db) >= at_least:
            return
        if proc.poll() is not None:
            pytest.fail(f"sweep ended early: {proc.communicate()}")
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    pytest.fail("no runs were stored in time")


def lease_message(err: str, db: Path) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert f"{db} is being written by another crunch sweep (pid " in lines[0]
    return lines[0]


# ---------------------------------------------------------------------------- readers
def test_a_reader_loading_while_a_sweep_writes_always_sees_whole_runs(tmp_path):
    db = tmp_path / "live.db"
    proc = start(sweep_file(tmp_path, replications=30), db, "--workers", "1")
    loads, last = 0, 0
    try:
        while proc.poll() is None:
            if not db.exists() or db.stat().st_size == 0:
                time.sleep(0.002)
                continue
            try:
                res = load_results(db)
            except StoreError as err:  # only while the schema is being created
                assert "holds no results yet" in str(err) or "not an SQLite database" in str(err)
                continue
            loads += 1
            ok = set(res.runs.loc[res.runs["status"] == "ok", "run_key"])
            weeks = res.weekly.groupby("run_key").size()
            assert set(weeks.index) == ok, "the weekly series and the runs disagree"
            assert (weeks == WEEKS).all(), "a run with part of its weekly series"
            assert len(res.runs) >= last, "a later load saw fewer runs"
            last = len(res.runs)
    finally:
        rc, _, err = finish(proc)
    assert rc == 0, err
    assert loads >= 50, f"only {loads} loads overlapped the sweep"
    assert len(load_results(db).runs) == 120


def test_readers_are_not_blocked_by_the_writer_and_see_each_committed_run(tmp_path):
    sweep = load_sweep(sweep_file(tmp_path, replications=1))
    db = tmp_path / "r.db"
    with open_for_sweep(db, sweep) as writer:
        with open_results(db) as reader:
            assert reader.counts()["ok"] == 0
        writer.set_meta("planned_runs", "4")
        with open_results(db) as reader:
            assert reader.counts()["planned"] == 4


# ---------------------------------------------------------------------------- writers
def test_a_sweep_on_a_file_another_writer_holds_is_refused_at_once(tmp_path):
    sweep = sweep_file(tmp_path, replications=2)
    db = tmp_path / "busy.db"
    with open_for_sweep(db, load_sweep(sweep)) as writer:  # a writer in this process
        rc, out, err = finish(start(sweep, db, "--executor", "serial"))
        assert writer.counts()["ok"] == 0
    assert rc == 2 and out == ""
    assert f"(pid {os.getpid()} on " in lease_message(err, db)
    assert not lock_path(db).exists()
    assert finish(start(sweep, db, "--executor", "serial"))[0] == 0
    assert stored(db) == 8


def test_two_sweeps_started_together_compute_every_run_once(tmp_path):
    sweep = sweep_file(tmp_path, replications=8)
    for attempt in range(3):
        db = tmp_path / f"together{attempt}.db"
        procs = [start(sweep, db, "--executor", "serial", quiet=False) for _ in range(2)]
        results = [finish(p) for p in procs]
        computed = 0
        for rc, out, err in results:
            if rc == 2:  # refused before running anything
                lease_message(err, db)
                continue
            assert rc == 0, err
            computed += int(re.search(r"runs planned: (\d+) ok", out).group(1))
        assert computed == 32, results  # each run once: by one, or none by a late second
        assert stored(db) == 32
        assert not lock_path(db).exists()


def test_the_lease_dies_with_a_killed_sweep(tmp_path):
    sweep = sweep_file(tmp_path, replications=30)
    db = tmp_path / "killed.db"
    first = start(sweep, db, "--workers", "2")
    try:
        wait_for_rows(first, db, at_least=3)
        os.kill(first.pid, signal.SIGKILL)  # kill -9: no chance to release anything
        first.wait(timeout=TIMEOUT)
        rc, _, err = finish(start(sweep, db, "--executor", "serial"))
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(first.pid, signal.SIGKILL)  # its forked workers, if any linger
    assert rc == 0, err
    assert stored(db) == 120


def test_a_second_store_in_one_process_is_refused_until_the_first_closes(tmp_path):
    sweep = load_sweep(sweep_file(tmp_path, replications=1))
    db = tmp_path / "r.db"
    first = open_for_sweep(db, sweep)
    try:
        assert lock_path(db).read_text().startswith(f"pid {os.getpid()} on ")
        with pytest.raises(StoreError, match="being written by another crunch sweep"):
            open_for_sweep(db, sweep)
        with pytest.raises(StoreError, match="being written by another crunch sweep"):
            open_for_sweep(tmp_path / "." / "r.db", sweep)  # another spelling of the path
    finally:
        first.close()
    assert not lock_path(db).exists()
    open_for_sweep(db, sweep).close()


def test_discarding_a_new_empty_file_removes_it_under_the_lease(tmp_path):
    sweep = load_sweep(sweep_file(tmp_path, replications=1))
    db = tmp_path / "new.db"
    store = open_for_sweep(db, sweep)
    assert store.created
    assert store.discard() is True
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sweep.toml"]
    open_for_sweep(db, sweep).close()  # made again, closed: a kept, resumable file
    again = open_for_sweep(db, sweep)
    assert not again.created
    assert again.discard() is False  # not made by this store: never deleted
    assert db.exists() and not lock_path(db).exists()
