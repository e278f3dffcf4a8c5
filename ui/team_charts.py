"""Altair charts of one team up close: holdings, credits, stress and its drivers, bids.

Pure functions (no Streamlit) from the teams frame, the last week's stress terms and an
explanation's bids to ``alt.Chart``; the team detail (:mod:`ui.team_detail`) draws them.
"""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import numpy as np
import pandas as pd

from ui.charts import weekly_lines


def _team_rows(teams: pd.DataFrame, team: str) -> pd.DataFrame:
    return teams.loc[teams["team"] == team]


TRANCHE_LABELS = {"tranches": "held", "need_tranches": "needed", "won": "won this week"}
REALLOCATION_LABELS = {"moved": "fast-tracked to it", "reclaimed": "reclaimed from it"}


def team_tranches(teams: pd.DataFrame, team: str) -> alt.Chart:
    """One team's tranches held, needed and won, week by week.

    What the reallocation group fast-tracked to the team (``moved``) or took back from it
    (``reclaimed``) is drawn too when it ever did either.
    """
    rows = _team_rows(teams, team)
    labels = dict(TRANCHE_LABELS)
    moved = [c for c in REALLOCATION_LABELS if c in rows.columns and rows[c].abs().sum() > 0]
    labels.update({c: REALLOCATION_LABELS[c] for c in moved})
    what = "held, needed, won and moved" if moved else "held, needed and won"
    return weekly_lines(
        rows,
        labels,
        series="series",
        value="amount",
        title=f"{team}: tranches {what}",
        y=alt.Y("amount:Q", title="tranches"),
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
    "recovery": "recovery (towards baseline)",
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
            y=alt.Y(
                "driver:N",
                sort=list(DRIVER_LABELS.values()),
                title=None,
                axis=alt.Axis(labelLimit=220),
            ),
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
