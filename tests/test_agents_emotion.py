"""Tests for agents.emotion and the emotion parameter models."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from pydantic import ValidationError

from agents import emotion
from agents.emotion import (
    BurnoutParams,
    ContagionParams,
    EmotionParams,
    PerformanceParams,
    StressParams,
)

SETTINGS = settings(max_examples=60, deadline=None)
unit = st.floats(0.0, 1.0, allow_nan=False)


def unit_arrays(n: int) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(float, n, elements=unit)


def path_graph(n: int, weight: float = 1.0) -> sp.csr_array:
    rows = np.arange(n - 1)
    data = np.full(n - 1, weight)
    upper = sp.coo_array((data, (rows, rows + 1)), shape=(n, n))
    return (upper + upper.T).tocsr()


def random_graph(n: int, density: float, seed: int) -> sp.csr_array:
    upper = sp.triu(sp.random_array((n, n), density=density, rng=seed), k=1)
    return (upper + upper.T).tocsr()


# ---------------------------------------------------------------------- parameters

_AT_LEAST_0 = "greater than or equal to 0"
_AT_MOST_1 = "less than or equal to 1"


@pytest.mark.parametrize(
    ("cls", "field", "bad", "reason"),
    [
        (StressParams, "k_deficit", -0.1, _AT_LEAST_0),
        (StressParams, "k_recovery", 1.5, _AT_MOST_1),
        (StressParams, "dt", 0.0, "greater than 0"),
        (StressParams, "dt", 5.0, "less than or equal to 4"),
        (StressParams, "k_envy", math.nan, "finite number"),
        (StressParams, "baseline", -0.01, _AT_LEAST_0),
        (StressParams, "baseline", 0.6, "less than or equal to 0.5"),
        (PerformanceParams, "research_width", 0.0, "greater than 0"),
        (PerformanceParams, "m_min", 1.2, _AT_MOST_1),
        (PerformanceParams, "form", "sigmoid", "'inverted_u' or 'monotone'"),
        (BurnoutParams, "threshold", -0.01, _AT_LEAST_0),
        (BurnoutParams, "kappa_burnout", -1.0, _AT_LEAST_0),
        (BurnoutParams, "kappa_envy", 11.0, "less than or equal to 10"),
        (ContagionParams, "model", "sir", "'bosse_treur', 'sisa' or 'none'"),
        (ContagionParams, "upward_bias", 2.0, _AT_MOST_1),
        (ContagionParams, "sisa_jump", "big", "valid number"),
    ],
)
def test_params_reject_bad_values_naming_field_value_and_bound(cls, field, bad, reason):
    with pytest.raises(ValidationError) as info:
        cls(**{field: bad})
    [error] = info.value.errors()
    assert error["loc"] == (field,)
    assert re.search(reason, error["msg"]), error["msg"]
    message = str(info.value)
    assert cls.__name__ in message
    assert re.search(rf"^{field}$", message, flags=re.MULTILINE)
    assert f"input_value={bad!r}" in message


def test_params_errors_are_value_errors():
    with pytest.raises(ValueError, match="k_deficit"):
        StressParams(k_deficit=2.0)


@pytest.mark.parametrize(("cls", "field"), [(StressParams, "k_lost"), (BurnoutParams, "build")])
def test_params_refuse_booleans_as_numbers(cls, field):
    with pytest.raises(ValidationError, match=f"{field}\n.*a boolean is not a number"):
        cls(**{field: True})


def test_params_refuse_unknown_keys_naming_them():
    with pytest.raises(ValidationError) as info:
        StressParams(k_defict=0.1)
    [error] = info.value.errors()
    assert error["loc"] == ("k_defict",)
    assert error["type"] == "extra_forbidden"


def test_params_defaults_are_the_reference_values():
    # MODEL-REFERENCE §1: k_d 0.1-0.3, k_u 0.05-0.15, k_L 0.05-0.2, k_e ~0.05, k_r 0.05-0.2.
    assert StressParams() == StressParams(
        k_deficit=0.2,
        k_urgency=0.1,
        k_lost=0.1,
        k_envy=0.05,
        k_recovery=0.12,
        k_reclaim=0.15,
        baseline=0.1,
        dt=1.0,
    )
    assert BurnoutParams().kappa_burnout == pytest.approx(math.log(3.0), abs=1e-4)
    assert ContagionParams().model == "bosse_treur"
    # MODEL-REFERENCE §11: the default curve never rewards deprivation.
    assert PerformanceParams().form == "monotone"


def test_params_are_frozen_and_hashable():
    p = StressParams()
    with pytest.raises(ValidationError, match="frozen"):
        p.k_deficit = 0.3  # type: ignore[misc]
    assert p.k_deficit == StressParams().k_deficit
    assert hash(p) == hash(StressParams())
    assert hash(StressParams(k_deficit=0.3)) != hash(p)


def test_emotion_params_compose_the_four_tables_and_validate_nested_values():
    e = EmotionParams()
    assert (e.stress, e.performance, e.burnout, e.contagion) == (
        StressParams(),
        PerformanceParams(),
        BurnoutParams(),
        ContagionParams(),
    )
    nested = EmotionParams(stress={"k_deficit": 0.3}, contagion={"model": "sisa"})
    assert nested.stress == StressParams(k_deficit=0.3)
    assert nested.contagion.model == "sisa"
    with pytest.raises(ValidationError) as info:
        EmotionParams(stress={"k_deficit": 2.0})
    assert info.value.errors()[0]["loc"] == ("stress", "k_deficit")
    with pytest.raises(ValidationError, match="pressure"):
        EmotionParams(pressure={})


# -------------------------------------------------------------------- urgency/deficit


def test_deadline_urgency_is_squared_elapsed_fraction():
    u = emotion.deadline_urgency(np.array([0.0, 5.0, 10.0, 20.0]), np.array([10.0] * 4))
    np.testing.assert_allclose(u, [0.0, 0.25, 1.0, 1.0])


def test_deadline_urgency_is_zero_without_deadline():
    u = emotion.deadline_urgency(np.array([5.0, 5.0, 5.0]), np.array([0.0, -1.0, np.inf]))
    np.testing.assert_array_equal(u, [0.0, 0.0, 0.0])


def test_compute_deficit_closed_form():
    d = emotion.compute_deficit(np.array([3.0, 4.0, 9.0, 0.0, 2.0]), np.array([4.0, 4, 4, 4, 0]))
    np.testing.assert_allclose(d, [0.25, 0.0, 0.0, 1.0, 0.0])


# -------------------------------------------------------------------------- stress


def test_stress_terms_closed_form_and_dt_scaling():
    p = StressParams(
        k_deficit=0.2,
        k_urgency=0.1,
        k_lost=0.1,
        k_envy=0.05,
        k_recovery=0.12,
        k_reclaim=0.15,
        baseline=0.1,
        dt=0.5,
    )
    terms = emotion.stress_terms(
        np.array([0.4]),
        np.array([0.5]),
        np.array([0.25]),
        np.array([True]),
        np.array([0.2]),
        np.array([1.0]),
        p,
    )
    assert tuple(terms) == emotion.STRESS_TERMS
    room = 1 - 0.4
    expected = {
        "deficit": 0.2 * 0.5 * room * 0.5,
        "urgency": 0.1 * 0.25 * room * 0.5,
        "lost_auction": 0.1 * room * 0.5,
        "envy": 0.05 * 0.2 * room * 0.5,
        "reclaim": 0.15 * room * 0.5,
        "recovery": -0.12 * (0.4 - 0.1) * 0.5,
    }
    for key, value in expected.items():
        np.testing.assert_allclose(terms[key], [value], err_msg=key)


def _step(stress, deficit, p=None, contagion=0.0, urgency=None):
    n = len(stress)
    zeros = np.zeros(n)
    p = p or StressParams()
    u = zeros if urgency is None else urgency
    terms = emotion.stress_terms(stress, deficit, u, zeros, zeros, zeros, p)
    return emotion.stress_update(stress, terms, contagion)


def test_stress_rises_with_deficit():
    s = np.full(3, 0.3)
    new = _step(s, np.array([0.0, 0.5, 1.0]))
    assert new[0] < new[1] < new[2]
    assert new[2] > 0.3


def test_stress_recovers_towards_the_baseline_when_not_in_deficit():
    p = StressParams(k_recovery=0.12, baseline=0.1)
    s = np.array([0.5, 0.8, 0.1, 0.0])
    new = _step(s, np.zeros(4), p)
    np.testing.assert_allclose(new, s - 0.12 * (s - 0.1))
    assert new[0] < 0.5 and new[1] < 0.8  # above the baseline: falls
    assert new[2] == pytest.approx(0.1)  # at the baseline: stays
    assert new[3] > 0.0  # below it: rises back


def test_recovery_does_not_vanish_at_full_deficit():
    # The old form -k_r*s*(1-d) was 0 here, which made stress = 1 absorbing.
    terms = emotion.stress_terms(
        np.array([0.7, 1.0]), np.ones(2), *(np.zeros(2),) * 4, StressParams()
    )
    np.testing.assert_allclose(terms["recovery"], [-0.12 * 0.6, -0.12 * 0.9])
    assert terms["deficit"][1] == 0.0  # no room left above full stress
    assert emotion.stress_update(np.array([1.0]), {k: v[1:] for k, v in terms.items()})[0] < 1.0


def test_full_stress_is_not_absorbing_fixed_point_below_one_and_reached():
    # Full deficit and full urgency every week: push D = k_d + k_u, and
    # ds = D*(1-s) - k_r*(s - s0) = 0 at s* = (D + k_r*s0) / (D + k_r).
    p = StressParams()
    push = p.k_deficit + p.k_urgency
    fixed = (push + p.k_recovery * p.baseline) / (push + p.k_recovery)
    assert fixed == pytest.approx((0.3 + 0.012) / 0.42)
    assert fixed < 0.75
    ones = np.ones(3)
    s = np.array([0.0, 0.5, 1.0])  # from calm, halfway and fully stressed
    for _ in range(200):
        s = _step(s, ones, p, urgency=ones)
    np.testing.assert_allclose(s, fixed, atol=1e-9)
    # The fixed point is a fixed point of one step.
    np.testing.assert_allclose(_step(np.array([fixed]), ones[:1], p, urgency=ones[:1]), fixed)


@SETTINGS
@given(push=unit, k_r=st.floats(0.01, 1.0), s0=st.floats(0.0, 0.5))
def test_fixed_point_is_below_one_for_any_push(push, k_r, s0):
    # Any push D: s* = (D + k_r*s0)/(D + k_r) < 1 as long as k_r > 0 and s0 < 1.
    p = StressParams(k_deficit=push, k_recovery=k_r, baseline=s0)
    fixed = (push + k_r * s0) / (push + k_r)
    assert fixed < 1.0
    terms = emotion.stress_terms(np.array([fixed]), np.ones(1), *(np.zeros(1),) * 4, p)
    assert abs(sum(float(v[0]) for v in terms.values())) < 1e-12


@SETTINGS
@given(
    s=unit_arrays(8),
    d=unit_arrays(8),
    u=unit_arrays(8),
    e=unit_arrays(8),
    c=hnp.arrays(float, 8, elements=st.floats(-1, 1)),
)
def test_stress_update_stays_in_unit_interval_and_recovery_pulls_to_baseline(s, d, u, e, c):
    p = StressParams()
    lost = s > 0.5
    terms = emotion.stress_terms(s, d, u, lost, e, d > 0.9, p)
    above = s >= p.baseline
    assert np.all(terms["recovery"][above] <= 0.0)
    assert np.all(terms["recovery"][~above] > 0.0)
    for key in ("deficit", "urgency", "lost_auction", "envy", "reclaim"):
        assert np.all(terms[key] >= 0.0)
        assert np.all(terms[key][s == 1.0] == 0.0), key
    new = emotion.stress_update(s, terms, c)
    assert np.all((new >= 0.0) & (new <= 1.0))


# --------------------------------------------------------------------- performance


def test_yerkes_dodson_peaks_at_s_star():
    grid = np.linspace(0.0, 1.0, 1001)
    m = emotion.performance_multiplier(grid, 0.35, 0.2, 0.1, "inverted_u")
    assert grid[np.argmax(m)] == pytest.approx(0.35)
    assert m.max() == pytest.approx(1.0)
    assert np.all(m >= 0.1)
    far = emotion.performance_multiplier(np.array([0.35 + 3.0]), 0.35, 0.2, 0.1, "inverted_u")
    assert far[0] == pytest.approx(0.1 + 0.9 * math.exp(-(3.0**2) / (2 * 0.2**2)))


def test_yerkes_dodson_accepts_per_team_peaks():
    peaks = np.array([0.2, 0.6])
    m = emotion.performance_multiplier(peaks, peaks, np.array([0.1, 0.3]), 0.0, "inverted_u")
    np.testing.assert_allclose(m, [1.0, 1.0])


def test_monotone_form_decreases_from_one_to_m_min():
    grid = np.linspace(0.0, 1.0, 11)
    m = emotion.performance_multiplier(grid, 0.35, 0.2, 0.2, "monotone")
    assert m[0] == pytest.approx(1.0)
    assert m[-1] == pytest.approx(0.2)
    assert np.all(np.diff(m) < 0)


def test_performance_multiplier_rejects_unknown_form():
    with pytest.raises(ValueError, match="form"):
        emotion.performance_multiplier(np.zeros(2), 0.3, 0.2, 0.1, "sigmoid")


def test_default_performance_never_rises_with_stress():
    p = PerformanceParams()
    grid = np.linspace(0.0, 1.0, 201)
    for is_research in (True, False):
        m = emotion.team_performance(grid, np.full(grid.size, is_research), p)
        assert np.all(np.diff(m) <= 0.0)
        assert m[0] == pytest.approx(1.0)
        assert m[-1] == pytest.approx(p.m_min)
    # The function's own default form is the same.
    np.testing.assert_array_equal(
        emotion.performance_multiplier(grid, 0.5, 0.3, 0.1),
        emotion.performance_multiplier(grid, 0.5, 0.3, 0.1, "monotone"),
    )


@SETTINGS
@given(s=unit_arrays(2), peak=unit, width=st.floats(0.05, 1.0), m_min=unit)
def test_monotone_form_never_rewards_more_stress(s, peak, width, m_min):
    lo, hi = np.sort(s)
    m = emotion.performance_multiplier(np.array([lo, hi]), peak, width, m_min, "monotone")
    assert m[1] <= m[0]


def test_inverted_u_stays_available_and_can_reward_stress():
    p = PerformanceParams(form="inverted_u")
    m = emotion.team_performance(np.array([0.1, p.product_peak]), np.array([False, False]), p)
    assert m[1] > m[0]


def test_team_performance_uses_research_and_product_peaks():
    p = PerformanceParams(form="inverted_u")
    m = emotion.team_performance(
        np.array([p.research_peak, p.product_peak, p.product_peak]),
        np.array([True, False, True]),
        p,
    )
    assert m[0] == pytest.approx(1.0)
    assert m[1] == pytest.approx(1.0)
    assert m[2] < 1.0


# ------------------------------------------------------------------------- burnout


def test_burnout_builds_above_threshold_and_heals_below():
    p = BurnoutParams(threshold=0.65, build=0.05, heal=0.03)
    b = np.array([0.2, 0.2, 0.2])
    s = np.array([0.9, 0.2, 0.65])
    new = emotion.burnout_update(b, s, p)
    assert new[0] == pytest.approx(0.2 + 0.05 * 0.25 * 0.8)
    assert new[1] == pytest.approx(0.2 - 0.03 * 0.45 * 0.2)
    assert new[2] == 0.2  # at the threshold burnout neither builds nor heals


def test_burnout_does_not_start_at_or_below_threshold():
    p = BurnoutParams()
    new = emotion.burnout_update(np.zeros(3), np.array([0.0, 0.3, p.threshold]), p)
    np.testing.assert_array_equal(new, 0.0)


@SETTINGS
@given(b=unit_arrays(10), s=unit_arrays(10), theta=unit)
def test_burnout_heals_only_below_threshold_and_builds_only_above(b, s, theta):
    p = BurnoutParams(threshold=theta)
    change = emotion.burnout_update(b, s, p) - b
    assert np.all(change[s < theta] <= 0.0)
    assert np.all(change[s > theta] >= 0.0)
    assert np.all(change[s == theta] == 0.0)
    # Strictly, wherever the change is large enough not to underflow.
    heals = (s < theta - 1e-6) & (b > 1e-6)
    assert np.all(change[heals] < 0.0)
    builds = (s > theta + 1e-6) & (b < 1.0 - 1e-6)
    assert np.all(change[builds] > 0.0)


def test_full_burnout_heals_even_after_full_stress():
    # Under the old form -r_b*b*(1-s) nothing healed at s = 1; now calm weeks heal it.
    p = BurnoutParams()
    b = np.ones(1)
    b = emotion.burnout_update(b, np.ones(1), p)
    assert b[0] == 1.0
    for _ in range(52):
        b = emotion.burnout_update(b, np.array([0.1]), p)
    assert b[0] == pytest.approx((1 - p.heal * (p.threshold - 0.1)) ** 52)
    assert b[0] < 0.5


@SETTINGS
@given(b=unit_arrays(6), s=unit_arrays(6), dt=st.floats(0.1, 10.0))
def test_burnout_stays_in_unit_interval(b, s, dt):
    new = emotion.burnout_update(b, s, BurnoutParams(build=1.0, heal=1.0), dt=dt)
    assert np.all((new >= 0.0) & (new <= 1.0))


# ----------------------------------------------------------------------- attrition


def test_attrition_probability_converts_monthly_hazard_to_weekly():
    p = BurnoutParams()
    prob = emotion.attrition_probability_weekly(np.array([0.0, 1.0]), np.zeros(2), p)
    assert prob[0] == pytest.approx(1 - 0.99 ** (12 / 52))
    assert prob[1] == pytest.approx(1 - (1 - 0.03) ** (12 / 52), rel=1e-4)
    # Four and a third weeks of survival give back the monthly survival.
    assert (1 - prob[0]) ** (52 / 12) == pytest.approx(0.99)


def test_attrition_probability_rises_with_envy_and_caps_at_one():
    p = BurnoutParams(attrition_base_monthly=0.5, kappa_burnout=5.0)
    prob = emotion.attrition_probability_weekly(
        np.array([0.0, 0.0, 1.0]), np.array([0.0, 1.0, 0.0]), p
    )
    assert prob[0] < prob[1]
    assert prob[2] == 1.0


def test_attrition_never_removes_the_last_person():
    rng = np.random.default_rng(0)
    headcount = np.array([0, 1, 2, 5, 40])
    departures = emotion.attrition(headcount, np.ones(5), rng)
    np.testing.assert_array_equal(departures, [0, 0, 1, 4, 39])


@SETTINGS
@given(
    headcount=hnp.arrays(np.int64, 10, elements=st.integers(0, 50)),
    prob=unit_arrays(10),
    seed=st.integers(0, 2**32 - 1),
)
def test_attrition_is_bounded_and_reproducible(headcount, prob, seed):
    first = emotion.attrition(headcount, prob, np.random.default_rng(seed))
    again = emotion.attrition(headcount, prob, np.random.default_rng(seed))
    np.testing.assert_array_equal(first, again)
    assert np.all(first >= 0)
    assert np.all(first <= np.maximum(headcount - 1, 0))


def test_attrition_mean_matches_binomial():
    rng = np.random.default_rng(1)
    departures = emotion.attrition(np.full(20_000, 10), np.full(20_000, 0.05), rng)
    # Cap at 9 of 10 is practically never reached with p = 0.05.
    sd = math.sqrt(10 * 0.05 * 0.95)
    assert abs(departures.mean() - 0.5) <= 4 * sd / math.sqrt(20_000)


@pytest.mark.parametrize(
    ("headcount", "prob"),
    [([-1, 2], [0.1, 0.1]), ([1.5, 2], [0.1, 0.1]), ([3, 2], [1.2, 0.1])],
)
def test_attrition_rejects_bad_input(headcount, prob):
    with pytest.raises(ValueError):
        emotion.attrition(np.array(headcount), np.array(prob), np.random.default_rng(0))


# ---------------------------------------------------------------------------- envy


def brute_force_envy(x: np.ndarray) -> np.ndarray:
    rd = np.maximum(0.0, x[None, :] - x[:, None]).mean(axis=1)
    return rd / x.mean()


def gini(x: np.ndarray) -> float:
    return float(np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean()))


def test_normalised_envy_closed_forms():
    np.testing.assert_allclose(emotion.normalised_envy(np.array([4.0, 0, 0, 0])), [0, 1, 1, 1])
    np.testing.assert_allclose(
        emotion.normalised_envy(np.array([0.0, 1, 1, 2])), [1, 0.25, 0.25, 0]
    )
    np.testing.assert_array_equal(emotion.normalised_envy(np.full(5, 3.0)), 0.0)
    np.testing.assert_array_equal(emotion.normalised_envy(np.zeros(4)), 0.0)
    assert emotion.normalised_envy(np.zeros(0)).shape == (0,)


# Subnormal inputs are left out: the reference Gini below loses its precision on them
# (e.g. [0, 5e-324, 5e-324] gives 2/9 instead of 1/3), not the function under test.
@SETTINGS
@given(
    x=hnp.arrays(float, st.integers(1, 30), elements=st.floats(0.0, 100.0, allow_subnormal=False))
)
def test_normalised_envy_matches_brute_force_and_mean_is_gini(x):
    if x.mean() <= 0:
        return
    e = emotion.normalised_envy(x)
    np.testing.assert_allclose(e, np.clip(brute_force_envy(x), 0, 1), atol=1e-9)
    assert e.mean() == pytest.approx(gini(x), abs=1e-9)
    assert np.all((e >= 0) & (e <= 1))


def test_normalised_envy_rejects_negative_compute():
    with pytest.raises(ValueError, match="gpus_per_head"):
        emotion.normalised_envy(np.array([1.0, -1.0]))


# ----------------------------------------------------------------------- contagion


def test_bosse_treur_pure_absorption_closed_form():
    p = ContagionParams(amplification=0.0, rate=1.0, expressiveness=1.0, openness=1.0)
    W = path_graph(3, weight=2.0)  # 0 - 1 - 2
    q = np.array([0.0, 0.5, 1.0])
    delta = emotion.contagion_bosse_treur(q, W, p)
    # Node 0: gamma = 2, q* = 0.5; node 1: gamma = 4, q* = 0.5; node 2: gamma = 2, q* = 0.5.
    np.testing.assert_allclose(delta, [2 / 3 * 0.5, 0.0, 2 / 3 * -0.5])


def test_bosse_treur_moves_stress_toward_neighbours():
    W = path_graph(2)
    delta = emotion.contagion_bosse_treur(np.array([0.1, 0.9]), W, ContagionParams())
    assert delta[0] > 0 > delta[1]


def test_bosse_treur_isolated_node_is_unchanged():
    W = sp.csr_array(np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]))
    delta = emotion.contagion_bosse_treur(np.array([0.2, 0.8, 0.9]), W, ContagionParams())
    assert delta[2] == 0.0
    assert delta[0] != 0.0


def test_bosse_treur_upward_bias_amplifies_shared_stress():
    p = ContagionParams(amplification=1.0, upward_bias=1.0)
    delta = emotion.contagion_bosse_treur(np.array([0.5, 0.5]), path_graph(2), p)
    assert np.all(delta > 0)
    down = ContagionParams(amplification=1.0, upward_bias=0.0)
    assert np.all(emotion.contagion_bosse_treur(np.array([0.5, 0.5]), path_graph(2), down) < 0)


@SETTINGS
@given(
    q=unit_arrays(12),
    seed=st.integers(0, 1000),
    eta=unit,
    beta=unit,
    rate=unit,
)
def test_bosse_treur_keeps_stress_in_unit_interval(q, seed, eta, beta, rate):
    W = random_graph(12, 0.3, seed) * 5.0
    p = ContagionParams(amplification=eta, upward_bias=beta, rate=rate, openness=1.0)
    new = q + emotion.contagion_bosse_treur(q, W, p)
    assert np.all((new >= -1e-12) & (new <= 1 + 1e-12))


def test_bosse_treur_accepts_dense_and_checks_shape_and_sign():
    W = path_graph(3)
    q = np.array([0.1, 0.4, 0.9])
    p = ContagionParams()
    np.testing.assert_allclose(
        emotion.contagion_bosse_treur(q, W.toarray(), p), emotion.contagion_bosse_treur(q, W, p)
    )
    with pytest.raises(ValueError, match="shape"):
        emotion.contagion_bosse_treur(q, path_graph(4), p)
    with pytest.raises(ValueError, match="negative"):
        emotion.contagion_bosse_treur(q, -W, p)


def test_sisa_is_reproducible_with_a_seed():
    W = random_graph(200, 0.05, 3)
    s = np.random.default_rng(5).random(200)
    p = ContagionParams(model="sisa")
    first = emotion.contagion_sisa(s, W, p, np.random.default_rng(11))
    again = emotion.contagion_sisa(s, W, p, np.random.default_rng(11))
    np.testing.assert_array_equal(first, again)
    assert set(np.unique(first)) <= {-p.sisa_jump, 0.0, p.sisa_jump}
    assert np.all(first[s < 0.5] >= 0) and np.all(first[s >= 0.5] <= 0)


def test_sisa_calm_isolated_team_without_spontaneous_rate_stays_calm():
    p = ContagionParams(model="sisa", sisa_spontaneous=0.0, sisa_per_neighbour=1.0)
    W = sp.csr_array((50, 50))
    delta = emotion.contagion_sisa(np.zeros(50), W, p, np.random.default_rng(0))
    np.testing.assert_array_equal(delta, 0.0)


def test_sisa_recovery_probability_extremes():
    W = sp.csr_array((10, 10))
    always = ContagionParams(model="sisa", sisa_recovery=1.0, sisa_jump=0.2)
    never = ContagionParams(model="sisa", sisa_recovery=0.0)
    rng = np.random.default_rng(0)
    np.testing.assert_allclose(emotion.contagion_sisa(np.ones(10), W, always, rng), -0.2)
    np.testing.assert_array_equal(emotion.contagion_sisa(np.ones(10), W, never, rng), 0.0)


def test_sisa_infection_rate_matches_theory():
    # A star: node 0 is stressed, nodes 1..n are calm and each has one stressed neighbour.
    n = 20_000
    rows = np.zeros(n, dtype=int)
    cols = np.arange(1, n + 1)
    upper = sp.coo_array((np.ones(n), (rows, cols)), shape=(n + 1, n + 1))
    W = (upper + upper.T).tocsr()
    s = np.zeros(n + 1)
    s[0] = 0.9
    p = ContagionParams(model="sisa", sisa_spontaneous=0.02, sisa_per_neighbour=0.1)
    delta = emotion.contagion_sisa(s, W, p, np.random.default_rng(2))
    caught = (delta[1:] > 0).mean()
    theory = 1 - math.exp(-(0.02 + 0.1))
    assert abs(caught - theory) <= 4 * math.sqrt(theory * (1 - theory) / n)


def test_contagion_dispatches_on_model():
    W = random_graph(30, 0.2, 1)
    s = np.random.default_rng(0).random(30)
    np.testing.assert_array_equal(
        emotion.contagion(s, W, ContagionParams(model="none"), np.random.default_rng(0)), 0.0
    )
    bt = ContagionParams(model="bosse_treur")
    np.testing.assert_array_equal(
        emotion.contagion(s, W, bt, np.random.default_rng(0)),
        emotion.contagion_bosse_treur(s, W, bt),
    )
    sisa = ContagionParams(model="sisa", sisa_spontaneous=0.5)
    np.testing.assert_array_equal(
        emotion.contagion(s, W, sisa, np.random.default_rng(4)),
        emotion.contagion_sisa(s, W, sisa, np.random.default_rng(4)),
    )


# ------------------------------------------------------------------- vectorisation


def test_whole_pressure_phase_runs_on_ten_thousand_teams():
    n = 10_000
    rng = np.random.default_rng(0)
    W = random_graph(n, 5 / n, 0)
    s = rng.random(n)
    held, needed = rng.integers(0, 10, n), rng.integers(0, 10, n)
    deficit = emotion.compute_deficit(held, needed)
    urgency = emotion.deadline_urgency(rng.integers(0, 20, n), np.full(n, 12.0))
    envy = emotion.normalised_envy(held / rng.integers(1, 20, n))
    terms = emotion.stress_terms(
        s, deficit, urgency, rng.random(n) < 0.3, envy, np.zeros(n), StressParams()
    )
    for model in ("bosse_treur", "sisa"):
        c = emotion.contagion(s, W, ContagionParams(model=model), rng)
        assert c.shape == (n,)
    s = emotion.stress_update(s, terms, c)
    b = emotion.burnout_update(rng.random(n), s, BurnoutParams())
    m = emotion.team_performance(s, rng.random(n) < 0.6, PerformanceParams())
    prob = emotion.attrition_probability_weekly(b, envy, BurnoutParams())
    leavers = emotion.attrition(rng.integers(1, 30, n), prob, rng)
    for arr in (deficit, urgency, envy, s, b, m, prob, leavers):
        assert arr.shape == (n,)
    assert np.all((s >= 0) & (s <= 1))
