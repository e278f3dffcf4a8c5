"""Bidding: turn each team's situation into a valuation and let its strategy bid.

Valuations are the teams' true marginal values for extra tranches (used for
efficiency and envy); bids are what the strategies make of them within budget.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents.params import BiddingParams
from agents.strategies import STRATEGIES, TeamView
from agents.valuation import marginal_values, with_extra_experiments
from game.scenario import Scenario
from game.state import TeamTable

WIND_DOWN_WEIGHT = 0.5
IDLE_WEIGHT = 0.3


@dataclass(frozen=True)
class BidBook:
    """This week's true values and submitted bids, one row per team.

    Attributes:
        values: ``(n, k)`` true marginal values for extra tranches.
        bids: ``(n, k)`` submitted bids (non-increasing, within budget).
        extra_need: Tranches each team is short of its need.
    """

    values: np.ndarray
    bids: np.ndarray
    extra_need: np.ndarray


def value_scale(table: TeamTable, sc: Scenario, urgency: np.ndarray) -> np.ndarray:
    """Credits a team would give for its first missing tranche.

    Research: ``research_value × (1 + urgency) × phase weight`` (winding-down
    projects half, idle teams 0.3). Product: ``product_value × (1 + load)`` where
    load is how far demand exceeds serving capacity (capped at 1).
    """
    v = sc.valuation
    progress = table.project_age / np.maximum(table.project_duration, 1)
    phase_weight = np.where(
        table.project_active, np.where(progress >= 0.7, WIND_DOWN_WEIGHT, 1.0), IDLE_WEIGHT
    )
    research = v.research_value * (1.0 + urgency) * phase_weight
    capacity = table.gpus * sc.product.users_per_tranche
    load = np.clip(table.demand / np.maximum(capacity, 1e-9) - 1.0, 0.0, 1.0)
    product = v.product_value * (1.0 + load)
    return np.where(table.is_research, research, product)


def build_bids(
    table: TeamTable,
    sc: Scenario,
    *,
    urgency: np.ndarray,
    budgets: np.ndarray,
    spent_this_quarter: np.ndarray,
    weeks_left_in_quarter: int,
    mechanism: str,
    last_price: float | None,
    params: BiddingParams,
    rng: np.random.Generator,
) -> BidBook:
    """Value every team's missing tranches and collect its strategy's bids.

    Teams are grouped by strategy and each strategy bids once for its whole group
    through a read-only :class:`~agents.strategies.TeamView`.
    """
    k = sc.market.max_units_per_bid
    extra = np.maximum(0.0, table.need - table.gpus)
    scale = value_scale(table, sc, urgency)
    values = marginal_values(extra, scale, k, sc.valuation.curvature)
    values = with_extra_experiments(values, scale, sc.valuation.extra_value_share)
    bids = np.zeros_like(values)
    for s, name in enumerate(table.strategy_names):
        group = np.flatnonzero(table.strategy == s)
        if group.size == 0:
            continue
        view = TeamView(
            values=values[group],
            budget=budgets[group],
            stress=table.stress[group],
            lost_last=table.lost[group] > 0,
            spent_this_quarter=spent_this_quarter[group],
            weeks_left_in_quarter=weeks_left_in_quarter,
            n_bidders=table.n,
            mechanism=mechanism,
            last_price=last_price,
            params=params,
        )
        bids[group] = STRATEGIES[name]().bid(view, rng)
    return BidBook(values=values, bids=bids, extra_need=extra)
