"""Input checks shared by the metrics: vectors, value matrices, supplies and allocations."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

_FEASIBILITY_RTOL = 1e-9
"""Relative slack when checking that an allocation fits within the supply."""


def _vector(x: ArrayLike, name: str, *, nonnegative: bool = True) -> NDArray[np.float64]:
    """Return ``x`` as a finite, non-empty 1-D float array, or raise ``ValueError``."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must hold at least one value, got an empty array")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite, got {float(arr[~np.isfinite(arr)][0])!r}")
    if nonnegative and (arr < 0).any():
        raise ValueError(f"{name} must be non-negative, got {float(arr[arr < 0][0])!r}")
    return arr


def _values_matrix(values: ArrayLike) -> NDArray[np.float64]:
    """Return ``values`` as a validated (n, k) matrix of concave marginal values."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise ValueError(f"values must be a 1-D or 2-D array, got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError("values must hold at least one bidder, got 0 rows")
    if arr.shape[1] == 0:
        arr = np.zeros((arr.shape[0], 1))  # no units demanded: every unit is worth 0
    if not np.isfinite(arr).all():
        raise ValueError("values must be finite, got a NaN or infinite entry")
    if (arr < 0).any():
        raise ValueError(f"values must be non-negative, got {float(arr[arr < 0][0])!r}")
    if arr.shape[1] > 1:
        rising = np.diff(arr, axis=1) > 0
        if rising.any():
            row = int(rising.any(axis=1).nonzero()[0][0])
            raise ValueError(
                f"values[{row}] must be non-increasing (concave values), got {arr[row].tolist()}"
            )
    return arr


def _supply(supply: float) -> float:
    """Return ``supply`` as a float after checking it is finite and non-negative."""
    try:
        value = float(supply)
    except (TypeError, ValueError):
        raise ValueError(f"supply must be a finite non-negative number, got {supply!r}") from None
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"supply must be a finite non-negative number, got {value!r}")
    return value


def _allocation(allocation: ArrayLike, n: int) -> NDArray[np.float64]:
    """Return ``allocation`` as a validated (n,) non-negative float array."""
    arr = _vector(allocation, "allocation")
    if arr.shape[0] != n:
        raise ValueError(f"allocation must have one entry per bidder ({n}), got {arr.shape[0]}")
    return arr
