"""Invariants every registered mechanism must satisfy, checked with hypothesis."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import market

NAMES = list(market.MECHANISMS)
MONEY_INDIVISIBLE = [n for n, m in market.MECHANISMS.items() if m.uses_money and not m.divisible]
NO_MONEY = [n for n, m in market.MECHANISMS.items() if not m.uses_money]
TOL = 1e-9

SETTINGS = settings(max_examples=40, deadline=None)
SEED_PROBES = 30  # seeds tried to tell whether an outcome depends on the random draw


def _rows_non_increasing(values: list[float], n: int, k: int) -> np.ndarray:
    return -np.sort(-np.array(values, dtype=float).reshape(n, k), axis=1)


@st.composite
def books(draw, *, distinct: bool = False, extras: bool = True) -> dict:
    """A random market: bids, supply and optional reserve, budgets and weights.

    With ``distinct=True`` all positive bids differ (no ties) and there are no budgets.
    Bid values come from a small integer grid half the time so that ties are common.
    """
    n = draw(st.integers(0, 6))
    k = draw(st.integers(1, 4))
    if distinct:
        values = draw(
            st.lists(
                st.floats(0.5, 100.0, allow_subnormal=False),
                min_size=n * k,
                max_size=n * k,
                unique=True,
            )
        )
    else:
        value = draw(
            st.sampled_from(
                [st.integers(0, 4).map(float), st.floats(0.0, 100.0, allow_subnormal=False)]
            )
        )
        values = draw(st.lists(value, min_size=n * k, max_size=n * k))
    bids = _rows_non_increasing(values, n, k)
    wanted = np.array(draw(st.lists(st.integers(0, k), min_size=n, max_size=n)), dtype=int)
    bids[np.arange(k)[None, :] >= wanted[:, None]] = 0.0
    supply = draw(
        st.one_of(
            st.integers(0, 3 * max(n * k, 1)).map(float),
            st.floats(0.0, 30.0, allow_subnormal=False),
        )
    )
    reserve = draw(st.one_of(st.just(0.0), st.floats(0.0, 60.0))) if extras else 0.0
    budgets = None
    if extras and not distinct and draw(st.booleans()):
        budgets = np.array(
            draw(
                st.lists(
                    st.one_of(st.floats(0.0, 200.0, allow_subnormal=False), st.just(np.inf)),
                    min_size=n,
                    max_size=n,
                )
            )
        )
    weights = None
    if draw(st.booleans()):
        weights = np.array(draw(st.lists(st.floats(0.1, 10.0), min_size=n, max_size=n)))
    seed = draw(st.integers(0, 2**32 - 1))
    return dict(
        bids=bids, supply=supply, reserve=reserve, budgets=budgets, weights=weights, seed=seed
    )


def _clear(name: str, book: dict, seed: int | None = None) -> market.Outcome:
    return market.clear(
        name,
        book["bids"],
        book["supply"],
        reserve=book["reserve"],
        budgets=book["budgets"],
        weights=book["weights"],
        rng=np.random.default_rng(book["seed"] if seed is None else seed),
    )


def _top_bid_sums(bids: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Sum of each row's ``counts[i]`` highest bids."""
    cols = np.arange(bids.shape[1])[None, :]
    return np.where(cols < counts[:, None], bids, 0.0).sum(axis=1)


@pytest.mark.parametrize("name", NAMES)
@SETTINGS
@given(book=books())
def test_allocation_is_non_negative_and_within_supply(name, book):
    out = _clear(name, book)
    assert np.all(out.allocation >= 0)
    if market.MECHANISMS[name].divisible:
        assert out.allocated <= book["supply"] * (1 + TOL) + TOL
    else:
        assert out.allocated <= np.floor(book["supply"])


@pytest.mark.parametrize("name", NAMES)
@SETTINGS
@given(book=books())
def test_payments_are_non_negative_and_losers_pay_nothing(name, book):
    out = _clear(name, book)
    assert np.all(out.payments >= 0)
    assert np.all(out.payments[out.allocation == 0] == 0)


@pytest.mark.parametrize("name", MONEY_INDIVISIBLE)
@SETTINGS
@given(book=books())
def test_indivisible_winner_pays_at_most_its_top_winning_bids(name, book):
    out = _clear(name, book)
    bound = _top_bid_sums(book["bids"], out.allocation.astype(int))
    assert np.all(out.payments <= bound * (1 + TOL) + TOL)


@pytest.mark.parametrize("name", MONEY_INDIVISIBLE)
@SETTINGS
@given(book=books())
def test_indivisible_auction_wins_only_bids_at_or_above_reserve(name, book):
    out = _clear(name, book)
    eligible = ((book["bids"] >= book["reserve"]) & (book["bids"] > 0)).sum(axis=1)
    assert np.all(out.allocation <= eligible)


@pytest.mark.parametrize("name", [n for n, m in market.MECHANISMS.items() if m.divisible])
@SETTINGS
@given(book=books())
def test_divisible_payment_is_at_most_the_row_total(name, book):
    out = _clear(name, book)
    assert np.all(out.payments <= book["bids"].sum(axis=1) * (1 + TOL) + TOL)


@pytest.mark.parametrize("name", NO_MONEY)
@SETTINGS
@given(book=books())
def test_rules_without_money_charge_nothing_and_have_no_price(name, book):
    out = _clear(name, book)
    assert np.all(out.payments == 0)
    assert out.price is None
    demand = (book["bids"] > 0).sum(axis=1)
    assert np.all(out.allocation <= demand)


@pytest.mark.parametrize("name", NAMES)
@SETTINGS
@given(book=books())
def test_budgets_are_respected(name, book):
    out = _clear(name, book)
    if book["budgets"] is not None:
        assert np.all(out.payments <= book["budgets"] * (1 + TOL) + TOL)


@pytest.mark.parametrize("name", [n for n, m in market.MECHANISMS.items() if not m.divisible])
@SETTINGS
@given(book=books())
def test_indivisible_allocations_are_whole_units(name, book):
    out = _clear(name, book)
    assert np.array_equal(out.allocation, np.floor(out.allocation))


@pytest.mark.parametrize("name", NAMES)
@SETTINGS
@given(book=books())
def test_same_seed_gives_identical_outcome(name, book):
    assert _clear(name, book) == _clear(name, book)


@pytest.mark.parametrize("name", [n for n, m in market.MECHANISMS.items() if m.uses_money])
@SETTINGS
@given(book=books(distinct=True))
def test_money_rules_without_ties_do_not_depend_on_the_seed(name, book):
    assert _clear(name, book, seed=1) == _clear(name, book, seed=2)


@pytest.mark.parametrize("name", NAMES)
@SETTINGS
@given(book=books(distinct=True), data=st.data())
def test_permuting_bidders_permutes_the_outcome(name, book, data):
    out = _clear(name, book, seed=0)
    if any(_clear(name, book, seed=s) != out for s in range(1, SEED_PROBES + 1)):
        # The seed matters here (a lottery, or a tie the rule breaks at random), so there
        # is no single outcome to permute; money rules never land here on tie-free bids.
        # With SEED_PROBES seeds, a coin-flip choice looks seed-free with odds 2**-30.
        assert not market.MECHANISMS[name].uses_money
        return
    n = book["bids"].shape[0]
    perm = np.array(data.draw(st.permutations(range(n))), dtype=int)
    permuted = dict(book, bids=book["bids"][perm])
    if book["weights"] is not None:
        permuted["weights"] = book["weights"][perm]
    again = _clear(name, permuted, seed=0)
    np.testing.assert_allclose(again.allocation, out.allocation[perm], rtol=1e-12)
    np.testing.assert_allclose(again.payments, out.payments[perm], rtol=1e-12)
    if out.price is None:
        assert again.price is None
    else:
        assert again.price == pytest.approx(out.price, rel=1e-12)


# Supplies at which the example below needs no random choice: money rules see distinct
# bids; committee (demands 3, 1, 2, 1; weights 1..4) fills to whole shares 1, 1, 2, 1 at 5;
# equal_share gives 2 each capped at demand at 8; max-min fairness reaches level 2 at 6;
# the lottery serves everyone at 7.
EXAMPLE_SUPPLY = {"committee": 5.0, "equal_share": 8.0, "max_min_fair": 6.0, "lottery": 7.0}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("seed", range(3))
def test_permutation_example_where_no_randomness_is_needed(name, seed):
    # Non-vacuous companion to the property above.
    bids = np.array([[9.0, 8.5, 3.0], [7.0, 0.0, 0.0], [6.5, 6.0, 0.0], [4.0, 0.0, 0.0]])
    weights = np.array([1.0, 2.0, 3.0, 4.0])
    supply = EXAMPLE_SUPPLY.get(name, 4.0)
    perm = np.random.default_rng(seed).permutation(4)
    out = market.clear(name, bids, supply, weights=weights)
    other_seed = market.clear(name, bids, supply, weights=weights, rng=np.random.default_rng(9))
    assert out == other_seed
    again = market.clear(name, bids[perm], supply, weights=weights[perm])
    np.testing.assert_allclose(again.allocation, out.allocation[perm], rtol=1e-12)
    np.testing.assert_allclose(again.payments, out.payments[perm], rtol=1e-12)


@pytest.mark.parametrize("name", MONEY_INDIVISIBLE)
@SETTINGS
@given(book=books(extras=False))
def test_auctions_allocate_the_highest_bids(name, book):
    out = _clear(name, book)
    bids = book["bids"]
    won = _top_bid_sums(bids, out.allocation.astype(int)).sum()
    best = np.sort(bids[bids > 0])[::-1][: int(np.floor(book["supply"]))].sum()
    assert won == pytest.approx(best, rel=1e-12, abs=1e-12)


@SETTINGS
@given(book=books())
def test_uniform_price_separates_winning_and_rejected_bids(book):
    book = dict(book, budgets=None)
    out = _clear("uniform_price", book)
    bids = np.where(book["bids"] >= book["reserve"], book["bids"], 0.0)
    counts = out.allocation.astype(int)
    cols = np.arange(bids.shape[1])[None, :]
    winning = bids[(cols < counts[:, None]) & (bids > 0)]
    rejected = bids[(cols >= counts[:, None]) & (bids > 0)]
    assert out.price >= book["reserve"]
    if winning.size:
        assert winning.min() >= out.price
    if rejected.size and np.floor(book["supply"]) > 0:
        assert rejected.max() <= out.price
    np.testing.assert_allclose(out.payments, out.allocation * out.price)


@SETTINGS
@given(book=books())
def test_proportional_share_splits_supply_in_proportion_to_money(book):
    out = _clear("proportional_share", book)
    money = out.payments
    if book["supply"] > 0 and money.sum() > 0:
        per_unit = money[out.allocation > 0] / out.allocation[out.allocation > 0]
        np.testing.assert_allclose(per_unit, max(money.sum() / book["supply"], book["reserve"]))
        if money.sum() >= book["reserve"] * book["supply"]:
            assert out.allocated == pytest.approx(book["supply"], rel=1e-9)


@pytest.mark.parametrize("name", ["committee", "max_min_fair", "lottery"])
@SETTINGS
@given(book=books())
def test_non_wasteful_rules_use_all_supply_or_meet_all_demand(name, book):
    out = _clear(name, book)
    demand = (book["bids"] > 0).sum(axis=1)
    assert out.allocated == min(np.floor(book["supply"]), demand.sum())


@SETTINGS
@given(book=books())
def test_equal_share_gives_equal_shares_capped_at_demand(book):
    out = _clear("equal_share", book)
    demand = (book["bids"] > 0).sum(axis=1)
    active = demand > 0
    if active.any():
        units = np.floor(book["supply"])
        base = units // active.sum()
        uncapped = out.allocation[active & (out.allocation < demand)]
        assert np.all((uncapped == base) | (uncapped == base + 1))
        assert np.all(out.allocation <= base + 1)
        assert (out.allocation > base).sum() <= units % active.sum()


@SETTINGS
@given(book=books())
def test_max_min_fair_unsatisfied_bidders_are_within_one_unit_of_everyone(book):
    out = _clear("max_min_fair", book)
    demand = (book["bids"] > 0).sum(axis=1)
    unsatisfied = out.allocation < demand
    if unsatisfied.any():
        assert out.allocation.max() <= out.allocation[unsatisfied].min() + 1


@SETTINGS
@given(book=books())
def test_lottery_leaves_at_most_one_bidder_partly_served(book):
    out = _clear("lottery", book)
    demand = (book["bids"] > 0).sum(axis=1)
    partial = (out.allocation > 0) & (out.allocation < demand)
    assert partial.sum() <= 1


@SETTINGS
@given(book=books())
def test_committee_shares_are_within_one_unit_of_weighted_water_filling(book):
    out = _clear("committee", book)
    demand = (book["bids"] > 0).sum(axis=1).astype(float)
    weights = np.ones(demand.size) if book["weights"] is None else book["weights"]
    units = min(np.floor(book["supply"]), demand.sum())
    # Find the level by bisection, independently of the implementation.
    lo, hi = 0.0, float(demand.max(initial=0.0) / weights.min(initial=1.0)) + 1.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if np.minimum(demand, mid * weights).sum() < units:
            lo = mid
        else:
            hi = mid
    share = np.minimum(demand, hi * weights)
    assert np.all(np.abs(out.allocation - share) < 1 + 1e-6)
