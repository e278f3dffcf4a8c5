"""Term loans: tranches lent for some weeks, then handed back to the lender.

A :class:`LoanDeal` is an agreement made outside the automatic bargaining (a workshop's
players): the lender hands ``units`` tranches to the borrower for ``weeks`` weeks at
``price`` credits per tranche, paid when the tranches move. The automatic bargaining's
loans (:mod:`game.world.phases.negotiation`) are term loans too (:meth:`TermLoans.lend`).
The tranches keep their remaining lease (no tranche-week is created); when the term ends,
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

    def lend(
        self,
        table: TeamTable,
        credits: Credits,
        loans: Settled,
        week: int,
    ) -> np.ndarray:
        """Move the tranches and credits of agreed loans at once; record them as running.

        Each lender gives its latest-returning tranches (each lender and each borrower at
        most once in ``loans``); the borrower pays ``price`` for each tranche that moved.

        Args:
            table: The team table.
            credits: The credit accounts.
            loans: The agreed loans (``units`` to lend, ``weeks`` their terms).
            week: The week they are agreed.

        Returns:
            Tranches that moved, per loan.
        """
        if loans.borrower.size == 0:
            return np.zeros(0)
        taken = table.take_leases(loans.lender, loans.units)
        table.give_leases(loans.borrower, taken)
        moved = taken.sum(axis=1)
        credits.transfer(loans.borrower, loans.lender, moved * loans.price, week)
        self.borrower = np.concatenate([self.borrower, loans.borrower.astype(np.int64)])
        self.lender = np.concatenate([self.lender, loans.lender.astype(np.int64)])
        self.due = np.concatenate([self.due, week + loans.weeks.astype(np.int64)])
        self.leases = np.vstack([self.leases, taken])
        return moved

    def return_due(self, table: TeamTable, week: int) -> Returned:
        """Hand back the tranches of loans whose term ends at ``week`` (or before).

        What is still on lease of a loan goes back to its lender: the loan's own leases
        where the borrower still holds them, the rest from the borrower's latest-returning
        leases (at most what the borrower still holds), so the lender gets back the
        tranche-weeks it lent.
        """
        due = self.due <= week
        if not due.any():
            return Returned(_empty_ints(), _empty_ints(), np.zeros(0))
        idx = np.flatnonzero(due)
        units = np.zeros(idx.size)
        # A borrower with several loans due hands them back one after another.
        left = np.arange(idx.size)
        while left.size:
            _, first = np.unique(self.borrower[idx[left]], return_index=True)
            batch = left[np.sort(first)]
            units[batch] = self._hand_back(table, idx[batch])
            left = np.setdiff1d(left, batch)
        out = Returned(self.borrower[idx], self.lender[idx], units)
        keep = ~due
        self.borrower, self.lender, self.due = (
            self.borrower[keep],
            self.lender[keep],
            self.due[keep],
        )
        self.leases = self.leases[keep]
        return out

    def _hand_back(self, table: TeamTable, loans: np.ndarray) -> np.ndarray:
        """Return the tranches of ``loans`` (distinct borrowers) to their lenders; units back."""
        borrower, owed = self.borrower[loans], self.leases[loans]
        own = np.minimum(owed, table.leases[borrower])
        table.leases[borrower] -= own
        table.leases_changed()
        rest = table.take_leases(borrower, owed.sum(axis=1) - own.sum(axis=1))
        back = own + rest
        table.give_leases(self.lender[loans], back)
        return back.sum(axis=1)
