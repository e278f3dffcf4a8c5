"""Compare: two rule sets on the same seeds, with differences and 95% confidence intervals."""

from __future__ import annotations

from collections.abc import Callable, Hashable

import altair as alt
import pandas as pd
import streamlit as st

import market
from experiments.compare import ComparisonResult, compare
from game import Scenario, keys
from game.run_metrics import RUN_METRICS
from ui import compare_charts, downloads, state
from ui.labels import choice_label, column_label, mechanism_label
from ui.rules_schema import FIELDS, governance_note, help_text
from ui.text import md_escape

RESULT = "compare_result"
BASE = "compare_base"
ERRORS = "compare_errors"
# The governance shares each rule set sets (labels and help as in the rules editor).
SHARES = ("research_credit_share", "research_pool_share", "research_weight")


def _defaults(sc: Scenario) -> dict[str, object]:
    """Widget defaults: A is the Explore scenario; B the same played by another rule.

    B is the leadership committee, or the uniform-price market when A's rule already is
    the committee (then B's governance is one market, so the committee does not clear it).
    """
    mech = market.resolve_mechanism(sc.market.mechanism)
    mode = sc.governance.mode
    a_is_committee = sc.clearing_rule == "committee"
    sides = {
        "A": (mech, mode),
        "B": ("uniform_price", "single_market") if a_is_committee else ("committee", mode),
    }
    out: dict[str, object] = {}
    for side, (m, g) in sides.items():
        out[f"cmp.{side}.mechanism"] = m
        out[f"cmp.{side}.mode"] = g
        for name in SHARES:
            out[f"cmp.{side}.{name}"] = float(getattr(sc.governance, name))
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
    out: dict[str, object] = {
        "market.mechanism": ss[f"cmp.{side}.mechanism"],
        "governance.mode": ss[f"cmp.{side}.mode"],
    }
    for name in SHARES:
        out[f"governance.{name}"] = float(ss[f"cmp.{side}.{name}"])
    out["reallocation.enabled"] = bool(ss[f"cmp.{side}.reallocation"])
    return out


def describe(sc: Scenario) -> str:
    """A rule set in a few words, starting with the rule that actually clears the market."""
    gov = sc.governance
    rule, mode = mechanism_label(sc.clearing_rule), choice_label(gov.mode)
    parts = [rule] if mode == rule else [rule, mode.lower()]
    parts.append(f"{gov.research_credit_share:.0%} of credits to research")
    if gov.mode == "split":
        parts.append(f"{gov.research_pool_share:.0%} of the pool to research")
    if gov.mode == "committee":
        parts.append(f"research weight {gov.research_weight:.0%}")
    parts.append("reallocation on" if sc.reallocation.enabled else "reallocation off")
    return " · ".join(parts)


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
    ss = st.session_state
    st.markdown(f"**Rule set {side}**")
    st.selectbox(
        "Allocation rule",
        list(market.MECHANISMS),
        format_func=mechanism_label,
        key=f"cmp.{side}.mechanism",
        persist_state="session",
        help=help_text("market.mechanism"),
    )
    note = governance_note(base, ss[f"cmp.{side}.mode"], ss[f"cmp.{side}.mechanism"])
    if note:
        st.caption(note)
    st.selectbox(
        "Governance",
        keys.choices(Scenario, "governance.mode"),
        format_func=choice_label,
        key=f"cmp.{side}.mode",
        persist_state="session",
        help=help_text("governance.mode"),
    )
    for name in SHARES:
        st.slider(
            FIELDS[f"governance.{name}"].label,
            0.0,
            1.0,
            step=0.01,
            key=f"cmp.{side}.{name}",
            persist_state="session",
            help=help_text(f"governance.{name}"),
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
    f"Both rule sets start from the Explore scenario **{md_escape(base.name)}** and play the "
    "same seeds (common random numbers), so the difference is the rules, not luck. "
    "Differences are B − A with a 95% paired t-interval over seeds."
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
                metrics=list(RUN_METRICS),
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
                stored, "scatter", lambda: compare_charts.fairness_efficiency_scatter(result.points)
            ),
            alt="Jain fairness against allocative efficiency, one dot per seed and rule set",
        )
    with right:
        series = [c for c in result.weekly.columns if c not in ("rule_set", "week")]
        column = st.selectbox(
            "Over time",
            series,
            index=series.index("mean_stress") if "mean_stress" in series else 0,
            format_func=column_label,
            key="cmp.series",
        )
        label = column_label(column)
        st.vega_lite_chart(
            spec=_result_chart(
                stored,
                ("series", column),
                lambda: compare_charts.compare_over_time(result.weekly, column, label),
            ),
            alt=f"{label} per week, A against B",
        )
    with st.container(horizontal=True):
        downloads.csv_button(
            "summary.csv", result.summary, "compare-summary.csv", key="download_compare_summary"
        )
        downloads.csv_button(
            "per-seed.csv", result.per_seed, "compare-per-seed.csv", key="download_compare_seeds"
        )
