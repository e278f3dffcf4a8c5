"""The bid book: validation, normalisation and budget trimming of what bidders submit.

A bid book is a 2-D float array ``bids[i, j]`` = bidder i's bid for its (j+1)-th unit,
non-negative, finite and non-increasing along each row, with 0 meaning "no bid". A 1-D
array means one unit per bidder and becomes a single column.

The checks themselves are in :mod:`market.checks`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from market.checks import (
    validate_bids,
    validate_budgets,
    validate_demand,
    validate_reserve,
    validate_supply,
    validate_weights,
)

__all__ = [
    "BidBook",
    "LazyGenerator",
    "demands",
    "drop_below_reserve",
    "make_book",
    "trim_to_budgets",
    "validate_bids",
    "validate_budgets",
    "validate_demand",
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
        demand: ``(n,)`` whole units each bidder reports it needs (rules without money
            read it), or ``None``: then a bidder's demand is its number of positive bids.
    """

    bids: np.ndarray
    supply: float
    units: int
    reserve: float
    budgets: np.ndarray | None
    weights: np.ndarray | None
    demand: np.ndarray | None = None

    @property
    def requested(self) -> np.ndarray:
        """Whole units each bidder asks for: its reported demand, else its positive bids."""
        return demands(self.bids) if self.demand is None else self.demand

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
        return BidBook(
            bids, self.supply, self.units, self.reserve, self.budgets, self.weights, self.demand
        )


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


def make_book(
    bids: ArrayLike,
    supply: object,
    *,
    reserve: object = 0.0,
    budgets: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    demand: ArrayLike | None = None,
) -> BidBook:
    """Validate every input of a clearing and bundle them into a :class:`BidBook`.

    Args:
        bids: ``(n, k)`` or ``(n,)`` bids.
        supply: Units on offer.
        reserve: Reserve price.
        budgets: Optional ``(n,)`` spending caps.
        weights: Optional ``(n,)`` positive priorities.
        demand: Optional ``(n,)`` whole units each bidder reports it needs.

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
        demand=validate_demand(demand, n),
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
