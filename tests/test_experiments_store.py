"""The results store: schema, streaming commits, replace-on-retry, refusing foreign files."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from experiments.runner import RunResult
from experiments.store import StoreError, open_for_sweep, open_results, read_meta
from experiments.sweep_file import sweep_from_toml

TOML = """
[sweep]
name = "store-test"
scenario = "classroom"
weeks = 3
replications = 2
seed = 1

[factors]
"market.mechanism" = ["vickrey", "committee"]
"reallocation.enabled" = [true, false]

[outputs]
metrics = ["jain", "mean_stress"]
"""


@pytest.fixture(scope="module")
def sweep():
    return sweep_from_toml(TOML)


def result(key: str = "p0-r0", status: str = "ok", jain: float | None = 0.9, weeks: int = 3):
    ok = status == "ok"
    return RunResult(
        run_key=key,
        point=int(key[1 : key.index("-")]),
        replicate=int(key.split("-r")[1]),
        seed=123,
        params={"market.mechanism": "vickrey", "reallocation.enabled": True},
        status=status,
        metrics={"jain": jain, "mean_stress": 0.25} if ok else {},
        weekly={"jain": [0.5 + 0.1 * w for w in range(weeks)], "mean_stress": [0.2] * weeks}
        if ok
        else {},
        error=None if ok else "Traceback (most recent call last):\nRuntimeError: boom",
        scenario_hash="abcd",
        code_version="test",
        timing={"started": 1.0, "seconds": 0.01},
        worker={"host": "here", "pid": 42},
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def siblings(path: Path) -> set[str]:
    return {p.name for p in path.parent.iterdir()}


# ---------------------------------------------------------------------------- schema
def test_a_new_file_holds_the_sweep_identity_and_uses_wal(tmp_path, sweep):
    db = tmp_path / "r.db"
    with open_for_sweep(db, sweep) as store:
        assert store.sweep_hash == sweep.hash
    meta = read_meta(db)
    assert meta["sweep_hash"] == sweep.hash
    assert meta["sweep_toml"] == TOML
    assert meta["code_version"]
    assert json.loads(meta["factors"]) == ["market.mechanism", "reallocation.enabled"]
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    cols = [r[1] for r in conn.execute("PRAGMA table_info(runs)")]
    pk = [r[1] for r in conn.execute("PRAGMA table_info(runs)") if r[5]]
    conn.close()
    assert pk == ["run_key"]
    for col in (
        "run_key",
        "status",
        "point",
        "replicate",
        "seed",
        "params",
        "market.mechanism",
        "reallocation.enabled",
        "jain",
        "mean_stress",
        "scenario_hash",
        "code_version",
        "error",
        "timing_started",
        "timing_seconds",
        "worker_host",
        "worker_pid",
    ):
        assert col in cols


def test_rows_round_trip_with_params_factor_columns_and_weekly_series(tmp_path, sweep):
    db = tmp_path / "r.db"
    with open_for_sweep(db, sweep) as store:
        store.write(result("p1-r0"))
    with open_results(db) as store:
        runs = store.runs_frame()
        weekly = store.weekly_frame()
        assert store.counts() == {"ok": 1, "failed": 0, "planned": 0}
    row = runs.iloc[0]
    assert row["run_key"] == "p1-r0" and row["point"] == 1 and row["seed"] == 123
    assert row["market.mechanism"] == "vickrey"
    assert runs["reallocation.enabled"].dtype == bool and bool(row["reallocation.enabled"])
    assert json.loads(row["params"])["reallocation.enabled"] is True
    assert row["jain"] == 0.9
    assert weekly["week"].tolist() == [0, 1, 2]
    assert weekly["jain"].tolist() == pytest.approx([0.5, 0.6, 0.7])


# ---------------------------------------------------------------------------- streaming and replace
def test_each_result_is_visible_to_other_readers_as_soon_as_it_is_written(tmp_path, sweep):
    db = tmp_path / "r.db"
    with open_for_sweep(db, sweep) as store:
        for i in range(3):
            store.write(result(f"p{i}-r0"))
            reader = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            assert reader.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == i + 1
            reader.close()


def test_writing_a_run_again_replaces_it_and_its_weekly_rows(tmp_path, sweep):
    db = tmp_path / "r.db"
    with open_for_sweep(db, sweep) as store:
        store.write(result("p0-r0", status="failed"))
        assert store.statuses() == {"p0-r0": "failed"}
        store.write(result("p0-r0", jain=0.7, weeks=3))
        store.write(result("p0-r0", jain=0.8, weeks=2))
        assert store.statuses() == {"p0-r0": "ok"}
        runs, weekly = store.runs_frame(), store.weekly_frame()
    assert len(runs) == 1 and runs["jain"].iloc[0] == 0.8 and runs["error"].isna().all()
    assert weekly["week"].tolist() == [0, 1]


def test_a_failed_run_keeps_its_traceback_and_has_no_metrics(tmp_path, sweep):
    db = tmp_path / "r.db"
    with open_for_sweep(db, sweep) as store:
        store.write(result("p2-r1", status="failed"))
        runs, weekly = store.runs_frame(), store.weekly_frame()
    assert runs["status"].tolist() == ["failed"]
    assert "RuntimeError: boom" in runs["error"].iloc[0]
    assert runs["jain"].isna().all()
    assert weekly.empty


def test_a_write_that_fails_half_way_leaves_nothing_of_the_run(tmp_path, sweep):
    db = tmp_path / "r.db"
    bad = result("p3-r0")
    bad.weekly["jain"][1] = {"not": "a number"}  # sqlite cannot bind a dict
    with open_for_sweep(db, sweep) as store:
        store.write(result("p0-r0"))
        with pytest.raises(sqlite3.Error):
            store.write(bad)
        assert store.statuses() == {"p0-r0": "ok"}
        assert set(store.weekly_frame()["run_key"]) == {"p0-r0"}


def test_reopening_the_same_sweep_resumes_with_the_stored_rows(tmp_path, sweep):
    db = tmp_path / "r.db"
    with open_for_sweep(db, sweep) as store:
        store.write(result("p0-r0"))
    again = sweep_from_toml("# edited comment only\n" + TOML)
    with open_for_sweep(db, again) as store:
        assert store.statuses() == {"p0-r0": "ok"}


def test_a_read_only_store_refuses_writes(tmp_path, sweep):
    db = tmp_path / "r.db"
    open_for_sweep(db, sweep).close()
    with open_results(db) as store, pytest.raises(StoreError, match="read-only"):
        store.write(result())


# ---------------------------------------------------------------------------- refusing files
def test_a_file_from_a_different_sweep_is_refused_and_left_byte_identical(tmp_path, sweep):
    db = tmp_path / "r.db"
    with open_for_sweep(db, sweep) as store:
        store.write(result())
    before, names = digest(db), siblings(db)
    other = sweep_from_toml(TOML.replace("seed = 1", "seed = 2"))
    with pytest.raises(StoreError) as info:
        open_for_sweep(db, other)
    message = str(info.value)
    assert "\n" not in message
    assert "store-test" in message and sweep.hash in message and other.hash in message
    assert "another --out file" in message
    assert "its settings, factors or metrics changed" in message
    assert digest(db) == before
    assert siblings(db) == names


def test_an_edited_scenario_file_is_named_as_the_reason_for_refusing(tmp_path):
    from experiments.sweep_file import load_sweep

    scenario = tmp_path / "lab.toml"
    scenario.write_text('name = "lab"\n[lab]\nresearch_teams = 3\n')
    sweep_file = tmp_path / "sweep.toml"
    sweep_file.write_text(TOML.replace('scenario = "classroom"', 'scenario = "lab.toml"'))
    db = tmp_path / "r.db"
    open_for_sweep(db, load_sweep(sweep_file)).close()
    scenario.write_text('name = "lab"\n[lab]\nresearch_teams = 4\n')
    with pytest.raises(StoreError, match="its base scenario changed"):
        open_for_sweep(db, load_sweep(sweep_file))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"name,value\n1,2\n", "not a results file (not an SQLite database)"),
        (b"SQLite format 3\x00" + b"\x13" * 4000, "damaged or not a results file"),
    ],
)
def test_non_sqlite_and_corrupt_files_are_refused_unchanged(tmp_path, sweep, content, expected):
    db = tmp_path / "r.db"
    db.write_bytes(content)
    names = siblings(db)
    for opener in (lambda: open_for_sweep(db, sweep), lambda: open_results(db)):
        with pytest.raises(StoreError) as info:
            opener()
        assert expected in str(info.value)
        assert "\n" not in str(info.value)
    assert db.read_bytes() == content
    assert siblings(db) == names


def test_another_applications_sqlite_database_is_refused_unchanged(tmp_path, sweep):
    db = tmp_path / "app.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE users (name TEXT)")
    conn.execute("INSERT INTO users VALUES ('ada')")
    conn.commit()
    conn.close()
    before = digest(db)
    with pytest.raises(StoreError, match="not a Compute Crunch results file"):
        open_for_sweep(db, sweep)
    assert digest(db) == before


def test_a_directory_or_missing_file_is_refused(tmp_path, sweep):
    with pytest.raises(StoreError, match="is a directory"):
        open_for_sweep(tmp_path, sweep)
    with pytest.raises(StoreError, match="does not exist"):
        open_results(tmp_path / "absent.db")


def test_an_empty_file_becomes_a_new_results_file(tmp_path, sweep):
    db = tmp_path / "r.db"
    db.touch()
    with open_for_sweep(db, sweep) as store:
        store.write(result())
    assert read_meta(db)["sweep_hash"] == sweep.hash


def test_names_that_clash_with_results_columns_are_refused(tmp_path):
    from game.run_metrics import RunMetric, register_metric, unregister_metric

    clashing = RunMetric(
        name="seed",
        label="Clashes",
        column="seed",
        how="last",
        unit="",
        better="",
        bounds=(None, None),
        description="A test metric named like a results column.",
        reduce=lambda frame: 0.0,
    )
    register_metric(clashing)
    try:
        clash = sweep_from_toml(TOML.replace('"mean_stress"', '"seed"'))
        with pytest.raises(StoreError, match="clashes with a results column"):
            open_for_sweep(tmp_path / "r.db", clash)
    finally:
        unregister_metric("seed")
    assert not (tmp_path / "r.db").exists()
