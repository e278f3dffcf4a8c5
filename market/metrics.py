"""Allocation metrics: fairness, inequality, welfare, efficiency, envy and finish-time fairness.

Every function is pure and vectorised with numpy; none loops over bidders in Python.

Value curves follow the bid-book convention of the market library: ``values[i, j]`` is
bidder i's *true* marginal value of its (j+1)-th unit, non-negative and non-increasing along
``j`` (concave total value). A 1-D ``values`` array means one unit per bidder. The value of
receiving ``a`` units (``a`` may be fractional) is::

    v_i(a) = sum(values[i, :floor(a)]) + (a - floor(a)) * values[i, floor(a)]

with units beyond the row's length worth nothing. This is the piecewise-linear concave
interpolation of the step marginal-value curve, so the divisible welfare optimum is the greedy
optimum with a fractional last unit.

Formulas and test vectors: MODEL-REFERENCE.md §4.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "ENVY_TOLERANCE",
    "EnvyStats",
    "allocative_efficiency",
    "envy",
    "finish_time_fairness",
    "finish_time_summary",
    "gini",
    "jain",
    "nash_social_welfare",
    "realised_welfare",
    "relative_deprivation",
    "utilisation",
    "welfare_optimum",
]

ENVY_TOLERANCE = 1e-12
"""A pair (i, j) counts as envious when ``env_ij`` exceeds this (absorbs rounding noise)."""

_FEASIBILITY_RTOL = 1e-9
"""Relative slack when checking that an allocation fits within the supply."""


# --------------------------------------------------------------------------- validation


def _vector(x: ArrayLike, name: str, *, nonnegative: bool = True) -> NDArray[np.float64]:
    """Return ``x`` as a finite, non-empty 1-D float array, or raise ``ValueError``."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must hold at least one value, got an empty array")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {float(arr[~np.isfinite(arr)][0])!r}")
    if nonnegative and np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative, got {float(arr[arr < 0][0])!r}")
    return arr


def _values_matrix(values: ArrayLike) -> NDArray[np.float64]:
    """Return ``values`` as a validated (n, k) matrix of concave marginal values."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise ValueError(f"values must be a 1-D or 2-D array, got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError("values must hold at least one bidder, got 0 rows")
    if arr.shape[1] == 0:
        arr = np.zeros((arr.shape[0], 1))  # no units demanded: every unit is worth 0
    if not np.all(np.isfinite(arr)):
        raise ValueError("values must be finite, got a NaN or infinite entry")
    if np.any(arr < 0):
        raise ValueError(f"values must be non-negative, got {float(arr[arr < 0][0])!r}")
    if arr.shape[1] > 1:
        rising = np.diff(arr, axis=1) > 0
        if np.any(rising):
            row = int(np.flatnonzero(rising.any(axis=1))[0])
            raise ValueError(
                f"values[{row}] must be non-increasing (concave values), got {arr[row].tolist()}"
            )
    return arr


def _supply(supply: float) -> float:
    """Return ``supply`` as a float after checking it is finite and non-negative."""
    try:
        value = float(supply)
    except (TypeError, ValueError):
        raise ValueError(f"supply must be a finite non-negative number, got {supply!r}") from None
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"supply must be a finite non-negative number, got {value!r}")
    return value


def _allocation(allocation: ArrayLike, n: int) -> NDArray[np.float64]:
    """Return ``allocation`` as a validated (n,) non-negative float array."""
    arr = _vector(allocation, "allocation")
    if arr.shape[0] != n:
        raise ValueError(f"allocation must have one entry per bidder ({n}), got {arr.shape[0]}")
    return arr


# --------------------------------------------------------------------------- fairness


def jain(x: ArrayLike) -> float:
    """Jain's fairness index ``(Σx)² / (n·Σx²)``.

    Args:
        x: Non-negative amounts (e.g. GPUs per team), shape (n,).

    Returns:
        The index in ``[1/n, 1]``: 1 when everyone gets the same, ``1/n`` when one party
        gets everything. By convention an all-zero vector scores 1.0 (nobody has more
        than anybody else).

    Raises:
        ValueError: If ``x`` is empty, not 1-D, non-finite or has a negative entry.
    """
    arr = _vector(x, "x")
    # Scale by the maximum first so the squares cannot overflow.
    top = arr.max()
    if top == 0:
        return 1.0
    scaled = arr / top
    return float(min(1.0, scaled.sum() ** 2 / (arr.size * np.dot(scaled, scaled))))


def gini(x: ArrayLike) -> float:
    """Gini coefficient ``ΣΣ|x_i − x_j| / (2n²μ)``, computed in O(n log n) by sorting.

    Uses the sorted form ``G = Σ_i (2i − n − 1)·x_(i) / (n·Σx)`` with ``x_(i)`` ascending
    and ``i`` counted from 1.

    Args:
        x: Non-negative amounts, shape (n,).

    Returns:
        The coefficient in ``[0, (n−1)/n]`` ⊂ ``[0, 1)``; 0.0 for an all-zero vector.

    Raises:
        ValueError: If ``x`` is empty, not 1-D, non-finite or has a negative entry.
    """
    arr = _vector(x, "x")
    total = arr.sum()
    if total == 0:
        return 0.0
    n = arr.size
    ranks = np.arange(1 - n, n, 2, dtype=np.float64)  # 2i - n - 1 for i = 1..n
    value = np.dot(ranks, np.sort(arr)) / (n * total)
    return float(min(max(value, 0.0), (n - 1) / n))


def relative_deprivation(x: ArrayLike) -> NDArray[np.float64]:
    """Yitzhaki relative deprivation ``RD_i = (1/n)·Σ_j max(0, x_j − x_i)``, O(n log n).

    ``mean(RD) == gini(x) · mean(x)`` (MODEL-REFERENCE §1), which the tests check.

    Args:
        x: Amounts per party (e.g. compute per head), shape (n,). Negative values are
            allowed here; the Gini identity only applies to non-negative ``x``.

    Returns:
        ``RD``, shape (n,), non-negative; 0 for the best-off party.

    Raises:
        ValueError: If ``x`` is empty, not 1-D or non-finite.
    """
    arr = _vector(x, "x", nonnegative=False)
    n = arr.size
    ordered = np.sort(arr)
    # suffix[p] = sum of ordered[p:], with suffix[n] = 0.
    suffix = np.concatenate([np.cumsum(ordered[::-1])[::-1], [0.0]])
    above = np.searchsorted(ordered, arr, side="right")
    deprivation = (suffix[above] - (n - above) * arr) / n
    return np.maximum(deprivation, 0.0)


def nash_social_welfare(utilities: ArrayLike) -> float:
    """Nash social welfare, the geometric mean ``(Π u_i)^{1/n}``, computed through logs.

    Args:
        utilities: Non-negative utilities, shape (n,).

    Returns:
        The geometric mean; 0.0 if any utility is 0.

    Raises:
        ValueError: If ``utilities`` is empty, not 1-D, non-finite or has a negative entry.
    """
    arr = _vector(utilities, "utilities")
    if np.any(arr == 0):
        return 0.0
    return float(np.exp(np.mean(np.log(arr))))


def utilisation(allocated: ArrayLike, supply: float) -> float:
    """Share of the supply that is allocated (1 − the idle share).

    Args:
        allocated: Units allocated, a number or an array of per-party units (summed).
        supply: Units available, non-negative.

    Returns:
        ``Σallocated / supply`` in ``[0, 1]``; 1.0 when the supply is 0 (nothing idles).

    Raises:
        ValueError: If ``allocated`` is negative or non-finite, or exceeds the supply.
    """
    total = float(_vector(allocated, "allocated").sum())
    cap = _supply(supply)
    if total > cap * (1 + _FEASIBILITY_RTOL) + _FEASIBILITY_RTOL:
        raise ValueError(f"allocated must not exceed supply {cap!r}, got a total of {total!r}")
    if cap == 0:
        return 1.0
    return min(total / cap, 1.0)


# --------------------------------------------------------------------------- welfare


def _cumulative(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return ``C`` with ``C[i, m]`` = value of bidder i's first ``m`` units, shape (n, k+1).

    ``np.cumsum`` accumulates sequentially, so ``C[i, m+1] == C[i, m] + values[i, m]`` in
    floating point; together with :func:`_value_at` this makes computed values exactly
    monotone in the number of units, which :func:`envy` relies on.
    """
    n = values.shape[0]
    return np.concatenate([np.zeros((n, 1)), np.cumsum(values, axis=1)], axis=1)


def _value_at(
    values: NDArray[np.float64],
    cumulative: NDArray[np.float64],
    rows: NDArray[np.intp],
    units: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Value ``v_rows(units)`` elementwise (``rows`` and ``units`` broadcast together)."""
    k = values.shape[1]
    whole = np.floor(units)
    full = np.minimum(whole, k).astype(np.intp)
    frac = np.where(whole < k, units - whole, 0.0)
    nxt = values[rows, np.minimum(full, k - 1)]
    return cumulative[rows, full] + frac * nxt


def realised_welfare(values: ArrayLike, allocation: ArrayLike) -> float:
    """Total true value of an allocation: ``Σ_i v_i(allocation_i)``.

    Each bidder enjoys its top ``floor(a_i)`` marginal values plus the fractional part of
    ``a_i`` times its next marginal value; units beyond its curve are worth nothing.

    Args:
        values: True marginal values, shape (n, k) (or (n,) for one unit each).
        allocation: Units per bidder, shape (n,), non-negative, possibly fractional.

    Returns:
        The realised welfare.

    Raises:
        ValueError: On malformed values (not concave, negative, non-finite) or allocation.
    """
    vals = _values_matrix(values)
    alloc = _allocation(allocation, vals.shape[0])
    rows = np.arange(vals.shape[0])
    return float(_value_at(vals, _cumulative(vals), rows, alloc).sum())


def welfare_optimum(
    values: ArrayLike, supply: float, *, divisible: bool = False
) -> tuple[NDArray[np.float64], float]:
    """Welfare-maximising allocation for concave values: greedy on marginal values.

    Indivisible (default): the ``floor(supply)`` highest positive marginal values win (with
    concave rows this is optimal and each winner's units are a prefix of its row).
    Divisible: additionally the fractional remainder of the supply goes to the bidder with
    the highest next marginal value (water-filling over the step marginal curve). Units with
    zero marginal value are never allocated, so the allocation may leave supply idle.

    Args:
        values: True marginal values, shape (n, k) (or (n,) for one unit each).
        supply: Units available, non-negative.
        divisible: Whether the last unit may be split.

    Returns:
        ``(allocation, welfare)``: units per bidder (float, shape (n,)) and the optimum.

    Raises:
        ValueError: On malformed values or a negative / non-finite supply.
    """
    vals = _values_matrix(values)
    counts, welfare, _ = _optimum(vals, _supply(supply), divisible)
    return counts, welfare


def _optimum(
    vals: NDArray[np.float64], cap: float, divisible: bool
) -> tuple[NDArray[np.float64], float, NDArray[np.float64]]:
    """Greedy optimum on validated values; also returns the cumulative value table."""
    n, k = vals.shape
    flat = vals.ravel()
    whole = int(min(np.floor(cap), np.count_nonzero(flat)))
    counts = np.zeros(n, dtype=np.float64)
    if whole > 0:
        top = np.argpartition(flat, flat.size - whole)[flat.size - whole :]
        counts = np.bincount(top // k, minlength=n).astype(np.float64)
    if divisible:
        remainder = cap - np.floor(cap)
        if remainder > 0:
            taken = counts.astype(np.intp)
            nxt = np.where(taken < k, vals[np.arange(n), np.minimum(taken, k - 1)], 0.0)
            best = int(np.argmax(nxt))
            if nxt[best] > 0:
                counts[best] += remainder
    cumulative = _cumulative(vals)
    welfare = float(_value_at(vals, cumulative, np.arange(n), counts).sum())
    return counts, welfare, cumulative


def allocative_efficiency(
    values: ArrayLike,
    allocation: ArrayLike,
    supply: float,
    *,
    divisible: bool | None = None,
) -> float:
    """Realised welfare over optimal welfare, using true values (not bids).

    Args:
        values: True marginal values, shape (n, k) (or (n,) for one unit each).
        allocation: Units per bidder, shape (n,); its total must not exceed ``supply``.
        supply: Units available.
        divisible: Compare against the divisible optimum. ``None`` (default) infers it:
            divisible if any allocation entry is fractional.

    Returns:
        Efficiency in ``[0, 1]``; 1.0 when the optimum is 0 (nothing of value to allocate).

    Raises:
        ValueError: On malformed input or an allocation larger than the supply.
    """
    vals = _values_matrix(values)
    alloc = _allocation(allocation, vals.shape[0])
    cap = _supply(supply)
    if alloc.sum() > cap * (1 + _FEASIBILITY_RTOL) + _FEASIBILITY_RTOL:
        raise ValueError(
            f"allocation must not exceed supply {cap!r}, got a total of {float(alloc.sum())!r}"
        )
    if divisible is None:
        divisible = bool(np.any(alloc != np.floor(alloc)))
    _, optimum, cumulative = _optimum(vals, cap, divisible)
    if optimum == 0:
        return 1.0
    realised = float(_value_at(vals, cumulative, np.arange(vals.shape[0]), alloc).sum())
    return min(realised / optimum, 1.0)


# --------------------------------------------------------------------------- envy


@dataclass(frozen=True, slots=True)
class EnvyStats:
    """Summary of pairwise envy ``env_ij = v_i(A_j) − v_i(A_i)``.

    Attributes:
        max_envy: Largest ``env_ij`` over ordered pairs ``i ≠ j``, floored at 0
            (0.0 means envy-free).
        envious_share: Share of the ``n(n−1)`` ordered pairs with
            ``env_ij > ENVY_TOLERANCE``.
    """

    max_envy: float
    envious_share: float


def envy(values: ArrayLike, allocation: ArrayLike) -> EnvyStats:
    """Pairwise envy of an allocation of identical units, in O(n·k + n log n).

    Bidder i envies j when it would value j's bundle (``A_j`` units, under i's own curve)
    more than its own. Because every value curve is non-decreasing in the number of units
    (and the floating-point evaluation is exactly monotone as well), the largest envy of i
    is against the largest rival bundle, and the envied rivals of i are a suffix of the
    bundles sorted by size, found by a binary search run for all bidders at once. No n × n
    matrix is built, so this scales to any number of bidders; the result equals the
    brute-force n × n computation exactly.

    Args:
        values: True marginal values, shape (n, k) (or (n,) for one unit each).
        allocation: Units per bidder, shape (n,).

    Returns:
        :class:`EnvyStats`; with fewer than two bidders both fields are 0.0.

    Raises:
        ValueError: On malformed values or allocation.
    """
    vals = _values_matrix(values)
    n = vals.shape[0]
    alloc = _allocation(allocation, n)
    if n < 2:
        return EnvyStats(0.0, 0.0)
    cumulative = _cumulative(vals)
    rows = np.arange(n)
    own = _value_at(vals, cumulative, rows, alloc)

    # Largest rival bundle for each i: the overall maximum, or the runner-up for its owner.
    order = np.argsort(alloc)
    ordered = alloc[order]
    largest_rival = np.full(n, ordered[-1])
    largest_rival[order[-1]] = ordered[-2]
    max_envy = float(max(0.0, np.max(_value_at(vals, cumulative, rows, largest_rival) - own)))

    # First position p_i in the sorted bundles where i's envy exceeds the tolerance; the
    # predicate is monotone in the position, so a vectorised bisection finds it.
    lo = np.zeros(n, dtype=np.intp)
    hi = np.full(n, n, dtype=np.intp)
    while True:
        open_ = lo < hi
        if not open_.any():
            break
        mid = (lo + hi) // 2
        probe = ordered[np.minimum(mid, n - 1)]
        envious = _value_at(vals, cumulative, rows, probe) - own > ENVY_TOLERANCE
        hi = np.where(open_ & envious, mid, hi)
        lo = np.where(open_ & ~envious, mid + 1, lo)
    envious_pairs = int((n - lo).sum())  # i never envies itself: env_ii = 0
    return EnvyStats(max_envy, envious_pairs / (n * (n - 1)))


# --------------------------------------------------------------------------- finish-time


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
        if not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise ValueError(f"{name} must be finite and non-negative, got {arr.tolist()!r}")
    pending = work > 0
    if np.any(pending & (alone == 0)):
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
    if np.any(np.isnan(arr)) or np.any(arr < 0):
        raise ValueError("rho must be non-negative and not NaN")
    return {
        "max": float(arr.max()),
        "median": float(np.median(arr)),
        "share_above_1": float(np.mean(arr > 1 + 1e-9)),
    }
