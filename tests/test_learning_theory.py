"""Theory inside the game: what a lab of learning bidders learns over a seeded year.

Every team of ``lab-2025`` plays ``hedge`` (multiplicative weights over shading factors,
told every shading's outcome in hindsight) for 52 weeks; the teams table records each
team's actual bid shading (``1 − bid/value`` over the tranches it bid for).
"""

from __future__ import annotations

import numpy as np
import pytest

from game import ComputeGame, load_scenario


def _hedge_year(mechanism: str, seed: int = 3) -> tuple[ComputeGame, dict[int, float]]:
    sc = load_scenario(
        "lab-2025", {"lab.strategy_mix": {"hedge": 1.0}, "market.mechanism": mechanism}
    )
    game = ComputeGame(sc, rng=seed)
    regret: dict[int, float] = {}
    for week in range(52):
        game.step()
        if week in (19, 51):
            learners = [agent.strategy for agent in game.team_agents]
            regret[week] = float(np.nanmean([s.regret / max(s.weeks, 1) for s in learners]))
    return game, regret


def _mean_shading(game: ComputeGame, first: int, last: int) -> float:
    teams = game.teams_frame()
    rows = teams[(teams.week >= first) & (teams.week <= last) & (teams.strategy == "hedge")]
    return float(rows.shading.mean())


@pytest.fixture(scope="module")
def vickrey_year():
    return _hedge_year("vickrey")


@pytest.fixture(scope="module")
def pay_as_bid_year():
    return _hedge_year("pay_as_bid")


def test_hedge_learns_to_bid_truthfully_under_vickrey(vickrey_year):
    game, _ = vickrey_year
    # The grid's mean shading is 0.45 and the learners start uniform.
    assert _mean_shading(game, 0, 9) > 0.2
    assert _mean_shading(game, 42, 51) < 0.12


def test_hedge_keeps_shading_clearly_under_pay_as_bid(pay_as_bid_year, vickrey_year):
    game, _ = pay_as_bid_year
    shading = _mean_shading(game, 42, 51)
    assert shading > 0.2
    assert shading > _mean_shading(vickrey_year[0], 42, 51) + 0.1


@pytest.mark.parametrize("year", ["vickrey_year", "pay_as_bid_year"])
def test_average_regret_of_hedge_falls_over_the_year(year, request):
    _, regret = request.getfixturevalue(year)
    assert regret[51] < 0.75 * regret[19]


def test_teams_table_records_the_learners_regret_as_it_falls(vickrey_year):
    game, regret = vickrey_year
    teams = game.teams_frame()
    hedge = teams[teams.strategy == "hedge"]
    by_week = hedge.groupby("week").regret.mean()
    assert by_week[51] == pytest.approx(regret[51])
    assert by_week[51] < 0.75 * by_week[19]
    # Strategies that do not learn from hindsight have no regret to record.
    assert teams[teams.strategy != "hedge"].regret.isna().all()


def test_utility_is_output_value_minus_what_was_paid(vickrey_year):
    game, _ = vickrey_year
    teams = game.teams_frame()
    credit_value = game.scenario.valuation.credit_value
    np.testing.assert_allclose(
        teams.utility, teams.output_value - credit_value * teams.paid, rtol=1e-12, atol=1e-9
    )
    bid = teams[teams.bid > 0]
    assert bid.shading.between(-1e-9, 1.0).all()  # hedge never bids above value


def _proportional_year(strategy: str):
    sc = load_scenario(
        "lab-2025",
        {
            "lab.strategy_mix": {strategy: 1.0},
            "market.mechanism": "proportional_share",
            "governance.credits_per_quarter": 1e12,  # unlimited credits
        },
    )
    return ComputeGame(sc, rng=2).run(52).weeks_frame()


def test_price_anticipating_bidders_keep_three_quarters_of_optimal_welfare_every_week():
    # Johari & Tsitsiklis (2004): at the Nash equilibrium of proportional share with
    # price-anticipating users, welfare is at least 3/4 of the optimum.
    kelly = _proportional_year("kelly_anticipating")
    assert kelly.efficiency.min() >= 0.75
    # Anticipating its own effect on the price, a team spends less than a price-taker.
    takers = _proportional_year("truthful")
    assert kelly.price.mean() < takers.price.mean()
