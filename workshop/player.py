"""What a seat can do: bid, offer loans and answer them.

A mixin of :class:`workshop.engine.Workshop`. Each action takes the seat from its token,
checks the request against the game rebuilt from the log (the budget, the tranches held,
the round's window) and against the database inside ``BEGIN IMMEDIATE`` (the window is
still open, the offer is still open, earlier agreements of the window), and then appends
one action. Bots answer offers made to them at once, from their own production
(:mod:`workshop.bots`).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from workshop import store
from workshop.bots import bot_answer
from workshop.errors import WorkshopError
from workshop.seating import Seat
from workshop.validate import bid_steps, number

__all__ = ["PlayerActions"]

#: Longest loan a player can offer, in weeks.
MAX_LOAN_WEEKS = 52


class PlayerActions:
    """Seat actions (mixed into :class:`workshop.engine.Workshop`)."""

    id: str
    db: Any
    seat_teams: dict[int, int]

    # ------------------------------------------------------------------ bids
    @store.one_connection
    def submit_bid(self, token: object, steps: object, requested: object = None) -> int:
        """Submit (or replace) the seat's bid for the open round; return the action id.

        Args:
            token: The seat's token.
            steps: ``[(tranches, price), ...]``: up to that many tranches at up to that
                price each (prices are ignored by rules without money).
            requested: Tranches the team says it needs (what rules without money share
                by); default: the tranches in ``steps``.

        Raises:
            WorkshopError: Outside a bidding window, over the budget, too many tranches.
        """
        seat = self._seat_for_action(token)  # type: ignore[attr-defined]
        with self.session() as s:  # type: ignore[attr-defined]
            if s.phase != "bidding":
                raise WorkshopError("round: no bidding window is open")
            k = s.model.scenario.market.max_units_per_bid
            clean = bid_steps(steps, k)
            budget = float(s.model.credits.balances[seat.index])
            round_no = s.round
        total = sum(u * p for u, p in clean)
        if total > budget + 1e-9:
            raise WorkshopError(
                f"bid total = {total:,.0f} credits is over your budget of {budget:,.0f}"
            )
        units = sum(u for u, _ in clean)
        asked = units if requested is None else number("requested", requested, 0, k, whole=True)
        with store.writing(self.db) as conn:
            self._expect_window(conn, round_no, "bidding")
            action = store.insert_action(
                conn,
                self.id,
                round_no,
                "bid",
                {"steps": [[u, p] for u, p in clean], "requested": int(asked)},
                seat=seat.seat,
            )
            everyone = self._all_humans_bid(conn, round_no)
        if everyone:
            self._close_bidding(round_no, "all submitted")  # type: ignore[attr-defined]
        return action

    def _all_humans_bid(self, conn: sqlite3.Connection, round_no: int) -> bool:
        humans = {
            int(r["seat"])
            for r in conn.execute(
                "SELECT seat FROM seats WHERE workshop = ? AND mode = 'human'", (self.id,)
            )
        }
        bid = {
            int(r["seat"])
            for r in conn.execute(
                "SELECT DISTINCT seat FROM actions WHERE workshop = ? AND round = ? "
                "AND kind = 'bid'",
                (self.id, round_no),
            )
        }
        return bool(humans) and humans <= bid

    def _expect_window(self, conn: sqlite3.Connection, round_no: int, phase: str) -> None:
        r = conn.execute(
            "SELECT phase FROM rounds WHERE workshop = ? AND number = ?", (self.id, round_no)
        ).fetchone()
        if r is None or r["phase"] != phase:
            raise WorkshopError(f"round {round_no + 1}: the {phase} window has closed")

    # ------------------------------------------------------------------ loans
    @store.one_connection
    def offer_loan(
        self,
        token: object,
        team: object,
        units: object,
        price: object,
        weeks: object,
        *,
        lend: bool = True,
    ) -> int:
        """Offer another team a loan (``lend``: you lend; otherwise you ask to borrow).

        Bots answer at once (accept, reject or counter); people answer from their seat.
        Returns the offer's id.

        Raises:
            WorkshopError: Outside a negotiation window, a loan to yourself, an unknown
                team, more tranches than the lender holds or credits than the borrower has.
        """
        seat = self._seat_for_action(token)  # type: ignore[attr-defined]
        units = int(number("tranches", units, 1, 1000, whole=True))
        price = number("price", price, 0, 1e9, whole=False)
        weeks = int(number("weeks", weeks, 1, MAX_LOAN_WEEKS, whole=True))
        with self.session() as s:  # type: ignore[attr-defined]
            if s.phase != "negotiating":
                raise WorkshopError("round: no negotiation window is open")
            if seat.seat in s.silent:
                raise WorkshopError(
                    "seat: your bot plays this round (no bid by the close); you are back next round"
                )
            names = list(s.model.teams.names)
            if team not in names:
                raise WorkshopError(f"team = {team!r}: no such team; teams: {', '.join(names)}")
            other = names.index(team)
            if other == seat.index:
                raise WorkshopError("team: you cannot lend to or borrow from yourself")
            lender, borrower = (seat.index, other) if lend else (other, seat.index)
            return self._record_offer(
                s, seat, seat.index, other, lender, borrower, units, price, weeks
            )

    def _record_offer(
        self,
        s: Any,
        seat: Seat | None,
        from_team: int,
        to_team: int,
        lender: int,
        borrower: int,
        units: int,
        price: float,
        weeks: int,
        reply_to: int | None = None,
    ) -> int:
        """Check feasibility, write the offer and, for a bot, its answer (session locked).

        With ``reply_to`` (a person's counter-offer) the countered offer's answer is
        written in the same transaction, so a refused counter leaves that offer open.
        """
        round_no = s.round
        with store.writing(self.db) as conn:
            self._expect_window(conn, round_no, "negotiating")
            lent, paid = self._committed(conn, round_no, lender, borrower)
            if seat is not None and seat.index == lender:
                held = float(s.model.teams.gpus[lender]) - lent
                if units > held + 1e-9:
                    raise WorkshopError(
                        f"tranches = {units} is more than you can lend ({held:.0f})"
                    )
            if seat is not None and seat.index == borrower:
                credits = float(s.model.credits.balances[borrower]) - paid
                if units * price > credits + 1e-9:
                    raise WorkshopError(
                        f"loan = {units * price:,.0f} credits is more than you have "
                        f"({credits:,.0f})"
                    )
            if reply_to is not None and seat is not None:
                self._write_answer(conn, round_no, reply_to, "counter", seat.seat)
            cur = conn.execute(
                "INSERT INTO offers (workshop, round, from_team, to_team, lender, borrower, "
                "units, price, weeks, status, reply_to) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)",
                (
                    self.id,
                    round_no,
                    from_team,
                    to_team,
                    lender,
                    borrower,
                    units,
                    price,
                    weeks,
                    reply_to,
                ),
            )
            offer = int(cur.lastrowid)
            payload = {
                "offer": offer,
                "from_team": from_team,
                "to_team": to_team,
                "lender": lender,
                "borrower": borrower,
                "units": units,
                "price": price,
                "weeks": weeks,
                "reply_to": reply_to,
            }
            store.insert_action(
                conn, self.id, round_no, "offer", payload, seat=None if seat is None else seat.seat
            )
            if self._played_by_bot(conn, s, to_team):
                answer = bot_answer(
                    s.model,
                    bot=to_team,
                    lender=lender,
                    borrower=borrower,
                    units=units,
                    price=price,
                    weeks=weeks,
                    may_counter=reply_to is None,
                    committed_units=lent,
                    committed_credits=paid,
                )
                self._write_answer(conn, round_no, offer, answer.response, None, answer.reason)
                if answer.response == "counter":
                    self._counter(
                        conn,
                        s,
                        round_no,
                        offer,
                        to_team,
                        from_team,
                        lender,
                        borrower,
                        units,
                        answer.price,
                        weeks,
                    )
        return offer

    def _played_by_bot(self, conn: sqlite3.Connection, s: Any, team: int) -> bool:
        """Whether a bot answers for ``team``: no seat, a seat handed to its bot, or silent."""
        seats = {i: seat for seat, i in self.seat_teams.items()}
        if team not in seats:
            return True
        seat = seats[team]
        mode = conn.execute(
            "SELECT mode FROM seats WHERE workshop = ? AND seat = ?", (self.id, seat)
        ).fetchone()["mode"]
        return mode == "bot" or seat in s.silent

    def _committed(
        self, conn: sqlite3.Connection, round_no: int, lender: int, borrower: int
    ) -> tuple[float, float]:
        """Tranches the lender and credits the borrower already agreed to this window."""
        lent = conn.execute(
            "SELECT COALESCE(SUM(units), 0) FROM offers WHERE workshop = ? AND round = ? "
            "AND status = 'accepted' AND lender = ?",
            (self.id, round_no, lender),
        ).fetchone()[0]
        paid = conn.execute(
            "SELECT COALESCE(SUM(units * price), 0) FROM offers WHERE workshop = ? AND round = ? "
            "AND status = 'accepted' AND borrower = ?",
            (self.id, round_no, borrower),
        ).fetchone()[0]
        return float(lent), float(paid)

    def _write_answer(
        self,
        conn: sqlite3.Connection,
        round_no: int,
        offer: int,
        response: str,
        seat: int | None,
        reason: str = "",
    ) -> None:
        status = {"accept": "accepted", "reject": "rejected", "counter": "countered"}[response]
        cur = conn.execute(
            "UPDATE offers SET status = ? WHERE workshop = ? AND id = ? AND status = 'open'",
            (status, self.id, offer),
        )
        if cur.rowcount != 1:
            raise WorkshopError(f"offer = {offer}: it was already answered or has expired")
        store.insert_action(
            conn,
            self.id,
            round_no,
            "answer",
            {"offer": offer, "response": response, "reason": reason},
            seat=seat,
        )

    def _counter(
        self, conn, s, round_no, offer, from_team, to_team, lender, borrower, units, price, weeks
    ):
        cur = conn.execute(
            "INSERT INTO offers (workshop, round, from_team, to_team, lender, borrower, "
            "units, price, weeks, status, reply_to) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)",
            (self.id, round_no, from_team, to_team, lender, borrower, units, price, weeks, offer),
        )
        payload = {
            "offer": int(cur.lastrowid),
            "from_team": from_team,
            "to_team": to_team,
            "lender": lender,
            "borrower": borrower,
            "units": units,
            "price": price,
            "weeks": weeks,
            "reply_to": offer,
        }
        store.insert_action(conn, self.id, round_no, "offer", payload)

    @store.one_connection
    def answer_offer(
        self, token: object, offer: object, response: str, price: object = None
    ) -> int | None:
        """Accept, reject or counter an offer made to the seat's team.

        A counter is a new offer back at ``price`` (a bot then accepts or rejects it).
        Returns the counter-offer's id, or None.

        Raises:
            WorkshopError: For an offer not made to you, already answered or expired, an
                unknown response, or an agreement the lender or borrower cannot honour.
        """
        seat = self._seat_for_action(token)  # type: ignore[attr-defined]
        if response not in ("accept", "reject", "counter"):
            raise WorkshopError(
                f"response = {response!r} is not allowed; use accept, reject or counter"
            )
        with self.session() as s:  # type: ignore[attr-defined]
            if s.phase != "negotiating":
                raise WorkshopError("round: no negotiation window is open")
            is_id = isinstance(offer, int) and not isinstance(offer, bool)
            found = s.offers.get(offer) if is_id else None
            if found is None or found.to_team != seat.index or found.round != s.round:
                raise WorkshopError(f"offer = {offer!r}: no open offer to your team has that id")
            if response == "counter":
                new_price = number("price", price, 0, 1e9, whole=False)
                return self._record_offer(
                    s,
                    seat,
                    seat.index,
                    found.from_team,
                    found.lender,
                    found.borrower,
                    found.units,
                    new_price,
                    found.weeks,
                    reply_to=found.id,
                )
            with store.writing(self.db) as conn:
                self._expect_window(conn, s.round, "negotiating")
                if response == "accept":
                    lent, paid = self._committed(conn, s.round, found.lender, found.borrower)
                    held = float(s.model.teams.gpus[found.lender]) - lent
                    credits = float(s.model.credits.balances[found.borrower]) - paid
                    if found.units > held + 1e-9:
                        raise WorkshopError(
                            f"offer = {found.id}: the lender holds only {held:.0f} tranches now"
                        )
                    if found.units * found.price > credits + 1e-9:
                        raise WorkshopError(
                            f"offer = {found.id}: the borrower has only {credits:,.0f} credits now"
                        )
                self._write_answer(conn, s.round, found.id, response, seat.seat)
        return None
