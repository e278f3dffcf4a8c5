"""Analysis of a results file: summary tables, Sobol indices, weekly series with bands.

Everything here works on the tables a :class:`experiments.store.ResultStore` returns
(and on the stored sweep), so the report, the CLI and the app share it::

    from experiments.analysis import load_results, summary_table
    res = load_results("results.db")
    summary_table(res.runs, res.spec)

Metrics are labelled by :func:`metric_label` (the label of :mod:`game.run_metrics`, or
the stored name of a metric this process does not know).

Confidence intervals are 95% Student-t intervals of the mean over the runs in a group,
on the logit or log scale for metrics with bounds (they never leave them).
A factor with many distinct values (a sampled range) is grouped into quantile bins.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.designs import factor_levels, sobol_problem
from experiments.factors import LevelsFactor
from experiments.stats import mean_ci
from experiments.sweep_schema import SweepFile
from game.run_metrics import RUN_METRICS

MAX_LEVELS_SHOWN = 12
BINS = 5
SERIES_MAX_GROUPS = 8


@dataclass
class Results:
    """A results file loaded into memory.

    Attributes:
        path: The file.
        meta: Its ``meta`` table.
        spec: The sweep that made it.
        runs: One row per run (ok and failed).
        weekly: One row per ok run and week.
    """

    path: Path
    meta: dict[str, str]
    spec: SweepFile
    runs: pd.DataFrame
    weekly: pd.DataFrame

    @property
    def ok_runs(self) -> pd.DataFrame:
        """The runs that finished."""
        return self.runs[self.runs["status"] == "ok"]

    @property
    def failed_runs(self) -> pd.DataFrame:
        """The runs that failed, with their tracebacks."""
        return self.runs[self.runs["status"] == "failed"]


def load_results(path: str | Path) -> Results:
    """Read a whole results file (read-only), its tables as of one moment.

    The file is checked first (it is untrusted input); the runs and the weekly series
    are read in one transaction, so a sweep writing the file meanwhile never makes them
    disagree.

    Raises:
        StoreError: Missing file, not SQLite, damaged, crafted, too slow to read, or not
            a results file.
    """
    from experiments.store import StoreError, open_results

    with open_results(path) as store:
        try:
            spec = store.sweep()
        except (ValueError, TypeError, RecursionError) as err:
            reason = str(err)[:200] or type(err).__name__
            raise StoreError(f"{path}: the stored sweep cannot be read ({reason})") from None
        with store.snapshot():
            runs, weekly = store.runs_frame(), store.weekly_frame()
        return Results(path=Path(path), meta=dict(store.meta), spec=spec, runs=runs, weekly=weekly)


def metric_label(name: str) -> str:
    """How a metric is shown to people: its registry label, or its name when unknown.

    A results file can hold a metric this process has not registered (a plugin's, say):
    it is shown by its stored name rather than refused.
    """
    metric = RUN_METRICS.get(name)
    return metric.summary_label if metric is not None else name


def _bounds(name: str) -> tuple[float | None, float | None]:
    """The metric's bounds (none for a metric this process does not know)."""
    metric = RUN_METRICS.get(name)
    return metric.bounds if metric is not None else (None, None)


def _format_number(x: float) -> str:
    return f"{x:.3g}"


def factor_groups(runs: pd.DataFrame, spec: SweepFile, name: str) -> pd.Series:
    """Label each run with its level of factor ``name`` as an ordered categorical.

    Lists of levels and grids keep their levels (in file order); a sampled range with
    more than ``MAX_LEVELS_SHOWN`` distinct values is cut into ``BINS`` quantile bins.
    """
    factor = spec.factors[name]
    values = runs[name]
    distinct = pd.unique(values.dropna())
    if isinstance(factor, LevelsFactor) or len(distinct) <= MAX_LEVELS_SHOWN:
        if isinstance(factor, LevelsFactor):
            order = [v for v in factor.levels if v in set(distinct)]
        else:
            order = sorted(distinct)
        labels = {v: str(v) if not isinstance(v, float) else _format_number(v) for v in order}
        cats = list(dict.fromkeys(labels[v] for v in order))
        return pd.Series(
            pd.Categorical(values.map(labels), categories=cats, ordered=True), index=runs.index
        )
    numbers = values.astype(float)
    binned = pd.qcut(numbers, q=min(BINS, len(distinct)), duplicates="drop")
    # Label each bin by the values it holds (qcut's own edges reach below the minimum).
    spans = numbers.groupby(binned.cat.codes).agg(["min", "max"])
    cats = [
        f"{_format_number(spans.loc[i, 'min'])}–{_format_number(spans.loc[i, 'max'])}"
        for i in range(len(binned.cat.categories))
    ]
    return pd.Series(
        pd.Categorical.from_codes(binned.cat.codes, categories=cats, ordered=True),
        index=runs.index,
    )


def summary_table(runs: pd.DataFrame, spec: SweepFile) -> pd.DataFrame:
    """Mean and 95% CI of every metric at every level of every factor (ok runs only).

    Where the registry knows the metric's bounds the interval is built on the logit or
    log scale (:func:`experiments.stats.mean_ci`), so it stays inside them without
    clipping (a mean of shares has no interval end above 1).

    Returns:
        Columns ``factor, level, metric, n, mean, sd, ci_low, ci_high``; factors and
        metrics in file order, levels in their order.
    """
    ok = runs[runs["status"] == "ok"] if "status" in runs.columns else runs
    rows: list[dict[str, object]] = []
    for name in spec.factors:
        if name not in ok.columns or ok.empty:
            continue
        groups = factor_groups(ok, spec, name)
        for level in groups.cat.categories:
            mask = (groups == level).to_numpy()
            for metric in spec.outputs.metrics:
                if metric not in ok.columns:
                    continue
                n, mean, sd, lo, hi = mean_ci(
                    ok.loc[mask, metric].to_numpy(dtype=float), bounds=_bounds(metric)
                )
                rows.append(
                    {
                        "factor": name,
                        "level": level,
                        "metric": metric,
                        "n": n,
                        "mean": mean,
                        "sd": sd,
                        "ci_low": lo,
                        "ci_high": hi,
                    }
                )
    return pd.DataFrame(
        rows, columns=["factor", "level", "metric", "n", "mean", "sd", "ci_low", "ci_high"]
    )


def point_table(runs: pd.DataFrame, spec: SweepFile) -> pd.DataFrame:
    """One row per design point: its factor values and each metric's mean over replicates."""
    ok = runs[runs["status"] == "ok"]
    cols = ["point", *[f for f in spec.factors if f in ok.columns]]
    metrics = [m for m in spec.outputs.metrics if m in ok.columns]
    if ok.empty:
        return pd.DataFrame(columns=[*cols, "runs", *metrics])
    grouped = ok.groupby("point", sort=True)
    first = grouped[cols[1:]].first() if len(cols) > 1 else pd.DataFrame(index=grouped.size().index)
    table = first.assign(runs=grouped.size())
    table = table.join(grouped[metrics].mean())
    return table.reset_index()


def sobol_indices(
    runs: pd.DataFrame, spec: SweepFile, *, seed: int | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """First-order and total Sobol indices of every metric (SALib), for Sobol designs.

    Each design point's output is the mean over its ok replicates.

    Returns:
        ``(table, notes)``: columns ``metric, factor, S1, S1_conf, ST, ST_conf`` (empty
        when the design is not Sobol), and notes on metrics that could not be analysed.
    """
    from SALib.analyze import sobol

    from experiments.designs import sobol_point_count

    cols = ["metric", "factor", "S1", "S1_conf", "ST", "ST_conf"]
    s = spec.sweep
    if s.design != "sobol" or s.samples is None:
        return pd.DataFrame(columns=cols), []
    names = list(spec.factors)
    expected = sobol_point_count(len(names), s.samples, s.second_order)
    ok = runs[runs["status"] == "ok"]
    means = ok.groupby("point")[[m for m in spec.outputs.metrics if m in ok.columns]].mean()
    missing = expected - int(means.index.isin(range(expected)).sum())
    if missing:
        note = f"Sobol indices need every design point; {missing} of {expected} have no ok run yet"
        return pd.DataFrame(columns=cols), [note]
    means = means.reindex(range(expected))
    rows: list[dict[str, object]] = []
    notes: list[str] = []
    problem = sobol_problem(names)
    for metric in means.columns:
        y = means[metric].to_numpy(dtype=float)
        if not np.all(np.isfinite(y)):
            notes.append(f"{metric}: some points have no value; no Sobol indices")
            continue
        if float(np.var(y)) == 0.0:
            notes.append(f"{metric}: the same at every point; no Sobol indices")
            continue
        with np.errstate(all="ignore"):
            res = sobol.analyze(
                problem,
                y,
                calc_second_order=s.second_order,
                print_to_console=False,
                seed=s.seed if seed is None else seed,
            )
        for i, name in enumerate(names):
            rows.append(
                {
                    "metric": metric,
                    "factor": name,
                    "S1": float(res["S1"][i]),
                    "S1_conf": float(res["S1_conf"][i]),
                    "ST": float(res["ST"][i]),
                    "ST_conf": float(res["ST_conf"][i]),
                }
            )
    return pd.DataFrame(rows, columns=cols), notes


def series_factor(spec: SweepFile) -> str | None:
    """The factor to split weekly series by: the first list of at most 8 levels, if any."""
    for name, factor in spec.factors.items():
        if isinstance(factor, LevelsFactor) and len(factor.levels) <= SERIES_MAX_GROUPS:
            return name
    for name, factor in spec.factors.items():
        if spec.sweep.design == "grid" and len(factor_levels(factor)) <= SERIES_MAX_GROUPS:
            return name
    return None


def weekly_bands(
    weekly: pd.DataFrame, runs: pd.DataFrame, spec: SweepFile, by: str | None = None
) -> pd.DataFrame:
    """Mean weekly series of each metric with a 95% CI band, per level of ``by``.

    Like :func:`summary_table`, the band stays within the metric's bounds.

    Args:
        weekly: The weekly table (run_key, week, metrics).
        runs: The runs table (to find each run's factor level).
        spec: The sweep.
        by: A factor to split by (``None``: all runs together).

    Returns:
        Columns ``group, metric, week, n, mean, low, high``.
    """
    cols = ["group", "metric", "week", "n", "mean", "low", "high"]
    metrics = [c for c in weekly.columns if c not in ("run_key", "week")]
    if weekly.empty or not metrics:
        return pd.DataFrame(columns=cols)
    ok = runs[runs["status"] == "ok"]
    if by is not None:
        labels = factor_groups(ok, spec, by).astype(str)
        group_of = pd.Series(labels.to_numpy(), index=ok["run_key"].to_numpy())
    else:
        group_of = pd.Series("all runs", index=ok["run_key"].to_numpy())
    frame = weekly.assign(group=weekly["run_key"].map(group_of)).dropna(subset=["group"])
    long = frame.melt(id_vars=["group", "week"], value_vars=metrics, var_name="metric")
    long = long.dropna(subset=["value"])
    from scipy import stats

    agg = long.groupby(["group", "metric", "week"], sort=False)["value"].agg(
        ["count", "mean", "std"]
    )
    n = agg["count"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(n > 1, stats.t.ppf(0.975, np.maximum(n - 1, 1)), np.nan)
        half = t * agg["std"].to_numpy(dtype=float) / np.sqrt(n)
    out = pd.DataFrame(
        {
            "n": n.astype(int),
            "mean": agg["mean"].to_numpy(),
            "low": agg["mean"].to_numpy() - half,
            "high": agg["mean"].to_numpy() + half,
        },
        index=agg.index,
    ).reset_index()
    for name in out["metric"].unique():  # bands stay within the metric's bounds
        if name in RUN_METRICS:
            low, high = RUN_METRICS[name].bounds
            rows = out["metric"] == name
            out.loc[rows, ["low", "high"]] = out.loc[rows, ["low", "high"]].clip(low, high)
    if by is not None:
        order = list(factor_groups(ok, spec, by).cat.categories)
        out["group"] = pd.Categorical(out["group"], categories=order, ordered=True)
    metric_order = {m: i for i, m in enumerate(metrics)}
    out = out.sort_values(
        ["metric", "group", "week"], key=lambda c: c.map(metric_order) if c.name == "metric" else c
    )
    out["group"] = out["group"].astype(str)
    return out[cols].reset_index(drop=True)
