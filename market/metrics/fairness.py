"""Fairness and inequality of amounts: Jain's index, the Gini coefficient, deprivation."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from market.metrics._validation import _vector


def jain(x: ArrayLike) -> float:
    """Jain's fairness index ``(Σx)² / (n·Σx²)``.

    Args:
        x: Non-negative amounts (e.g. GPUs per team), shape (n,).

    Returns:
        The index in ``[1/n, 1]``: 1 when everyone gets the same, ``1/n`` when one party
        gets everything. By convention an all-zero vector scores 1.0 (nobody has more
        than anybody else).

    Raises:
        ValueError: If ``x`` is empty, not 1-D, non-finite or has a negative entry.
    """
    arr = _vector(x, "x")
    # Scale by the maximum first so the squares cannot overflow.
    top = arr.max()
    if top == 0:
        return 1.0
    scaled = arr / top
    return float(min(1.0, scaled.sum() ** 2 / (arr.size * np.dot(scaled, scaled))))


def gini(x: ArrayLike) -> float:
    """Gini coefficient ``ΣΣ|x_i − x_j| / (2n²μ)``, computed in O(n log n) by sorting.

    Uses the sorted form ``G = Σ_i (2i − n − 1)·x_(i) / (n·Σx)`` with ``x_(i)`` ascending
    and ``i`` counted from 1.

    Args:
        x: Non-negative amounts, shape (n,).

    Returns:
        The coefficient in ``[0, (n−1)/n]`` ⊂ ``[0, 1)``; 0.0 for an all-zero vector.

    Raises:
        ValueError: If ``x`` is empty, not 1-D, non-finite or has a negative entry.
    """
    arr = _vector(x, "x")
    total = arr.sum()
    if total == 0:
        return 0.0
    n = arr.size
    ranks = np.arange(1 - n, n, 2, dtype=np.float64)  # 2i - n - 1 for i = 1..n
    value = np.dot(ranks, np.sort(arr)) / (n * total)
    return float(min(max(value, 0.0), (n - 1) / n))


def relative_deprivation(x: ArrayLike) -> NDArray[np.float64]:
    """Yitzhaki relative deprivation ``RD_i = (1/n)·Σ_j max(0, x_j − x_i)``, O(n log n).

    ``mean(RD) == gini(x) · mean(x)`` (MODEL-REFERENCE §1), which the tests check.

    Args:
        x: Amounts per party (e.g. compute per head), shape (n,). Negative values are
            allowed here; the Gini identity only applies to non-negative ``x``.

    Returns:
        ``RD``, shape (n,), non-negative; 0 for the best-off party.

    Raises:
        ValueError: If ``x`` is empty, not 1-D or non-finite.
    """
    arr = _vector(x, "x", nonnegative=False)
    n = arr.size
    ordered = np.sort(arr)
    # suffix[p] = sum of ordered[p:], with suffix[n] = 0.
    suffix = np.concatenate([np.cumsum(ordered[::-1])[::-1], [0.0]])
    above = np.searchsorted(ordered, arr, side="right")
    deprivation = (suffix[above] - (n - above) * arr) / n
    return np.maximum(deprivation, 0.0)
