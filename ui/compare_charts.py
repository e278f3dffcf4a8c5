"""Altair charts of a comparison: fairness against efficiency per seed, and A vs B over time.

Pure functions (no Streamlit) of :class:`experiments.compare.ComparisonResult`'s frames;
axis titles are the run metrics' registered labels.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from game.run_metrics import RUN_METRICS
from ui.charts import week_x

RULE_SET_COLOURS = {"A": "#4c78a8", "B": "#e45756"}
RULE_SET_SCALE = alt.Scale(domain=list(RULE_SET_COLOURS), range=list(RULE_SET_COLOURS.values()))


def fairness_efficiency_scatter(points: pd.DataFrame) -> alt.Chart:
    """Jain fairness against allocative efficiency per seed, coloured by rule set."""
    jain, eff = RUN_METRICS["jain"], RUN_METRICS["efficiency"]
    return (
        alt.Chart(points, title=f"{jain.label} and {eff.label.lower()}, one dot per seed")
        .mark_point(filled=True, size=110, opacity=0.85)
        .encode(
            x=alt.X("jain:Q", title=jain.summary_label, scale=alt.Scale(zero=False)),
            y=alt.Y("efficiency:Q", title=eff.summary_label, scale=alt.Scale(zero=False)),
            color=alt.Color("rule_set:N", title="rule set", scale=RULE_SET_SCALE),
            shape=alt.Shape("rule_set:N", title="rule set"),
            tooltip=[
                alt.Tooltip("rule_set:N", title="rule set"),
                "seed:Q",
                alt.Tooltip("jain:Q", format=jain.fmt, title=jain.label),
                alt.Tooltip("efficiency:Q", format=eff.fmt, title=eff.label),
            ],
        )
        .properties(height=320)
    )


def compare_over_time(weekly: pd.DataFrame, column: str, label: str) -> alt.Chart:
    """Mean over seeds of one weekly measure, A against B."""
    df = weekly[["rule_set", "week", column]].rename(columns={column: "value"})
    return (
        alt.Chart(df, title=f"{label}, mean over seeds")
        .mark_line(point=True)
        .encode(
            x=week_x(df),
            y=alt.Y("value:Q", title=label),
            color=alt.Color("rule_set:N", title="rule set", scale=RULE_SET_SCALE),
            tooltip=[
                alt.Tooltip("rule_set:N", title="rule set"),
                "week:Q",
                alt.Tooltip("value:Q", format=",.3f", title=label),
            ],
        )
        .properties(height=280)
    )
