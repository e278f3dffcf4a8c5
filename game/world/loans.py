"""Loans agreed outside the automatic bargaining (a workshop's players), with a term.

A :class:`LoanDeal` is an agreement: the lender hands ``units`` tranches to the borrower
for ``weeks`` weeks at ``price`` credits per tranche, paid when the tranches move. The
tranches keep their remaining lease (no tranche-week is created); when the term ends,
whatever of them is still on lease goes back to the lender. :class:`TermLoans` keeps the
running loans, moves their leases along with the fleet's and hands them back when due.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents.table import TeamTable
from game.world.credits import Credits

__all__ = ["LoanDeal", "Returned", "Settled", "TermLoans"]


@dataclass(frozen=True, slots=True)
class LoanDeal:
    """An agreed loan (team indices into the team table).

    Attributes:
        lender: The team that gives the tranches.
        borrower: The team that gets them and pays.
        units: Whole tranches lent (>= 1).
        price: Credits per tranche, paid once when the tranches move.
        weeks: Weeks until the tranches go back to the lender (>= 1).
    """

    lender: int
    borrower: int
    units: int
    price: float
    weeks: int


@dataclass(frozen=True, slots=True)
class Settled:
    """Deals that moved tranches this week (arrays, one entry per deal that moved any)."""

    borrower: np.ndarray
    lender: np.ndarray
    units: np.ndarray
    price: np.ndarray
    weeks: np.ndarray


@dataclass(frozen=True, slots=True)
class Returned:
    """Loans whose term ended this week: tranches back from borrower to lender."""

    borrower: np.ndarray
    lender: np.ndarray
    units: np.ndarray


def _empty_ints() -> np.ndarray:
    return np.zeros(0, dtype=np.int64)


class TermLoans:
    """The running term loans of a game.

    Each loan keeps the lease columns its tranches came with (tranches by weeks until
    they return to the pool), shifted each week like the fleet's, and its due week.
    """

    def __init__(self, lease_weeks: int) -> None:
        self.borrower = _empty_ints()
        self.lender = _empty_ints()
        self.due = _empty_ints()
        self.leases = np.zeros((0, lease_weeks))

    def __len__(self) -> int:
        return int(self.borrower.size)

    def advance(self) -> None:
        """Move every loan's leases one week on (call when the fleet's leases advance)."""
        if len(self):
            self.leases[:, :-1] = self.leases[:, 1:].copy()
            self.leases[:, -1] = 0.0

    def settle(
        self, table: TeamTable, credits: Credits, deals: list[LoanDeal], week: int
    ) -> Settled:
        """Move the tranches and credits of ``deals``, in order; record them as running.

        A deal moves at most what the lender holds and what the borrower can pay for at
        that moment (earlier deals of the same week count); a deal that can move nothing
        is dropped.
        """
        rows: list[tuple[int, int, float, float, int]] = []
        for d in deals:
            held = float(table.gpus[d.lender])
            affordable = (
                np.floor(credits.balances[d.borrower] / d.price) if d.price > 0 else d.units
            )
            units = float(min(d.units, np.floor(held + 1e-9), affordable))
            if units < 1 or d.lender == d.borrower:
                continue
            taken = table.take_leases(np.array([d.lender]), np.array([units]))
            table.give_leases(np.array([d.borrower]), taken)
            moved = float(taken.sum())
            credits.transfer(
                np.array([d.borrower]), np.array([d.lender]), np.array([moved * d.price]), week
            )
            self.borrower = np.append(self.borrower, d.borrower)
            self.lender = np.append(self.lender, d.lender)
            self.due = np.append(self.due, week + d.weeks)
            self.leases = np.vstack([self.leases, taken])
            rows.append((d.borrower, d.lender, moved, d.price, d.weeks))
        if not rows:
            return Settled(_empty_ints(), _empty_ints(), np.zeros(0), np.zeros(0), _empty_ints())
        b, lnd, u, p, w = (np.array(c) for c in zip(*rows, strict=True))
        return Settled(b.astype(np.int64), lnd.astype(np.int64), u, p, w.astype(np.int64))

    def return_due(self, table: TeamTable, week: int) -> Returned:
        """Hand back the tranches of loans whose term ends at ``week`` (or before).

        What is still on lease of a loan goes back to its lender, taken from the
        borrower's latest-returning leases (at most what the borrower still holds).
        """
        due = self.due <= week
        if not due.any():
            return Returned(_empty_ints(), _empty_ints(), np.zeros(0))
        idx = np.flatnonzero(due)
        units = np.zeros(idx.size)
        for j, i in enumerate(idx):
            owed = float(self.leases[i].sum())
            if owed <= 0:
                continue
            back = table.take_leases(np.array([self.borrower[i]]), np.array([owed]))
            table.give_leases(np.array([self.lender[i]]), back)
            units[j] = float(back.sum())
        out = Returned(self.borrower[idx], self.lender[idx], units)
        keep = ~due
        self.borrower, self.lender, self.due = (
            self.borrower[keep],
            self.lender[keep],
            self.due[keep],
        )
        self.leases = self.leases[keep]
        return out
