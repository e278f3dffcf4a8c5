"""Reallocation phase: reclaims fall due, new projects are fast-tracked, next reclaims announced."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents.reallocation import fast_track_shares
from agents.teams import ReallocationGroup
from game.lifecycle import WIND_DOWN_START
from game.scenario import ReallocationConfig
from game.state import TeamTable


@dataclass(frozen=True)
class ReallocationWeek:
    """What the reallocation group did this week (team indices and tranches).

    Attributes:
        reclaimed_from: Teams whose reclaims took effect.
        reclaimed: Tranches taken from each of them.
        fast_tracked: New projects handed tranches before the auction.
        fast_track_units: Tranches handed to each.
        noticed: Teams given notice of a coming reclaim.
        notice_units: Tranches announced for each.
    """

    reclaimed_from: np.ndarray
    reclaimed: np.ndarray
    fast_tracked: np.ndarray
    fast_track_units: np.ndarray
    noticed: np.ndarray
    notice_units: np.ndarray


_EMPTY = np.zeros(0, dtype=np.int64)


def reallocation_week(
    table: TeamTable, group: ReallocationGroup, fleet: float, week: int, cfg: ReallocationConfig
) -> ReallocationWeek:
    """Run the reallocation group's week on the team table.

    1. Reclaims whose notice has run out take effect (latest-returning leases first).
    2. New projects (younger than ``fast_track_weeks``) get the reclaimed tranches and
       up to ``pool_share`` of the rest of the free pool, in proportion to their deficits.
    3. The group announces its next reclaims — one per move — on winding-down or idle
       research holders with a surplus, or any holder far above its need. With no notice
       period they take effect at once (and return to the pool for this week's auction).
    """
    table.reclaimed = np.zeros(table.n)
    group.moved_this_week = 0.0
    if not group.enabled:
        return ReallocationWeek(_EMPTY, np.zeros(0), _EMPTY, np.zeros(0), _EMPTY, np.zeros(0))
    teams, amounts = group.due(week)
    taken = table.take(teams, amounts)
    table.reclaimed[teams] = taken
    reclaimed = float(taken.sum())

    fresh = np.flatnonzero(
        table.is_research & table.project_active & (table.project_age < cfg.fast_track_weeks)
    )
    pool = max(0.0, fleet - float(table.gpus.sum()))
    available = reclaimed + cfg.pool_share * max(0.0, pool - reclaimed)
    fast, units = _EMPTY, np.zeros(0)
    if available >= 1 and fresh.size:
        give = fast_track_shares(table.need[fresh] - table.gpus[fresh], available)
        got = give > 0
        fast, units = fresh[got], give[got]
        table.give(fast, units)
        group.moved_this_week = float(units.sum())

    progress = table.project_age / np.maximum(table.project_duration, 1)
    reclaimable = table.is_research & (~table.project_active | (progress >= WIND_DOWN_START))
    reclaimable |= table.gpus > 2 * cfg.surplus_threshold * np.maximum(table.need, 1e-9)
    noticed, notice_units = group.plan(
        week,
        table.gpus,
        table.need,
        reclaimable,
        per_move=cfg.tranches_per_move,
        surplus_threshold=cfg.surplus_threshold,
    )
    if group.notice_weeks == 0 and noticed.size:
        now, now_amounts = group.due(week)
        now_taken = table.take(now, now_amounts)
        table.reclaimed[now] += now_taken
        teams = np.concatenate([teams, now])
        taken = np.concatenate([taken, now_taken])
        noticed, notice_units = _EMPTY, np.zeros(0)
    return ReallocationWeek(teams, taken, fast, units, noticed, notice_units)
