"""Named summary metrics: how one run's weekly table becomes the numbers a sweep keeps.

Each metric reduces one column of ``ComputeGame.weeks_frame()`` over the weeks played
(a mean, a total, a peak or the last value) and, when it has a column, its weekly
series is kept too. Sweep files name metrics in ``[outputs] metrics``::

    from experiments.metrics import summarise
    summarise(model.weeks_frame(), ["efficiency", "mean_stress"])
    # {"efficiency": 0.97, "mean_stress": 0.41}

A project can add its own with :func:`register_metric` before loading a sweep file
(the sweep runs in forked worker processes, which inherit the registration).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

Reducer = Callable[[pd.DataFrame], float]


def _column(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].to_numpy(dtype=float, na_value=np.nan)


def _finite(values: np.ndarray) -> np.ndarray:
    return values[np.isfinite(values)]


def mean_of(column: str) -> Reducer:
    """Return a reducer: the mean of ``column`` over weeks, ignoring missing weeks."""

    def reduce(frame: pd.DataFrame) -> float:
        values = _finite(_column(frame, column))
        return float(values.mean()) if values.size else math.nan

    return reduce


def total_of(column: str) -> Reducer:
    """Return a reducer: the sum of ``column`` over weeks (missing weeks count 0)."""

    def reduce(frame: pd.DataFrame) -> float:
        return float(_finite(_column(frame, column)).sum())

    return reduce


def peak_of(column: str) -> Reducer:
    """Return a reducer: the largest weekly value of ``column``."""

    def reduce(frame: pd.DataFrame) -> float:
        values = _finite(_column(frame, column))
        return float(values.max()) if values.size else math.nan

    return reduce


def last_of(column: str) -> Reducer:
    """Return a reducer: the value of ``column`` in the last week played."""

    def reduce(frame: pd.DataFrame) -> float:
        values = _column(frame, column)
        return float(values[-1]) if values.size else math.nan

    return reduce


@dataclass(frozen=True)
class Metric:
    """One named summary of a run.

    Attributes:
        name: The name used in sweep files and as the results column.
        description: What the number means, in plain words (shown in reports and help).
        reduce: ``reduce(weeks_frame) -> float``; NaN when the run has no such value.
        column: The weekly column behind it; its weekly series is stored when set.
    """

    name: str
    description: str
    reduce: Reducer
    column: str | None = None


def _builtin(name: str, how: str, description: str, column: str | None = None) -> Metric:
    column = column or name
    makers = {"mean": mean_of, "total": total_of, "peak": peak_of, "last": last_of}
    return Metric(name, description, makers[how](column), column)


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        _builtin("efficiency", "mean", "Mean weekly allocative efficiency (1 = best possible)."),
        _builtin("jain", "mean", "Mean weekly Jain fairness of need satisfaction (1 = equal)."),
        _builtin("gini", "mean", "Mean weekly Gini of GPUs per person (0 = equal)."),
        _builtin("mean_stress", "mean", "Mean over weeks of the lab's mean team stress (0-1)."),
        _builtin("max_stress", "peak", "Highest stress any team reached in any week (0-1)."),
        _builtin("burnout_teams", "mean", "Mean number of teams in burnout per week."),
        _builtin("research_output", "total", "Total research output over the run."),
        _builtin("product_value", "total", "Total product value served over the run."),
        _builtin("research_share", "mean", "Mean weekly share of allocated GPUs held by research."),
        _builtin("utilisation", "mean", "Mean weekly share of the fleet allocated to teams."),
        _builtin("idle", "mean", "Mean weekly tranches allocated to nobody."),
        _builtin("price", "mean", "Mean clearing price (weeks without a price are skipped)."),
        _builtin("revenue", "total", "Total credits paid into the market over the run."),
        _builtin("deals", "total", "Total bilateral loans and trades agreed."),
        _builtin("reclaims", "total", "Total reclaims by the reallocation group (team-weeks)."),
        _builtin("new_project_wait", "mean", "Mean weeks a new project waited for compute."),
        _builtin("headcount", "last", "People in the lab at the end (attrition lowers it)."),
        _builtin("supply", "last", "Fleet size in tranches at the end."),
    )
}


def register_metric(metric: Metric, *, replace: bool = False) -> None:
    """Add a metric to the registry so sweep files may name it.

    Args:
        metric: The metric to add.
        replace: Allow replacing a metric of the same name.

    Raises:
        ValueError: If the name is taken (and ``replace`` is false) or not an identifier.
    """
    if not metric.name.isidentifier():
        raise ValueError(
            f"metric name {metric.name!r} is not allowed; allowed: letters, digits and _"
        )
    if metric.name in METRICS and not replace:
        raise ValueError(f"metric {metric.name!r} already exists; pass replace=True to replace it")
    METRICS[metric.name] = metric


def unregister_metric(name: str) -> None:
    """Remove a metric added with :func:`register_metric` (no error when absent)."""
    METRICS.pop(name, None)


def allowed_metrics() -> list[str]:
    """Return the names of every registered metric, sorted."""
    return sorted(METRICS)


def check_metric_names(names: Iterable[str]) -> list[str]:
    """Return ``names`` as a list after checking each is a registered metric.

    Raises:
        ValueError: Naming the first unknown metric and listing the allowed ones.
    """
    out = list(names)
    for name in out:
        if name not in METRICS:
            raise ValueError(f"unknown metric {name!r}; allowed: {', '.join(allowed_metrics())}")
    return out


def _clean(value: float) -> float | None:
    return value if math.isfinite(value) else None


def summarise(frame: pd.DataFrame, names: Sequence[str]) -> dict[str, float | None]:
    """Reduce a run's weekly table to the named metrics (``None`` where undefined).

    Raises:
        ValueError: For an unknown metric name.
    """
    check_metric_names(names)
    return {name: _clean(float(METRICS[name].reduce(frame))) for name in names}


def weekly_series(frame: pd.DataFrame, names: Sequence[str]) -> dict[str, list[float | None]]:
    """Return the weekly values behind each named metric that has a weekly column.

    Raises:
        ValueError: For an unknown metric name.
    """
    check_metric_names(names)
    out: dict[str, list[float | None]] = {}
    for name in names:
        column = METRICS[name].column
        if column is not None and column in frame.columns:
            out[name] = [_clean(float(v)) for v in _column(frame, column)]
    return out


def weekly_metric_names(names: Sequence[str]) -> list[str]:
    """Return those of ``names`` whose weekly series is stored (unknown names are skipped)."""
    return [n for n in names if n in METRICS and METRICS[n].column is not None]
