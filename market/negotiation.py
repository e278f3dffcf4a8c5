"""Bilateral negotiation over GPU loans and trades: alternating offers with concession tactics.

A *lender* (a team with surplus GPUs) and a *borrower* (a team short of them) haggle over
the price per unit of a fixed number of units. Each side has a private reservation price —
the lender's opportunity cost (its minimum) and the borrower's marginal value (its
maximum) — and concedes over time along a Faratin, Sierra & Jennings (1998) curve
(MODEL-REFERENCE §5)::

    α(t) = κ + (1 − κ)·(t / t_max)^(1/β)
    offer(t) = anchor + α(t)·(reservation − anchor)

Anchors (the price each side would ideally get) come from a price range ``[open_low,
open_high]`` both sides know, like the issue domain in Faratin et al.: the borrower's anchor
is ``open_low`` (default 0: "lend them to me for free") and the lender's is ``open_high``
(default twice the larger reservation, so neither opening offer is acceptable by
construction). An anchor on the wrong side of its owner's reservation is moved onto it.

Protocol (rounds ``t = 0, 1, 2, ...`` on a shared clock; the first mover moves at even
rounds). On its turn at round ``t`` a side

1. walks away if ``t > t_max`` (its deadline has passed);
2. otherwise accepts the standing offer (made by the other side at ``t − 1``) if it is at
   least as good as the offer it would make now; the deal is struck at the standing price;
3. otherwise makes its own offer ``offer(t)``.

At ``t = t_max`` a side's own offer is its reservation, so a side accepts anything within
its reservation on its last turn. Every deal price lies in ``[lender reservation, borrower
reservation]``, so there is never a deal without a zone of agreement. Offers depend only on
the clock, so :func:`negotiate_batch` evaluates thousands of negotiations at once with
exactly the results of :func:`negotiate`.

Also here: the Rubinstein (1982) first-proposer share and the Nash bargaining price.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Literal, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "FIRST_MOVERS",
    "NegotiationBatch",
    "NegotiationResult",
    "NegotiatorProfile",
    "concession",
    "nash_bargaining_price",
    "negotiate",
    "negotiate_batch",
    "rubinstein_share",
    "stressed",
]

FIRST_MOVERS = ("borrower", "lender", "random")
"""Valid values of ``first_mover``; ``"random"`` draws it with the ``rng``."""

Side = Literal["lender", "borrower"]


# --------------------------------------------------------------------------- concession


def _alpha(
    t: NDArray[np.float64],
    t_max: NDArray[np.float64],
    kappa: NDArray[np.float64],
    beta: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Unchecked α(t) on float arrays; the single formula both negotiation paths use."""
    ratio = np.ascontiguousarray(np.minimum(t / t_max, 1.0))
    return kappa + (1.0 - kappa) * np.power(ratio, 1.0 / beta)


def concession(
    t: ArrayLike, t_max: ArrayLike, kappa: ArrayLike, beta: ArrayLike
) -> float | NDArray[np.float64]:
    """Faratin et al. concession fraction ``α(t) = κ + (1 − κ)·(t/t_max)^(1/β)``.

    ``α(0) = κ`` (the initial concession) and ``α(t_max) = 1`` (reservation reached).
    ``β < 1`` is Boulware (holds firm until near the deadline), ``β > 1`` Conceder (gives
    ground early), ``β = 1`` linear. Arguments broadcast.

    Args:
        t: Time (round), ``0 <= t <= t_max``.
        t_max: Deadline, positive.
        kappa: Initial concession, in ``[0, 1]``.
        beta: Concession shape, positive.

    Returns:
        α in ``[κ, 1]``: a float for scalar arguments, else an array.

    Raises:
        ValueError: For arguments outside those ranges.
    """
    t_a, tm_a, k_a, b_a = (np.asarray(a, dtype=np.float64) for a in (t, t_max, kappa, beta))
    if not np.all(np.isfinite(tm_a) & (tm_a > 0)):
        raise ValueError(f"t_max must be positive and finite, got {t_max!r}")
    if not np.all((k_a >= 0) & (k_a <= 1)):
        raise ValueError(f"kappa must be in [0, 1], got {kappa!r}")
    if not np.all(np.isfinite(b_a) & (b_a > 0)):
        raise ValueError(f"beta must be positive and finite, got {beta!r}")
    if not np.all((t_a >= 0) & (t_a <= tm_a)):
        raise ValueError(f"t must be in [0, t_max], got t={t!r}, t_max={t_max!r}")
    out = _alpha(*np.broadcast_arrays(t_a, tm_a, k_a, b_a))
    return float(out) if out.ndim == 0 else out


# --------------------------------------------------------------------------- profiles


@dataclass(frozen=True, slots=True)
class NegotiatorProfile:
    """One side's private negotiation parameters.

    Attributes:
        reservation: Per-unit price limit: the lender's minimum acceptable price (its
            opportunity cost) or the borrower's maximum (its marginal value). Non-negative.
        kappa: Initial concession α(0), in ``[0, 1]`` (0: open at the anchor).
        beta: Concession shape, positive (< 1 Boulware, > 1 Conceder).
        t_max: Deadline in rounds, an integer >= 1; the side walks away after it.
    """

    reservation: float
    kappa: float = 0.0
    beta: float = 1.0
    t_max: int = 10

    def __post_init__(self) -> None:
        """Validate every field."""
        if not (math.isfinite(self.reservation) and self.reservation >= 0):
            raise ValueError(
                f"reservation must be a finite non-negative price, got {self.reservation!r}"
            )
        if not 0 <= self.kappa <= 1:
            raise ValueError(f"kappa must be in [0, 1], got {self.kappa!r}")
        if not (math.isfinite(self.beta) and self.beta > 0):
            raise ValueError(f"beta must be positive and finite, got {self.beta!r}")
        if isinstance(self.t_max, bool) or int(self.t_max) != self.t_max or self.t_max < 1:
            raise ValueError(f"t_max must be an integer >= 1 (rounds), got {self.t_max!r}")
        object.__setattr__(self, "reservation", float(self.reservation))
        object.__setattr__(self, "kappa", float(self.kappa))
        object.__setattr__(self, "beta", float(self.beta))
        object.__setattr__(self, "t_max", int(self.t_max))


def stressed(
    profile: NegotiatorProfile,
    stress: float,
    *,
    max_shortening: float = 0.5,
    max_beta_factor: float = 3.0,
) -> NegotiatorProfile:
    """The profile of a negotiator under stress: a shorter deadline and a larger β.

    "Stress shortens t_max and raises β" (MODEL-REFERENCE §5): a stressed team has less
    patience and concedes faster. With stress ``s``::

        t_max' = max(1, ceil(t_max · (1 − max_shortening · s)))
        β'     = β · (1 + (max_beta_factor − 1) · s)

    Both are monotone in ``s``; ``s = 0`` returns an equal profile.

    Args:
        profile: The calm profile.
        stress: Stress level in ``[0, 1]``.
        max_shortening: Share of the deadline lost at full stress, in ``[0, 1]``.
        max_beta_factor: Multiplier on β at full stress, ``>= 1``.

    Returns:
        A new profile (reservation and κ unchanged).

    Raises:
        ValueError: For arguments outside those ranges.
    """
    if not 0 <= stress <= 1:
        raise ValueError(f"stress must be in [0, 1], got {stress!r}")
    if not 0 <= max_shortening <= 1:
        raise ValueError(f"max_shortening must be in [0, 1], got {max_shortening!r}")
    if not (math.isfinite(max_beta_factor) and max_beta_factor >= 1):
        raise ValueError(f"max_beta_factor must be >= 1, got {max_beta_factor!r}")
    # Round before ceil so that e.g. 10 * (1 - 0.3) = 7.000000000000001 gives 7, not 8.
    t_max = max(1, math.ceil(round(profile.t_max * (1 - max_shortening * stress), 9)))
    beta = profile.beta * (1 + (max_beta_factor - 1) * stress)
    return replace(profile, t_max=t_max, beta=beta)


# --------------------------------------------------------------------------- bargaining theory


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
    if not (math.isfinite(lender_res) and math.isfinite(borrower_res)):
        raise ValueError(
            f"reservations must be finite, got lender_res={lender_res!r}, "
            f"borrower_res={borrower_res!r}"
        )
    if not 0 <= theta <= 1:
        raise ValueError(f"theta must be in [0, 1], got {theta!r}")
    if borrower_res < lender_res:
        return None
    return lender_res + theta * (borrower_res - lender_res)


# --------------------------------------------------------------------------- negotiation


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
    if not (np.all(np.isfinite(low)) and np.all(low >= 0)):
        raise ValueError(f"open_low must be a finite non-negative price, got {open_low!r}")
    if not np.all(np.isfinite(high)):
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
    if movers.shape != (n,) or not np.all(np.isin(movers, ("borrower", "lender"))):
        raise ValueError(
            f"first_mover must be 'borrower', 'lender', 'random' or {n} of "
            f"'borrower'/'lender', got {first_mover!r}"
        )
    return movers == "lender"


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

    See the module docstring for anchors and the protocol.

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


def _check_units(units: ArrayLike) -> NDArray[np.float64]:
    arr = np.asarray(units, dtype=np.float64)
    if not (np.all(np.isfinite(arr)) and np.all(arr > 0)):
        raise ValueError(f"units must be positive and finite, got {units!r}")
    return arr


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
        :class:`NegotiationBatch` ``(deal, price, rounds)``.

    Raises:
        ValueError: For out-of-range arguments or shapes that do not broadcast.
    """
    try:
        arrays = np.broadcast_arrays(
            *(
                np.atleast_1d(np.asarray(a, dtype=np.float64))
                for a in (
                    lender_res,
                    borrower_res,
                    units,
                    kappa_l,
                    beta_l,
                    tmax_l,
                    kappa_b,
                    beta_b,
                    tmax_b,
                )
            )
        )
    except ValueError as err:
        raise ValueError(
            "negotiate_batch arguments must be scalars or arrays of one shape"
        ) from err
    if arrays[0].ndim != 1:
        raise ValueError(f"negotiate_batch arguments must be 1-D, got shape {arrays[0].shape}")
    r_l, r_b, n_units, k_l, b_l, tm_l, k_b, b_b, tm_b = (np.array(a) for a in arrays)
    n = r_l.size
    for name, res in (("lender_res", r_l), ("borrower_res", r_b)):
        if not (np.all(np.isfinite(res)) and np.all(res >= 0)):
            raise ValueError(f"{name} must be finite and non-negative")
    _check_units(n_units)
    for name, kap in (("kappa_l", k_l), ("kappa_b", k_b)):
        if not np.all((kap >= 0) & (kap <= 1)):
            raise ValueError(f"{name} must be in [0, 1]")
    for name, bet in (("beta_l", b_l), ("beta_b", b_b)):
        if not (np.all(np.isfinite(bet)) and np.all(bet > 0)):
            raise ValueError(f"{name} must be positive and finite")
    for name, tm in (("tmax_l", tm_l), ("tmax_b", tm_b)):
        if not (np.all(np.isfinite(tm)) and np.all(tm >= 1) and np.all(tm == np.floor(tm))):
            raise ValueError(f"{name} must hold integers >= 1")
    lender_first = _first_movers(first_mover, n, rng)
    anchor_b, anchor_l = _anchors(r_l, r_b, np.broadcast_to(open_low, n), open_high)
    anchor_l = np.broadcast_to(anchor_l, n)
    if n == 0:
        return NegotiationBatch(np.zeros(0, bool), np.zeros(0), np.zeros(0, np.int64))

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
    return NegotiationBatch(deal, price, end.astype(np.int64))
