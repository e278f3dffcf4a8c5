"""How teams bid: shading by strategy over the weeks (does a rule teach truthful bids?)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ui.charts import DEFAULT_HEIGHT, week_x

__all__ = ["regret_by_strategy", "regret_frame", "shading_by_strategy", "shading_frame"]


def shading_frame(teams: pd.DataFrame) -> pd.DataFrame:
    """Mean bid shading per week and strategy (teams that bid only).

    Args:
        teams: The teams table (``week``, ``strategy``, ``shading``).

    Returns:
        Columns ``week``, ``strategy``, ``shading``, ``teams`` (how many bid).
    """
    bid = teams.dropna(subset=["shading"])
    if bid.empty:
        return pd.DataFrame(columns=["week", "strategy", "shading", "teams"])
    grouped = bid.groupby(["week", "strategy"], as_index=False)["shading"]
    out = grouped.agg(shading="mean", teams="count")
    return out.sort_values(["week", "strategy"], ignore_index=True)


def shading_by_strategy(teams: pd.DataFrame) -> alt.Chart:
    """Mean ``1 − bid/value`` per strategy, week by week (0 = bids equal values)."""
    df = shading_frame(teams)
    return (
        alt.Chart(df, title="Bid shading by strategy (1 − bid/value; 0 = truthful)")
        .mark_line(point=True)
        .encode(
            x=week_x(df),
            y=alt.Y("shading:Q", title="mean shading"),
            color=alt.Color("strategy:N", title="strategy"),
            tooltip=[
                "week:Q",
                "strategy:N",
                alt.Tooltip("shading:Q", format=".2f", title="mean shading"),
                alt.Tooltip("teams:Q", title="teams that bid"),
            ],
        )
        .properties(height=DEFAULT_HEIGHT)
    )


def regret_frame(teams: pd.DataFrame) -> pd.DataFrame:
    """Mean external regret per week learned, per week and strategy (learners only).

    Args:
        teams: The teams table (``week``, ``strategy``, ``regret``).

    Returns:
        Columns ``week``, ``strategy``, ``regret``, ``teams``.
    """
    if "regret" not in teams:
        return pd.DataFrame(columns=["week", "strategy", "regret", "teams"])
    told = teams.dropna(subset=["regret"])
    if told.empty:
        return pd.DataFrame(columns=["week", "strategy", "regret", "teams"])
    grouped = told.groupby(["week", "strategy"], as_index=False)["regret"]
    out = grouped.agg(regret="mean", teams="count")
    return out.sort_values(["week", "strategy"], ignore_index=True)


def regret_by_strategy(teams: pd.DataFrame) -> alt.Chart:
    """Learners' regret so far per week learned (no-regret learning drives it towards 0)."""
    df = regret_frame(teams)
    return (
        alt.Chart(df, title="Learners' regret (best fixed shading in hindsight − realised)")
        .mark_line(point=True)
        .encode(
            x=week_x(df),
            y=alt.Y("regret:Q", title="credits per week learned"),
            color=alt.Color("strategy:N", title="strategy"),
            tooltip=[
                "week:Q",
                "strategy:N",
                alt.Tooltip("regret:Q", format=",.1f", title="regret per week"),
                alt.Tooltip("teams:Q", title="learners"),
            ],
        )
        .properties(height=DEFAULT_HEIGHT)
    )
