"""Evaluating concave value curves: bidder i's value of receiving ``a`` units.

``v_i(a) = sum(values[i, :floor(a)]) + (a - floor(a)) * values[i, floor(a)]``, with units
beyond the row's length worth nothing (see the :mod:`market.metrics` docstring).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def _cumulative(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return ``C`` with ``C[i, m]`` = value of bidder i's first ``m`` units, shape (n, k+1).

    ``np.cumsum`` accumulates sequentially, so ``C[i, m+1] == C[i, m] + values[i, m]`` in
    floating point; together with :func:`_value_at` this makes computed values exactly
    monotone in the number of units, which :func:`envy` relies on.
    """
    n = values.shape[0]
    return np.concatenate([np.zeros((n, 1)), np.cumsum(values, axis=1)], axis=1)


def _value_at(
    values: NDArray[np.float64],
    cumulative: NDArray[np.float64],
    rows: NDArray[np.intp],
    units: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Value ``v_rows(units)`` elementwise (``rows`` and ``units`` broadcast together)."""
    k = values.shape[1]
    whole = np.floor(units)
    full = np.minimum(whole, k).astype(np.intp)
    frac = np.where(whole < k, units - whole, 0.0)
    nxt = values[rows, np.minimum(full, k - 1)]
    return cumulative[rows, full] + frac * nxt
