"""The projector's charts and tables, in big type for the room's screen.

Charts take the tables of :class:`workshop.board.Board` (team names already anonymised
when asked): GPUs per team as bars, the stress heat map (team by week), the leaderboard
and the latest events.
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd
import streamlit as st

from ui.text import md_escape
from workshop.board import Board

__all__ = ["BIG", "draw", "gpus_chart", "stress_heatmap"]

#: Larger type for the projector (Streamlit's own elements, scaled up).
BIG = """
<style>
.st-key-projector p, .st-key-projector li { font-size: 1.35rem; }
.st-key-projector [data-testid="stMetricValue"] p { font-size: 3.2rem; }
.st-key-projector [data-testid="stMetricLabel"] p { font-size: 1.4rem; }
</style>
"""
FONT = 18
#: Pixels per team row in the charts (every name readable from the back of the room).
ROW = 34


def gpus_chart(teams: pd.DataFrame) -> alt.Chart:
    """GPUs each team holds now (seated teams in a darker shade)."""
    return (
        alt.Chart(teams)
        .mark_bar()
        .encode(
            x=alt.X("gpus:Q", title="GPUs held"),
            y=alt.Y("team:N", sort=None, title=None),
            color=alt.Color("kind:N", title="division"),
            opacity=alt.condition("datum.seat", alt.value(1.0), alt.value(0.55)),
            tooltip=["team", "kind", alt.Tooltip("gpus:Q", format=".0f")],
        )
        .properties(height=ROW * len(teams))
        .configure_axis(labelFontSize=FONT, titleFontSize=FONT)
        .configure_legend(labelFontSize=FONT, titleFontSize=FONT)
    )


def stress_heatmap(stress: pd.DataFrame) -> alt.Chart:
    """Each team's stress week by week (0 calm – 1 crisis)."""
    return (
        alt.Chart(stress)
        .mark_rect()
        .encode(
            x=alt.X("week:O", title="week"),
            y=alt.Y("team:N", sort=None, title=None, axis=alt.Axis(labelOverlap=False)),
            color=alt.Color(
                "stress:Q", scale=alt.Scale(domain=[0, 1], scheme="orangered"), title="stress"
            ),
            tooltip=["team", "week", alt.Tooltip("stress:Q", format=".2f")],
        )
        .properties(height=ROW * stress["team"].nunique())
        .configure_axis(labelFontSize=FONT, titleFontSize=FONT)
        .configure_legend(labelFontSize=FONT, titleFontSize=FONT)
    )


def draw(b: Board) -> None:
    """The board: price, rule, GPUs, stress, leaderboard and latest events."""
    st.html(BIG)
    with st.container(key="projector"):
        with st.container(horizontal=True):
            price = "—" if math.isnan(b.price) else f"{b.price:,.1f}"
            st.metric("Clearing price (credits per tranche)", price, border=True, width=360)
            st.metric("Weeks played", f"{b.week}", border=True, width=220)
            st.metric("Rule", b.rule, border=True, width=420)
        left, right = st.columns(2)
        with left:
            st.markdown("### GPUs per team")
            st.altair_chart(gpus_chart(b.teams), width="stretch")
        with right:
            st.markdown("### Stress")
            if b.stress.empty:
                st.caption("Appears once the first week is played.")
            else:
                st.altair_chart(stress_heatmap(b.stress), width="stretch")
        left, right = st.columns(2)
        with left:
            st.markdown("### Leaderboard")
            st.dataframe(
                b.leaderboard.round({"output": 1, "utility": 1}),
                hide_index=True,
                width="stretch",
                key="projector_leaderboard",
            )
        with right:
            st.markdown("### Latest events")
            if b.events.empty:
                st.caption("Nothing has happened yet.")
            for row in b.events.itertuples():
                st.markdown(f"- week {row.week}: {md_escape(row.text)}")
