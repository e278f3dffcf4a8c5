"""Damage inside a results file is found on open: one line, exit 2, the file untouched.

The damaged files are made for real: a real sweep finishes a results file, then 8 KB of
it (two pages) are overwritten with zeros at the pages of the runs table, its index or
the weekly table.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from experiments.store import StoreError, open_for_sweep, open_results
from experiments.sweep import run_sweep
from experiments.sweep_file import load_sweep

TIMEOUT = 90

SWEEP = """
[sweep]
name = "damage"
scenario = "classroom"
weeks = 3
replications = 10
seed = 12
design = "grid"

[factors]
"market.mechanism" = ["vickrey", "committee", "uniform_price", "max_min_fair"]

[outputs]
metrics = ["jain", "mean_stress", "efficiency"]
"""
PLANNED = 40


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> tuple[Path, Path]:
    """A results file holding every run of a real sweep, and the sweep file."""
    tmp = tmp_path_factory.mktemp("damage")
    sweep_file = tmp / "sweep.toml"
    sweep_file.write_text(SWEEP)
    db = tmp / "finished.db"
    assert run_sweep(load_sweep(sweep_file), db, executor="processes", workers=2).ok == PLANNED
    return db, sweep_file


def root_page(db: Path, name: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = ?", (name,)
        ).fetchone()[0]
    finally:
        conn.close()


def zeroed(finished: tuple[Path, Path], tmp_path: Path, name: str) -> Path:
    """A copy of the finished file with 8 KB of zeros from the first page of ``name``."""
    db = tmp_path / "damaged.db"
    shutil.copy(finished[0], db)
    page = root_page(db, name)
    with db.open("r+b") as fh:  # no connection is open on the copy
        fh.seek((page - 1) * 4096)
        fh.write(b"\0" * 8192)
    return db


def crunch(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crunch", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


OBJECTS = ["runs", "sqlite_autoindex_runs_1", "runs_point", "weekly"]


def test_the_finished_file_is_resumed_as_complete(finished, tmp_path):
    db = tmp_path / "copy.db"
    shutil.copy(finished[0], db)
    proc = crunch("sweep", str(finished[1]), "--out", str(db), "--executor", "serial", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert f"{PLANNED} already stored" in proc.stdout


@pytest.mark.parametrize("name", OBJECTS)
def test_a_resumed_sweep_refuses_a_damaged_file_in_one_line_and_leaves_it(finished, tmp_path, name):
    db = zeroed(finished, tmp_path, name)
    before = digest(db)
    proc = crunch("sweep", str(finished[1]), "--out", str(db), "--executor", "serial", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "is damaged" in lines[0] and "use another --out file" in lines[0]
    assert "already stored" not in proc.stdout
    assert digest(db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["damaged.db"]


@pytest.mark.parametrize("name", OBJECTS)
@pytest.mark.parametrize("command", ["results", "report"])
def test_reading_a_damaged_file_says_so_in_one_line(finished, tmp_path, name, command):
    db = zeroed(finished, tmp_path, name)
    proc = crunch(command, str(db), cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "is damaged" in lines[0]
    assert not (tmp_path / "damaged.html").exists()


@pytest.mark.parametrize("name", OBJECTS)
def test_every_opener_refuses_a_damaged_file(finished, tmp_path, name):
    db = zeroed(finished, tmp_path, name)
    for opener in (lambda: open_results(db), lambda: open_for_sweep(db, load_sweep(finished[1]))):
        with pytest.raises(StoreError, match="is damaged"):
            opener().close()
