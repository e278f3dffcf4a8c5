"""A seat's own story: its team's situation, its weeks, and why it got what it got.

Beyond :class:`~workshop.views.SeatView`: the project and its deadline or the product's
demand, the team's weeks so far, and the latest clearing explained in plain words.

Everything here is the seat's own team (plus the other teams' names, to offer loans to):
no other team's credits, bids or values. No Streamlit here; ``ui/pages/play.py`` draws it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import market
from agents.table import KIND_NAMES

if TYPE_CHECKING:
    from workshop.engine import Workshop
    from workshop.replay import Session

__all__ = ["LastClearing", "Project", "SeatStory", "WeekRow", "seat_story"]


@dataclass(frozen=True, slots=True)
class Project:
    """A research team's current project (None when it has none running)."""

    age: int
    duration: int
    progress: float
    work: float
    milestones: int

    @property
    def weeks_left(self) -> int:
        """Weeks until the project's deadline (0 when it is due or late)."""
        return max(0, self.duration - self.age)

    @property
    def done(self) -> float:
        """Share of the project's work done (0-1)."""
        return 0.0 if self.work <= 0 else min(1.0, self.progress / self.work)


@dataclass(frozen=True, slots=True)
class WeekRow:
    """One week of the seat's team: what it held, won, paid and how it felt."""

    week: int
    tranches: float
    won: float
    paid: float
    price: float
    credits: float
    stress: float
    output: float


@dataclass(frozen=True, slots=True)
class LastClearing:
    """The team's part of the latest clearing, and why.

    Attributes:
        week: The game week it cleared.
        rule: The rule's label.
        won: Tranches won (spot tranches included).
        spot: Of which unsold tranches handed out free.
        paid: Credits paid.
        price: The clearing price (NaN when no price was set).
        bids: The team's bids per tranche (positive ones).
        values: The team's values for the same tranches.
        alternatives: ``(rule label, tranches it would have got)``, most first.
        text: The explanation in plain words.
    """

    week: int
    rule: str
    won: float
    spot: float
    paid: float
    price: float
    bids: tuple[float, ...]
    values: tuple[float, ...]
    alternatives: tuple[tuple[str, float], ...]
    text: str


@dataclass(frozen=True, slots=True)
class SeatStory:
    """The seat's team as its player sees it, beyond the seat view.

    Attributes:
        team: The team's name.
        kind: ``research`` or ``product``.
        headcount: People in the team.
        stress: The team's stress now (0 calm - 1 crisis).
        project: The running project (research teams), or None.
        demand: GPUs the product's users need (product teams), or None.
        tiers_open: Paid tiers the product serves (product teams), or None.
        uses_money: Whether the rule in force prices tranches in credits.
        weeks: The team's weeks so far, oldest first.
        last: The latest clearing (None before the first one).
        other_teams: Every other team's name (whom loans can go to).
    """

    team: str
    kind: str
    headcount: int
    stress: float
    project: Project | None
    demand: float | None
    tiers_open: int | None
    uses_money: bool
    weeks: tuple[WeekRow, ...]
    last: LastClearing | None
    other_teams: tuple[str, ...]


def seat_story(ws: Workshop, token: object) -> SeatStory:
    """The story of the seat ``token`` opens.

    Raises:
        AccessError: For a token that opens no seat here.
    """
    seat = ws.seat(token)
    with ws.session() as s:
        return _story(s, seat.index)


def _story(s: Session, i: int) -> SeatStory:
    model, teams = s.model, s.model.teams
    kind = KIND_NAMES[int(teams.kind[i])]
    project = None
    if kind == "research" and bool(teams.project_active[i]):
        project = Project(
            int(teams.project_age[i]),
            int(teams.project_duration[i]),
            float(teams.project_progress[i]),
            float(teams.project_work[i]),
            int(teams.milestones_hit[i]),
        )
    product = kind == "product"
    prices = model.weeks_frame()["price"].tolist() if model.recorder.team_snaps else []
    weeks = tuple(
        WeekRow(
            w,
            float(snap["tranches"][i]),
            float(snap["won"][i]),
            float(snap["paid"][i]),
            float(prices[w]) if w < len(prices) else math.nan,
            float(snap["credits"][i]),
            float(snap["stress"][i]),
            float(snap["output"][i]),
        )
        for w, snap in enumerate(model.recorder.team_snaps)
    )
    mech = market.MECHANISMS[model.scenario.clearing_rule]
    return SeatStory(
        team=teams.names[i],
        kind=kind,
        headcount=int(teams.headcount[i]),
        stress=float(teams.stress[i]),
        project=project,
        demand=float(teams.demand[i]) if product else None,
        tiers_open=int(teams.tiers_open[i]) if product else None,
        uses_money=bool(mech.uses_money),
        weeks=weeks,
        last=_last_clearing(s, i),
        other_teams=tuple(n for j, n in enumerate(teams.names) if j != i),
    )


def _last_clearing(s: Session, i: int) -> LastClearing | None:
    model = s.model
    if not model.keep_books or not model.books:
        return None
    name = model.teams.names[i]
    e = model.explain(name)
    label = market.MECHANISMS[e.mechanism].label
    alternatives = tuple(
        sorted(
            ((market.MECHANISMS[m].label, float(won)) for m, (won, _) in e.counterfactual.items()),
            key=lambda kv: (-kv[1], kv[0]),
        )
    )
    bids = tuple(float(b) for b in e.bids)
    values = tuple(float(v) for v in e.values)
    return LastClearing(
        week=int(e.week),
        rule=label,
        won=float(e.won),
        spot=float(e.spot),
        paid=float(e.paid),
        price=float(e.price),
        bids=bids,
        values=values,
        alternatives=alternatives,
        text=_why(e.won, e.spot, e.paid, e.price, bids, values, e.budget, label, alternatives),
    )


def _why(
    won: float,
    spot: float,
    paid: float,
    price: float,
    bids: tuple[float, ...],
    values: tuple[float, ...],
    budget: float,
    rule: str,
    alternatives: tuple[tuple[str, float], ...],
) -> str:
    """Why the team got what it got, in plain words (addressed to the player)."""
    parts = []
    if bids:
        parts.append(
            f"You bid for {len(bids)} tranche(s), from {bids[0]:,.1f} down to {bids[-1]:,.1f} "
            f"credits each, with {budget:,.0f} credits to spend, under {rule}."
        )
    else:
        parts.append(f"You bid for no tranche, under {rule}.")
    if math.isnan(price):
        parts.append(
            "This rule sets no price: tranches were shared by the rule's own yardstick "
            "(need, priority or chance), not by credits."
        )
    else:
        above = sum(1 for b in bids if b > price)
        parts.append(
            f"The market cleared at about {price:,.1f} credits a tranche: bids above that win. "
            f"{above} of your bids were above it."
        )
        missed = [v for b, v in zip(bids, values, strict=False) if b <= price < v]
        if missed:
            parts.append(
                f"{len(missed)} tranche(s) were worth more to you than the price "
                f"(up to {max(missed):,.1f}) but you bid less: bidding closer to your value "
                "would have won them."
            )
    got = f"You won {won - spot:.0f} tranche(s) and paid {paid:,.1f} credits"
    got += f", and got {spot:.0f} unsold tranche(s) free." if spot else "."
    parts.append(got)
    if alternatives:
        best, worst = alternatives[0], alternatives[-1]
        parts.append(
            f"On the same bids, {best[0]} would have given you {best[1]:.0f} and "
            f"{worst[0]} {worst[1]:.0f}."
        )
    return " ".join(parts)
