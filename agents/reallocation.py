"""The reallocation group: a small team that takes GPUs back and hands them to sudden demand.

It is a Mesa agent that decides, each week, which announced reclaims fall due (re-checked
so that no team drops below its need), which new projects and freshly launched products
to fast-track with the reclaimed tranches (and a share of the free pool), and whom to
give notice next: winding-down research projects first, then idle research holders,
never a team it fast-tracked that week. It reads a read-only :class:`LabView` and returns
its decisions; the world applies them. Its choices are pure functions
(:func:`reclaimable`, :func:`fast_trackable`, :func:`choose_reclaims`,
:func:`fast_track_shares`) so they can be tested on their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import mesa
import numpy as np
from pydantic import Field, PrivateAttr

from agents.schema import Params

__all__ = [
    "LabView",
    "ReallocationGroup",
    "ReallocationParams",
    "choose_reclaims",
    "fast_track_shares",
    "fast_trackable",
    "reclaimable",
]

_NONE = np.zeros(0, dtype=np.int64)


class ReallocationParams(Params):
    """The small group that reclaims idle tranches and fast-tracks new projects."""

    enabled: bool = Field(True, description="Switch the reallocation group on or off.")
    moves_per_week: int = Field(4, ge=0, le=10000, description="Reclaims it can start per week.")
    notice_weeks: int = Field(
        1, ge=0, le=26, description="Weeks between a reclaim's notice and the reclaim."
    )
    gpus_per_move: float = Field(3000.0, gt=0, le=1e9, description="Most GPUs per reclaim.")
    surplus_threshold: float = Field(
        1.15, ge=1, le=10, description="A holder is reclaimable above this multiple of its need."
    )
    fast_track_weeks: int = Field(
        4,
        ge=0,
        le=52,
        description="Weeks a new project, or product teams from a launch week on, count as "
        "fast-trackable.",
    )
    pool_share: float = Field(
        0.25,
        ge=0,
        le=1,
        description="Share of the free pool it may hand straight to new projects.",
    )
    #: GPUs in a tranche (``supply.gpus_per_tranche``; the scenario sets it).
    _gpus_per_tranche: int = PrivateAttr(default=1000)

    @property
    def tranches_per_move(self) -> float:
        """Most tranches per reclaim (the unit the model holds)."""
        return self.gpus_per_move / self._gpus_per_tranche


@dataclass(frozen=True, slots=True)
class LabView:
    """What the reallocation group may see of the lab (arrays over teams, read-only).

    Attributes:
        gpus: Tranches each team holds.
        need: Tranches each team needs this week.
        research: Research teams.
        active: Research teams with a running project.
        project_age: Weeks since each project started.
        winding_down: Research teams whose project is winding down, or who are between
            projects (idle).
        launch_age: Weeks since the latest product launch, for product teams (``-1``
            for research teams and before any launch).
        reclaimed: Tranches the group took from each team so far this week.
        fast_tracked: Tranches the group handed each team so far this week.
        free_pool: Tranches nobody holds.
    """

    gpus: np.ndarray
    need: np.ndarray
    research: np.ndarray
    active: np.ndarray
    project_age: np.ndarray
    winding_down: np.ndarray
    launch_age: np.ndarray
    reclaimed: np.ndarray
    fast_tracked: np.ndarray
    free_pool: float


def reclaimable(view: LabView) -> tuple[np.ndarray, np.ndarray]:
    """Who the group may take tranches from, and who it takes from first.

    Only research teams whose project is winding down, or who are between projects,
    and only if the group did not fast-track them this week.

    Returns:
        ``(reclaimable, first)``: masks over teams; ``first`` (winding-down projects)
        is served before the idle holders.
    """
    may = view.research & view.winding_down & ~(view.fast_tracked > 0)
    return may, may & view.active


def fast_trackable(view: LabView, weeks: int) -> np.ndarray:
    """Teams that count as sudden demand: new projects and product teams after a launch.

    A research project is new during its first ``weeks`` weeks; product teams during the
    ``weeks`` weeks from a launch week on. Teams the group reclaimed from this week are
    left out.
    """
    new_project = view.research & view.active & (view.project_age < weeks)
    launched = ~view.research & (view.launch_age >= 0) & (view.launch_age < weeks)
    return (new_project | launched) & ~(view.reclaimed > 0)


def choose_reclaims(
    gpus: np.ndarray,
    need: np.ndarray,
    reclaimable: np.ndarray,
    *,
    moves: int,
    per_move: float,
    surplus_threshold: float,
    first: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Pick at most ``moves`` holders to reclaim tranches from.

    A holder qualifies when it is reclaimable and holds more than
    ``surplus_threshold`` times its need (and at least one whole tranche more).
    Holders in ``first`` come before the others; within each group the largest
    surplus comes first. Each move takes at most ``per_move`` tranches and never
    takes a holder below its need.

    Args:
        gpus: Tranches each team holds.
        need: Tranches each team needs this week.
        reclaimable: Mask of teams the group may reclaim from.
        moves: Reclaims the group can make this week.
        per_move: Most tranches per reclaim.
        surplus_threshold: Multiple of need above which a holder has a surplus.
        first: Mask of holders served first (default: none).

    Returns:
        ``(teams, amounts)``: team indices and tranches to reclaim from each.
    """
    surplus = gpus - need
    eligible = reclaimable & (gpus > surplus_threshold * need) & (surplus >= 1.0)
    idx = eligible.nonzero()[0]
    if idx.size == 0 or moves <= 0:
        return idx[:0], np.zeros(0)
    later = np.zeros(idx.size, dtype=bool) if first is None else ~first[idx]
    order = idx[np.lexsort((-surplus[idx], later))][:moves]
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
    """The small group that takes tranches back from winding-down and idle research teams.

    It has a limited number of moves per week. A reclaim is announced first and
    takes effect after a notice period, re-checked against the team's holdings and
    need at that moment; reclaimed tranches go first to sudden demand (new projects,
    product teams after a launch), the rest back to the pool. It never takes a team
    below its need, and never both gives to and takes from a team in the same week.

    Attributes:
        name: Display name.
        params: Its settings.
        pending_team: Teams with an announced reclaim.
        pending_amount: Tranches announced for each pending reclaim.
        pending_due: Week each pending reclaim takes effect.
        backlog: Holders that qualified for a reclaim but found no free move this week.
        moved_this_week: Tranches it handed to new projects and launches this week.
        withdrawn: Teams whose notice fell due but took nothing (last call of
            :meth:`reclaims_due`).
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
        self.withdrawn = _NONE

    def under_notice(self, n: int) -> np.ndarray:
        """Mask over ``n`` teams: those with an announced reclaim still pending."""
        out = np.zeros(n, dtype=bool)
        out[self.pending_team] = True
        return out

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

    def reclaims_due(self, week: int, view: LabView) -> tuple[np.ndarray, np.ndarray]:
        """Pop the announced reclaims that take effect this week, re-checked against ``view``.

        A reclaim still goes ahead only if its team is still reclaimable (winding down or
        idle, not fast-tracked this week); it takes ``min(announced, floor(gpus − need))``
        so that the team keeps at least its need. Notices that would take nothing are
        dropped (listed in :attr:`withdrawn`).

        Returns:
            ``(teams, amounts)`` of reclaims to apply now (amounts ≥ 1).
        """
        now = self.pending_due <= week
        teams, announced = self.pending_team[now], self.pending_amount[now]
        self.pending_team = self.pending_team[~now]
        self.pending_amount = self.pending_amount[~now]
        self.pending_due = self.pending_due[~now]
        may, _ = reclaimable(view)
        spare = np.floor(view.gpus[teams] - view.need[teams])
        amounts = np.where(may[teams], np.minimum(announced, spare), 0.0)
        go = amounts > 0
        self.withdrawn = teams[~go]
        return teams[go], amounts[go]

    def fast_track(self, view: LabView, reclaimed: float) -> tuple[np.ndarray, np.ndarray]:
        """Decide which teams with sudden demand get tranches before the auction.

        New projects (younger than ``fast_track_weeks``) and product teams in the
        ``fast_track_weeks`` from a launch week on (:func:`fast_trackable`) share the
        reclaimed tranches plus up to ``pool_share`` of the rest of the free pool, in
        proportion to their deficits. Teams reclaimed from this week get nothing.

        Args:
            view: The lab after this week's reclaims.
            reclaimed: Tranches reclaimed this week.

        Returns:
            ``(teams, units)`` to hand out.
        """
        p = self.params
        fresh = fast_trackable(view, p.fast_track_weeks).nonzero()[0]
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

        Reclaimable are research teams whose project is winding down (served first) or
        who are between projects, and who were not fast-tracked this week
        (:func:`reclaimable`). Teams already under notice are skipped.

        Returns:
            ``(teams, amounts)`` newly announced.
        """
        p = self.params
        may, first = reclaimable(view)
        free = may.copy()
        free[self.pending_team] = False
        teams, amounts = choose_reclaims(
            view.gpus,
            view.need,
            free,
            moves=p.moves_per_week,
            per_move=p.tranches_per_move,
            surplus_threshold=p.surplus_threshold,
            first=first,
        )
        qualified = int(
            (
                free & (view.gpus > p.surplus_threshold * view.need) & (view.gpus - view.need >= 1)
            ).sum()
        )
        self.backlog = max(0, qualified - teams.size)
        self.pending_team = np.concatenate([self.pending_team, teams])
        self.pending_amount = np.concatenate([self.pending_amount, amounts])
        self.pending_due = np.concatenate(
            [self.pending_due, np.full(teams.size, week + p.notice_weeks, dtype=np.int64)]
        )
        return teams, amounts
