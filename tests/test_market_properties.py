"""Invariants every registered mechanism must satisfy, checked with hypothesis.

The invariants live in ``tests/mechanism_contract.py``; this module builds one contract
class per registered mechanism (``TestContract_<name>``), so a newly registered rule is
checked without any test being written for it. Below them are the properties of specific
named rules.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from mechanism_contract import SETTINGS, books, clear_book, contract_for, top_bid_sums

import market

# Supplies at which the contract's permutation example needs no random choice: money rules
# see distinct bids; committee (demands 3, 1, 2, 1; weights 1..4) fills to whole shares
# 1, 1, 2, 1 at 5; equal_share gives 2 each capped at demand at 8; max-min fairness reaches
# level 2 at 6; the lottery serves everyone at 7.
EXAMPLE_SUPPLY = {"committee": 5.0, "equal_share": 8.0, "max_min_fair": 6.0, "lottery": 7.0}

for _name in market.MECHANISMS:
    _extra = {"example_supply": EXAMPLE_SUPPLY[_name]} if _name in EXAMPLE_SUPPLY else {}
    globals()[f"TestContract_{_name}"] = contract_for(_name, **_extra)
del _name, _extra

# The built-in auctions are efficient: the floor(supply) highest bids win. Not every money
# rule is (a rationed auction caps each bidder), and no metadata says which are, so this
# stays a property of these named rules.
EFFICIENT_AUCTIONS = ["pay_as_bid", "uniform_price", "vickrey"]


@pytest.mark.parametrize("name", EFFICIENT_AUCTIONS)
@SETTINGS
@given(book=books(extras=False))
def test_auctions_allocate_the_highest_bids(name, book):
    out = clear_book(name, book)
    bids = book["bids"]
    won = top_bid_sums(bids, out.allocation.astype(int)).sum()
    best = np.sort(bids[bids > 0])[::-1][: int(np.floor(book["supply"]))].sum()
    assert won == pytest.approx(best, rel=1e-12, abs=1e-12)


@SETTINGS
@given(book=books())
def test_uniform_price_separates_winning_and_rejected_bids(book):
    book = dict(book, budgets=None)
    out = clear_book("uniform_price", book)
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
    out = clear_book("proportional_share", book)
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
    out = clear_book(name, book)
    demand = (book["bids"] > 0).sum(axis=1)
    assert out.allocated == min(np.floor(book["supply"]), demand.sum())


@SETTINGS
@given(book=books())
def test_equal_share_gives_equal_shares_capped_at_demand(book):
    out = clear_book("equal_share", book)
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
    out = clear_book("max_min_fair", book)
    demand = (book["bids"] > 0).sum(axis=1)
    unsatisfied = out.allocation < demand
    if unsatisfied.any():
        assert out.allocation.max() <= out.allocation[unsatisfied].min() + 1


@SETTINGS
@given(book=books())
def test_lottery_leaves_at_most_one_bidder_partly_served(book):
    out = clear_book("lottery", book)
    demand = (book["bids"] > 0).sum(axis=1)
    partial = (out.allocation > 0) & (out.allocation < demand)
    assert partial.sum() <= 1


@SETTINGS
@given(book=books())
def test_committee_shares_are_within_one_unit_of_weighted_water_filling(book):
    out = clear_book("committee", book)
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
