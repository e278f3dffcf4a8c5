"""Clearing under the lab's governance: one market, a split per division, or a committee."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import market
from game.scenario import Scenario


@dataclass(frozen=True)
class Clearing:
    """The week's allocation of the pool.

    Attributes:
        allocation: Tranches won per team (spot tranches included).
        payments: Credits paid per team.
        spot: Unsold tranches handed out free afterwards (part of ``allocation``).
        price: Volume-weighted clearing price (NaN when nothing traded at a price).
        offered: Whole tranches put up for allocation.
    """

    allocation: np.ndarray
    payments: np.ndarray
    spot: np.ndarray
    price: float
    offered: float


def committee_weights(kind: np.ndarray, research_share: float, urgency: np.ndarray) -> np.ndarray:
    """Leadership priority weights: the division's share split over its teams, times urgency."""
    n_research = max(int((kind == 0).sum()), 1)
    n_product = max(int((kind == 1).sum()), 1)
    base = np.where(kind == 0, research_share / n_research, (1.0 - research_share) / n_product)
    return np.maximum(base, 1e-9) * (1.0 + urgency)


def spot_shares(wants: np.ndarray, units: float, rng: np.random.Generator) -> np.ndarray:
    """Share whole unsold tranches equally among the teams in ``wants`` (max-min fair)."""
    units = float(np.floor(units + 1e-9))
    out = np.zeros(wants.size)
    takers = np.flatnonzero(wants)
    if units < 1 or takers.size == 0:
        return out
    unlimited = np.ones((takers.size, int(np.ceil(units / takers.size))))
    out[takers] = market.clear("max_min_fair", unlimited, units, rng=rng).allocation
    return out


def clear_pool(
    sc: Scenario,
    bids: np.ndarray,
    pool: float,
    *,
    kind: np.ndarray,
    budgets: np.ndarray,
    urgency: np.ndarray,
    rng: np.random.Generator,
) -> Clearing:
    """Allocate this week's pool of free tranches per the scenario's governance.

    - ``single_market``: every team bids in one market under ``market.mechanism``.
    - ``split``: the pool is split by ``governance.research_share`` into a research
      and an applied market, each cleared separately.
    - ``committee``: leadership allocates by priority weights (no money changes hands).
    """
    gov = sc.governance
    mech = market.resolve_mechanism(sc.market.mechanism)
    units = float(np.floor(pool + 1e-9))
    n = bids.shape[0]
    weights = committee_weights(kind, gov.research_share, urgency)
    allocation = np.zeros(n)
    payments = np.zeros(n)
    spot = np.zeros(n)
    if gov.mode == "committee":
        mech = "committee"
    if gov.mode == "split":
        research_units = float(np.floor(units * gov.research_share + 1e-9))
        parts = [(kind == 0, research_units), (kind == 1, units - research_units)]
    else:
        parts = [(np.ones(n, dtype=bool), units)]
    for mask, part_units in parts:
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            continue
        out = market.clear(
            mech,
            bids[idx],
            part_units,
            reserve=sc.market.reserve,
            budgets=budgets[idx],
            weights=weights[idx],
            rng=rng,
        )
        allocation[idx] = out.allocation
        payments[idx] = out.payments
        unsold = part_units - out.allocation.sum()
        if sc.market.fill_unsold and unsold >= 1:
            spot[idx] = spot_shares(bids[idx, 0] > 0, unsold, rng)
    won = allocation.sum()
    price = float(payments.sum() / won) if won > 0 and payments.sum() > 0 else float("nan")
    return Clearing(
        allocation=allocation + spot, payments=payments, spot=spot, price=price, offered=units
    )
