"""The result of clearing a market: who gets how many units, who pays what, at what price."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Outcome"]


@dataclass(frozen=True, slots=True, eq=False)
class Outcome:
    """What one clearing of the market decided.

    The arrays are made read-only on construction so an outcome cannot be edited after
    the fact; copy them (``out.allocation.copy()``) to work on them.

    Attributes:
        allocation: Shape ``(n,)`` float array, units won by each bidder. Integer-valued
            for indivisible rules, fractional where the rule is divisible.
        payments: Shape ``(n,)`` float array, what each bidder pays (all zeros for rules
            without money).
        price: The uniform per-unit clearing price where the rule has one, else ``None``.
        mechanism: Canonical name of the mechanism that produced the outcome.
    """

    allocation: np.ndarray
    payments: np.ndarray
    price: float | None
    mechanism: str

    def __post_init__(self) -> None:
        self.allocation.flags.writeable = False
        self.payments.flags.writeable = False

    def __eq__(self, other: object) -> bool:
        """Return True when both outcomes hold identical arrays, price and mechanism."""
        if not isinstance(other, Outcome):
            return NotImplemented
        return (
            self.mechanism == other.mechanism
            and self.price == other.price
            and np.array_equal(self.allocation, other.allocation)
            and np.array_equal(self.payments, other.payments)
        )

    __hash__ = None  # type: ignore[assignment]  # holds mutable-type arrays

    @property
    def n_bidders(self) -> int:
        """Number of bidders in the book that was cleared."""
        return int(self.allocation.shape[0])

    @property
    def allocated(self) -> float:
        """Total units handed out."""
        return float(self.allocation.sum())

    @property
    def revenue(self) -> float:
        """Total money collected from all bidders."""
        return float(self.payments.sum())

    @property
    def winners(self) -> np.ndarray:
        """Boolean mask of the bidders who received a positive quantity."""
        return self.allocation > 0

    @property
    def average_price(self) -> float | None:
        """Revenue per allocated unit, or ``None`` when nothing was allocated."""
        units = self.allocated
        return self.revenue / units if units > 0 else None
