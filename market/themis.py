"""Finish-time fair allocation, after Themis (Mahajan et al., NSDI 2020).

Themis measures how far behind each job is with its *finish-time fairness*
``ρ = T_shared / T_alone``: the time to finish with what it has over the time to finish on
a private ``1/N`` share of the cluster (``ρ > 1``: behind its fair share). Each lease it
offers the free resources to the jobs furthest behind. Here the week is the lease: the
caller computes each team's ρ and passes it in the book's ``weights`` (as ``committee``
takes priority weights there), the teams' reported needs in ``demand``.

The rule, ``finish_time_fair``: serve the teams in order of ρ, worst first, each up to its
reported need, until the tranches run out. Teams with equal ρ are one group and share
evenly what reaches them (integer water-filling, leftover single tranches to randomly
chosen members). So a scarce pool is a partial allocation over the teams furthest behind;
the rule has no model of how one tranche would change a team's ρ, so it does not re-rank
within the week: the caller's ρ is recomputed every week, which is when the order changes.
No money; budgets and the reserve do not apply; without weights every team has the same ρ
and the rule is max-min fair.

Cost: one sort of the ``n`` ρ values and one water-fill of the group where the supply
runs out, O(n log n) time and O(n) memory whatever the number of units.
"""

from __future__ import annotations

import numpy as np

from market.allocation_rules import _level_fill
from market.book import BidBook, LazyGenerator
from market.registry import Example, Pricing, RuleResult, register

__all__ = ["finish_time_fair"]

# Demands (number of positive bids) 3, 1 and 2.
_DEMANDS_312 = ((5.0, 4.0, 3.0), (6.0, 0.0, 0.0), (2.0, 1.0, 0.0))
# Everyone bids for three units, but reports needing 3, 1 and 2.
_WANTS_MORE = ((5.0, 4.0, 3.0), (6.0, 5.0, 1.0), (2.0, 1.0, 1.0))
_NO_PAY = (0, 0, 0)


@register(
    "finish_time_fair",
    label="Finish-time fair (Themis)",
    pricing=Pricing.NONE,
    truthful=True,
    divisible=False,
    formula=(
        r"x_i = \begin{cases} d_i & \rho_i > \rho^\ast \\ \min(d_i,\ \lambda) "
        r"& \rho_i = \rho^\ast \\ 0 & \rho_i < \rho^\ast \end{cases},\qquad "
        r"\rho_i = \frac{T_i^{\text{shared}}}{T_i^{\text{alone}}},\qquad \sum_i x_i = S"
    ),
    reading=(
        "ρ is how much later a team will finish with what it has than with a fair 1/N share "
        "of the fleet (above 1: behind). Tranches go to the teams furthest behind first, each "
        "up to what it asked for (d); teams equally far behind (ρ*) share the last tranches "
        "evenly. Teams without a running project count as on schedule (ρ = 1). No money."
    ),
    source=(
        "Mahajan et al. (2020), Themis: fair and efficient GPU cluster scheduling, *NSDI*; "
        "water-filling: Bertsekas & Gallager (1992), §6.5."
    ),
    examples=(
        Example(
            _DEMANDS_312,
            4,
            weights=(1.5, 3.0, 0.8),
            allocation=(3, 1, 0),
            payments=_NO_PAY,
            note="Demands 3, 1, 2; ρ 1.5, 3, 0.8. The worst, b1 (ρ 3), takes its 1; b0 "
            "(ρ 1.5) its 3; the pool is empty before b2 (ρ 0.8, ahead of schedule).",
        ),
        Example(
            _DEMANDS_312,
            3,
            weights=(2.0, 2.0, 0.5),
            allocation=(2, 1, 0),
            payments=_NO_PAY,
            note="b0 and b1 are equally behind (ρ 2) and ask for 3 + 1 = 4 > 3: they share "
            "evenly, level 2 gives min(3, 2) + min(1, 2) = 3. b2 gets nothing.",
        ),
        Example(
            _WANTS_MORE,
            4,
            weights=(1.0, 1.0, 4.0),
            demand=(3, 1, 2),
            allocation=(1, 1, 2),
            payments=_NO_PAY,
            note="Reported needs 3, 1, 2. b2 (ρ 4) takes its 2; b0 and b1 (ρ 1) share the "
            "other 2 at level 1: 1 each.",
        ),
    ),
    description=(
        "Finish-time fair (after Themis): tranches go first to the teams furthest behind "
        "their fair finish time (largest ρ = time to finish with what they hold over time "
        "with a fair share), each up to its reported need; teams equally far behind share "
        "evenly. Nobody pays. ρ is measured by the lab, not reported; asking for more than "
        "one needs never brings a useful tranche."
    ),
)
def finish_time_fair(book: BidBook, rng: LazyGenerator) -> RuleResult:
    """Serve groups of equal ρ (``weights``) worst first; water-fill the last group served.

    Args:
        book: Validated book; ``weights`` are the teams' ρ (default: all equal).
        rng: Chooses who receives the single tranches left in the last group.

    Returns:
        ``(allocation, zeros, None)``.
    """
    demand = book.requested
    units = book.units
    n = book.n_bidders
    if int(demand.sum()) <= units:
        return demand.astype(np.float64), np.zeros(n), None
    allocation = np.zeros(n)
    if units == 0:
        return allocation, np.zeros(n), None
    rho = np.ones(n) if book.weights is None else book.weights
    order = np.argsort(-rho, kind="stable")
    ranked_rho, ranked_need = rho[order], demand[order]
    starts = np.flatnonzero(np.r_[True, ranked_rho[1:] != ranked_rho[:-1]])
    served = np.cumsum(np.add.reduceat(ranked_need, starts))  # need of groups up to each
    last = int(np.searchsorted(served, units, side="right"))  # the group the pool runs out in
    end = starts[last + 1] if last + 1 < starts.size else n
    full = order[: starts[last]]
    allocation[full] = demand[full]
    # Whole units left for the last group (demands may be floats: the game's books).
    rest = units - (int(served[last - 1]) if last > 0 else 0)
    members = order[starts[last] : end]
    allocation[members] = _level_fill(demand[members], rest, rng)
    return allocation, np.zeros(n), None
