"""One team up close: bids and allocations, stress drivers, loans, and "why did I get this?".

Everything is read from the live model and its frames through :mod:`ui.state`, so it
is derived once per model week (explanations once per team and week asked).
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from game.world.explain import Explanation
from ui import state, team_charts
from ui.labels import mechanism_label

WHY_WEEK = "why_week"


def deals_for(events: pd.DataFrame, team: str) -> pd.DataFrame:
    """The loans a team took or gave: ``deal`` events naming it, latest first."""
    deals = events[events["kind"] == "deal"]
    mine = deals[(deals["team"] == team) | deals["text"].str.contains(team, regex=False)]
    return mine[["week", "text"]].reset_index(drop=True)


def reallocations_for(teams: pd.DataFrame, team: str) -> pd.DataFrame:
    """Weeks the reallocation group fast-tracked tranches to a team or reclaimed them.

    Columns ``week``, ``fast-tracked to it`` and ``reclaimed from it`` (tranches), latest
    week first; weeks where the group did neither are left out.
    """
    rows = teams.loc[teams["team"] == team, ["week", "moved", "reclaimed"]]
    rows = rows[(rows["moved"] != 0) | (rows["reclaimed"] != 0)]
    out = rows.rename(columns=team_charts.REALLOCATION_LABELS).iloc[::-1]
    return out.reset_index(drop=True)


def team_row(teams: pd.DataFrame, team: str) -> pd.Series | None:
    """The team's row in the latest week of a teams frame, or ``None`` before week 0."""
    rows = teams[teams["team"] == team]
    return None if rows.empty else rows.iloc[-1]


def summary_line(row: pd.Series) -> str:
    """One line on where a team stands this week (holdings and need in GPUs)."""
    strategy = str(row["strategy"]).replace("_", " ")
    return (
        f"**{row['team']}** · {row['kind']} team · bids as *{strategy}* · "
        f"{row['headcount']:.0f} people · holds {row['gpus']:,.0f} GPUs "
        f"({row['tranches']:,.0f} tranches) of {row['need_gpus']:,.0f} needed · "
        f"stress {row['stress']:.2f}"
    )


def explanation_table(expl: Explanation) -> pd.DataFrame:
    """The counterfactual table of an explanation, the rule actually used marked."""
    table = team_charts.counterfactual_frame(expl.counterfactual, expl.mechanism)
    table["rule"] = table["rule"].map(mechanism_label)
    return table


def _drivers(team: str) -> dict[str, float] | None:
    model = state.live_model()
    pressure = model.last_pressure
    if pressure is None:
        return None
    i = model.teams.names.index(team)
    return {name: float(values[i]) for name, values in pressure.terms.items()}


def _why(team: str, week: int) -> None:
    model = state.live_model()
    if not model.keep_books:
        st.info(
            "This lab is too large to keep every week's market book, so explanations are off.",
            icon=":material/info:",
        )
        return
    try:
        expl: Explanation = state.memo(("explain", team, week), lambda: model.explain(team, week))
    except ValueError as err:
        st.error(str(err), icon=":material/error:")
        return
    st.info(expl.text, icon=":material/lightbulb:")
    left, right = st.columns([3, 2])
    with left:
        if expl.bids.size:
            state.show_chart(
                ("bids", team, week),
                lambda: team_charts.bids_vs_price(
                    expl.bids, expl.values, expl.price, expl.won - expl.spot, team
                ),
                f"{team}'s bids in week {week} against the clearing price",
            )
        else:
            st.caption(f"{team} placed no bids in week {week}.")
    with right:
        st.markdown(f"**Same week, other rules** (cleared by {mechanism_label(expl.mechanism)})")
        st.dataframe(
            explanation_table(expl),
            hide_index=True,
            column_config={
                "tranches": st.column_config.NumberColumn("tranches it gets", format="%.1f"),
                "paid": st.column_config.NumberColumn("credits it pays", format="%.1f"),
                "actual rule": st.column_config.CheckboxColumn("used"),
            },
            alt=f"What {team} would have got in week {week} under each allocation rule",
        )
        price = "no price" if math.isnan(expl.price) else f"{expl.price:,.1f} credits"
        st.caption(
            f"Won {expl.won:.0f} (of which {expl.spot:.0f} free from the spot pool), "
            f"paid {expl.paid:,.1f} of {expl.budget:,.0f} credits; clearing price {price}."
        )


def _reallocation_table(teams: pd.DataFrame, team: str) -> None:
    table = reallocations_for(teams, team)
    moved, reclaimed = (table[c].sum() for c in team_charts.REALLOCATION_LABELS.values())
    st.markdown(
        f"**Reallocation group** ({moved:,.0f} tranches fast-tracked, {reclaimed:,.0f} reclaimed)",
        help="The group reclaims only from winding-down, then idle, research holders, never "
        "below their current need, and fast-tracks new projects and product launches.",
    )
    if table.empty:
        st.caption(f"The reallocation group has not moved tranches to or from {team}.")
        return
    st.dataframe(
        table,
        hide_index=True,
        height=min(260, 38 + 35 * len(table)),
        column_config={
            c: st.column_config.NumberColumn(c, format="%.1f")
            for c in team_charts.REALLOCATION_LABELS.values()
        },
        alt=f"Tranches the reallocation group fast-tracked to or reclaimed from {team}",
    )


def show_team_detail(team: str) -> None:
    """Draw the detail of one team for the live model's current week."""
    model = state.live_model()
    view = state.current_view()
    row = team_row(view.teams, team)
    if row is None:
        st.info(f"{team}: no week played yet. Press Step, Play or Run.", icon=":material/info:")
        return
    st.markdown(summary_line(row))
    a, b = st.columns(2)
    with a:
        state.show_chart(
            ("team_tranches", team),
            lambda: team_charts.team_tranches(view.teams, team),
            f"{team}: tranches held, needed and won per week",
        )
    with b:
        state.show_chart(
            ("team_credits", team),
            lambda: team_charts.team_credits(view.teams, team),
            f"{team}: credits bid, paid and held per week",
        )
    c, d = st.columns(2)
    with c:
        drivers = _drivers(team)
        if drivers:
            state.show_chart(
                ("drivers", team),
                lambda: team_charts.stress_drivers(drivers, team),
                f"What raised and lowered {team}'s stress this week",
            )
            baseline = model.scenario.emotion.stress.baseline
            st.caption(
                f"Recovery pulls stress back towards the baseline s₀ = {baseline:.2f}: it "
                "lowers stress above the baseline and raises it below."
            )
    with d:
        state.show_chart(
            ("team_stress", team),
            lambda: team_charts.team_stress(view.teams, team),
            f"{team}: stress and burnout per week",
        )
    loans, moves = st.columns(2)
    with loans:
        deals = deals_for(view.events, team)
        st.markdown(f"**Loans** ({len(deals)})")
        if deals.empty:
            st.caption(f"{team} has not borrowed or lent tranches yet.")
        else:
            st.dataframe(
                deals,
                hide_index=True,
                height=min(260, 38 + 35 * len(deals)),
                alt=f"Loans {team} took or gave",
            )
    with moves:
        _reallocation_table(view.teams, team)

    st.subheader("Why did I get this?", anchor=False)
    last = model.week - 1
    current = st.session_state.get(WHY_WEEK)
    if current is None or not 0 <= int(current) <= last:
        st.session_state[WHY_WEEK] = last
    week = st.number_input(
        f"Week to explain (0–{last})",
        min_value=0,
        max_value=last,
        step=1,
        key=WHY_WEEK,
        help="Its bids against that week's clearing price, and what other rules would give.",
    )
    _why(team, int(week))
