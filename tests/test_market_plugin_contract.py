"""A mechanism registered by a plugin file gets the whole contract with no test of its own.

``tests/plugins/rationed_price.py`` is loaded by path, the way users' plugins are, and its
contract class is built from its metadata. Other test modules compare the registry with
fixed sets of names, so the rule is registered only while this module's tests run: it is
taken out again right after its class is built at import (collection imports every module
before any test runs) and put back by a module-scoped fixture for this module alone.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from mechanism_contract import SETTINGS, books, clear_book, contract_for

import market
from market.book import make_book

NAME = "rationed_price"
PLUGIN = Path(__file__).parent / "plugins" / "rationed_price.py"


def _load_plugin() -> None:
    """Import the plugin file by path; importing it registers the rule."""
    spec = importlib.util.spec_from_file_location("crunch_test_plugin_rationed_price", PLUGIN)
    assert spec is not None and spec.loader is not None
    spec.loader.exec_module(importlib.util.module_from_spec(spec))


assert NAME not in market.MECHANISMS, f"{NAME} is already registered elsewhere"
try:
    _load_plugin()
    RATIONED = market.MECHANISMS[NAME]
    TestRationedPrice = contract_for(NAME)  # reads the metadata, so only while registered
finally:
    market.unregister(NAME)


@pytest.fixture(autouse=True, scope="module")
def _rationed_price_registered():
    """Register the plugin's rule for this module's tests only."""
    assert NAME not in market.MECHANISMS, f"{NAME} is already registered elsewhere"
    market.MECHANISMS[NAME] = RATIONED  # the very descriptor the plugin registered
    yield
    market.unregister(NAME)


def test_plugin_is_registered_like_a_built_in_rule():
    mech = market.MECHANISMS[NAME]
    assert mech is RATIONED
    assert mech.uses_money and not mech.divisible and not mech.truthful
    assert mech.pricing is market.Pricing.UNIFORM
    assert market.resolve_mechanism("Rationed-Price") == NAME
    assert {c.__name__ for c in TestRationedPrice.__mro__} >= {
        "MoneyContract",
        "IndivisibleContract",
        "IndivisibleMoneyContract",
        "UnitPricingContract",
        "UniformPricingContract",
        "MechanismContract",
    }


def test_cap_rations_the_biggest_bidder():
    # S = 4, 3 active bidders, cap ceil(4/3) = 2: b0's 8 and 7 are over its cap. The
    # eligible bids are 10, 9 | 6, 5 | 3; the four highest win and the eligible loser, 3,
    # is the price: b0 and b1 each pay 2 x 3 = 6.
    bids = [[10.0, 9.0, 8.0, 7.0], [6.0, 5.0, 0.0, 0.0], [3.0, 0.0, 0.0, 0.0]]
    out = market.clear(NAME, bids, 4)
    assert out.allocation.tolist() == [2.0, 2.0, 0.0]
    assert out.payments.tolist() == [6.0, 6.0, 0.0]
    assert out.price == 3.0
    # Without the cap, b0 takes all four units at the highest rejected bid, 6.
    plain = market.clear("uniform_price", bids, 4)
    assert plain.allocation.tolist() == [4.0, 0.0, 0.0]
    assert plain.price == 6.0


def test_a_tie_at_the_cut_off_is_broken_at_random():
    # S = 2, 3 bidders bid 5 for one unit each (cap 1): two of them win at price 5.
    seen = set()
    for seed in range(40):
        out = market.clear(NAME, [5.0, 5.0, 5.0], 2, rng=np.random.default_rng(seed))
        assert out.allocated == 2 and out.price == 5.0 and out.revenue == 10.0
        seen.add(tuple(out.allocation.tolist()))
    assert seen == {(1.0, 1.0, 0.0), (1.0, 0.0, 1.0), (0.0, 1.0, 1.0)}


@SETTINGS
@given(book=st.one_of(books(), books(extras=False)), data=st.data())
def test_price_separates_winning_and_rejected_eligible_bids(book, data):
    # Like uniform price, but only bids within a bidder's cap count. Supply below the number
    # of bids (and half the books without reserve or budgets to drop them) makes the caps
    # and the competition among eligible bids bind far more often than in the contract.
    n_bids = int(np.count_nonzero(book["bids"]))
    book = dict(book, supply=float(data.draw(st.integers(0, max(n_bids - 1, 0)))))
    out = clear_book(NAME, book)
    seen = make_book(
        book["bids"], book["supply"], reserve=book["reserve"], budgets=book["budgets"]
    ).priced()
    positive = seen.bids > 0
    units = int(book["supply"])
    active = int(positive.any(axis=1).sum())
    cap = -(-units // active) if active else 0
    cols = np.arange(seen.bids.shape[1])[None, :]
    eligible = positive & (cols < cap)
    won = cols < out.allocation[:, None]
    assert np.all(out.allocation <= cap)
    assert out.allocated == min(units, eligible.sum())
    assert out.price >= book["reserve"]
    if (won & eligible).any():
        assert seen.bids[won & eligible].min() >= out.price
    if (eligible & ~won).any():
        assert seen.bids[eligible & ~won].max() <= out.price
    np.testing.assert_array_equal(out.payments, out.allocation * out.price)
