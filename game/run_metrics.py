"""The run metrics: one registry naming every number a run is summarised by.

Each :class:`RunMetric` reduces one weekly column of ``ComputeGame.weeks_frame()`` over
the weeks played (a mean, a total, a peak or the last value) and says what it means,
its unit, which direction is better and the bounds it can never leave. ``crunch run``'s
summary, Compare, sweeps, the report and the app's KPIs all read this registry, so a
number has one name and one label everywhere::

    from game.run_metrics import RUN_METRICS, summarise
    summarise(model.weeks_frame(), ["efficiency", "mean_stress"])

Adding a metric is one :func:`register_metric` call (from a plugin, see
:mod:`game.plugins`); it then appears in every front.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

__all__ = [
    "RUN_METRICS",
    "RunMetric",
    "check_metric_names",
    "register_metric",
    "summarise",
    "unregister_metric",
    "weekly_series",
]

How = Literal["mean", "total", "peak", "last"]
Better = Literal["higher", "lower", ""]
_HOW_WORDS = {"mean": "mean per week", "total": "total", "peak": "peak", "last": "at the end"}


@dataclass(frozen=True)
class RunMetric:
    """One named summary of a run.

    Attributes:
        name: The name used in files, tables and sweep outputs.
        label: Short readable name ("Allocative efficiency").
        column: The weekly column of ``weeks_frame`` it summarises.
        how: ``mean`` over weeks (missing weeks skipped), ``total``, ``peak`` or ``last``.
        unit: What the number counts ("share", "credits per tranche", "teams"...).
        better: ``"higher"`` or ``"lower"`` is better, or ``""`` when neither is.
        bounds: ``(low, high)`` the value can never leave (``None`` = unbounded).
        description: What it means, in one sentence.
        fmt: Format spec for showing a value (``".3f"``, ``",.0f"``...).
        reduce: Optional custom ``reduce(weeks_frame) -> float`` replacing ``how``.
        missing: How a run without a value shows ("no price" under a rule without money).
    """

    name: str
    label: str
    column: str
    how: How
    unit: str
    better: Better
    bounds: tuple[float | None, float | None]
    description: str
    fmt: str = ".3g"
    reduce: Callable[[pd.DataFrame], float] | None = None
    missing: str = "—"

    @property
    def summary_label(self) -> str:
        """The label with how the weeks are reduced, e.g. "Mean stress (mean per week)"."""
        return f"{self.label} ({_HOW_WORDS[self.how]})"

    def of(self, frame: pd.DataFrame) -> float:
        """The metric's value for one run's weeks frame (NaN when the run has none)."""
        if self.reduce is not None:
            return float(self.reduce(frame))
        if self.column not in frame.columns or frame.empty:
            return math.nan
        values = frame[self.column].to_numpy(dtype=float, na_value=np.nan)
        finite = values[np.isfinite(values)]
        if self.how == "last":
            return float(values[-1])
        if finite.size == 0:
            return 0.0 if self.how == "total" else math.nan
        if self.how == "mean":
            return float(finite.mean())
        if self.how == "total":
            return float(finite.sum())
        return float(finite.max())

    def format(self, value: float | None) -> str:
        """``value`` as shown to people (:attr:`missing` when there is none)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return self.missing
        return format(value, self.fmt)

    def clip(self, value: float) -> float:
        """``value`` kept within the metric's bounds (for interval ends, never for data)."""
        low, high = self.bounds
        if low is not None:
            value = max(value, low)
        if high is not None:
            value = min(value, high)
        return value


def _m(
    name: str,
    label: str,
    how: How,
    unit: str,
    better: Better,
    bounds: tuple[float | None, float | None],
    description: str,
    fmt: str = ".3g",
    column: str | None = None,
    missing: str = "—",
) -> RunMetric:
    return RunMetric(
        name, label, column or name, how, unit, better, bounds, description, fmt, missing=missing
    )


_SHARE = (0.0, 1.0)
_POSITIVE = (0.0, None)

RUN_METRICS: dict[str, RunMetric] = {
    m.name: m
    for m in (
        _m("efficiency", "Allocative efficiency", "mean", "share of the best output value",
           "higher", _SHARE,
           "Output value of everything held against the most the usable tranches could "
           "produce shared optimally, from the teams' own production.", ".3f"),
        _m("output_value", "Output value", "total", "credits", "higher", _POSITIVE,
           "Research output at leadership's exchange rate (only what projects still "
           "needed) plus product value, in credits.", ",.0f"),
        _m("nash_welfare", "Nash welfare", "mean", "credits per team-week", "higher",
           _POSITIVE, "Geometric mean of the teams' weekly output values (0 when a team "
           "produces nothing).", ",.1f"),
        _m("envy", "Envy", "mean", "share of team pairs", "lower", _SHARE,
           "Share of ordered team pairs where one would produce more with the other's "
           "holding.", ".3f"),
        _m("rho_max", "Worst finish-time ratio", "mean", "ρ (1 = fair share)", "lower",
           (0.0, None), "Largest Themis ρ among running projects: time to finish with what "
           "it holds over time on a private 1/N share (capped at 10).", ".2f"),
        _m("rho_share", "Projects behind a fair share", "mean", "share of projects", "lower",
           _SHARE, "Share of running projects with finish-time ratio ρ above 1.", ".3f"),
        _m("jain", "Jain fairness", "mean", "index", "higher", _SHARE,
           "Jain's index of how evenly teams' needs are met: 1 = all equally satisfied.", ".3f"),
        _m("gini", "Gini of GPUs per person", "mean", "index", "lower", _SHARE,
           "Inequality of compute per head: 0 = equal.", ".3f"),
        _m("mean_stress", "Mean stress", "mean", "stress (0-1)", "lower", _SHARE,
           "The lab's average team stress: 0 = calm, 1 = maximal.", ".3f"),
        _m("max_stress", "Peak team stress", "peak", "stress (0-1)", "lower", _SHARE,
           "The highest stress any team reached in any week.", ".3f"),
        _m("burnout_teams", "Teams in burnout", "mean", "teams", "lower", _POSITIVE,
           "Teams whose burnout is above one half.", ".2f"),
        _m("research_output", "Research output", "total", "output units", "higher", _POSITIVE,
           "Research progress made by all research teams.", ",.1f"),
        _m("product_value", "Product value", "total", "credits", "higher", _POSITIVE,
           "Value product teams delivered: demand served at good latency.", ",.0f"),
        _m("research_gpu_share", "Research share of GPUs", "mean", "share", "", _SHARE,
           "Share of the allocated GPUs held by research teams.", ".3f"),
        _m("utilisation", "Utilisation", "mean", "share of usable tranches", "higher", _SHARE,
           "Share of the online (usable) fleet held by some team.", ".3f"),
        _m("idle", "Idle tranches", "mean", "tranches", "lower", _POSITIVE,
           "Online tranches that nobody held.", ",.1f"),
        _m("price", "Clearing price", "mean", "credits per tranche", "", _POSITIVE,
           "Volume-weighted price of the weeks that traded at a price.", ",.1f",
           missing="no price"),
        _m("revenue", "Credits paid", "total", "credits", "", _POSITIVE,
           "Credits teams paid into the market.", ",.0f"),
        _m("deals", "Loans agreed", "total", "loans", "", _POSITIVE,
           "Loans of tranches negotiated between teams.", ",.0f"),
        _m("reclaims", "Reclaims", "total", "team-weeks", "", _POSITIVE,
           "Teams that had tranches taken back by the reallocation group.", ",.0f"),
        _m("new_project_wait", "New-project wait", "mean", "weeks", "lower", _POSITIVE,
           "Weeks a new project waited until it held most of its need; a project that "
           "ended without it counts the weeks it waited.", ".2f"),
        _m("headcount", "People", "last", "people", "higher", _POSITIVE,
           "People in the lab at the end (attrition lowers it, hiring raises it).", ",.0f"),
        _m("supply", "Fleet", "last", "tranches", "", _POSITIVE,
           "Fleet size at the end.", ",.0f"),
    )
}  # fmt: skip


def register_metric(metric: RunMetric, *, replace: bool = False) -> None:
    """Add a metric to the registry; every front lists it from then on.

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
    if metric.name in RUN_METRICS and not replace:
        raise ValueError(f"metric {metric.name!r} already exists; pass replace=True to replace it")
    RUN_METRICS[metric.name] = metric


def unregister_metric(name: str) -> None:
    """Remove a metric added with :func:`register_metric` (no error when absent)."""
    RUN_METRICS.pop(name, None)


def check_metric_names(names: Iterable[str]) -> list[str]:
    """Return ``names`` as a list after checking each is a registered metric.

    Raises:
        ValueError: Naming the first unknown metric and listing the allowed ones.
    """
    out = list(names)
    for name in out:
        if name not in RUN_METRICS:
            raise ValueError(f"unknown metric {name!r}; allowed: {', '.join(sorted(RUN_METRICS))}")
    return out


def summarise(frame: pd.DataFrame, names: Sequence[str] | None = None) -> dict[str, float]:
    """Reduce a run's weeks frame to the named metrics (default: every registered one).

    Returns:
        ``{metric: value}``; NaN where the run has no value (no price under a rule
        without money, say).

    Raises:
        ValueError: For an unknown metric name.
    """
    chosen = list(RUN_METRICS) if names is None else check_metric_names(names)
    return {name: RUN_METRICS[name].of(frame) for name in chosen}


def weekly_series(frame: pd.DataFrame, names: Sequence[str]) -> dict[str, list[float]]:
    """The weekly values behind each named metric whose column the frame has.

    Raises:
        ValueError: For an unknown metric name.
    """
    out: dict[str, list[float]] = {}
    for name in check_metric_names(names):
        column = RUN_METRICS[name].column
        if RUN_METRICS[name].reduce is None and column in frame.columns:
            out[name] = frame[column].to_numpy(dtype=float, na_value=np.nan).tolist()
    return out
