"""What the host and a seat see: the workshop's status and one seat's view of the game.

A mixin of :class:`workshop.engine.Workshop`; both views are plain frozen data (safe to
hand to any page or to print), read from the database and the game rebuilt from the log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import market
from agents.table import KIND_NAMES
from workshop import store

if TYPE_CHECKING:
    from workshop.replay import Session

__all__ = ["OfferView", "SeatStatus", "SeatView", "Status", "Views"]

#: The team's columns of the last week played that a seat sees.
LAST_WEEK = (
    "tranches",
    "need_tranches",
    "bid",
    "won",
    "paid",
    "credits",
    "stress",
    "burnout",
    "output",
)


@dataclass(frozen=True, slots=True)
class SeatStatus:
    """One seat as the host sees it."""

    seat: int
    team: str
    mode: str
    revoked: bool
    submitted: bool


@dataclass(frozen=True, slots=True)
class Status:
    """Where the workshop stands.

    Attributes:
        workshop: Its id.
        round: The current round (0-based; -1 before the first opens).
        rounds: Rounds in the workshop.
        phase: ``waiting`` (no round open yet), ``bidding``, ``negotiating``, ``closed``
            (between rounds) or ``finished``.
        seconds_left: Time left in the open window (None when none is open or paused).
        paused: Whether the open window's timer is stopped.
        week: Game weeks fully played.
        seats: Every seat, with whether it submitted a bid this round.
        silent: Seats played by their bots this round (known once bidding closed).
    """

    workshop: str
    round: int
    rounds: int
    phase: str
    seconds_left: float | None
    paused: bool
    week: int
    seats: tuple[SeatStatus, ...]
    silent: tuple[int, ...]

    @property
    def submitted(self) -> tuple[int, ...]:
        """Seats with a bid in the current round."""
        return tuple(s.seat for s in self.seats if s.submitted)


@dataclass(frozen=True, slots=True)
class OfferView:
    """A loan offer as a seat sees it (team names, not indices)."""

    id: int
    from_team: str
    to_team: str
    lender: str
    borrower: str
    units: int
    price: float
    weeks: int
    status: str
    reply_to: int | None


@dataclass(frozen=True, slots=True)
class SeatView:
    """What one seat's player may know now."""

    seat: int
    team: str
    kind: str
    status: Status
    rule: str
    budget: float
    tranches: float
    need_tranches: float
    gpus_per_tranche: int
    values: tuple[float, ...]
    max_units: int
    my_bid: tuple[tuple[int, float], ...] | None
    silent: bool
    last_week: dict[str, float]
    offers_to_me: tuple[OfferView, ...]
    my_offers: tuple[OfferView, ...]
    messages: tuple[str, ...]
    pending_rules: dict[str, Any]


class Views:
    """Status and seat views (mixed into :class:`workshop.engine.Workshop`)."""

    id: str
    db: Any
    rounds: int

    @store.one_connection
    def status(self) -> Status:
        """The workshop's status (closing a window whose timer ran out first)."""
        self.tick()  # type: ignore[attr-defined]
        with store.reading(self.db) as conn:
            r = conn.execute(
                "SELECT * FROM rounds WHERE workshop = ? ORDER BY number DESC LIMIT 1", (self.id,)
            ).fetchone()
            number = -1 if r is None else int(r["number"])
            bid = {
                int(x["seat"])
                for x in conn.execute(
                    "SELECT DISTINCT seat FROM actions WHERE workshop = ? AND round = ? "
                    "AND kind = 'bid'",
                    (self.id, number),
                )
            }
            seats = tuple(
                SeatStatus(
                    int(x["seat"]), x["team"], x["mode"], bool(x["revoked"]), x["seat"] in bid
                )
                for x in conn.execute(
                    "SELECT * FROM seats WHERE workshop = ? ORDER BY seat", (self.id,)
                )
            )
            closed = conn.execute(
                "SELECT payload FROM actions WHERE workshop = ? AND round = ? "
                "AND kind = 'bidding_closed'",
                (self.id, number),
            ).fetchone()
            weeks = conn.execute(
                "SELECT COUNT(*) FROM actions WHERE workshop = ? AND kind = 'negotiation_closed'",
                (self.id,),
            ).fetchone()[0]
        silent = tuple(json.loads(closed["payload"])["silent"]) if closed else ()
        if r is None:
            phase, left, paused = "waiting", None, False
        else:
            phase = r["phase"]
            if phase == "closed" and number + 1 >= self.rounds:
                phase = "finished"
            paused = r["paused_left"] is not None
            left = None if r["deadline"] is None else max(0.0, float(r["deadline"]) - store.now())
        wpr = self.weeks_per_round  # type: ignore[attr-defined]
        return Status(
            self.id, number, self.rounds, phase, left, paused, int(weeks) * wpr, seats, silent
        )

    @store.one_connection
    def view(self, token: object) -> SeatView:
        """What the seat opened by ``token`` may know now.

        Raises:
            AccessError: For a token that opens no seat here.
        """
        status = self.status()
        seat = self.seat(token)  # type: ignore[attr-defined]
        with store.reading(self.db) as conn:
            mine = conn.execute(
                "SELECT payload FROM actions WHERE workshop = ? AND round = ? AND kind = 'bid' "
                "AND seat = ? ORDER BY id DESC LIMIT 1",
                (self.id, status.round, seat.seat),
            ).fetchone()
            messages = tuple(
                json.loads(x["payload"])["text"]
                for x in conn.execute(
                    "SELECT payload FROM actions WHERE workshop = ? AND kind = 'message' "
                    "ORDER BY id",
                    (self.id,),
                )
            )
        my_bid = None
        if mine is not None:
            my_bid = tuple((int(u), float(p)) for u, p in json.loads(mine["payload"])["steps"])
        with self.session() as s:  # type: ignore[attr-defined]
            return self._seat_view(s, seat, status, my_bid, messages)

    def _seat_view(self, s: Session, seat: Any, status: Status, my_bid, messages) -> SeatView:
        model, i = s.model, seat.index
        names = model.teams.names
        sc = model.scenario
        values = s.shown.get((s.round, seat.seat)) if s.phase == "bidding" else None
        snaps = model.recorder.team_snaps
        last = {} if not snaps else {k: float(snaps[-1][k][i]) for k in LAST_WEEK}
        if snaps:
            last["price"] = float(model.weeks_frame()["price"].iloc[-1])

        def offer(o: Any) -> OfferView:
            return OfferView(
                o.id,
                names[o.from_team],
                names[o.to_team],
                names[o.lender],
                names[o.borrower],
                o.units,
                o.price,
                o.weeks,
                o.status,
                o.reply_to,
            )

        current = [o for o in s.offers.values() if o.round == s.round]
        return SeatView(
            seat=seat.seat,
            team=seat.team,
            kind=KIND_NAMES[int(model.teams.kind[i])],
            status=status,
            rule=market.MECHANISMS[sc.clearing_rule].label,
            budget=float(model.credits.balances[i]),
            tranches=float(model.teams.gpus[i]),
            need_tranches=float(model.teams.need[i]),
            gpus_per_tranche=int(sc.supply.gpus_per_tranche),
            values=() if values is None else tuple(float(v) for v in values),
            max_units=sc.market.max_units_per_bid,
            my_bid=my_bid,
            silent=seat.seat in s.silent,
            last_week=last,
            offers_to_me=tuple(offer(o) for o in current if o.to_team == i),
            my_offers=tuple(offer(o) for o in current if o.from_team == i),
            messages=messages,
            pending_rules=dict(s.pending_rules),
        )
