"""The host's controls: rounds, timers, rule changes, messages and seats.

A mixin of :class:`workshop.engine.Workshop`. Each control checks the host's token,
then writes inside ``BEGIN IMMEDIATE``. Closing a window is a compare-and-set on the
round's phase, so two clicks (or a click and the timer) close it once: the second finds
it closed and changes nothing.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from game.world.rules import changed_scenario
from workshop import store
from workshop.errors import WorkshopError
from workshop.links import SeatLink, seat_url
from workshop.tokens import hash_token, new_token

__all__ = ["HostControls"]

#: Longest message the host can broadcast.
MESSAGE_MAX = 500


class HostControls:
    """Host controls (mixed into :class:`workshop.engine.Workshop`)."""

    db: Any
    id: str
    rounds: int
    bidding_seconds: float
    negotiation_seconds: float
    base_url: str

    # provided by Workshop: _require_host(token), _round(conn), tick(), session()

    # ------------------------------------------------------------------ rounds
    @store.one_connection
    def open_round(self, host: object) -> int:
        """Open the next round's bidding window; return its number (0-based).

        Raises:
            WorkshopError: If a round is still open or every round was played.
        """
        self._require_host(host)
        self.tick()
        with store.writing(self.db) as conn:
            last = self._round(conn)
            if last is not None and last["phase"] != "closed":
                raise WorkshopError(
                    f"round {last['number'] + 1} is still {last['phase']}; close it first"
                )
            number = 0 if last is None else int(last["number"]) + 1
            if number >= self.rounds:
                raise WorkshopError(f"the workshop is finished: all {self.rounds} rounds played")
            conn.execute(
                "INSERT INTO rounds (workshop, number, phase, deadline) "
                "VALUES (?, ?, 'bidding', ?)",
                (self.id, number, store.now() + self.bidding_seconds),
            )
            store.insert_action(conn, self.id, number, "round_open", {})
        return number

    @store.one_connection
    def close_bidding(self, host: object) -> bool:
        """Close the open bidding window now (the market clears); False if already closed."""
        self._require_host(host)
        self.tick()
        with store.reading(self.db) as conn:
            r = self._round(conn)
        if r is None or r["phase"] != "bidding":
            return False
        return self._close_bidding(int(r["number"]), "host")

    @store.one_connection
    def close_negotiation(self, host: object) -> bool:
        """Close the open negotiation window now (the week finishes); False if not open."""
        self._require_host(host)
        self.tick()
        with store.reading(self.db) as conn:
            r = self._round(conn)
        if r is None or r["phase"] != "negotiating":
            return False
        return self._close_negotiation(int(r["number"]), "host")

    def _close_bidding(self, number: int, reason: str) -> bool:
        with store.writing(self.db) as conn:
            r = conn.execute(
                "SELECT paused_left FROM rounds WHERE workshop = ? AND number = ?",
                (self.id, number),
            ).fetchone()
            paused = r is not None and r["paused_left"] is not None
            cur = conn.execute(
                "UPDATE rounds SET phase = 'negotiating', deadline = ?, paused_left = ? "
                "WHERE workshop = ? AND number = ? AND phase = 'bidding'",
                (
                    None if paused else store.now() + self.negotiation_seconds,
                    self.negotiation_seconds if paused else None,
                    self.id,
                    number,
                ),
            )
            if cur.rowcount != 1:
                return False
            bid = {
                int(row["seat"])
                for row in conn.execute(
                    "SELECT DISTINCT seat FROM actions WHERE workshop = ? AND round = ? "
                    "AND kind = 'bid'",
                    (self.id, number),
                )
            }
            seats = conn.execute(
                "SELECT seat, mode FROM seats WHERE workshop = ? ORDER BY seat", (self.id,)
            ).fetchall()
            silent = [int(s["seat"]) for s in seats if s["mode"] == "bot" or s["seat"] not in bid]
            store.insert_action(
                conn, self.id, number, "bidding_closed", {"silent": silent, "reason": reason}
            )
        return True

    def _close_negotiation(self, number: int, reason: str) -> bool:
        with store.writing(self.db) as conn:
            cur = conn.execute(
                "UPDATE rounds SET phase = 'closed', deadline = NULL, paused_left = NULL "
                "WHERE workshop = ? AND number = ? AND phase = 'negotiating'",
                (self.id, number),
            )
            if cur.rowcount != 1:
                return False
            conn.execute(
                "UPDATE offers SET status = 'expired' WHERE workshop = ? AND round = ? "
                "AND status = 'open'",
                (self.id, number),
            )
            store.insert_action(conn, self.id, number, "negotiation_closed", {"reason": reason})
        return True

    @store.one_connection
    def advance(self, host: object, rounds: int = 1) -> int:
        """Play ``rounds`` rounds as the host would: open, close bidding, close negotiation.

        Seats that submitted nothing are played by their bots. A round already open is
        finished first. Returns the number of rounds closed.
        """
        self._require_host(host)
        done = 0
        for _ in range(int(rounds)):
            self.tick()
            with store.reading(self.db) as conn:
                r = self._round(conn)
            if r is None or r["phase"] == "closed":
                if r is not None and int(r["number"]) + 1 >= self.rounds:
                    break
                self.open_round(host)
            self.close_bidding(host)
            self.close_negotiation(host)
            done += 1
        return done

    # ------------------------------------------------------------------ timers
    @store.one_connection
    def extend(self, host: object, seconds: float) -> None:
        """Give the open window ``seconds`` more (1-3600)."""
        self._require_host(host)
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise WorkshopError(f"seconds = {seconds!r} is not allowed; use 1-3600")
        if not 1 <= seconds <= 3600:
            raise WorkshopError(f"seconds = {seconds!r} is not allowed; use 1-3600")
        with store.writing(self.db) as conn:
            r = self._open_round(conn)
            conn.execute(
                "UPDATE rounds SET deadline = deadline + ?, paused_left = paused_left + ? "
                "WHERE workshop = ? AND number = ?",
                (seconds, seconds, self.id, r["number"]),
            )
            store.insert_action(conn, self.id, r["number"], "extend", {"seconds": seconds})

    @store.one_connection
    def pause(self, host: object) -> None:
        """Stop the open window's timer (no-op if it is paused)."""
        self._require_host(host)
        with store.writing(self.db) as conn:
            r = self._open_round(conn)
            if r["deadline"] is None:
                return
            left = max(0.0, float(r["deadline"]) - store.now())
            conn.execute(
                "UPDATE rounds SET deadline = NULL, paused_left = ? WHERE workshop = ? "
                "AND number = ?",
                (left, self.id, r["number"]),
            )
            store.insert_action(conn, self.id, r["number"], "pause", {"left": left})

    @store.one_connection
    def resume(self, host: object) -> None:
        """Restart a paused timer with the time it had left (no-op if running)."""
        self._require_host(host)
        with store.writing(self.db) as conn:
            r = self._open_round(conn)
            if r["paused_left"] is None:
                return
            conn.execute(
                "UPDATE rounds SET deadline = ?, paused_left = NULL WHERE workshop = ? "
                "AND number = ?",
                (store.now() + float(r["paused_left"]), self.id, r["number"]),
            )
            store.insert_action(conn, self.id, r["number"], "resume", {})

    def _open_round(self, conn: sqlite3.Connection) -> sqlite3.Row:
        r = self._round(conn)
        if r is None or r["phase"] == "closed":
            raise WorkshopError("no window is open (open a round first)")
        return r

    # ------------------------------------------------------------------ rules and people
    @store.one_connection
    def change_rules(self, host: object, overrides: dict[str, Any]) -> None:
        """Change scenario keys from the next round on (recorded and shown to players).

        Raises:
            WorkshopError: For a key fixed when the game started, an unknown key or a bad
                value (the message names it).
        """
        self._require_host(host)
        if not isinstance(overrides, dict) or not overrides:
            raise WorkshopError(f"overrides = {overrides!r} is not allowed; use {{key: value}}")
        with self.session() as s:  # type: ignore[attr-defined]
            try:
                changed_scenario(s.model.scenario, {**s.pending_rules, **overrides})
            except ValueError as err:  # ScenarioError is a ValueError
                raise WorkshopError(str(err)) from None
        with store.writing(self.db) as conn:
            r = self._round(conn)
            number = -1 if r is None else int(r["number"])
            store.insert_action(conn, self.id, number, "rules", {"overrides": overrides})

    @store.one_connection
    def broadcast(self, host: object, text: str) -> None:
        """Send a message to every seat."""
        self._require_host(host)
        if not isinstance(text, str) or not text.strip() or len(text) > MESSAGE_MAX:
            raise WorkshopError(f"text: use 1-{MESSAGE_MAX} characters")
        with store.writing(self.db) as conn:
            r = self._round(conn)
            number = -1 if r is None else int(r["number"])
            store.insert_action(conn, self.id, number, "message", {"text": text.strip()})

    @store.one_connection
    def set_seat_mode(self, host: object, seat: int, mode: str) -> None:
        """Hand a seat to its bot (``"bot"``) or back to its player (``"human"``)."""
        self._require_host(host)
        if mode not in ("human", "bot"):
            raise WorkshopError(f"mode = {mode!r} is not allowed; use 'human' or 'bot'")
        with store.writing(self.db) as conn:
            self._seat_row(conn, seat)
            conn.execute(
                "UPDATE seats SET mode = ? WHERE workshop = ? AND seat = ?", (mode, self.id, seat)
            )
            r = self._round(conn)
            number = -1 if r is None else int(r["number"])
            store.insert_action(conn, self.id, number, "seat_mode", {"mode": mode}, seat=seat)

    @store.one_connection
    def revoke(self, host: object, seat: int) -> None:
        """Withdraw a seat's link (its player can no longer act until reissued)."""
        self._require_host(host)
        with store.writing(self.db) as conn:
            self._seat_row(conn, seat)
            conn.execute(
                "UPDATE seats SET revoked = 1 WHERE workshop = ? AND seat = ?", (self.id, seat)
            )
            store.insert_action(conn, self.id, self._number(conn), "revoke", {}, seat=seat)

    @store.one_connection
    def reissue(self, host: object, seat: int) -> SeatLink:
        """Give a seat a new link (the old one stops working); return it."""
        self._require_host(host)
        token = new_token()
        with store.writing(self.db) as conn:
            row = self._seat_row(conn, seat)
            conn.execute(
                "UPDATE seats SET token_hash = ?, revoked = 0 WHERE workshop = ? AND seat = ?",
                (hash_token(token), self.id, seat),
            )
            store.insert_action(conn, self.id, self._number(conn), "reissue", {}, seat=seat)
        return SeatLink(seat, row["team"], token, seat_url(self.base_url, self.id, token))

    def _seat_row(self, conn: sqlite3.Connection, seat: object) -> sqlite3.Row:
        row = None
        if isinstance(seat, int) and not isinstance(seat, bool):
            row = conn.execute(
                "SELECT * FROM seats WHERE workshop = ? AND seat = ?", (self.id, seat)
            ).fetchone()
        if row is None:
            n = conn.execute("SELECT COUNT(*) FROM seats WHERE workshop = ?", (self.id,)).fetchone()
            raise WorkshopError(f"seat = {seat!r} is not allowed; seats are 1-{n[0]}")
        return row

    def _number(self, conn: sqlite3.Connection) -> int:
        r = self._round(conn)
        return -1 if r is None else int(r["number"])
