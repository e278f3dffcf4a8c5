"""Hindsight: what one team would have won and paid this week had it bid otherwise.

Everyone else's bids, the pool, the governance and the clearing's random draw stay as
they were; only the team's own bid row changes, and the week is cleared again
(:func:`~game.world.phases.clearing.clear_pool` with the same seed). Learners that see
every choice's outcome (full-information Hedge) and the regret diagnostic use it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents.strategies import sanitise
from agents.table import TeamTable
from game.scenario import Scenario
from game.world.phases.bidding import BidResult
from game.world.phases.clearing import ClearingResult, clear_pool

__all__ = ["Hindsight"]


@dataclass(frozen=True, slots=True)
class Hindsight:
    """The week's clearing, ready to be replayed with one team's bid changed.

    Attributes:
        scenario: The scenario the week was cleared under.
        bids: What every team bid.
        cleared: How the week cleared (the pool, the budgets and the draw's seed).
        kind: Each team's kind.
    """

    scenario: Scenario
    bids: BidResult
    cleared: ClearingResult
    kind: np.ndarray

    @classmethod
    def of_week(
        cls, scenario: Scenario, table: TeamTable, bids: BidResult, cleared: ClearingResult
    ):
        """The hindsight of the week just cleared."""
        return cls(scenario, bids, cleared, table.kind.copy())

    def outcomes(self, team: int, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Tranches won at auction and credits paid by ``team`` for each alternative row.

        Args:
            team: The team's row in the team table.
            rows: ``(a, k)`` alternative bid rows (made valid: within the team's budget,
                non-increasing).

        Returns:
            ``(won, paid)``, both ``(a,)``.
        """
        rows = np.atleast_2d(np.asarray(rows, dtype=float))
        budget = np.full(rows.shape[0], self.cleared.budgets[team])
        rows = sanitise(rows, budget)
        won = np.empty(rows.shape[0])
        paid = np.empty(rows.shape[0])
        book = self.bids.bids.copy()
        for a, row in enumerate(rows):
            book[team] = row
            c = clear_pool(
                self.scenario,
                book,
                self.cleared.pool,
                kind=self.kind,
                budgets=self.cleared.budgets,
                urgency=self.bids.urgency,
                demand=self.bids.requested,
                values=self.bids.values,
                rng=np.random.default_rng(self.cleared.seed),
                rho=self.cleared.rho,
            )
            won[a] = c.allocation[team] - c.spot[team]
            paid[a] = c.payments[team]
        return won, paid
