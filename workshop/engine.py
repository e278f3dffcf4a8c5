"""A live workshop: create one, open it, act as a seat, read where the game stands.

:func:`create_workshop` writes a new workshop into a database and returns the host's
and every seat's link (each carrying a fresh secret token). :class:`Workshop` opens an
existing one; every call opens its own database connection, validates what it is asked
against the game rebuilt from the log (:mod:`workshop.replay`) and appends an action
inside ``BEGIN IMMEDIATE``. Who acts is always taken from the token, never from a field
of the request. Host controls are in :class:`workshop.host.HostControls`.

Every refusal is a :class:`WorkshopError` (a token problem an :class:`AccessError`) whose
message is one line naming the field, the value and what is allowed; nothing is written.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from game import Scenario, ScenarioError, load_scenario
from workshop import store
from workshop.errors import AccessError, WorkshopError
from workshop.host import HostControls
from workshop.links import SeatLink, host_url, seat_url
from workshop.player import PlayerActions
from workshop.replay import Action, Counterfactual, Session, SessionCache
from workshop.seating import Seat, seat_teams
from workshop.tokens import hash_token, looks_like_token, new_token
from workshop.validate import number
from workshop.views import Views

__all__ = ["CACHE", "LOCAL_HOST", "Created", "SeatLink", "Workshop", "create_workshop"]

#: Sessions rebuilt in this process, one per workshop (see :class:`SessionCache`).
CACHE = SessionCache()
#: Pass as the host token to act as the host from this machine (whoever can open the
#: database file runs the workshop: the CLI's ``advance`` uses it).
LOCAL_HOST = object()
DEFAULT_BASE_URL = "http://localhost:8501"


@dataclass(frozen=True, slots=True)
class Created:
    """A new workshop: its id, database, the host's link and one link per seat."""

    workshop: str
    db: Path
    host_token: str
    host_url: str
    seats: tuple[SeatLink, ...]

    def as_json(self) -> dict[str, Any]:
        """The shape ``crunch workshop new --json`` prints."""
        return {
            "workshop": self.workshop,
            "db": str(self.db),
            "host": self.host_url,
            "seats": [{"seat": s.seat, "team": s.team, "url": s.url} for s in self.seats],
        }


def create_workshop(
    db: Path,
    scenario: Scenario | str,
    *,
    seats: int,
    rounds: int,
    seed: int = 0,
    weeks_per_round: int = 1,
    bidding_seconds: float = 180.0,
    negotiation_seconds: float = 120.0,
    base_url: str = DEFAULT_BASE_URL,
) -> Created:
    """Create a workshop in ``db`` (created if missing) and return its links.

    Args:
        db: The workshop database file.
        scenario: A scenario, or a preset name or TOML path.
        seats: Seats for people (at most the scenario's number of teams).
        rounds: Rounds to play (each one bidding window and one negotiation window).
        seed: The game's seed.
        weeks_per_round: Game weeks per round.
        bidding_seconds: Length of each bidding window.
        negotiation_seconds: Length of each negotiation window.
        base_url: Where the app runs (links point there).

    Raises:
        WorkshopError: For a bad argument (the message names it).
    """
    if not isinstance(scenario, Scenario):
        try:
            scenario = load_scenario(scenario)
        except ScenarioError as err:
            raise WorkshopError(str(err)) from None
    n_teams = scenario.lab.research_teams + scenario.lab.product_teams
    number("seats", seats, 1, n_teams, whole=True)
    number("rounds", rounds, 1, 520, whole=True)
    number("weeks_per_round", weeks_per_round, 1, 52, whole=True)
    number("seed", seed, 0, 2**63 - 1, whole=True)
    number("bidding_seconds", bidding_seconds, 5, 86_400, whole=False)
    number("negotiation_seconds", negotiation_seconds, 5, 86_400, whole=False)
    if not str(base_url).startswith(("http://", "https://")):
        raise WorkshopError(f"base_url = {base_url!r} is not allowed; use an http(s):// URL")
    try:
        store.create(Path(db))
    except store.StoreError as err:
        raise WorkshopError(str(err)) from None
    workshop = uuid.uuid4().hex[:12]
    host_token = new_token()
    teams = seat_teams(scenario, int(seats))
    links = []
    with store.writing(Path(db)) as conn:
        conn.execute(
            "INSERT INTO workshops (id, created, scenario, seed, rounds, weeks_per_round, "
            "bidding_seconds, negotiation_seconds, base_url, host_hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                workshop,
                store.now(),
                scenario.to_toml(),
                int(seed),
                int(rounds),
                int(weeks_per_round),
                float(bidding_seconds),
                float(negotiation_seconds),
                base_url,
                hash_token(host_token),
            ),
        )
        for seat, (index, team) in enumerate(teams, start=1):
            token = new_token()
            conn.execute(
                "INSERT INTO seats (workshop, seat, team, team_index, token_hash, mode) "
                "VALUES (?, ?, ?, ?, ?, 'human')",
                (workshop, seat, team, index, hash_token(token)),
            )
            links.append(SeatLink(seat, team, token, seat_url(base_url, workshop, token)))
        store.insert_action(conn, workshop, -1, "created", {"seats": len(teams)})
    return Created(
        workshop,
        Path(db),
        host_token,
        host_url(base_url, workshop, host_token),
        tuple(links),
    )


class Workshop(HostControls, PlayerActions, Views):
    """An existing workshop in ``db`` (the only one there, or the one named ``workshop``).

    Raises:
        WorkshopError: For a missing or foreign database, or an unknown workshop.
    """

    def __init__(self, db: Path | str, workshop: str | None = None) -> None:
        self.db = Path(db)
        try:
            with store.reading(self.db) as conn:
                rows = conn.execute("SELECT * FROM workshops ORDER BY created").fetchall()
                seats = conn.execute(
                    "SELECT seat, team_index FROM seats WHERE workshop = ? ORDER BY seat",
                    (workshop or (rows[0]["id"] if rows else ""),),
                ).fetchall()
        except store.StoreError as err:
            raise WorkshopError(str(err)) from None
        if not rows:
            raise WorkshopError(f"{self.db}: holds no workshop (create one first)")
        if workshop is None:
            if len(rows) > 1:
                ids = ", ".join(r["id"] for r in rows)
                raise WorkshopError(f"{self.db} holds several workshops; name one of: {ids}")
            row = rows[0]
        else:
            found = [r for r in rows if r["id"] == workshop]
            if not found:
                raise WorkshopError(f"workshop = {workshop!r}: not in {self.db}")
            row = found[0]
        self.id: str = row["id"]
        self.scenario = Scenario.model_validate(_toml(row["scenario"]))
        self.seed = int(row["seed"])
        self.rounds = int(row["rounds"])
        self.weeks_per_round = int(row["weeks_per_round"])
        self.bidding_seconds = float(row["bidding_seconds"])
        self.negotiation_seconds = float(row["negotiation_seconds"])
        self.base_url = str(row["base_url"])
        self._host_hash = str(row["host_hash"])
        self.seat_teams = {int(s["seat"]): int(s["team_index"]) for s in seats}
        self._key = f"{self.db.resolve()}#{self.id}"

    # ------------------------------------------------------------------ the game
    @contextmanager
    def session(self) -> Iterator[Session]:
        """The game rebuilt up to the last action (hold it only briefly: it is locked)."""
        with CACHE.lock(self._key):
            session = CACHE.get(self._key)
            if session is None:
                session = Session(self.scenario, self.seed, self.seat_teams, self.weeks_per_round)
            try:
                for action in self.actions(after=session.last_action):
                    session.apply(action)
            except Exception:
                CACHE.drop(self._key)
                raise
            CACHE.put(self._key, session)
            yield session

    def replayed(self, counterfactual: Counterfactual | None = None) -> Session:
        """The game rebuilt from the whole log now, from scratch (not the cached one)."""
        session = Session(
            self.scenario, self.seed, self.seat_teams, self.weeks_per_round, counterfactual
        )
        for action in self.actions():
            session.apply(action)
        return session

    def counterfactual(self, rule: str, shown: dict[tuple[int, int], Any] | None = None) -> Session:
        """The session replayed under ``rule``, each player bidding as they did.

        Each player's bid for each tranche becomes the same fraction of the tranche's new
        value as it was of the value they saw; silent seats' bots, the agreed loans and the
        host's other rule changes are kept. Under the session's own rule this reproduces
        the session exactly.

        Args:
            rule: The allocation rule.
            shown: The values each seat saw in each round (``Session.shown`` of the
                session); replayed from the log when not given.

        Raises:
            WorkshopError: For an unknown rule.
        """
        import market

        try:
            rule = market.resolve_mechanism(rule)
        except ValueError as err:
            raise WorkshopError(str(err)) from None
        if shown is None:
            shown = self.replayed().shown
        return self.replayed(Counterfactual(rule, dict(shown)))

    def actions(self, after: int = 0) -> list[Action]:
        """The log from action ``after`` on (0: all of it), in order."""
        with store.reading(self.db) as conn:
            rows = conn.execute(
                "SELECT id, round, kind, seat, payload FROM actions "
                "WHERE workshop = ? AND id > ? ORDER BY id",
                (self.id, after),
            ).fetchall()
        return [
            Action(int(r["id"]), int(r["round"]), r["kind"], r["seat"], json.loads(r["payload"]))
            for r in rows
        ]

    # ------------------------------------------------------------------ identity
    def seat(self, token: object) -> Seat:
        """The seat a token opens.

        Raises:
            AccessError: For a malformed, unknown, revoked or other workshop's token.
        """
        if not looks_like_token(token):
            raise AccessError("token: not a seat link (check the link you were given)")
        with store.reading(self.db) as conn:
            row = conn.execute(
                "SELECT seat, team, team_index, mode, revoked FROM seats "
                "WHERE workshop = ? AND token_hash = ?",
                (self.id, hash_token(str(token))),
            ).fetchone()
        if row is None:
            raise AccessError("token: this link opens no seat in this workshop")
        if row["revoked"]:
            raise AccessError("token: this link was withdrawn; ask the host for a new one")
        return Seat(int(row["seat"]), row["team"], int(row["team_index"]), row["mode"])

    def is_host(self, token: object) -> bool:
        """Whether ``token`` is this workshop's host token (or :data:`LOCAL_HOST`)."""
        if token is LOCAL_HOST:
            return True
        return looks_like_token(token) and hash_token(str(token)) == self._host_hash

    def _require_host(self, token: object) -> None:
        if not self.is_host(token):
            raise AccessError("token: only the host can do this")

    # ------------------------------------------------------------------ rounds
    def _round(self, conn: sqlite3.Connection) -> sqlite3.Row | None:
        """The latest round opened (or None)."""
        return conn.execute(
            "SELECT * FROM rounds WHERE workshop = ? ORDER BY number DESC LIMIT 1", (self.id,)
        ).fetchone()

    def tick(self) -> None:
        """Close the current window if its timer ran out (every call does this first)."""
        with store.reading(self.db) as conn:
            r = self._round(conn)
        if r is None or r["phase"] == "closed" or r["deadline"] is None:
            return
        if store.now() < float(r["deadline"]):
            return
        if r["phase"] == "bidding":
            self._close_bidding(int(r["number"]), "timer")
        else:
            self._close_negotiation(int(r["number"]), "timer")

    def _seat_for_action(self, token: object) -> Seat:
        self.tick()
        seat = self.seat(token)
        if seat.mode != "human":
            raise AccessError("token: the host handed this seat to its bot")
        return seat


def _toml(text: str) -> dict[str, Any]:
    import tomllib

    return tomllib.loads(text)
