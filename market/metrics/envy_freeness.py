"""Envy between bidders: how much each would rather have another's bundle of units."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from market.metrics._validation import _allocation, _values_matrix
from market.metrics._valuation import _cumulative, _value_at

ENVY_TOLERANCE = 1e-12
"""A pair (i, j) counts as envious when ``env_ij`` exceeds this (absorbs rounding noise)."""


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
