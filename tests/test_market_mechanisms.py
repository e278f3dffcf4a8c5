"""Hand-worked examples, edge cases and input errors for every market mechanism."""

from __future__ import annotations

import numpy as np
import pytest

import market
from market.book import trim_to_budgets

# A shared book: bidder 0 bids 9 then 4, bidder 1 bids 7 then 6, bidder 2 bids 5 for one unit.
BOOK = [[9.0, 4.0], [7.0, 6.0], [5.0, 0.0]]
# Demands (number of positive bids) 3, 1 and 2.
DEMANDS_312 = [[5.0, 4.0, 3.0], [6.0, 0.0, 0.0], [2.0, 1.0, 0.0]]

# Every registered mechanism must appear here with at least one hand-worked case; the
# coverage test below fails the moment a mechanism is registered without one.
HAND_WORKED: dict[str, list[dict]] = {
    "pay_as_bid": [
        # S=3: the three highest bids are 9 (b0), 7 and 6 (b1); 5 and 4 are rejected.
        # Each winner pays its own winning bids: b0 9, b1 7+6 = 13.
        dict(bids=BOOK, supply=3, alloc=[1, 2, 0], pay=[9, 13, 0], price=None),
        # Reserve 5.5 drops 4 and 5: the remaining 9, 7, 6 all win at their bids.
        dict(bids=BOOK, supply=3, reserve=5.5, alloc=[1, 2, 0], pay=[9, 13, 0], price=None),
        # Fractional supply 2.7 means 2 whole units: 9 and 7 win.
        dict(bids=BOOK, supply=2.7, alloc=[1, 1, 0], pay=[9, 7, 0], price=None),
    ],
    "uniform_price": [
        # Same winners; the highest rejected bid is 5, so every unit costs 5: b0 5, b1 2*5.
        dict(bids=BOOK, supply=3, alloc=[1, 2, 0], pay=[5, 10, 0], price=5.0),
        # Reserve 5.5: bids 5 and 4 are dropped, nothing is rejected, so the price is 5.5.
        dict(bids=BOOK, supply=3, reserve=5.5, alloc=[1, 2, 0], pay=[5.5, 11, 0], price=5.5),
        # Supply 1: only 9 wins; the highest rejected bid is 7.
        dict(bids=BOOK, supply=1, alloc=[1, 0, 0], pay=[7, 0, 0], price=7.0),
    ],
    "vickrey": [
        # S=3, winners 9 | 7, 6; rejected 5 (b2), 4 (b0). b0 displaces the best rival
        # rejected bid, 5. b1 displaces the two best rival rejected bids, 5 + 4 = 9.
        # Check by VCG: others' welfare without b1 = 9+5+4 = 18, with b1 = 9 -> 9.
        dict(bids=BOOK, supply=3, alloc=[1, 2, 0], pay=[5, 9, 0], price=None),
        # Reserve 4.5 drops the 4: rejected is only 5. b0 pays 5; b1 pays 5 + the reserve
        # 4.5 (the seller keeps a unit worth 4.5) = 9.5. VCG: without b1 the others get
        # 9 + 5 + 4.5 (retained) = 18.5, with b1 they get 9 -> 9.5.
        dict(bids=BOOK, supply=3, reserve=4.5, alloc=[1, 2, 0], pay=[5, 9.5, 0], price=None),
        # One unit: second-price auction; 9 wins and pays the second-highest bid, 7.
        dict(bids=[9.0, 7.0, 5.0], supply=1, alloc=[1, 0, 0], pay=[7, 0, 0], price=None),
    ],
    "proportional_share": [
        # Money bids are row totals w = 13, 13, 5; sum 31. Shares x = w/31*3.
        # Everyone pays its own total; price = 31/3 per unit.
        dict(
            bids=BOOK,
            supply=3,
            alloc=[39 / 31, 39 / 31, 15 / 31],
            pay=[13, 13, 5],
            price=31 / 3,
        ),
        # Reserve 8 drops every bid but b0's 9: w = 9, reserve*S = 24 > 9, so b0 gets
        # 9/24*3 = 1.125 units (i.e. pays 8 per unit) and the price is the reserve, 8.
        dict(bids=BOOK, supply=3, reserve=8, alloc=[1.125, 0, 0], pay=[9, 0, 0], price=8.0),
    ],
    "committee": [
        # Demands 2, 2, 1; weights 3, 1, 0.5; S=3. Level l with 3l + l + 0.5l = 3 -> 2/3:
        # shares 2, 2/3, 1/3 (b0 exactly at its demand). Floors 2, 0, 0 leave one unit; the
        # largest remainder is b1's 2/3, so the result is 2, 1, 0.
        dict(bids=BOOK, supply=3, weights=[3, 1, 0.5], alloc=[2, 1, 0], pay=[0, 0, 0]),
        # Weights 4, 1, 1 and S=4: l*6 = 4 gives b0 8/3 > 2, so b0 is capped at 2; the other
        # 2 units go to weights 1, 1 -> level 1: shares 2, 1, 1.
        dict(bids=BOOK, supply=4, weights=[4, 1, 1], alloc=[2, 1, 1], pay=[0, 0, 0]),
    ],
    "equal_share": [
        # Demands 3, 1, 2; S=6; m=3 bidders -> 2 each, capped at demand: 2, 1, 2. The unit
        # b1 cannot use stays idle (max_min_fair would give it to b0).
        dict(bids=DEMANDS_312, supply=6, alloc=[2, 1, 2], pay=[0, 0, 0]),
        # S=3: 1 each, no remainder.
        dict(bids=DEMANDS_312, supply=3, alloc=[1, 1, 1], pay=[0, 0, 0]),
    ],
    "max_min_fair": [
        # Demands 3, 1, 2; S=6: level 3 uses min(3,3)+min(1,3)+min(2,3) = 6 -> 3, 1, 2.
        dict(bids=DEMANDS_312, supply=6, alloc=[3, 1, 2], pay=[0, 0, 0]),
        # S=5: level 2 uses 2+1+2 = 5 exactly -> 2, 1, 2.
        dict(bids=DEMANDS_312, supply=5, alloc=[2, 1, 2], pay=[0, 0, 0]),
    ],
    "lottery": [
        # Total demand 6 <= S=7: everyone is served in full whatever the order.
        dict(bids=DEMANDS_312, supply=7, alloc=[3, 1, 2], pay=[0, 0, 0]),
        # One bidder: it is first in any order and takes 2 of its 3 units.
        dict(bids=[[5.0, 4.0, 3.0]], supply=2, alloc=[2], pay=[0]),
    ],
}


def test_every_registered_mechanism_has_hand_worked_examples():
    assert set(HAND_WORKED) == set(market.MECHANISMS)


@pytest.mark.parametrize(
    ("name", "case"),
    [(name, case) for name, cases in HAND_WORKED.items() for case in cases],
)
def test_hand_worked_example(name, case):
    out = market.clear(
        name,
        case["bids"],
        case["supply"],
        reserve=case.get("reserve", 0.0),
        weights=case.get("weights"),
        rng=np.random.default_rng(0),
    )
    np.testing.assert_allclose(out.allocation, case["alloc"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(out.payments, case["pay"], rtol=1e-12, atol=1e-12)
    if case.get("price") is None:
        assert out.price is None
    else:
        assert out.price == pytest.approx(case["price"], rel=1e-12)
    assert out.mechanism == name


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


def test_registering_a_taken_name_fails():
    with pytest.raises(ValueError, match="already registered"):
        market.register(
            "vickrey", truthful=True, uses_money=True, divisible=False, description="dup"
        )(lambda book, rng: None)
    with pytest.raises(ValueError, match="already registered"):
        market.register(
            "second_price", truthful=True, uses_money=True, divisible=False, description="dup"
        )(lambda book, rng: None)


def test_mechanism_metadata_matches_theory():
    mech = market.MECHANISMS
    assert mech["vickrey"].truthful and not mech["uniform_price"].truthful
    assert not mech["pay_as_bid"].truthful and not mech["proportional_share"].truthful
    assert {n for n, m in mech.items() if m.uses_money} == {
        "pay_as_bid",
        "uniform_price",
        "vickrey",
        "proportional_share",
    }
    assert {n for n, m in mech.items() if m.divisible} == {"proportional_share"}
    assert all(m.description and m.name == n for n, m in mech.items())


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


def test_clear_does_not_modify_the_callers_arrays():
    bids = np.array(BOOK)
    budgets = np.array([5.0, 100.0, 1.0])
    for name in market.MECHANISMS:
        market.clear(name, bids, 3, reserve=4.5, budgets=budgets)
    np.testing.assert_array_equal(bids, BOOK)
    np.testing.assert_array_equal(budgets, [5.0, 100.0, 1.0])
    assert bids.flags.writeable


def test_outcome_arrays_have_one_float_entry_per_bidder():
    for name in market.MECHANISMS:
        out = market.clear(name, BOOK, 3)
        assert out.allocation.shape == out.payments.shape == (3,)
        assert out.allocation.dtype == out.payments.dtype == np.float64


# ---------------------------------------------------------------- edge cases

ALL = list(market.MECHANISMS)


@pytest.mark.parametrize("name", ALL)
def test_zero_supply_allocates_nothing_and_charges_nothing(name):
    out = market.clear(name, BOOK, 0)
    assert out.allocation.tolist() == [0, 0, 0]
    assert out.payments.tolist() == [0, 0, 0]


@pytest.mark.parametrize("name", ALL)
def test_supply_below_one_unit_allocates_nothing_for_indivisible_rules(name):
    out = market.clear(name, BOOK, 0.9)
    if market.MECHANISMS[name].divisible:
        assert out.allocated == pytest.approx(0.9)
    else:
        assert out.allocated == 0 and out.revenue == 0


def test_zero_supply_prices():
    # Uniform price is the highest rejected bid: with no units every bid is rejected.
    assert market.clear("uniform_price", BOOK, 0).price == 9.0
    assert market.clear("proportional_share", BOOK, 0).price is None


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("bids", [np.zeros((0, 3)), [], np.zeros((0, 0))])
def test_no_bidders_gives_empty_arrays(name, bids):
    out = market.clear(name, bids, 5, reserve=1.0, budgets=[], weights=[])
    assert out.allocation.shape == out.payments.shape == (0,)


def test_no_bidders_prices():
    assert market.clear("uniform_price", [], 5, reserve=2.0).price == 2.0
    assert market.clear("uniform_price", [], 5).price == 0.0
    assert market.clear("proportional_share", [], 5, reserve=2.0).price == 2.0
    assert market.clear("vickrey", [], 5).price is None


@pytest.mark.parametrize("name", ALL)
def test_all_zero_bids_win_nothing(name):
    out = market.clear(name, np.zeros((4, 3)), 5)
    assert out.allocated == 0 and out.revenue == 0


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


@pytest.mark.parametrize("name", [n for n in ALL if n not in ("equal_share", "proportional_share")])
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


@pytest.mark.parametrize("name", ALL)
def test_one_dimensional_bids_mean_one_unit_each(name):
    flat = [4.0, 0.0, 7.0, 2.0]
    column = [[4.0], [0.0], [7.0], [2.0]]
    a = market.clear(name, flat, 2, rng=np.random.default_rng(5))
    b = market.clear(name, column, 2, rng=np.random.default_rng(5))
    assert a == b
    if not market.MECHANISMS[name].divisible:
        assert set(a.allocation.tolist()) <= {0.0, 1.0}
        assert a.allocation[1] == 0  # a zero bid is no bid


def test_zero_columns_means_no_bids():
    for name in ALL:
        out = market.clear(name, np.zeros((3, 0)), 4)
        assert out.allocated == 0 and out.revenue == 0


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


def test_budget_caps_every_money_rule():
    budgets = [10.0, 5.0, 100.0]
    for name in ("pay_as_bid", "uniform_price", "vickrey", "proportional_share"):
        out = market.clear(name, BOOK, 3, budgets=budgets)
        assert np.all(out.payments <= np.array(budgets) + 1e-12), name


def test_uniform_price_with_budgets_example():
    # Trimmed rows: b0 [9, 1] (budget 10), b1 [5, 0] (budget 5), b2 [5]. S=3: 9, 5, 5 win,
    # 1 is rejected, so the price is 1.
    out = market.clear("uniform_price", BOOK, 3, budgets=[10.0, 5.0, 100.0])
    assert out.allocation.tolist() == [1, 1, 1]
    assert out.price == 1.0


def test_rules_without_money_ignore_budgets_and_reserve():
    for name in ("committee", "equal_share", "max_min_fair", "lottery"):
        plain = market.clear(name, DEMANDS_312, 4)
        capped = market.clear(name, DEMANDS_312, 4, budgets=[0.0, 0.0, 0.0], reserve=100)
        assert plain == capped


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


def test_validation_errors_come_before_any_work_for_every_mechanism():
    for name in ALL:
        with pytest.raises(ValueError, match="increases"):
            market.clear(name, [[1.0, 2.0]], 1)
