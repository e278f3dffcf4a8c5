"""experiments.compare: common random numbers, paired t-intervals, frames for the app."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from experiments.compare import compare, play
from experiments.stats import paired_interval, transformed_interval, verdict
from game import load_scenario
from game.run_metrics import RUN_METRICS, RunMetric, register_metric, summarise, unregister_metric

WEEKS = 6


@pytest.fixture(scope="module")
def classroom():
    return load_scenario("classroom")


@pytest.fixture(scope="module")
def market_vs_committee(classroom):
    b = classroom.with_overrides({"market.mechanism": "committee"})
    return compare(classroom, b, seeds=3, weeks=WEEKS)


def test_same_rules_give_zero_differences_because_seeds_are_shared(classroom):
    result = compare(classroom, classroom, seeds=[3, 5], weeks=WEEKS, metrics=["jain", "idle"])
    assert (result.summary["diff"] == 0).all()
    assert (result.summary["ci_low"] == 0).all() and (result.summary["ci_high"] == 0).all()
    assert set(result.summary["verdict"]) == {"no clear difference"}


def test_each_seed_runs_both_rule_sets_once(market_vs_committee):
    per_seed = market_vs_committee.per_seed
    assert len(per_seed) == 6
    assert sorted(per_seed.groupby("rule_set")["seed"].apply(list).to_dict().items()) == [
        ("A", [0, 1, 2]),
        ("B", [0, 1, 2]),
    ]
    assert market_vs_committee.seeds == (0, 1, 2)
    assert market_vs_committee.weeks == WEEKS


def test_per_seed_values_match_a_direct_run(classroom, market_vs_committee):
    direct = summarise(play(classroom, 1, WEEKS))
    assert list(direct) == list(RUN_METRICS)
    row = market_vs_committee.per_seed.query("rule_set == 'A' and seed == 1").iloc[0]
    for name, value in direct.items():
        if math.isnan(value):
            assert math.isnan(row[name])
        else:
            assert row[name] == pytest.approx(value)


def test_summary_difference_is_mean_of_paired_differences(market_vs_committee):
    per_seed = market_vs_committee.per_seed
    a = per_seed[per_seed.rule_set == "A"].set_index("seed")["jain"]
    b = per_seed[per_seed.rule_set == "B"].set_index("seed")["jain"]
    row = market_vs_committee.summary.set_index("metric").loc["jain"]
    d = (b - a).to_numpy()
    assert row["diff"] == pytest.approx(d.mean())
    half = stats.t.ppf(0.975, 2) * d.std(ddof=1) / math.sqrt(3)
    # a difference of shares lies in [-1, 1]: the t-interval on that (logit) scale
    lo, hi = transformed_interval(d.mean(), half / stats.t.ppf(0.975, 2), stats.t.ppf(0.975, 2),
                                  (-1.0, 1.0))  # fmt: skip
    assert row["ci_low"] == pytest.approx(lo) and row["ci_high"] == pytest.approx(hi)
    assert row["ci_low"] == pytest.approx(d.mean() - half, rel=0.05)  # close to the plain one
    assert row["p"] == pytest.approx(stats.ttest_rel(b, a).pvalue)
    assert row["mean_a"] == pytest.approx(a.mean()) and row["mean_b"] == pytest.approx(b.mean())


def test_price_has_no_value_under_a_rule_without_money(market_vs_committee):
    per_seed = market_vs_committee.per_seed
    assert per_seed.query("rule_set == 'B'")["price"].isna().all()
    assert per_seed.query("rule_set == 'A'")["price"].notna().all()
    assert market_vs_committee.summary.set_index("metric").loc["price", "verdict"] == "no value"


def test_points_frame_holds_fairness_and_efficiency_per_run(market_vs_committee):
    points = market_vs_committee.points
    assert list(points.columns) == ["rule_set", "seed", "jain", "efficiency"]
    assert len(points) == 6
    assert points["jain"].between(0, 1).all() and points["efficiency"].between(0, 1.0001).all()


def test_weekly_frame_has_one_row_per_rule_set_and_week(market_vs_committee):
    weekly = market_vs_committee.weekly
    assert len(weekly) == 2 * WEEKS
    assert set(weekly["rule_set"]) == {"A", "B"}
    assert "mean_stress" in weekly.columns


def test_summary_has_one_row_per_registered_metric_labelled_from_the_registry(
    market_vs_committee,
):
    summary = market_vs_committee.summary
    assert list(summary["metric"]) == list(RUN_METRICS)
    for row in summary.itertuples():
        assert row.label == RUN_METRICS[row.metric].summary_label
        assert row.better == RUN_METRICS[row.metric].better
    assert list(market_vs_committee.per_seed.columns) == ["rule_set", "seed", *RUN_METRICS]


def test_rules_name_the_rule_that_cleared_the_market(classroom, market_vs_committee):
    assert market_vs_committee.rules == ("uniform_price", "committee")
    by_governance = classroom.with_overrides({"governance.mode": "committee"})
    assert by_governance.market.mechanism == "uniform_price"
    result = compare(classroom, by_governance, seeds=1, weeks=2, metrics=["jain"])
    assert result.rules == ("uniform_price", "committee")
    vickrey = classroom.with_overrides({"market.mechanism": "second_price"})
    assert compare(vickrey, classroom, seeds=1, weeks=2, metrics=["jain"]).rules == (
        "vickrey",
        "uniform_price",
    )


def test_a_registered_metric_joins_the_default_summary(classroom):
    metric = RunMetric(
        name="fleet_test",
        label="Fleet (test)",
        column="supply",
        how="peak",
        unit="tranches",
        better="higher",
        bounds=(0.0, None),
        description="The largest fleet of the run, registered by a test.",
    )
    register_metric(metric)
    try:
        result = compare(classroom, classroom, seeds=2, weeks=2)
    finally:
        unregister_metric("fleet_test")
    row = result.summary.set_index("metric").loc["fleet_test"]
    assert row["label"] == "Fleet (test) (peak)"
    assert row["diff"] == 0 and row["verdict"] == "no clear difference"


def test_summary_lists_only_requested_metrics(classroom):
    result = compare(classroom, classroom, seeds=2, weeks=3, metrics=["mean_stress"])
    assert list(result.summary["metric"]) == ["mean_stress"]
    assert {"jain", "efficiency"} <= set(result.points.columns)


def test_progress_reports_every_run(classroom):
    calls = []
    compare(
        classroom,
        classroom,
        seeds=2,
        weeks=2,
        metrics=["jain"],
        progress=lambda d, t: calls.append((d, t)),
    )
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_a_custom_runner_is_used_with_each_scenario_and_seed(classroom):
    seen = []

    def runner(sc, seed, weeks):
        seen.append((sc.market.mechanism, seed, weeks))
        return play(sc, seed, weeks)

    b = classroom.with_overrides({"market.mechanism": "vickrey"})
    compare(classroom, b, seeds=[7], weeks=2, metrics=["jain"], runner=runner)
    assert seen == [("uniform_price", 7, 2), ("vickrey", 7, 2)]


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"seeds": 0}, "seeds = 0"),
        ({"seeds": []}, "seeds = []"),
        ({"seeds": [1, 1]}, "only once"),
        ({"seeds": [-1]}, "integers >= 0"),
        ({"weeks": 0}, "weeks = 0"),
        ({"metrics": ["happiness"]}, "unknown ['happiness']"),
    ],
)
def test_bad_arguments_raise_a_one_line_value_error(classroom, kwargs, needle):
    with pytest.raises(ValueError) as err:
        compare(classroom, classroom, **{"weeks": 2, **kwargs})
    assert needle in str(err.value)
    assert "\n" not in str(err.value)


def test_non_scenario_is_refused(classroom):
    with pytest.raises(ValueError, match="sc_b: expected a Scenario"):
        compare(classroom, {"market": {}}, seeds=1, weeks=1)


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(finite, finite), min_size=2, max_size=12))
def test_paired_interval_contains_the_mean_and_matches_scipy(pairs):
    a, b = np.array(pairs).T
    diff, low, high, n = paired_interval(a, b)
    assert n == len(pairs)
    assert low <= diff + 1e-6 * (1 + abs(diff)) and diff <= high + 1e-6 * (1 + abs(diff))
    d = b - a
    if d.std(ddof=1) > 0:
        ref = stats.t.interval(0.95, n - 1, loc=d.mean(), scale=stats.sem(d))
        assert low == pytest.approx(ref[0], rel=1e-6, abs=1e-6)
        assert high == pytest.approx(ref[1], rel=1e-6, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(st.lists(finite, min_size=2, max_size=10), finite)
def test_a_constant_shift_gives_a_zero_width_interval_at_the_shift(a, shift):
    a = np.array(a)
    diff, low, high, _ = paired_interval(a, a + shift)
    assert diff == pytest.approx(shift, abs=1e-6)
    assert high - low == pytest.approx(0, abs=1e-6)


def test_paired_interval_drops_pairs_with_a_missing_value():
    diff, low, high, n = paired_interval(np.array([1.0, np.nan, 3.0]), np.array([2.0, 5.0, 5.0]))
    assert n == 2 and diff == pytest.approx(1.5)
    assert low < 1.5 < high


def test_one_pair_gives_a_difference_but_no_interval():
    diff, low, high, n = paired_interval(np.array([1.0]), np.array([4.0]))
    assert (diff, n) == (3.0, 1) and math.isnan(low) and math.isnan(high)


def test_paired_interval_refuses_unequal_lengths():
    with pytest.raises(ValueError, match="lengths 2 and 3"):
        paired_interval(np.zeros(2), np.zeros(3))


@pytest.mark.parametrize(
    ("diff", "low", "high", "better", "expected"),
    [
        (0.1, 0.05, 0.15, "higher", "B better"),
        (0.1, 0.05, 0.15, "lower", "A better"),
        (-0.1, -0.15, -0.05, "lower", "B better"),
        (0.1, -0.05, 0.25, "higher", "no clear difference"),
        (0.1, 0.05, 0.15, "", "B higher"),
        (-0.1, -0.15, -0.05, "", "B lower"),
        (0.1, math.nan, math.nan, "higher", "too few seeds to tell"),
        (math.nan, math.nan, math.nan, "higher", "no value"),
    ],
)
def test_verdict_reads_the_interval(diff, low, high, better, expected):
    assert verdict(diff, low, high, better) == expected


def test_summarise_reduces_each_metric_as_declared():
    wf = pd.DataFrame(
        {c: [1.0, np.nan, 3.0] for c in {m.column for m in RUN_METRICS.values()}}
        | {"week": [0, 1, 2]}
    )
    out = summarise(wf, ["jain", "research_output", "max_stress", "headcount"])
    assert out == {"jain": 2.0, "research_output": 4.0, "max_stress": 3.0, "headcount": 3.0}
