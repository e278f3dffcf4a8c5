"""Exports: runs as Parquet equal to the CSV; the long weekly table, streamed, kept on a kill."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from sweep_helpers import start_sweep, wait_for_rows

from crunch.cli import main
from experiments.export import write_runs, write_weekly
from experiments.runner import RunResult
from experiments.store import open_for_sweep, open_results
from experiments.sweep import run_sweep
from experiments.sweep_file import sweep_from_toml

WEEKS = 4
GRID = f"""
[sweep]
name = "export-grid"
scenario = "classroom"
weeks = {WEEKS}
replications = 2
seed = 21

[factors]
"market.mechanism" = ["uniform_price", "committee"]
"reallocation.enabled" = [true, false]
"governance.research_credit_share" = [0.5, 1]

[outputs]
metrics = ["jain", "mean_stress", "efficiency", "research_output"]
"""
SERIAL = ("--executor", "serial", "--quiet")
WEEKLY_METRICS = ["jain", "mean_stress", "efficiency", "research_output"]


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("export") / "grid.db"
    sweep = sweep_from_toml(GRID)
    run_sweep(sweep, path, executor="serial")
    with open_for_sweep(path, sweep) as store:  # one failed run, with a multi-line traceback
        store.write(
            RunResult(
                run_key="p1-r1",
                point=1,
                replicate=1,
                seed=3,
                code_version="0.1.0+gtest",
                params={
                    "market.mechanism": "uniform_price",
                    "reallocation.enabled": True,
                    "governance.research_credit_share": 1,
                },
                status="failed",
                error='Traceback (most recent call last):\n  File "x", line 1\nValueError: "a, b"',
            )
        )
    return path


def same_table(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Equal column for column, a missing value (None or NaN) equal to a missing value."""
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    for col in a.columns:
        x, y = a[col], b[col]
        assert (x.isna().to_numpy() == y.isna().to_numpy()).all(), col
        x, y = x[x.notna()].tolist(), y[y.notna()].tolist()
        if all(isinstance(v, (int, float, np.number)) for v in x + y):
            assert np.allclose(np.asarray(x, float), np.asarray(y, float), rtol=0, atol=0), col
        else:
            assert [str(v) for v in x] == [str(v) for v in y], col


def test_the_parquet_export_round_trips_with_the_csv_export(db, tmp_path):
    csv, parquet = tmp_path / "runs.csv", tmp_path / "runs.parquet"
    assert main(["results", str(db), "--csv", str(csv), "--parquet", str(parquet)]) == 0
    from_csv, from_parquet = (
        pd.read_csv(csv, float_precision="round_trip"),
        pd.read_parquet(parquet),
    )
    same_table(from_parquet, from_csv)
    assert len(from_parquet) == 2 * 2 * 2 * 2
    for col in ("seed", "replicate", "scenario_hash", "code_version", "market.mechanism"):
        assert col in from_parquet.columns
    assert from_parquet["reallocation.enabled"].dtype == bool
    failed = from_parquet[from_parquet["status"] == "failed"]
    assert failed["error"].iloc[0].endswith('ValueError: "a, b"')
    meta = pq.read_schema(parquet).metadata
    with open_results(db) as store:
        assert meta[b"compute_crunch.sweep_hash"].decode() == store.sweep_hash
        assert meta[b"compute_crunch.code_version"].decode() == store.meta["code_version"]
        stored = store.runs_frame()
    same_table(from_parquet, stored)


def test_the_weekly_table_has_one_row_per_ok_run_week_and_metric(db, tmp_path):
    out = tmp_path / "weekly.parquet"
    rows = write_weekly(db, str(out), "parquet")
    long = pd.read_parquet(out)
    assert list(long.columns) == ["run_key", "week", "metric", "value"]
    with open_results(db) as store:
        runs, wide = store.runs_frame(), store.weekly_frame()
    ok = runs[runs["status"] == "ok"]
    assert rows == len(long) == len(ok) * WEEKS * len(WEEKLY_METRICS)
    assert not long.duplicated(["run_key", "week", "metric"]).any()
    assert set(long["run_key"]) == set(ok["run_key"])  # the failed run has no series
    assert set(long["metric"]) == set(WEEKLY_METRICS)
    # The values are the stored series, cell for cell.
    back = long.pivot(index=["run_key", "week"], columns="metric", values="value")
    wide = wide.set_index(["run_key", "week"])[WEEKLY_METRICS]
    pd.testing.assert_frame_equal(
        back.loc[wide.index, WEEKLY_METRICS], wide, check_names=False, check_dtype=False
    )
    # Rows come in plan order: point, replicate, week, then the sweep's metric order.
    order = ok.sort_values(["point", "replicate"])["run_key"].tolist()
    assert list(dict.fromkeys(long["run_key"])) == order
    assert long["metric"].iloc[: len(WEEKLY_METRICS)].tolist() == WEEKLY_METRICS


def test_the_weekly_csv_and_parquet_hold_the_same_long_table(db, tmp_path):
    csv, parquet = tmp_path / "w.csv", tmp_path / "w.parquet"
    assert main(["results", str(db), "--weekly-csv", str(csv)]) == 0
    assert main(["results", str(db), "--weekly-parquet", str(parquet)]) == 0
    same_table(pd.read_parquet(parquet), pd.read_csv(csv, float_precision="round_trip"))


def test_the_weekly_export_is_written_chunk_by_chunk_with_the_same_result(db, tmp_path):
    small, whole = tmp_path / "small.parquet", tmp_path / "whole.parquet"
    write_weekly(db, str(small), "parquet", runs_per_chunk=2)
    write_weekly(db, str(whole), "parquet", runs_per_chunk=10_000)
    ok_runs = 2 * 2 * 2 * 2 - 1
    assert pq.ParquetFile(small).num_row_groups == -(-ok_runs // 2)  # one per chunk
    assert pq.ParquetFile(whole).num_row_groups == 1
    pd.testing.assert_frame_equal(pd.read_parquet(small), pd.read_parquet(whole))
    csv_small, csv_whole = tmp_path / "small.csv", tmp_path / "whole.csv"
    write_weekly(db, str(csv_small), "csv", runs_per_chunk=3)
    write_weekly(db, str(csv_whole), "csv")
    assert csv_small.read_text() == csv_whole.read_text()


def test_a_file_with_no_finished_run_exports_empty_tables_with_their_columns(tmp_path):
    path = tmp_path / "empty.db"
    sweep = sweep_from_toml(GRID)
    open_for_sweep(path, sweep).close()
    assert write_weekly(path, str(tmp_path / "w.parquet"), "parquet") == 0
    assert list(pd.read_parquet(tmp_path / "w.parquet").columns) == [
        "run_key",
        "week",
        "metric",
        "value",
    ]
    assert write_runs(path, str(tmp_path / "r.parquet"), "parquet") == 0
    assert "seed" in pd.read_parquet(tmp_path / "r.parquet").columns


@pytest.mark.parametrize(
    ("option", "target", "expected"),
    [
        ("--parquet", "-", "--parquet -: Parquet is binary; give a file such as runs.parquet"),
        ("--weekly-parquet", "{dir}", "--weekly-parquet '{dir}' is a directory"),
        ("--parquet", "{db}", "--parquet '{db}' is the results file itself; choose a .parquet"),
    ],
    ids=["stdout", "directory", "the-db"],
)
def test_a_bad_parquet_target_is_refused_in_one_line(
    db, tmp_path, capsys, option, target, expected
):
    folder = tmp_path / "out"
    folder.mkdir()
    fill = {"dir": str(folder), "db": str(db)}
    before = db.read_bytes()
    assert main(["results", str(db), option, target.format(**fill)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and expected.format(**fill) in err[0], err
    assert db.read_bytes() == before and list(folder.iterdir()) == []


@pytest.mark.slow
def test_the_weekly_rows_of_finished_runs_survive_a_killed_sweep(tmp_path):
    sweep_file = tmp_path / "long.toml"
    sweep_file.write_text(
        GRID.replace('name = "export-grid"', 'name = "export-kill"').replace(
            "replications = 2", "replications = 40"
        )
    )
    db = tmp_path / "killed.db"
    proc = start_sweep(sweep_file, db, *SERIAL)
    try:
        wait_for_rows(proc, db, at_least=5, timeout=120)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    out = tmp_path / "weekly.parquet"
    assert (
        main(["results", str(db), "--weekly-parquet", str(out), "--csv", str(tmp_path / "r.csv")])
        == 0
    )
    runs, long = pd.read_csv(tmp_path / "r.csv"), pd.read_parquet(out)
    ok = runs[runs["status"] == "ok"]
    assert 5 <= len(ok) < 2 * 2 * 2 * 40  # stopped part-way
    per_run = long.groupby("run_key").size()
    assert set(per_run.index) == set(ok["run_key"])
    assert (per_run == WEEKS * len(WEEKLY_METRICS)).all()


def test_the_progress_bar_shows_runs_per_second_and_the_time_left(tmp_path, capsys):
    sweep = sweep_from_toml(GRID.replace('name = "export-grid"', 'name = "export-progress"'))
    run_sweep(sweep, tmp_path / "p.db", executor="serial", progress=True)
    bar = capsys.readouterr().err.replace("\r", "\n").strip().splitlines()[-1]
    assert bar.startswith("export-progress: 100%") and "16/16" in bar, bar
    assert " elapsed, ETA " in bar and "run/s" in bar, bar
