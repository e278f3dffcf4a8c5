"""Phase 6, clearing: the pool is allocated under the lab's governance.

One market for all teams, a market per division (split), or leadership's committee. The
rule is the scenario's :attr:`~game.scenario.Scenario.clearing_rule`, the one place where
committee governance overrides the market's mechanism. Tranches nobody bought can go, free,
to the teams that bid (a spot pool).

Rules reading priorities get them in the book's ``weights``: ``committee`` leadership's
weights (:func:`committee_weights`), ``finish_time_fair`` each team's finish-time fairness
ρ (:func:`~game.world.welfare.team_rho`) before the pool is handed out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import market
from agents.table import PRODUCT, RESEARCH, TeamTable
from game.scenario import Scenario
from game.team_specs import division_priorities
from game.world.credits import Credits
from game.world.phases.bidding import BidResult
from game.world.welfare import team_rho
from market.book import BidBook, LazyGenerator

__all__ = [
    "FINISH_TIME_FAIR",
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
#: The rule that reads each team's finish-time fairness ρ as its weight.
FINISH_TIME_FAIR = "finish_time_fair"


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
        seed: The seed of the clearing's tie-breaks and lotteries (replays use it).
        waits: Weeks each new project that got its compute this week had waited.
        rho: Each team's finish-time fairness ρ before the pool was handed out (what
            ``finish_time_fair`` reads, measured under every rule so that replays under
            another rule can pass it back to :func:`clear_pool`).
    """

    clearing: Clearing
    pool: float
    budgets: np.ndarray
    seed: int
    waits: np.ndarray
    rho: np.ndarray | None = None


def committee_weights(
    kind: np.ndarray,
    research_weight: float,
    urgency: np.ndarray,
    priority: np.ndarray | None = None,
) -> np.ndarray:
    """Leadership priority weights: the division's weight split over its teams, times urgency.

    The division's weight is split equally, or in proportion to ``priority`` (the
    ``[[teams]]`` table's committee weights) when given.
    """
    research = kind == RESEARCH
    if priority is None:
        priority = np.ones(kind.size)
    in_research = float(priority[research].sum())
    in_product = float(priority.sum()) - in_research
    base = priority * np.where(
        research,
        research_weight / max(in_research, 1e-12),
        (1.0 - research_weight) / max(in_product, 1e-12),
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


def _next_value_positive(values: np.ndarray, won: np.ndarray) -> np.ndarray:
    """Whether each team values one more tranche beyond the ``won`` it just got.

    ``won`` is clipped to the last column before it becomes an index: a team may win far
    more tranches than it bid for (a divisible rule on a huge pool), beyond what int64 holds.
    """
    k = values.shape[1]
    if k == 0:
        return np.zeros(values.shape[0], dtype=bool)
    column = np.minimum(won, k - 1).astype(np.int64)
    return values[np.arange(values.shape[0]), column] > 0.0


def clear_pool(
    sc: Scenario,
    bids: np.ndarray,
    pool: float,
    *,
    kind: np.ndarray,
    budgets: np.ndarray,
    urgency: np.ndarray,
    demand: np.ndarray,
    values: np.ndarray,
    rng: np.random.Generator,
    rho: np.ndarray | None = None,
) -> Clearing:
    """Allocate this week's pool of free tranches per the scenario's governance.

    - ``single_market``: every team bids in one market under the clearing rule.
    - ``split``: the pool is split by ``governance.research_pool_share`` into a research
      and an applied market, each cleared separately.
    - ``committee``: leadership allocates by priority weights (no money changes hands).

    Rules without money share by the needs the teams reported (``demand``); what they leave
    unallocated stays idle (nobody reported needing it). With ``market.fill_unsold``,
    tranches nobody bought in a market with money go free to the teams that still value one
    more tranche (``values``: each team's marginal values from its holding before
    clearing); the rest stay idle.

    The rule's ``weights`` are the committee's priorities, except under
    ``finish_time_fair``, which reads ``rho`` (each team's finish-time fairness; ``None``
    means 1.0, on schedule, for every team).
    """
    gov = sc.governance
    rule = sc.clearing_rule
    mech = market.MECHANISMS[rule]
    units = float(np.floor(pool + 1e-9))
    n = bids.shape[0]
    if rule == FINISH_TIME_FAIR:
        weights = np.ones(n) if rho is None else np.maximum(rho, 1e-9)
    else:
        weights = committee_weights(
            kind, gov.research_weight, urgency, division_priorities(sc.teams)
        )
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
            demand=demand if idx.size == n else demand[idx],
        )
        out = mech.clear_book(book, lazy)
        allocation[idx] = out.allocation
        payments[idx] = out.payments
        unsold = part_units - out.allocation.sum()
        if sc.market.fill_unsold and mech.uses_money and unsold >= 1:
            wants = _next_value_positive(values[idx], out.allocation)
            spot[idx] = spot_shares(wants, unsold, rng)
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
    offer: BidResult,
    fleet: float,
    week: int,
    rng: np.random.Generator,
) -> ClearingResult:
    """Clear the pool, hand out the tranches on fresh leases and charge the payments.

    The clearing's randomness comes from a seed drawn from the model's generator, kept
    with the result so that "what would another rule have given?" replays the same draw.
    Also records on the team table what each team asked for, won and paid, and whether
    it lost (wanted a needed tranche, bid, and won none at auction).

    Each team's ρ (what ``finish_time_fair`` reads) is measured on what it holds before
    the pool is handed out, against a fair ``1/N`` share of the whole fleet
    (:func:`team_rho`; the week's outage share is not applied to either).
    """
    bids, extra_need = offer.bids, offer.extra_need
    pool = max(0.0, fleet - float(table.leases.sum()))
    rho = team_rho(offer.situation, table.gpus, fleet, sc.research)
    budgets = np.array(credits.balances)
    seed = int(rng.integers(2**63 - 1))
    clearing = clear_pool(
        sc,
        bids,
        pool,
        kind=table.kind,
        budgets=budgets,
        urgency=offer.urgency,
        demand=offer.requested,
        values=offer.values,
        rng=np.random.default_rng(seed),
        rho=rho,
    )
    table.give(np.arange(table.n), clearing.allocation)
    credits.pay(clearing.payments, week)
    asked = (bids > 0).sum(axis=1).astype(float)
    table.bid_units = asked
    table.bid_total = bids.sum(axis=1)
    table.won = clearing.allocation
    table.paid = clearing.payments
    table.shading = bid_shading(bids, offer.values)
    auction_won = clearing.allocation - clearing.spot
    table.lost = ((extra_need >= 1) & (asked > 0) & (auction_won < 1)).astype(float)
    waiting = table.waiting_since >= 0
    served = waiting & (table.gpus >= SERVED_SHARE * table.need)
    waits = (week - table.waiting_since[served]).astype(float)
    table.waiting_since[served] = -1
    return ClearingResult(
        clearing=clearing, pool=pool, budgets=budgets, seed=seed, waits=waits, rho=rho
    )


def bid_shading(bids: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Each team's ``1 − bid/value`` averaged over the tranches it bid for (NaN: none).

    Only tranches with a positive bid and a positive value count; under proportional
    share a bid is money rather than a value, so there it says how far below its values
    the team spent.
    """
    counted = (bids > 0.0) & (values > 0.0)
    ratio = np.divide(bids, values, out=np.zeros_like(bids), where=counted)
    n = counted.sum(axis=1)
    total = np.where(counted, 1.0 - ratio, 0.0).sum(axis=1)
    return np.divide(total, n, out=np.full(n.shape, np.nan), where=n > 0)
