"""Tests for agents.strategies: an inherited contract suite plus behaviour tests.

Every registered strategy gets a ``StrategyContract`` subclass; a test fails when a
strategy is registered without one.
"""

from __future__ import annotations

import dataclasses
import pickle
from typing import Any, ClassVar

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from pydantic import ValidationError

import market
from agents.strategies import (
    STRATEGIES,
    AuctionFever,
    BiddingParams,
    BiddingStrategy,
    BudgetPacer,
    Feedback,
    Hedge,
    HedgeByUnit,
    Human,
    KellyAnticipating,
    Misreporter,
    RothErev,
    Shaded,
    TeamView,
    Truthful,
    clip_to_budget,
    enforce_non_increasing,
    get_strategy,
    order_row,
    register_strategy,
    shade_factor,
    unregister_strategy,
)
from market import Pricing

SETTINGS = settings(max_examples=50, deadline=None)
# The contract's property tests run once per subclass, i.e. from several executors; they
# share one example database key, which is harmless here (every subclass must pass them).
CONTRACT_SETTINGS = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.differing_executors]
)
#: Pricing of every registered clearing rule (what the strategies branch on).
MECHANISM_PRICING = {name: mech.pricing for name, mech in market.MECHANISMS.items()}


@st.composite
def team_views(draw, m=None, k=None, zero_budget=False, zero_values=False) -> TeamView:
    m = draw(st.integers(1, 6)) if m is None else m
    k = draw(st.integers(1, 6)) if k is None else k
    values = draw(hnp.arrays(float, (m, k), elements=st.floats(0.0, 100.0)))
    values = -np.sort(-values, axis=1)
    if zero_values:
        values = np.zeros((m, k))
    budget_elements = st.one_of(st.just(0.0), st.floats(0.0, 500.0), st.just(np.inf))
    budget = draw(hnp.arrays(float, m, elements=budget_elements))
    if zero_budget:
        budget = np.zeros(m)
    shade = draw(st.one_of(st.none(), st.floats(0.0, 1.0)))
    params = BiddingParams(
        shade=shade,
        fever=draw(st.floats(0.0, 3.0)),
        joy_of_winning=draw(st.floats(0.0, 5.0)),
        pace_smoothing=draw(st.floats(0.0, 1.0)),
    )
    return TeamView(
        values=values,
        budget=budget,
        stress=draw(hnp.arrays(float, m, elements=st.floats(0.0, 1.0))),
        lost_last=draw(hnp.arrays(bool, m)),
        spent_this_quarter=draw(hnp.arrays(float, m, elements=st.floats(0.0, 100.0))),
        weeks_left_in_quarter=draw(st.integers(0, 13)),
        n_bidders=draw(st.integers(1, 50)),
        pricing=draw(st.sampled_from(list(Pricing))),
        last_price=draw(st.one_of(st.none(), st.floats(0.0, 120.0))),
        params=params,
    )


def make_view(values, budget=1e9, **kwargs) -> TeamView:
    values = np.atleast_2d(np.asarray(values, dtype=float))
    m = values.shape[0]
    defaults = {
        "stress": np.zeros(m),
        "lost_last": np.zeros(m, dtype=bool),
        "spent_this_quarter": np.zeros(m),
        "weeks_left_in_quarter": 1,
        "n_bidders": 4,
        "pricing": Pricing.DISCRIMINATORY,
        "last_price": None,
        "params": BiddingParams(),
    }
    defaults.update(kwargs)
    return TeamView(values=values, budget=np.broadcast_to(budget, m).astype(float), **defaults)


# -------------------------------------------------------------------- the contract


class StrategyContract:
    """Behaviour every bidding strategy must have; subclass and set ``strategy_cls``."""

    strategy_cls: type[BiddingStrategy] | None = None

    def strategy(self) -> BiddingStrategy:
        assert self.strategy_cls is not None
        return self.strategy_cls()

    def test_is_registered_under_its_name_with_metadata(self):
        cls = self.strategy_cls
        assert STRATEGIES[cls.name] is cls
        assert get_strategy(cls.name) is cls
        assert isinstance(cls.metadata["description"], str) and cls.metadata["description"]
        assert isinstance(cls.metadata["uses_stress"], bool)
        assert isinstance(cls.metadata["stochastic"], bool)
        assert cls.metadata["learns"] is cls.learns()

    @CONTRACT_SETTINGS
    @given(view=team_views(), seed=st.integers(0, 2**32 - 1))
    def test_bid_for_a_batch_matches_bid_row_for_row(self, view, seed):
        cls = self.strategy_cls
        batch = cls.bid_for([cls()] * view.m, view, np.random.default_rng(seed))
        alone = cls().bid(view, np.random.default_rng(seed))
        np.testing.assert_array_equal(batch, alone)
        if cls.metadata["stochastic"]:
            return
        for j in range(view.m):
            row = cls.bid_for([cls()], view.rows([j]), np.random.default_rng(seed))
            np.testing.assert_array_equal(row, batch[j : j + 1])

    def test_bid_for_no_members_gives_an_empty_book(self):
        view = make_view(np.zeros((0, 3)))
        assert self.strategy_cls.bid_for([], view, np.random.default_rng(0)).shape == (0, 3)

    def test_fresh_instances_are_equal_and_differ_from_other_strategies(self):
        assert self.strategy() == self.strategy()
        assert hash(self.strategy()) == hash(self.strategy())
        others = [cls() for cls in STRATEGIES.values() if cls is not self.strategy_cls]
        assert others
        assert all(self.strategy() != other for other in others)

    @CONTRACT_SETTINGS
    @given(view=team_views())
    def test_bids_are_a_valid_bid_book(self, view):
        bids = self.strategy().bid(view, np.random.default_rng(0))
        assert bids.shape == view.values.shape
        assert bids.dtype == float
        assert np.all(bids >= 0)
        assert np.all(np.diff(bids, axis=1) <= 0)
        assert np.all(bids.sum(axis=1) <= view.budget * (1 + 1e-12) + 1e-9)
        assert bids.flags.writeable

    @CONTRACT_SETTINGS
    @given(view=team_views(), seed=st.integers(0, 2**32 - 1))
    def test_same_seed_gives_same_bids(self, view, seed):
        first = self.strategy().bid(view, np.random.default_rng(seed))
        again = self.strategy().bid(view, np.random.default_rng(seed))
        np.testing.assert_array_equal(first, again)

    @CONTRACT_SETTINGS
    @given(view=team_views())
    def test_does_not_mutate_the_view(self, view):
        before = {f.name: getattr(view, f.name) for f in dataclasses.fields(view)}
        copies = {k: v.copy() for k, v in before.items() if isinstance(v, np.ndarray)}
        self.strategy().bid(view, np.random.default_rng(0))
        for name, value in before.items():
            assert getattr(view, name) is value
        for name, copy in copies.items():
            np.testing.assert_array_equal(getattr(view, name), copy)

    def test_view_arrays_raise_on_write(self):
        view = make_view([[3.0, 2.0]])
        self.strategy().bid(view, np.random.default_rng(0))
        with pytest.raises(ValueError):
            view.values[0, 0] = 99.0
        with pytest.raises(ValueError):
            view.budget[0] = 0.0

    @CONTRACT_SETTINGS
    @given(view=team_views(zero_budget=True))
    def test_zero_budget_gives_zero_bids(self, view):
        np.testing.assert_array_equal(self.strategy().bid(view, np.random.default_rng(0)), 0.0)

    @CONTRACT_SETTINGS
    @given(view=team_views(zero_values=True))
    def test_zero_values_give_zero_bids(self, view):
        np.testing.assert_array_equal(self.strategy().bid(view, np.random.default_rng(0)), 0.0)

    @pytest.mark.parametrize("k", [0, 3])
    def test_works_for_an_empty_batch(self, k):
        view = make_view(np.zeros((0, k)))
        assert self.strategy().bid(view, np.random.default_rng(0)).shape == (0, k)

    def test_works_for_one_team(self):
        view = TeamView.single([5.0, 3.0, 1.0], 6.0, stress=0.5, last_price=2.0)
        bids = self.strategy().bid(view, np.random.default_rng(0))
        assert bids.shape == (1, 3)
        assert bids.sum() <= 6.0 + 1e-12

    def test_is_picklable(self):
        strategy = self.strategy()
        view = make_view([[4.0, 2.0]], stress=np.array([0.3]))
        clone = pickle.loads(pickle.dumps(strategy))
        np.testing.assert_array_equal(
            clone.bid(view, np.random.default_rng(1)), strategy.bid(view, np.random.default_rng(1))
        )


class TestTruthful(StrategyContract):
    strategy_cls = Truthful


class TestShaded(StrategyContract):
    strategy_cls = Shaded


class TestAuctionFever(StrategyContract):
    strategy_cls = AuctionFever


class TestBudgetPacer(StrategyContract):
    strategy_cls = BudgetPacer


class TestHedge(StrategyContract):
    strategy_cls = Hedge


class TestHedgeByUnit(StrategyContract):
    strategy_cls = HedgeByUnit


class TestRothErev(StrategyContract):
    strategy_cls = RothErev


class TestKellyAnticipating(StrategyContract):
    strategy_cls = KellyAnticipating


class TestMisreporter(StrategyContract):
    strategy_cls = Misreporter


class TestHuman(StrategyContract):
    """A silent seat: the contract holds for the bot it falls back on."""

    strategy_cls = Human


def test_order_row_lays_out_a_players_steps_highest_price_first():
    np.testing.assert_array_equal(order_row([(2, 50.0), (1, 80.0)], 5), [80, 50, 50, 0, 0])
    np.testing.assert_array_equal(order_row([(9, 10.0)], 3), [10, 10, 10])
    np.testing.assert_array_equal(order_row([], 2), [0, 0])


def test_a_seat_bids_its_players_order_and_a_silent_seat_its_bots_bid():
    values = np.array([[10.0, 8.0, 6.0], [9.0, 7.0, 5.0], [4.0, 3.0, 2.0]])
    view = make_view(values, budget=100.0, pricing=Pricing.DISCRIMINATORY, n_bidders=4)
    played = Human(bot=Truthful())
    played.order, played.requested = order_row([(2, 3.0)], 3), 2.0
    silent_shaded, silent_truthful = Human(bot=Shaded()), Human()
    rng = np.random.default_rng(0)
    bids = Human.bid_for([played, silent_shaded, silent_truthful], view, rng)
    np.testing.assert_allclose(bids[0], [3.0, 3.0, 0.0])
    np.testing.assert_allclose(bids[1], Shaded().bid(view.rows([1]), rng)[0])
    np.testing.assert_allclose(bids[2], values[2])
    reports = Human.report_for([played, silent_shaded, silent_truthful], view, rng)
    np.testing.assert_array_equal(reports, [2.0, 3.0, 3.0])


def test_a_seats_order_is_capped_by_its_budget_like_any_bid():
    view = make_view([[10.0, 8.0]], budget=5.0)
    seat = Human()
    seat.order = order_row([(2, 4.0)], 2)
    np.testing.assert_allclose(seat.bid(view, np.random.default_rng(0)), [[4.0, 1.0]])


def test_a_scenario_mix_cannot_seat_people():
    from game import ScenarioError, load_scenario

    with pytest.raises(ScenarioError, match="people take seats in a workshop"):
        load_scenario("classroom", {"lab.strategy_mix": {"human": 1.0}})


def _all_subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _all_subclasses(sub)
    return found


def test_every_registered_strategy_has_a_contract_test():
    covered = {sub.strategy_cls for sub in _all_subclasses(StrategyContract)}
    missing = sorted(name for name, cls in STRATEGIES.items() if cls not in covered)
    assert not missing, f"add a StrategyContract subclass for: {missing}"


# ------------------------------------------------------------------------ registry


def test_get_strategy_rejects_unknown_names_listing_valid_ones():
    with pytest.raises(ValueError) as info:
        get_strategy("psychic")
    message = str(info.value)
    assert "'psychic'" in message
    for name in STRATEGIES:
        assert name in message


def test_registry_holds_the_documented_strategies():
    assert set(STRATEGIES) >= {"truthful", "shaded", "auction_fever", "budget_pacer"}


class _HalfValue(BiddingStrategy):
    """A tiny strategy for the registry tests: bids half of every value."""

    name = "half_value_for_tests"
    metadata: ClassVar[dict[str, Any]] = {
        "description": "Bids half its values.",
        "uses_stress": False,
        "stochastic": False,
        "learns": False,
    }

    def propose(self, view, rng):
        return view.values / 2


def test_a_registered_strategy_is_found_by_name_until_unregistered():
    assert _HalfValue.name not in STRATEGIES
    try:
        assert register_strategy(_HalfValue) is _HalfValue
        assert STRATEGIES[_HalfValue.name] is _HalfValue
        assert get_strategy(_HalfValue.name) is _HalfValue
    finally:
        unregister_strategy(_HalfValue.name)
    assert _HalfValue.name not in STRATEGIES
    with pytest.raises(ValueError, match=_HalfValue.name):
        get_strategy(_HalfValue.name)
    unregister_strategy(_HalfValue.name)  # removing an absent name is not an error


def test_register_strategy_rejects_a_taken_name():
    class Impostor(Truthful):
        name = "shaded"

    before = dict(STRATEGIES)
    with pytest.raises(ValueError, match="'shaded' is already registered"):
        register_strategy(Impostor)
    assert before == STRATEGIES


@pytest.mark.parametrize("bad", [object, Truthful(), "truthful", int])
def test_register_strategy_rejects_what_is_not_a_strategy_class(bad):
    before = dict(STRATEGIES)
    with pytest.raises(ValueError, match="not a BiddingStrategy subclass"):
        register_strategy(bad)
    assert before == STRATEGIES


def test_register_strategy_rejects_a_nameless_strategy():
    class Nameless(Truthful):
        name = ""

    with pytest.raises(ValueError, match="Nameless"):
        register_strategy(Nameless)


def test_unregister_strategy_keeps_the_built_ins():
    try:
        unregister_strategy("truthful")
        assert STRATEGIES["truthful"] is Truthful
    finally:
        STRATEGIES.setdefault("truthful", Truthful)


# ------------------------------------------------------------------------ TeamView


def test_team_view_exposes_only_what_a_team_may_know():
    names = {f.name for f in dataclasses.fields(TeamView)}
    assert names == {
        "values",
        "budget",
        "stress",
        "lost_last",
        "spent_this_quarter",
        "weeks_left_in_quarter",
        "n_bidders",
        "pricing",
        "last_price",
        "params",
        "need",
        "price_forecast",
        "supply",  # tranches on sale: the market announces them
    }


def test_the_default_report_is_the_true_shortfall_rounded_up():
    view = TeamView.single([5.0, 3.0, 1.0], 100.0, need=2.2)
    for cls in STRATEGIES.values():
        assert cls.report_for([cls()], view, np.random.default_rng(0)).tolist() == [3.0]
    assert TeamView.single([5.0, 3.0, 0.0], 100.0).need.tolist() == [2.0]


@pytest.mark.parametrize("pricing", list(Pricing))
def test_team_view_takes_pricing_as_a_member_or_its_value(pricing):
    for given_as in (pricing, pricing.value):
        view = make_view([[1.0]], pricing=given_as)
        assert view.pricing is pricing
    assert TeamView.single([1.0], 1.0, pricing=pricing.value).pricing is pricing


def test_team_view_rows_selects_a_sub_batch_sharing_the_market_facts():
    view = make_view(
        [[3.0, 1.0], [5.0, 2.0], [4.0, 4.0]],
        budget=np.array([10.0, 20.0, 30.0]),
        stress=np.array([0.1, 0.2, 0.3]),
        lost_last=np.array([True, False, True]),
        spent_this_quarter=np.array([1.0, 2.0, 3.0]),
        weeks_left_in_quarter=7,
        n_bidders=9,
        pricing=Pricing.UNIFORM,
        last_price=2.5,
        params=BiddingParams(fever=1.0),
    )
    sub = view.rows([2, 0])
    assert sub.m == 2 and sub.k == 2
    np.testing.assert_array_equal(sub.values, [[4.0, 4.0], [3.0, 1.0]])
    np.testing.assert_array_equal(sub.budget, [30.0, 10.0])
    np.testing.assert_array_equal(sub.stress, [0.3, 0.1])
    np.testing.assert_array_equal(sub.lost_last, [True, True])
    np.testing.assert_array_equal(sub.spent_this_quarter, [3.0, 1.0])
    market_facts = ("weeks_left_in_quarter", "n_bidders", "pricing", "last_price", "params")
    for name in (*market_facts, "price_forecast"):
        assert getattr(sub, name) == getattr(view, name)
    assert not sub.values.flags.writeable
    assert view.rows(np.array([], dtype=int)).values.shape == (0, 2)


def test_team_view_does_not_freeze_the_callers_arrays():
    values = np.array([[3.0, 1.0]])
    view = make_view(values)
    values[0, 0] = 4.0  # the caller's array stays writable
    assert not view.values.flags.writeable
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.values = np.zeros((1, 2))  # type: ignore[misc]


@pytest.mark.parametrize(
    ("change", "word"),
    [
        ({"values": np.zeros(3)}, "values"),
        ({"stress": np.zeros(2)}, "stress"),
        ({"n_bidders": 0}, "n_bidders"),
        ({"weeks_left_in_quarter": -1}, "weeks_left_in_quarter"),
        ({"last_price": -1.0}, "last_price"),
        ({"price_forecast": float("nan")}, "price_forecast"),
        ({"pricing": "ascending_clock"}, "pricing"),
        ({"pricing": "vickrey"}, "pricing"),
        ({"params": {"shade": 0.5}}, "params"),
    ],
)
def test_team_view_rejects_inconsistent_input(change, word):
    kwargs = {
        "values": np.zeros((1, 3)),
        "budget": np.zeros(1),
        "stress": np.zeros(1),
        "lost_last": np.zeros(1, dtype=bool),
        "spent_this_quarter": np.zeros(1),
        "weeks_left_in_quarter": 1,
        "n_bidders": 2,
        "pricing": Pricing.VCG,
    }
    kwargs.update(change)
    with pytest.raises(ValueError, match=word):
        TeamView(**kwargs)


@pytest.mark.parametrize(
    ("field", "bad", "reason"),
    [
        ("shade", 1.5, "less than or equal to 1"),
        ("shade", -0.1, "greater than or equal to 0"),
        ("pace_smoothing", -0.1, "greater than or equal to 0"),
        ("fever", 6.0, "less than or equal to 5"),
        ("joy_of_winning", -1.0, "greater than or equal to 0"),
    ],
)
def test_bidding_params_reject_bad_values_naming_field_and_bound(field, bad, reason):
    with pytest.raises(ValidationError) as info:
        BiddingParams(**{field: bad})
    [error] = info.value.errors()
    assert error["loc"] == (field,)
    assert reason in error["msg"]
    assert "BiddingParams" in str(info.value)


def test_bidding_params_are_frozen_and_refuse_unknown_keys():
    with pytest.raises(ValidationError, match="frozen"):
        BiddingParams().fever = 1.0  # type: ignore[misc]
    with pytest.raises(ValidationError, match="shading"):
        BiddingParams(shading=0.5)
    assert BiddingParams().shade is None


# ------------------------------------------------------------------------- helpers


@SETTINGS
@given(
    bids=hnp.arrays(float, (5, 6), elements=st.floats(0.0, 100.0)),
    budget=hnp.arrays(float, 5, elements=st.floats(-10.0, 400.0)),
)
def test_clip_to_budget_trims_from_the_last_unit(bids, budget):
    bids = -np.sort(-bids, axis=1)
    clipped = clip_to_budget(bids, budget)
    assert np.all(clipped.sum(axis=1) <= np.maximum(budget, 0) + 1e-9)
    assert np.all(np.diff(clipped, axis=1) <= 0)
    assert np.all((clipped >= 0) & (clipped <= bids))
    # Units before the first trimmed one keep their bids exactly.
    for row, clip, cap in zip(bids, clipped, budget, strict=True):
        trimmed = np.flatnonzero(clip < row)
        if trimmed.size:
            np.testing.assert_array_equal(clip[: trimmed[0]], row[: trimmed[0]])
            assert np.all(clip[trimmed[0] + 1 :] == 0)
        else:
            assert row.sum() <= max(cap, 0) + 1e-9


def test_clip_to_budget_closed_form():
    clipped = clip_to_budget(np.array([[5.0, 4.0, 3.0], [5.0, 4.0, 3.0]]), np.array([7.0, 20.0]))
    np.testing.assert_array_equal(clipped, [[5.0, 2.0, 0.0], [5.0, 4.0, 3.0]])


def test_enforce_non_increasing_takes_the_running_minimum():
    fixed = enforce_non_increasing(np.array([[3.0, 5.0, -1.0, 2.0]]))
    np.testing.assert_array_equal(fixed, [[3.0, 3.0, 0.0, 0.0]])


def test_base_strategy_rejects_a_proposal_of_the_wrong_shape():
    class Broken(BiddingStrategy):
        name = "broken"

        def propose(self, view, rng):
            return np.zeros((view.m, view.k + 1))

    with pytest.raises(ValueError, match="shape"):
        Broken().bid(make_view([[1.0]]), np.random.default_rng(0))


class _Scaled(BiddingStrategy):
    """A strategy with per-instance state, for the base-class tests."""

    name = "scaled_for_tests"

    def __init__(self, factor: float) -> None:
        self.factor = factor

    def propose(self, view, rng):
        return view.values * self.factor


def test_strategies_are_equal_when_class_and_state_agree():
    assert _Scaled(0.5) == _Scaled(0.5)
    assert _Scaled(0.5) != _Scaled(0.25)
    assert _Scaled(0.5) != Truthful()
    assert Truthful() != "truthful"


def test_default_bid_for_lets_the_first_member_decide_for_the_batch():
    view = make_view([[8.0, 4.0], [6.0, 2.0]])
    bids = _Scaled.bid_for([_Scaled(0.5), _Scaled(1.0)], view, np.random.default_rng(0))
    np.testing.assert_allclose(bids, [[4.0, 2.0], [3.0, 1.0]])


def test_learns_is_true_only_where_observe_for_is_overridden():
    seen: list[Feedback] = []

    class Learner(Truthful):
        name = "learner_for_tests"

        @classmethod
        def observe_for(cls, members, feedback):
            seen.append(feedback)

    assert Learner.learns()
    assert not any(cls.learns() for cls in (Truthful, Shaded, AuctionFever, BudgetPacer))
    view = make_view([[3.0, 1.0]])
    feedback = Feedback(view, np.array([[3.0, 1.0]]), np.array([1.0]), np.array([3.0]), 3.0)
    assert BiddingStrategy.observe_for([Truthful()], feedback) is None
    Learner.observe_for([Learner()], feedback)
    assert len(seen) == 1 and seen[0] is feedback


# ----------------------------------------------------------------------- behaviour


@pytest.mark.parametrize("n", [2, 5, 10])
def test_shaded_bids_n_minus_one_over_n_of_value_under_discriminatory_pricing(n):
    values = np.array([[9.0, 6.0, 3.0], [4.0, 4.0, 0.0]])
    bids = Shaded().bid(make_view(values, n_bidders=n, pricing=Pricing.DISCRIMINATORY), None)
    np.testing.assert_allclose(bids, values * (n - 1) / n)


def test_shaded_reduces_demand_under_uniform_pricing():
    values = np.array([[9.0, 6.0, 3.0]])
    bids = Shaded().bid(make_view(values, n_bidders=4, pricing=Pricing.UNIFORM), None)
    np.testing.assert_allclose(bids, [[9.0, 4.5, 2.25]])


@pytest.mark.parametrize("pricing", [Pricing.VCG, Pricing.NONE])
def test_shaded_is_truthful_where_truth_is_safe_or_money_is_not_used(pricing):
    values = np.array([[9.0, 6.0, 3.0]])
    bids = Shaded().bid(make_view(values, pricing=pricing), None)
    np.testing.assert_array_equal(bids, values)


#: What Shaded bids for values (9, 6, 3) among 4 bidders, by pricing kind.
SHADED_BIDS = {
    Pricing.DISCRIMINATORY: [6.75, 4.5, 2.25],
    Pricing.UNIFORM: [9.0, 4.5, 2.25],
    Pricing.VCG: [9.0, 6.0, 3.0],
    # No price forecast yet: a price-taker spends its smallest positive worth per tranche.
    Pricing.PROPORTIONAL: [3.0, 3.0, 3.0],
    Pricing.NONE: [9.0, 6.0, 3.0],
}


def test_shaded_has_an_expected_bid_for_every_pricing_kind():
    assert set(SHADED_BIDS) == set(Pricing)


@pytest.mark.parametrize("mechanism", sorted(MECHANISM_PRICING))
def test_shaded_follows_the_pricing_of_every_registered_mechanism(mechanism):
    pricing = market.MECHANISMS[mechanism].pricing
    view = make_view([[9.0, 6.0, 3.0]], n_bidders=4, pricing=pricing)
    np.testing.assert_allclose(Shaded().bid(view, None), [SHADED_BIDS[pricing]])


@pytest.mark.parametrize(
    ("mechanism", "pricing"),
    [
        ("pay_as_bid", Pricing.DISCRIMINATORY),
        ("uniform_price", Pricing.UNIFORM),
        ("vickrey", Pricing.VCG),
        ("proportional_share", Pricing.PROPORTIONAL),
        ("committee", Pricing.NONE),
        ("lottery", Pricing.NONE),
    ],
)
def test_built_in_mechanisms_declare_the_pricing_strategies_expect(mechanism, pricing):
    assert MECHANISM_PRICING[mechanism] is pricing


def test_shade_parameter_overrides_the_equilibrium_factor():
    assert shade_factor(10, BiddingParams(shade=0.25)) == 0.25
    assert shade_factor(10, BiddingParams()) == 0.9
    assert shade_factor(1, BiddingParams()) == 0.5


@SETTINGS
@given(
    value=st.floats(0.1, 100.0),
    stress=hnp.arrays(float, 8, elements=st.floats(0.0, 1.0)),
    fever=st.floats(0.01, 3.0),
)
def test_fever_raises_bids_with_stress(value, stress, fever):
    stress = np.sort(stress)
    view = make_view(np.full((8, 1), value), stress=stress, params=BiddingParams(fever=fever))
    bids = AuctionFever().bid(view, None)[:, 0]
    np.testing.assert_allclose(bids, value * (1 + fever * stress))
    assert np.all(np.diff(bids) >= 0)
    assert np.all(bids[stress > 1e-6] > value)


def test_fever_is_hotter_after_losing_and_joy_is_added_to_positive_bids():
    params = BiddingParams(fever=0.5, joy_of_winning=1.0)
    view = make_view(
        np.array([[10.0, 0.0], [10.0, 0.0], [10.0, 0.0]]),
        stress=np.array([0.0, 0.4, 0.4]),
        lost_last=np.array([False, False, True]),
        params=params,
    )
    bids = AuctionFever().bid(view, None)
    np.testing.assert_allclose(bids, [[11.0, 0.0], [13.0, 0.0], [15.0, 0.0]])


def test_pacer_lowers_bids_when_budget_is_short():
    values = np.array([[10.0, 8.0, 6.0]])
    common = {"weeks_left_in_quarter": 10, "last_price": 5.0, "pricing": Pricing.UNIFORM}
    rich = BudgetPacer().bid(make_view(values, budget=1000.0, **common), None)
    short = BudgetPacer().bid(make_view(values, budget=100.0, **common), None)
    np.testing.assert_allclose(rich, values)
    # Target 10 a week, truthful bids would spend 5 x 3 = 15: mu* = 2/3, mu = 0.5 + 0.5 mu*.
    np.testing.assert_allclose(short, values * (0.5 + 0.5 * 2 / 3))
    assert short.sum() < 100.0  # the budget cap alone would not have lowered them


def test_pacer_smoothing_extremes_and_discriminatory_forecast():
    values = np.array([[10.0, 8.0, 6.0]])
    common = {"budget": 120.0, "weeks_left_in_quarter": 10, "last_price": 7.0}
    never = BudgetPacer().bid(
        make_view(values, params=BiddingParams(pace_smoothing=1.0), **common), None
    )
    np.testing.assert_allclose(never, values)
    full = BudgetPacer().bid(
        make_view(values, params=BiddingParams(pace_smoothing=0.0), **common), None
    )
    # Pay-as-bid pays the winning bids 10 + 8 = 18 against a target of 12.
    np.testing.assert_allclose(full, values * 12 / 18)


@pytest.mark.parametrize("pricing", [Pricing.UNIFORM, Pricing.VCG, Pricing.NONE])
def test_pacer_forecasts_price_times_units_unless_winners_pay_their_bids(pricing):
    values = np.array([[10.0, 8.0, 6.0]])
    view = make_view(
        values,
        budget=120.0,
        weeks_left_in_quarter=10,
        last_price=7.0,
        pricing=pricing,
        params=BiddingParams(pace_smoothing=0.0),
    )
    # Two units are valued at least 7: 7 x 2 = 14 against a target of 12.
    np.testing.assert_allclose(BudgetPacer().bid(view, None), values * 12 / 14)


def test_pacer_without_a_price_forecast_paces_on_total_value():
    values = np.array([[10.0, 8.0, 6.0]])
    view = make_view(
        values, budget=48.0, weeks_left_in_quarter=4, params=BiddingParams(pace_smoothing=0.0)
    )
    np.testing.assert_allclose(BudgetPacer().bid(view, None), values * 12 / 24)


#: Learners that shade what a tranche is worth before spending on it (tested apart).
SHADING_LEARNERS = {"hedge", "hedge_by_unit", "roth_erev"}


@pytest.mark.parametrize("name", sorted(set(STRATEGIES) - SHADING_LEARNERS))
def test_every_builtin_spends_the_forecast_price_per_worthwhile_tranche_under_proportional_share(
    name,
):
    values = np.array([[10.0, 8.0, 6.0, 0.0]])
    view = make_view(
        values, budget=200.0, last_price=7.0, weeks_left_in_quarter=10, pricing=Pricing.PROPORTIONAL
    )
    bids = STRATEGIES[name]().bid(view, np.random.default_rng(0))
    # Money, not values: the same forecast price on each bid tranche, nothing on the worthless one.
    positive = bids[bids > 0.0]
    assert positive.size >= 1
    np.testing.assert_allclose(positive, 7.0)
    assert bids[0, 3] == 0.0


def test_the_price_forecast_defaults_to_the_last_price_and_drives_price_takers():
    assert make_view([[1.0]], last_price=4.0).price_forecast == 4.0
    assert make_view([[1.0]]).price_forecast is None
    view = make_view(
        [[10.0, 8.0, 6.0]], last_price=9.0, price_forecast=7.0, pricing=Pricing.PROPORTIONAL
    )
    # A price-taker spends the forecast (7) on each tranche worth it, not last week's 9.
    np.testing.assert_allclose(Truthful().bid(view, None), [[7.0, 7.0, 0.0]])


def test_truthful_bids_values_within_budget():
    values = np.array([[10.0, 8.0, 6.0]])
    np.testing.assert_array_equal(Truthful().bid(make_view(values), None), values)
    np.testing.assert_array_equal(
        Truthful().bid(make_view(values, budget=12.0), None), [[10.0, 2.0, 0.0]]
    )


def test_strategies_handle_ten_thousand_teams():
    n, k = 10_000, 8
    rng = np.random.default_rng(0)
    values = -np.sort(-rng.random((n, k)) * 10, axis=1)
    view = make_view(
        values,
        budget=rng.random(n) * 40,
        stress=rng.random(n),
        lost_last=rng.random(n) < 0.5,
        last_price=3.0,
        weeks_left_in_quarter=5,
    )
    for cls in STRATEGIES.values():
        assert cls().bid(view, rng).shape == (n, k)
