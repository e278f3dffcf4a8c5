"""Statistics shared by Compare and sweep analysis: intervals of means and paired differences.

One implementation of each interval, used by :mod:`experiments.compare` (two rule sets on
the same seeds), :mod:`experiments.analysis` (summary tables) and the report.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["mean_ci", "paired_interval", "verdict"]


def _t_half_width(sd: float, n: int, level: float) -> float:
    from scipy import stats

    return float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)


def mean_ci(values: np.ndarray, level: float = 0.95) -> tuple[int, float, float, float, float]:
    """Return ``(n, mean, sd, low, high)``: a Student-t confidence interval of the mean.

    Missing values are dropped; with fewer than two values the interval is NaN.
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
    half = _t_half_width(sd, n, level)
    return n, mean, sd, mean - half, mean + half


def paired_interval(
    a: np.ndarray, b: np.ndarray, level: float = 0.95
) -> tuple[float, float, float, int]:
    """Mean difference ``b − a`` and its paired t confidence interval.

    Pairs where either value is NaN are dropped. With fewer than two pairs the interval
    is NaN; with identical differences it has zero width.

    Args:
        a: Values under rule set A, one per seed.
        b: Values under rule set B for the same seeds.
        level: Confidence level in (0, 1).

    Returns:
        ``(mean_difference, low, high, pairs)``.

    Raises:
        ValueError: If the arrays differ in length or ``level`` is outside (0, 1).
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"a and b: lengths {a.size} and {b.size} differ; pass one value per seed")
    if not 0 < level < 1:
        raise ValueError(f"level = {level}: must be strictly between 0 and 1")
    keep = ~(np.isnan(a) | np.isnan(b))
    d = b[keep] - a[keep]
    n = int(d.size)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(d.mean())
    if n < 2:
        return mean, math.nan, math.nan, n
    half = _t_half_width(float(d.std(ddof=1)), n, level)
    return mean, mean - half, mean + half, n


def verdict(diff: float, low: float, high: float, better: str) -> str:
    """Say in plain words what a difference B − A and its interval mean."""
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
