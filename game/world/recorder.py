"""Recording: weekly lab metrics and per-team snapshots, turned into tidy tables.

The recorder keeps plain numpy arrays per week (cheap to append) and builds the
pandas tables only when asked, so recording costs little inside the hot loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from game.world.phases.lifecycle import PHASES

WEEK_COLUMNS = (
    "week",
    "rule",
    "supply",
    "usable",
    "allocated",
    "idle",
    "utilisation",
    "price",
    "revenue",
    "output_value",
    "efficiency",
    "nash_welfare",
    "envy",
    "rho_max",
    "rho_share",
    "jain",
    "gini",
    "mean_stress",
    "max_stress",
    "burnout_teams",
    "research_output",
    "product_value",
    "research_gpu_share",
    "deals",
    "negotiations",
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
    "tranches",
    "need_tranches",
    "gpus",
    "need_gpus",
    "bid",
    "won",
    "paid",
    "shading",
    "regret",
    "utility",
    "credits",
    "stress",
    "burnout",
    "output",
    "output_value",
    "headcount",
    "moved",
    "reclaimed",
)
"""Columns of the teams table. ``output`` is research output (research teams) or product
value in credits (product teams); ``output_value`` is the same week's output in credits
for every team (research at leadership's exchange rate). ``shading`` is ``1 − bid/value``
averaged over the tranches a team bid for (0 = truthful, empty: no bid); ``regret`` is a
full-information learner's external regret so far per week learned (the best fixed choice
in hindsight minus what its bids realised, credits; empty for other strategies); ``utility`` is
the week's quasi-linear utility, ``output_value − valuation.credit_value × paid``.
``tranches`` is tranches held on every row (0 for the reallocation group) and
``need_tranches`` what the team needs, in tranches; ``gpus`` and ``need_gpus`` are the same
in GPUs (``× supply.gpus_per_tranche``). ``bid`` and ``paid`` are credits, ``won`` tranches
won at auction; ``moved`` is tranches the reallocation group fast-tracked to a team this
week (on its own row: all it handed out), ``reclaimed`` tranches it took from a team this
week (on its own row: all it took back)."""

_TEAM_ARRAYS = (
    "tranches",
    "need_tranches",
    "bid",
    "won",
    "paid",
    "shading",
    "regret",
    "utility",
    "credits",
    "stress",
    "burnout",
    "output",
    "output_value",
    "headcount",
    "moved",
    "reclaimed",
)


__all__ = ["TEAM_COLUMNS", "WEEK_COLUMNS", "Recorder"]


@dataclass
class Recorder:
    """Weekly rows for the lab and snapshots of every team."""

    week_rows: list[dict[str, float | str]] = field(default_factory=list)
    team_snaps: list[dict[str, np.ndarray]] = field(default_factory=list)
    extra_rows: list[dict[str, float]] = field(default_factory=list)
    strategies: list[tuple[str, ...]] = field(default_factory=list)

    def record_week(self, row: dict[str, float | str]) -> None:
        """Append one week's lab-level metrics (keys from :data:`WEEK_COLUMNS`)."""
        self.week_rows.append(row)

    def record_teams(
        self,
        week: int,
        snap: dict[str, np.ndarray],
        extra: dict[str, float],
        strategies: tuple[str, ...],
    ) -> None:
        """Append one week's team snapshot.

        Args:
            week: The week.
            snap: One array over the teams per column of :data:`TEAM_COLUMNS` from
                ``phase`` on (copies: the recorder keeps them).
            extra: The same columns for one extra row after the teams (the reallocation
                group, which plays no strategy).
            strategies: The strategy each team played this week.
        """
        self.team_snaps.append({"week": week, **snap})
        self.extra_rows.append(extra)
        self.strategies.append(strategies)

    def weeks_frame(self) -> pd.DataFrame:
        """Return one row per week with the columns of :data:`WEEK_COLUMNS`."""
        return pd.DataFrame(self.week_rows, columns=list(WEEK_COLUMNS))

    def teams_frame(
        self, names: list[str], kinds: list[str], gpus_per_tranche: int = 1000
    ) -> pd.DataFrame:
        """Return one row per team and week with the columns of :data:`TEAM_COLUMNS`.

        Args:
            names: Team names, in row order (the reallocation group last).
            kinds: ``research``, ``product`` or ``reallocation`` per team.
            gpus_per_tranche: GPUs in a tranche (for ``gpus`` and ``need_gpus``).
        """
        if not self.team_snaps:
            return pd.DataFrame(columns=list(TEAM_COLUMNS))
        n = len(names)
        weeks = len(self.team_snaps)

        def column(col: str) -> np.ndarray:
            parts: list[np.ndarray] = []
            for snap, extra in zip(self.team_snaps, self.extra_rows, strict=True):
                parts.append(snap[col])
                parts.append(np.array([extra[col]], dtype=snap[col].dtype))
            return np.concatenate(parts)

        data: dict[str, object] = {
            "week": np.repeat([int(s["week"]) for s in self.team_snaps], n),
            "team": np.tile(np.asarray(names, dtype=object), weeks),
            "kind": np.tile(np.asarray(kinds, dtype=object), weeks),
            "strategy": np.array(
                [name for week in self.strategies for name in (*week, "-")], dtype=object
            ),
            "phase": np.asarray(PHASES, dtype=object)[column("phase")],
        }
        for col in _TEAM_ARRAYS:
            data[col] = column(col)
        data["gpus"] = data["tranches"] * gpus_per_tranche
        data["need_gpus"] = data["need_tranches"] * gpus_per_tranche
        return pd.DataFrame(data, columns=list(TEAM_COLUMNS))
