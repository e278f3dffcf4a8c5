"""Themis finish-time fairness: time to finish when sharing versus on a private 1/N share."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def finish_time_fairness(
    work_remaining: ArrayLike, rate_shared: ArrayLike, rate_alone: ArrayLike
) -> NDArray[np.float64]:
    """Themis finish-time fairness ``ρ = T_shared / T_alone`` with ``T = work / rate``.

    ``T_alone`` is the time to finish on a private ``1/N`` share of the cluster. For work
    left, ``ρ = rate_alone / rate_shared`` (computed in that exact form); ``ρ = inf`` when
    the shared rate is 0; and ``ρ = 1.0`` for parties with no work left (they are neither
    helped nor harmed). ``ρ > 1`` means the shared allocation is worse than a fair private
    share. Arguments broadcast against each other.

    Args:
        work_remaining: Work left per party (e.g. GPU-weeks), non-negative.
        rate_shared: Work rate under the actual allocation, non-negative.
        rate_alone: Work rate on the private ``1/N`` share, positive where work is left.

    Returns:
        ``ρ`` per party, a float array of the broadcast shape.

    Raises:
        ValueError: On negative or non-finite inputs, shapes that do not broadcast, or a
            zero ``rate_alone`` for a party with work left.
    """
    try:
        work, shared, alone = np.broadcast_arrays(
            np.atleast_1d(np.asarray(work_remaining, dtype=np.float64)),
            np.atleast_1d(np.asarray(rate_shared, dtype=np.float64)),
            np.atleast_1d(np.asarray(rate_alone, dtype=np.float64)),
        )
    except ValueError as err:
        raise ValueError(
            "work_remaining, rate_shared and rate_alone must have broadcastable shapes"
        ) from err
    for name, arr in (
        ("work_remaining", work),
        ("rate_shared", shared),
        ("rate_alone", alone),
    ):
        if not np.isfinite(arr).all() or (arr < 0).any():
            raise ValueError(f"{name} must be finite and non-negative, got {arr.tolist()!r}")
    pending = work > 0
    if (pending & (alone == 0)).any():
        raise ValueError("rate_alone must be positive for every party with work remaining")
    rho = np.ones(work.shape, dtype=np.float64)
    stalled = pending & (shared == 0)
    rho[stalled] = np.inf
    running = pending & ~stalled
    rho[running] = alone[running] / shared[running]
    return rho


def finish_time_summary(rho: ArrayLike) -> dict[str, float]:
    """Summarise finish-time fairness values.

    Args:
        rho: ``ρ`` per party (may contain ``inf``), non-empty.

    Returns:
        ``{"max": ..., "median": ..., "share_above_1": ...}``; ``share_above_1`` counts
        ``ρ > 1 + 1e-9`` so rounding noise on an exactly fair share does not count.

    Raises:
        ValueError: If ``rho`` is empty, NaN or negative.
    """
    arr = np.atleast_1d(np.asarray(rho, dtype=np.float64)).ravel()
    if arr.size == 0:
        raise ValueError("rho must hold at least one value, got an empty array")
    if np.isnan(arr).any() or (arr < 0).any():
        raise ValueError("rho must be non-negative and not NaN")
    return {
        "max": float(arr.max()),
        "median": float(np.median(arr)),
        "share_above_1": float(np.mean(arr > 1 + 1e-9)),
    }
