"""How teams negotiate loans: reservation prices and concession tactics.

After the market clears, a team short of its need borrows from a team with a surplus
by alternating offers (:func:`market.negotiation.negotiate_batch`). What each side will
accept and how fast it concedes is the teams' behaviour, parameterised here: the
borrower pays up to its first missing tranche's value, raised by stress (scarcity
shortens horizons, Shah, Mullainathan & Shafir 2012); the lender wants a share of its
own value; stress shortens deadlines and speeds concession (Faratin, Sierra & Jennings
1998).
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from agents.schema import Params

__all__ = ["LENDER_RESERVATION_SHARE", "NegotiationParams", "reservation_prices", "tactics"]

#: The lender's reservation as a share of its own first-tranche value (the option value of
#: keeping its slack).
LENDER_RESERVATION_SHARE = 0.25


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
    lender_value: np.ndarray,
    borrower_stress: np.ndarray,
    cfg: NegotiationParams,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-tranche reservation prices of the two sides.

    The borrower will pay up to its marginal value of the first missing tranche,
    raised by stress (stressed teams accept worse terms); the lender wants at least
    :data:`LENDER_RESERVATION_SHARE` of its own first-tranche value.

    Args:
        borrower_value: Each borrower's value of its first missing tranche.
        lender_value: Each lender's value of its first tranche.
        borrower_stress: Each borrower's stress in [0, 1].
        cfg: Negotiation settings.

    Returns:
        ``(borrower_reservation, lender_reservation)`` per pair.
    """
    borrower = borrower_value * (1.0 + cfg.stress_urgency * borrower_stress)
    lender = LENDER_RESERVATION_SHARE * lender_value
    return borrower, lender


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
