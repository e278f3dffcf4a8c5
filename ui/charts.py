"""Altair chart builders: pure functions from the game's frames to ``alt.Chart``.

Nothing here imports Streamlit, so every chart can be built and checked in a plain
test. Pages turn a chart into a Vega-Lite spec once per model week (see
:mod:`ui.state`) and draw that spec, so a rerun that does not advance the model does
not rebuild any chart.

Large labs are summarised before charting: the GPU chart keeps the teams holding the
most and folds the rest into "other teams"; the heat map keeps the most stressed teams.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

DIVISION_COLOURS = {"research": "#4c78a8", "product": "#f58518"}
RULE_SET_COLOURS = {"A": "#4c78a8", "B": "#e45756"}
RULE_SET_SCALE = alt.Scale(domain=list(RULE_SET_COLOURS), range=list(RULE_SET_COLOURS.values()))
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
    """Team rows without the reallocation group (whose ``gpus`` are tranches it moved)."""
    return teams[teams["kind"] != "reallocation"]


def top_teams(teams: pd.DataFrame, column: str, limit: int) -> list[str]:
    """Names of the ``limit`` teams with the highest mean ``column``, highest first."""
    means = _teams_only(teams).groupby("team", sort=False)[column].mean()
    return means.sort_values(ascending=False, kind="stable").index[:limit].tolist()


def gpus_by_team(
    teams: pd.DataFrame, *, gpus_per_tranche: int = 1, max_teams: int = 20
) -> alt.Chart:
    """Stacked area of GPUs held by each team, week by week.

    Args:
        teams: The model's teams frame.
        gpus_per_tranche: GPUs in one tranche (the y axis shows GPUs).
        max_teams: Teams shown by name; the rest are summed into "other teams".
    """
    df = _teams_only(teams)[["week", "team", "kind", "gpus"]].copy()
    keep = set(top_teams(df, "gpus", max_teams))
    if df["team"].nunique() > len(keep):
        df.loc[~df["team"].isin(keep), ["team", "kind"]] = [OTHER, "mixed"]
        df = df.groupby(["week", "team", "kind"], as_index=False, sort=False)["gpus"].sum()
    df["gpus"] = df["gpus"] * gpus_per_tranche
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
    return (
        alt.Chart(df, title="Clearing price (credits per tranche)")
        .mark_line(point=True)
        .encode(
            x=week_x(df),
            y=alt.Y("price:Q", title="credits per tranche"),
            tooltip=[
                "week:Q",
                alt.Tooltip("price:Q", format=",.1f"),
                alt.Tooltip("revenue:Q", format=",.0f", title="credits paid"),
            ],
        )
        .properties(height=DEFAULT_HEIGHT)
    )


def stress_heatmap(teams: pd.DataFrame, *, max_teams: int = 40) -> alt.Chart:
    """Team × week heat map of stress (0 calm … 1 maximal), research teams first.

    Args:
        teams: The model's teams frame (the reallocation group is shown last).
        max_teams: Most teams shown; with more, the most stressed on average are kept.
    """
    df = teams[["week", "team", "kind", "stress", "burnout", "gpus", "demand"]]
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
            y=alt.Y("team:N", sort=order, title=None),
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
                alt.Tooltip("gpus:Q", format=",.1f", title="tranches held"),
                alt.Tooltip("demand:Q", format=",.1f", title="tranches needed"),
            ],
        )
        .properties(height=90 + 20 * n_teams)
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


DIVISION_LABELS = {"research_output": "research", "product_value": "product"}


def output_by_division(weeks: pd.DataFrame) -> alt.Chart:
    """Research output and product value per week (each in its own units)."""
    return weekly_lines(
        weeks,
        DIVISION_LABELS,
        series="division",
        value="output",
        title="Output by division",
        y=alt.Y("output:Q", title="output per week"),
        fmt=",.1f",
        colour=alt.Scale(domain=list(DIVISION_COLOURS), range=list(DIVISION_COLOURS.values())),
    )


FAIRNESS_LABELS = {
    "efficiency": "allocative efficiency",
    "jain": "Jain fairness",
    "utilisation": "utilisation",
}


def fairness_efficiency(weeks: pd.DataFrame) -> alt.Chart:
    """Allocative efficiency, Jain's fairness index and utilisation over time (all in 0–1)."""
    return weekly_lines(
        weeks,
        FAIRNESS_LABELS,
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


def _team_rows(teams: pd.DataFrame, team: str) -> pd.DataFrame:
    return teams.loc[teams["team"] == team]


TRANCHE_LABELS = {"gpus": "held", "demand": "needed", "won": "won this week"}


def team_tranches(teams: pd.DataFrame, team: str) -> alt.Chart:
    """One team's tranches held, needed and won at auction, week by week."""
    return weekly_lines(
        _team_rows(teams, team),
        TRANCHE_LABELS,
        series="series",
        value="tranches",
        title=f"{team}: tranches held, needed and won",
        y=alt.Y("tranches:Q", title="tranches"),
        fmt=",.1f",
        dashed=True,
        height=260,
    )


CREDIT_LABELS = {"bid": "bid (sum of unit bids)", "paid": "paid", "credits": "balance"}


def team_credits(teams: pd.DataFrame, team: str) -> alt.Chart:
    """One team's bids, payments and credit balance, week by week."""
    return weekly_lines(
        _team_rows(teams, team),
        CREDIT_LABELS,
        series="series",
        value="credits",
        title=f"{team}: credits bid, paid and held",
        y=alt.Y("credits:Q", title="credits"),
        fmt=",.0f",
        height=260,
    )


def team_stress(teams: pd.DataFrame, team: str) -> alt.Chart:
    """One team's stress and burnout, week by week."""
    return weekly_lines(
        _team_rows(teams, team),
        {"stress": "stress", "burnout": "burnout"},
        series="series",
        value="level",
        title=f"{team}: stress and burnout",
        y=alt.Y("level:Q", title="0 – 1", scale=alt.Scale(domain=[0, 1])),
        fmt=".2f",
        colour=alt.Scale(domain=["stress", "burnout"], range=["#e45756", "#54a24b"]),
        height=260,
    )


DRIVER_LABELS = {
    "deficit": "compute deficit",
    "urgency": "deadline urgency",
    "lost_auction": "lost the auction",
    "envy": "envy",
    "reclaim": "GPUs reclaimed",
    "recovery": "recovery",
    "contagion": "contagion",
}


def drivers_frame(terms: Mapping[str, float]) -> pd.DataFrame:
    """Stress drivers as a table: ``driver``, ``change`` (signed), ``direction``."""
    rows = [
        {
            "driver": DRIVER_LABELS.get(name, name),
            "change": float(value),
            "direction": "raises stress" if value > 0 else "lowers stress",
        }
        for name, value in terms.items()
    ]
    return pd.DataFrame(rows, columns=["driver", "change", "direction"])


def stress_drivers(terms: Mapping[str, float], team: str = "") -> alt.Chart:
    """Horizontal bars: how much each driver changed a team's stress this week."""
    df = drivers_frame(terms)
    title = (
        f"What moved {team}'s stress this week (red up, green down)"
        if team
        else "Stress drivers this week (red up, green down)"
    )
    return (
        alt.Chart(df, title=title)
        .mark_bar()
        .encode(
            x=alt.X("change:Q", title="change in stress"),
            y=alt.Y("driver:N", sort=list(DRIVER_LABELS.values()), title=None),
            color=alt.Color(
                "direction:N",
                scale=alt.Scale(
                    domain=["raises stress", "lowers stress"], range=["#e45756", "#54a24b"]
                ),
                legend=None,
            ),
            tooltip=["driver:N", "direction:N", alt.Tooltip("change:Q", format="+.3f")],
        )
        .properties(height=320)
    )


def bids_frame(bids: np.ndarray, values: np.ndarray, won_at_auction: float) -> pd.DataFrame:
    """One row per tranche bid for: ``unit``, ``bid``, ``value``, ``outcome``."""
    n = int(np.asarray(bids).size)
    vals = np.full(n, np.nan)
    vals[: min(n, np.asarray(values).size)] = np.asarray(values, dtype=float)[:n]
    won = round(max(0.0, float(won_at_auction)))
    return pd.DataFrame(
        {
            "unit": np.arange(1, n + 1),
            "bid": np.asarray(bids, dtype=float),
            "value": vals,
            "outcome": ["won" if i < won else "not won" for i in range(n)],
        }
    )


def bids_vs_price(
    bids: np.ndarray, values: np.ndarray, price: float, won_at_auction: float, team: str = ""
) -> alt.Chart:
    """A team's bid per tranche (bars), its true values (ticks) and the clearing price (line).

    Args:
        bids: The team's positive bids, highest first.
        values: Its true marginal values for the same tranches.
        price: The week's clearing price (NaN when no price formed).
        won_at_auction: Tranches won at auction (the first units are the ones won).
        team: Team name for the title.
    """
    df = bids_frame(bids, values, won_at_auction)
    base = alt.Chart(df)
    bars = base.mark_bar().encode(
        x=alt.X("unit:O", title="tranche (its 1st, 2nd, … bid)"),
        y=alt.Y("bid:Q", title="credits"),
        color=alt.Color(
            "outcome:N",
            scale=alt.Scale(domain=["won", "not won"], range=["#54a24b", "#bab0ac"]),
            legend=alt.Legend(orient="bottom", title=None),
        ),
        tooltip=[
            "unit:O",
            alt.Tooltip("bid:Q", format=",.1f"),
            alt.Tooltip("value:Q", format=",.1f", title="true value"),
            "outcome:N",
        ],
    )
    ticks = base.mark_tick(color="black", thickness=2, size=18).encode(
        x="unit:O", y="value:Q", tooltip=[alt.Tooltip("value:Q", format=",.1f")]
    )
    layers: list[alt.Chart] = [bars, ticks]
    if price == price:  # not NaN
        rule = (
            alt.Chart(pd.DataFrame({"price": [float(price)]}))
            .mark_rule(color="#e45756", strokeDash=[6, 4], size=2)
            .encode(y="price:Q", tooltip=[alt.Tooltip("price:Q", format=",.1f")])
        )
        layers.append(rule)
    title = f"{team}'s bids against the clearing price" if team else "Bids against the price"
    return alt.layer(*layers, title=title).properties(height=330)


def counterfactual_frame(
    counterfactual: Mapping[str, tuple[float, float]], actual: str
) -> pd.DataFrame:
    """What a team would have got under each rule on the same week's bids and pool."""
    rows = [
        {
            "rule": name,
            "tranches": float(tranches),
            "paid": float(paid),
            "actual rule": name == actual,
        }
        for name, (tranches, paid) in counterfactual.items()
    ]
    return pd.DataFrame(rows, columns=["rule", "tranches", "paid", "actual rule"])


def fairness_efficiency_scatter(points: pd.DataFrame) -> alt.Chart:
    """Jain fairness against allocative efficiency per seed, coloured by rule set."""
    return (
        alt.Chart(points, title="Fairness and efficiency, one dot per seed")
        .mark_point(filled=True, size=110, opacity=0.85)
        .encode(
            x=alt.X("jain:Q", title="Jain fairness (mean over weeks)", scale=alt.Scale(zero=False)),
            y=alt.Y(
                "efficiency:Q",
                title="allocative efficiency (mean over weeks)",
                scale=alt.Scale(zero=False),
            ),
            color=alt.Color(
                "rule_set:N",
                title="rule set",
                scale=RULE_SET_SCALE,
            ),
            shape=alt.Shape("rule_set:N", title="rule set"),
            tooltip=[
                "rule_set:N",
                "seed:Q",
                alt.Tooltip("jain:Q", format=".3f"),
                alt.Tooltip("efficiency:Q", format=".3f"),
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
            color=alt.Color(
                "rule_set:N",
                title="rule set",
                scale=RULE_SET_SCALE,
            ),
            tooltip=["rule_set:N", "week:Q", alt.Tooltip("value:Q", format=",.3f")],
        )
        .properties(height=280)
    )
