"""One alternating-offers negotiation, with its full offer transcript."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from market.negotiation._common import Side
from market.negotiation.profiles import NegotiatorProfile
from market.negotiation.results import NegotiationResult
from market.negotiation.schedule import _anchors, _check_units, _first_movers, _schedule


def negotiate(
    lender: NegotiatorProfile,
    borrower: NegotiatorProfile,
    units: float,
    *,
    first_mover: str = "borrower",
    open_low: float = 0.0,
    open_high: float | None = None,
    rng: np.random.Generator | None = None,
) -> NegotiationResult:
    """Run one alternating-offers negotiation over the price per unit of ``units`` GPUs.

    See the :mod:`market.negotiation` docstring for anchors and the protocol.

    Args:
        lender: The lender's profile (reservation = minimum acceptable price per unit).
        borrower: The borrower's profile (reservation = maximum price per unit).
        units: Units to lend or trade, positive.
        first_mover: ``"borrower"``, ``"lender"`` or ``"random"`` (drawn with ``rng``).
        open_low: Bottom of the common price range: the borrower's anchor.
        open_high: Top of the common price range: the lender's anchor; ``None`` means twice
            the larger reservation.
        rng: Generator for ``first_mover="random"``; ``None`` means
            ``np.random.default_rng(0)``.

    Returns:
        The :class:`NegotiationResult` with the full offer transcript.

    Raises:
        ValueError: For a bad profile type, units, first mover or price range.
    """
    for name, prof in (("lender", lender), ("borrower", borrower)):
        if not isinstance(prof, NegotiatorProfile):
            raise ValueError(f"{name} must be a NegotiatorProfile, got {prof!r}")
    _check_units(units)
    lender_first = bool(_first_movers(first_mover, 1, rng)[0])
    lender_res = np.array([lender.reservation])
    borrower_res = np.array([borrower.reservation])
    anchor_b, anchor_l = _anchors(lender_res, borrower_res, open_low, open_high)

    horizon = min(lender.t_max, borrower.t_max) + 2  # someone has walked away by then
    l_offers = _schedule(
        anchor_l, lender_res, *_params(lender.kappa, lender.beta, lender.t_max), horizon
    )[0]
    b_offers = _schedule(
        anchor_b, borrower_res, *_params(borrower.kappa, borrower.beta, borrower.t_max), horizon
    )[0]

    offers: list[tuple[int, Side, float]] = []
    for t in range(horizon + 1):
        lender_moves = (t % 2 == 0) == lender_first
        side: Side = "lender" if lender_moves else "borrower"
        own = lender if lender_moves else borrower
        if t > own.t_max:
            return NegotiationResult(False, None, 0.0, t, offers, f"{side}_deadline")
        mine = l_offers[t] if lender_moves else b_offers[t]
        if t > 0:
            standing = offers[-1][2]
            good_enough = standing >= mine if lender_moves else standing <= mine
            if good_enough:
                return NegotiationResult(
                    True, standing, float(units), t, offers, f"accepted_by_{side}"
                )
        offers.append((t, side, float(mine)))
    raise AssertionError("unreachable: a deadline always ends the negotiation")  # pragma: no cover


def _params(kappa: float, beta: float, t_max: int) -> tuple[NDArray[np.float64], ...]:
    """Scalar profile parameters as the 1-element arrays :func:`_schedule` takes."""
    return (np.array([kappa]), np.array([beta]), np.array([float(t_max)]))
