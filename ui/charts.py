"""Altair chart builders for Explore's lab-wide tabs, and the helpers every chart shares.

Pure functions from the game's frames to ``alt.Chart``: nothing here imports Streamlit,
so every chart can be built and checked in a plain test. Pages turn a chart into a
Vega-Lite spec once per model week (see :mod:`ui.state`) and draw that spec, so a rerun
that does not advance the model does not rebuild any chart. One team's charts are in
:mod:`ui.team_charts`, Compare's in :mod:`ui.compare_charts`; metric names on axes and
legends come from ``game.run_metrics.RUN_METRICS``.

Large labs are summarised before charting: the GPU chart keeps the teams holding the
most and folds the rest into "other teams"; the heat map keeps the most stressed teams.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd

from game.run_metrics import RUN_METRICS

DIVISION_COLOURS = {"research": "#4c78a8", "product": "#f58518"}
STRESS_SCHEME = "yelloworangered"
DEFAULT_HEIGHT = 300
OTHER = "other teams"


def week_x(frame: pd.DataFrame, title: str = "week") -> alt.X:
    """A quantitative week axis spanning exactly the weeks played."""
    last = int(frame["week"].max()) if len(frame) else 1
    return alt.X(
        "week:Q",
        title=title,
        scale=alt.Scale(domain=[0, max(1, last)], nice=False),
        axis=alt.Axis(format="d", tickMinStep=1),
    )


def _ramp(start: tuple[int, int, int], end: tuple[int, int, int], n: int) -> list[str]:
    """``n`` hex colours from ``start`` to ``end``."""
    out = []
    for i in range(n):
        w = i / (n - 1) if n > 1 else 0.0
        rgb = [round(a + (b - a) * w) for a, b in zip(start, end, strict=True)]
        out.append("#{:02x}{:02x}{:02x}".format(*rgb))
    return out


def team_palette(kinds: dict[str, str]) -> tuple[list[str], list[str]]:
    """Colour domain and range: research teams in blues, product teams in oranges.

    Args:
        kinds: ``{team: kind}`` in the order the legend should show.

    Returns:
        ``(domain, range)`` for an Altair colour scale.
    """
    research = [t for t, k in kinds.items() if k == "research"]
    product = [t for t, k in kinds.items() if k == "product"]
    other = [t for t in kinds if t not in research and t not in product]
    colours = (
        _ramp((8, 48, 107), (107, 174, 214), len(research))
        + _ramp((127, 39, 4), (253, 174, 107), len(product))
        + ["#9e9e9e"] * len(other)
    )
    return research + product + other, colours


def _teams_only(teams: pd.DataFrame) -> pd.DataFrame:
    """Team rows without the reallocation group.

    The group holds no GPUs, produces nothing and has no stress of its own (its row's
    ``gpus``, ``output`` and ``stress`` are 0); what it did is in its ``moved`` and
    ``reclaimed`` columns, and in the same columns of the teams it moved tranches to or
    reclaimed them from.
    """
    return teams[teams["kind"] != "reallocation"]


def top_teams(teams: pd.DataFrame, column: str, limit: int) -> list[str]:
    """Names of the ``limit`` teams with the highest mean ``column``, highest first."""
    means = _teams_only(teams).groupby("team", sort=False)[column].mean()
    return means.sort_values(ascending=False, kind="stable").index[:limit].tolist()


def gpus_by_team(teams: pd.DataFrame, *, max_teams: int = 20) -> alt.Chart:
    """Stacked area of GPUs held by each team, week by week.

    Args:
        teams: The model's teams frame (``gpus`` is in GPUs).
        max_teams: Teams shown by name; the rest are summed into "other teams".
    """
    df = _teams_only(teams)[["week", "team", "kind", "gpus"]].copy()
    keep = set(top_teams(df, "gpus", max_teams))
    if df["team"].nunique() > len(keep):
        df.loc[~df["team"].isin(keep), ["team", "kind"]] = [OTHER, "mixed"]
        df = df.groupby(["week", "team", "kind"], as_index=False, sort=False)["gpus"].sum()
    firsts = df.drop_duplicates("team").sort_values(["kind", "team"], kind="stable")
    domain, colours = team_palette(dict(zip(firsts["team"], firsts["kind"], strict=True)))
    rank = {t: i for i, t in enumerate(domain)}
    df["stack"] = df["team"].map(rank)
    return (
        alt.Chart(df, title="GPUs held by each team (research blue, product orange)")
        .mark_area(opacity=0.9)
        .encode(
            x=week_x(df),
            y=alt.Y("gpus:Q", title="GPUs held", stack="zero"),
            color=alt.Color(
                "team:N",
                scale=alt.Scale(domain=domain, range=colours),
                legend=alt.Legend(columns=2, symbolLimit=40),
            ),
            order=alt.Order("stack:Q"),
            tooltip=["week:Q", "team:N", "kind:N", alt.Tooltip("gpus:Q", format=",.0f")],
        )
        .properties(height=340)
    )


def clearing_price(weeks: pd.DataFrame) -> alt.Chart:
    """The market's clearing price per tranche, week by week (gaps where no price formed)."""
    df = weeks[["week", "price", "revenue"]]
    price, revenue = RUN_METRICS["price"], RUN_METRICS["revenue"]
    return (
        alt.Chart(df, title=f"{price.label} ({price.unit})")
        .mark_line(point=True)
        .encode(
            x=week_x(df),
            y=alt.Y("price:Q", title=price.unit),
            tooltip=[
                "week:Q",
                alt.Tooltip("price:Q", format=",.1f", title=price.label),
                alt.Tooltip("revenue:Q", format=",.0f", title=revenue.label),
            ],
        )
        .properties(height=DEFAULT_HEIGHT)
    )


HEATMAP_ROW_PX = 20  # per team: above the 11 px labels, so none overlaps and none is dropped


def stress_heatmap(teams: pd.DataFrame, *, max_teams: int = 40) -> alt.Chart:
    """Team × week heat map of stress (0 calm … 1 maximal), research teams first.

    Args:
        teams: The model's teams frame (the reallocation group, which has no stress of
            its own, is left out).
        max_teams: Most teams shown; with more, the most stressed on average are kept.
    """
    df = _teams_only(teams)[["week", "team", "kind", "stress", "burnout", "gpus", "need_gpus"]]
    names = df["team"].unique()
    if names.size > max_teams:
        keep = set(top_teams(df, "stress", max_teams))
        df = df[df["team"].isin(keep)]
    rank = {"research": 0, "product": 1, "reallocation": 2}
    firsts = df.drop_duplicates("team")
    kinds = dict(zip(firsts["team"], firsts["kind"], strict=True))
    order = sorted(kinds, key=lambda t: (rank.get(kinds[t], 3), t))
    n_teams = len(order)
    return (
        alt.Chart(df, title="Stress by team and week")
        .mark_rect()
        .encode(
            x=alt.X("week:O", title="week", axis=alt.Axis(labelOverlap=True)),
            # Every team named: no label dropped for overlap, a row tall enough for one.
            y=alt.Y(
                "team:N",
                sort=order,
                title=None,
                axis=alt.Axis(labelOverlap=False, labelLimit=180, labelFontSize=11),
            ),
            color=alt.Color(
                "stress:Q",
                scale=alt.Scale(domain=[0, 1], scheme=STRESS_SCHEME),
                title="stress",
            ),
            tooltip=[
                "team:N",
                "kind:N",
                "week:O",
                alt.Tooltip("stress:Q", format=".2f"),
                alt.Tooltip("burnout:Q", format=".2f"),
                alt.Tooltip("gpus:Q", format=",.0f", title="GPUs held"),
                alt.Tooltip("need_gpus:Q", format=",.0f", title="GPUs needed"),
            ],
        )
        .properties(height=90 + HEATMAP_ROW_PX * n_teams)
    )


def weekly_lines(
    frame: pd.DataFrame,
    labels: Mapping[str, str],
    *,
    series: str,
    value: str,
    title: str,
    y: alt.Y,
    fmt: str,
    colour: alt.Scale | None = None,
    dashed: bool = False,
    mark: Mapping[str, Any] | None = None,
    height: int = DEFAULT_HEIGHT,
) -> alt.Chart:
    """One line per column of ``frame`` against the week, the columns named by ``labels``.

    Args:
        frame: Rows with a ``week`` column and the columns in ``labels``.
        labels: ``{column: label}``; the legend lists the labels in this order.
        series: Name of the legend field.
        value: Name of the value field (its tooltip uses ``fmt``).
        title: Chart title.
        y: The y encoding (reading field ``value``).
        fmt: d3 number format of the value in the tooltip.
        colour: A colour scale; by default the labels in order on the default scheme.
        dashed: Also tell the lines apart by dash pattern.
        mark: ``mark_line`` options; points on the line by default.
        height: Chart height in pixels.
    """
    order = list(labels.values())
    df = frame[["week", *labels]].rename(columns=dict(labels))
    long = df.melt("week", var_name=series, value_name=value)
    colour_enc = (
        alt.Color(f"{series}:N", sort=order)
        if colour is None
        else alt.Color(f"{series}:N", scale=colour)
    )
    encodings: dict[str, Any] = {
        "x": week_x(long),
        "y": y,
        "color": colour_enc,
        "tooltip": ["week:Q", f"{series}:N", alt.Tooltip(f"{value}:Q", format=fmt)],
    }
    if dashed:
        encodings["strokeDash"] = alt.StrokeDash(f"{series}:N", sort=order)
    return (
        alt.Chart(long, title=title)
        .mark_line(**(mark if mark is not None else {"point": True}))
        .encode(**encodings)
        .properties(height=height)
    )


DIVISION_LABELS = {"research_value": "research", "product_value": "product", "output_value": "lab"}
LAB_COLOUR = "#54a24b"


def division_values(weeks: pd.DataFrame) -> pd.DataFrame:
    """Each division's output value per week, in credits.

    Research is what is left of the week's output value after product value: research
    output at leadership's exchange rate λ (only what projects still needed counts).
    """
    df = weeks[["week", "output_value", "product_value"]].copy()
    df["research_value"] = df["output_value"] - df["product_value"]
    return df


def output_by_division(weeks: pd.DataFrame) -> alt.Chart:
    """Output value per week in credits: research (at λ), product, and the lab's total."""
    label = RUN_METRICS["output_value"].label
    return weekly_lines(
        division_values(weeks),
        DIVISION_LABELS,
        series="division",
        value="credits",
        title=f"{label} by division (credits per week)",
        y=alt.Y("credits:Q", title="credits per week"),
        fmt=",.0f",
        colour=alt.Scale(
            domain=list(DIVISION_LABELS.values()),
            range=[*DIVISION_COLOURS.values(), LAB_COLOUR],
        ),
        mark={"point": False, "strokeWidth": 2},
    )


FAIRNESS_METRICS = ("efficiency", "jain", "utilisation")


def metric_labels(names: tuple[str, ...]) -> dict[str, str]:
    """``{weekly column: registered label}`` for run metrics, read at call time.

    A relabelled or replaced metric so shows its current label.
    """
    return {RUN_METRICS[n].column: RUN_METRICS[n].label for n in names}


def fairness_efficiency(weeks: pd.DataFrame) -> alt.Chart:
    """Allocative efficiency, Jain's fairness index and utilisation over time (all in 0–1)."""
    return weekly_lines(
        weeks,
        metric_labels(FAIRNESS_METRICS),
        series="measure",
        value="value",
        title="Fairness and efficiency",
        y=alt.Y(
            "value:Q", title="1 = best", scale=alt.Scale(zero=False, domainMax=1.0, nice=False)
        ),
        fmt=".3f",
        dashed=True,
        mark={"strokeWidth": 2.5},
    )


UNFAIRNESS_METRICS = ("envy", "rho_share")


def unfairness(weeks: pd.DataFrame) -> alt.Chart:
    """Envy and the share of projects behind a fair share (both shares, lower is better)."""
    return weekly_lines(
        weeks,
        metric_labels(UNFAIRNESS_METRICS),
        series="measure",
        value="value",
        title="Envy and finish-time unfairness",
        y=alt.Y("value:Q", title="share (0 = best)", scale=alt.Scale(domain=[0, 1])),
        fmt=".3f",
        dashed=True,
        mark={"strokeWidth": 2.5},
    )


def finish_time(weeks: pd.DataFrame) -> alt.Chart:
    """The worst running project's finish-time ratio ρ per week, with ρ = 1 (a fair share)."""
    metric = RUN_METRICS["rho_max"]
    line = weekly_lines(
        weeks,
        {metric.column: metric.label},
        series="measure",
        value="rho",
        title=f"{metric.label} ρ (dashed: 1 = a private 1/N share)",
        y=alt.Y("rho:Q", title=metric.unit, scale=alt.Scale(zero=True)),
        fmt=".2f",
        colour=alt.Scale(range=["#b279a2"]),
        mark={"point": False, "strokeWidth": 2},
    )
    fair = (
        alt.Chart(pd.DataFrame({"rho": [1.0]}))
        .mark_rule(color="#888888", strokeDash=[6, 4])
        .encode(y="rho:Q")
    )
    return alt.layer(line, fair).properties(height=DEFAULT_HEIGHT)
