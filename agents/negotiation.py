"""How teams negotiate loans: reservation prices and concession tactics.

After the market clears, a team short of its need borrows from a team with a surplus
by alternating offers (:func:`market.negotiation.negotiate_batch`). What each side will
accept and how fast it concedes is the teams' behaviour, parameterised here: the
borrower pays up to what the tranches add to its output (its values, from
:mod:`agents.valuation`), raised by stress (scarcity shortens horizons, Shah,
Mullainathan & Shafir 2012); the lender wants at least what the tranches would have
produced for it — a loan happens only if the borrower's value exceeds the lender's
opportunity cost (MODEL-REFERENCE §5); stress shortens deadlines and speeds concession
(Faratin, Sierra & Jennings 1998).
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from agents.schema import Params

__all__ = ["NegotiationParams", "reservation_prices", "tactics"]


class NegotiationParams(Params):
    """Bilateral loans after clearing (alternating offers)."""

    enabled: bool = Field(True, description="Let teams lend tranches to each other after clearing.")
    max_rounds: int = Field(6, ge=1, le=100, description="Offer rounds before walking away.")
    kappa: float = Field(0.1, ge=0, le=1, description="Initial concession (Faratin κ).")
    beta: float = Field(
        1.0, gt=0, le=20, description="Concession shape: < 1 Boulware, > 1 Conceder."
    )
    stress_urgency: float = Field(
        0.5,
        ge=0,
        le=1,
        description="How much stress shortens deadlines and speeds concession.",
    )


def reservation_prices(
    borrower_value: np.ndarray,
    lender_cost: np.ndarray,
    borrower_stress: np.ndarray,
    cfg: NegotiationParams,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-tranche reservation prices of the two sides.

    The borrower will pay up to what a borrowed tranche adds to its output, raised by
    stress (stressed teams accept worse terms); the lender wants at least what the
    tranche would have produced for it (its opportunity cost).

    Args:
        borrower_value: Each borrower's value per borrowed tranche.
        lender_cost: Each lender's output value lost per lent tranche.
        borrower_stress: Each borrower's stress in [0, 1].
        cfg: Negotiation settings.

    Returns:
        ``(borrower_reservation, lender_reservation)`` per pair.
    """
    borrower = borrower_value * (1.0 + cfg.stress_urgency * borrower_stress)
    return borrower, np.asarray(lender_cost, dtype=float)


def tactics(
    stress: np.ndarray, cfg: NegotiationParams
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Concession tactics per negotiator: stress shortens the deadline and raises beta.

    Args:
        stress: Each negotiator's stress in [0, 1].
        cfg: Negotiation settings.

    Returns:
        ``(kappa, beta, t_max)`` per negotiator.
    """
    kappa = np.full(stress.shape, cfg.kappa)
    beta = cfg.beta * (1.0 + cfg.stress_urgency * stress)
    t_max = np.maximum(1, np.rint(cfg.max_rounds * (1.0 - cfg.stress_urgency * stress)))
    return kappa, beta, t_max.astype(np.int64)
