"""Offer schedules and argument checks shared by :func:`negotiate` and :func:`negotiate_batch`.

Offers depend only on the clock, so both paths build a side's whole offer schedule up front
with :func:`_schedule`, from anchors clipped by :func:`_anchors`; :func:`_first_movers` and
:func:`_check_units` validate the arguments both paths take.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from market.negotiation._common import FIRST_MOVERS
from market.negotiation.tactics import _alpha


def _anchors(
    lender_res: NDArray[np.float64],
    borrower_res: NDArray[np.float64],
    open_low: ArrayLike,
    open_high: ArrayLike | None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Borrower and lender anchors, each clipped onto the right side of its reservation."""
    low = np.asarray(open_low, dtype=np.float64)
    if open_high is None:
        high = 2.0 * np.maximum(lender_res, borrower_res)
    else:
        high = np.asarray(open_high, dtype=np.float64)
    if not (np.isfinite(low).all() and (low >= 0).all()):
        raise ValueError(f"open_low must be a finite non-negative price, got {open_low!r}")
    if not np.isfinite(high).all():
        raise ValueError(f"open_high must be a finite price, got {open_high!r}")
    return np.minimum(low, borrower_res), np.maximum(high, lender_res)


def _schedule(
    anchor: NDArray[np.float64],
    reservation: NDArray[np.float64],
    kappa: NDArray[np.float64],
    beta: NDArray[np.float64],
    t_max: NDArray[np.float64],
    horizon: int,
) -> NDArray[np.float64]:
    """Offers for rounds ``0..horizon-1`` (rows: negotiations), shape (n, horizon).

    Offers are clipped into ``[anchor, reservation]`` and equal the reservation exactly once
    α reaches 1, so rounding can never carry an offer past the reservation. Rounds past a
    side's deadline repeat its reservation; they are never used.
    """
    t = np.arange(horizon, dtype=np.float64)[None, :]
    alpha = _alpha(t, t_max[:, None], kappa[:, None], beta[:, None])
    anchor_c, res_c = anchor[:, None], reservation[:, None]
    offers = anchor_c + alpha * (res_c - anchor_c)
    offers = np.clip(offers, np.minimum(anchor_c, res_c), np.maximum(anchor_c, res_c))
    return np.where(alpha >= 1.0, res_c, offers)


def _first_movers(
    first_mover: str | ArrayLike, n: int, rng: np.random.Generator | None
) -> NDArray[np.bool_]:
    """Boolean mask: does the lender move first in each negotiation?"""
    if isinstance(first_mover, str):
        if first_mover not in FIRST_MOVERS:
            raise ValueError(
                f"first_mover must be one of {', '.join(FIRST_MOVERS)}, got {first_mover!r}"
            )
        if first_mover == "random":
            gen = np.random.default_rng(0) if rng is None else rng
            return gen.random(n) < 0.5
        return np.full(n, first_mover == "lender")
    movers = np.asarray(first_mover)
    if movers.shape != (n,) or not np.isin(movers, ("borrower", "lender")).all():
        raise ValueError(
            f"first_mover must be 'borrower', 'lender', 'random' or {n} of "
            f"'borrower'/'lender', got {first_mover!r}"
        )
    return movers == "lender"


def _check_units(units: ArrayLike) -> NDArray[np.float64]:
    """Return ``units`` as a float array after checking it is positive and finite."""
    arr = np.asarray(units, dtype=np.float64)
    if not (np.isfinite(arr).all() and (arr > 0).all()):
        raise ValueError(f"units must be positive and finite, got {units!r}")
    return arr
