"""Paired differences: each design point against a baseline, run by run, every metric.

With common random numbers (the default of a sweep) replicate r of every point plays
the same seed, so the difference of two points' replicate-r runs is the effect of the
rules alone: projects, outages and people are the same in both. This module is the one
implementation of that comparison, used by ``crunch results --compare``, ``crunch
report``, the Sweeps page and Compare (a two-point sweep)::

    from experiments.analysis import load_results
    from experiments.paired import sweep_paired_table
    res = load_results("results.db")
    paired = sweep_paired_table(res.runs, res.spec)        # the file's [baseline]
    paired.table   # point, baseline_point, metric, diff, ci_low, ci_high, p_holm, verdict

For each metric: the mean difference (point − baseline) over the pairs, its 95%
interval (:func:`experiments.stats.paired_interval`, inside the metric's bounds) and
the paired t-test's p-value. The metrics of one comparison are one family: the verdict
uses Holm-adjusted p-values, so keeping fourteen metrics does not make a chance
difference look real. The intervals are per metric (not adjusted).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from experiments.design_checks import check_baseline, same_level
from experiments.designs import DesignPoints
from experiments.stats import NO_BOUNDS, format_interval, holm, paired_interval, paired_p_value
from experiments.sweep_schema import SweepFile
from game.run_metrics import RUN_METRICS

__all__ = [
    "ALPHA",
    "SUMMARY_COLUMNS",
    "PairedTable",
    "baseline_pairs",
    "display_table",
    "paired_summary",
    "point_label",
    "sweep_paired_table",
    "with_baseline",
]

ALPHA = 0.05
SUMMARY_COLUMNS = [
    "metric",
    "label",
    "better",
    "n",
    "mean_base",
    "mean_point",
    "diff",
    "ci_low",
    "ci_high",
    "p",
    "p_holm",
    "verdict",
]
POINT_COLUMNS = ["point", "point_label", "baseline_point", "baseline_label"]


def _label(name: str) -> str:
    metric = RUN_METRICS.get(name)
    return metric.summary_label if metric is not None else name


def _word(diff: float, n: int, p_adj: float, better: str, alpha: float) -> str:
    """The verdict on one metric: better/worse (or higher/lower) only when Holm says so."""
    if not math.isfinite(diff):
        return "no value"
    if n < 2 or not math.isfinite(p_adj):
        return "too few pairs"
    if p_adj >= alpha:
        return "no clear difference"
    up = diff > 0
    if not better:
        return "higher" if up else "lower"
    return "better" if up == (better == "higher") else "worse"


def _mean(values: pd.Series) -> float:
    v = values.to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    return float(v.mean()) if v.size else math.nan


def paired_summary(
    base: pd.DataFrame,
    point: pd.DataFrame,
    metrics: Sequence[str],
    *,
    on: str = "replicate",
    level: float = 0.95,
    alpha: float = ALPHA,
) -> pd.DataFrame:
    """Compare two sets of runs matched on ``on`` (replicate, or seed), metric by metric.

    Args:
        base: The baseline's runs (one row per ``on`` value, one column per metric).
        point: The other point's runs.
        metrics: The metrics to compare (one Holm family).
        on: The column that pairs runs.
        level: Confidence level of the intervals.
        alpha: Level of the Holm-adjusted test behind the verdict.

    Returns:
        One row per metric: :data:`SUMMARY_COLUMNS` (``diff`` = point − baseline).
    """
    merged = base[[on, *metrics]].merge(
        point[[on, *metrics]], on=on, how="inner", suffixes=("_base", "_point")
    )
    rows: list[dict[str, Any]] = []
    for name in metrics:
        metric = RUN_METRICS.get(name)
        bounds = metric.bounds if metric is not None else NO_BOUNDS
        a = merged[f"{name}_base"].to_numpy(dtype=float)
        b = merged[f"{name}_point"].to_numpy(dtype=float)
        diff, low, high, n = paired_interval(a, b, level, bounds)
        rows.append(
            {
                "metric": name,
                "label": _label(name),
                "better": metric.better if metric is not None else "",
                "n": n,
                "mean_base": _mean(base[name]),
                "mean_point": _mean(point[name]),
                "diff": diff,
                "ci_low": low,
                "ci_high": high,
                "p": paired_p_value(a, b),
            }
        )
    adjusted = holm([r["p"] for r in rows])
    for row, p_adj in zip(rows, adjusted, strict=True):
        row["p_holm"] = p_adj
        row["verdict"] = _word(row["diff"], row["n"], p_adj, row["better"], alpha)
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def point_label(values: Mapping[str, Any], names: Sequence[str] | None = None) -> str:
    """A point in words: ``key = value`` for each of ``names`` (default: all), joined."""
    keys = list(values) if names is None else list(names)
    return ", ".join(f"{k} = {values[k]}" for k in keys)


def baseline_pairs(spec: SweepFile, baseline: Mapping[str, Any]) -> list[tuple[int, int]]:
    """``(point, baseline point)`` for every point that has a baseline other than itself.

    A point's baseline is the point with the same factor values except the baseline's
    factors, which take the baseline's levels. In design ``points`` the baseline is one
    point (the first with the baseline's levels) and every other point is compared with
    it, even one with the same levels (a rule set compared with itself).
    """
    points = DesignPoints(spec)
    values = [points[i] for i in range(len(points))]
    if spec.sweep.design == "points":  # one baseline point (the first that matches)
        first = next(
            (j for j, q in enumerate(values) if all(same_level(q[k], baseline[k]) for k in q)),
            None,
        )
        return [] if first is None else [(i, first) for i in range(len(values)) if i != first]
    pairs: list[tuple[int, int]] = []
    for i, p in enumerate(values):
        target = {**p, **baseline}
        if all(same_level(p[k], target[k]) for k in p):
            continue  # a baseline itself
        match = next(
            (j for j, q in enumerate(values) if all(same_level(q[k], target[k]) for k in q)),
            None,
        )
        if match is not None:
            pairs.append((i, match))
    return pairs


def with_baseline(spec: SweepFile, baseline: Mapping[str, Any]) -> SweepFile:
    """``spec`` with another baseline (e.g. ``crunch results --compare --baseline``).

    Raises:
        ValueError: One line naming the factor or level that is not allowed.
    """
    changed = spec.model_copy(update={"baseline": dict(baseline)})
    check_baseline(changed)
    return changed


@dataclass(frozen=True)
class PairedTable:
    """Every point against its baseline.

    Attributes:
        table: :data:`POINT_COLUMNS` + :data:`SUMMARY_COLUMNS`, one row per point and
            metric, points in design order.
        notes: What the reader should know (no baseline, CRN off, missing pairs).
        baseline: The baseline used.
        common_random_numbers: Whether paired runs shared their seeds.
    """

    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    baseline: dict[str, Any] = field(default_factory=dict)
    common_random_numbers: bool = True


def sweep_paired_table(
    runs: pd.DataFrame,
    spec: SweepFile,
    baseline: Mapping[str, Any] | None = None,
    *,
    level: float = 0.95,
    alpha: float = ALPHA,
) -> PairedTable:
    """Each point's paired differences from its baseline, for every metric (ok runs only).

    Args:
        runs: The runs table of a results file.
        spec: The sweep that made it.
        baseline: Factor levels of the baseline (default: the sweep's ``[baseline]``).
        level: Confidence level of the intervals.
        alpha: Level of the Holm-adjusted verdicts.
    """
    base = dict(spec.baseline if baseline is None else baseline)
    crn = spec.sweep.common_random_numbers
    empty = pd.DataFrame(columns=[*POINT_COLUMNS, *SUMMARY_COLUMNS])
    if not base:
        note = "no baseline: add a [baseline] table to the sweep file (or pass --baseline)"
        return PairedTable(empty, [note], base, crn)
    if baseline is not None:
        spec = with_baseline(spec, base)
    ok = runs[runs["status"] == "ok"] if "status" in runs.columns else runs
    metrics = [m for m in spec.outputs.metrics if m in ok.columns]
    notes: list[str] = []
    if not crn:
        notes.append(
            "common_random_numbers = false: runs are paired by replicate but do not share "
            "seeds, so the intervals are valid but wider than with common random numbers"
        )
    points = DesignPoints(spec)
    by_point = {int(p): g for p, g in ok.groupby("point", sort=False)}
    frames: list[pd.DataFrame] = []
    lacking = 0
    for p, q in baseline_pairs(spec, base):
        if p not in by_point or q not in by_point:
            lacking += 1
            continue
        summary = paired_summary(by_point[q], by_point[p], metrics, level=level, alpha=alpha)
        shown = [k for k in spec.factors if not same_level(points[p][k], points[q][k])]
        summary.insert(0, "baseline_label", point_label(points[q], shown or None))
        summary.insert(0, "baseline_point", q)
        summary.insert(0, "point_label", point_label(points[p]))
        summary.insert(0, "point", p)
        frames.append(summary)
    if lacking:
        notes.append(f"{lacking} points (or their baselines) have no finished run yet")
    table = pd.concat(frames, ignore_index=True) if frames else empty
    return PairedTable(table, notes, base, crn)


def _value(name: str, value: float) -> str:
    metric = RUN_METRICS.get(name)
    if metric is not None:
        return metric.format(value)
    return "–" if not math.isfinite(value) else f"{value:.4g}"


def _p(p: float) -> str:
    if not math.isfinite(p):
        return "–"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def display_table(
    summary: pd.DataFrame, names: tuple[str, str] = ("baseline", "point")
) -> pd.DataFrame:
    """A paired summary as text, the way people read it.

    Values in the metric's format (a missing one as the registry says, "no price"), the
    difference and its interval with decimals fitted to the interval's width, the Holm
    p-value and the verdict.
    """
    rows = []
    for r in summary.itertuples(index=False):
        diff, ci = format_interval(r.diff, r.ci_low, r.ci_high, signed=True)
        rows.append(
            {
                "metric": r.label,
                names[0]: _value(r.metric, r.mean_base),
                names[1]: _value(r.metric, r.mean_point),
                f"{names[1]} − {names[0]}": diff,
                "95% CI": ci,
                "pairs": int(r.n),
                "Holm p": _p(r.p_holm),
                "verdict": r.verdict,
            }
        )
    return pd.DataFrame(rows)
