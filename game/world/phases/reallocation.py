"""Phase 3, reallocation: reclaims fall due, sudden demand is fast-tracked, notices go out.

The :class:`~agents.reallocation.ReallocationGroup` agent decides each step from a
read-only :class:`~agents.reallocation.LabView`; this phase builds the view and applies
the group's decisions to the teams' holdings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from agents.reallocation import LabView, ReallocationGroup
from agents.schema import WeekEvent
from agents.table import TeamTable
from game.world.phases.lifecycle import winding_down

__all__ = ["ReallocationResult", "launch_age", "reallocation_phase"]

_NONE = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class ReallocationResult:
    """What the reallocation group did this week (team indices and tranches).

    Attributes:
        reclaimed_from: Teams whose reclaims took effect.
        reclaimed: Tranches taken from each of them.
        stress_after: Each of their stress when the reclaim happened.
        fast_tracked: New projects and launched products handed tranches before the auction.
        fast_track_units: Tranches handed to each.
        noticed: Teams given notice of a coming reclaim.
        notice_units: Tranches announced for each.
        notice_weeks: Weeks of notice given.
        withdrawn: Teams whose notice fell due but was dropped: by then they were no
            longer winding down or idle, or held no whole tranche beyond their need.
    """

    reclaimed_from: np.ndarray
    reclaimed: np.ndarray
    stress_after: np.ndarray
    fast_tracked: np.ndarray
    fast_track_units: np.ndarray
    noticed: np.ndarray
    notice_units: np.ndarray
    notice_weeks: int
    withdrawn: np.ndarray


def launch_age(table: TeamTable, week: int, launches: Iterable[WeekEvent]) -> np.ndarray:
    """Weeks since the latest product launch (a demand spike) at or before ``week``.

    Returns:
        Per team: the weeks since that launch for product teams, ``-1`` for research
        teams and before any launch.
    """
    weeks = [e.week for e in launches if e.gpus > 0 and e.week <= week]
    if not weeks:
        return np.full(table.n, -1, dtype=np.int64)
    return np.where(table.is_product, week - max(weeks), -1).astype(np.int64)


def _view(table: TeamTable, fleet: float, launched: np.ndarray) -> LabView:
    gpus = table.gpus
    return LabView(
        gpus=gpus,
        need=table.need,
        research=table.is_research,
        active=table.project_active,
        project_age=table.project_age,
        winding_down=winding_down(table),
        launch_age=launched,
        reclaimed=table.reclaimed,
        fast_tracked=table.fast_tracked,
        free_pool=max(0.0, fleet - float(gpus.sum())),
    )


def _reclaim(
    table: TeamTable, group: ReallocationGroup, week: int, view: LabView
) -> tuple[np.ndarray, np.ndarray]:
    """Apply the reclaims due now (re-checked by the group against ``view``)."""
    teams, amounts = group.reclaims_due(week, view)
    taken = table.take(teams, amounts)
    table.reclaimed[teams] += taken
    return teams, taken


def reallocation_phase(
    table: TeamTable,
    group: ReallocationGroup,
    fleet: float,
    week: int,
    launches: Iterable[WeekEvent] = (),
) -> ReallocationResult:
    """Run the reallocation group's week.

    1. Reclaims whose notice has run out take effect, re-checked now: only from teams
       still winding down or idle, and never below a team's current need (latest-
       returning leases first). Notices that would take nothing are dropped.
    2. The group fast-tracks new projects, and product teams in the weeks after a
       launch, with what it reclaimed and a share of the pool.
    3. The group gives notice of its next reclaims; with no notice period they take
       effect at once (and return to the pool for this week's auction).

    Args:
        table: The team table (holdings updated in place).
        group: The reallocation group.
        fleet: Fleet size in tranches.
        week: The week being played.
        launches: The scenario's product launches (``product.demand_spikes``).
    """
    table.reclaimed = np.zeros(table.n)
    table.fast_tracked = np.zeros(table.n)
    group.moved_this_week = 0.0
    if not group.enabled:
        empty = np.zeros(0)
        return ReallocationResult(_NONE, empty, empty, _NONE, empty, _NONE, empty, 0, _NONE)
    launched = launch_age(table, week, launches)
    teams, taken = _reclaim(table, group, week, _view(table, fleet, launched))
    withdrawn = group.withdrawn

    fast, units = group.fast_track(_view(table, fleet, launched), float(taken.sum()))
    if fast.size:
        table.give(fast, units)
        table.fast_tracked[fast] = units

    noticed, notice_units = group.announce(week, _view(table, fleet, launched))
    if group.notice_weeks == 0 and noticed.size:
        now, now_taken = _reclaim(table, group, week, _view(table, fleet, launched))
        teams = np.concatenate([teams, now])
        taken = np.concatenate([taken, now_taken])
        withdrawn = np.concatenate([withdrawn, group.withdrawn])
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
        withdrawn=withdrawn,
    )
