"""Phase 3, reallocation: reclaims fall due, new projects are fast-tracked, notices go out.

The :class:`~agents.reallocation.ReallocationGroup` agent decides each step from a
read-only :class:`~agents.reallocation.LabView`; this phase applies its decisions to the
teams' holdings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents.reallocation import LabView, ReallocationGroup
from agents.table import TeamTable
from game.world.phases.lifecycle import winding_down

__all__ = ["ReallocationResult", "reallocation_phase"]

_NONE = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class ReallocationResult:
    """What the reallocation group did this week (team indices and tranches).

    Attributes:
        reclaimed_from: Teams whose reclaims took effect.
        reclaimed: Tranches taken from each of them.
        stress_after: Each of their stress when the reclaim happened.
        fast_tracked: New projects handed tranches before the auction.
        fast_track_units: Tranches handed to each.
        noticed: Teams given notice of a coming reclaim.
        notice_units: Tranches announced for each.
        notice_weeks: Weeks of notice given.
    """

    reclaimed_from: np.ndarray
    reclaimed: np.ndarray
    stress_after: np.ndarray
    fast_tracked: np.ndarray
    fast_track_units: np.ndarray
    noticed: np.ndarray
    notice_units: np.ndarray
    notice_weeks: int


def _view(table: TeamTable, fleet: float) -> LabView:
    gpus = table.gpus
    return LabView(
        gpus=gpus,
        need=table.need,
        research=table.is_research,
        active=table.project_active,
        project_age=table.project_age,
        winding_down=winding_down(table),
        free_pool=max(0.0, fleet - float(gpus.sum())),
    )


def reallocation_phase(
    table: TeamTable, group: ReallocationGroup, fleet: float, week: int
) -> ReallocationResult:
    """Run the reallocation group's week.

    1. Reclaims whose notice has run out take effect (latest-returning leases first).
    2. The group fast-tracks new projects with what it reclaimed and a share of the pool.
    3. The group gives notice of its next reclaims; with no notice period they take
       effect at once (and return to the pool for this week's auction).
    """
    table.reclaimed = np.zeros(table.n)
    group.moved_this_week = 0.0
    if not group.enabled:
        empty = np.zeros(0)
        return ReallocationResult(_NONE, empty, empty, _NONE, empty, _NONE, empty, 0)
    teams, amounts = group.reclaims_due(week)
    taken = table.take(teams, amounts)
    table.reclaimed[teams] = taken

    fast, units = group.fast_track(_view(table, fleet), float(taken.sum()))
    if fast.size:
        table.give(fast, units)

    noticed, notice_units = group.announce(week, _view(table, fleet))
    if group.notice_weeks == 0 and noticed.size:
        now, now_amounts = group.reclaims_due(week)
        now_taken = table.take(now, now_amounts)
        table.reclaimed[now] += now_taken
        teams = np.concatenate([teams, now])
        taken = np.concatenate([taken, now_taken])
        noticed, notice_units = _NONE, np.zeros(0)
    return ReallocationResult(
        reclaimed_from=teams,
        reclaimed=taken,
        stress_after=table.stress[teams],
        fast_tracked=fast,
        fast_track_units=units,
        noticed=noticed,
        notice_units=notice_units,
        notice_weeks=group.notice_weeks,
    )
