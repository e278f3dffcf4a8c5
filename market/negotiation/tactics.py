"""Concession tactics: the Faratin, Sierra & Jennings (1998) concession curve α(t).

``α(t) = κ + (1 − κ)·(t / t_max)^(1/β)`` is the share of the way from a side's anchor to its
reservation that it has conceded by round ``t``. :func:`_alpha` is the unchecked formula
that both the single and the batch negotiation use; :func:`concession` is its validated,
public form.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


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
    if not (np.isfinite(tm_a) & (tm_a > 0)).all():
        raise ValueError(f"t_max must be positive and finite, got {t_max!r}")
    if not ((k_a >= 0) & (k_a <= 1)).all():
        raise ValueError(f"kappa must be in [0, 1], got {kappa!r}")
    if not (np.isfinite(b_a) & (b_a > 0)).all():
        raise ValueError(f"beta must be positive and finite, got {beta!r}")
    if not ((t_a >= 0) & (t_a <= tm_a)).all():
        raise ValueError(f"t must be in [0, t_max], got t={t!r}, t_max={t_max!r}")
    out = _alpha(*np.broadcast_arrays(t_a, tm_a, k_a, b_a))
    return float(out) if out.ndim == 0 else out
