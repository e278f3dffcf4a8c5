"""Phase 6, clearing: the pool is allocated under the lab's governance.

One market for all teams, a market per division (split), or leadership's committee. The
rule is the scenario's :attr:`~game.scenario.Scenario.clearing_rule`, the one place where
committee governance overrides the market's mechanism. Tranches nobody bought can go, free,
to the teams that bid (a spot pool).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import market
from agents.table import PRODUCT, RESEARCH, TeamTable
from game.scenario import Scenario
from game.world.credits import Credits
from market.book import BidBook, LazyGenerator

__all__ = [
    "SERVED_SHARE",
    "Clearing",
    "ClearingResult",
    "clear_pool",
    "clearing_phase",
    "committee_weights",
    "spot_shares",
]

#: A new project counts as served once it holds this share of its need.
SERVED_SHARE = 0.8


@dataclass(frozen=True, slots=True)
class Clearing:
    """The week's allocation of the pool.

    Attributes:
        rule: The mechanism that cleared it (after governance).
        allocation: Tranches won per team (spot tranches included).
        payments: Credits paid per team.
        spot: Unsold tranches handed out free afterwards (part of ``allocation``).
        price: Volume-weighted clearing price (NaN when nothing traded at a price).
        offered: Whole tranches put up for allocation.
    """

    rule: str
    allocation: np.ndarray
    payments: np.ndarray
    spot: np.ndarray
    price: float
    offered: float


@dataclass(frozen=True, slots=True)
class ClearingResult:
    """What clearing did to the lab this week.

    Attributes:
        clearing: The allocation of the pool.
        pool: Free tranches before clearing.
        budgets: Credits each team could spend when the market cleared.
        waits: Weeks each new project that got its compute this week had waited.
    """

    clearing: Clearing
    pool: float
    budgets: np.ndarray
    waits: np.ndarray


def committee_weights(kind: np.ndarray, research_weight: float, urgency: np.ndarray) -> np.ndarray:
    """Leadership priority weights: the division's weight split over its teams, times urgency."""
    research = kind == RESEARCH
    n_research = int(np.count_nonzero(research))
    n_product = kind.size - n_research
    base = np.where(
        research, research_weight / max(n_research, 1), (1.0 - research_weight) / max(n_product, 1)
    )
    return np.maximum(base, 1e-9) * (1.0 + urgency)


def spot_shares(wants: np.ndarray, units: float, rng: np.random.Generator) -> np.ndarray:
    """Share whole unsold tranches equally among the teams in ``wants``.

    Every taker gets ``floor(units / m)``; the remaining ``units mod m`` go one each to
    takers chosen at random (the highest of one uniform key per taker). O(m) memory
    whatever the number of units.
    """
    units = float(np.floor(units + 1e-9))
    out = np.zeros(wants.size)
    takers = wants.nonzero()[0]
    m = takers.size
    if units < 1 or m == 0:
        return out
    whole = int(units)
    level, left = divmod(whole, m)
    share = np.full(m, float(level))
    if left:
        keys = rng.random(m)
        share[np.argpartition(-keys, left - 1)[:left]] += 1.0
    out[takers] = share
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

    - ``single_market``: every team bids in one market under the clearing rule.
    - ``split``: the pool is split by ``governance.research_pool_share`` into a research
      and an applied market, each cleared separately.
    - ``committee``: leadership allocates by priority weights (no money changes hands).
    """
    gov = sc.governance
    rule = sc.clearing_rule
    mech = market.MECHANISMS[rule]
    units = float(np.floor(pool + 1e-9))
    n = bids.shape[0]
    weights = committee_weights(kind, gov.research_weight, urgency)
    allocation = np.zeros(n)
    payments = np.zeros(n)
    spot = np.zeros(n)
    if gov.mode == "split":
        research_units = float(np.floor(units * gov.research_pool_share + 1e-9))
        parts = [(kind == RESEARCH, research_units), (kind == PRODUCT, units - research_units)]
    else:
        parts = [(np.ones(n, dtype=bool), units)]
    lazy = LazyGenerator(rng)
    reserve = float(sc.market.reserve)
    for mask, part_units in parts:
        idx = mask.nonzero()[0]
        if idx.size == 0:
            continue
        # The strategies' bids are sanitised (finite, >= 0, non-increasing, within budget),
        # budgets are balances and weights positive: the book needs no second check.
        book = BidBook(
            bids=bids if idx.size == n else bids[idx],
            supply=part_units,
            units=int(part_units),
            reserve=reserve,
            budgets=budgets if idx.size == n else budgets[idx],
            weights=weights if idx.size == n else weights[idx],
        )
        out = mech.clear_book(book, lazy)
        allocation[idx] = out.allocation
        payments[idx] = out.payments
        unsold = part_units - out.allocation.sum()
        if sc.market.fill_unsold and unsold >= 1:
            spot[idx] = spot_shares(bids[idx, 0] > 0, unsold, rng)
    won = allocation.sum()
    paid = payments.sum()
    price = float(paid / won) if won > 0 and paid > 0 else float("nan")
    return Clearing(
        rule=rule,
        allocation=allocation + spot,
        payments=payments,
        spot=spot,
        price=price,
        offered=units,
    )


def clearing_phase(
    sc: Scenario,
    table: TeamTable,
    credits: Credits,
    bids: np.ndarray,
    extra_need: np.ndarray,
    urgency: np.ndarray,
    fleet: float,
    week: int,
    rng: np.random.Generator,
) -> ClearingResult:
    """Clear the pool, hand out the tranches on fresh leases and charge the payments.

    Also records on the team table what each team asked for, won and paid, and
    whether it lost (wanted a needed tranche, bid, and won none at auction).
    """
    pool = max(0.0, fleet - float(table.leases.sum()))
    budgets = np.array(credits.balances)
    clearing = clear_pool(
        sc, bids, pool, kind=table.kind, budgets=budgets, urgency=urgency, rng=rng
    )
    table.give(np.arange(table.n), clearing.allocation)
    credits.pay(clearing.payments, week)
    asked = (bids > 0).sum(axis=1).astype(float)
    table.bid_units = asked
    table.bid_total = bids.sum(axis=1)
    table.won = clearing.allocation
    table.paid = clearing.payments
    auction_won = clearing.allocation - clearing.spot
    table.lost = ((extra_need >= 1) & (asked > 0) & (auction_won < 1)).astype(float)
    waiting = table.waiting_since >= 0
    served = waiting & (table.gpus >= SERVED_SHARE * table.need)
    waits = (week - table.waiting_since[served]).astype(float)
    table.waiting_since[served] = -1
    return ClearingResult(clearing=clearing, pool=pool, budgets=budgets, waits=waits)
