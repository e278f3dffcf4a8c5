"""Bargaining theory closed forms: the Rubinstein (1982) share and the Nash bargaining price."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray


def rubinstein_share(delta1: float, delta2: float) -> float:
    """First proposer's share ``(1 − δ2) / (1 − δ1·δ2)`` in Rubinstein (1982) bargaining.

    Args:
        delta1: The first proposer's discount factor, in ``[0, 1]``.
        delta2: The responder's discount factor, in ``[0, 1]``.

    Returns:
        The share of the surplus the first proposer gets, in ``[0, 1]``.

    Raises:
        ValueError: For factors outside ``[0, 1]`` or both equal to 1 (no equilibrium split).
    """
    for name, value in (("delta1", delta1), ("delta2", delta2)):
        if not 0 <= value <= 1:
            raise ValueError(f"{name} must be in [0, 1], got {value!r}")
    if delta1 * delta2 == 1:
        raise ValueError("delta1 and delta2 must not both be 1 (the split is indeterminate)")
    return (1 - delta2) / (1 - delta1 * delta2)


def nash_bargaining_price(
    lender_res: float, borrower_res: float, theta: float = 0.5
) -> float | None:
    """Per-unit price of the Nash bargaining solution for a loan or trade.

    Maximises ``(p − r_L)^θ · (r_B − p)^(1−θ)``, giving ``p = r_L + θ·(r_B − r_L)``: the
    lender gets the share θ of the surplus.

    Args:
        lender_res: Lender's reservation (minimum) price per unit.
        borrower_res: Borrower's reservation (maximum) price per unit.
        theta: Lender's bargaining power, in ``[0, 1]``.

    Returns:
        The price, or ``None`` when there is no zone of agreement (``borrower_res <
        lender_res``): the loan should not happen.

    Raises:
        ValueError: For non-finite reservations or θ outside ``[0, 1]``.
    """
    price = float(nash_bargaining_prices(lender_res, borrower_res, theta))
    return None if math.isnan(price) else price


def nash_bargaining_prices(
    lender_res: ArrayLike, borrower_res: ArrayLike, theta: float = 0.5
) -> NDArray[np.float64]:
    """:func:`nash_bargaining_price` over arrays: NaN where there is no zone of agreement.

    With the default ``θ = 1/2`` (quasi-linear utilities, equal power) the price is the
    midpoint ``(r_L + r_B) / 2`` of the zone.

    Args:
        lender_res: Lenders' reservation prices per unit.
        borrower_res: Borrowers' reservation prices per unit (same shape).
        theta: Lenders' bargaining power, in ``[0, 1]``.

    Returns:
        The prices, NaN where ``borrower_res < lender_res``.

    Raises:
        ValueError: For non-finite reservations or θ outside ``[0, 1]``.
    """
    r_l = np.asarray(lender_res, dtype=np.float64)
    r_b = np.asarray(borrower_res, dtype=np.float64)
    if not (np.isfinite(r_l).all() and np.isfinite(r_b).all()):
        raise ValueError(
            f"reservations must be finite, got lender_res={lender_res!r:.80}, "
            f"borrower_res={borrower_res!r:.80}"
        )
    if not 0 <= theta <= 1:
        raise ValueError(f"theta must be in [0, 1], got {theta!r}")
    return np.where(r_b >= r_l, r_l + theta * (r_b - r_l), np.nan)
