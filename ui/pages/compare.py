"""Compare: two rule sets on the same seeds, with differences and 95% confidence intervals."""

from __future__ import annotations

import typing
from collections.abc import Callable, Hashable

import altair as alt
import pandas as pd
import streamlit as st

import market
from game import Scenario
from game.compare import METRICS, ComparisonResult, compare
from game.scenario import GovernanceConfig
from ui import charts, downloads, state
from ui.rules_editor import choice_label, help_text, mechanism_label

RESULT = "compare_result"
BASE = "compare_base"
ERRORS = "compare_errors"
MECHANISMS = list(market.MECHANISMS)
MODES = list(typing.get_args(GovernanceConfig.model_fields["mode"].annotation))
TIME_SERIES = {
    "mean_stress": "mean stress",
    "jain": "Jain fairness",
    "efficiency": "allocative efficiency",
    "research_output": "research output",
    "product_value": "product value",
    "price": "clearing price",
}


def _defaults(sc: Scenario) -> dict[str, object]:
    """Widget defaults: A is the Explore scenario; B the same with another rule."""
    mech = market.resolve_mechanism(sc.market.mechanism)
    other = "committee" if mech != "committee" else "uniform_price"
    out: dict[str, object] = {}
    for side, m in (("A", mech), ("B", other)):
        out[f"cmp.{side}.mechanism"] = m
        out[f"cmp.{side}.mode"] = sc.governance.mode
        out[f"cmp.{side}.research_share"] = float(sc.governance.research_share)
        out[f"cmp.{side}.reallocation"] = bool(sc.reallocation.enabled)
    out["cmp.seeds"] = 5
    out["cmp.weeks"] = int(sc.weeks)
    return out


def _sync_defaults(sc: Scenario) -> None:
    """Start the form from the Explore scenario, again whenever that scenario changes."""
    ss = st.session_state
    digest = sc.digest()
    fresh = ss.get(BASE) != digest
    for key, value in _defaults(sc).items():
        if fresh or key not in ss:
            ss[key] = value
    if fresh:
        ss[BASE] = digest
        ss.pop(ERRORS, None)


def overrides(side: str) -> dict[str, object]:
    """Scenario overrides of rule set ``side`` ("A" or "B") from the form's values."""
    ss = st.session_state
    return {
        "market.mechanism": ss[f"cmp.{side}.mechanism"],
        "governance.mode": ss[f"cmp.{side}.mode"],
        "governance.research_share": float(ss[f"cmp.{side}.research_share"]),
        "reallocation.enabled": bool(ss[f"cmp.{side}.reallocation"]),
    }


def describe(sc: Scenario) -> str:
    """A rule set in a few words."""
    realloc = "reallocation on" if sc.reallocation.enabled else "reallocation off"
    return (
        f"{mechanism_label(market.resolve_mechanism(sc.market.mechanism))} · "
        f"{choice_label(sc.governance.mode).lower()} · "
        f"{sc.governance.research_share:.0%} research · {realloc}"
    )


def summary_table(result: ComparisonResult) -> pd.DataFrame:
    """The summary as shown: label, A, B, B − A, 95% interval, verdict."""
    s = result.summary
    return pd.DataFrame(
        {
            "metric": s["label"],
            "A": s["mean_a"],
            "B": s["mean_b"],
            "B − A": s["diff"],
            "95% CI low": s["ci_low"],
            "95% CI high": s["ci_high"],
            "verdict": s["verdict"],
        }
    )


def _result_chart(stored: dict, name: Hashable, build: Callable[[], alt.Chart]) -> dict:
    """A chart of the stored comparison as a spec, built once per comparison."""
    specs = stored.setdefault("specs", {})
    if name not in specs:
        specs[name] = state.with_arrow_datasets(state.to_spec(build()))
    return specs[name]


def _rule_set_inputs(side: str) -> None:
    st.markdown(f"**Rule set {side}**")
    st.selectbox(
        "Allocation rule",
        MECHANISMS,
        format_func=mechanism_label,
        key=f"cmp.{side}.mechanism",
        persist_state="session",
        help=help_text("market.mechanism"),
    )
    st.selectbox(
        "Governance",
        MODES,
        format_func=choice_label,
        key=f"cmp.{side}.mode",
        persist_state="session",
        help=help_text("governance.mode"),
    )
    st.slider(
        "Research share",
        0.0,
        1.0,
        step=0.01,
        key=f"cmp.{side}.research_share",
        persist_state="session",
        help=help_text("governance.research_share"),
    )
    st.toggle(
        "Reallocation group on",
        key=f"cmp.{side}.reallocation",
        persist_state="session",
        help=help_text("reallocation.enabled"),
    )


state.init_session()
base = state.scenario()
_sync_defaults(base)
ss = st.session_state

st.title("Compare", anchor=False)
st.caption(
    f"Both rule sets start from the Explore scenario **{base.name}** and play the same seeds "
    "(common random numbers), so the difference is the rules, not luck. Differences are "
    "B − A with a 95% paired t-interval over seeds."
)

with st.form("compare_form"):
    col_a, col_b = st.columns(2)
    slots = {}
    with col_a:
        _rule_set_inputs("A")
        slots["A"] = st.container()
    with col_b:
        _rule_set_inputs("B")
        slots["B"] = st.container()
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.number_input(
            "Seeds",
            min_value=1,
            max_value=50,
            step=1,
            key="cmp.seeds",
            persist_state="session",
            help="Games per rule set; more seeds give narrower intervals.",
        )
        st.number_input(
            "Weeks",
            min_value=1,
            max_value=1040,
            step=1,
            key="cmp.weeks",
            persist_state="session",
            help="Weeks per game.",
        )
        submitted = st.form_submit_button(
            "Compare", type="primary", icon=":material/compare_arrows:", key="compare_run"
        )

if submitted:
    errors: dict[str, str] = {}
    scenarios: dict[str, Scenario] = {}
    for side in ("A", "B"):
        try:
            scenarios[side] = base.with_overrides(overrides(side))
        except ValueError as err:
            errors[side] = str(err).splitlines()[0]
    ss[ERRORS] = errors
    if not errors:
        n_seeds, weeks = int(ss["cmp.seeds"]), int(ss["cmp.weeks"])
        bar = st.progress(0.0, text="Playing…")

        def _progress(done: int, total: int) -> None:
            bar.progress(done / total, text=f"Game {done} of {total}")

        try:
            result = compare(
                scenarios["A"],
                scenarios["B"],
                seeds=n_seeds,
                weeks=weeks,
                metrics=list(METRICS),
                progress=_progress,
                runner=state.cached_runner,
            )
        except ValueError as err:
            ss[ERRORS] = {"A": str(err).splitlines()[0]}
        else:
            ss[RESULT] = {
                "result": result,
                "a": describe(scenarios["A"]),
                "b": describe(scenarios["B"]),
            }
            bar.progress(1.0, text=f"Played {2 * n_seeds} games of {weeks} weeks.")

for side, message in (ss.get(ERRORS) or {}).items():
    slots[side].error(f"Rule set {side} not valid — {message}", icon=":material/error:")

stored = ss.get(RESULT)
if stored is None:
    st.info("Choose two rule sets and press **Compare**.", icon=":material/info:")
else:
    result: ComparisonResult = stored["result"]
    st.markdown(
        f"**A:** {stored['a']}  \n**B:** {stored['b']}  \n"
        f"{len(result.seeds)} seeds × {result.weeks} weeks each."
    )
    table = summary_table(result)
    st.dataframe(
        table,
        hide_index=True,
        height=38 + 35 * len(table),
        column_config={
            "A": st.column_config.NumberColumn(format="%.3f"),
            "B": st.column_config.NumberColumn(format="%.3f"),
            "B − A": st.column_config.NumberColumn(format="%+.3f"),
            "95% CI low": st.column_config.NumberColumn(format="%+.3f"),
            "95% CI high": st.column_config.NumberColumn(format="%+.3f"),
        },
        alt="Mean of each metric under A and B, the difference B − A and its 95% interval",
    )
    st.caption(
        "Verdict: *B better* / *A better* when the whole interval lies on one side of zero "
        "(for metrics where higher or lower is better); otherwise *no clear difference*."
    )
    st.space("small")
    left, right = st.columns(2)
    with left:
        st.vega_lite_chart(
            spec=_result_chart(
                stored, "scatter", lambda: charts.fairness_efficiency_scatter(result.points)
            ),
            alt="Jain fairness against allocative efficiency, one dot per seed and rule set",
        )
    with right:
        column = st.selectbox(
            "Over time",
            list(TIME_SERIES),
            format_func=TIME_SERIES.get,
            key="cmp.series",
        )
        st.vega_lite_chart(
            spec=_result_chart(
                stored,
                ("series", column),
                lambda: charts.compare_over_time(result.weekly, column, TIME_SERIES[column]),
            ),
            alt=f"{TIME_SERIES[column]} per week, A against B",
        )
    with st.container(horizontal=True):
        downloads.csv_button(
            "summary.csv", result.summary, "compare-summary.csv", key="download_compare_summary"
        )
        downloads.csv_button(
            "per-seed.csv", result.per_seed, "compare-per-seed.csv", key="download_compare_seeds"
        )
