"""A workshop's game rebuilt from its action log, deterministically.

A :class:`Session` holds a :class:`~game.ComputeGame` and applies the log's actions in
order: a round opens (pending rule changes apply, the round's first week is prepared, the
values each seat sees are noted), players' bids are kept, bidding closes (seated teams
bid their players' orders, silent seats their bots; the round's weeks are played up to the
last one's clearing), loan offers and answers build the agreed deals, and the negotiation
window closes (the week finishes with those deals). Replaying the same log from the same
scenario and seed gives the same game in any process.

:class:`SessionCache` keeps one session per workshop in this process, keyed on the last
action applied, so serving a request only applies the actions that are new.

A *counterfactual* session (:class:`Counterfactual`) replays a log under another rule:
each player's bid becomes the same fraction of each tranche's new value as it was of
the value the player saw, so with the session's own rule it reproduces the session.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from agents.strategies import Human, order_row
from game import ComputeGame, Scenario
from game.world.loans import LoanDeal

__all__ = ["Action", "Counterfactual", "Offer", "Session", "SessionCache"]


@dataclass(frozen=True, slots=True)
class Action:
    """One entry of the log."""

    id: int
    round: int
    kind: str
    seat: int | None
    payload: dict[str, Any]


@dataclass
class Offer:
    """A loan offer as the log tells it (status follows the answers)."""

    id: int
    round: int
    from_team: int
    to_team: int
    lender: int
    borrower: int
    units: int
    price: float
    weeks: int
    status: str = "open"
    reply_to: int | None = None


@dataclass(frozen=True)
class Counterfactual:
    """Replay a log under ``rule``: players bid the same fractions of the new values.

    Attributes:
        rule: The allocation rule for the whole session.
        shown: ``(round, seat) -> values`` the player saw in the real session.
    """

    rule: str
    shown: dict[tuple[int, int], np.ndarray]


@dataclass
class Session:
    """The game of one workshop, rebuilt by applying its log.

    Args:
        scenario: The workshop's scenario at the start.
        seed: Its seed.
        seats: ``seat -> team index``.
        weeks_per_round: Game weeks played per round.
        counterfactual: Replay under another rule (see :class:`Counterfactual`).
    """

    scenario: Scenario
    seed: int
    seats: dict[int, int]
    weeks_per_round: int
    counterfactual: Counterfactual | None = None
    model: ComputeGame = field(init=False)
    last_action: int = 0
    round: int = -1
    phase: str = "waiting"
    orders: dict[int, tuple[np.ndarray, float]] = field(default_factory=dict)
    silent: frozenset[int] = frozenset()
    deals: list[LoanDeal] = field(default_factory=list)
    offers: dict[int, Offer] = field(default_factory=dict)
    shown: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)
    pending_rules: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        scenario = self.scenario
        if self.counterfactual is not None:
            scenario = scenario.with_overrides(
                scenario.overrides_to_clear_by(self.counterfactual.rule)
            )
        self.model = ComputeGame(scenario, rng=self.seed)
        agents = {a.index: a for a in self.model.team_agents}
        for index in self.seats.values():
            agent = agents[index]
            agent.strategy = Human(bot=agent.strategy)
        self._seat_strategy = {s: agents[i].strategy for s, i in self.seats.items()}

    # ------------------------------------------------------------------ applying
    def apply(self, action: Action) -> None:
        """Apply one action of the log (in order; earlier ones must have been applied)."""
        if action.id <= self.last_action:
            raise ValueError(f"action {action.id} was already applied (at {self.last_action})")
        handler = getattr(self, "_on_" + action.kind, None)
        if handler is not None:
            handler(action)
        self.last_action = action.id

    def _on_round_open(self, a: Action) -> None:
        if self.pending_rules:
            rules = dict(self.pending_rules)
            if self.counterfactual is not None:
                for key in ("market.mechanism", "governance.mode"):
                    rules.pop(key, None)
            if rules:
                self.model.change_rules(rules)
            self.pending_rules = {}
        self.round, self.phase = a.round, "bidding"
        self.orders, self.deals, self.silent = {}, [], frozenset()
        self.model.prepare_week()
        values = self.model.tranche_values()
        for seat, index in self.seats.items():
            self.shown[(a.round, seat)] = values[index].copy()

    def _on_bid(self, a: Action) -> None:
        k = self.model.scenario.market.max_units_per_bid
        steps = [(int(u), float(p)) for u, p in a.payload["steps"]]
        row = order_row(steps, k)
        self.orders[int(a.seat)] = (row, float(a.payload["requested"]))

    def _on_bidding_closed(self, a: Action) -> None:
        self.silent = frozenset(int(s) for s in a.payload["silent"])
        for seat, strategy in self._seat_strategy.items():
            order = self.orders.get(seat)
            if seat in self.silent or order is None:
                strategy.order, strategy.requested = None, None
            else:
                strategy.order, strategy.requested = (
                    self._bid_row(a.round, seat, order[0]),
                    order[1],
                )
        for j in range(self.weeks_per_round):
            if j > 0:
                self.model.prepare_week()
            self.model.clear_week()
            if j < self.weeks_per_round - 1:
                self.model.finish_week(bargaining=self.bargaining())
        self.phase = "negotiating"

    def _on_offer(self, a: Action) -> None:
        p = a.payload
        self.offers[int(p["offer"])] = Offer(
            int(p["offer"]),
            a.round,
            int(p["from_team"]),
            int(p["to_team"]),
            int(p["lender"]),
            int(p["borrower"]),
            int(p["units"]),
            float(p["price"]),
            int(p["weeks"]),
            reply_to=p.get("reply_to"),
        )

    def _on_answer(self, a: Action) -> None:
        offer = self.offers[int(a.payload["offer"])]
        offer.status = {"accept": "accepted", "reject": "rejected", "counter": "countered"}[
            a.payload["response"]
        ]
        if offer.status == "accepted":
            self.deals.append(
                LoanDeal(offer.lender, offer.borrower, offer.units, offer.price, offer.weeks)
            )

    def _on_negotiation_closed(self, a: Action) -> None:
        for offer in self.offers.values():
            if offer.round == a.round and offer.status == "open":
                offer.status = "expired"
        self.model.finish_week(self.deals, bargaining=self.bargaining())
        self.history.append(
            {
                "round": a.round,
                "orders": {s: o[0].copy() for s, o in self.orders.items()},
                "silent": sorted(self.silent),
                "deals": list(self.deals),
            }
        )
        for strategy in self._seat_strategy.values():
            strategy.order, strategy.requested = None, None
        self.phase = "closed"

    def _on_rules(self, a: Action) -> None:
        self.pending_rules.update(a.payload["overrides"])

    # ------------------------------------------------------------------ reading
    def bargaining(self) -> np.ndarray:
        """Teams in the automatic bargaining: every team but the seats a person played."""
        mask = np.ones(self.model.teams.n, dtype=bool)
        for seat, index in self.seats.items():
            if seat not in self.silent and seat in self.orders:
                mask[index] = False
        return mask

    def _bid_row(self, round_: int, seat: int, row: np.ndarray) -> np.ndarray:
        """The row a seat bids: its order, or in a counterfactual the same shading."""
        if self.counterfactual is None:
            return row
        seen = self.counterfactual.shown.get((round_, seat))
        now = self.shown[(round_, seat)]
        if seen is None:
            return row
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(seen > 0, row / seen, 0.0)
        scaled = np.where(seen > 0, ratio * now, row)
        return np.where(now == seen, row, scaled)


class SessionCache:
    """One rebuilt session per workshop in this process, advanced by the new actions.

    Use :meth:`lock` around reading a session so that no other thread advances it
    meanwhile.
    """

    def __init__(self) -> None:
        self._sessions: dict[str, Session] = {}
        self._locks: dict[str, threading.RLock] = {}
        self._guard = threading.Lock()

    def lock(self, key: str) -> threading.RLock:
        """The lock of one workshop's session."""
        with self._guard:
            return self._locks.setdefault(key, threading.RLock())

    def get(self, key: str) -> Session | None:
        """The cached session of ``key`` (hold its :meth:`lock`)."""
        return self._sessions.get(key)

    def put(self, key: str, session: Session) -> None:
        """Cache ``session`` for ``key`` (hold its :meth:`lock`)."""
        self._sessions[key] = session

    def drop(self, key: str) -> None:
        """Forget ``key``'s session (after an error left it half-applied)."""
        self._sessions.pop(key, None)

    def clear(self) -> None:
        """Forget every session (tests; a process that wants to replay from scratch)."""
        self._sessions.clear()
