"""The bid book: validation, normalisation and budget trimming of what bidders submit.

A bid book is a 2-D float array ``bids[i, j]`` = bidder i's bid for its (j+1)-th unit,
non-negative, finite and non-increasing along each row, with 0 meaning "no bid". A 1-D
array means one unit per bidder and becomes a single column.

Validation is vectorised (a min, a max and one shifted comparison over the flat array) so
that it costs a small fraction of clearing; the slow search for *which* entry is wrong
only runs once something is known to be wrong. Every error is a ``ValueError`` whose
one-line message names the argument, the bad value (or its row/column) and what is allowed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "BidBook",
    "LazyGenerator",
    "demands",
    "drop_below_reserve",
    "make_book",
    "trim_to_budgets",
    "validate_bids",
    "validate_budgets",
    "validate_reserve",
    "validate_supply",
    "validate_weights",
]


@dataclass(frozen=True, slots=True)
class BidBook:
    """A validated bid book ready for a mechanism's rule.

    Attributes:
        bids: ``(n, k)`` C-contiguous float64 array, finite, >= 0, non-increasing along rows.
            May be the caller's own array: rules must never write into it.
        supply: Units on offer (non-negative, finite; divisible rules use it as is).
        units: ``floor(supply)``, the whole units indivisible rules hand out.
        reserve: Non-negative reserve price (money rules only).
        budgets: ``(n,)`` spending caps (``inf`` allowed) or ``None``.
        weights: ``(n,)`` positive priorities or ``None`` (equal weights).
    """

    bids: np.ndarray
    supply: float
    units: int
    reserve: float
    budgets: np.ndarray | None
    weights: np.ndarray | None

    @property
    def n_bidders(self) -> int:
        """Number of bidders (rows)."""
        return int(self.bids.shape[0])

    @property
    def max_units(self) -> int:
        """Number of marginal bids per bidder (columns)."""
        return int(self.bids.shape[1])

    def priced(self) -> BidBook:
        """Return the book a money rule sees: rows trimmed to budgets, bids below reserve dropped.

        Returns:
            A new book (or ``self`` when nothing changes) whose bids honour the budgets and
            the reserve.
        """
        bids = self.bids
        if self.budgets is not None:
            bids = trim_to_budgets(bids, self.budgets)
        if self.reserve > 0.0:
            bids = drop_below_reserve(bids, self.reserve)
        if bids is self.bids:
            return self
        return BidBook(bids, self.supply, self.units, self.reserve, self.budgets, self.weights)


class LazyGenerator:
    """A random generator created only when a rule first needs randomness.

    ``rng=None`` means a fixed default (``np.random.default_rng(0)``) so outcomes stay
    deterministic; creating it costs several microseconds, which most clearings (no ties)
    never need to pay.

    Args:
        rng: A ``numpy.random.Generator`` or ``None``.

    Raises:
        ValueError: If ``rng`` is neither.
    """

    __slots__ = ("_rng",)

    def __init__(self, rng: np.random.Generator | None) -> None:
        if rng is not None and not isinstance(rng, np.random.Generator):
            raise ValueError(
                f"rng must be a numpy.random.Generator or None; got {type(rng).__name__} "
                "(use np.random.default_rng(seed))"
            )
        self._rng = rng

    def get(self) -> np.random.Generator:
        """Return the generator, creating the default one on first use."""
        if self._rng is None:
            self._rng = np.random.default_rng(0)
        return self._rng


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


def make_book(
    bids: ArrayLike,
    supply: object,
    *,
    reserve: object = 0.0,
    budgets: ArrayLike | None = None,
    weights: ArrayLike | None = None,
) -> BidBook:
    """Validate every input of a clearing and bundle them into a :class:`BidBook`.

    Args:
        bids: ``(n, k)`` or ``(n,)`` bids.
        supply: Units on offer.
        reserve: Reserve price.
        budgets: Optional ``(n,)`` spending caps.
        weights: Optional ``(n,)`` positive priorities.

    Returns:
        The validated book (budgets and reserve not yet applied; see :meth:`BidBook.priced`).

    Raises:
        ValueError: On any invalid input.
    """
    arr = validate_bids(bids)
    n = arr.shape[0]
    supply_f = validate_supply(supply)
    return BidBook(
        bids=arr,
        supply=supply_f,
        units=math.floor(supply_f),
        reserve=validate_reserve(reserve),
        budgets=validate_budgets(budgets, n),
        weights=validate_weights(weights, n),
    )


def trim_to_budgets(bids: np.ndarray, budgets: np.ndarray) -> np.ndarray:
    """Cut each row from its last unit so that the row's total is within its budget.

    Units whose cumulative bid fits the budget keep their bid; the first unit that does not
    fit is cut down to the money left (so the row still sums to the budget, up to float
    rounding), and later units are dropped. Rows stay non-increasing.

    Args:
        bids: Validated ``(n, k)`` bids.
        budgets: Validated ``(n,)`` budgets.

    Returns:
        The trimmed bids (the input itself when no row exceeds its budget).
    """
    if bids.size == 0:
        return bids
    over = bids.sum(axis=1) > budgets
    if not over.any():
        return bids
    rows = bids[over]
    cap = budgets[over][:, None]
    spent = np.cumsum(rows, axis=1)
    fits = spent <= cap  # a prefix of each row, since the cumulative sum never falls
    spent_before = np.zeros_like(spent)
    spent_before[:, 1:] = spent[:, :-1]
    first_cut = ~fits
    first_cut[:, 1:] &= fits[:, :-1]
    cut_bid = np.minimum(np.maximum(cap - spent_before, 0.0), rows)
    out = bids.copy()
    out[over] = np.where(fits, rows, np.where(first_cut, cut_bid, 0.0))
    return out


def drop_below_reserve(bids: np.ndarray, reserve: float) -> np.ndarray:
    """Zero every bid below the reserve (rows stay non-increasing).

    Args:
        bids: Validated ``(n, k)`` bids.
        reserve: Reserve price.

    Returns:
        The bids with sub-reserve entries set to 0 (a new array).
    """
    return np.where(bids >= reserve, bids, 0.0)


def demands(bids: np.ndarray) -> np.ndarray:
    """Number of positive bids per bidder, the demand non-money rules read.

    Args:
        bids: Validated ``(n, k)`` bids.

    Returns:
        ``(n,)`` int64 array.
    """
    # A matrix-vector product is several times faster than a row-wise count for short rows.
    return ((bids > 0.0) @ np.ones(bids.shape[1])).astype(np.int64)
