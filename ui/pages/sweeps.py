"""Sweeps: open a results file from ``crunch sweep`` and explore it.

Shows the sweep, the summary table (mean and 95% CI per factor level), metrics against a
factor, weekly series with bands, Sobol indices for Sobol designs, and failed runs. The
page only reads results files (never runs the game); a file that is not a results file
gives a one-line error. Metrics are labelled from ``game.run_metrics.RUN_METRICS``; a metric
the registry does not know (a plugin's, not loaded here) shows under its own name.

Which file may be opened (a typed path, the results folder when serving a room, an upload,
a ``?db=`` link) is :mod:`ui.sweeps_source`'s job; names and descriptions from the file are
shown as plain text (:func:`ui.text.md_escape`), never as markdown.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from experiments.analysis import (
    Results,
    factor_groups,
    load_results,
    point_table,
    series_factor,
    sobol_indices,
    summary_table,
    weekly_bands,
)
from experiments.sobol_health import sweep_health
from game.run_metrics import RUN_METRICS
from ui import access, downloads, paired_view, sweeps_source
from ui.text import md_escape, safe_filename

NONE = "(all runs together)"
MAX_TOML_SHOWN = 20_000
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")


@st.cache_data(max_entries=8, show_spinner="Reading the results file…")
def _load(path: str, stamp: tuple[int, ...]) -> Results:
    """Read a results file; ``stamp`` (sizes and mtimes) makes a changed file reload."""
    return load_results(path)


def _stamp(path: Path) -> tuple[int, ...]:
    out: list[int] = []
    for p in (path, Path(f"{path}-wal")):
        if p.exists():
            st_ = p.stat()
            out += [st_.st_size, st_.st_mtime_ns]
    return tuple(out)


def _one_line(err: Exception, choice: sweeps_source.Choice) -> str:
    """The error's first line, naming the file as the user knows it (no server paths)."""
    lines = str(err).strip().splitlines() or [type(err).__name__]
    message = lines[0]
    if choice.path is not None and choice.shown:
        message = message.replace(str(choice.path), choice.shown)
    if not isinstance(err, ValueError):  # OSError, sqlite3.Error: say which file
        message = f"{choice.shown}: cannot be read as a results file ({message})"
    return message


def _label(metric: str) -> str:
    """The metric's registered label, or its name when the registry does not know it."""
    known = RUN_METRICS.get(metric)
    return known.label if known is not None else metric


def _labelled(table: pd.DataFrame) -> pd.DataFrame:
    """A table with a ``metric`` column shown by label, the name kept in ``name``."""
    names = table["metric"]
    out = table.assign(metric=names.map(_label))
    out.insert(int(out.columns.get_loc("metric")) + 1, "name", names)
    return out


def _overview(res: Results) -> None:
    s = res.spec.sweep
    counts = res.runs["status"].value_counts()
    ok, failed = int(counts.get("ok", 0)), int(counts.get("failed", 0))
    planned = int(res.meta.get("planned_runs", "0") or 0)
    st.subheader(f"Sweep: {md_escape(res.spec.name)}", anchor=False)
    if s.description:
        st.caption(md_escape(s.description))
    design = s.design + (f" ({s.samples} samples)" if s.samples else "")
    weeks = f"{s.weeks} weeks" if s.weeks else "the scenario's weeks"
    st.markdown(
        f"**{design}** design over {len(res.spec.factors)} factors · scenario "
        f"{md_escape(s.scenario, 120)} · {weeks} · {s.replications} replications · seed {s.seed}"
    )
    cols = st.columns(3)
    cols[0].metric("runs ok", ok)
    cols[1].metric("runs failed", failed)
    cols[2].metric("planned", planned or "?")
    if planned and ok + failed < planned:
        st.warning(
            f"Incomplete: {ok + failed} of {planned} runs stored. Run the same "
            "`crunch sweep` command again to resume."
        )
    with st.expander("Sweep file and identity"):
        st.code(res.meta.get("sweep_toml", "")[:MAX_TOML_SHOWN], language="toml")
        st.caption(
            " · ".join(
                f"{label} {md_escape(res.meta.get(key, ''), 80)}"
                for label, key in (
                    ("hash", "sweep_hash"),
                    ("code", "code_version"),
                    ("created", "created"),
                )
            )
        )


def _summary(res: Results) -> None:
    st.subheader("Summary: mean and 95% confidence interval per factor level")
    table = summary_table(res.runs, res.spec)
    if table.empty:
        st.info("No finished runs yet.")
        return
    factor = st.selectbox("Factor", list(res.spec.factors), key="sweeps.summary_factor")
    sub = table[table["factor"] == factor].drop(columns=["factor"])
    sub = _labelled(sub.assign(level=sub["level"].astype(str)))
    st.dataframe(
        sub,
        hide_index=True,
        column_config={
            "mean": st.column_config.NumberColumn(format="%.4g"),
            "sd": st.column_config.NumberColumn(format="%.3g"),
            "ci_low": st.column_config.NumberColumn("95% CI low", format="%.4g"),
            "ci_high": st.column_config.NumberColumn("95% CI high", format="%.4g"),
        },
    )
    with st.expander("Every design point (means over replicates)"):
        st.dataframe(point_table(res.runs, res.spec).rename(columns=_label), hide_index=True)


def _metric_vs_factor(res: Results) -> None:
    st.subheader("Metrics against a factor")
    ok = res.ok_runs
    metrics = [m for m in res.spec.outputs.metrics if m in ok.columns]
    if ok.empty or not metrics:
        st.info("No finished runs yet.")
        return
    left, right = st.columns(2)
    factor = left.selectbox("Factor", list(res.spec.factors), key="sweeps.plot_factor")
    metric = right.selectbox("Metric", metrics, format_func=_label, key="sweeps.plot_metric")
    if metric in RUN_METRICS:
        st.caption(RUN_METRICS[metric].description)
    groups = factor_groups(ok, res.spec, factor)
    order = [str(c) for c in groups.cat.categories]
    runs = ok[["run_key", metric]].assign(level=groups.astype(str).to_numpy())
    table = summary_table(ok, res.spec)
    stats = table[(table["factor"] == factor) & (table["metric"] == metric)]
    stats = stats.assign(level=stats["level"].astype(str))
    x = alt.X("level:N", sort=order, title=factor, axis=alt.Axis(labelAngle=-20))
    y_scale = alt.Scale(zero=False)
    points = (
        alt.Chart(runs)
        .mark_tick(opacity=0.35, color="#8a93a6", thickness=1.5)
        .encode(
            x=x,
            y=alt.Y(f"{metric}:Q", title=_label(metric), scale=y_scale),
            tooltip=["run_key", alt.Tooltip(f"{metric}:Q", format=".4g")],
        )
    )
    bars = (
        alt.Chart(stats)
        .mark_rule(color="#1f77b4", strokeWidth=2.5)
        .encode(x=x, y=alt.Y("ci_low:Q", scale=y_scale), y2="ci_high:Q")
    )
    means = (
        alt.Chart(stats)
        .mark_point(filled=True, size=90, color="#1f77b4")
        .encode(
            x=x,
            y=alt.Y("mean:Q", scale=y_scale),
            tooltip=[
                "level",
                "n",
                alt.Tooltip("mean:Q", format=".4g"),
                alt.Tooltip("ci_low:Q", format=".4g"),
                alt.Tooltip("ci_high:Q", format=".4g"),
            ],
        )
    )
    st.caption("Ticks: single runs; dots and bars: mean and 95% confidence interval.")
    st.altair_chart((points + bars + means).properties(height=320), width="stretch")


def _weekly(res: Results) -> None:
    st.subheader("Weekly series with 95% bands")
    if res.weekly.empty:
        st.info("No weekly series stored.")
        return
    metrics = [c for c in res.weekly.columns if c not in ("run_key", "week")]
    default_by = series_factor(res.spec)
    options = [NONE, *res.spec.factors]
    left, right = st.columns(2)
    metric = left.selectbox("Metric", metrics, format_func=_label, key="sweeps.weekly_metric")
    by = right.selectbox(
        "Split by",
        options,
        index=options.index(default_by) if default_by in options else 0,
        key="sweeps.weekly_by",
    )
    bands = weekly_bands(
        res.weekly[["run_key", "week", metric]], res.runs, res.spec, by=None if by == NONE else by
    )
    base = alt.Chart(bands).encode(
        x=alt.X("week:Q", title="week"),
        color=alt.Color(
            "group:N",
            title=None if by == NONE else by,
            sort=list(dict.fromkeys(bands["group"])),
            scale=alt.Scale(range=list(PALETTE)),
        ),
    )
    band = base.mark_area(opacity=0.2).encode(y="low:Q", y2="high:Q")
    line = base.mark_line().encode(
        y=alt.Y("mean:Q", title=_label(metric), scale=alt.Scale(zero=False)),
        tooltip=["group", "week", "n", alt.Tooltip("mean:Q", format=".4g")],
    )
    st.altair_chart((band + line).properties(height=320), width="stretch")


def _sobol(res: Results) -> None:
    if res.spec.sweep.design != "sobol":
        return
    st.subheader("Sobol sensitivity indices")
    table, notes = sobol_indices(res.runs, res.spec)
    for note in notes:
        st.info(md_escape(note, 300))
    if table.empty:
        return
    health = sweep_health(table, res.spec)  # wide intervals, impossible values, S1 > ST
    if health is not None:
        lines = "  \n".join(md_escape(line, 400) for line in health.lines())
        if health.ok:
            st.success(lines, icon=":material/check_circle:")
        else:
            st.warning(lines, icon=":material/warning:")
    table = table.assign(metric=table["metric"].map(_label))
    long = table.melt(
        id_vars=["metric", "factor"], value_vars=["S1", "ST"], var_name="index", value_name="value"
    )
    chart = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("factor:N", title=None, axis=alt.Axis(labelLimit=260)),
            yOffset="index:N",
            x=alt.X("value:Q", title="index"),
            color=alt.Color("index:N", title=None, scale=alt.Scale(range=list(PALETTE[:2]))),
            row=alt.Row("metric:N", title=None),
            tooltip=["metric", "factor", "index", alt.Tooltip("value:Q", format=".3f")],
        )
        .properties(height=26 * len(res.spec.factors), width=420)
    )
    st.altair_chart(chart)
    st.dataframe(table, hide_index=True)


def _failures(res: Results) -> None:
    failed = res.failed_runs
    if failed.empty:
        return
    with st.expander(f"{len(failed)} failed runs (rerun with `crunch sweep ... --retry-failed`)"):
        last = (
            failed["error"]
            .fillna("")
            .map(lambda e: (e.strip().splitlines() or ["unknown error"])[-1])
        )
        st.dataframe(failed[["run_key", "params"]].assign(error=last.to_numpy()), hide_index=True)


st.title("Sweeps")
st.caption(
    "Open a results file written by `crunch sweep FILE.toml --out results/NAME.db` to see "
    "its summary, plots and sensitivity indices; `crunch report results/NAME.db` makes the "
    "same as a self-contained HTML file."
)
rules = access.current(st.context.ip_address)
choice = sweeps_source.pick(rules)
if choice.refused:
    st.error(md_escape(choice.refused), icon=":material/block:")
if choice.path is None:
    st.info(
        "Choose a results file from the results folder, or upload one."
        if rules.room
        else "Give the path of a results file, e.g. after "
        "`crunch sweep experiments/mechanisms.toml --out results/mechanisms.db`."
    )
else:
    try:
        results = _load(str(choice.path), _stamp(choice.path))
    except (ValueError, OSError, sqlite3.Error) as err:  # StoreError, SweepError, ...
        st.error(md_escape(_one_line(err, choice), 300), icon=":material/error:")
    else:
        _overview(results)
        downloads.csv_button(
            "Download runs (CSV)",
            results.runs,
            f"{safe_filename(results.spec.name, 'sweep')}-runs.csv",
            key="sweeps.download_runs",
        )
        _summary(results)
        paired_view.show(results)  # each point against the baseline, run by run
        _metric_vs_factor(results)
        _weekly(results)
        _sobol(results)
        _failures(results)
