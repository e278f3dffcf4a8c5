"""Large sweep plans: capped at validation, made lazily, shown without being made.

A sweep may plan at most ``MAX_RUNS`` runs; a larger one is refused in one line naming
the fields, their values and the cap. Plans below the cap are made one task at a time,
so ``--dry-run`` of a million-run plan (and starting or resuming it) is immediate.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from experiments import runner
from experiments.designs import design_points
from experiments.store import open_results
from experiments.sweep import SweepInterrupted, plan_sweep, run_sweep, spawn_seeds
from experiments.sweep_file import SweepError, sweep_from_toml
from experiments.sweep_schema import MAX_RUNS

ROOT = Path(__file__).resolve().parent.parent


def sweep_text(design: str, samples: int | None, replications: int, factors: str = "") -> str:
    sample_line = f"samples = {samples}\n" if samples is not None else ""
    return (
        "[sweep]\n"
        f'name = "big"\nscenario = "classroom"\nweeks = 2\nreplications = {replications}\n'
        f'seed = 7\ndesign = "{design}"\n{sample_line}'
        "[factors]\n"
        + (
            factors
            or '"governance.research_credit_share" = { low = 0.5, high = 0.7 }\n'
            '"lab.research_teams" = { low = 3, high = 7 }\n'
        )
        + '[outputs]\nmetrics = ["jain"]\n'
    )


MILLION_LHS = sweep_text("lhs", 1_000_000, 1)


def run_cli(args: list[str], tmp_path: Path, seconds: float) -> tuple[subprocess.Popen, str, str]:
    """``crunch ARGS`` with at most 3 GB of address space, failing after ``seconds``."""

    def cap_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    proc = subprocess.Popen(
        [sys.executable, "-m", "crunch", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=cap_memory,
    )
    try:
        out, err = proc.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"crunch {' '.join(args)} still running after {seconds:.0f} s")
    return proc, out, err


# ---------------------------------------------------------------------------- the cap
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            sweep_text("lhs", 1_000_000, 100_000),
            "sweep.samples = 1000000 x sweep.replications = 100000 makes 100,000,000,000 runs",
        ),
        (
            sweep_text("sobol", 2**17, 2),
            "sweep.samples = 131072 (N(2D + 2) = 786,432 Sobol points for 2 factors) x "
            "sweep.replications = 2",
        ),
        (
            sweep_text(
                "grid",
                None,
                2,
                '"governance.research_credit_share" = { low = 0.5, high = 0.7, steps = 1000 }\n'
                '"supply.initial_gpus" = { low = 30000, high = 60000, steps = 1000 }\n',
            ),
            "the grid's 1,000,000 points (levels multiplied) x sweep.replications = 2 "
            "makes 2,000,000 runs",
        ),
    ],
)
def test_a_plan_over_the_run_cap_is_refused_in_one_line_naming_fields_values_and_cap(
    text, expected
):
    with pytest.raises(SweepError) as info:
        sweep_from_toml(text)
    message = str(info.value)
    assert "\n" not in message
    assert expected in message
    assert f"allowed: at most {MAX_RUNS:,} runs per sweep" in message
    assert MAX_RUNS == 1_000_000


def test_a_plan_at_the_cap_is_allowed():
    sweep = sweep_from_toml(MILLION_LHS)
    assert len(plan_sweep(sweep).tasks) == MAX_RUNS


def test_dry_run_of_a_plan_over_the_cap_is_refused_at_once(tmp_path):
    path = tmp_path / "huge.toml"
    path.write_text(sweep_text("lhs", 1_000_000, 100_000))
    started = time.monotonic()
    proc, _out, err = run_cli(
        ["sweep", str(path), "--out", str(tmp_path / "r.db"), "--dry-run"], tmp_path, 60
    )
    assert time.monotonic() - started < 30
    assert proc.returncode == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "100,000,000,000 runs; allowed: at most 1,000,000 runs" in err


# ---------------------------------------------------------------------------- lazy plans
def test_dry_run_of_a_million_run_plan_prints_its_size_and_first_points_at_once(tmp_path):
    path = tmp_path / "million.toml"
    path.write_text(MILLION_LHS)
    started = time.monotonic()
    proc, out, err = run_cli(
        ["sweep", str(path), "--out", str(tmp_path / "r.db"), "--dry-run"], tmp_path, 90
    )
    assert proc.returncode == 0, err[-500:]
    assert time.monotonic() - started < 30
    assert "lhs design, 1000000 points x 1 replications = 1000000 runs" in out
    for i in range(3):
        assert f"  point {i}: governance.research_credit_share = " in out
    assert "  point 3:" not in out
    assert "... and 999,997 more points" in out
    assert "new file; 1000000 to run" in out
    assert not (tmp_path / "r.db").exists()


def test_planning_a_million_runs_makes_only_what_is_read():
    sweep = sweep_from_toml(MILLION_LHS)
    tracemalloc.start()
    try:
        plan = plan_sweep(sweep)
        size = len(plan.tasks)
        first = [plan.points[i] for i in range(3)]
        last = plan.tasks[-1]
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size == 1_000_000 and len(first) == 3
    assert (last.point, last.replicate, last.run_key) == (999_999, 0, "p999999-r0")
    # the unit sample and its making take tens of MiB; a made plan took about 1 GiB
    assert peak < 200 * 2**20, f"planning took {peak / 2**20:.0f} MiB"


@pytest.mark.parametrize(("design", "samples"), [("grid", None), ("lhs", 12), ("sobol", 4)])
def test_the_lazy_plan_gives_the_tasks_of_seedsequence_spawn_and_the_design(design, samples):
    sweep = sweep_from_toml(sweep_text(design, samples, 3))
    plan = plan_sweep(sweep)
    points = design_points(sweep.spec)
    tasks = list(plan.tasks)
    n = len(points) * 3
    assert len(plan.tasks) == len(tasks) == n and len(plan.points) == len(points)
    assert list(plan.points) == points
    assert [t.seed for t in tasks] == spawn_seeds(7, 3) * (n // 3)  # common random numbers
    assert [(t.point, t.replicate) for t in tasks] == [
        (p, r) for p in range(n // 3) for r in (0, 1, 2)
    ]
    assert all(t.params == points[t.point] for t in tasks)
    assert plan.tasks[-1] == tasks[-1] and plan.tasks[2:7] == tasks[2:7]
    assert plan.points[-1] == points[-1] and plan.points[1:4] == points[1:4]
    with pytest.raises(IndexError):
        plan.tasks[n]
    with pytest.raises(IndexError):
        plan.points[-len(points) - 1]
    assert all(isinstance(v, (str, int, float, bool)) for p in points for v in p.values())
    assert not any(isinstance(v, np.generic) for p in points for v in p.values())


def test_a_million_run_sweep_starts_and_resumes_at_once(tmp_path):
    sweep = sweep_from_toml(MILLION_LHS)
    db = tmp_path / "r.db"
    played = {"n": 0}

    def two_then_stop(task: runner.RunTask) -> runner.RunResult:
        played["n"] += 1
        if played["n"] > 2:
            raise KeyboardInterrupt
        return runner.run_one(task)

    for expected_stored in (2, 4):
        played["n"] = 0
        started = time.monotonic()
        with pytest.raises(SweepInterrupted) as info:
            run_sweep(sweep, db, executor="serial", run=two_then_stop)
        assert time.monotonic() - started < 30
        assert info.value.outcome.stored == expected_stored
    with open_results(db) as store:
        assert store.meta["planned_runs"] == "1000000"
        assert sorted(store.statuses()) == ["p0-r0", "p1-r0", "p2-r0", "p3-r0"]
