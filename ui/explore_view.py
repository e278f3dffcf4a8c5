"""The Explore page's parts: KPI row, tabs, and the live view that plays.

The controls (Run, Step, Play, seed, speed) are in :mod:`ui.explore_controls`.

The page script (``ui/pages/explore.py``) only puts these together, so the script
Streamlit compiles on every run stays small; everything here reads the live model
through :mod:`ui.state` and so does no model work unless the model advanced.
"""

from __future__ import annotations

import streamlit as st

import market
from ui import bidding_charts, charts, downloads, network_view, state, team_detail
from ui.labels import choice_label, mechanism_label
from ui.text import safe_filename

TABS = ["Market", "Pressure", "Output & fairness", "Network & teams", "Events", "Downloads"]
NETWORK_KEY = "org_network"


# ---------------------------------------------------------------------------- callbacks
def _on_network_select() -> None:
    model = state.live_model()
    names = list(model.network.graph.nodes)  # the option lists nodes in graph order
    event = st.session_state.get(NETWORK_KEY)
    selection = getattr(event, "selection", None) if event is not None else None
    team = network_view.team_from_selection(selection, names, model.teams.names)
    if team is not None:
        st.session_state[state.TEAM] = team


def _kpi_row(view: state.ModelView) -> None:
    with st.container(horizontal=True, key="kpis"):
        for k in view.kpis:
            st.metric(
                k.label,
                k.value,
                delta=k.delta,
                delta_color=k.delta_color,
                help=k.help,
                border=True,
            )


def _need_weeks(view: state.ModelView) -> bool:
    if view.weeks.empty:
        st.info("No week played yet: press **Step**, **Play** or **Run**.", icon=":material/info:")
        return False
    return True


def _market_tab(view: state.ModelView) -> None:
    if not _need_weeks(view):
        return
    state.show_chart(
        "gpus",
        lambda: charts.gpus_by_team(view.teams),
        "GPUs held by each team, week by week",
    )
    if view.weeks["price"].notna().any():
        state.show_chart(
            "price", lambda: charts.clearing_price(view.weeks), "Clearing price per week"
        )
    else:
        rule = mechanism_label(state.scenario().clearing_rule)
        st.info(
            f"No clearing price: {rule} hands out tranches without money.",
            icon=":material/info:",
        )
    money = market.MECHANISMS[state.scenario().clearing_rule].uses_money
    if money and view.teams["shading"].notna().any():
        state.show_chart(
            "shading",
            lambda: bidding_charts.shading_by_strategy(view.teams),
            "Mean bid shading per strategy, week by week",
        )
        st.caption(
            "How far bids were below values. Learners (hedge, roth_erev) start at 45% and "
            "drift to what pays under the rule: towards 0 where truthful bidding is "
            "optimal (Vickrey), and stay shaded where winners pay their bids."
        )
    if money and "regret" in view.teams and view.teams["regret"].notna().any():
        state.show_chart(
            "regret",
            lambda: bidding_charts.regret_by_strategy(view.teams),
            "Learners' external regret per week learned, week by week",
        )
        st.caption(
            "What the best fixed shading in hindsight would have earned a learner, minus "
            "what its bids did, per week learned. A no-regret learner's line falls."
        )


def _pressure_tab(view: state.ModelView) -> None:
    if not _need_weeks(view):
        return
    state.show_chart(
        "heatmap", lambda: charts.stress_heatmap(view.teams), "Stress by team and week"
    )


def _output_tab(view: state.ModelView) -> None:
    if not _need_weeks(view):
        return
    left, right = st.columns(2)
    with left:
        state.show_chart(
            "output", lambda: charts.output_by_division(view.weeks), "Output by division per week"
        )
    with right:
        state.show_chart(
            "fairness",
            lambda: charts.fairness_efficiency(view.weeks),
            "Efficiency, Jain fairness and utilisation per week",
        )
    left, right = st.columns(2)
    with left:
        state.show_chart(
            "unfairness",
            lambda: charts.unfairness(view.weeks),
            "Envy and the share of projects behind a fair share per week",
        )
    with right:
        state.show_chart(
            "finish_time",
            lambda: charts.finish_time(view.weeks),
            "Worst finish-time ratio per week",
        )
    st.caption(
        "Output value and efficiency use the teams' own production (Learn → *Welfare "
        "metrics*): research output at leadership's exchange rate λ plus product value."
    )


def _network_tab(view: state.ModelView) -> None:
    model = state.live_model()
    names = model.teams.names
    if st.session_state.get(state.TEAM) not in names:
        st.session_state[state.TEAM] = names[0]
    team = st.session_state[state.TEAM]
    positions = state.model_memo("layout", lambda: network_view.layout(model.network.graph))
    gpt = model.scenario.supply.gpus_per_tranche
    option = state.memo(
        ("network", team),
        lambda: network_view.network_option(
            model.network.graph,
            positions,
            dict(zip(names, model.teams.gpus.tolist(), strict=True)),
            dict(zip(names, model.teams.stress.tolist(), strict=True)),
            selected=team,
            gpus_per_tranche=gpt,
        ),
    )
    network_view.show_network(option, key=NETWORK_KEY, on_select=_on_network_select)
    st.caption(
        "Size: GPUs held. Colour: stress, pale yellow (calm) → dark red, as in the heat map. "
        "Solid lines: reporting lines; dashed: ties between teams (stress spreads and loans "
        "happen along them)."
    )
    st.selectbox(
        "Team",
        names,
        key=state.TEAM,
        help="Or click a team in the network.",
    )
    team_detail.show_team_detail(st.session_state[state.TEAM])


def _events_tab(view: state.ModelView) -> None:
    events = view.events
    if events.empty:
        st.info("Nothing has happened yet.", icon=":material/info:")
        return
    kinds = sorted(events["kind"].unique())
    chosen = st.pills(
        "Show",
        kinds,
        selection_mode="multi",
        default=kinds,
        key="event_kinds",
    )
    shown = events[events["kind"].isin(chosen or [])]
    st.caption(f"{len(shown)} of {len(events)} events, latest first.")
    st.dataframe(
        shown,
        hide_index=True,
        height=420,
        column_config={
            "week": st.column_config.NumberColumn("week", width="small"),
            "kind": st.column_config.TextColumn("kind", width="small"),
            "team": st.column_config.TextColumn("team", width="small"),
            "text": st.column_config.TextColumn("what happened", width="large"),
        },
        alt="Event feed, latest first",
    )


def _downloads_tab(view: state.ModelView) -> None:
    sc_now = state.scenario()
    name = safe_filename(sc_now.name, "scenario")
    stem = f"{name}-seed{state.seed()}-week{state.live_model().week}"
    weeks = view.weeks
    tables = {"weeks": weeks, "teams": view.teams, "events": view.events.iloc[::-1]}
    with st.container(horizontal=True):
        for name, frame in tables.items():
            downloads.csv_button(f"{name}.csv", frame, f"{stem}-{name}.csv", key=f"download_{name}")
        downloads.scenario_button(sc_now, "scenario.toml", key="download_scenario")
    st.caption(
        "The same tables `crunch run --out` writes; the TOML reproduces this game with "
        f"`crunch run --scenario {name}.toml --seed {state.seed()}`."
    )
    if not weeks.empty:
        st.dataframe(weeks, hide_index=True, height=300, alt="Weeks table")


def live_view() -> None:
    """KPIs, charts, network and team detail; advances one week per tick while playing."""
    ticked = state.play_tick()
    if ticked and not st.session_state.get(state.PLAYING):
        st.rerun()  # reached the horizon: a full rerun stops the timer and resets the buttons
    model = state.live_model()
    view = state.current_view()
    sc_now = state.scenario()
    status = "playing" if st.session_state.get(state.PLAYING) else "paused"
    if model.week >= sc_now.weeks:
        status = "game over"
    rule = sc_now.clearing_rule
    mode = sc_now.governance.mode
    governance = "" if mechanism_label(rule) == choice_label(mode) else f" ({choice_label(mode)})"
    st.markdown(
        f"**{model.week} of {sc_now.weeks} weeks played** · {status} · "
        f"cleared by **{mechanism_label(rule)}**{governance.lower()}"
    )
    _kpi_row(view)
    _tabs()


@st.fragment
def _tabs() -> None:
    """The tabs, only the open one drawn: switching tabs reruns this alone, not the KPIs."""
    view = state.current_view()
    tabs = st.tabs(TABS, key="explore_tab", on_change="rerun")
    bodies = [
        lambda: _market_tab(view),
        lambda: _pressure_tab(view),
        lambda: _output_tab(view),
        lambda: _network_tab(view),
        lambda: _events_tab(view),
        lambda: _downloads_tab(view),
    ]
    for tab, body in zip(tabs, bodies, strict=True):
        if tab.open:
            with tab:
                body()
