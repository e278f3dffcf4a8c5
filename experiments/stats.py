"""Statistics shared by Compare, sweep analysis and the report: intervals, tests, formatting.

One implementation of each piece, used by :mod:`experiments.paired` (paired differences,
Compare and sweeps alike), :mod:`experiments.analysis` (summary tables) and the report:

- :func:`mean_ci`: a 95% interval of a mean. For a metric with bounds (a share in
  [0, 1], a count >= 0) the Student-t interval is built on the logit scale (two bounds)
  or the log scale (one bound) and transformed back, so it never leaves the bounds and
  never needs clipping; unbounded metrics get the plain Student-t interval.
- :func:`paired_interval`: the mean of paired differences ``b − a`` with the same
  interval (a difference of shares lies in [−1, 1]), and :func:`paired_p_value`, the
  paired t-test's two-sided p-value.
- :func:`holm`: Holm's step-down adjustment of p-values tested together (the metrics
  of one comparison), so "significant" means the same however many metrics are kept.
- :func:`format_interval`: a value and its interval with as many decimals as the
  interval's width needs ("-0.0127 [-0.0148, -0.0106]", never "+0.000 [+0.000, +0.001]").
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = [
    "Bounds",
    "decimals_for",
    "difference_bounds",
    "format_interval",
    "format_number",
    "holm",
    "mean_ci",
    "paired_interval",
    "paired_p_value",
    "transformed_interval",
    "verdict",
]

Bounds = tuple[float | None, float | None]
NO_BOUNDS: Bounds = (None, None)
MAX_DECIMALS = 12
_MAX_LOG_STEP = 700.0  # exp() of more overflows; the interval end is then effectively inf


def _t_quantile(n: int, level: float) -> float:
    from scipy import stats

    return float(stats.t.ppf(0.5 + level / 2, n - 1))


def _expit(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def transformed_interval(
    mean: float, se: float, t: float, bounds: Bounds = NO_BOUNDS
) -> tuple[float, float]:
    """Return ``mean ± t·se`` built on a scale on which the bounds are out of reach.

    Two finite bounds: the logit of the position between them; one bound: the log of
    the distance from it (delta method: the standard error is divided by the derivative
    of the transform at the mean); none: the plain interval. A mean on a bound, or a
    zero standard error, gives a zero-width interval at the mean.

    Args:
        mean: The estimate.
        se: Its standard error.
        t: The quantile (e.g. Student-t's 0.975 quantile).
        bounds: ``(low, high)``; ``None`` for an open end.
    """
    if not (math.isfinite(mean) and math.isfinite(se) and math.isfinite(t)):
        return math.nan, math.nan
    if se <= 0:
        return mean, mean
    lo, hi = bounds
    if lo is not None and hi is not None:
        span = hi - lo
        u = (mean - lo) / span
        if not 0 < u < 1:
            return mean, mean
        z, step = math.log(u / (1 - u)), t * se / span / (u * (1 - u))
        return lo + span * _expit(z - step), lo + span * _expit(z + step)
    if lo is not None:
        x = mean - lo
        if x <= 0:
            return mean, mean
        step = min(t * se / x, _MAX_LOG_STEP)
        return lo + x * math.exp(-step), lo + x * math.exp(step)
    if hi is not None:
        x = hi - mean
        if x <= 0:
            return mean, mean
        step = min(t * se / x, _MAX_LOG_STEP)
        return hi - x * math.exp(step), hi - x * math.exp(-step)
    return mean - t * se, mean + t * se


def mean_ci(
    values: np.ndarray, level: float = 0.95, bounds: Bounds = NO_BOUNDS
) -> tuple[int, float, float, float, float]:
    """Return ``(n, mean, sd, low, high)``: a confidence interval of the mean.

    Missing values are dropped; with fewer than two values the interval is NaN. With
    ``bounds`` the interval is :func:`transformed_interval`'s, inside the bounds.
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    n = int(v.size)
    if n == 0:
        return 0, math.nan, math.nan, math.nan, math.nan
    mean = float(v.mean())
    if n < 2:
        return n, mean, math.nan, math.nan, math.nan
    sd = float(v.std(ddof=1))
    low, high = transformed_interval(mean, sd / math.sqrt(n), _t_quantile(n, level), bounds)
    return n, mean, sd, low, high


def difference_bounds(bounds: Bounds) -> Bounds:
    """The bounds of a difference of two values within ``bounds`` (``±(high − low)``)."""
    lo, hi = bounds
    if lo is None or hi is None:
        return NO_BOUNDS
    return (lo - hi, hi - lo)


def _differences(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"a and b: lengths {a.size} and {b.size} differ; pass one value per seed")
    keep = np.isfinite(a) & np.isfinite(b)
    return b[keep] - a[keep]


def paired_interval(
    a: np.ndarray, b: np.ndarray, level: float = 0.95, bounds: Bounds = NO_BOUNDS
) -> tuple[float, float, float, int]:
    """Mean difference ``b − a`` and its paired confidence interval.

    Pairs where either value is missing are dropped. With fewer than two pairs the
    interval is NaN; with identical differences it has zero width. ``bounds`` are the
    metric's: the difference's interval stays within ``±(high − low)``.

    Args:
        a: Values of the reference (rule set A, the baseline), one per pair.
        b: Values of the other side for the same pairs (seeds, replicates).
        level: Confidence level in (0, 1).
        bounds: The metric's bounds.

    Returns:
        ``(mean_difference, low, high, pairs)``.

    Raises:
        ValueError: If the arrays differ in length or ``level`` is outside (0, 1).
    """
    if not 0 < level < 1:
        raise ValueError(f"level = {level}: must be strictly between 0 and 1")
    d = _differences(a, b)
    n = int(d.size)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(d.mean())
    if n < 2:
        return mean, math.nan, math.nan, n
    se = float(d.std(ddof=1)) / math.sqrt(n)
    low, high = transformed_interval(mean, se, _t_quantile(n, level), difference_bounds(bounds))
    return mean, low, high, n


def paired_p_value(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sided p-value of the paired t-test of ``b − a`` against 0 (NaN below 2 pairs).

    Differences that are all equal give 1 when they are 0 and 0 otherwise (no noise: the
    difference is certain).
    """
    from scipy import stats

    d = _differences(a, b)
    n = int(d.size)
    if n < 2:
        return math.nan
    sd = float(d.std(ddof=1))
    mean = float(d.mean())
    if sd == 0 or sd <= 1e-12 * abs(mean):
        return 1.0 if mean == 0 else 0.0
    t = mean / (sd / math.sqrt(n))
    return float(2 * stats.t.sf(abs(t), n - 1))


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (NaN entries stay NaN and are not counted).

    The family is the finite entries: the smallest p is multiplied by their number, the
    next by one less, and so on, each kept at least as large as the one before and at
    most 1. Reject where the adjusted p-value is below the level.
    """
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    finite = np.flatnonzero(np.isfinite(p))
    m = finite.size
    running = 0.0
    for rank, i in enumerate(finite[np.argsort(p[finite], kind="stable")]):
        running = max(running, min(1.0, (m - rank) * float(p[i])))
        out[i] = running
    return out.tolist()


def verdict(diff: float, low: float, high: float, better: str) -> str:
    """Say in plain words what a difference B − A and its (unadjusted) interval mean."""
    if math.isnan(diff):
        return "no value"
    if math.isnan(low) or math.isnan(high):
        return "too few seeds to tell"
    if low <= 0 <= high:
        return "no clear difference"
    up = low > 0
    if not better:
        return "B higher" if up else "B lower"
    b_wins = up == (better == "higher")
    return "B better" if b_wins else "A better"


# ---------------------------------------------------------------------- formatting
def decimals_for(low: float, high: float, value: float = math.nan) -> int:
    """Decimals that show an interval's width with two significant digits.

    A zero-width (or missing) interval falls back to three significant digits of
    ``value``; whole numbers of a wide interval get none.
    """
    width = high - low if math.isfinite(low) and math.isfinite(high) else math.nan
    if math.isfinite(width) and width > 0:
        return int(min(MAX_DECIMALS, max(0, 1 - math.floor(math.log10(width)))))
    if math.isfinite(value) and value != 0:
        return int(min(MAX_DECIMALS, max(0, 2 - math.floor(math.log10(abs(value))))))
    return 0


def format_number(x: float, decimals: int, *, signed: bool = False) -> str:
    """``x`` with ``decimals`` decimals and thousands separators ("–" when missing)."""
    if x is None or not math.isfinite(float(x)):
        return "–"
    x = float(x)
    if x == 0:
        x = 0.0  # no "-0.00"
    return f"{x:{'+' if signed else ''},.{decimals}f}"


def format_interval(
    value: float, low: float, high: float, *, signed: bool = False
) -> tuple[str, str]:
    """``(value, "[low, high]")`` with decimals fitted to the interval's width."""
    d = decimals_for(low, high, value)
    if not (math.isfinite(low) and math.isfinite(high)):
        return format_number(value, d, signed=signed), ""
    lo, hi = format_number(low, d, signed=signed), format_number(high, d, signed=signed)
    return format_number(value, d, signed=signed), f"[{lo}, {hi}]"
