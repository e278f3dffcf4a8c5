"""The team agents: research and product teams, each deciding its bids through its strategy.

A team is a Mesa agent with an identity (name, division) and a strategy object that
decides its bids. Its changing state lives in one row of the lab's
:class:`~agents.table.TeamTable` (so the hot phases of a week run over all teams at
once); the properties below read that row, and ``credits`` reads the team's account in
the credit ledger.

Changing a team's strategy (a workshop seat handed to a bot, a learner swapped in) is
just assigning ``team.strategy``; the model regroups the teams by strategy class the
next time they bid.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import mesa

from agents.strategies import BiddingStrategy
from agents.table import KIND_NAMES, PRODUCT, RESEARCH, TeamTable
from market.ledger import CreditLedger

__all__ = ["ProductTeam", "ResearchTeam", "TeamAgent", "team_class"]


class TeamAgent(mesa.Agent):
    """A team that needs GPUs and bids for them through its strategy.

    Args:
        model: The Mesa model.
        index: Row of this team in ``table`` (and its ledger account).
        name: Readable team name.
        strategy: The strategy object that decides its bids.
        table: The lab's team table.
        ledger: The credit ledger holding the team's account.

    Attributes:
        index: Row of this team in the team table.
        name: Readable team name.
        on_strategy_change: Called after the strategy is replaced (the model regroups).
    """

    kind_name: ClassVar[str] = "team"
    kind_code: ClassVar[int] = -1

    def __init__(
        self,
        model: mesa.Model,
        index: int,
        name: str,
        strategy: BiddingStrategy,
        table: TeamTable,
        ledger: CreditLedger,
    ) -> None:
        super().__init__(model)
        self.index = index
        self.name = name
        self._table = table
        self._ledger = ledger
        self._strategy = strategy
        self.on_strategy_change: Callable[[], None] | None = None

    @property
    def strategy(self) -> BiddingStrategy:
        """The strategy object deciding this team's bids."""
        return self._strategy

    @strategy.setter
    def strategy(self, value: BiddingStrategy) -> None:
        if not isinstance(value, BiddingStrategy):
            raise ValueError(f"strategy = {value!r} is not a BiddingStrategy")
        self._strategy = value
        if self.on_strategy_change is not None:
            self.on_strategy_change()

    @property
    def gpus(self) -> float:
        """Tranches held now."""
        return float(self._table.gpus[self.index])

    @property
    def need(self) -> float:
        """Tranches wanted this week."""
        return float(self._table.need[self.index])

    @property
    def stress(self) -> float:
        """Stress in [0, 1]."""
        return float(self._table.stress[self.index])

    @property
    def burnout(self) -> float:
        """Burnout in [0, 1]."""
        return float(self._table.burnout[self.index])

    @property
    def headcount(self) -> float:
        """People in the team."""
        return float(self._table.headcount[self.index])

    @property
    def credits(self) -> float:
        """Credits left to spend."""
        return float(self._ledger.balances[self.index])

    def snapshot(self) -> dict[str, Any]:
        """Return the team's current state as a plain dict (for the app and tests)."""
        return {
            "name": self.name,
            "kind": self.kind_name,
            "strategy": self.strategy.name,
            "gpus": self.gpus,
            "need": self.need,
            "stress": self.stress,
            "burnout": self.burnout,
            "headcount": self.headcount,
            "credits": self.credits,
        }

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.name!r}, gpus={self.gpus:.1f}, stress={self.stress:.2f})"
        )


class ResearchTeam(TeamAgent):
    """A research team running projects with a life cycle, deadlines and milestones."""

    kind_name: ClassVar[str] = KIND_NAMES[RESEARCH]
    kind_code: ClassVar[int] = RESEARCH

    @property
    def project_active(self) -> bool:
        """Whether a project is running."""
        return bool(self._table.project_active[self.index])

    @property
    def milestones_hit(self) -> int:
        """Milestones reached in the current project."""
        return int(self._table.milestones_hit[self.index])


class ProductTeam(TeamAgent):
    """A product team serving growing user demand."""

    kind_name: ClassVar[str] = KIND_NAMES[PRODUCT]
    kind_code: ClassVar[int] = PRODUCT

    @property
    def demand(self) -> float:
        """User demand in tranches' worth of serving."""
        return float(self._table.demand[self.index])

    @property
    def tiers_open(self) -> int:
        """Paid features rolled out to lower tiers so far."""
        return int(self._table.tiers_open[self.index])


def team_class(kind: int) -> type[TeamAgent]:
    """The agent class for a division code (``RESEARCH`` or ``PRODUCT``)."""
    return ResearchTeam if kind == RESEARCH else ProductTeam
