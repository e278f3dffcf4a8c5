"""Demand reduction inside the game: learners with market power shade their later tranches.

Six teams of ``lab-2025`` (four research, two product: each bids for a large share of the
free pool) play ``hedge_by_unit`` for 52 weeks, which learns one shading for its first
tranche and another for its later ones. Under the uniform price a team's own rejected bid
can set the price it pays, so shading later tranches pays (Ausubel et al. 2014); under
Vickrey it never sets its own price, so nothing but truthful bidding pays.
"""

from __future__ import annotations

import numpy as np
import pytest

from agents.strategies import BiddingParams
from agents.strategies.unit_hedge import UNIT_GRID, HedgeByUnit
from game import ComputeGame, load_scenario


def _year(mechanism: str, seed: int = 3) -> ComputeGame:
    sc = load_scenario(
        "lab-2025",
        {
            "lab.strategy_mix": {"hedge_by_unit": 1.0},
            "lab.research_teams": 4,
            "lab.product_teams": 2,
            "market.mechanism": mechanism,
        },
    )
    game = ComputeGame(sc, rng=seed)
    game.learned = []  # (weeks, teams, 2): expected (first, later) shading, last 10 weeks
    for week in range(52):
        game.step()
        if week >= 42:
            game.learned.append([a.strategy.expected_pair() for a in game.team_agents])
    return game


@pytest.fixture(scope="module")
def years() -> dict[str, ComputeGame]:
    return {m: _year(m) for m in ("uniform_price", "vickrey")}


def _best_pairs(game: ComputeGame) -> list[tuple[float, float]]:
    """Each team's best fixed (first, later) shading over the year, in hindsight."""
    out = []
    for agent in game.team_agents:
        first, later = HedgeByUnit.pair(int(np.nanargmax(agent.strategy.hindsight)))
        out.append((float(first), float(later)))
    return out


def _gap(game: ComputeGame) -> float:
    """Mean learned shading of later tranches minus that of first tranches."""
    learned = np.asarray(game.learned)
    return float((learned[..., 1] - learned[..., 0]).mean())


def test_shading_later_tranches_pays_in_hindsight_only_under_uniform_price(years):
    uniform = _best_pairs(years["uniform_price"])
    vickrey = _best_pairs(years["vickrey"])
    assert sum(later > first for first, later in uniform) >= 4, uniform
    assert all(pair == (0.0, 0.0) for pair in vickrey), vickrey


def test_learners_shade_later_tranches_more_than_first_under_uniform_price(years):
    assert _gap(years["uniform_price"]) > 0.0
    assert _gap(years["uniform_price"]) > _gap(years["vickrey"]) + 0.03


def test_learners_describe_both_shadings(years):
    text = next(iter(years["uniform_price"].team_agents)).strategy.describe()
    assert "first tranche" in text and "later ones" in text


def test_first_and_later_tranches_are_shaded_by_their_own_factor():
    from agents.strategies import TeamView
    from market import Pricing

    view = TeamView.single([10.0, 8.0, 6.0], 1e9, n_bidders=3, pricing=Pricing.UNIFORM)
    arm = UNIT_GRID.index(0.2) * len(UNIT_GRID) + UNIT_GRID.index(0.6)
    bids = HedgeByUnit.act(np.array([float(arm)]), view)
    np.testing.assert_allclose(bids, [[8.0, 8.0 * 0.4, 6.0 * 0.4]])


def test_before_learning_truthful_is_the_likeliest_pair():
    probs = HedgeByUnit().probabilities(BiddingParams())
    assert int(np.argmax(probs)) == 0  # (0, 0): bid what each tranche is worth
