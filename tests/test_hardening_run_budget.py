"""``crunch run`` estimates memory and time first and refuses a run past the budget.

The runs here are real ``crunch run`` subprocesses, each under an address-space limit
(``RLIMIT_AS``), so a regression that lets a huge run start fails the test instead of
taking the machine down. Peak memory is the child's own ``ru_maxrss``.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from game import run_budget
from game.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
GB = 10**9


def run_limited(args: list[str], limit_bytes: int, timeout: float = 300) -> tuple[int, str, int]:
    """Run ``crunch run`` under an address-space limit; return (status, stderr, peak RSS bytes)."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))

    child = subprocess.Popen(
        [sys.executable, "-m", "crunch", "run", "--quiet", *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=limit,
    )
    try:
        err = child.stderr.read() if child.stderr else ""
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            assert time.monotonic() < deadline, "crunch run did not finish"
            time.sleep(0.05)
    finally:
        if child.returncode is None and child.poll() is None:
            child.kill()
    child.returncode = os.waitstatus_to_exitcode(status)
    return child.returncode, err, usage.ru_maxrss * 1024


def test_the_40k_team_20_year_probe_is_refused_at_once_with_the_estimate_and_the_flag():
    args = ["--set", "lab.research_teams=20000", "--set", "lab.product_teams=20000"]
    started = time.monotonic()
    status, err, peak = run_limited([*args, "--weeks", "1040"], limit_bytes=3 * GB, timeout=60)
    assert status == 2, err[-2000:]
    line = err.strip()
    assert len(line.splitlines()) == 1 and "Traceback" not in line
    assert "this run would take about 7.6 GB of memory" in line
    assert "40,000 teams x 1,040 weeks" in line and "--allow-large" in line
    assert time.monotonic() - started < 30 and peak < 1 * GB


def test_the_same_probe_with_out_counts_the_table_it_would_write():
    sc = load_scenario(
        "lab-2025", {"lab.research_teams": 20000, "lab.product_teams": 20000, "weeks": 1040}
    )
    quiet, written = (run_budget.estimate(sc, write=w) for w in (False, True))
    assert written.memory > quiet.memory + 10 * GB
    assert written.seconds > quiet.seconds


def test_allow_large_lifts_the_budget_and_nothing_else():
    sc = load_scenario("lab-2025", {"lab.research_teams": 20000, "weeks": 1040})
    est = run_budget.estimate(sc, write=True)
    with pytest.raises(run_budget.BudgetError, match="pass --allow-large"):
        run_budget.check(est, allow_large=False)
    run_budget.check(est, allow_large=True)
    run_budget.check(run_budget.estimate(load_scenario("lab-2025"), write=True), allow_large=False)


def test_the_widest_bids_count_in_the_estimate():
    base = {"lab.research_teams": 5000, "lab.product_teams": 5000, "weeks": 1040}
    narrow = run_budget.estimate(load_scenario("lab-2025", base), write=False)
    wide = load_scenario("lab-2025", {**base, "market.max_units_per_bid": 200})
    assert run_budget.estimate(wide, write=False).seconds > 3 * narrow.seconds


@pytest.fixture(scope="module")
def measured(tmp_path_factory) -> dict[bool, tuple[int, int]]:
    """Peak memory of one mid-sized run without and with --out, and its estimate."""
    overrides = {"lab.research_teams": 4000, "lab.product_teams": 4000, "weeks": 104}
    args = ["--set", "lab.research_teams=4000", "--set", "lab.product_teams=4000"]
    args += ["--weeks", "104"]
    sc = load_scenario("lab-2025", overrides)
    out_dir = tmp_path_factory.mktemp("budget") / "run"
    out: dict[bool, tuple[int, int]] = {}
    for write in (False, True):
        extra = ["--out", str(out_dir)] if write else []
        status, err, peak = run_limited(args + extra, limit_bytes=8 * GB)
        assert status == 0, err[-2000:]
        out[write] = (peak, int(run_budget.estimate(sc, write=write).memory))
    assert (out_dir / "teams.csv").is_file()
    return out


@pytest.mark.slow
@pytest.mark.parametrize("write", [False, True], ids=["no-out", "out"])
def test_the_memory_estimate_is_not_below_the_measured_peak(measured, write):
    peak, estimate = measured[write]
    assert peak <= estimate, (peak, estimate)
    assert estimate <= 3 * peak, (peak, estimate)  # errs high, not absurdly


@pytest.mark.slow
def test_without_out_the_per_team_table_is_never_built(measured):
    quiet, written = measured[False][0], measured[True][0]
    # 832,000 team-weeks: the table takes about 250 MB; the run without it stays well below.
    assert quiet < written - 120 * 10**6, (quiet, written)
