"""Many independent negotiations at once, vectorised over an (n, T) offer matrix."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from market.negotiation.results import NegotiationBatch, NegotiationTranscripts
from market.negotiation.schedule import _anchors, _check_units, _first_movers, _schedule


def negotiate_batch_detailed(
    lender_res: ArrayLike,
    borrower_res: ArrayLike,
    units: ArrayLike,
    kappa_l: ArrayLike,
    beta_l: ArrayLike,
    tmax_l: ArrayLike,
    kappa_b: ArrayLike,
    beta_b: ArrayLike,
    tmax_b: ArrayLike,
    *,
    first_mover: str | ArrayLike = "borrower",
    open_low: ArrayLike = 0.0,
    open_high: ArrayLike | None = None,
    rng: np.random.Generator | None = None,
) -> NegotiationTranscripts:
    """Run many independent negotiations at once, with exactly :func:`negotiate`'s results.

    Every argument is a scalar (shared) or an array of shape (n,). Offers are functions of
    the clock alone, so the whole offer schedule of every negotiation is built as an (n, T)
    matrix and the first acceptance or walk-away is found by ``argmax``; no Python loop runs
    over negotiations.

    Args:
        lender_res: Lenders' reservation prices per unit, non-negative.
        borrower_res: Borrowers' reservation prices per unit, non-negative.
        units: Units per negotiation, positive (prices are per unit, so only validated).
        kappa_l: Lenders' initial concessions, in ``[0, 1]``.
        beta_l: Lenders' concession shapes, positive.
        tmax_l: Lenders' deadlines, integers >= 1.
        kappa_b: Borrowers' initial concessions, in ``[0, 1]``.
        beta_b: Borrowers' concession shapes, positive.
        tmax_b: Borrowers' deadlines, integers >= 1.
        first_mover: ``"borrower"``, ``"lender"``, ``"random"`` (one ``rng.random(n)``
            draw; lender first where it is < 0.5) or an (n,) array of ``"borrower"``/
            ``"lender"``.
        open_low: Borrowers' anchors (bottom of the price range).
        open_high: Lenders' anchors; ``None`` means twice the larger reservation per pair.
        rng: Generator for ``first_mover="random"``; ``None`` means
            ``np.random.default_rng(0)``.

    Returns:
        :class:`NegotiationTranscripts`: ``deal``, ``price``, ``rounds``, each side's
        opening offer and who walked away.

    Raises:
        ValueError: For out-of-range arguments or shapes that do not broadcast.
    """
    given = [
        np.asarray(a, dtype=np.float64)
        for a in (lender_res, borrower_res, units, kappa_l, beta_l, tmax_l, kappa_b, beta_b, tmax_b)
    ]
    shape = given[0].shape
    if len(shape) == 1 and all(a.shape == shape for a in given):
        arrays = given  # the common case: one array per argument, nothing to broadcast
    else:
        try:
            arrays = np.broadcast_arrays(*(np.atleast_1d(a) for a in given))
        except ValueError as err:
            raise ValueError(
                "negotiate_batch arguments must be scalars or arrays of one shape"
            ) from err
    if arrays[0].ndim != 1:
        raise ValueError(f"negotiate_batch arguments must be 1-D, got shape {arrays[0].shape}")
    r_l, r_b, n_units, k_l, b_l, tm_l, k_b, b_b, tm_b = (np.array(a) for a in arrays)
    n = r_l.size
    for name, res in (("lender_res", r_l), ("borrower_res", r_b)):
        if not (np.isfinite(res).all() and (res >= 0).all()):
            raise ValueError(f"{name} must be finite and non-negative")
    _check_units(n_units)
    for name, kap in (("kappa_l", k_l), ("kappa_b", k_b)):
        if not ((kap >= 0) & (kap <= 1)).all():
            raise ValueError(f"{name} must be in [0, 1]")
    for name, bet in (("beta_l", b_l), ("beta_b", b_b)):
        if not (np.isfinite(bet).all() and (bet > 0).all()):
            raise ValueError(f"{name} must be positive and finite")
    for name, tm in (("tmax_l", tm_l), ("tmax_b", tm_b)):
        if not (np.isfinite(tm).all() and (tm >= 1).all() and (tm == np.floor(tm)).all()):
            raise ValueError(f"{name} must hold integers >= 1")
    lender_first = _first_movers(first_mover, n, rng)
    low = np.asarray(open_low, dtype=np.float64)
    low = np.full(n, float(low)) if low.ndim == 0 else np.broadcast_to(low, n)
    anchor_b, anchor_l = _anchors(r_l, r_b, low, open_high)
    if anchor_l.shape != (n,):
        anchor_l = np.broadcast_to(anchor_l, n)
    if n == 0:
        none = np.zeros(0)
        return NegotiationTranscripts(
            np.zeros(0, bool), none, np.zeros(0, np.int64), none, none, np.zeros(0, bool)
        )

    horizon = int(np.minimum(tm_l, tm_b).max()) + 2
    l_offers = _schedule(anchor_l, r_l, k_l, b_l, tm_l, horizon)
    b_offers = _schedule(anchor_b, r_b, k_b, b_b, tm_b, horizon)

    t = np.arange(horizon + 1)[None, :]
    lender_moves = (t % 2 == 0) == lender_first[:, None]
    own_tmax = np.where(lender_moves, tm_l[:, None], tm_b[:, None])
    quits = t > own_tmax
    # The offer each side would make at t (columns past the schedule are never reached
    # before a quit, since horizon >= min deadline + 2).
    l_pad = np.concatenate([l_offers, l_offers[:, -1:]], axis=1)
    b_pad = np.concatenate([b_offers, b_offers[:, -1:]], axis=1)
    # Standing offer at t = the other side's offer at t - 1.
    l_prev = np.concatenate([np.full((n, 1), np.nan), l_pad[:, :-1]], axis=1)
    b_prev = np.concatenate([np.full((n, 1), np.nan), b_pad[:, :-1]], axis=1)
    accepts = np.where(lender_moves, b_prev >= l_pad, l_prev <= b_pad)
    accepts[:, 0] = False
    ends = quits | accepts
    end = np.argmax(ends, axis=1)
    rows = np.arange(n)
    deal = ~quits[rows, end] & accepts[rows, end]
    standing = np.where(lender_moves[rows, end], b_prev[rows, end], l_prev[rows, end])
    price = np.where(deal, standing, np.nan)
    # Openings: the first mover's offer at t = 0; the other's at t = 1 unless it accepted.
    second_offered = end > 1
    lender_opening = np.where(
        lender_first, l_offers[:, 0], np.where(second_offered, l_offers[:, 1], np.nan)
    )
    borrower_opening = np.where(
        lender_first, np.where(second_offered, b_offers[:, 1], np.nan), b_offers[:, 0]
    )
    lender_walked = ~deal & lender_moves[rows, end]
    return NegotiationTranscripts(
        deal, price, end.astype(np.int64), lender_opening, borrower_opening, lender_walked
    )


def negotiate_batch(
    lender_res: ArrayLike,
    borrower_res: ArrayLike,
    units: ArrayLike,
    kappa_l: ArrayLike,
    beta_l: ArrayLike,
    tmax_l: ArrayLike,
    kappa_b: ArrayLike,
    beta_b: ArrayLike,
    tmax_b: ArrayLike,
    *,
    first_mover: str | ArrayLike = "borrower",
    open_low: ArrayLike = 0.0,
    open_high: ArrayLike | None = None,
    rng: np.random.Generator | None = None,
) -> NegotiationBatch:
    """Run many independent negotiations at once, with exactly :func:`negotiate`'s results.

    The same as :func:`negotiate_batch_detailed` (same arguments), keeping only ``(deal,
    price, rounds)``.

    Returns:
        :class:`NegotiationBatch` ``(deal, price, rounds)``.

    Raises:
        ValueError: For out-of-range arguments or shapes that do not broadcast.
    """
    full = negotiate_batch_detailed(
        lender_res,
        borrower_res,
        units,
        kappa_l,
        beta_l,
        tmax_l,
        kappa_b,
        beta_b,
        tmax_b,
        first_mover=first_mover,
        open_low=open_low,
        open_high=open_high,
        rng=rng,
    )
    return NegotiationBatch(full.deal, full.price, full.rounds)
