"""``clear``: the one entry point that runs any registered mechanism on a bid book."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from market.outcome import Outcome
from market.registry import MECHANISMS, resolve_mechanism

__all__ = ["clear"]


def clear(
    mechanism: str,
    bids: ArrayLike,
    supply: float,
    *,
    reserve: float = 0.0,
    budgets: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    demand: ArrayLike | None = None,
    rng: np.random.Generator | None = None,
) -> Outcome:
    """Clear one market.

    Steps: resolve the mechanism name (aliases allowed), validate every input, then for money
    rules trim each row to its budget and drop bids below the reserve, and finally run the
    mechanism's rule. Rules without money ignore ``budgets`` and ``reserve``; only
    ``committee`` reads ``weights``.

    Args:
        mechanism: A name or alias from :data:`market.MECHANISMS` / :data:`market.ALIASES`.
        bids: ``(n, k)`` bids, ``bids[i, j]`` = bidder i's bid for its (j+1)-th unit,
            non-increasing along ``j``, 0 = no bid; ``(n,)`` means one unit per bidder.
        supply: Units on offer (indivisible rules use ``floor(supply)``).
        reserve: Minimum price per unit; lower bids win nothing.
        budgets: Optional ``(n,)`` spending caps.
        weights: Optional ``(n,)`` positive priorities for ``committee``.
        demand: Optional ``(n,)`` whole units each bidder reports it needs; rules without
            money read it (default: the number of positive bids).
        rng: Generator for tie-breaks and lotteries; ``None`` means
            ``np.random.default_rng(0)``, so results stay deterministic.

    Returns:
        The :class:`~market.outcome.Outcome`; ``n = 0`` bidders gives empty arrays.

    Raises:
        ValueError: On an unknown mechanism or any invalid input.
    """
    mech = MECHANISMS[resolve_mechanism(mechanism)]
    return mech(
        bids, supply, reserve=reserve, budgets=budgets, weights=weights, demand=demand, rng=rng
    )
