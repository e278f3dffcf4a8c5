"""The reallocation group: a small team that takes GPUs back and hands them to new projects.

It is a Mesa agent that decides, each week, which announced reclaims fall due, which new
projects to fast-track with the reclaimed tranches (and a share of the free pool), and
whom to give notice next. It reads a read-only :class:`LabView` and returns its
decisions; the world applies them. Its choices are pure functions (:func:`choose_reclaims`,
:func:`fast_track_shares`) so they can be tested on their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import mesa
import numpy as np
from pydantic import Field

from agents.schema import Params

__all__ = [
    "LabView",
    "ReallocationGroup",
    "ReallocationParams",
    "choose_reclaims",
    "fast_track_shares",
]

_NONE = np.zeros(0, dtype=np.int64)


class ReallocationParams(Params):
    """The small group that reclaims idle tranches and fast-tracks new projects."""

    enabled: bool = Field(True, description="Switch the reallocation group on or off.")
    moves_per_week: int = Field(4, ge=0, le=10000, description="Reclaims it can start per week.")
    notice_weeks: int = Field(
        1, ge=0, le=26, description="Weeks between a reclaim's notice and the reclaim."
    )
    tranches_per_move: float = Field(3.0, gt=0, le=1e6, description="Most tranches per reclaim.")
    surplus_threshold: float = Field(
        1.15, ge=1, le=10, description="A holder is reclaimable above this multiple of its need."
    )
    fast_track_weeks: int = Field(
        4, ge=0, le=52, description="Weeks a new project counts as fast-trackable."
    )
    pool_share: float = Field(
        0.25,
        ge=0,
        le=1,
        description="Share of the free pool it may hand straight to new projects.",
    )


@dataclass(frozen=True, slots=True)
class LabView:
    """What the reallocation group may see of the lab (arrays over teams, read-only).

    Attributes:
        gpus: Tranches each team holds.
        need: Tranches each team needs this week.
        research: Research teams.
        active: Research teams with a running project.
        project_age: Weeks since each project started.
        winding_down: Teams whose project is winding down or who are between projects.
        free_pool: Tranches nobody holds.
    """

    gpus: np.ndarray
    need: np.ndarray
    research: np.ndarray
    active: np.ndarray
    project_age: np.ndarray
    winding_down: np.ndarray
    free_pool: float


def choose_reclaims(
    gpus: np.ndarray,
    need: np.ndarray,
    reclaimable: np.ndarray,
    *,
    moves: int,
    per_move: float,
    surplus_threshold: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Pick at most ``moves`` holders to reclaim tranches from, largest surplus first.

    A holder qualifies when it is reclaimable (winding down, idle, or otherwise
    marked) and holds more than ``surplus_threshold`` times its need. Each move
    takes at most ``per_move`` tranches and never takes a holder below its need.

    Args:
        gpus: Tranches each team holds (after already-pending reclaims).
        need: Tranches each team needs this week.
        reclaimable: Mask of teams the group may reclaim from.
        moves: Reclaims the group can make this week.
        per_move: Most tranches per reclaim.
        surplus_threshold: Multiple of need above which a holder has a surplus.

    Returns:
        ``(teams, amounts)``: team indices and tranches to reclaim from each.
    """
    surplus = gpus - need
    eligible = reclaimable & (gpus > surplus_threshold * need) & (surplus >= 1.0)
    idx = eligible.nonzero()[0]
    if idx.size == 0 or moves <= 0:
        return idx[:0], np.zeros(0)
    order = idx[np.argsort(-surplus[idx], kind="stable")][:moves]
    amounts = np.minimum(per_move, np.floor(surplus[order]))
    keep = amounts > 0
    return order[keep], amounts[keep]


def fast_track_shares(deficit: np.ndarray, available: float) -> np.ndarray:
    """Split reclaimed tranches among new projects in proportion to their deficits.

    Whole tranches are handed out by largest remainder, never more than a project's
    deficit; what nobody needs is left for the pool.

    Args:
        deficit: Missing tranches of each fast-trackable project.
        available: Reclaimed tranches on hand.

    Returns:
        Tranches handed to each project.
    """
    deficit = np.floor(np.maximum(deficit, 0.0))
    total = deficit.sum()
    if total <= 0 or available <= 0:
        return np.zeros_like(deficit)
    units = min(np.floor(available), total)
    exact = deficit / total * units
    give = np.floor(exact)
    rest = int(units - give.sum())
    if rest > 0:
        # One more each, by largest remainder, to projects with room for a whole tranche.
        order = np.argsort(-(exact - give), kind="stable")
        order = order[(deficit - give)[order] >= 1][:rest]
        give[order] += 1
    return give


class ReallocationGroup(mesa.Agent):
    """The small group that reclaims tranches from winding-down holders.

    It has a limited number of moves per week. A reclaim is announced first and
    takes effect after a notice period; reclaimed tranches go first to new projects
    (fast-track), the rest back to the pool.

    Attributes:
        name: Display name.
        params: Its settings.
        pending_team: Teams with an announced reclaim.
        pending_amount: Tranches announced for each pending reclaim.
        pending_due: Week each pending reclaim takes effect.
        backlog: Holders that qualified for a reclaim but found no free move this week.
        moved_this_week: Tranches it handed to new projects this week.
    """

    kind_name: ClassVar[str] = "reallocation"

    def __init__(
        self, model: mesa.Model, params: ReallocationParams, name: str = "Reallocation group"
    ) -> None:
        super().__init__(model)
        self.name = name
        self.params = params
        self.pending_team = _NONE
        self.pending_amount = np.zeros(0)
        self.pending_due = _NONE
        self.backlog = 0
        self.moved_this_week = 0.0

    @property
    def enabled(self) -> bool:
        """Whether the group acts at all."""
        return self.params.enabled

    @property
    def notice_weeks(self) -> int:
        """Weeks between a notice and its reclaim."""
        return self.params.notice_weeks

    @property
    def stress(self) -> float:
        """Workload pressure: qualified holders it could not reach, relative to its moves."""
        if not self.enabled:
            return 0.0
        return float(min(1.0, self.backlog / max(self.params.moves_per_week, 1) * 0.25))

    def reclaims_due(self, week: int) -> tuple[np.ndarray, np.ndarray]:
        """Pop the announced reclaims that take effect this week.

        Returns:
            ``(teams, amounts)`` of reclaims due now.
        """
        now = self.pending_due <= week
        teams, amounts = self.pending_team[now], self.pending_amount[now]
        self.pending_team = self.pending_team[~now]
        self.pending_amount = self.pending_amount[~now]
        self.pending_due = self.pending_due[~now]
        return teams, amounts

    def fast_track(self, view: LabView, reclaimed: float) -> tuple[np.ndarray, np.ndarray]:
        """Decide which new projects get tranches before the auction, and how many.

        New projects (younger than ``fast_track_weeks``) share the reclaimed tranches
        plus up to ``pool_share`` of the rest of the free pool, in proportion to their
        deficits.

        Args:
            view: The lab after this week's reclaims.
            reclaimed: Tranches reclaimed this week.

        Returns:
            ``(teams, units)`` to hand out.
        """
        p = self.params
        fresh = (view.research & view.active & (view.project_age < p.fast_track_weeks)).nonzero()[0]
        available = reclaimed + p.pool_share * max(0.0, view.free_pool - reclaimed)
        self.moved_this_week = 0.0
        if available < 1 or fresh.size == 0:
            return _NONE, np.zeros(0)
        give = fast_track_shares(view.need[fresh] - view.gpus[fresh], available)
        got = give > 0
        self.moved_this_week = float(give[got].sum())
        return fresh[got], give[got]

    def announce(self, week: int, view: LabView) -> tuple[np.ndarray, np.ndarray]:
        """Give notice of this week's reclaims (one move each) against current holdings.

        Reclaimable are winding-down or idle research holders, and any holder far above
        its need. Teams already under notice are skipped; amounts already announced are
        counted as gone.

        Returns:
            ``(teams, amounts)`` newly announced.
        """
        p = self.params
        reclaimable = view.winding_down | (
            view.gpus > 2 * p.surplus_threshold * np.maximum(view.need, 1e-9)
        )
        held = view.gpus.copy()
        np.subtract.at(held, self.pending_team, self.pending_amount)
        free = reclaimable.copy()
        free[self.pending_team] = False
        teams, amounts = choose_reclaims(
            held,
            view.need,
            free,
            moves=p.moves_per_week,
            per_move=p.tranches_per_move,
            surplus_threshold=p.surplus_threshold,
        )
        qualified = int(
            (free & (held > p.surplus_threshold * view.need) & (held - view.need >= 1)).sum()
        )
        self.backlog = max(0, qualified - teams.size)
        self.pending_team = np.concatenate([self.pending_team, teams])
        self.pending_amount = np.concatenate([self.pending_amount, amounts])
        self.pending_due = np.concatenate(
            [self.pending_due, np.full(teams.size, week + p.notice_weeks, dtype=np.int64)]
        )
        return teams, amounts
