"""Envy as relative deprivation (Yitzhaki 1979) on compute per head."""

from __future__ import annotations

import numpy as np

from agents.schema import clip01, floats

__all__ = ["normalised_envy"]


def normalised_envy(gpus_per_head: np.ndarray) -> np.ndarray:
    """Yitzhaki relative deprivation divided by the mean, in [0, 1].

    ``RD_i = (1/n)·Σ_j max(0, x_j − x_i)``; the result is ``RD_i / mean(x)``. A team
    with nothing while others hold compute scores 1, the best-off team scores 0, and
    the mean of the result equals the Gini coefficient of ``x``. Computed in
    O(n log n) through one sort and suffix sums.

    Args:
        gpus_per_head: Compute per head x ≥ 0, shape (n,).

    Returns:
        Normalised envy in [0, 1], shape (n,); all zeros when the mean is 0.

    Raises:
        ValueError: If any value is negative.
    """
    x = floats(gpus_per_head)
    n = x.size
    if n == 0:
        return np.zeros(0)
    if np.minimum.reduce(x) < 0.0:
        raise ValueError("gpus_per_head contains negative values; use values >= 0")
    mean = np.add.reduce(x) / n
    if mean <= 0.0:
        return np.zeros(n)
    order = x.argsort()
    xs = x[order]
    # Sum of the values ranked above each position; equal values add 0 either way.
    above = np.add.reduce(xs) - np.add.accumulate(xs)
    count_above = np.arange(n - 1, -1, -1, dtype=float)
    deprivation = np.empty(n)
    deprivation[order] = (above - count_above * xs) / n
    return clip01(deprivation / mean)
