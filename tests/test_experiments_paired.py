"""Paired sweeps: common random numbers, baselines, Holm verdicts, intervals inside bounds."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from experiments.analysis import load_results, summary_table
from experiments.paired import sweep_paired_table
from experiments.stats import format_interval, holm, mean_ci, paired_interval
from experiments.store import StoreError
from experiments.sweep import plan_sweep, run_sweep
from experiments.sweep_file import SweepError, stored_sweep, sweep_from_toml


def sweep_text(
    levels: str, *, reps: int = 4, weeks: int = 6, extra: str = "", baseline: str = ""
) -> str:
    return (
        '[sweep]\nname = "paired"\nscenario = "classroom"\n'
        f"weeks = {weeks}\nreplications = {reps}\nseed = 11\n{extra}\n"
        f'[factors]\n"market.mechanism" = {levels}\n'
        + (f'[baseline]\n"market.mechanism" = "{baseline}"\n' if baseline else "")
    )


ALIASES = sweep_text('["pay_as_bid", "first_price"]', baseline="pay_as_bid")


@pytest.fixture(scope="module")
def alias_results(tmp_path_factory):
    db = tmp_path_factory.mktemp("paired") / "aliases.db"
    run_sweep(sweep_from_toml(ALIASES), db, executor="serial")
    return load_results(db)


# ------------------------------------------------------------------ common random numbers
def test_with_crn_replicate_r_of_every_point_plays_the_same_seed():
    plan = plan_sweep(sweep_from_toml(sweep_text('["vickrey", "committee", "lottery"]')))
    by_point = [[t.seed for t in plan.tasks if t.point == p] for p in range(3)]
    assert by_point[0] == by_point[1] == by_point[2]
    assert len(set(by_point[0])) == 4  # replicates still differ


def test_with_crn_off_every_run_has_its_own_seed():
    text = sweep_text('["vickrey", "committee"]', extra="common_random_numbers = false")
    seeds = [t.seed for t in plan_sweep(sweep_from_toml(text)).tasks]
    assert len(set(seeds)) == len(seeds) == 8


def test_an_identical_point_under_crn_differs_by_exactly_zero_and_is_not_flagged(alias_results):
    paired = sweep_paired_table(alias_results.runs, alias_results.spec)
    table = paired.table
    assert list(table["point"].unique()) == [1]
    assert table["n"].max() == 4  # every replicate paired (a metric may lack a value)
    finite = table.dropna(subset=["diff"])
    assert (finite["diff"] == 0).all()
    assert (finite["ci_low"] == 0).all() and (finite["ci_high"] == 0).all()
    assert set(table["verdict"]) <= {"no clear difference", "no value"}


def test_with_crn_off_the_same_rule_twice_gives_nonzero_differences(tmp_path):
    text = ALIASES.replace("seed = 11", "seed = 11\ncommon_random_numbers = false")
    run_sweep(sweep_from_toml(text), tmp_path / "off.db", executor="serial")
    res = load_results(tmp_path / "off.db")
    paired = sweep_paired_table(res.runs, res.spec)
    assert (paired.table["diff"].abs() > 0).any()
    assert any("do not share seeds" in n for n in paired.notes)
    assert set(paired.table["verdict"]) <= {"no clear difference", "no value"}


def test_a_known_effect_is_found_with_the_right_sign_and_holm_verdict(tmp_path):
    text = sweep_text('["vickrey", "committee"]', reps=8, weeks=12, baseline="vickrey")
    text = text.replace('"classroom"\n', '"classroom"\n') + (
        '[outputs]\nmetrics = ["jain", "mean_stress", "gini", "efficiency", "idle"]\n'
    )
    run_sweep(sweep_from_toml(text), tmp_path / "effect.db", executor="serial")
    res = load_results(tmp_path / "effect.db")
    table = sweep_paired_table(res.runs, res.spec).table.set_index("metric")
    # the leadership committee spreads GPUs evenly: fairer, calmer (see the Learn page)
    assert table.loc["jain", "diff"] > 0 and table.loc["jain", "verdict"] == "better"
    assert table.loc["mean_stress", "diff"] < 0 and table.loc["mean_stress", "verdict"] == "better"
    assert table.loc["jain", "p_holm"] >= table.loc["jain", "p"]


# ------------------------------------------------------------------ holm and intervals
def test_holm_matches_the_step_down_by_hand():
    p = [0.01, 0.04, 0.03, 0.005, math.nan]
    adjusted = holm(p)
    assert adjusted[3] == pytest.approx(0.02)  # 4 x 0.005
    assert adjusted[0] == pytest.approx(0.03)  # 3 x 0.01
    assert adjusted[2] == pytest.approx(0.06)  # 2 x 0.03
    assert adjusted[1] == pytest.approx(0.06)  # max(1 x 0.04, 0.06)
    assert math.isnan(adjusted[4])


shares = st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=2, max_size=40)


@settings(max_examples=200, deadline=None)
@given(shares)
def test_the_interval_of_a_mean_of_shares_stays_inside_0_and_1(values):
    _, mean, _, low, high = mean_ci(np.array(values), bounds=(0.0, 1.0))
    assert 0.0 <= low <= mean + 1e-12 and mean - 1e-12 <= high <= 1.0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0.0, 1e6, allow_nan=False), min_size=2, max_size=40))
def test_the_interval_of_a_count_never_goes_below_zero(values):
    _, mean, _, low, high = mean_ci(np.array(values), bounds=(0.0, None))
    assert 0.0 <= low <= mean + 1e-9 * max(1.0, mean) and high >= mean - 1e-9 * max(1.0, mean)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), min_size=2, max_size=40))
def test_the_interval_of_a_difference_of_shares_stays_inside_minus_1_and_1(pairs):
    a, b = np.array(pairs).T
    diff, low, high, _ = paired_interval(a, b, bounds=(0.0, 1.0))
    assert -1.0 <= low <= diff + 1e-12 and diff - 1e-12 <= high <= 1.0


def test_a_summary_table_never_prints_a_share_above_one(tmp_path):
    text = sweep_text('["vickrey", "lottery"]', reps=2, weeks=6)
    run_sweep(sweep_from_toml(text), tmp_path / "s.db", executor="serial")
    res = load_results(tmp_path / "s.db")
    table = summary_table(res.runs, res.spec)
    shares = table[table["metric"].isin(["efficiency", "jain", "envy", "rho_share"])]
    assert (shares["ci_high"] <= 1).all() and (shares["ci_low"] >= 0).all()
    counts = table[table["metric"] == "reclaims"]
    assert (counts["ci_low"] >= 0).all()


def test_decimals_fit_the_interval_width():
    # the "+0.000 [+0.000, +0.001]" at three decimals
    assert format_interval(0.0004, 0.0001, 0.0011, signed=True) == (
        "+0.0004",
        "[+0.0001, +0.0011]",
    )
    assert format_interval(1056.76, -686.9, 2800.4, signed=True) == ("+1,057", "[-687, +2,800]")
    assert format_interval(-0.0128, -0.0148, -0.0106) == ("-0.0128", "[-0.0148, -0.0106]")


# ------------------------------------------------------------------ files, baselines, CLI
def test_a_sweep_without_crn_keeps_the_hash_of_a_file_made_before_the_setting(tmp_path):
    off = sweep_from_toml(ALIASES.replace("seed = 11", "seed = 11\ncommon_random_numbers = false"))
    stored = json.loads(off.spec.canonical_json())
    assert "common_random_numbers" not in stored["sweep"]  # the old files' JSON
    assert stored_sweep(off.spec.canonical_json()).sweep.common_random_numbers is False
    db = tmp_path / "old.db"
    run_sweep(off, db, executor="serial")
    with pytest.raises(StoreError, match="add common_random_numbers = false"):
        run_sweep(sweep_from_toml(ALIASES), db, executor="serial")
    assert run_sweep(off, db, executor="serial").skipped_ok == 8


@pytest.mark.parametrize(
    ("baseline", "needle"),
    [
        ('[baseline]\n"market.mechanism" = "lottery"\n', "is not one of its levels"),
        ('[baseline]\n"lab.research_teams" = 3\n', "is not a factor"),
    ],
)
def test_a_bad_baseline_is_refused_in_one_line(baseline, needle):
    text = sweep_text('["vickrey", "committee"]') + baseline
    with pytest.raises(SweepError, match=needle) as err:
        sweep_from_toml(text)
    assert "\n" not in str(err.value)


def test_a_baseline_needs_a_design_with_known_points():
    text = sweep_text('["vickrey", "committee"]').replace(
        "seed = 11", 'seed = 11\ndesign = "lhs"\nsamples = 4'
    )
    with pytest.raises(SweepError, match="design 'grid' or 'points'"):
        sweep_from_toml(text + '[baseline]\n"market.mechanism" = "vickrey"\n')


def test_crunch_results_compare_prints_the_paired_table(alias_results):
    out = subprocess.run(
        [sys.executable, "-m", "crunch", "results", str(alias_results.path), "--compare"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "point 1: market.mechanism = first_price" in out
    assert "Holm p" in out and "no clear difference" in out
    assert "no price" not in out  # both rules have a price
    command = [sys.executable, "-m", "crunch", "results", str(alias_results.path), "--compare"]
    bad = subprocess.run(
        [*command, "--baseline", "market.mechanism=lottery"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "is not one of its levels" in bad.stderr
    assert "Traceback" not in bad.stderr


# ------------------------------------------------------------------ the Sweeps page
def test_the_sweeps_page_shows_each_point_against_the_files_baseline(alias_results):
    from app_helpers import clear_caches
    from streamlit.testing.v1 import AppTest

    clear_caches()
    at = AppTest.from_file(
        str(Path(__file__).parents[1] / "ui/pages/sweeps.py"), default_timeout=60
    ).run()
    at.text_input(key="sweeps.path").set_value(str(alias_results.path)).run()
    assert not at.exception and not at.error
    assert "Paired differences from the baseline" in [s.value for s in at.subheader]
    assert at.selectbox(key="sweeps.paired_point").options == ["market.mechanism = first_price"]
    table = next(
        d.value for d in at.dataframe if "verdict" in d.value.columns and "Holm p" in d.value
    )
    assert set(table["verdict"]) <= {"no clear difference", "no value"}
    assert "point − baseline" in table.columns
