"""The ascending clock and the finish-time fair rule: their own properties, and the game's wiring.

The contract every rule satisfies runs over both from ``tests/test_market_properties.py``;
here are what is particular to them: the clock's efficiency and price, its activity rule
and rationing, the demand reduction that makes it not truthful; finish-time fairness
serving the teams furthest behind first, within their needs, equals evenly; the clearing
phase handing each team's ρ to the rule; and seeded 52-week runs of both from the CLI.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from mechanism_contract import SETTINGS, books, clear_book

import market
from agents.valuation import Situation
from crunch.cli import main
from game import ComputeGame, load_scenario
from game.world.phases.clearing import clear_pool
from game.world.situation import situation
from game.world.welfare import RHO_CAP, team_rho
from market.book import make_book
from market.clock import clock_demand

ROOT = Path(__file__).resolve().parents[1]
CLOCK = "ascending_clock"
FAIR = "finish_time_fair"


def _clock(bids, supply, seed=0, **kw) -> market.Outcome:
    return market.clear(CLOCK, bids, supply, rng=np.random.default_rng(seed), **kw)


def _fair(demand, rho, supply, seed=0) -> market.Outcome:
    demand = np.asarray(demand, dtype=float)
    return market.clear(
        FAIR,
        np.ones((demand.size, 1)),
        supply,
        demand=demand,
        weights=rho,
        rng=np.random.default_rng(seed),
    )


# ---------------------------------------------------------------- ascending clock


@SETTINGS
@given(book=books(distinct=True, extras=False), data=st.data())
def test_truthful_clock_wins_the_highest_values_at_a_price_between_the_kth_and_next(book, data):
    bids = book["bids"]
    values = np.sort(bids[bids > 0])[::-1]
    if values.size < 2:
        return
    k = data.draw(st.integers(1, values.size - 1))
    out = _clock(bids, k)
    won = np.where(np.arange(bids.shape[1])[None, :] < out.allocation[:, None], bids, 0.0)
    np.testing.assert_allclose(np.sort(won[won > 0])[::-1], values[:k])  # efficient
    assert values[k] <= out.price <= values[k - 1]
    np.testing.assert_allclose(out.payments, out.allocation * out.price)


def test_clock_that_never_has_to_rise_charges_the_reserve():
    out = _clock([[9.0, 4.0], [7.0, 6.0], [5.0, 0.0]], 10, reserve=3.0)
    assert out.allocation.tolist() == [2, 2, 1]
    assert out.price == 3.0 and out.payments.tolist() == [6, 6, 3]


def test_budget_limited_demand_falls_step_by_step_and_never_rises():
    prices = [1.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0, 7.0, 10.0, 11.0]
    # Four units valued 10 and a budget of 12: min(4, floor(12 / p)) while p <= 10.
    answers = [int(clock_demand([[10.0] * 4], [12.0], p)[0]) for p in prices]
    assert answers == [4, 4, 4, 3, 3, 2, 2, 1, 1, 0]


@SETTINGS
@given(
    rows=st.lists(st.lists(st.floats(0.0, 50.0), min_size=4, max_size=4), min_size=1, max_size=5),
    budgets=st.lists(st.floats(0.0, 120.0), min_size=5, max_size=5),
    prices=st.lists(st.floats(0.01, 60.0), min_size=2, max_size=12),
)
def test_activity_rule_no_bidder_demands_more_at_a_higher_price(rows, budgets, prices):
    bids = -np.sort(-np.array(rows), axis=1)
    caps = np.array(budgets[: bids.shape[0]])
    ladder = np.sort(prices)
    demand = np.array([clock_demand(bids, caps, p) for p in ladder])  # (prices, bidders)
    assert np.all(np.diff(demand, axis=0) <= 0)
    wanted = (bids[None, :, :] >= ladder[:, None, None]).sum(axis=2)
    affords = np.floor(caps[None, :] / ladder[:, None] + 1e-9)
    assert np.all(demand <= np.minimum(wanted, affords))
    assert np.all(demand >= np.minimum(wanted, np.floor(caps[None, :] / ladder[:, None] - 1e-9)))


@SETTINGS
@given(book=books())
def test_no_clock_winner_gets_more_than_it_demands_at_the_final_price(book):
    out = clear_book(CLOCK, book)
    seen = make_book(
        book["bids"], book["supply"], reserve=book["reserve"], budgets=book["budgets"]
    ).priced()
    if out.allocated:
        asked = clock_demand(seen.bids, seen.budgets, out.price)
        assert np.all(out.allocation <= asked)


@pytest.mark.parametrize("seed", range(5))
def test_units_left_at_the_final_price_are_rationed_in_proportion_to_the_drop(seed):
    # Demand is 10 up to 8 and 1 above it (the 10): 6 units left for drops of 6 and 3,
    # shared 6 x 6/9 = 4 and 6 x 3/9 = 2 whatever the seed.
    bids = [[8.0] * 6, [8.0] * 3 + [0.0] * 3, [10.0] + [0.0] * 5]
    out = _clock(bids, 7, seed=seed)
    assert out.allocation.tolist() == [4, 2, 1]
    assert out.price == 8.0


def test_equal_drops_share_the_units_left_at_random_one_each():
    bids = [[9.0], [5.0], [5.0], [5.0]]  # the 9 wins; one unit for three equal drops at 5
    winners = np.zeros(4)
    for seed in range(300):
        out = _clock(bids, 2, seed=seed)
        assert out.allocation[0] == 1 and out.allocated == 2 and out.price == 5.0
        winners += out.allocation
    assert all(60 <= w <= 140 for w in winners[1:])  # each of the three ~100 times


def test_demand_reduction_pays_under_the_clock_so_it_is_not_marked_truthful():
    values = np.array([10.0, 10.0])
    truthful = _clock([values, [6.0, 0.0]], 2)
    reduced = _clock([[10.0, 0.0], [6.0, 0.0]], 2)
    gain_truthful = values[: int(truthful.allocation[0])].sum() - truthful.payments[0]
    gain_reduced = values[: int(reduced.allocation[0])].sum() - reduced.payments[0]
    assert (gain_truthful, gain_reduced) == (8.0, 10.0)  # 2 units at 6 vs 1 unit at 0
    assert not market.MECHANISMS[CLOCK].truthful


# ---------------------------------------------------------------- finish-time fair


@SETTINGS
@given(
    demand=st.lists(st.integers(0, 9), min_size=1, max_size=8),
    rho=st.lists(st.sampled_from([0.5, 1.0, 1.5, 2.0, 10.0]), min_size=8, max_size=8),
    supply=st.integers(0, 80),
    seed=st.integers(0, 2**32 - 1),
)
def test_finish_time_fair_serves_the_worst_rho_first_within_needs(demand, rho, supply, seed):
    need = np.array(demand, dtype=float)
    rho = np.array(rho[: need.size])
    out = _fair(need, rho, supply, seed)
    got = out.allocation
    assert np.all(got <= need) and np.all(got == np.floor(got))
    assert got.sum() == min(supply, need.sum())  # nothing idle while someone needs it
    served = got > 0
    if served.any():
        floor = rho[served].min()
        assert np.all(got[rho > floor] == need[rho > floor])  # worse off: served in full
        assert np.all(got[rho < floor] == 0)


@SETTINGS
@given(
    demand=st.lists(st.integers(0, 9), min_size=1, max_size=8),
    supply=st.integers(0, 60),
    seed=st.integers(0, 2**32 - 1),
)
def test_equal_rho_shares_evenly_as_max_min_fairness_does(demand, supply, seed):
    need = np.array(demand, dtype=float)
    out = _fair(need, np.full(need.size, 2.0), supply, seed)
    unsatisfied = out.allocation < need
    if unsatisfied.any():
        assert out.allocation.max() <= out.allocation[unsatisfied].min() + 1
    plain = market.clear(
        "max_min_fair",
        np.ones((need.size, 1)),
        supply,
        demand=need,
        rng=np.random.default_rng(seed),
    )
    assert out.allocation.tolist() == plain.allocation.tolist()


def test_finish_time_fair_hand_example_worst_first_then_an_even_split():
    # ρ 4 needs 2; ρ 3 needs 5; two at ρ 1.2 need 4 each; ρ 0.5 needs 3. Supply 12: 2 + 5,
    # then 5 left for the ρ 1.2 pair at level 2 with one unit over, to one of them.
    out = _fair([2, 5, 4, 4, 3], [4.0, 3.0, 1.2, 1.2, 0.5], 12, seed=1)
    assert out.allocation[:2].tolist() == [2, 5]
    assert sorted(out.allocation[2:4].tolist()) == [2, 3]
    assert out.allocation[4] == 0 and out.revenue == 0 and out.price is None


def test_finish_time_fair_never_gives_beyond_the_reported_need():
    bids = [[5.0, 4.0, 3.0], [6.0, 5.0, 1.0]]  # both bid for three units
    out = market.clear(FAIR, bids, 6, demand=[1, 2], weights=[3.0, 1.0])
    assert out.allocation.tolist() == [1, 2]


# ---------------------------------------------------------------- the game's wiring


def test_team_rho_is_neutral_for_teams_without_a_running_project():
    sc = load_scenario("lab-2025")
    research = np.array([True, True, True, True, False])
    sit = Situation(
        research=research,
        people=np.full(5, 10.0),
        multiplier=np.ones(5),
        active=np.array([True, True, True, False, False]),
        remaining=np.array([50.0, 50.0, 50.0, np.inf, np.inf]),
        demand=np.full(5, 1.0),
    )
    fair = 4.0  # a fleet of 20 over 5 teams
    rho = team_rho(sit, np.array([0.0, fair, 2 * fair, 0.0, 0.0]), 20.0, sc.research)
    assert rho[0] == RHO_CAP  # starved: it would never finish
    assert rho[1] == pytest.approx(1.0)  # holds exactly its fair share
    assert 0.0 < rho[2] < 1.0  # ahead of schedule
    assert rho[3] == rho[4] == 1.0  # between projects, product team


def test_clear_pool_hands_rho_to_finish_time_fair_and_nothing_else():
    kw = dict(
        kind=np.array(["research"] * 3),
        budgets=np.zeros(3),
        urgency=np.zeros(3),
        demand=np.array([2.0, 2.0, 2.0]),
        values=np.ones((3, 2)),
        rng=np.random.default_rng(0),
    )
    bids = np.zeros((3, 2))
    rho = np.array([1.0, 3.0, 2.0])
    fair = load_scenario("lab-2025", {"market.mechanism": FAIR})
    assert fair.clearing_rule == FAIR
    assert clear_pool(fair, bids, 3, rho=rho, **kw).allocation.tolist() == [0, 2, 1]
    assert clear_pool(fair, bids, 3, **kw).allocation.tolist() == [1, 1, 1]  # all neutral
    mmf = load_scenario("lab-2025", {"market.mechanism": "max_min_fair"})
    assert clear_pool(mmf, bids, 3, rho=rho, **kw).allocation.tolist() == [1, 1, 1]


def test_the_clearing_phase_gives_finish_time_fair_each_teams_rho():
    sc = load_scenario("scarcity", {"market.mechanism": FAIR, "governance.mode": "single_market"})
    model = ComputeGame(sc, rng=4, keep_books=True)
    model.prepare_week()
    expected = team_rho(
        situation(model.teams, sc), model.teams.gpus.copy(), model.fleet, sc.research
    )
    cleared = model.clear_week()
    np.testing.assert_array_equal(cleared.rho, expected)
    assert np.all(cleared.rho[~model.teams.is_research] == 1.0)
    assert len(set(expected.tolist())) > 2  # the week really ranks teams
    book = model.books[-1]
    got, need = cleared.clearing.allocation, book.requested
    if (got > 0).any():
        floor = cleared.rho[got > 0].min()
        np.testing.assert_array_equal(got[cleared.rho > floor], need[cleared.rho > floor])


@pytest.mark.parametrize("mechanism", [CLOCK, FAIR])
def test_a_seeded_year_under_the_rule_runs_from_the_cli_with_finite_metrics(mechanism, tmp_path):
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "crunch.cli", "run", "--mechanism", mechanism]
    cmd += ["--weeks", "52", "--seed", "11", "--quiet", "--out", str(out)]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    weeks = pd.read_csv(out / "weeks.csv")
    assert len(weeks) == 52 and set(weeks["rule"]) == {mechanism}
    columns = ["allocated", "revenue", "efficiency", "jain", "rho_max", "research_output"]
    assert np.isfinite(weeks[columns].to_numpy()).all()
    assert weeks["allocated"].sum() > 0
    if mechanism == FAIR:
        assert (weeks["revenue"] == 0).all()
    else:
        assert weeks["revenue"].sum() > 0


def test_crunch_mechanisms_lists_both_rules(capsys):
    assert main(["mechanisms"]) == 0
    printed = capsys.readouterr().out
    for name in (CLOCK, FAIR):
        assert name in printed and market.MECHANISMS[name].label in printed


def test_why_did_it_get_this_replays_finish_time_fair_with_the_weeks_rho():
    from game import ComputeGame, load_scenario

    sc = load_scenario("scarcity", {"market.mechanism": "finish_time_fair"})
    model = ComputeGame(sc, rng=3).run(8)
    for week in (3, 7):
        for name in model.teams.names:
            got = model.explain(name, week)
            units, paid = got.counterfactual["finish_time_fair"]
            assert units == pytest.approx(got.won) and paid == 0.0, (week, name)
