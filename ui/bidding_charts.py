"""How teams bid: shading by strategy over the weeks (does a rule teach truthful bids?)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ui.charts import DEFAULT_HEIGHT, week_x

__all__ = ["regret_by_strategy", "regret_frame", "shading_by_strategy", "shading_frame"]


def _per_strategy(teams: pd.DataFrame, column: str) -> pd.DataFrame:
    """Mean of a teams-table ``column`` per week and strategy, over the rows that have it.

    Returns:
        Columns ``week``, ``strategy``, ``column`` and ``teams`` (how many rows counted).
    """
    if column not in teams:
        return pd.DataFrame(columns=["week", "strategy", column, "teams"])
    told = teams.dropna(subset=[column])
    if told.empty:
        return pd.DataFrame(columns=["week", "strategy", column, "teams"])
    out = told.groupby(["week", "strategy"], as_index=False)[column].agg(
        **{column: "mean", "teams": "count"}
    )
    return out.sort_values(["week", "strategy"], ignore_index=True)


def _lines(df: pd.DataFrame, column: str, title: str, axis: str, fmt: str, who: str) -> alt.Chart:
    """One line per strategy of ``column`` week by week."""
    return (
        alt.Chart(df, title=title)
        .mark_line(point=True)
        .encode(
            x=week_x(df),
            y=alt.Y(f"{column}:Q", title=axis),
            color=alt.Color("strategy:N", title="strategy"),
            tooltip=[
                "week:Q",
                "strategy:N",
                alt.Tooltip(f"{column}:Q", format=fmt, title=axis),
                alt.Tooltip("teams:Q", title=who),
            ],
        )
        .properties(height=DEFAULT_HEIGHT)
    )


def shading_frame(teams: pd.DataFrame) -> pd.DataFrame:
    """Mean bid shading per week and strategy (teams that bid only).

    Args:
        teams: The teams table (``week``, ``strategy``, ``shading``).

    Returns:
        Columns ``week``, ``strategy``, ``shading``, ``teams`` (how many bid).
    """
    return _per_strategy(teams, "shading")


def shading_by_strategy(teams: pd.DataFrame) -> alt.Chart:
    """Mean ``1 − bid/value`` per strategy, week by week (0 = bids equal values)."""
    return _lines(
        shading_frame(teams),
        "shading",
        "Bid shading by strategy (1 − bid/value; 0 = truthful)",
        "mean shading",
        ".2f",
        "teams that bid",
    )


def regret_frame(teams: pd.DataFrame) -> pd.DataFrame:
    """Mean external regret per week learned, per week and strategy (learners only).

    Args:
        teams: The teams table (``week``, ``strategy``, ``regret``).

    Returns:
        Columns ``week``, ``strategy``, ``regret``, ``teams``.
    """
    return _per_strategy(teams, "regret")


def regret_by_strategy(teams: pd.DataFrame) -> alt.Chart:
    """Learners' regret so far per week learned (no-regret learning drives it towards 0)."""
    return _lines(
        regret_frame(teams),
        "regret",
        "Learners' regret (best fixed shading in hindsight − realised)",
        "credits per week learned",
        ",.1f",
        "learners",
    )
