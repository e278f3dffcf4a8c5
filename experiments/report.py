"""A self-contained HTML report of a results file.

One HTML file, no external scripts, styles or images: tables are HTML, plots are
matplotlib PNGs embedded as ``data:image/png;base64`` URIs, so the report can be
mailed, archived or opened offline::

    from experiments.report import write_report
    write_report("results.db", "report.html")

Sections: the sweep (settings, counts, code version), the summary table (mean and 95%
CI of every metric per factor level), metrics against each factor, weekly series with
bands, Sobol indices (Sobol designs), failed runs with their tracebacks, and the sweep
file itself.
"""

from __future__ import annotations

import base64
import html
import io
import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from experiments.analysis import (
    Results,
    factor_groups,
    load_results,
    metric_label,
    series_factor,
    sobol_indices,
    summary_table,
    weekly_bands,
)
from experiments.factors import LevelsFactor, RangeFactor
from experiments.output_files import check_target, write_whole
from experiments.paired_views import paired_section
from experiments.stats import format_interval
from game.run_metrics import RUN_METRICS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

COLS = 3
PALETTE = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#17becf",
    "#8c564b",
    "#e377c2",
)

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
       max-width: 1150px; color: #1d2330; padding: 0 1rem; line-height: 1.45; }
h1 { margin-bottom: .2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #dde;
       padding-bottom: .2rem; } h3 { margin-bottom: .3rem; }
.sub { color: #5a6170; margin-top: 0; }
table { border-collapse: collapse; margin: .6rem 0 1rem; font-size: .9rem; }
th, td { border: 1px solid #d8dbe3; padding: .25rem .55rem; text-align: right; }
th { background: #f1f3f8; } td.l, th.l { text-align: left; }
.ci { color: #6a7080; font-size: .82rem; }
.note { background: #fff7e0; border-left: 4px solid #e8b100; padding: .4rem .7rem; }
img { max-width: 100%; height: auto; display: block; margin: .5rem 0 1.2rem; }
pre { background: #f6f7fa; padding: .7rem; overflow-x: auto; font-size: .82rem; }
details { margin: .3rem 0; } .muted { color: #6a7080; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _num(x: float) -> str:
    if x is None or not math.isfinite(float(x)):
        return "–"
    x = float(x)
    if x != 0 and (abs(x) >= 1e5 or abs(x) < 1e-3):
        return f"{x:.3g}"
    return f"{x:,.4g}" if abs(x) >= 1000 else f"{x:.4g}"


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=96, bbox_inches="tight")
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="plot" src="data:image/png;base64,{data}">'


def _figure(n_panels: int, *, height: float = 2.9):
    from matplotlib.figure import Figure

    cols = min(COLS, max(1, n_panels))
    rows = math.ceil(n_panels / cols)
    fig = Figure(figsize=(3.8 * cols, height * rows), layout="constrained")
    axes = [fig.add_subplot(rows, cols, i + 1) for i in range(n_panels)]
    for ax in axes:
        ax.grid(True, alpha=0.3)
        ax.tick_params(labelsize=8)
    return fig, axes


def _meaning(metric: str) -> str:
    m = RUN_METRICS.get(metric)
    if m is None:
        return ""
    better = f"; {m.better} is better" if m.better else ""
    return f"{m.description} Unit: {m.unit}{better}."


# ---------------------------------------------------------------------- sections
def _factor_description(factor: LevelsFactor | RangeFactor) -> str:
    if isinstance(factor, LevelsFactor):
        return ", ".join(str(v) for v in factor.levels)
    kind = "whole numbers" if factor.integer else "range"
    return f"{_num(factor.low)} to {_num(factor.high)} ({kind})"


def _overview(res: Results) -> str:
    spec, meta = res.spec, res.meta
    s = spec.sweep
    counts = res.runs["status"].value_counts()
    ok, failed = int(counts.get("ok", 0)), int(counts.get("failed", 0))
    planned = int(meta.get("planned_runs", "0") or 0)
    versions = sorted(set(res.runs["code_version"].dropna())) or [meta.get("code_version", "")]
    design = s.design + (f", samples = {s.samples}" if s.samples else "")
    rows = [
        ("scenario", s.scenario),
        ("design", design),
        ("weeks per run", s.weeks if s.weeks is not None else "the scenario's horizon"),
        ("replications", s.replications),
        (
            "root seed",
            f"{s.seed}, "
            + ("common random numbers" if s.common_random_numbers else "a seed per run"),
        ),
        ("runs", f"{ok} ok, {failed} failed" + (f", {planned} planned" if planned else "")),
        ("code version", ", ".join(versions)),
        ("sweep hash", meta.get("sweep_hash", "")),
        ("created", meta.get("created", "")),
    ]
    body = "".join(
        f'<tr><th class="l">{_e(k)}</th><td class="l">{_e(v)}</td></tr>' for k, v in rows
    )
    factors = "".join(
        f'<tr><td class="l"><code>{_e(k)}</code></td><td class="l">{_e(_factor_description(f))}'
        "</td></tr>"
        for k, f in spec.factors.items()
    )
    metrics = "".join(
        f'<tr><td class="l"><code>{_e(m)}</code></td><td class="l">{_e(metric_label(m))}</td>'
        f'<td class="l">{_e(_meaning(m))}</td></tr>'
        for m in spec.outputs.metrics
    )
    note = ""
    if planned and ok + failed < planned:
        note = (
            f'<p class="note">This sweep is incomplete: {ok + failed} of {planned} runs are '
            "stored. Run the same <code>crunch sweep</code> command again to finish it.</p>"
        )
    return (
        f"<table>{body}</table>{note}"
        '<h3>Factors</h3><table><tr><th class="l">factor</th><th class="l">levels</th></tr>'
        f"{factors}</table>"
        '<h3>Metrics</h3><table><tr><th class="l">metric</th><th class="l">label</th>'
        '<th class="l">meaning</th></tr>'
        f"{metrics}</table>"
    )


def summary_html(table: pd.DataFrame, metrics: Sequence[str]) -> str:
    """Render a summary table (see :func:`experiments.analysis.summary_table`) as HTML.

    One table per factor: a row per level, a column per metric with the mean and its
    95% confidence interval.
    """
    if table.empty:
        return "<p>No finished runs yet.</p>"
    parts: list[str] = []
    for factor, sub in table.groupby("factor", sort=False):
        head = "".join(f"<th>{_e(metric_label(m))}</th>" for m in metrics)
        rows: list[str] = []
        for level, by_level in sub.groupby("level", sort=False, observed=True):
            n = int(by_level["n"].max())
            cells = []
            for m in metrics:
                hit = by_level[by_level["metric"] == m]
                if hit.empty:
                    cells.append("<td>–</td>")
                    continue
                r = hit.iloc[0]
                mean, ci = format_interval(r["mean"], r.ci_low, r.ci_high)  # fitted decimals
                cells.append(f'<td>{mean}<br><span class="ci">{ci}</span></td>')
            rows.append(f'<tr><td class="l">{_e(level)}</td><td>{n}</td>{"".join(cells)}</tr>')
        parts.append(
            f"<h3><code>{_e(factor)}</code></h3>"
            f'<table class="summary"><tr><th class="l">level</th><th>runs</th>{head}</tr>'
            f"{''.join(rows)}</table>"
        )
    return (
        '<p class="muted">Mean over runs, with the 95% confidence interval of the mean '
        "below it.</p>" + "".join(parts)
    )


def _factor_plot(res: Results, table: pd.DataFrame, factor: str) -> str:
    ok = res.ok_runs
    metrics = [m for m in res.spec.outputs.metrics if m in ok.columns]
    if ok.empty or not metrics:
        return ""
    groups = factor_groups(ok, res.spec, factor)
    levels = list(groups.cat.categories)
    spec_factor = res.spec.factors[factor]
    # Join the means with a line only when the levels are numbers (an ordered axis).
    ordered = isinstance(spec_factor, RangeFactor) or all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in spec_factor.levels
    )
    codes = groups.cat.codes.to_numpy()
    fig, axes = _figure(len(metrics))
    rng = np.random.default_rng(0)  # jitter only; fixed so the report is reproducible
    sub = table[table["factor"] == factor]
    for ax, metric in zip(axes, metrics, strict=True):
        y = ok[metric].to_numpy(dtype=float)
        x = codes + rng.uniform(-0.12, 0.12, size=codes.size)
        ax.scatter(x, y, s=8, color="#9aa3b5", alpha=0.6, linewidths=0)
        m = sub[sub["metric"] == metric].set_index("level").reindex(levels)
        means = m["mean"].to_numpy(dtype=float)
        lo = means - m["ci_low"].to_numpy(dtype=float)
        hi = m["ci_high"].to_numpy(dtype=float) - means
        err = np.nan_to_num(np.vstack([lo, hi]), nan=0.0)
        ax.errorbar(
            range(len(levels)),
            means,
            yerr=err,
            fmt="o-" if ordered else "o",
            color=PALETTE[0],
            capsize=4,
            lw=1.5,
            ms=5,
        )
        ax.set_xticks(range(len(levels)), [str(v) for v in levels], rotation=20, ha="right")
        ax.set_title(metric_label(metric), fontsize=10)
    fig.suptitle(f"metrics against {factor}", fontsize=11)
    return _png(fig)


def _weekly_plot(res: Results) -> str:
    by = series_factor(res.spec)
    bands = weekly_bands(res.weekly, res.runs, res.spec, by=by)
    if bands.empty:
        return "<p>No weekly series stored.</p>"
    metrics = list(dict.fromkeys(bands["metric"]))
    fig, axes = _figure(len(metrics))
    groups = list(dict.fromkeys(bands["group"]))
    for ax, metric in zip(axes, metrics, strict=True):
        sub = bands[bands["metric"] == metric]
        for i, group in enumerate(groups):
            g = sub[sub["group"] == group]
            color = PALETTE[i % len(PALETTE)]
            ax.plot(g["week"], g["mean"], color=color, lw=1.4, label=str(group))
            ax.fill_between(
                g["week"].to_numpy(dtype=float),
                g["low"].to_numpy(dtype=float),
                g["high"].to_numpy(dtype=float),
                color=color,
                alpha=0.18,
                linewidth=0,
            )
        ax.set_title(metric_label(metric), fontsize=10)
        ax.set_xlabel("week", fontsize=8)
    axes[0].legend(fontsize=7, title=by, title_fontsize=7)
    split = f" by <code>{_e(by)}</code>" if by else ""
    return (
        f'<p class="muted">Mean weekly value{split}; the band is the 95% confidence interval '
        "of the mean.</p>" + _png(fig)
    )


def _sobol_section(res: Results) -> str:
    from experiments.sobol_health import health_html, index_flags

    table, notes = sobol_indices(res.runs, res.spec)
    out = "".join(f'<p class="note">{_e(n)}</p>' for n in notes)
    if table.empty:
        return out or "<p>No Sobol indices.</p>"
    out += health_html(table, res.spec)
    table = table.assign(flags=index_flags(table))
    metrics = list(dict.fromkeys(table["metric"]))
    factors = list(res.spec.factors)
    fig, axes = _figure(len(metrics), height=2.6 + 0.25 * len(factors))
    for ax, metric in zip(axes, metrics, strict=True):
        sub = table[table["metric"] == metric].set_index("factor").reindex(factors)
        y = np.arange(len(factors))
        ax.barh(y - 0.18, sub["S1"], 0.36, xerr=sub["S1_conf"], color=PALETTE[0], label="S1")
        ax.barh(y + 0.18, sub["ST"], 0.36, xerr=sub["ST_conf"], color=PALETTE[1], label="ST")
        ax.set_yticks(y, factors, fontsize=7)
        ax.invert_yaxis()
        ax.set_title(metric_label(metric), fontsize=10)
    axes[0].legend(fontsize=7)
    rows = "".join(
        f'<tr><td class="l">{_e(metric_label(r.metric))}</td>'
        f'<td class="l"><code>{_e(r.factor)}</code></td>'
        f"<td>{_num(r.S1)} ± {_num(r.S1_conf)}</td><td>{_num(r.ST)} ± {_num(r.ST_conf)}</td>"
        f'<td class="l">{_e(r.flags)}</td></tr>'
        for r in table.itertuples()
    )
    return (
        out + '<p class="muted">S1: share of the variance due to the factor alone; ST: '
        "including its interactions (SALib, 95% bootstrap intervals).</p>"
        + _png(fig)
        + '<table><tr><th class="l">metric</th><th class="l">factor</th><th>S1</th>'
        f'<th>ST</th><th class="l">flags</th></tr>{rows}</table>'
    )


def _failures(res: Results) -> str:
    failed = res.failed_runs
    if failed.empty:
        return "<p>None.</p>"
    items = []
    for r in failed.head(50).itertuples():
        error = str(r.error or "")
        last = error.strip().splitlines()[-1] if error.strip() else "unknown error"
        items.append(
            f"<details><summary><code>{_e(r.run_key)}</code> {_e(r.params)}: {_e(last)}</summary>"
            f"<pre>{_e(error)}</pre></details>"
        )
    more = f"<p>… and {len(failed) - 50} more.</p>" if len(failed) > 50 else ""
    return (
        f"<p>{len(failed)} runs failed; <code>crunch sweep FILE --out DB --retry-failed</code> "
        "runs them again.</p>" + "".join(items) + more
    )


def build_report(res: Results) -> str:
    """Return the whole report as one self-contained HTML page.

    Text in plots is drawn as written: factor levels, names and labels come from the
    results file, and a ``$`` in them must not switch matplotlib into mathtext.
    """
    import matplotlib

    with matplotlib.rc_context({"text.parse_math": False, "text.usetex": False}):
        return _build_report(res)


def _build_report(res: Results) -> str:
    spec = res.spec
    table = summary_table(res.runs, spec)
    factor_plots = "".join(
        f"<h3><code>{_e(f)}</code></h3>{_factor_plot(res, table, f)}" for f in spec.factors
    )
    sobol = (
        f"<h2>Sobol sensitivity indices</h2>{_sobol_section(res)}"
        if spec.sweep.design == "sobol"
        else ""
    )
    desc = f'<p class="sub">{_e(spec.sweep.description)}</p>' if spec.sweep.description else ""
    stamp = time.strftime("%Y-%m-%d %H:%M")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Sweep report: {_e(spec.name)}</title><style>{CSS}</style></head><body>"
        f"<h1>Sweep report: {_e(spec.name)}</h1>{desc}"
        f'<p class="sub">Results file <code>{_e(res.path.name)}</code>, report made {stamp}.</p>'
        f"<h2>The sweep</h2>{_overview(res)}"
        f"<h2>Summary</h2>{summary_html(table, spec.outputs.metrics)}{paired_section(res)}"
        f"<h2>Metrics against factors</h2>{factor_plots or '<p>No finished runs yet.</p>'}"
        f"<h2>Weekly series</h2>{_weekly_plot(res)}"
        f"{sobol}"
        f"<h2>Failed runs</h2>{_failures(res)}"
        f"<h2>Sweep file</h2><pre>{_e(res.meta.get('sweep_toml', ''))}</pre>"
        "</body></html>"
    )


def write_report(results: str | Path, out: str | Path) -> Path:
    """Read a results file and write its HTML report; return the report's path.

    The report is written whole or not at all (a temporary file beside it, renamed).

    Raises:
        StoreError: If the results file cannot be read.
        OutputError: If ``out`` is a directory or cannot be written (e.g. a full disk).
    """
    path = Path(out)
    check_target(path, "--out", "report.html")
    text = build_report(load_results(results))
    write_whole(path, lambda fh: fh.write(text), option="--out", example="report.html")
    return path
