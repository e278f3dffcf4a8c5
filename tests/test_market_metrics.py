"""Tests for market.metrics: closed-form vectors (MODEL-REFERENCE §4) and properties."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from market.metrics import (
    ENVY_TOLERANCE,
    EnvyStats,
    allocative_efficiency,
    envy,
    finish_time_fairness,
    finish_time_summary,
    gini,
    jain,
    nash_social_welfare,
    realised_welfare,
    relative_deprivation,
    utilisation,
    welfare_optimum,
)

PROPS = settings(max_examples=60, deadline=None)

amounts = hnp.arrays(
    np.float64,
    st.integers(1, 30),
    # Zero or comfortably normal: scaling a subnormal by 0.5 would underflow to 0.
    elements=st.one_of(st.just(0.0), st.floats(1e-6, 1e6)),
)


@st.composite
def value_books(draw, max_n: int = 8, max_k: int = 5):
    """Concave marginal-value matrices (rows non-increasing, non-negative)."""
    n = draw(st.integers(1, max_n))
    k = draw(st.integers(1, max_k))
    raw = draw(
        hnp.arrays(np.float64, (n, k), elements=st.integers(0, 100).map(float)),
    )
    return -np.sort(-raw, axis=1)


def brute_value(row: np.ndarray, units: float) -> float:
    """v(a) straight from the definition, one unit at a time."""
    total = 0.0
    for j, v in enumerate(row):
        if units >= j + 1:
            total += v
        elif units > j:
            total += (units - j) * v
    return total


# ----------------------------------------------------------------- Jain, Gini


def test_jain_equal_split_is_one():
    assert jain([1, 1, 1, 1]) == pytest.approx(1.0)


def test_jain_one_party_takes_all_is_one_over_n():
    assert jain([4, 0, 0, 0]) == pytest.approx(0.25)


def test_jain_all_zero_is_one_by_convention():
    assert jain([0, 0, 0]) == 1.0


def test_gini_equal_split_is_zero():
    assert gini([1, 1, 1, 1]) == pytest.approx(0.0)


def test_gini_one_party_takes_all_is_three_quarters_for_four():
    assert gini([4, 0, 0, 0]) == pytest.approx(0.75)


def test_gini_all_zero_is_zero():
    assert gini([0.0, 0.0]) == 0.0


def test_gini_matches_pairwise_definition_on_a_hand_example():
    x = np.array([3.0, 1.0, 7.0, 0.0, 2.0])
    pairwise = np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size**2 * x.mean())
    assert gini(x) == pytest.approx(pairwise)


@pytest.mark.parametrize("bad", [[-1.0, 2.0], [np.nan, 1.0], [], [[1.0, 2.0]]])
def test_jain_and_gini_reject_bad_input(bad):
    with pytest.raises(ValueError, match="x"):
        jain(bad)
    with pytest.raises(ValueError, match="x"):
        gini(bad)


@PROPS
@given(amounts)
def test_jain_lies_between_one_over_n_and_one(x):
    value = jain(x)
    assert 1 / x.size - 1e-12 <= value <= 1.0


@PROPS
@given(amounts)
def test_gini_lies_in_zero_one(x):
    value = gini(x)
    assert 0.0 <= value < 1.0
    assert value <= (x.size - 1) / x.size + 1e-12


@PROPS
@given(amounts, st.floats(1e-3, 1e3))
def test_jain_and_gini_are_scale_invariant(x, scale):
    assert jain(x * scale) == pytest.approx(jain(x), rel=1e-9, abs=1e-12)
    assert gini(x * scale) == pytest.approx(gini(x), rel=1e-9, abs=1e-12)


@PROPS
@given(amounts)
def test_gini_matches_pairwise_definition(x):
    assume(x.sum() > 0)
    pairwise = np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size**2 * x.mean())
    assert gini(x) == pytest.approx(pairwise, rel=1e-9, abs=1e-12)


# ----------------------------------------------------------------- relative deprivation


def test_relative_deprivation_hand_example():
    rd = relative_deprivation([1.0, 3.0, 6.0])
    # (0 + 2 + 5)/3, (0 + 0 + 3)/3, 0
    np.testing.assert_allclose(rd, [7 / 3, 1.0, 0.0])


@PROPS
@given(amounts)
def test_mean_relative_deprivation_equals_gini_times_mean(x):
    rd = relative_deprivation(x)
    assert rd.mean() == pytest.approx(gini(x) * x.mean(), rel=1e-9, abs=1e-9)


@PROPS
@given(hnp.arrays(np.float64, st.integers(1, 25), elements=st.floats(-1e3, 1e3, allow_nan=False)))
def test_relative_deprivation_matches_definition(x):
    expected = np.maximum(0.0, x[None, :] - x[:, None]).sum(axis=1) / x.size
    np.testing.assert_allclose(relative_deprivation(x), expected, rtol=1e-9, atol=1e-9)


# ----------------------------------------------------------------- Nash social welfare


def test_nash_social_welfare_is_the_geometric_mean():
    assert nash_social_welfare([1.0, 4.0, 16.0]) == pytest.approx(4.0)


def test_nash_social_welfare_is_zero_when_anyone_gets_nothing():
    assert nash_social_welfare([5.0, 0.0, 9.0]) == 0.0


def test_nash_social_welfare_does_not_overflow_on_many_large_values():
    assert nash_social_welfare(np.full(1000, 1e300)) == pytest.approx(1e300)


# ----------------------------------------------------------------- welfare and efficiency

HAND_VALUES = np.array(
    [
        [10.0, 6.0, 1.0],
        [8.0, 7.0, 0.0],
        [5.0, 0.0, 0.0],
    ]
)


def test_welfare_optimum_hand_example_takes_the_top_marginal_values():
    allocation, welfare = welfare_optimum(HAND_VALUES, 4)
    # Top four marginal values: 10, 8, 7, 6.
    np.testing.assert_array_equal(allocation, [2.0, 2.0, 0.0])
    assert welfare == pytest.approx(31.0)


def test_welfare_optimum_leaves_units_idle_when_nobody_values_them():
    allocation, welfare = welfare_optimum(HAND_VALUES, 100)
    np.testing.assert_array_equal(allocation, [3.0, 2.0, 1.0])
    assert welfare == pytest.approx(37.0)


def test_welfare_optimum_indivisible_uses_whole_units_only():
    allocation, welfare = welfare_optimum(HAND_VALUES, 4.5)
    np.testing.assert_array_equal(allocation, [2.0, 2.0, 0.0])
    assert welfare == pytest.approx(31.0)


def test_welfare_optimum_divisible_splits_the_last_unit():
    allocation, welfare = welfare_optimum(HAND_VALUES, 4.5, divisible=True)
    # The fifth-best marginal value is bidder 2's first unit (5).
    np.testing.assert_allclose(allocation, [2.0, 2.0, 0.5])
    assert welfare == pytest.approx(33.5)


def test_welfare_optimum_of_one_unit_per_bidder_vector():
    allocation, welfare = welfare_optimum([3.0, 9.0, 4.0], 2)
    np.testing.assert_array_equal(allocation, [0.0, 1.0, 1.0])
    assert welfare == pytest.approx(13.0)


def test_welfare_optimum_rejects_increasing_marginal_values():
    with pytest.raises(ValueError, match=r"values\[1\] must be non-increasing"):
        welfare_optimum([[3.0, 1.0], [1.0, 2.0]], 2)


@pytest.mark.parametrize("supply", [-1.0, np.nan, np.inf])
def test_welfare_optimum_rejects_bad_supply(supply):
    with pytest.raises(ValueError, match="supply"):
        welfare_optimum(HAND_VALUES, supply)


def test_realised_welfare_counts_fractional_units_at_the_next_marginal_value():
    assert realised_welfare(HAND_VALUES, [1.5, 0.0, 4.0]) == pytest.approx(10 + 3 + 5)


def test_efficiency_is_one_for_the_greedy_allocation():
    allocation, _ = welfare_optimum(HAND_VALUES, 4)
    assert allocative_efficiency(HAND_VALUES, allocation, 4) == pytest.approx(1.0)


def test_efficiency_is_below_one_for_a_worse_allocation():
    # Equal-ish split: 10+6 + 8 + 5 = 29 < 31.
    assert allocative_efficiency(HAND_VALUES, [2, 1, 1], 4) == pytest.approx(29 / 31)


def test_efficiency_is_one_when_nothing_has_value():
    assert allocative_efficiency(np.zeros((3, 2)), [1, 1, 0], 2) == 1.0


def test_efficiency_rejects_an_allocation_larger_than_supply():
    with pytest.raises(ValueError, match="allocation must not exceed supply"):
        allocative_efficiency(HAND_VALUES, [2, 2, 1], 4)


def test_efficiency_of_a_fractional_allocation_uses_the_divisible_optimum():
    # Divisible optimum at supply 4.5 is 33.5; this allocation realises 16 + 11.5 + 5.
    assert allocative_efficiency(HAND_VALUES, [2, 1.5, 1.0], 4.5) == pytest.approx(
        (10 + 6 + 8 + 3.5 + 5) / 33.5
    )


@st.composite
def books_and_allocations(draw):
    values = draw(value_books())
    n, k = values.shape
    supply = draw(st.integers(0, n * k + 2))
    # A random feasible integer allocation: split `used <= supply` units at random.
    used = draw(st.integers(0, supply))
    cuts = sorted(draw(st.lists(st.integers(0, used), min_size=n - 1, max_size=n - 1)))
    allocation = np.diff([0, *cuts, used]).astype(np.float64)
    return values, allocation, supply


@PROPS
@given(books_and_allocations())
def test_greedy_optimum_beats_any_feasible_allocation(case):
    values, allocation, supply = case
    _, optimum = welfare_optimum(values, supply)
    assert realised_welfare(values, allocation) <= optimum + 1e-9
    assert 0.0 <= allocative_efficiency(values, allocation, supply) <= 1.0


@PROPS
@given(value_books(max_n=4, max_k=3), st.integers(0, 8))
def test_greedy_optimum_equals_brute_force_on_small_books(values, supply):
    n, k = values.shape
    best = 0.0
    for split in itertools.product(range(k + 1), repeat=n):
        if sum(split) <= supply:
            best = max(best, sum(values[i, : split[i]].sum() for i in range(n)))
    allocation, welfare = welfare_optimum(values, supply)
    assert welfare == pytest.approx(best)
    assert allocation.sum() <= supply
    assert realised_welfare(values, allocation) == pytest.approx(welfare)


@PROPS
@given(value_books(), st.floats(0, 50, allow_nan=False))
def test_divisible_optimum_is_at_least_the_indivisible_one_and_fits_supply(values, supply):
    _, whole = welfare_optimum(values, supply)
    allocation, split = welfare_optimum(values, supply, divisible=True)
    assert split >= whole - 1e-9
    assert allocation.sum() <= supply + 1e-9


@PROPS
@given(value_books(), st.data())
def test_realised_welfare_matches_the_unit_by_unit_definition(values, data):
    n, k = values.shape
    allocation = data.draw(hnp.arrays(np.float64, n, elements=st.floats(0, k + 2, allow_nan=False)))
    expected = sum(brute_value(values[i], allocation[i]) for i in range(n))
    assert realised_welfare(values, allocation) == pytest.approx(expected, abs=1e-9)


# ----------------------------------------------------------------- envy


def test_equal_split_among_identical_bidders_is_envy_free():
    values = np.tile([9.0, 5.0, 2.0], (4, 1))
    stats = envy(values, [2, 2, 2, 2])
    assert stats == EnvyStats(max_envy=0.0, envious_share=0.0)


def test_envy_hand_example():
    values = np.array([[10.0, 6.0], [8.0, 7.0], [5.0, 0.0]])
    stats = envy(values, [0, 2, 1])
    # Bidder 0 envies 1 by 16 and 2 by 10; bidder 2 envies 1 by 0 (second unit worth 0);
    # bidder 1 envies nobody. Envious pairs: (0,1), (0,2) out of 6.
    assert stats.max_envy == pytest.approx(16.0)
    assert stats.envious_share == pytest.approx(2 / 6)


def test_envy_of_a_single_bidder_is_zero():
    assert envy([[3.0, 1.0]], [1]) == EnvyStats(0.0, 0.0)


@PROPS
@given(value_books(max_n=10), st.data())
def test_envy_matches_the_brute_force_pairwise_matrix(values, data):
    n, k = values.shape
    allocation = data.draw(
        hnp.arrays(
            np.float64,
            n,
            elements=st.one_of(st.integers(0, k + 1).map(float), st.floats(0, k + 1)),
        )
    )
    v = np.array([[brute_value(values[i], allocation[j]) for j in range(n)] for i in range(n)])
    env = v - np.diag(v)[:, None]
    off = ~np.eye(n, dtype=bool)
    stats = envy(values, allocation)
    if n == 1:
        assert stats == EnvyStats(0.0, 0.0)
        return
    assert stats.max_envy == pytest.approx(max(0.0, env[off].max()), abs=1e-9)
    # Stay clear of the tolerance edge where rounding could flip a pair.
    assume(not np.any(np.abs(env[off] - ENVY_TOLERANCE) < 1e-9))
    assert stats.envious_share == pytest.approx(np.mean(env[off] > ENVY_TOLERANCE))


# ----------------------------------------------------------------- finish-time, utilisation


def test_finish_time_fairness_is_the_ratio_of_finish_times():
    rho = finish_time_fairness([10.0, 10.0, 0.0, 6.0], [2.0, 5.0, 0.0, 0.0], [4.0, 4.0, 4.0, 3.0])
    # T_shared/T_alone: (10/2)/(10/4) = 2, (10/5)/(10/4) = 0.8, finished -> 1, stalled -> inf
    np.testing.assert_allclose(rho, [2.0, 0.8, 1.0, np.inf])


def test_finish_time_fairness_rejects_zero_private_rate_with_work_left():
    with pytest.raises(ValueError, match="rate_alone"):
        finish_time_fairness([1.0], [1.0], [0.0])


def test_finish_time_summary_reports_max_median_and_share_above_one():
    summary = finish_time_summary([0.5, 1.0, 2.0, np.inf])
    assert summary == {"max": np.inf, "median": 1.5, "share_above_1": 0.5}


def test_utilisation_is_allocated_over_supply():
    assert utilisation([3.0, 2.0, 0.0], 10) == pytest.approx(0.5)
    assert utilisation(0.0, 0.0) == 1.0


def test_utilisation_rejects_more_than_supply():
    with pytest.raises(ValueError, match="allocated must not exceed supply"):
        utilisation([6.0, 5.0], 10)
