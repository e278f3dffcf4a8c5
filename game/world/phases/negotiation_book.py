"""What the automatic bargaining remembers: each team's tactic and every negotiation held.

:class:`Bargains` is one week's negotiations (arrays, one entry per pair, agreed or not);
:class:`NegotiationBook` keeps them week by week and turns them into a table only when
asked (:meth:`ComputeGame.negotiations_frame`); :class:`Negotiators` is the bargaining's
state across weeks: the tactics (:class:`agents.negotiation.TacticChoice`), the book, the
running term loans and the world whose last clearing price anchors the offers.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd

from agents.negotiation import TACTICS, TacticChoice
from game.scenario import Scenario
from game.world.loans import TermLoans
from game.world.state import WorldState

__all__ = ["NEGOTIATION_COLUMNS", "Bargains", "NegotiationBook", "Negotiators"]

NEGOTIATION_COLUMNS = (
    "week",
    "borrower",
    "lender",
    "units",
    "weeks",
    "borrower_tactic",
    "lender_tactic",
    "borrower_value",
    "lender_value",
    "borrower_reservation",
    "lender_reservation",
    "market_price",
    "borrower_opening",
    "lender_opening",
    "rounds",
    "agreed",
    "walked_away",
    "price",
    "nash_price",
)
"""Columns of :meth:`NegotiationBook.frame`. Prices and values are credits per tranche for
the loan's ``weeks``: ``*_value`` what the tranches add to the borrower's output and take
from the lender's; ``borrower_reservation`` the borrower's value capped by what its credits
pay for, ``lender_reservation`` the lender's value; ``market_price`` the last clearing price
scaled to the loan's weeks (the anchors sit around it; empty without one); an opening is
empty where that side accepted the other's opening offer; ``walked_away`` names the side
that left (empty with a deal); ``nash_price`` is the Nash bargaining price, the midpoint of
the two reservations (empty where the borrower's is below the lender's: no zone)."""


@dataclass(frozen=True, slots=True)
class Bargains:
    """One week's automatic negotiations, one entry per borrower/lender pair.

    Attributes mirror :data:`NEGOTIATION_COLUMNS` (teams and tactics as indices,
    ``lender_walked`` a boolean that is False where there is a deal).
    """

    week: int
    borrower: np.ndarray
    lender: np.ndarray
    units: np.ndarray
    weeks: np.ndarray
    borrower_tactic: np.ndarray
    lender_tactic: np.ndarray
    borrower_value: np.ndarray
    lender_value: np.ndarray
    borrower_reservation: np.ndarray
    lender_reservation: np.ndarray
    market_price: np.ndarray
    borrower_opening: np.ndarray
    lender_opening: np.ndarray
    rounds: np.ndarray
    agreed: np.ndarray
    lender_walked: np.ndarray
    price: np.ndarray
    nash_price: np.ndarray

    def __len__(self) -> int:
        return int(self.borrower.size)

    @classmethod
    def none(cls, week: int) -> Bargains:
        """A week without negotiations."""
        arrays = {f.name: np.zeros(0) for f in fields(cls) if f.name != "week"}
        for name in ("borrower", "lender", "borrower_tactic", "lender_tactic", "rounds"):
            arrays[name] = np.zeros(0, dtype=np.int64)
        arrays["agreed"] = arrays["lender_walked"] = np.zeros(0, dtype=bool)
        return cls(week=week, **arrays)

    def select(self, keep: np.ndarray) -> Bargains:
        """The negotiations where ``keep`` is True."""
        arrays = {f.name: getattr(self, f.name)[keep] for f in fields(self) if f.name != "week"}
        return Bargains(week=self.week, **arrays)

    def rewards(self) -> tuple[np.ndarray, np.ndarray]:
        """Each side's share of the pair's surplus: ``(borrower, lender)`` in [0, 1].

        0 for both where a zone of agreement existed and they walked away; an even split
        where the zone is a single price. Only meaningful where there was a zone.
        """
        r_b, r_l = self.borrower_reservation, self.lender_reservation
        width = r_b - r_l
        safe = np.where(width > 0, width, 1.0)
        lender = np.where(width > 0, (self.price - r_l) / safe, 0.5)
        lender = np.where(self.agreed, np.clip(lender, 0.0, 1.0), 0.0)
        borrower = np.where(self.agreed, 1.0 - lender, 0.0)
        return borrower, lender


@dataclass
class NegotiationBook:
    """Every automatic negotiation of a game, kept as one :class:`Bargains` per week."""

    weeks: list[Bargains] = field(default_factory=list)

    def add(self, bargains: Bargains) -> None:
        """Keep one week's negotiations."""
        self.weeks.append(bargains)

    def __len__(self) -> int:
        return sum(len(b) for b in self.weeks)

    def frame(self, names: list[str]) -> pd.DataFrame:
        """One row per negotiation with the columns of :data:`NEGOTIATION_COLUMNS`.

        Args:
            names: Team names in table order.
        """
        kept = [b for b in self.weeks if len(b)]
        if not kept:
            return pd.DataFrame(columns=list(NEGOTIATION_COLUMNS))

        def col(name: str) -> np.ndarray:
            return np.concatenate([getattr(b, name) for b in kept])

        team = np.asarray(names, dtype=object)
        tactic = np.asarray(TACTICS, dtype=object)
        agreed = col("agreed")
        walked = np.where(col("lender_walked"), "lender", "borrower")
        data: dict[str, object] = {
            "week": np.concatenate([np.full(len(b), b.week) for b in kept]),
            "borrower": team[col("borrower")],
            "lender": team[col("lender")],
            "units": col("units"),
            "weeks": col("weeks"),
            "borrower_tactic": tactic[col("borrower_tactic")],
            "lender_tactic": tactic[col("lender_tactic")],
        }
        for name in NEGOTIATION_COLUMNS[7:14]:
            data[name] = col(name)
        data["rounds"] = col("rounds")
        data["agreed"] = agreed
        data["walked_away"] = np.where(agreed, "", walked).astype(object)
        data["price"] = col("price")
        data["nash_price"] = col("nash_price")
        return pd.DataFrame(data, columns=list(NEGOTIATION_COLUMNS))


class Negotiators:
    """The automatic bargaining's state across weeks.

    Args:
        scenario: The scenario (its tactic mix is drawn when the game starts).
        n: Number of teams.
        rng: The model's generator; tactics use a child of it (:meth:`~numpy.random.
            Generator.spawn`), so drawing them takes no number from the model's stream.
        term_loans: The game's running term loans (the bargaining's loans join them).
        world: The world (its last clearing price anchors the offers).

    Attributes:
        tactics: Each team's tactic (assigned, then learned).
        book: Every negotiation held.
        term_loans: The running term loans.
        world: The world.
    """

    def __init__(
        self,
        scenario: Scenario,
        n: int,
        rng: np.random.Generator,
        term_loans: TermLoans,
        world: WorldState,
    ) -> None:
        self.tactics = TacticChoice(scenario.negotiation.tactic_mix, n, rng.spawn(1)[0])
        self.book = NegotiationBook()
        self.term_loans = term_loans
        self.world = world
