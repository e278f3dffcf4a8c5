"""The Mesa agents: research teams, product teams and the reallocation group.

Teams are Mesa agents with an identity (name, division, bidding strategy). Their
changing state lives in one row of the model's team table so that the hot phases of
a week can run over all teams at once; the properties below read that row. The
reallocation group keeps its own small state (its queue of pending reclaims).
"""

from __future__ import annotations

from typing import Any, ClassVar

import mesa
import numpy as np

from agents.reallocation import choose_reclaims


class TeamAgent(mesa.Agent):
    """A team that needs GPUs and bids for them.

    Attributes:
        index: Row of this team in the model's team table.
        name: Readable team name.
        strategy: Name of its bidding strategy.
    """

    kind_name: ClassVar[str] = "team"

    def __init__(self, model: mesa.Model, index: int, name: str, strategy: str) -> None:
        super().__init__(model)
        self.index = index
        self.name = name
        self.strategy = strategy

    def _row(self, column: str) -> Any:
        return getattr(self.model.teams, column)[self.index]

    @property
    def gpus(self) -> float:
        """Tranches held now."""
        return float(self.model.teams.leases[self.index].sum())

    @property
    def need(self) -> float:
        """Tranches wanted this week."""
        return float(self._row("need"))

    @property
    def stress(self) -> float:
        """Stress in [0, 1]."""
        return float(self._row("stress"))

    @property
    def burnout(self) -> float:
        """Burnout in [0, 1]."""
        return float(self._row("burnout"))

    @property
    def headcount(self) -> float:
        """People in the team."""
        return float(self._row("headcount"))

    @property
    def credits(self) -> float:
        """Credits left to spend."""
        return float(self.model.credits.balances[self.index])

    def snapshot(self) -> dict[str, Any]:
        """Return the team's current state as a plain dict (for the app and tests)."""
        return {
            "name": self.name,
            "kind": self.kind_name,
            "strategy": self.strategy,
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

    kind_name: ClassVar[str] = "research"

    @property
    def project_active(self) -> bool:
        """Whether a project is running."""
        return bool(self._row("project_active"))

    @property
    def milestones_hit(self) -> int:
        """Milestones reached in the current project."""
        return int(self._row("milestones_hit"))


class ProductTeam(TeamAgent):
    """A product team serving growing user demand."""

    kind_name: ClassVar[str] = "product"

    @property
    def demand(self) -> float:
        """User demand in tranches' worth of serving."""
        return float(self._row("demand"))

    @property
    def tiers_open(self) -> int:
        """Paid features rolled out to lower tiers so far."""
        return int(self._row("tiers_open"))


class ReallocationGroup(mesa.Agent):
    """The small group that reclaims tranches from winding-down holders.

    It has a limited number of moves per week. A reclaim is announced first and
    takes effect after a notice period; reclaimed tranches go first to new projects
    (fast-track), the rest back to the pool.

    Attributes:
        name: Display name.
        enabled: Whether the group acts at all.
        moves_per_week: Reclaims it can start per week.
        notice_weeks: Weeks between the notice and the reclaim.
        pending_team: Teams with an announced reclaim.
        pending_amount: Tranches announced for each pending reclaim.
        pending_due: Week each pending reclaim takes effect.
        backlog: Holders that qualified for a reclaim but found no free move this week.
    """

    kind_name: ClassVar[str] = "reallocation"

    def __init__(
        self,
        model: mesa.Model,
        *,
        enabled: bool,
        moves_per_week: int,
        notice_weeks: int,
        name: str = "Reallocation group",
    ) -> None:
        super().__init__(model)
        self.name = name
        self.enabled = enabled
        self.moves_per_week = moves_per_week
        self.notice_weeks = notice_weeks
        self.pending_team = np.zeros(0, dtype=np.int64)
        self.pending_amount = np.zeros(0)
        self.pending_due = np.zeros(0, dtype=np.int64)
        self.backlog = 0
        self.moved_this_week = 0.0

    @property
    def stress(self) -> float:
        """Workload pressure: qualified holders it could not reach, relative to its moves."""
        if not self.enabled:
            return 0.0
        return float(min(1.0, self.backlog / max(self.moves_per_week, 1) * 0.25))

    def due(self, week: int) -> tuple[np.ndarray, np.ndarray]:
        """Pop the reclaims that take effect this week.

        Returns:
            ``(teams, amounts)`` of reclaims due now.
        """
        now = self.pending_due <= week
        teams, amounts = self.pending_team[now], self.pending_amount[now]
        self.pending_team = self.pending_team[~now]
        self.pending_amount = self.pending_amount[~now]
        self.pending_due = self.pending_due[~now]
        return teams, amounts

    def plan(
        self,
        week: int,
        gpus: np.ndarray,
        need: np.ndarray,
        reclaimable: np.ndarray,
        *,
        per_move: float,
        surplus_threshold: float,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Announce this week's reclaims (one move each) against current holdings.

        Teams already under notice are skipped; amounts already announced are
        counted as gone.

        Returns:
            ``(teams, amounts)`` newly announced.
        """
        if not self.enabled:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        held = gpus.copy()
        np.subtract.at(held, self.pending_team, self.pending_amount)
        free = reclaimable.copy()
        free[self.pending_team] = False
        teams, amounts = choose_reclaims(
            held,
            need,
            free,
            moves=self.moves_per_week,
            per_move=per_move,
            surplus_threshold=surplus_threshold,
        )
        qualified = int((free & (held > surplus_threshold * need) & (held - need >= 1)).sum())
        self.backlog = max(0, qualified - teams.size)
        self.pending_team = np.concatenate([self.pending_team, teams])
        self.pending_amount = np.concatenate([self.pending_amount, amounts])
        self.pending_due = np.concatenate(
            [self.pending_due, np.full(teams.size, week + self.notice_weeks, dtype=np.int64)]
        )
        return teams, amounts
