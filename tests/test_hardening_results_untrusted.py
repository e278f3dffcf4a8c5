"""Results files are untrusted input: crafted files are refused in one line, in seconds.

Every crafted file is built for real with sqlite3 from a results file a real sweep
wrote; the commands run as real ``crunch`` processes under a timeout, so a regression
(a query that never ends) fails the test instead of hanging it.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from experiments.analysis import load_results
from experiments.store import StoreError
from experiments.sweep import run_sweep
from experiments.sweep_file import load_sweep

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 90  # seconds a crunch command may take here before the test calls it hung

SWEEP = """
[sweep]
name = "untrusted"
scenario = "classroom"
weeks = 2
replications = 2
seed = 11
design = "grid"

[factors]
"market.mechanism" = ["vickrey", "committee"]

[outputs]
metrics = ["jain", "mean_stress"]
"""

ENDLESS = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n)"


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> tuple[Path, Path]:
    """A finished results file from a real sweep, and its sweep file."""
    tmp = tmp_path_factory.mktemp("untrusted")
    sweep_file = tmp / "sweep.toml"
    sweep_file.write_text(SWEEP)
    db = tmp / "good.db"
    assert run_sweep(load_sweep(sweep_file), db, executor="serial").ok == 4
    return db, sweep_file


def crafted(finished: tuple[Path, Path], tmp_path: Path, *statements: str) -> Path:
    """A copy of the finished file with ``statements`` applied by plain sqlite3."""
    db = tmp_path / "crafted.db"
    shutil.copy(finished[0], db)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, as uploaded
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()
    return db


def crunch(*args: str, cwd: Path) -> tuple[int, str, str, float]:
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "crunch", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    return proc.returncode, proc.stdout, proc.stderr, time.monotonic() - t0


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


VIEW_OVER_ENDLESS_QUERY = (
    "ALTER TABLE runs RENAME TO runs_real",
    f"CREATE VIEW runs AS {ENDLESS} SELECT r.* FROM runs_real r, n",
)


@pytest.mark.parametrize("command", ["results", "report"])
def test_a_view_named_runs_over_an_endless_query_is_refused_in_one_line(
    finished, tmp_path, command
):
    db = crafted(finished, tmp_path, *VIEW_OVER_ENDLESS_QUERY)
    before = digest(db)
    rc, _, err, seconds = crunch(command, str(db), cwd=tmp_path)
    assert rc == 2
    assert "'runs' is a view, not a table" in one_line(err)
    assert seconds < TIMEOUT / 2
    assert digest(db) == before
    assert not (tmp_path / "crafted.html").exists()


OPENERS = """
import sys
from experiments.analysis import load_results
from experiments.store import StoreError, open_for_sweep, open_results
from experiments.sweep_file import load_sweep

db, sweep_file = sys.argv[1], sys.argv[2]
for name, opener in [
    ("load_results", lambda: load_results(db)),
    ("open_results", lambda: open_results(db)),
    ("open_for_sweep", lambda: open_for_sweep(db, load_sweep(sweep_file))),
]:
    try:
        opener()
    except StoreError as err:
        print(name, "refused:", err)
    else:
        print(name, "opened it")
"""


def test_a_view_named_runs_is_refused_by_every_opener(finished, tmp_path):
    db = crafted(finished, tmp_path, *VIEW_OVER_ENDLESS_QUERY)
    proc = subprocess.run(  # in a child process, so a regression times out, not hangs
        [sys.executable, "-c", OPENERS, str(db), str(finished[1])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    lines = proc.stdout.splitlines()
    assert [line.split(" refused: ")[0] for line in lines] == [
        "load_results",
        "open_results",
        "open_for_sweep",
    ], proc.stdout + proc.stderr
    assert all("'runs' is a view, not a table" in line for line in lines)


def test_a_trigger_is_refused_before_a_resumed_sweep_writes_anything(finished, tmp_path):
    db = crafted(
        finished,
        tmp_path,
        "DELETE FROM runs WHERE run_key = 'p1-r1'",
        f"CREATE TRIGGER burn AFTER INSERT ON runs BEGIN {ENDLESS} SELECT max(i) FROM n; END",
    )
    before = digest(db)
    rc, _, err, _ = crunch(
        "sweep", str(finished[1]), "--out", str(db), "--executor", "serial", cwd=tmp_path
    )
    assert rc == 2
    assert "holds a trigger ('burn')" in one_line(err)
    assert digest(db) == before


@pytest.mark.parametrize(
    ("statements", "expected"),
    [
        (
            ["DROP TABLE weekly", "CREATE VIRTUAL TABLE weekly USING fts5(run_key, week)"],
            "'weekly' is a virtual table, not a table",
        ),
        (
            ["ALTER TABLE runs ADD COLUMN slow AS (printf('%.*c', 100000000, 'x'))"],
            "has a computed column 'slow'",
        ),
        (["ALTER TABLE runs DROP COLUMN error"], "table 'runs' has no column 'error'"),
        (["UPDATE meta SET value = '{\"a\": 1}' WHERE key = 'factors'"], "'factors'"),
        (["UPDATE meta SET value = 'many' WHERE key = 'planned_runs'"], "'planned_runs'"),
        (["DELETE FROM meta WHERE key = 'sweep_json'"], "no 'sweep_json' entry"),
        (["UPDATE meta SET value = '" + "[" * 100_000 + "' WHERE key = 'metrics'"], "'metrics'"),
    ],
    ids=[
        "virtual-table",
        "generated-column",
        "missing-column",
        "factors",
        "planned",
        "no-sweep",
        "deep-json",
    ],
)
def test_a_crafted_table_or_meta_entry_is_refused_in_one_line(
    finished, tmp_path, statements, expected
):
    db = crafted(finished, tmp_path, *statements)
    with pytest.raises(StoreError) as info:
        load_results(db)
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_an_operation_running_past_its_time_limit_is_stopped(finished, tmp_path):
    from experiments.store_safety import TimeLimit

    db = crafted(finished, tmp_path)
    conn = sqlite3.connect(db)
    limit = TimeLimit(db, seconds=0.5)
    limit.install(conn)
    t0 = time.monotonic()
    with pytest.raises(StoreError, match="took longer than"), limit.guard("reading it"):
        conn.execute(f"{ENDLESS} SELECT max(i) FROM n").fetchone()
    assert time.monotonic() - t0 < 10
    assert conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 4  # usable again
    conn.close()


def test_a_whole_file_reads_within_its_limit_and_leaves_no_side_files(finished, tmp_path):
    db = crafted(finished, tmp_path)
    names = sorted(p.name for p in tmp_path.iterdir())
    res = load_results(db)
    assert len(res.runs) == 4 and len(res.weekly) == 4 * 2
    assert sorted(p.name for p in tmp_path.iterdir()) == names
