"""The mechanism contract: invariants every registered rule must satisfy, by category.

In the style of Axelrod's strategy tests and OpenSpiel's game invariants: each registered
mechanism gets one test class, built by :func:`contract_for` from its metadata, inheriting
the checks that hold for every rule (:class:`MechanismContract`) plus the mixins for its
categories (money or not, divisible or not, its pricing kind, truthful or not). Adding a
mechanism is one ``market.register(...)`` call with a hand-worked example; the contract then
runs over it without any test being written for it.

This module is not collected by pytest (its name does not start with ``test_``, and every
class here sets ``__test__ = False``); ``tests/test_market_properties.py`` builds the
classes for every registered mechanism and plugin tests build theirs the same way.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import market
from market.book import make_book

__all__ = [
    "BOOK",
    "DEMANDS_312",
    "SEED_PROBES",
    "SETTINGS",
    "TOL",
    "DiscriminatoryPricingContract",
    "DivisibleContract",
    "IndivisibleContract",
    "IndivisibleMoneyContract",
    "MechanismContract",
    "MoneyContract",
    "NoMoneyContract",
    "TruthfulAuctionContract",
    "UniformPricingContract",
    "UnitPricingContract",
    "books",
    "clear_book",
    "contract_for",
    "top_bid_sums",
]

TOL = 1e-9

# One @given test is inherited by a class per mechanism, so Hypothesis sees it run from
# several `self`s (its differing_executors check). The classes define no setup_example or
# execute_example hook, so every executor runs examples the same way: the check's concern
# does not apply. The examples drawn are unchanged.
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.differing_executors]
)
SEED_PROBES = 30  # seeds tried to tell whether an outcome depends on the random draw

# A shared book: bidder 0 bids 9 then 4, bidder 1 bids 7 then 6, bidder 2 bids 5 for one unit.
BOOK = [[9.0, 4.0], [7.0, 6.0], [5.0, 0.0]]
# Demands (number of positive bids) 3, 1 and 2.
DEMANDS_312 = [[5.0, 4.0, 3.0], [6.0, 0.0, 0.0], [2.0, 1.0, 0.0]]


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


def clear_book(name: str, book: dict, seed: int | None = None) -> market.Outcome:
    """Clear a :func:`books` market with ``name`` (its own seed unless ``seed`` is given)."""
    return market.clear(
        name,
        book["bids"],
        book["supply"],
        reserve=book["reserve"],
        budgets=book["budgets"],
        weights=book["weights"],
        rng=np.random.default_rng(book["seed"] if seed is None else seed),
    )


def top_bid_sums(bids: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Sum of each row's ``counts[i]`` highest bids."""
    cols = np.arange(bids.shape[1])[None, :]
    return np.where(cols < counts[:, None], bids, 0.0).sum(axis=1)


class MechanismContract:
    """Invariants and edge cases every registered mechanism satisfies.

    Subclasses set ``name``; :func:`contract_for` does so and adds the category mixins.
    """

    __test__ = False

    name: ClassVar[str] = ""
    # Supply at which the permutation example below needs no random choice (override per
    # rule through contract_for(name, example_supply=...)).
    example_supply: ClassVar[float] = 4.0

    @property
    def mech(self) -> market.Mechanism:
        return market.MECHANISMS[self.name]

    def clear(self, book: dict, seed: int | None = None) -> market.Outcome:
        return clear_book(self.name, book, seed)

    # ------------------------------------------------------------ registration

    def test_is_registered_with_an_example_a_label_and_a_description(self):
        mech = self.mech
        assert mech.name == self.name
        assert mech.examples, f"{self.name} has no hand-worked example"
        assert mech.label
        assert mech.description

    def test_reproduces_its_hand_worked_examples(self):
        assert self.mech.check_examples() == []

    # ------------------------------------------------------------ properties

    @SETTINGS
    @given(book=books())
    def test_allocation_is_non_negative_and_within_supply(self, book):
        out = self.clear(book)
        assert np.all(out.allocation >= 0)
        if self.mech.divisible:
            assert out.allocated <= book["supply"] * (1 + TOL) + TOL
        else:
            assert out.allocated <= np.floor(book["supply"])

    @SETTINGS
    @given(book=books())
    def test_payments_are_non_negative_and_losers_pay_nothing(self, book):
        out = self.clear(book)
        assert np.all(out.payments >= 0)
        assert np.all(out.payments[out.allocation == 0] == 0)

    @SETTINGS
    @given(book=books())
    def test_budgets_are_respected(self, book):
        out = self.clear(book)
        if book["budgets"] is not None:
            assert np.all(out.payments <= book["budgets"] * (1 + TOL) + TOL)

    @SETTINGS
    @given(book=books())
    def test_same_seed_gives_identical_outcome(self, book):
        assert self.clear(book) == self.clear(book)

    @SETTINGS
    @given(book=books(distinct=True), data=st.data())
    def test_permuting_bidders_permutes_the_outcome(self, book, data):
        out = self.clear(book, seed=0)
        if any(self.clear(book, seed=s) != out for s in range(1, SEED_PROBES + 1)):
            # The seed matters here (a lottery, or a tie the rule breaks at random), so there
            # is no single outcome to permute; money rules never land here on tie-free bids.
            # With SEED_PROBES seeds, a coin-flip choice looks seed-free with odds 2**-30.
            assert not self.mech.uses_money
            return
        n = book["bids"].shape[0]
        perm = np.array(data.draw(st.permutations(range(n))), dtype=int)
        permuted = dict(book, bids=book["bids"][perm])
        if book["weights"] is not None:
            permuted["weights"] = book["weights"][perm]
        again = self.clear(permuted, seed=0)
        np.testing.assert_allclose(again.allocation, out.allocation[perm], rtol=1e-12)
        np.testing.assert_allclose(again.payments, out.payments[perm], rtol=1e-12)
        if out.price is None:
            assert again.price is None
        else:
            assert again.price == pytest.approx(out.price, rel=1e-12)

    @pytest.mark.parametrize("seed", range(3))
    def test_permutation_example_where_no_randomness_is_needed(self, seed):
        # Non-vacuous companion to the property above.
        bids = np.array([[9.0, 8.5, 3.0], [7.0, 0.0, 0.0], [6.5, 6.0, 0.0], [4.0, 0.0, 0.0]])
        weights = np.array([1.0, 2.0, 3.0, 4.0])
        supply = self.example_supply
        perm = np.random.default_rng(seed).permutation(4)
        out = market.clear(self.name, bids, supply, weights=weights)
        other_seed = market.clear(
            self.name, bids, supply, weights=weights, rng=np.random.default_rng(9)
        )
        assert out == other_seed
        again = market.clear(self.name, bids[perm], supply, weights=weights[perm])
        np.testing.assert_allclose(again.allocation, out.allocation[perm], rtol=1e-12)
        np.testing.assert_allclose(again.payments, out.payments[perm], rtol=1e-12)

    # ------------------------------------------------------------ edge cases

    def test_zero_supply_allocates_nothing_and_charges_nothing(self):
        out = market.clear(self.name, BOOK, 0)
        assert out.allocation.tolist() == [0, 0, 0]
        assert out.payments.tolist() == [0, 0, 0]

    @pytest.mark.parametrize("bids", [np.zeros((0, 3)), [], np.zeros((0, 0))])
    def test_no_bidders_gives_empty_arrays(self, bids):
        out = market.clear(self.name, bids, 5, reserve=1.0, budgets=[], weights=[])
        assert out.allocation.shape == out.payments.shape == (0,)

    def test_all_zero_bids_win_nothing(self):
        out = market.clear(self.name, np.zeros((4, 3)), 5)
        assert out.allocated == 0 and out.revenue == 0

    def test_zero_columns_means_no_bids(self):
        out = market.clear(self.name, np.zeros((3, 0)), 4)
        assert out.allocated == 0 and out.revenue == 0

    def test_one_dimensional_bids_mean_one_unit_each(self):
        flat = [4.0, 0.0, 7.0, 2.0]
        column = [[4.0], [0.0], [7.0], [2.0]]
        a = market.clear(self.name, flat, 2, rng=np.random.default_rng(5))
        b = market.clear(self.name, column, 2, rng=np.random.default_rng(5))
        assert a == b

    def test_clear_does_not_modify_the_callers_arrays(self):
        bids = np.array(BOOK)
        budgets = np.array([5.0, 100.0, 1.0])
        market.clear(self.name, bids, 3, reserve=4.5, budgets=budgets)
        np.testing.assert_array_equal(bids, BOOK)
        np.testing.assert_array_equal(budgets, [5.0, 100.0, 1.0])
        assert bids.flags.writeable

    def test_outcome_arrays_have_one_float_entry_per_bidder(self):
        out = market.clear(self.name, BOOK, 3)
        assert out.allocation.shape == out.payments.shape == (3,)
        assert out.allocation.dtype == out.payments.dtype == np.float64

    def test_validation_errors_come_before_any_work(self):
        with pytest.raises(ValueError, match="increases"):
            market.clear(self.name, [[1.0, 2.0]], 1)


class MoneyContract:
    """Rules where bidders pay (every pricing kind but ``none``)."""

    __test__ = False

    @SETTINGS
    @given(book=books(distinct=True))
    def test_money_rules_without_ties_do_not_depend_on_the_seed(self, book):
        assert self.clear(book, seed=1) == self.clear(book, seed=2)

    def test_budget_caps_payments(self):
        budgets = [10.0, 5.0, 100.0]
        out = market.clear(self.name, BOOK, 3, budgets=budgets)
        assert np.all(out.payments <= np.array(budgets) + 1e-12)


class NoMoneyContract:
    """Rules without money: they read demands (number of positive bids) only."""

    __test__ = False

    @SETTINGS
    @given(book=books())
    def test_rules_without_money_charge_nothing_and_have_no_price(self, book):
        out = self.clear(book)
        assert np.all(out.payments == 0)
        assert out.price is None
        demand = (book["bids"] > 0).sum(axis=1)
        assert np.all(out.allocation <= demand)

    def test_rules_without_money_ignore_budgets_and_reserve(self):
        plain = market.clear(self.name, DEMANDS_312, 4)
        capped = market.clear(self.name, DEMANDS_312, 4, budgets=[0.0, 0.0, 0.0], reserve=100)
        assert plain == capped


class IndivisibleContract:
    """Rules handing out whole units (``floor(supply)`` of them)."""

    __test__ = False

    @SETTINGS
    @given(book=books())
    def test_indivisible_allocations_are_whole_units(self, book):
        out = self.clear(book)
        assert np.array_equal(out.allocation, np.floor(out.allocation))

    def test_supply_below_one_unit_allocates_nothing(self):
        out = market.clear(self.name, BOOK, 0.9)
        assert out.allocated == 0 and out.revenue == 0

    def test_one_dimensional_bids_win_at_most_one_unit_each(self):
        out = market.clear(self.name, [4.0, 0.0, 7.0, 2.0], 2, rng=np.random.default_rng(5))
        assert set(out.allocation.tolist()) <= {0.0, 1.0}
        assert out.allocation[1] == 0  # a zero bid is no bid


class DivisibleContract:
    """Rules that may hand out fractions of a unit."""

    __test__ = False

    @SETTINGS
    @given(book=books())
    def test_divisible_payment_is_at_most_the_row_total(self, book):
        out = self.clear(book)
        assert np.all(out.payments <= book["bids"].sum(axis=1) * (1 + TOL) + TOL)

    def test_supply_below_one_unit_is_shared(self):
        out = market.clear(self.name, BOOK, 0.9)
        assert out.allocated == pytest.approx(0.9)


class IndivisibleMoneyContract:
    """Auctions of whole units: winners pay at most what they bid, above the reserve."""

    __test__ = False

    @SETTINGS
    @given(book=books())
    def test_indivisible_winner_pays_at_most_its_top_winning_bids(self, book):
        out = self.clear(book)
        bound = top_bid_sums(book["bids"], out.allocation.astype(int))
        assert np.all(out.payments <= bound * (1 + TOL) + TOL)

    @SETTINGS
    @given(book=books())
    def test_indivisible_auction_wins_only_bids_at_or_above_reserve(self, book):
        out = self.clear(book)
        eligible = ((book["bids"] >= book["reserve"]) & (book["bids"] > 0)).sum(axis=1)
        assert np.all(out.allocation <= eligible)

    def test_supply_above_total_demand_serves_every_bid(self):
        out = market.clear(self.name, DEMANDS_312, 100)
        assert out.allocation.tolist() == [3, 1, 2]


class UnitPricingContract:
    """Pricing ``uniform`` or ``proportional``: every unit won costs the one market price."""

    __test__ = False

    @SETTINGS
    @given(book=books())
    def test_every_unit_costs_the_market_price(self, book):
        out = self.clear(book)
        if out.price is None:
            assert out.allocated == 0 and out.revenue == 0
            return
        assert out.price >= book["reserve"]
        won = out.allocation > 0
        np.testing.assert_allclose(out.payments[won] / out.allocation[won], out.price)


class UniformPricingContract:
    """Pricing ``uniform``: no winner pays more for a unit than its lowest winning bid."""

    __test__ = False

    @SETTINGS
    @given(book=books())
    def test_the_price_is_at_most_every_winning_bid(self, book):
        out = self.clear(book)
        # The bids the rule saw: rows trimmed to budgets, bids below the reserve dropped.
        seen = make_book(
            book["bids"], book["supply"], reserve=book["reserve"], budgets=book["budgets"]
        ).priced()
        winners = np.flatnonzero(out.allocation)
        lowest_won = seen.bids[winners, out.allocation[winners].astype(int) - 1]
        assert np.all(out.price <= lowest_won * (1 + TOL) + TOL)


class DiscriminatoryPricingContract:
    """Pricing ``discriminatory``: each winner pays its own winning bids."""

    __test__ = False

    @SETTINGS
    @given(book=books())
    def test_winners_pay_their_own_winning_bids(self, book):
        out = self.clear(book)
        # The bids the rule saw: rows trimmed to budgets, bids below the reserve dropped.
        seen = make_book(
            book["bids"], book["supply"], reserve=book["reserve"], budgets=book["budgets"]
        ).priced()
        expected = top_bid_sums(seen.bids, out.allocation.astype(int))
        np.testing.assert_allclose(out.payments, expected, rtol=1e-12, atol=1e-12)


class TruthfulAuctionContract:
    """Truthful auctions of whole units: no bidder gains by misreporting its values.

    Utilities are quasi-linear: a bidder's bids are its marginal values, and winning ``x``
    units for payment ``p`` is worth its ``x`` highest values minus ``p``. Without budgets
    (which break truthfulness), reporting the true row must be at least as good as any
    other non-increasing row, for every seed: the check holds draw by draw, not only on
    average.
    """

    __test__ = False

    @SETTINGS
    @given(book=books(), data=st.data())
    def test_no_bidder_gains_by_misreporting(self, book, data):
        bids = book["bids"]
        n, k = bids.shape
        if n == 0:
            return
        book = dict(book, budgets=None)
        i = data.draw(st.integers(0, n - 1))
        value = data.draw(
            st.sampled_from(
                [st.integers(0, 4).map(float), st.floats(0.0, 100.0, allow_subnormal=False)]
            )
        )
        lie = data.draw(st.lists(value, min_size=k, max_size=k))
        lied = bids.copy()
        lied[i] = sorted(lie, reverse=True)
        values = bids[i]

        def utility(out: market.Outcome) -> float:
            units = int(out.allocation[i])
            return float(values[:units].sum() - out.payments[i])

        truthful = utility(self.clear(book))
        other = utility(self.clear(dict(book, bids=lied)))
        assert truthful >= other - TOL * (1 + abs(other))


def contract_for(name: str, **attributes: Any) -> type:
    """Build the contract test class for the registered mechanism ``name``.

    The mixins follow its metadata: money or not, divisible or not, its pricing kind and
    whether it is truthful. The class is named ``TestContract_<name>`` and collected by
    pytest wherever it is bound to a module-level name starting with ``Test``.

    Args:
        name: A key of :data:`market.MECHANISMS`.
        **attributes: Class attributes to override, e.g. ``example_supply``.

    Returns:
        The test class.

    Raises:
        KeyError: If ``name`` is not registered.
        TypeError: If an attribute is not one :class:`MechanismContract` defines.
    """
    mech = market.MECHANISMS[name]
    unknown = set(attributes) - set(vars(MechanismContract))
    if unknown:
        raise TypeError(f"contract_for({name!r}): unknown attributes {sorted(unknown)}")
    mixins: list[type] = []
    if mech.uses_money:
        mixins.append(MoneyContract)
    else:
        mixins.append(NoMoneyContract)
    if mech.divisible:
        mixins.append(DivisibleContract)
    else:
        mixins.append(IndivisibleContract)
        if mech.uses_money:
            mixins.append(IndivisibleMoneyContract)
            if mech.truthful:
                mixins.append(TruthfulAuctionContract)
    if mech.pricing in (market.Pricing.UNIFORM, market.Pricing.PROPORTIONAL):
        mixins.append(UnitPricingContract)
    if mech.pricing is market.Pricing.UNIFORM:
        mixins.append(UniformPricingContract)
    elif mech.pricing is market.Pricing.DISCRIMINATORY:
        mixins.append(DiscriminatoryPricingContract)
    namespace = {"__test__": True, "name": name, **attributes}
    return type(f"TestContract_{name}", (*mixins, MechanismContract), namespace)
