"""Negotiation outcomes: one transcript (:func:`negotiate`) or many arrays (batch)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from market.negotiation._common import Side


@dataclass(frozen=True, slots=True)
class NegotiationResult:
    """Outcome of one negotiation.

    Attributes:
        deal: Whether the two sides agreed.
        price_per_unit: Agreed price per unit (``None`` without a deal).
        units: Units traded (0.0 without a deal).
        rounds: Number of offers made before the end (acceptance or walk-away).
        offers: Every offer as ``(round, side, price_per_unit)``, in order.
        reason: ``"accepted_by_lender"``, ``"accepted_by_borrower"``,
            ``"lender_deadline"`` or ``"borrower_deadline"`` (who walked away).
    """

    deal: bool
    price_per_unit: float | None
    units: float
    rounds: int
    offers: list[tuple[int, Side, float]] = field(default_factory=list)
    reason: str = ""

    @property
    def total_price(self) -> float:
        """Price of the whole deal (0.0 without a deal)."""
        return 0.0 if self.price_per_unit is None else self.price_per_unit * self.units


class NegotiationBatch(NamedTuple):
    """Outcomes of many negotiations (see :func:`negotiate_batch`).

    Attributes:
        deal: Boolean mask, shape (n,).
        price: Agreed price per unit, NaN without a deal.
        rounds: Offers made before the end, integer array.
    """

    deal: NDArray[np.bool_]
    price: NDArray[np.float64]
    rounds: NDArray[np.int64]


class NegotiationTranscripts(NamedTuple):
    """Outcomes of many negotiations, with each side's opening offer.

    See :func:`negotiate_batch_detailed`.

    Attributes:
        deal: Boolean mask, shape (n,).
        price: Agreed price per unit, NaN without a deal.
        rounds: Offers made before the end, integer array.
        lender_opening: The lender's first offer, NaN if it made none (it accepted the
            borrower's opening offer).
        borrower_opening: The borrower's first offer, NaN if it made none.
        lender_walked: Without a deal, whether the lender walked away (else the borrower
            did); False where there is a deal.
    """

    deal: NDArray[np.bool_]
    price: NDArray[np.float64]
    rounds: NDArray[np.int64]
    lender_opening: NDArray[np.float64]
    borrower_opening: NDArray[np.float64]
    lender_walked: NDArray[np.bool_]
