"""Tests for agents.valuation: values from production (MODEL-REFERENCE §8)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from pydantic import ValidationError

from agents import valuation
from agents.optimum import welfare_optimum
from agents.productivity import ProductParams, ResearchParams, latency, product_value
from agents.valuation import (
    IDLE_RESEARCH_RATE,
    Situation,
    ValuationParams,
    ironed_steps,
    marginal_values,
    research_rate,
    value,
)

SETTINGS = settings(max_examples=60, deadline=None)

RP = ResearchParams()
PP = ProductParams()
VP = ValuationParams()


def _situation(
    research,
    people,
    multiplier=None,
    active=None,
    remaining=None,
    demand=None,
) -> Situation:
    """A situation from lists; defaults: full morale, running projects far from done."""
    research = np.asarray(research, dtype=bool)
    n = research.size
    multiplier = np.ones(n) if multiplier is None else np.asarray(multiplier, dtype=float)
    active = research.copy() if active is None else np.asarray(active, dtype=bool)
    if remaining is None:
        remaining = np.where(active, 1e12, np.inf)
    demand = np.zeros(n) if demand is None else np.asarray(demand, dtype=float)
    return Situation(
        research=research,
        people=np.asarray(people, dtype=float),
        multiplier=multiplier,
        active=active,
        remaining=np.asarray(remaining, dtype=float),
        demand=demand,
    )


def _cobb_douglas(people, gpus, multiplier=1.0, p: ResearchParams = RP):
    """The research production function written out, independently of the source."""
    people, gpus = np.asarray(people, float), np.asarray(gpus, float)
    out = p.tfp * people**p.alpha_people * gpus**p.beta_gpus * multiplier
    return np.where((people > 0) & (gpus > 0), out, 0.0)


# ---------------------------------------------------------------------- parameters


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (0.0, "greater than 0"),
        (-90.0, "greater than 0"),
        (2e9, "less than or equal to 1000000000"),
    ],
)
def test_valuation_params_reject_out_of_range_exchange_rate(bad, reason):
    with pytest.raises(ValidationError) as info:
        ValuationParams(credits_per_output=bad)
    [error] = info.value.errors()
    assert error["loc"] == ("credits_per_output",)
    assert reason in error["msg"]
    assert "ValuationParams" in str(info.value)


@pytest.mark.parametrize("key", ["research_value", "product_value", "curvature", "lambda_"])
def test_valuation_params_refuse_unknown_and_removed_keys(key):
    with pytest.raises(ValidationError, match=key):
        ValuationParams(**{key: 1.0})


def test_valuation_params_default_and_frozen():
    p = ValuationParams()
    assert p.credits_per_output == 60.0
    with pytest.raises(ValidationError, match="frozen"):
        p.credits_per_output = 2.0  # type: ignore[misc]


# -------------------------------------------------------------------- research value


def test_research_rate_is_the_production_function_times_morale():
    sit = _situation([True, True, True], [4.0, 9.0, 16.0], multiplier=[1.0, 0.5, 0.25])
    gpus = np.array([3.0, 5.0, 0.0])
    rate = research_rate(sit, gpus, RP)
    np.testing.assert_allclose(rate, _cobb_douglas(sit.people, gpus, sit.multiplier), rtol=1e-12)
    assert rate[2] == 0.0  # no GPUs, no research (Cobb–Douglas)


def test_running_project_far_from_done_is_worth_lambda_times_its_output():
    sit = _situation([True, True], [4.0, 9.0], multiplier=[1.0, 0.5])
    gpus = np.array([3.0, 5.0])
    weeks = 4.0
    for rate in (90.0, 7.5):
        vp = ValuationParams(credits_per_output=rate)
        got = value(sit, gpus, weeks, RP, PP, vp)
        np.testing.assert_allclose(got, rate * weeks * research_rate(sit, gpus, RP), rtol=1e-12)
        expected = rate * weeks * _cobb_douglas([4.0, 9.0], gpus, np.array([1.0, 0.5]))
        np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_research_value_saturates_at_the_remaining_work():
    # One person, one week: R(G) = G^0.3 reaches the 2 units still needed at G = 2^(1/0.3).
    sit = _situation([True], [1.0], remaining=[2.0])
    grid = np.arange(0.0, 201.0)[None, :]
    got = value(sit, grid, 1.0, RP, PP, VP)[0]
    cap = VP.credits_per_output * 2.0
    assert np.all(got <= cap + 1e-9)
    made = grid[0] ** RP.beta_gpus
    np.testing.assert_allclose(got, VP.credits_per_output * np.minimum(made, 2.0), rtol=1e-12)
    done = grid[0] >= 2.0 ** (1 / RP.beta_gpus)
    np.testing.assert_allclose(got[done], cap)
    assert np.all(got[~done] < cap)
    # However many weeks or GPUs, two units of work are worth at most λ·2.
    assert value(sit, np.array([1e6]), 52.0, RP, PP, VP)[0] == pytest.approx(cap)
    # So the tranches after the one that finishes the project are worth nothing.
    v = marginal_values(sit, np.zeros(1), 30, 1.0, RP, PP, VP)[0]
    first_done = int(np.ceil(2.0 ** (1 / RP.beta_gpus)))  # 11
    assert np.all(v[:first_done] > 0)
    np.testing.assert_array_equal(v[first_done:], 0.0)
    assert v.sum() == pytest.approx(cap)


def test_idle_research_teams_are_valued_at_the_exploration_rate():
    assert 0.0 < IDLE_RESEARCH_RATE < 1.0
    people, gpus = [4.0, 4.0], np.array([6.0, 6.0])
    sit = _situation([True, True], people, active=[True, False], remaining=[1e12, np.inf])
    rate = research_rate(sit, gpus, RP)
    assert rate[1] == pytest.approx(IDLE_RESEARCH_RATE * rate[0])
    got = value(sit, gpus, 3.0, RP, PP, VP)
    full = VP.credits_per_output * 3.0 * _cobb_douglas(people, gpus)
    np.testing.assert_allclose(got, full * [1.0, IDLE_RESEARCH_RATE], rtol=1e-12)


# --------------------------------------------------------------------- product value


def test_product_value_is_weeks_times_served_value_times_morale():
    pp = ProductParams(users_per_gpu=0.002)
    sit = _situation([False, False, False], [10.0] * 3, [1.0, 0.6, 0.3], demand=[5.0, 20.0, 8.0])
    gpus = np.array([3.0, 30.0, 0.0])
    weeks = 4.0
    got = value(sit, gpus, weeks, RP, pp, VP)
    served = product_value(sit.demand, gpus * 2.0, pp)
    np.testing.assert_allclose(got, weeks * served * sit.multiplier, rtol=1e-12)
    assert got[0] > 0 and got[1] > 0 and got[2] == 0.0
    # Product value is in credits already: the research exchange rate leaves it alone.
    other = value(sit, gpus, weeks, RP, pp, ValuationParams(credits_per_output=1.0))
    np.testing.assert_allclose(other, got, rtol=1e-12)


def test_value_on_a_grid_matches_value_column_by_column():
    sit = _situation(
        [True, True, False, False],
        [4.0, 9.0, 10.0, 10.0],
        multiplier=[1.0, 0.7, 0.9, 0.5],
        active=[True, False, False, False],
        remaining=[3.0, np.inf, np.inf, np.inf],
        demand=[0.0, 0.0, 6.0, 25.0],
    )
    grid = np.array([[0.0, 1.0, 2.5, 7.0]] * 4) + np.arange(4)[:, None]
    got = value(sit, grid, 2.0, RP, PP, VP)
    assert got.shape == (4, 4)
    for j in range(4):
        np.testing.assert_allclose(got[:, j], value(sit, grid[:, j], 2.0, RP, PP, VP), rtol=1e-12)
    # A negative holding is no holding.
    np.testing.assert_array_equal(value(sit, -np.ones(4), 2.0, RP, PP, VP), 0.0)


# -------------------------------------------------------------------------- ironing


def test_a_concave_curve_keeps_its_own_steps():
    values = np.array([[0.0, 5.0, 9.0, 12.0, 14.0, 15.0]])
    np.testing.assert_allclose(ironed_steps(values), [[5.0, 4.0, 3.0, 2.0, 1.0]])


def test_an_s_shaped_curve_gets_the_chord_slope_up_to_the_tangent_then_its_own_steps():
    # Chords from the start: 1, 1, 10/3, 11/4, 11.5/5; the tangent is three steps out.
    values = np.array([[0.0, 1.0, 2.0, 10.0, 11.0, 11.5]])
    got = ironed_steps(values)
    np.testing.assert_allclose(got, [[10 / 3, 10 / 3, 10 / 3, 1.0, 0.5]], rtol=1e-12)
    assert got[0, :3].sum() == pytest.approx(10.0)  # the rise up to the tangent point


def test_ironing_of_flat_falling_and_shifted_curves():
    values = np.array(
        [
            [3.0, 3.0, 3.0, 3.0],  # flat
            [5.0, 4.0, 2.0, 1.0],  # falling: never negative
            [100.0, 105.0, 109.0, 112.0],  # a concave curve that starts high
            [0.0, 0.0, 6.0, 6.0],  # nothing, then everything at the second step
        ]
    )
    np.testing.assert_allclose(
        ironed_steps(values),
        [[0, 0, 0], [0, 0, 0], [5.0, 4.0, 3.0], [3.0, 3.0, 0.0]],
        rtol=1e-12,
    )
    assert ironed_steps(np.ones((2, 1))).shape == (2, 0)


def _first_tangent(row: np.ndarray) -> int:
    """The first grid step j (0-based) at which the chord slope from the start peaks."""
    best, at = -np.inf, 0
    for j in range(1, row.size):
        slope = (row[j] - row[0]) / j
        if slope > best:
            best, at = slope, j - 1
    return at


@SETTINGS
@given(
    values=hnp.arrays(
        float,
        st.tuples(st.integers(1, 5), st.integers(2, 12)),
        elements=st.floats(-1e3, 1e3),
    )
)
def test_ironed_steps_are_non_negative_non_increasing_and_keep_the_rise(values):
    got = ironed_steps(values)
    assert got.shape == (values.shape[0], values.shape[1] - 1)
    assert np.all(got >= 0)
    assert np.all(np.diff(got, axis=1) <= 0)
    for row, steps in zip(values, got, strict=True):
        t = _first_tangent(row)
        rise = max(row[t + 1] - row[0], 0.0)
        assert steps[: t + 1].sum() == pytest.approx(rise, rel=1e-9, abs=1e-9)


@SETTINGS
@given(
    steps=hnp.arrays(float, st.integers(1, 12), elements=st.floats(0.0, 1e3)),
    start=st.floats(-1e3, 1e3),
)
def test_ironing_leaves_concave_curves_alone(steps, start):
    steps = np.sort(steps)[::-1]
    values = np.concatenate([[start], start + np.cumsum(steps)])[None, :]
    np.testing.assert_allclose(ironed_steps(values)[0], steps, rtol=1e-9, atol=1e-9)


def _majorant_steps(row: np.ndarray) -> np.ndarray:
    """Steps of the least concave majorant by brute force: each point's value is the
    highest chord between any two points around it (or its own value)."""
    m1 = row.size
    top = row.astype(float).copy()
    for x in range(m1):
        for a in range(x + 1):
            for b in range(x, m1):
                if a < x < b:
                    top[x] = max(top[x], row[a] + (row[b] - row[a]) * (x - a) / (b - a))
    return np.maximum(np.minimum.accumulate(np.diff(top)), 0.0)


@SETTINGS
@given(
    rises=hnp.arrays(
        float,
        st.tuples(st.integers(1, 4), st.integers(1, 14)),
        elements=st.one_of(st.just(0.0), st.floats(0.0, 1e3)),
    ),
    start=st.floats(-1e3, 1e3),
)
def test_ironing_equals_the_least_concave_majorant_of_rising_curves(rises, start):
    # Non-decreasing curves with any pattern of steep and flat stretches (value never
    # falls with more GPUs): both ways of ironing (the one-pass min-max formula for small
    # books, the tangent walk for large ones) must equal the brute-force majorant.
    values = start + np.concatenate([np.zeros((rises.shape[0], 1)), np.cumsum(rises, 1)], 1)
    for small in (0, 10**9):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(valuation, "SMALL_IRONING", small)
            got = ironed_steps(values)
        for row, steps in zip(values, got, strict=True):
            np.testing.assert_allclose(steps, _majorant_steps(row), rtol=1e-9, atol=1e-6)


# -------------------------------------------------------------------- marginal values


def test_marginal_values_of_a_research_team_are_its_output_steps_in_credits():
    sit = _situation([True], [9.0], multiplier=[0.8])
    g0, k, weeks = 4.0, 6, 2.0
    got = marginal_values(sit, np.array([g0]), k, weeks, RP, PP, VP)
    grid = g0 + np.arange(k + 1)
    expected = VP.credits_per_output * weeks * np.diff(_cobb_douglas(9.0, grid, 0.8))
    np.testing.assert_allclose(got, [expected], rtol=1e-12)


_PRODUCT_PARAMS = st.sampled_from(
    [
        PP,
        ProductParams(served_value_exponent=1.0),
        ProductParams(served_value_exponent=1.0, latency_tolerance=4.0),
        ProductParams(served_value_exponent=0.3, users_per_gpu=0.0025, latency_exponent=1.0),
    ]
)
_RESEARCH_PARAMS = st.sampled_from(
    [RP, ResearchParams(form="ces", ces_sigma=2.6), ResearchParams(form="ces", ces_sigma=0.5)]
)


@st.composite
def situations(draw, n: int, research_only: bool = False) -> Situation:
    """Random situations of ``n`` teams, research and product mixed unless told."""
    research = np.ones(n, dtype=bool) if research_only else draw(hnp.arrays(bool, n))
    people = draw(hnp.arrays(float, n, elements=st.floats(1.0, 40.0)))
    multiplier = draw(hnp.arrays(float, n, elements=st.floats(0.0, 1.0)))
    active = research & draw(hnp.arrays(bool, n))
    work = draw(hnp.arrays(float, n, elements=st.floats(0.0, 50.0)))
    remaining = np.where(active, work, np.inf)
    demand = np.where(research, 0.0, draw(hnp.arrays(float, n, elements=st.floats(0.0, 60.0))))
    return Situation(research, people, multiplier, active, remaining, demand)


@SETTINGS
@given(
    sit=situations(8),
    gpus=hnp.arrays(float, 8, elements=st.floats(0.0, 40.0)),
    k=st.integers(0, 12),
    lookahead=st.integers(0, 12),
    weeks=st.floats(0.25, 26.0),
    research=_RESEARCH_PARAMS,
    product=_PRODUCT_PARAMS,
)
def test_marginal_value_rows_are_non_negative_and_non_increasing(
    sit, gpus, k, lookahead, weeks, research, product
):
    v = marginal_values(sit, gpus, k, weeks, research, product, VP, lookahead=lookahead)
    assert v.shape == (8, k)
    assert np.all(np.isfinite(v))
    assert np.all(v >= 0)
    assert np.all(np.diff(v, axis=1) <= 0)


@pytest.mark.parametrize(
    ("product", "holding"),
    [
        # Impatient users and linear value: serving users at the admission-control cap is
        # worth little; the payoff comes once capacity is well past demand.
        (ProductParams(served_value_exponent=1.0, latency_tolerance=4.0), 5.0),
        # Defaults, at demand: the next two tranches only fill the cap's plateau.
        (PP, 20.0),
    ],
)
def test_lookahead_reveals_a_payoff_beyond_the_bid_window(product, holding):
    sit = _situation([False], [10.0], demand=[20.0])
    gpus, k, ahead = np.array([holding]), 3 if holding < 20 else 2, 30
    short = marginal_values(sit, gpus, k, 1.0, RP, product, VP)[0]
    long = marginal_values(sit, gpus, k, 1.0, RP, product, VP, lookahead=ahead)[0]
    assert long[0] > short[0]
    assert np.all(long >= short - 1e-9)
    # With lookahead the first tranches are worth the best average gain over the window.
    grid = holding + np.arange(k + ahead + 1, dtype=float)
    curve = value(sit, grid[None, :], 1.0, RP, product, VP)[0]
    chord = (curve[1:] - curve[0]) / np.arange(1, grid.size)
    assert long[0] == pytest.approx(chord.max(), rel=1e-12)


def test_below_demand_without_lookahead_every_tranche_serves_users_at_the_cap():
    product = ProductParams(served_value_exponent=1.0, latency_tolerance=4.0)
    sit = _situation([False], [10.0], demand=[20.0])
    got = marginal_values(sit, np.array([5.0]), 3, 1.0, RP, product, VP)[0]
    T_cap = latency(20.0, 10.0, product)  # utilisation above the cap: latency at the cap
    slope = product.price_per_user * np.exp(-T_cap / product.latency_tolerance)
    np.testing.assert_allclose(got, [slope] * 3, rtol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"k": -1}, r"^k = -1 "),
        ({"k": 2.5}, r"^k = 2\.5 "),
        ({"k": True}, r"^k = True "),
        ({"k": 3, "lookahead": -2}, r"^lookahead = -2 "),
        ({"k": 3, "lookahead": 0.5}, r"^lookahead = 0\.5 "),
    ],
)
def test_marginal_values_reject_bad_counts_naming_them(kwargs, pattern):
    k = kwargs.pop("k")
    with pytest.raises(ValueError, match=pattern):
        marginal_values(_situation([True], [4.0]), np.ones(1), k, 1.0, RP, PP, VP, **kwargs)


def test_marginal_values_of_zero_tranches_is_an_empty_book():
    sit = _situation([True, False], [4.0, 4.0], demand=[0.0, 3.0])
    assert marginal_values(sit, np.ones(2), 0, 1.0, RP, PP, VP).shape == (2, 0)


# ------------------------------------------------------------------- welfare optimum


def _brute_force(sit: Situation, units: int, research: ResearchParams) -> float:
    """The best total value of any whole-tranche split of ``units`` (or fewer)."""
    n = sit.research.size
    best = -np.inf
    for split in itertools.product(range(units + 1), repeat=n):
        if sum(split) <= units:
            total = value(sit, np.array(split, float), 1.0, research, PP, VP).sum()
            best = max(best, float(total))
    return best


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(2, 3),
    # From one tranche on: with none, welfare_optimum returns 0 even where people alone
    # produce something (CES substitutes); see the report on agents/valuation.py.
    units=st.integers(1, 8),
    fraction=st.floats(0.0, 0.99),
    research=_RESEARCH_PARAMS,
    data=st.data(),
)
def test_welfare_optimum_equals_brute_force_for_concave_research_teams(
    n, units, fraction, research, data
):
    sit = data.draw(situations(n, research_only=True))
    best = _brute_force(sit, units, research)
    got = welfare_optimum(sit, units + fraction, research, PP, VP, horizon_units=units)
    assert got == pytest.approx(best, rel=1e-9, abs=1e-9)
    # Never below what any split actually realises.
    split = data.draw(hnp.arrays(int, n, elements=st.integers(0, units)))
    if split.sum() <= units:
        realised = value(sit, split.astype(float), 1.0, research, PP, VP).sum()
        assert got >= realised - 1e-9


def test_welfare_optimum_hand_worked():
    # Two identical research teams, four tranches: two each (concave output, equal split).
    sit = _situation([True, True], [4.0, 4.0])
    got = welfare_optimum(sit, 4.0, RP, PP, VP, horizon_units=4)
    expected = 2 * VP.credits_per_output * _cobb_douglas(4.0, 2.0)
    assert got == pytest.approx(expected, rel=1e-12)
    assert welfare_optimum(sit, 0.5, RP, PP, VP, horizon_units=4) == 0.0
    empty = _situation([], [])
    assert welfare_optimum(empty, 10.0, RP, PP, VP, horizon_units=4) == 0.0


def test_welfare_optimum_follows_each_team_only_up_to_the_horizon():
    sit = _situation([True], [4.0])
    got = welfare_optimum(sit, 8.0, RP, PP, VP, horizon_units=3)
    assert got == pytest.approx(VP.credits_per_output * _cobb_douglas(4.0, 3.0), rel=1e-12)


def test_welfare_optimum_is_never_below_a_product_team_served_past_its_demand():
    sit = _situation([False], [10.0], demand=[20.0])
    realised = value(sit, np.array([40.0]), 1.0, RP, PP, VP)[0]
    assert welfare_optimum(sit, 40.0, RP, PP, VP, horizon_units=40) >= realised - 1e-9


# ------------------------------------------------------------------------ scale


def test_valuation_of_ten_thousand_teams():
    n = 10_000
    rng = np.random.default_rng(0)
    research = rng.random(n) < 0.6
    active = research & (rng.random(n) < 0.8)
    sit = Situation(
        research=research,
        people=rng.integers(1, 30, n).astype(float),
        multiplier=rng.random(n),
        active=active,
        remaining=np.where(active, rng.random(n) * 50, np.inf),
        demand=np.where(research, 0.0, rng.random(n) * 20),
    )
    gpus = rng.integers(0, 20, n).astype(float)
    assert value(sit, gpus, 4.0, RP, PP, VP).shape == (n,)
    v = marginal_values(sit, gpus, 10, 4.0, RP, PP, VP, lookahead=10)
    assert v.shape == (n, 10)
    assert np.all(v >= 0) and np.all(np.diff(v, axis=1) <= 0)
    total = welfare_optimum(sit, 5.0 * n, RP, PP, VP, horizon_units=20)
    assert np.isfinite(total) and total > 0


def test_module_exports():
    assert set(valuation.__all__) == {
        "IDLE_RESEARCH_RATE",
        "Situation",
        "ValuationParams",
        "ironed_steps",
        "marginal_values",
        "research_rate",
        "value",
    }


def test_ironing_keeps_every_later_gain_of_a_curve_that_rises_twice():
    # Rises, stays flat (capacity past demand but latency capped), rises again.
    steps = ironed_steps(np.array([[0.0, 1.0, 1.0, 1.0, 5.0, 5.5]]))
    np.testing.assert_allclose(steps, [[1.25, 1.25, 1.25, 1.25, 0.5]])
    assert steps.sum() == pytest.approx(5.5)


def test_welfare_optimum_of_a_long_curve_is_valued_in_blocks_close_to_exact(monkeypatch):
    import agents.optimum as optimum

    sit = _situation([True, True, False], [40.0, 20.0, 30.0], demand=[0.0, 0.0, 300.0])
    exact = welfare_optimum(sit, 600.0, RP, PP, VP, horizon_units=1200)
    monkeypatch.setattr(optimum, "OPTIMUM_MAX_POINTS", 64)  # blocks of 10 tranches
    blocked = welfare_optimum(sit, 600.0, RP, PP, VP, horizon_units=1200)
    assert blocked == pytest.approx(exact, rel=0.02)


def test_welfare_optimum_of_an_enormous_fleet_stays_small_and_finite():
    import tracemalloc

    sit = _situation([True, True, False], [40.0, 20.0, 30.0], demand=[0.0, 0.0, 300.0])
    tracemalloc.start()
    got = welfare_optimum(sit, 1e10, RP, PP, VP, horizon_units=2 * 10**10)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert np.isfinite(got) and got > 0
    assert peak < 200 * 2**20  # a dense horizon² ironing would need ~10^21 bytes
