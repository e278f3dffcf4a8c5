"""Explanations: why a team got what it got in a given week, and what another rule would give.

The model keeps each week's market book (bids, true values, budgets, the pool and
the clearing) when asked to; :func:`explain` turns one team-week of it into plain
facts and words, and re-clears the same book under every other mechanism.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

import market
from game.scenario import Scenario
from game.world.phases.bidding import BidResult
from game.world.phases.clearing import Clearing, ClearingResult, clear_pool


@dataclass(frozen=True)
class MarketWeek:
    """Everything needed to replay one week's clearing.

    Attributes:
        week: The week.
        bids: ``(n, k)`` submitted bids.
        values: ``(n, k)`` true marginal values.
        requested: Whole tranches each team reported needing.
        budgets: Credits each team could spend.
        urgency: Urgency per team (committee weights use it).
        kind: Division per team.
        pool: Free tranches before clearing.
        clearing: What the scenario's rule did.
        seed: The seed the week's clearing drew its tie-breaks and lotteries from; a replay
            under the rule in use gives exactly what happened.
        strategies: Per team, one sentence on how it bid that week (its strategy and,
            for learners, what it had learned by then).
        rho: Each team's finish-time fairness ρ before the pool was handed out (what
            ``finish_time_fair`` serves by), or None.
    """

    week: int
    bids: np.ndarray
    values: np.ndarray
    requested: np.ndarray
    budgets: np.ndarray
    urgency: np.ndarray
    kind: np.ndarray
    pool: float
    clearing: Clearing
    seed: int
    strategies: tuple[str, ...] = ()
    rho: np.ndarray | None = None

    @classmethod
    def of_week(
        cls,
        week: int,
        bids: BidResult,
        cleared: ClearingResult,
        kind: np.ndarray,
        strategies: tuple[str, ...] = (),
    ) -> MarketWeek:
        """The book of the week just cleared."""
        return cls(
            week,
            bids.bids,
            bids.values,
            bids.requested,
            cleared.budgets,
            bids.urgency,
            kind,
            cleared.pool,
            cleared.clearing,
            cleared.seed,
            strategies,
            cleared.rho,
        )


@dataclass(frozen=True)
class Explanation:
    """One team's week in the market, with counterfactuals.

    Attributes:
        team: Team name.
        week: The week.
        mechanism: Rule that cleared it.
        bids: The team's bids per unit (positive ones only).
        values: The team's true values for the same units.
        price: The week's clearing price (NaN when no money changed hands).
        won: Tranches it won (spot tranches included).
        spot: Of which handed out free from unsold tranches.
        paid: Credits it paid.
        budget: Credits it could spend.
        counterfactual: Tranches (and payment) it would have got under each other rule
            on the same bids and pool: ``{mechanism: (tranches, paid)}``.
        text: The explanation in plain words.
    """

    team: str
    week: int
    mechanism: str
    bids: np.ndarray
    values: np.ndarray
    price: float
    won: float
    spot: float
    paid: float
    budget: float
    counterfactual: dict[str, tuple[float, float]]
    text: str


def _mode(sc: Scenario) -> str:
    """Governance for the counterfactuals: committee governance is replaced by one market."""
    return "single_market" if sc.governance.mode == "committee" else sc.governance.mode


def counterfactuals(sc: Scenario, book: MarketWeek) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Re-clear a recorded week under every registered mechanism (same bids and pool).

    Returns:
        ``{mechanism: (allocation, payments)}`` over all teams.
    """
    out = {}
    for name in market.MECHANISMS:
        alt = sc.with_overrides({"market.mechanism": name, "governance.mode": _mode(sc)})
        c = clear_pool(
            alt,
            book.bids,
            book.pool,
            kind=book.kind,
            budgets=book.budgets,
            urgency=book.urgency,
            demand=book.requested,
            values=book.values,
            rng=np.random.default_rng(book.seed),
            rho=book.rho,
        )
        out[name] = (c.allocation, c.payments)
    return out


def _other_rules(cf: dict[str, tuple[float, float]]) -> str:
    """The most and the fewest tranches another rule gives on the same bids, by label."""
    best = max(cf.items(), key=lambda kv: kv[1][0])
    worst = min(cf.items(), key=lambda kv: kv[1][0])
    if round(best[1][0]) == round(worst[1][0]):
        return f"On the same bids, every rule would have given it {best[1][0]:.0f}."
    return (
        f"On the same bids, {market.MECHANISMS[best[0]].label} would have given it "
        f"{best[1][0]:.0f} and {market.MECHANISMS[worst[0]].label} {worst[1][0]:.0f}."
    )


def explain(sc: Scenario, names: list[str], book: MarketWeek, team: str) -> Explanation:
    """Explain one team's clearing in a recorded week.

    Raises:
        ValueError: If the team is unknown.
    """
    if team not in names:
        raise ValueError(f"team = {team!r}: no such team; teams: {', '.join(names[:12])}")
    i = names.index(team)
    c = book.clearing
    bids = book.bids[i][book.bids[i] > 0]
    values = book.values[i][: bids.size]
    mech = c.rule
    alts = counterfactuals(sc, book)
    cf = {m: (float(a[i]), float(p[i])) for m, (a, p) in alts.items()}
    won, spot, paid = float(c.allocation[i]), float(c.spot[i]), float(c.payments[i])
    price = c.price
    parts = [f"Week {book.week}: {team} bid for {bids.size} tranche(s)"]
    if bids.size:
        parts[0] += f", from {bids[0]:.1f} down to {bids[-1]:.1f} credits"
    label = market.MECHANISMS[mech].label
    parts[0] += f" with {book.budgets[i]:.0f} credits to spend, under {label}."
    if book.strategies:
        parts.append(book.strategies[i])
    if not math.isnan(price):
        above = int((bids > price).sum())
        parts.append(
            f"The market cleared at about {price:.1f} credits per tranche; {above} of its "
            f"bids were above that."
        )
    else:
        parts.append("No money changed hands at a price this week.")
    got = (
        f"It won {won - spot:.0f} tranche(s) at auction and paid {paid:.1f} credits"
        if market.MECHANISMS[mech].uses_money
        else f"{label} gave it {won - spot:.0f} tranche(s), for no credits"
    )
    spare = f", and got {spot:.0f} unsold tranche(s) free from the spot pool." if spot else "."
    parts.append(got + spare)
    parts.append(_other_rules(cf))
    return Explanation(
        team=team,
        week=book.week,
        mechanism=mech,
        bids=bids,
        values=values,
        price=price,
        won=won,
        spot=spot,
        paid=paid,
        budget=float(book.budgets[i]),
        counterfactual=cf,
        text=" ".join(parts),
    )
