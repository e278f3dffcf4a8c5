"""Hand-worked examples, edge cases and input errors of the named market mechanisms.

What must hold for every registered mechanism (its hand-worked examples, zero supply, no
bidders, all-zero bids, validation first, ...) is in ``tests/mechanism_contract.py`` and runs
from ``tests/test_market_properties.py``, one class per mechanism.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import market
from market.book import trim_to_budgets

# A shared book: bidder 0 bids 9 then 4, bidder 1 bids 7 then 6, bidder 2 bids 5 for one unit.
BOOK = [[9.0, 4.0], [7.0, 6.0], [5.0, 0.0]]
# Demands (number of positive bids) 3, 1 and 2.
DEMANDS_312 = [[5.0, 4.0, 3.0], [6.0, 0.0, 0.0], [2.0, 1.0, 0.0]]


def test_a_wrong_example_is_reported_with_what_was_expected():
    rule = market.MECHANISMS["uniform_price"]
    wrong = market.Example(BOOK, 3, allocation=(1, 2, 0), payments=(9, 13, 0), price=5.0)
    broken = dataclasses.replace(rule, examples=(wrong,))
    problems = broken.check_examples()
    assert problems == ["uniform_price example 0: payments [5.0, 10.0, 0.0], expected [9, 13, 0]"]


# ---------------------------------------------------------------- registry and API


def test_aliases_resolve_to_canonical_names():
    assert market.resolve_mechanism("first_price") == "pay_as_bid"
    assert market.resolve_mechanism("second_price") == "vickrey"
    assert market.resolve_mechanism("Second-Price") == "vickrey"
    assert market.resolve_mechanism(" Uniform Price ") == "uniform_price"
    assert market.clear("second_price", BOOK, 3).mechanism == "vickrey"


def test_unknown_mechanism_message_lists_valid_names():
    with pytest.raises(ValueError, match="unknown") as info:
        market.clear("dutch_auction", BOOK, 3)
    message = str(info.value)
    assert "'dutch_auction'" in message
    for name in market.MECHANISMS:
        assert name in message
    assert "first_price -> pay_as_bid" in message


def test_non_string_mechanism_is_rejected():
    with pytest.raises(ValueError, match="unknown"):
        market.resolve_mechanism(3)


EXAMPLE = market.Example([[1.0]], 1, allocation=[1], payments=[0])
META = dict(label="L", pricing="none", truthful=True, divisible=False, description="d")


def test_registering_a_taken_name_fails():
    with pytest.raises(ValueError, match="already registered"):
        market.register("vickrey", **META, examples=[EXAMPLE])
    with pytest.raises(ValueError, match="already registered"):
        market.register("second_price", **META, examples=[EXAMPLE])


@pytest.mark.parametrize(
    ("changes", "pattern"),
    [
        ({"examples": []}, "hand-worked"),
        ({"pricing": "auction"}, "pricing = 'auction' is unknown; allowed: discriminatory"),
        ({"label": ""}, "label and description"),
    ],
)
def test_registering_without_what_the_rest_of_the_code_needs_fails(changes, pattern):
    kwargs = {**META, "examples": [EXAMPLE], **changes}
    with pytest.raises(ValueError, match=pattern):
        market.register("throwaway_rule", **kwargs)
    assert "throwaway_rule" not in market.MECHANISMS


def test_pricing_kind_says_who_pays_what():
    kinds = {n: m.pricing.value for n, m in market.MECHANISMS.items()}
    assert kinds["pay_as_bid"] == "discriminatory"
    assert kinds["uniform_price"] == "uniform"
    assert kinds["vickrey"] == "vcg"
    assert kinds["proportional_share"] == "proportional"
    assert all(kinds[n] == "none" for n in ("committee", "equal_share", "max_min_fair", "lottery"))


def test_mechanism_metadata_matches_theory():
    mech = market.MECHANISMS
    assert mech["vickrey"].truthful and not mech["uniform_price"].truthful
    assert not mech["pay_as_bid"].truthful and not mech["proportional_share"].truthful
    assert not mech["ascending_clock"].truthful  # uniform pricing: demand reduction pays
    assert {n for n, m in mech.items() if m.uses_money} == {
        "pay_as_bid",
        "uniform_price",
        "vickrey",
        "proportional_share",
        "ascending_clock",
    }
    assert {n for n, m in mech.items() if m.divisible} == {"proportional_share"}
    assert all(m.description and m.label and m.name == n for n, m in mech.items())


def test_calling_a_mechanism_equals_clear():
    rng_a, rng_b = np.random.default_rng(3), np.random.default_rng(3)
    via_call = market.MECHANISMS["lottery"](DEMANDS_312, 4, rng=rng_a)
    via_clear = market.clear("lottery", DEMANDS_312, 4, rng=rng_b)
    assert via_call == via_clear


def test_calling_a_mechanism_validates_input():
    with pytest.raises(ValueError, match="supply"):
        market.MECHANISMS["vickrey"](BOOK, -1)


def test_outcome_is_read_only_and_summarises():
    out = market.clear("pay_as_bid", BOOK, 3)
    with pytest.raises(ValueError):
        out.allocation[0] = 5
    assert out.revenue == 22.0
    assert out.allocated == 3.0
    assert out.n_bidders == 3
    assert out.winners.tolist() == [True, True, False]
    assert out.average_price == pytest.approx(22 / 3)
    assert market.clear("pay_as_bid", BOOK, 0).average_price is None


def test_outcome_equality_compares_contents():
    a = market.clear("vickrey", BOOK, 3)
    b = market.clear("vickrey", np.array(BOOK), 3.0)
    c = market.clear("vickrey", BOOK, 2)
    assert a == b
    assert a != c
    assert a != "vickrey"


# ---------------------------------------------------------------- edge cases


def test_zero_supply_prices():
    # Uniform price is the highest rejected bid: with no units every bid is rejected.
    assert market.clear("uniform_price", BOOK, 0).price == 9.0
    assert market.clear("proportional_share", BOOK, 0).price is None


def test_no_bidders_prices():
    assert market.clear("uniform_price", [], 5, reserve=2.0).price == 2.0
    assert market.clear("uniform_price", [], 5).price == 0.0
    assert market.clear("proportional_share", [], 5, reserve=2.0).price == 2.0
    assert market.clear("vickrey", [], 5).price is None


def test_all_zero_bids_price_is_the_reserve():
    assert market.clear("uniform_price", np.zeros((4, 3)), 5, reserve=1.5).price == 1.5
    assert market.clear("proportional_share", np.zeros((4, 3)), 5, reserve=1.5).price == 1.5
    assert market.clear("proportional_share", np.zeros((4, 3)), 5).price == 0.0


@pytest.mark.parametrize(
    ("name", "payment"),
    [
        ("pay_as_bid", 8.0),  # its own bids 5 + 3
        ("uniform_price", 2.0),  # highest rejected bid is its own third bid, 1, per unit
        ("vickrey", 0.0),  # it displaces nobody (no rivals, no reserve)
        ("proportional_share", 9.0),  # its whole money bid 5 + 3 + 1, for all the supply
    ],
)
def test_one_bidder_money_rules(name, payment):
    out = market.clear(name, [[5.0, 3.0, 1.0]], 2)
    assert out.allocation.tolist() == [2.0]
    assert out.payments.tolist() == [payment]


def test_one_bidder_vickrey_pays_the_reserve_per_unit():
    out = market.clear("vickrey", [[5.0, 3.0, 1.0]], 2, reserve=2.0)
    assert out.allocation.tolist() == [2.0]
    assert out.payments.tolist() == [4.0]


@pytest.mark.parametrize("name", ["committee", "equal_share", "max_min_fair", "lottery"])
def test_one_bidder_rules_without_money(name):
    out = market.clear(name, [[5.0, 3.0, 1.0]], 2)
    assert out.allocation.tolist() == [2.0]
    assert out.payments.tolist() == [0.0]


# Every indivisible money rule must serve every bid here too (see mechanism_contract.py);
# equal_share is deliberately wasteful and leaves units idle (next test).
@pytest.mark.parametrize("name", ["committee", "max_min_fair", "lottery"])
def test_supply_above_total_demand_serves_every_bid(name):
    out = market.clear(name, DEMANDS_312, 100)
    assert out.allocation.tolist() == [3, 1, 2]


def test_supply_above_demand_prices_and_payments():
    # Nothing is rejected: the uniform price is the reserve and VCG charges the reserve.
    assert market.clear("uniform_price", DEMANDS_312, 100, reserve=1).payments.tolist() == [
        3,
        1,
        2,
    ]
    assert market.clear("vickrey", DEMANDS_312, 100, reserve=0.5).payments.tolist() == [
        1.5,
        0.5,
        1.0,
    ]
    assert market.clear("pay_as_bid", DEMANDS_312, 100).payments.tolist() == [12, 6, 3]


def test_equal_share_leaves_surplus_idle_when_supply_exceeds_demand():
    # m=3, S=100 -> 33 or 34 each, capped at demands 3, 1, 2: only 6 of 100 units are used.
    out = market.clear("equal_share", DEMANDS_312, 100)
    assert out.allocation.tolist() == [3, 1, 2]
    # With a large demand next to small ones the cap bites: S=6 gives 2 each, so b0 (demand
    # 5) gets 2 and 1 unit stays idle, whereas max-min fairness passes it on.
    bids = [[1.0] * 5, [1.0, 0, 0, 0, 0], [1.0, 1.0, 0, 0, 0]]
    assert market.clear("equal_share", bids, 6).allocation.tolist() == [2, 1, 2]
    assert market.clear("max_min_fair", bids, 6).allocation.tolist() == [3, 1, 2]


def test_proportional_share_ignores_the_unit_structure():
    # Kelly reads only money: a lone bidder asking for one unit receives all the supply.
    out = market.clear("proportional_share", [[5.0]], 10)
    assert out.allocation.tolist() == [10.0]
    assert out.payments.tolist() == [5.0]
    assert out.price == 0.5


def test_non_contiguous_bids_are_accepted():
    bids = np.asfortranarray(np.array(BOOK))
    assert market.clear("vickrey", bids, 3) == market.clear("vickrey", BOOK, 3)


# ---------------------------------------------------------------- ties and randomness


def test_tie_at_the_cutoff_is_broken_at_random_and_fairly():
    wins = np.zeros(3)
    for seed in range(300):
        out = market.clear("uniform_price", [5.0, 5.0, 5.0], 1, rng=np.random.default_rng(seed))
        assert out.allocated == 1 and out.price == 5.0
        wins += out.allocation
    # Each bidder wins with probability 1/3: 100 of 300, sd about 8.2.
    assert np.all(np.abs(wins - 100) < 40), wins


def test_bids_above_a_tie_at_the_cutoff_always_win():
    # S=3: the 6 always wins; two of the four 5s win, chosen at random.
    seen = set()
    for seed in range(60):
        out = market.clear(
            "pay_as_bid", [[6.0, 5.0], [5.0, 5.0], [5.0, 0.0]], 3, rng=np.random.default_rng(seed)
        )
        assert out.allocation[0] >= 1
        assert out.allocated == 3 and out.revenue == 16.0
        seen.add(tuple(out.allocation.tolist()))
    assert seen == {(2.0, 1.0, 0.0), (2.0, 0.0, 1.0), (1.0, 2.0, 0.0), (1.0, 1.0, 1.0)}


def test_rng_none_is_a_fixed_default():
    a = market.clear("lottery", DEMANDS_312, 3)
    b = market.clear("lottery", DEMANDS_312, 3, rng=np.random.default_rng(0))
    assert a == b


def test_lottery_serves_in_the_permutation_order():
    # Documented rule: order = rng.permutation(n); each takes its full demand in turn.
    demand = np.array([3, 1, 2])
    for seed in range(10):
        order = np.random.default_rng(seed).permutation(3)
        expected = np.zeros(3)
        left = 4
        for i in order:
            expected[i] = min(demand[i], left)
            left -= expected[i]
        out = market.clear("lottery", DEMANDS_312, 4, rng=np.random.default_rng(seed))
        assert out.allocation.tolist() == expected.tolist()


def test_lottery_gives_everyone_a_chance():
    firsts = sum(
        market.clear("lottery", [1.0, 1.0], 1, rng=np.random.default_rng(s)).allocation[0]
        for s in range(200)
    )
    assert 60 < firsts < 140  # p = 1/2, sd about 7


def test_max_min_fair_leftover_goes_to_an_unsatisfied_bidder():
    # Demands 3, 1, 2 with S=4: level 1 uses 3 units; the 4th goes to b0 or b2 (not b1, who
    # is satisfied).
    seen = set()
    for seed in range(40):
        out = market.clear("max_min_fair", DEMANDS_312, 4, rng=np.random.default_rng(seed))
        seen.add(tuple(out.allocation.tolist()))
    assert seen == {(2.0, 1.0, 1.0), (1.0, 1.0, 2.0)}


def test_equal_share_remainder_goes_to_random_bidders():
    seen = set()
    for seed in range(40):
        out = market.clear("equal_share", [[1.0] * 3] * 3, 4, rng=np.random.default_rng(seed))
        assert sorted(out.allocation.tolist()) == [1.0, 1.0, 2.0]
        seen.add(tuple(out.allocation.tolist()))
    assert len(seen) == 3


def test_committee_with_equal_weights_is_max_min_fair():
    bids = [[1.0] * 4, [1.0] * 1 + [0.0] * 3, [1.0] * 3 + [0.0]]
    for supply in range(9):
        out = market.clear("committee", bids, supply)
        mmf = market.clear("max_min_fair", bids, supply)
        assert sorted(out.allocation.tolist()) == sorted(mmf.allocation.tolist())


def test_committee_favours_heavier_weights():
    out = market.clear("committee", [[1.0] * 10] * 2, 10, weights=[4.0, 1.0])
    assert out.allocation.tolist() == [8.0, 2.0]


# ---------------------------------------------------------------- budgets


def test_budget_trims_rows_from_the_last_unit():
    bids = np.array([[9.0, 4.0, 2.0], [7.0, 6.0, 0.0]])
    trimmed = trim_to_budgets(bids, np.array([11.0, 100.0]))
    # Row 0: 9 fits, 9+4 = 13 > 11 so the second unit is cut to 11-9 = 2, the third dropped.
    np.testing.assert_array_equal(trimmed, [[9.0, 2.0, 0.0], [7.0, 6.0, 0.0]])
    assert trim_to_budgets(bids, np.array([np.inf, 13.0])) is bids


def test_uniform_price_with_budgets_example():
    # Trimmed rows: b0 [9, 1] (budget 10), b1 [5, 0] (budget 5), b2 [5]. S=3: 9, 5, 5 win,
    # 1 is rejected, so the price is 1.
    out = market.clear("uniform_price", BOOK, 3, budgets=[10.0, 5.0, 100.0])
    assert out.allocation.tolist() == [1, 1, 1]
    assert out.price == 1.0


# ---------------------------------------------------------------- input errors


@pytest.mark.parametrize(
    ("bids", "pattern"),
    [
        ([[1.0, np.nan]], r"bids\[0, 1\] = nan .*finite numbers >= 0"),
        ([[1.0, 0.5], [np.inf, 1.0]], r"bids\[1, 0\] = inf .*finite"),
        ([2.0, -1.0], r"bids\[1\] = -1.0 .*>= 0"),
        ([[3.0, 1.0], [1.0, 2.0]], r"row 1 increases .*bids\[1, 0\] = 1.0.*bids\[1, 1\] = 2.0"),
        ([[[1.0]]], r"1-D .* or 2-D .*got a 3-D array of shape \(1, 1, 1\)"),
        (5.0, r"got a 0-D array"),
        ([["a", "b"]], r"bids must be a 1-D or 2-D array of numbers"),
        ([[1.0, 2.0], [3.0]], r"bids must be a 1-D or 2-D array of numbers"),
    ],
)
def test_bad_bids_are_rejected_with_a_precise_message(bids, pattern):
    with pytest.raises(ValueError, match=pattern):
        market.clear("vickrey", bids, 1)


def test_increase_across_rows_is_not_an_error():
    # The end of one row and the start of the next are different bidders.
    out = market.clear("pay_as_bid", [[1.0, 0.0], [5.0, 4.0]], 2)
    assert out.allocation.tolist() == [0, 2]


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        (dict(supply=-1), r"supply must be a finite number >= 0 .*got -1"),
        (dict(supply=np.nan), r"supply must be .*got nan"),
        (dict(supply=np.inf), r"supply must be a finite number"),
        (dict(supply="3"), r"supply must be .*got '3'"),
        (dict(supply=[3]), r"supply must be .*got \[3\]"),
        (dict(supply=3, reserve=-0.5), r"reserve must be a finite number >= 0 .*got -0.5"),
        (dict(supply=3, reserve=np.nan), r"reserve must be"),
        (dict(supply=3, budgets=[1, 2]), r"budgets must have shape \(3,\).*got shape \(2,\)"),
        (dict(supply=3, budgets=[1, -2, 3]), r"budgets\[1\] = -2.0 .*>= 0"),
        (dict(supply=3, budgets=[1, np.nan, 3]), r"budgets\[1\] = nan"),
        (dict(supply=3, budgets="abc"), r"budgets must be a 1-D array of numbers"),
        (dict(supply=3, weights=[1, 0, 1]), r"weights\[1\] = 0.0 .*finite numbers > 0"),
        (dict(supply=3, weights=[1, 1, np.inf]), r"weights\[2\] = inf"),
        (dict(supply=3, weights=[[1, 1, 1]]), r"weights must have shape \(3,\)"),
        (dict(supply=3, rng=42), r"rng must be a numpy.random.Generator or None; got int"),
    ],
)
def test_bad_arguments_are_rejected_with_a_precise_message(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        market.clear("committee", BOOK, **kwargs)


def test_reported_demand_replaces_the_count_of_bids_for_rules_without_money():
    wants_more = [[5.0, 4.0, 3.0], [6.0, 5.0, 1.0], [2.0, 1.0, 1.0]]
    by_bids = market.clear("max_min_fair", wants_more, 6)
    by_need = market.clear("max_min_fair", wants_more, 6, demand=[1, 1, 2])
    assert by_bids.allocation.tolist() == [2, 2, 2]
    assert by_need.allocation.tolist() == [1, 1, 2]
    money = market.clear("uniform_price", wants_more, 6, demand=[1, 1, 2])
    assert money == market.clear("uniform_price", wants_more, 6)  # auctions read bids


@pytest.mark.parametrize("demand", [[1, -1, 2], [1, 0.5, 2], [1, float("nan"), 2], [1, 2]])
def test_bad_reported_demand_is_refused_naming_the_entry(demand):
    with pytest.raises(ValueError, match="demand"):
        market.clear("equal_share", BOOK, 3, demand=demand)
