"""Compare: two rule sets on the same seeds, with differences and 95% confidence intervals.

The comparison is a two-point sweep (:mod:`experiments.compare_sweep`) played by the sweep
engine in the background (:mod:`ui.compare_job`) while a progress bar follows it; its
table is the sweep's paired comparison (:mod:`experiments.paired`), and "Save as sweep
file" downloads the TOML that ``crunch sweep`` accepts.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import altair as alt
import pandas as pd
import streamlit as st

import market
from experiments.analysis import load_results
from experiments.compare import ComparisonResult
from experiments.compare_sweep import SCENARIO_FILE, comparison_from_results
from experiments.paired import display_table
from game import Scenario, keys
from ui import compare_charts, compare_job, downloads, state
from ui.labels import choice_label, column_label, mechanism_label
from ui.rules_schema import FIELDS, governance_note, help_text
from ui.text import md_escape

RESULT = "compare_result"
BASE = "compare_base"
ERRORS = "compare_errors"
JOB = "compare_job"
FOLDER = "compare_folder"
MAX_SEEDS = 10_000
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
    """The summary as shown: metric, A, B, B − A, 95% CI, pairs, Holm p, verdict (text).

    Values in each metric's format ("no price" under a rule without money), the difference
    and its interval with decimals fitted to the interval's width.
    """
    paired = result.summary.rename(columns={"mean_a": "mean_base", "mean_b": "mean_point"})
    return display_table(paired, names=("A", "B"))


def _finish(job: compare_job.CompareJob) -> None:
    """Turn a finished job into the stored result (or its one-line error)."""
    ss = st.session_state
    ss.pop(JOB, None)
    if job.error is not None:
        ss[ERRORS] = {"A": job.error}
        return
    result = comparison_from_results(load_results(job.path), job.info["rules"])
    ss[RESULT] = {**job.info, "result": result, "job": job}


@st.fragment(run_every=0.5)
def _follow(job: compare_job.CompareJob) -> None:
    """The progress bar of a comparison playing in the background."""
    done = job.progress()
    st.progress(min(1.0, done / job.total), text=f"Game {done} of {job.total}")
    if not job.running:
        st.rerun(scope="app")


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
    "Differences are B − A with a 95% paired interval over seeds; the verdict is "
    "Holm-adjusted across all the metrics. It runs as a two-point sweep in the background."
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
            max_value=MAX_SEEDS,
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
    if not errors and ss.get(JOB) is None:
        n_seeds, weeks = int(ss["cmp.seeds"]), int(ss["cmp.weeks"])
        info = {
            "a": describe(scenarios["A"]),
            "b": describe(scenarios["B"]),
            "rules": (scenarios["A"].clearing_rule, scenarios["B"].clearing_rule),
        }
        try:
            job = compare_job.start(
                ss.get(FOLDER), base, overrides("A"), overrides("B"),
                seeds=n_seeds, weeks=weeks, info=info,
            )  # fmt: skip
        except ValueError as err:
            ss[ERRORS] = {"A": str(err).splitlines()[0]}
        else:
            ss[FOLDER], ss[JOB] = job.path.parent, job
            ss.pop(RESULT, None)

running = ss.get(JOB)
if running is not None and running.running:
    _follow(running)
elif running is not None:
    _finish(running)

for side, message in (ss.get(ERRORS) or {}).items():
    slots[side].error(f"Rule set {side} not valid — {message}", icon=":material/error:")

stored = ss.get(RESULT)
if stored is None and ss.get(JOB) is not None:
    st.info("Playing in the background; the table appears when the games are done.")
elif stored is None:
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
        alt="Mean of each metric under A and B, the difference B − A and its 95% interval",
    )
    st.caption(
        "Verdict: *B better* / *A better* (or *B higher* / *B lower* where neither is "
        "better) when the paired t-test's p-value, Holm-adjusted across all the metrics, "
        "is below 0.05; otherwise *no clear difference*. Intervals are per metric."
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
        job = stored.get("job")
        if job is not None:
            st.download_button(
                "Save as sweep file",
                job.toml.encode("utf-8"),
                file_name="compare.toml",
                mime="application/toml",
                icon=":material/save:",
                key="download_compare_sweep",
                help="The same comparison for `crunch sweep compare.toml --out compare.db`"
                + (
                    f" (save the scenario beside it as {SCENARIO_FILE})"
                    if job.scenario_toml
                    else ""
                ),
            )
            if job.scenario_toml:
                st.download_button(
                    SCENARIO_FILE,
                    job.scenario_toml.encode("utf-8"),
                    file_name=SCENARIO_FILE,
                    mime="application/toml",
                    key="download_compare_scenario",
                )
