"""Running sweeps: identical results on every executor, resume after kill -9 and Ctrl-C,
failed runs stored and retried, foreign files refused, CLI errors in one line."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from sweep_helpers import start_sweep, stored_rows, wait_for_rows

from crunch.cli import main
from experiments.store import open_results
from experiments.sweep import SweepInterrupted, plan_sweep, run_sweep
from experiments.sweep_file import load_sweep
from game.run_metrics import RUN_METRICS, RunMetric, register_metric, unregister_metric

ROOT = Path(__file__).resolve().parent.parent

TINY = """
[sweep]
name = "tiny"
scenario = "classroom"
weeks = 4
replications = 2
seed = 99
design = "grid"

[factors]
"market.mechanism" = ["uniform_price", "vickrey", "committee"]
"governance.research_credit_share" = { low = 0.5, high = 0.7 }

[outputs]
metrics = ["efficiency", "jain", "mean_stress", "research_output", "price"]
"""

# Long enough (about three seconds of work per worker) that a test starved of CPU for a
# moment still sees the sweep running when it sends its signal.
LONGER = """
[sweep]
name = "longer"
scenario = "classroom"
weeks = 40
replications = 25
seed = 3
design = "grid"

[factors]
"market.mechanism" = ["uniform_price", "vickrey", "committee", "max_min_fair"]
"reallocation.enabled" = [true, false]

[outputs]
metrics = ["jain", "mean_stress"]
"""


def write(tmp_path: Path, text: str, name: str = "sweep.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def export(db: Path) -> pd.DataFrame:
    """The runs table as exported, without the columns that legitimately vary."""
    with open_results(db) as store:
        runs = store.runs_frame()
    keep = [c for c in runs.columns if not c.startswith(("timing_", "worker_"))]
    return runs[keep]


def weekly(db: Path) -> pd.DataFrame:
    with open_results(db) as store:
        return store.weekly_frame()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------- executors
@pytest.fixture(scope="module")
def serial_reference(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ref")
    sweep = load_sweep(write(tmp, TINY))
    db = tmp / "serial.db"
    outcome = run_sweep(sweep, db, executor="serial")
    assert outcome.ok == 18 and outcome.failed == 0
    return db


@pytest.mark.parametrize("executor", ["processes", "dask"])
def test_every_executor_gives_the_same_export_as_serial(tmp_path, serial_reference, executor):
    sweep = load_sweep(write(tmp_path, TINY))
    db = tmp_path / f"{executor}.db"
    outcome = run_sweep(sweep, db, executor=executor, workers=2)
    assert (outcome.ok, outcome.failed) == (18, 0)
    ours, ref = export(db), export(serial_reference)
    assert len(ref) == 18
    pd.testing.assert_frame_equal(ours, ref)
    assert ours.drop(columns=["params"]).to_csv(index=False) == ref.drop(columns=["params"]).to_csv(
        index=False
    )
    pd.testing.assert_frame_equal(weekly(db), weekly(serial_reference))
    with open_results(db) as store:
        timing = store.runs_frame()[["timing_seconds", "worker_pid"]]
    assert timing.notna().all().all()


def test_rows_carry_seed_replicate_params_scenario_hash_and_code_version(serial_reference):
    runs = export(serial_reference)
    sweep_plan = {t.run_key: t for t in plan_sweep(load_sweep_text(TINY)).tasks}
    for row in runs.itertuples():
        task = sweep_plan[row.run_key]
        assert (row.seed, row.replicate, row.point) == (task.seed, task.replicate, task.point)
    assert runs["scenario_hash"].str.fullmatch(r"[0-9a-f]{16}").all()
    assert runs["code_version"].str.len().gt(0).all()
    # replicates of a point share the scenario hash; different points do not
    assert runs.groupby("point")["scenario_hash"].nunique().eq(1).all()
    assert runs["scenario_hash"].nunique() == 9


def load_sweep_text(text: str):
    from experiments.sweep_file import sweep_from_toml

    return sweep_from_toml(text)


def test_running_a_finished_sweep_again_runs_nothing_and_changes_nothing(tmp_path):
    sweep = load_sweep(write(tmp_path, TINY))
    db = tmp_path / "r.db"
    run_sweep(sweep, db, executor="serial")
    before = export(db)
    outcome = run_sweep(sweep, db, executor="serial")
    assert (outcome.todo, outcome.skipped_ok, outcome.ok) == (0, 18, 0)
    pd.testing.assert_frame_equal(export(db), before)


# ---------------------------------------------------------------------------- interruption
def test_a_sweep_killed_part_way_resumes_to_the_complete_set_without_duplicates(tmp_path):
    sweep_file = write(tmp_path, LONGER)
    db = tmp_path / "r.db"
    proc = start_sweep(sweep_file, db, "--executor", "processes", "--workers", "2", "--quiet")
    wait_for_rows(proc, db, at_least=10)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    partial = stored_rows(db)
    planned = 4 * 2 * 25
    assert 10 <= partial < planned, "the sweep finished before it could be killed"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    rc = main(["sweep", str(sweep_file), "--out", str(db), "--workers", "2", "--quiet"])
    assert rc == 0
    resumed = export(db)
    assert len(resumed) == planned
    assert resumed["run_key"].is_unique
    assert set(resumed["run_key"]) == {t.run_key for t in plan_sweep(load_sweep(sweep_file)).tasks}
    assert (resumed["status"] == "ok").all()

    fresh = tmp_path / "fresh.db"
    assert main(["sweep", str(sweep_file), "--out", str(fresh), "--workers", "2", "--quiet"]) == 0
    pd.testing.assert_frame_equal(resumed, export(fresh))
    pd.testing.assert_frame_equal(weekly(db), weekly(fresh))


def test_ctrl_c_stops_with_status_130_a_resume_hint_and_a_consistent_store(tmp_path):
    sweep_file = write(tmp_path, LONGER)
    db = tmp_path / "r.db"
    proc = start_sweep(sweep_file, db, "--executor", "processes", "--workers", "2")
    wait_for_rows(proc, db, at_least=5)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends on Ctrl-C
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "run the same command again to resume" in err.strip().splitlines()[-1]
    assert "Traceback" not in err
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        n = conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        weeks = conn.execute("SELECT COUNT(*) FROM weekly").fetchone()[0]
    assert weeks == 40 * n  # every stored run is whole
    assert main(["sweep", str(sweep_file), "--out", str(db), "--quiet"]) == 0
    assert len(export(db)) == 200


def test_run_sweep_raises_sweep_interrupted_after_storing_finished_runs(tmp_path):
    sweep = load_sweep(write(tmp_path, TINY))
    db = tmp_path / "r.db"
    calls = {"n": 0}

    from experiments import runner

    def stop_after_three(task):
        calls["n"] += 1
        if calls["n"] > 3:
            raise KeyboardInterrupt
        return runner.run_one(task)

    with pytest.raises(SweepInterrupted) as info:
        run_sweep(sweep, db, executor="serial", run=stop_after_three)
    assert info.value.outcome.ok == 3 and info.value.outcome.interrupted
    assert len(export(db)) == 3


def test_a_sweep_without_outputs_stores_every_registered_run_metric(tmp_path):
    text = TINY[: TINY.index("[outputs]")].replace("replications = 2", "replications = 1")
    text = text.replace(
        '["uniform_price", "vickrey", "committee"]', '["uniform_price", "committee"]'
    )
    text = text.replace("{ low = 0.5, high = 0.7 }", "[0.6]").replace("weeks = 4", "weeks = 3")
    sweep = load_sweep(write(tmp_path, text))
    assert sweep.spec.metric_names == list(RUN_METRICS)
    db = tmp_path / "all.db"
    assert run_sweep(sweep, db, executor="serial").ok == 2
    with open_results(db) as store:
        assert store.metrics == list(RUN_METRICS)
        runs, weeks = store.runs_frame(), store.weekly_frame()
    assert set(RUN_METRICS) <= set(runs.columns)
    assert set(RUN_METRICS) <= set(weeks.columns) and len(weeks) == 2 * 3
    # Every metric has a value except where the run has none: no price under the
    # committee (stored as NULL), no wait when no new project started.
    always = [m for m in RUN_METRICS if m not in ("price", "new_project_wait")]
    assert runs[always].notna().all().all()
    assert runs.loc[runs["market.mechanism"] == "committee", "price"].isna().all()
    assert runs.loc[runs["market.mechanism"] == "uniform_price", "price"].notna().all()


# ---------------------------------------------------------------------------- failures
FAIL = {"on": True}


def _flaky(frame: pd.DataFrame) -> float:
    """A test-only metric: raises for the low-supply point while the switch is on."""
    if FAIL["on"] and frame["supply"].iloc[0] < 45:
        raise RuntimeError("injected failure for the test")
    return float(frame["supply"].iloc[-1])


FLAKY_SWEEP = """
[sweep]
name = "flaky"
scenario = "classroom"
weeks = 3
replications = 2
seed = 4

[factors]
"supply.initial_gpus" = [40000, 60000]

[outputs]
metrics = ["jain", "flaky"]
"""


@pytest.fixture
def flaky_metric():
    flaky = RunMetric(
        name="flaky",
        label="Flaky",
        column="supply",
        how="last",
        unit="tranches",
        better="",
        bounds=(0.0, None),
        description="Fails on demand (tests).",
        reduce=_flaky,
    )
    register_metric(flaky, replace=True)
    FAIL["on"] = True
    yield
    FAIL["on"] = True
    unregister_metric("flaky")


def test_a_failing_run_is_stored_with_its_traceback_and_retried_on_request(
    tmp_path, flaky_metric, capsys
):
    sweep_file = write(tmp_path, FLAKY_SWEEP)
    db = tmp_path / "r.db"
    outcome = run_sweep(load_sweep(sweep_file), db, executor="processes", workers=2)
    assert (outcome.ok, outcome.failed) == (2, 2)
    runs = export(db)
    failed = runs[runs["status"] == "failed"]
    assert sorted(failed["run_key"]) == ["p0-r0", "p0-r1"]
    for error in failed["error"]:
        assert error.startswith("Traceback (most recent call last):")
        assert "RuntimeError: injected failure for the test" in error
    assert failed[["jain", "flaky"]].isna().all().all()
    with open_results(db) as store:
        full = store.runs_frame()
    ok_before = full[full["status"] == "ok"].set_index("run_key")

    # Without --retry-failed the failures are kept and reported (exit status 1).
    assert main(["sweep", str(sweep_file), "--out", str(db), "--executor", "serial"]) == 1
    assert "earlier failures kept" in capsys.readouterr().out
    assert (export(db)["status"] == "failed").sum() == 2

    FAIL["on"] = False
    rc = main(
        ["sweep", str(sweep_file), "--out", str(db), "--executor", "serial", "--retry-failed"]
    )
    assert rc == 0
    after = export(db)
    assert len(after) == 4 and after["run_key"].is_unique
    assert (after["status"] == "ok").all() and after["error"].isna().all()
    assert after["flaky"].notna().all()
    # the runs that were ok are untouched: same rows, same timing (not run again)
    with open_results(db) as store:
        full_after = store.runs_frame().set_index("run_key")
    pd.testing.assert_frame_equal(full_after.loc[ok_before.index], ok_before)


# ---------------------------------------------------------------------------- CLI
def test_cli_exports_one_row_per_run_with_named_timing_and_worker_columns(
    tmp_path, serial_reference
):
    out = tmp_path / "runs.csv"
    assert main(["results", str(serial_reference), "--csv", str(out)]) == 0
    csv = pd.read_csv(out)
    assert len(csv) == 18
    for col in (
        "run_key",
        "seed",
        "replicate",
        "market.mechanism",
        "governance.research_credit_share",
    ):
        assert col in csv.columns
    for col in ("efficiency", "jain", "mean_stress", "research_output", "price"):
        assert col in csv.columns
    extra = [c for c in csv.columns if c not in export(serial_reference).columns.tolist()]
    assert extra and all(c.startswith(("timing_", "worker_")) for c in extra)


def test_cli_summary_and_dry_run(tmp_path, serial_reference, capsys):
    assert main(["results", str(serial_reference)]) == 0
    out = capsys.readouterr().out
    assert "18 ok, 0 failed" in out and "vickrey" in out and "ci95" in out
    sweep_file = write(tmp_path, TINY)
    assert main(["sweep", str(sweep_file), "--out", str(tmp_path / "new.db"), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "9 points x 2 replications = 18 runs" in out
    assert not (tmp_path / "new.db").exists()


def one_line_error(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    return err


def test_foreign_and_corrupt_results_files_are_refused_by_the_cli_unchanged(
    tmp_path, serial_reference, capsys
):
    other = write(tmp_path, TINY.replace("seed = 99", "seed = 100"))
    before = digest(serial_reference)
    err = one_line_error(capsys, ["sweep", str(other), "--out", str(serial_reference)])
    assert "holds results of sweep 'tiny'" in err and "another --out file" in err
    assert digest(serial_reference) == before

    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"SQLite format 3\x00" + os.urandom(3000))
    raw = corrupt.read_bytes()
    for argv in (
        ["sweep", str(other), "--out", str(corrupt)],
        ["results", str(corrupt)],
        ["report", str(corrupt), "--out", str(tmp_path / "x.html")],
    ):
        assert "damaged or not a results file" in one_line_error(capsys, argv)
    assert corrupt.read_bytes() == raw
    assert not (tmp_path / "x.html").exists()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["sweep", "absent.toml", "--out", "r.db"], "does not exist"),
        (["sweep", "SWEEP", "--out", "r.db", "--workers", "0"], "--workers = 0"),
        (
            ["sweep", "SWEEP", "--out", "r.db", "--executor", "serial", "--scheduler", "tcp://x:1"],
            "--scheduler needs --executor dask",
        ),
        (["sweep", "BAD", "--out", "r.db"], "unknown metric 'nope'"),
        (["sweep", "SWEEP", "--out", "r.db", "--executor", "threads"], "invalid choice"),
        (["results", "absent.db"], "does not exist"),
        (["report", "SWEEP"], "not a results file"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(tmp_path, capsys, monkeypatch, argv, expected):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, TINY, "SWEEP")
    write(tmp_path, TINY.replace('"price"', '"nope"'), "BAD")
    if "invalid choice" in expected:
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
        err = capsys.readouterr().err.strip()
        assert "\n" not in err
    else:
        err = one_line_error(capsys, argv)
    assert expected in err
    assert not (tmp_path / "r.db").exists()
