"""Phase 4, budgets: leadership's credit policy — quarterly grants split by division.

At the start of each quarter unspent credits expire under the scenario's policy, then
leadership grants ``credits_per_quarter`` per team on average: the research division
gets ``research_credit_share`` of the pot, the applied division the rest, and inside a
division credits follow headcount. A lab with only one division gives it everything.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents.table import TeamTable
from game.scenario import GovernanceConfig
from game.world.credits import Credits

__all__ = ["Grant", "budgets_phase", "quarterly_grant"]


@dataclass(frozen=True, slots=True)
class Grant:
    """A quarter's grant.

    Attributes:
        amounts: Credits granted to each team.
        expired: Credits that expired at the end of the previous quarter.
        research_share: Research division's share of the pot.
    """

    amounts: np.ndarray
    expired: float
    research_share: float

    @property
    def total(self) -> float:
        """Credits granted in all."""
        return float(self.amounts.sum())


def quarterly_grant(table: TeamTable, gov: GovernanceConfig) -> np.ndarray:
    """Each team's share of a quarter's credits: division split, then by headcount."""
    research = table.is_research
    n_research = int(research.sum())
    pot = gov.credits_per_quarter * table.n
    if n_research in (0, table.n):
        return pot * table.headcount / table.headcount.sum()
    share = gov.research_credit_share
    division = np.where(research, share, 1.0 - share) * pot
    division_heads = np.where(
        research, table.headcount[research].sum(), table.headcount[table.is_product].sum()
    )
    return division * table.headcount / np.maximum(division_heads, 1e-9)


def budgets_phase(
    credits: Credits, table: TeamTable, gov: GovernanceConfig, week: int
) -> Grant | None:
    """Expire and grant credits at the start of a quarter; nothing in other weeks.

    Returns:
        The grant, or ``None`` when this week starts no quarter.
    """
    if week % gov.quarter_weeks != 0:
        return None
    expired = credits.expire(week) if week > 0 else 0.0
    amounts = quarterly_grant(table, gov)
    credits.grant(amounts, week)
    return Grant(amounts=amounts, expired=expired, research_share=gov.research_credit_share)
