"""Every team's state at the end of a week: the rows of the teams table.

The reallocation group follows the teams as one more row. Every row's ``tranches`` is
tranches held (the group holds none), so summing it over a week's rows gives what the
teams hold; what the group moved is in ``moved`` and ``reclaimed``. The teams table adds
the same holdings and needs in GPUs (:meth:`game.world.recorder.Recorder.teams_frame`).
"""

from __future__ import annotations

import numpy as np

from agents.reallocation import ReallocationGroup
from agents.table import TeamTable
from game.world.phases.lifecycle import phase_codes

__all__ = ["REALLOCATION_HEADCOUNT", "mean_over_teams", "team_snapshot"]

#: People in the reallocation group (shown in the teams table).
REALLOCATION_HEADCOUNT = 5.0
#: Phase code of the reallocation group in the teams table.
REALLOCATING = np.int8(5)


def team_snapshot(
    table: TeamTable, balances: np.ndarray, group: ReallocationGroup, credit_value: float = 1.0
) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Every team's state this week, and the reallocation group's row to follow it.

    ``moved`` is tranches fast-tracked to a team this week (for the group: all it handed
    out); ``reclaimed`` is tranches taken from a team this week (for the group: all it
    took back).

    Returns:
        ``(teams, group_row)``: copies of the team columns, and the group's values.
    """
    teams = {
        "phase": phase_codes(table),
        "tranches": table.gpus.copy(),
        "need_tranches": table.need.copy(),
        "bid": table.bid_total.copy(),
        "won": table.won.copy(),
        "paid": table.paid.copy(),
        "shading": table.shading.copy(),
        "regret": table.regret.copy(),
        "utility": table.output_value - credit_value * table.paid,
        "credits": balances.copy(),
        "stress": table.stress.copy(),
        "burnout": table.burnout.copy(),
        "output": table.output.copy(),
        "output_value": table.output_value.copy(),
        "headcount": table.headcount.copy(),
        "moved": table.fast_tracked.copy(),
        "reclaimed": table.reclaimed.copy(),
    }
    group_row = {
        "phase": REALLOCATING,
        "tranches": 0.0,
        "need_tranches": 0.0,
        "bid": 0.0,
        "won": 0.0,
        "paid": 0.0,
        "shading": float("nan"),
        "regret": float("nan"),
        "utility": 0.0,
        "credits": 0.0,
        "stress": group.stress,
        "burnout": 0.0,
        "output": 0.0,
        "output_value": 0.0,
        "headcount": REALLOCATION_HEADCOUNT,
        "moved": group.moved_this_week,
        "reclaimed": float(table.reclaimed.sum()),
    }
    return teams, group_row


def mean_over_teams(snaps: list[dict[str, np.ndarray]], column: str, weeks: slice) -> float:
    """Mean of a team column over the teams and the weeks ``weeks`` selects (NaNs skipped).

    Args:
        snaps: The recorder's per-week team snapshots (``Recorder.team_snaps``).
        column: A column of the snapshots, e.g. ``"shading"``.
        weeks: Which snapshots, e.g. ``slice(-10, None)`` for the last ten weeks.

    Returns:
        The mean, or NaN when no value was recorded (e.g. nobody bid).
    """
    picked = [snap[column] for snap in snaps[weeks]]
    values = np.concatenate(picked) if picked else np.array([])
    finite = values[~np.isnan(values)]
    return float(finite.mean()) if finite.size else float("nan")
