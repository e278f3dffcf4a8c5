"""Closed forms from auction theory (MODEL-REFERENCE.md §3), checked against the mechanisms."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import market


def _monte_carlo_ok(samples: np.ndarray, theory: float) -> None:
    """|mean - theory| <= 4 sd / sqrt(M)."""
    m = samples.size
    bound = 4 * samples.std(ddof=1) / np.sqrt(m)
    assert abs(samples.mean() - theory) <= bound, (samples.mean(), theory, bound)


# ---------------------------------------------------------------- revenue equivalence


@pytest.mark.parametrize("n", [2, 3, 5])
def test_first_and_second_price_revenues_match_revenue_equivalence(n):
    rng = np.random.default_rng(100 + n)
    draws = 3000
    values = rng.random((draws, n))
    first = np.empty(draws)
    second = np.empty(draws)
    for t in range(draws):
        # Equilibrium bids: (n-1)/n * v in the first-price auction, v in the second-price one.
        first[t] = market.clear("first_price", (n - 1) / n * values[t], 1).revenue
        second[t] = market.clear("second_price", values[t], 1).revenue
    theory = (n - 1) / (n + 1)
    _monte_carlo_ok(first, theory)
    _monte_carlo_ok(second, theory)


def test_second_price_revenue_is_exactly_the_second_highest_value():
    values = np.random.default_rng(7).random((200, 4))
    for row in values:
        assert market.clear("vickrey", row, 1).revenue == np.sort(row)[-2]


@pytest.mark.parametrize(("n", "r"), [(2, 0.5), (3, 0.3), (4, 0.6)])
def test_second_price_with_reserve_matches_myerson_revenue(n, r):
    rng = np.random.default_rng(int(1000 * r) + n)
    draws = 4000
    values = rng.random((draws, n))
    revenue = np.array([market.clear("vickrey", v, 1, reserve=r).revenue for v in values])
    theory = (n - 1) / (n + 1) + r**n - 2 * n * r ** (n + 1) / (n + 1)
    _monte_carlo_ok(revenue, theory)


def test_myerson_optimal_reserve_beats_no_reserve():
    # With U[0,1] values the optimal reserve is 1/2 for any n; for n=2 it raises expected
    # revenue from 1/3 to 5/12. Common random numbers make the comparison sharp.
    values = np.random.default_rng(11).random((4000, 2))
    plain = np.array([market.clear("vickrey", v, 1).revenue for v in values])
    reserved = np.array([market.clear("vickrey", v, 1, reserve=0.5).revenue for v in values])
    _monte_carlo_ok(reserved - plain, 5 / 12 - 1 / 3)
    assert reserved.mean() > plain.mean()


# ---------------------------------------------------------------- VCG against brute force


def _welfare(values: np.ndarray, units: int, reserve: float) -> float:
    """Best welfare from ``units`` units: the highest marginal values, the seller keeping
    any unit whose value is below the reserve (it is worth the reserve to the seller)."""
    pool = np.concatenate([values[values >= reserve], np.full(units, reserve)])
    return float(np.sort(pool)[::-1][:units].sum())


def _brute_force_vcg(bids: np.ndarray, supply: float, reserve: float, allocation: np.ndarray):
    """VCG payments: welfare of the others without i minus their welfare with i."""
    units = int(np.floor(supply))
    positive = bids[bids > 0]
    total = _welfare(positive, units, reserve)
    payments = np.zeros(bids.shape[0])
    for i in range(bids.shape[0]):
        others = np.delete(bids, i, axis=0)
        own = bids[i][: int(allocation[i])].sum()
        without_i = _welfare(others[others > 0], units, reserve)
        payments[i] = without_i - (total - own)
    return total, payments


@st.composite
def small_books(draw) -> tuple[np.ndarray, float, float]:
    n = draw(st.integers(1, 5))
    k = draw(st.integers(1, 3))
    grid = draw(st.booleans())  # small integers make ties common
    value = st.integers(0, 4).map(float) if grid else st.floats(0.0, 10.0)
    values = draw(st.lists(value, min_size=n * k, max_size=n * k))
    bids = -np.sort(-np.array(values).reshape(n, k), axis=1)
    supply = float(draw(st.integers(0, n * k + 1)))
    reserve = draw(st.one_of(st.just(0.0), st.sampled_from([0.5, 1.0, 2.5]), st.floats(0, 8)))
    return bids, supply, reserve


@settings(max_examples=200, deadline=None)
@given(book=small_books(), seed=st.integers(0, 1000))
def test_vickrey_payments_equal_brute_force_vcg(book, seed):
    bids, supply, reserve = book
    out = market.clear("vickrey", bids, supply, reserve=reserve, rng=np.random.default_rng(seed))
    eligible = np.where(bids >= reserve, bids, 0.0)
    total, expected = _brute_force_vcg(eligible, supply, reserve, out.allocation)
    # The allocation is efficient: winners' bids plus unsold units at the reserve.
    won = sum(eligible[i][: int(q)].sum() for i, q in enumerate(out.allocation))
    unsold = np.floor(supply) - out.allocated
    assert won + unsold * reserve == pytest.approx(total, abs=1e-9)
    np.testing.assert_allclose(out.payments, expected, atol=1e-9)


def test_vickrey_on_a_large_random_book_matches_brute_force():
    # Exercises the short-list path (more than 2k rejected bids) with many winners.
    rng = np.random.default_rng(5)
    bids = -np.sort(-rng.random((60, 4)), axis=1)
    bids[rng.random((60, 4)) < 0.3] = 0.0
    bids = -np.sort(-bids, axis=1)
    for supply, reserve in [(50, 0.0), (90, 0.2), (10, 0.5), (200, 0.1)]:
        out = market.clear("vickrey", bids, supply, reserve=reserve)
        eligible = np.where(bids >= reserve, bids, 0.0)
        _, expected = _brute_force_vcg(eligible, supply, reserve, out.allocation)
        np.testing.assert_allclose(out.payments, expected, atol=1e-12)


# ---------------------------------------------------------------- truthfulness


def _non_increasing_vectors(grid: list[float], k: int) -> list[np.ndarray]:
    return [np.array(c) for c in itertools.combinations_with_replacement(sorted(grid)[::-1], k)]


def _utility(
    name: str, values: np.ndarray, report: np.ndarray, rivals: np.ndarray, supply, reserve
):
    bids = np.vstack([report, rivals])
    out = market.clear(name, bids, supply, reserve=reserve, rng=np.random.default_rng(0))
    q = int(out.allocation[0])
    return values[:q].sum() - out.payments[0]


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.floats(0.0, 1.0), min_size=2, max_size=2),
    rivals=st.lists(st.floats(0.0, 1.0), min_size=4, max_size=4),
    supply=st.integers(1, 3),
    reserve=st.sampled_from([0.0, 0.3]),
)
def test_no_deviation_beats_truthful_bidding_in_vickrey(values, rivals, supply, reserve):
    truth = np.sort(values)[::-1]
    others = -np.sort(-np.array(rivals).reshape(2, 2), axis=1)
    honest = _utility("vickrey", truth, truth, others, supply, reserve)
    grid = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0, *truth.tolist(), *others.ravel().tolist()]
    for report in _non_increasing_vectors(grid, 2):
        lie = _utility("vickrey", truth, report, others, supply, reserve)
        assert lie <= honest + 1e-12, (report, lie, honest)


def test_uniform_price_rewards_demand_reduction():
    # A values two units at 10 each, B bids 6 for one unit, two units for sale.
    # Truthful A wins both at the highest rejected bid 6: utility 20 - 12 = 8.
    # Bidding only for one unit, A and B both win and nothing is rejected: price 0,
    # utility 10. This is why uniform_price is registered as not truthful.
    truth = np.array([10.0, 10.0])
    rivals = np.array([[6.0, 0.0]])
    honest = _utility("uniform_price", truth, truth, rivals, 2, 0.0)
    reduced = _utility("uniform_price", truth, np.array([10.0, 0.0]), rivals, 2, 0.0)
    assert honest == 8.0 and reduced == 10.0
    assert not market.MECHANISMS["uniform_price"].truthful
    # Vickrey charges truthful A only the rival bid it displaces, 6: utility 20 - 6 = 14.
    assert _utility("vickrey", truth, truth, rivals, 2, 0.0) == 14.0


def test_pay_as_bid_rewards_shading():
    # Winning at one's value leaves nothing; shading to just above the rival keeps the win.
    truth = np.array([10.0])
    rivals = np.array([[6.0]])
    assert _utility("pay_as_bid", truth, truth, rivals, 1, 0.0) == 0.0
    assert _utility("pay_as_bid", truth, np.array([7.0]), rivals, 1, 0.0) == 3.0
    assert not market.MECHANISMS["pay_as_bid"].truthful


def test_proportional_share_is_not_truthful():
    # Bidder 0 values the (divisible) unit at 40, so a share x is worth 40x; the rival bids
    # 10. Bidding its value 40: x = 40/50 = 0.8, utility 32 - 40 = -8. Bidding 10: x = 0.5,
    # utility 20 - 10 = 10 (the best response: d/db [40b/(b+10) - b] = 0 at b = 10).
    def utility(bid: float) -> float:
        out = market.clear("proportional_share", [bid, 10.0], 1)
        return 40 * out.allocation[0] - out.payments[0]

    assert utility(40.0) == pytest.approx(-8.0)
    assert utility(10.0) == pytest.approx(10.0)
    assert all(utility(b) <= utility(10.0) + 1e-12 for b in np.linspace(0.5, 40, 80))
    assert not market.MECHANISMS["proportional_share"].truthful


# ---------------------------------------------------------------- Kelly closed form


@settings(max_examples=60, deadline=None)
@given(
    money=st.lists(st.floats(0.0, 50.0, allow_subnormal=False), min_size=1, max_size=8),
    supply=st.floats(0.1, 20.0),
)
def test_proportional_share_matches_kelly_formula(money, supply):
    w = np.array(money)
    out = market.clear("proportional_share", w, supply)
    if w.sum() == 0:
        assert out.allocated == 0
        return
    np.testing.assert_allclose(out.allocation, w / w.sum() * supply, rtol=1e-12)
    # Everyone with a positive money bid (hence a positive share) pays exactly that bid.
    np.testing.assert_array_equal(out.payments, np.where(out.allocation > 0, w, 0.0))
    assert np.all((out.allocation > 0) == (w > 0))
    assert out.price == pytest.approx(w.sum() / supply)


def test_proportional_share_money_bid_is_the_row_total():
    # A bidder's bids on several units add up to one money bid.
    split = market.clear("proportional_share", [[3.0, 2.0], [5.0, 0.0]], 4)
    lump = market.clear("proportional_share", [5.0, 5.0], 4)
    np.testing.assert_allclose(split.allocation, lump.allocation)
    np.testing.assert_allclose(split.allocation, [2.0, 2.0])


def test_single_unit_pay_as_bid_is_first_price_and_vickrey_is_second_price():
    bids = [3.0, 8.0, 5.0]
    first = market.clear("first_price", bids, 1)
    second = market.clear("second_price", bids, 1)
    assert first.allocation.tolist() == second.allocation.tolist() == [0, 1, 0]
    assert first.payments.tolist() == [0, 8, 0]
    assert second.payments.tolist() == [0, 5, 0]
    # Uniform price with one unit is also second price.
    assert market.clear("uniform_price", bids, 1).payments.tolist() == [0, 5, 0]
