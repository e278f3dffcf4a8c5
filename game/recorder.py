"""Recording: weekly lab metrics and per-team snapshots, turned into tidy tables.

The recorder keeps plain numpy arrays per week (cheap to append) and builds the
pandas tables only when asked, so recording costs little inside the hot loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from game.lifecycle import PHASES

WEEK_COLUMNS = (
    "week",
    "supply",
    "available",
    "allocated",
    "idle",
    "utilisation",
    "price",
    "revenue",
    "efficiency",
    "jain",
    "gini",
    "mean_stress",
    "max_stress",
    "burnout_teams",
    "research_output",
    "product_value",
    "research_share",
    "deals",
    "reclaims",
    "new_project_wait",
    "headcount",
)

TEAM_COLUMNS = (
    "week",
    "team",
    "kind",
    "strategy",
    "phase",
    "gpus",
    "demand",
    "bid",
    "won",
    "paid",
    "credits",
    "stress",
    "burnout",
    "output",
    "headcount",
)

_TEAM_ARRAYS = ("gpus", "demand", "bid", "won", "paid", "credits", "stress", "burnout", "output")


@dataclass
class Recorder:
    """Weekly rows for the lab and snapshots of every team."""

    week_rows: list[dict[str, float]] = field(default_factory=list)
    team_snaps: list[dict[str, np.ndarray]] = field(default_factory=list)

    def record_week(self, row: dict[str, float]) -> None:
        """Append one week's lab-level metrics (keys from :data:`WEEK_COLUMNS`)."""
        self.week_rows.append(row)

    def record_teams(self, snap: dict[str, np.ndarray]) -> None:
        """Append one week's team snapshot: arrays over teams (copied by the caller)."""
        self.team_snaps.append(snap)

    def weeks_frame(self) -> pd.DataFrame:
        """Return one row per week with the columns of :data:`WEEK_COLUMNS`."""
        return pd.DataFrame(self.week_rows, columns=list(WEEK_COLUMNS))

    def teams_frame(
        self, names: list[str], kinds: list[str], strategies: list[str]
    ) -> pd.DataFrame:
        """Return one row per team and week with the columns of :data:`TEAM_COLUMNS`.

        Args:
            names: Team names, in row order (the reallocation group last).
            kinds: ``research``, ``product`` or ``reallocation`` per team.
            strategies: Bidding strategy per team (``-`` where it does not bid).
        """
        if not self.team_snaps:
            return pd.DataFrame(columns=list(TEAM_COLUMNS))
        n = len(names)
        weeks = len(self.team_snaps)
        data: dict[str, object] = {
            "week": np.repeat([int(s["week"]) for s in self.team_snaps], n),
            "team": np.tile(np.asarray(names, dtype=object), weeks),
            "kind": np.tile(np.asarray(kinds, dtype=object), weeks),
            "strategy": np.tile(np.asarray(strategies, dtype=object), weeks),
            "phase": np.asarray(PHASES, dtype=object)[
                np.concatenate([s["phase"] for s in self.team_snaps])
            ],
        }
        for col in _TEAM_ARRAYS:
            data[col] = np.concatenate([s[col] for s in self.team_snaps])
        data["headcount"] = np.concatenate([s["headcount"] for s in self.team_snaps])
        return pd.DataFrame(data, columns=list(TEAM_COLUMNS))
