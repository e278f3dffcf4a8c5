"""Welfare and efficiency: Nash social welfare, utilisation, realised and optimal welfare.

The welfare optimum for concave values is the greedy optimum on marginal values (with a
fractional last unit when divisible); :func:`allocative_efficiency` compares an allocation's
realised welfare with it, using true values rather than bids.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from market.metrics._validation import (
    _FEASIBILITY_RTOL,
    _allocation,
    _supply,
    _values_matrix,
    _vector,
)
from market.metrics._valuation import _cumulative, _value_at


def nash_social_welfare(utilities: ArrayLike) -> float:
    """Nash social welfare, the geometric mean ``(Π u_i)^{1/n}``, computed through logs.

    Args:
        utilities: Non-negative utilities, shape (n,).

    Returns:
        The geometric mean; 0.0 if any utility is 0.

    Raises:
        ValueError: If ``utilities`` is empty, not 1-D, non-finite or has a negative entry.
    """
    arr = _vector(utilities, "utilities")
    if (arr == 0).any():
        return 0.0
    return float(np.exp(np.mean(np.log(arr))))


def utilisation(allocated: ArrayLike, supply: float) -> float:
    """Share of the supply that is allocated (1 − the idle share).

    Args:
        allocated: Units allocated, a number or an array of per-party units (summed).
        supply: Units available, non-negative.

    Returns:
        ``Σallocated / supply`` in ``[0, 1]``; 1.0 when the supply is 0 (nothing idles).

    Raises:
        ValueError: If ``allocated`` is negative or non-finite, or exceeds the supply.
    """
    total = float(_vector(allocated, "allocated").sum())
    cap = _supply(supply)
    if total > cap * (1 + _FEASIBILITY_RTOL) + _FEASIBILITY_RTOL:
        raise ValueError(f"allocated must not exceed supply {cap!r}, got a total of {total!r}")
    if cap == 0:
        return 1.0
    return min(total / cap, 1.0)


def realised_welfare(values: ArrayLike, allocation: ArrayLike) -> float:
    """Total true value of an allocation: ``Σ_i v_i(allocation_i)``.

    Each bidder enjoys its top ``floor(a_i)`` marginal values plus the fractional part of
    ``a_i`` times its next marginal value; units beyond its curve are worth nothing.

    Args:
        values: True marginal values, shape (n, k) (or (n,) for one unit each).
        allocation: Units per bidder, shape (n,), non-negative, possibly fractional.

    Returns:
        The realised welfare.

    Raises:
        ValueError: On malformed values (not concave, negative, non-finite) or allocation.
    """
    vals = _values_matrix(values)
    alloc = _allocation(allocation, vals.shape[0])
    rows = np.arange(vals.shape[0])
    return float(_value_at(vals, _cumulative(vals), rows, alloc).sum())


def welfare_optimum(
    values: ArrayLike, supply: float, *, divisible: bool = False
) -> tuple[NDArray[np.float64], float]:
    """Welfare-maximising allocation for concave values: greedy on marginal values.

    Indivisible (default): the ``floor(supply)`` highest positive marginal values win (with
    concave rows this is optimal and each winner's units are a prefix of its row).
    Divisible: additionally the fractional remainder of the supply goes to the bidder with
    the highest next marginal value (water-filling over the step marginal curve). Units with
    zero marginal value are never allocated, so the allocation may leave supply idle.

    Args:
        values: True marginal values, shape (n, k) (or (n,) for one unit each).
        supply: Units available, non-negative.
        divisible: Whether the last unit may be split.

    Returns:
        ``(allocation, welfare)``: units per bidder (float, shape (n,)) and the optimum.

    Raises:
        ValueError: On malformed values or a negative / non-finite supply.
    """
    vals = _values_matrix(values)
    counts, welfare, _ = _optimum(vals, _supply(supply), divisible)
    return counts, welfare


def _optimum(
    vals: NDArray[np.float64], cap: float, divisible: bool
) -> tuple[NDArray[np.float64], float, NDArray[np.float64]]:
    """Greedy optimum on validated values; also returns the cumulative value table."""
    n, k = vals.shape
    flat = vals.ravel()
    whole = int(min(np.floor(cap), np.count_nonzero(flat)))
    counts = np.zeros(n, dtype=np.float64)
    if whole > 0:
        top = np.argpartition(flat, flat.size - whole)[flat.size - whole :]
        counts = np.bincount(top // k, minlength=n).astype(np.float64)
    if divisible:
        remainder = cap - np.floor(cap)
        if remainder > 0:
            taken = counts.astype(np.intp)
            nxt = np.where(taken < k, vals[np.arange(n), np.minimum(taken, k - 1)], 0.0)
            best = int(np.argmax(nxt))
            if nxt[best] > 0:
                counts[best] += remainder
    cumulative = _cumulative(vals)
    welfare = float(_value_at(vals, cumulative, np.arange(n), counts).sum())
    return counts, welfare, cumulative


def allocative_efficiency(
    values: ArrayLike,
    allocation: ArrayLike,
    supply: float,
    *,
    divisible: bool | None = None,
    checked: bool = False,
) -> float:
    """Realised welfare over optimal welfare, using true values (not bids).

    Args:
        values: True marginal values, shape (n, k) (or (n,) for one unit each).
        allocation: Units per bidder, shape (n,); its total must not exceed ``supply``.
        supply: Units available.
        divisible: Compare against the divisible optimum. ``None`` (default) infers it:
            divisible if any allocation entry is fractional.
        checked: The caller guarantees valid input — ``values`` a 2-D float array with at
            least one row and column, finite, non-negative and non-increasing along rows,
            ``allocation`` a matching 1-D float array, ``supply`` a number — so the checks
            are skipped (for a model computing this every week). The feasibility check
            still runs.

    Returns:
        Efficiency in ``[0, 1]``; 1.0 when the optimum is 0 (nothing of value to allocate).

    Raises:
        ValueError: On malformed input or an allocation larger than the supply.
    """
    if checked:
        vals, alloc, cap = values, allocation, float(supply)
    else:
        vals = _values_matrix(values)
        alloc = _allocation(allocation, vals.shape[0])
        cap = _supply(supply)
    if alloc.sum() > cap * (1 + _FEASIBILITY_RTOL) + _FEASIBILITY_RTOL:
        raise ValueError(
            f"allocation must not exceed supply {cap!r}, got a total of {float(alloc.sum())!r}"
        )
    if divisible is None:
        divisible = bool((alloc != np.floor(alloc)).any())
    _, optimum, cumulative = _optimum(vals, cap, divisible)
    if optimum == 0:
        return 1.0
    realised = float(_value_at(vals, cumulative, np.arange(vals.shape[0]), alloc).sum())
    return min(realised / optimum, 1.0)
