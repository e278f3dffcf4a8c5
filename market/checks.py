"""Checking what bidders submit: one-line errors naming the argument, the value and the rule.

Validation is vectorised (a min, a max and one shifted comparison over the flat array) so
that it costs a small fraction of clearing; the slow search for *which* entry is wrong
only runs once something is known to be wrong. Every error is a ``ValueError`` whose
one-line message names the argument, the bad value (or its row/column) and what is allowed.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "MAX_DEMAND",
    "MAX_TOTAL_DEMAND",
    "validate_bids",
    "validate_budgets",
    "validate_demand",
    "validate_reserve",
    "validate_supply",
    "validate_weights",
]


#: Largest reported demand: every whole number up to it is exact as a float.
MAX_DEMAND = float(2**53)
#: Largest total of reported demands: int64 sums up to it stay clear of wrapping (2**63).
MAX_TOTAL_DEMAND = float(2**62)


def _show(value: object) -> str:
    """``repr`` without numpy's scalar wrapper (``nan``, not ``np.float64(nan)``)."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _cell(row: int, col: int, one_d: bool) -> str:
    return f"bids[{row}]" if one_d else f"bids[{row}, {col}]"


def _raise_bad_value(arr: np.ndarray, one_d: bool) -> None:
    bad = ~np.isfinite(arr) | (arr < 0)
    row, col = (int(v) for v in np.argwhere(bad)[0])
    raise ValueError(
        f"{_cell(row, col, one_d)} = {_show(arr[row, col])} is not allowed; "
        "bids must be finite numbers >= 0 (0 means no bid)"
    )


def _raise_increasing(arr: np.ndarray) -> None:
    rises = arr[:, 1:] > arr[:, :-1]
    row, col = (int(v) for v in np.argwhere(rises)[0])
    raise ValueError(
        f"bids row {row} increases from bids[{row}, {col}] = {_show(arr[row, col])} to "
        f"bids[{row}, {col + 1}] = {_show(arr[row, col + 1])}; each row must be non-increasing "
        "(a bidder's bid for its next unit may not exceed its bid for the previous one)"
    )


def validate_bids(bids: ArrayLike) -> np.ndarray:
    """Check and normalise a bid book.

    Args:
        bids: ``(n, k)`` bids (or ``(n,)`` for one unit per bidder).

    Returns:
        A C-contiguous ``(n, k)`` float64 array (the input itself when it already is one).

    Raises:
        ValueError: If the bids are not numeric, not 1-D/2-D, contain NaN, inf or negative
            values, or increase along a row.
    """
    try:
        arr = np.asarray(bids, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"bids must be a 1-D or 2-D array of numbers; got {type(bids).__name__} "
            f"that cannot be read as numbers ({exc})"
        ) from None
    one_d = arr.ndim == 1
    if one_d:
        arr = arr.reshape(-1, 1)
    elif arr.ndim != 2:
        raise ValueError(
            f"bids must be 1-D (one unit per bidder) or 2-D (bidders x units); "
            f"got a {arr.ndim}-D array of shape {arr.shape}"
        )
    if not arr.flags.c_contiguous:
        arr = np.ascontiguousarray(arr)
    if arr.size == 0:
        return arr
    # NaN fails both comparisons, so two reductions catch NaN, inf and negatives.
    if not (arr.min() >= 0.0 and arr.max() < math.inf):
        _raise_bad_value(arr, one_d)
    k = arr.shape[1]
    if k > 1:
        flat = arr.reshape(-1)
        rises = flat[1:] > flat[:-1]
        rises[k - 1 :: k] = False  # comparisons across the end of a row do not count
        if rises.any():
            _raise_increasing(arr)
    return arr


def _real_scalar(name: str, value: object, allowed: str) -> float:
    if type(value) is float or type(value) is int:  # fast path for the common case
        number = float(value)
    else:
        if isinstance(value, (str, bytes)) or np.ndim(value) != 0:
            raise ValueError(f"{name} must be {allowed}; got {_show(value)}")
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be {allowed}; got {_show(value)}") from None
    if not (math.isfinite(number) and number >= 0.0):
        raise ValueError(f"{name} must be {allowed}; got {_show(value)}")
    return number


def validate_supply(supply: object) -> float:
    """Check the supply.

    Args:
        supply: Units on offer.

    Returns:
        The supply as a float.

    Raises:
        ValueError: If it is not a finite number >= 0.
    """
    return _real_scalar("supply", supply, "a finite number >= 0 (units on offer)")


def validate_reserve(reserve: object) -> float:
    """Check the reserve price.

    Args:
        reserve: Minimum acceptable bid per unit.

    Returns:
        The reserve as a float.

    Raises:
        ValueError: If it is not a finite number >= 0.
    """
    return _real_scalar("reserve", reserve, "a finite number >= 0 (minimum price per unit)")


def _per_bidder(name: str, values: ArrayLike, n: int) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{name} must be a 1-D array of numbers, one per bidder; got {type(values).__name__} "
            f"that cannot be read as numbers ({exc})"
        ) from None
    if arr.shape != (n,):
        raise ValueError(
            f"{name} must have shape ({n},), one entry per bidder (row of bids); "
            f"got shape {arr.shape}"
        )
    return arr


def validate_budgets(budgets: ArrayLike | None, n: int) -> np.ndarray | None:
    """Check per-bidder budgets.

    Args:
        budgets: ``(n,)`` spending caps, ``inf`` meaning no cap, or ``None``.
        n: Number of bidders.

    Returns:
        The budgets as a float array, or ``None``.

    Raises:
        ValueError: On a wrong shape, NaN or a negative budget.
    """
    if budgets is None:
        return None
    arr = _per_bidder("budgets", budgets, n)
    if n and not arr.min() >= 0.0:  # NaN fails the comparison too
        i = int((~(arr >= 0.0)).nonzero()[0][0])
        raise ValueError(
            f"budgets[{i}] = {_show(arr[i])} is not allowed; budgets must be numbers >= 0 "
            "(inf means no cap)"
        )
    return arr


def validate_weights(weights: ArrayLike | None, n: int) -> np.ndarray | None:
    """Check per-bidder priority weights.

    Args:
        weights: ``(n,)`` positive finite priorities, or ``None`` for equal weights.
        n: Number of bidders.

    Returns:
        The weights as a float array, or ``None``.

    Raises:
        ValueError: On a wrong shape or a weight that is not a finite number > 0.
    """
    if weights is None:
        return None
    arr = _per_bidder("weights", weights, n)
    if n and not (arr.min() > 0.0 and arr.max() < math.inf):
        i = int((~((arr > 0.0) & (arr < math.inf))).nonzero()[0][0])
        raise ValueError(
            f"weights[{i}] = {_show(arr[i])} is not allowed; weights must be finite numbers > 0"
        )
    return arr


def validate_demand(demand: ArrayLike | None, n: int) -> np.ndarray | None:
    """Check per-bidder reported demands (whole units).

    Each demand is at most ``2**53`` (the largest whole number a float holds exactly) and
    their total at most ``2**62``, so the rules' int64 sums cannot wrap around.

    Args:
        demand: ``(n,)`` whole numbers from 0 to ``2**53``, or ``None``.
        n: Number of bidders.

    Returns:
        The demands as an int64 array, or ``None``.

    Raises:
        ValueError: On a wrong shape, a demand that is not a whole number in range, or a
            total above ``2**62``.
    """
    if demand is None:
        return None
    arr = _per_bidder("demand", demand, n)
    if not n:
        return arr.astype(np.int64)
    if not (arr.min() >= 0.0 and arr.max() <= MAX_DEMAND and (arr == np.floor(arr)).all()):
        i = int((~((arr >= 0.0) & (arr <= MAX_DEMAND) & (arr == np.floor(arr)))).nonzero()[0][0])
        raise ValueError(
            f"demand[{i}] = {_show(arr[i])} is not allowed; demands are whole units from 0 to 2**53"
        )
    total = float(arr.sum())
    if total > MAX_TOTAL_DEMAND:
        raise ValueError(
            f"demand totals {total:.4g} units, which is not allowed; the total may be at most "
            "2**62 (about 4.6e18)"
        )
    return arr.astype(np.int64)
