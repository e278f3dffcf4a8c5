"""Allocation rules without money: how compute is shared when nobody pays.

Each rule reads bidder i's *demand* — the whole units it reports it needs (the book's
``demand``), or its number of positive bids when no demand is reported — hands out whole
units (``floor(supply)``), charges nothing and has no price. Budgets and the reserve do not
apply.

- ``committee``: leadership priority weights, weighted water-filling (how labs do it today).
- ``equal_share``: the naive equal split, capped at demand; what a capped bidder cannot use
  stays idle. This is deliberately wasteful: compare it with ``max_min_fair``.
- ``max_min_fair``: water-filling on demands; capacity a satisfied bidder leaves is passed on.
- ``lottery``: a random priority order; each bidder in turn takes its full demand.

Every rule works on the ``n`` per-bidder demands, never on units: O(n log n) time and O(n)
memory whether ten tranches are on offer or 10^12. Results are exact while supply and
total demand stay below 2**53; beyond that they are as exact as float64 allows.
"""

from __future__ import annotations

import numpy as np

from market.book import BidBook, LazyGenerator
from market.registry import Example, Pricing, RuleResult, register

__all__ = ["committee", "equal_share", "lottery", "max_min_fair"]

_FLOOR_SLACK = 1e-9  # shares within this of an integer count as that integer

# Demands (number of positive bids) 2, 2 and 1.
_BOOK = ((9.0, 4.0), (7.0, 6.0), (5.0, 0.0))
# Demands 3, 1 and 2.
_DEMANDS_312 = ((5.0, 4.0, 3.0), (6.0, 0.0, 0.0), (2.0, 1.0, 0.0))
# Everyone bids for three units, but reports needing 3, 1 and 2.
_WANTS_MORE = ((5.0, 4.0, 3.0), (6.0, 5.0, 1.0), (2.0, 1.0, 1.0))
_NO_PAY = (0, 0, 0)


def _no_money(allocation: np.ndarray) -> RuleResult:
    return allocation, np.zeros(allocation.shape[0]), None


def _random_subset(size: int, count: int, rng: LazyGenerator) -> np.ndarray:
    """Indices of ``count`` of ``range(size)`` chosen uniformly (highest random keys)."""
    if count >= size:
        return np.arange(size)
    keys = rng.get().random(size)
    return np.argpartition(-keys, count - 1)[:count]


def _weighted_level(demand: np.ndarray, weights: np.ndarray, units: int) -> float:
    """Water level λ with ``sum(min(demand, λ * weights)) == units``.

    Requires ``0 < units < demand.sum()`` and positive demands and weights.
    """
    ratio = demand / weights
    order = np.argsort(ratio)
    ratio, demand, weights = ratio[order], demand[order], weights[order]
    capped_before = np.cumsum(demand) - demand  # demand of bidders capped below level r_j
    weight_from = np.cumsum(weights[::-1])[::-1]  # weight of bidders still filling at r_j
    filled = capped_before + ratio * weight_from  # units used when the level reaches r_j
    j = min(int(np.searchsorted(filled, units)), demand.size - 1)
    return float((units - capped_before[j]) / weight_from[j])


def _level_fill(demand: np.ndarray, units: int, rng: LazyGenerator) -> np.ndarray:
    """Integer water-filling: ``min(d_i, L)`` plus the leftover units one each, at random.

    ``L`` is the largest whole level with ``sum(min(d_i, L)) <= units``; the units it leaves
    go one each to bidders still below their demand, chosen uniformly. O(n log n) time and
    O(n) memory, whatever the number of units. Requires ``units < demand.sum()``.
    """
    ordered = np.sort(demand[demand > 0])
    capped_before = np.cumsum(ordered) - ordered
    still_filling = ordered.size - np.arange(ordered.size)
    filled = capped_before + ordered * still_filling  # units used at level ordered[j]
    j = int(np.searchsorted(filled, units))
    level = int((units - capped_before[j]) // still_filling[j])
    allocation = np.minimum(demand, level)
    left = units - int(allocation.sum())
    unsatisfied = (demand > allocation).nonzero()[0]
    allocation = allocation.astype(np.float64)
    if left > 0:  # 0 <= left < unsatisfied.size, unless float rounding (beyond 2**53)
        allocation[unsatisfied[_random_subset(unsatisfied.size, left, rng)]] += 1.0
    return allocation


def _hand_out(
    base: np.ndarray,
    cap: np.ndarray,
    left: int,
    priority: np.ndarray,
    rng: LazyGenerator,
) -> np.ndarray:
    """Give ``left`` more units, one each, to bidders below their cap.

    Order: ``priority`` descending, ties by random key. Where float rounding (totals
    beyond 2**50) leaves more units than bidders below their cap, the rest is water-filled
    evenly on the room left (:func:`_level_fill`), never handed out unit by unit.
    """
    if left <= 0:
        return base
    eligible = (base < cap).nonzero()[0]
    if eligible.size == 0:
        return base
    take = min(left, eligible.size)
    keys = rng.get().random(eligible.size)
    order = np.lexsort((-keys, -priority[eligible]))
    base[eligible[order[:take]]] += 1.0
    left -= take
    if left > 0:
        room = np.maximum(cap - base, 0.0)
        if left >= room.sum():
            return np.maximum(base, cap)
        base += _level_fill(room, left, rng)
    return base


@register(
    "committee",
    label="Leadership committee",
    pricing=Pricing.NONE,
    truthful=True,
    divisible=False,
    formula=r"x_i = \min\left(d_i,\ \lambda\, w_i\right),\qquad \sum_i x_i = S",
    reading=(
        "Leadership gives each team a priority weight w (urgency) and shares whole tranches "
        "in proportion, never more than a team asked for (d); what capped teams leave goes to "
        "the rest. No money changes hands — how most labs allocate today."
    ),
    source="Weighted water-filling: Bertsekas & Gallager, *Data Networks* (1992), §6.5.",
    examples=(
        Example(
            _BOOK,
            3,
            weights=(3, 1, 0.5),
            allocation=(2, 1, 0),
            payments=_NO_PAY,
            note="Demands 2, 2, 1; level l with 3l + l + 0.5l = 3 is 2/3: shares 2, 2/3, 1/3. "
            "Floors 2, 0, 0 leave one unit for the largest remainder, b1's 2/3.",
        ),
        Example(
            _BOOK,
            4,
            weights=(4, 1, 1),
            allocation=(2, 1, 1),
            payments=_NO_PAY,
            note="6l = 4 would give b0 8/3 > 2, so b0 is capped at 2; the other two units go "
            "to weights 1, 1 at level 1.",
        ),
    ),
    description=(
        "Leadership committee: whole tranches shared in proportion to priority weights, no "
        "one getting more than it asked for; what capped teams leave is passed to the others "
        "(weighted water-filling). Nobody pays. Overstating demand never gains a useful unit."
    ),
)
def committee(book: BidBook, rng: LazyGenerator) -> RuleResult:
    """Weighted water-filling in whole units.

    Real shares ``s_i = min(d_i, λ w_i)`` fill the supply exactly; each bidder gets
    ``floor(s_i)`` and the units left go one each by largest fractional remainder (random
    tie-break) to bidders still below demand.

    Args:
        book: Validated book (``weights`` default to equal).
        rng: Tie-breaking randomness.

    Returns:
        ``(allocation, zeros, None)``.
    """
    demand = book.requested
    units = book.units
    if int(demand.sum()) <= units:
        return _no_money(demand.astype(np.float64))
    allocation = np.zeros(book.n_bidders)
    if units == 0:
        return _no_money(allocation)
    active = demand.nonzero()[0]
    need = demand[active].astype(np.float64)
    weights = np.ones(active.size) if book.weights is None else book.weights[active]
    level = _weighted_level(need, weights, units)
    share = np.minimum(need, level * weights)
    base = np.minimum(np.floor(share + _FLOOR_SLACK), need)
    if base.sum() > units:  # the slack rounded too many up
        base = np.floor(share)
    left = units - int(base.sum())
    allocation[active] = _hand_out(base, need, left, share - base, rng)
    return _no_money(allocation)


@register(
    "equal_share",
    label="Equal share",
    pricing=Pricing.NONE,
    truthful=True,
    divisible=False,
    formula=r"x_i = \min\left(d_i,\ \left\lfloor S / n \right\rfloor\right)",
    reading=(
        "Everyone who asks gets the same number of tranches, capped at what it asked for. What "
        "a capped team cannot use stays idle: the naive baseline."
    ),
    source=(
        "The equal-division benchmark of fair division: Moulin, *Fair Division and Collective "
        "Welfare* (2003)."
    ),
    examples=(
        Example(
            _DEMANDS_312,
            6,
            allocation=(2, 1, 2),
            payments=_NO_PAY,
            note="Demands 3, 1, 2; 6 units over 3 bidders is 2 each, capped at demand: 2, 1, 2. "
            "The unit b1 cannot use stays idle (max-min fair would give it to b0).",
        ),
        Example(_DEMANDS_312, 3, allocation=(1, 1, 1), payments=_NO_PAY, note="1 each."),
        Example(
            _WANTS_MORE,
            6,
            demand=(3, 1, 2),
            allocation=(2, 1, 2),
            payments=_NO_PAY,
            note="Reported needs 3, 1, 2 (not the three bids each): 2 each, capped at the "
            "reported need; the unit the second team does not need stays idle.",
        ),
    ),
    description=(
        "Naive equal split: every team that asks gets the same number of whole tranches "
        "(the remainder to randomly chosen teams), capped at its demand. Tranches a team "
        "cannot use stay idle rather than going to others. Nobody pays."
    ),
)
def equal_share(book: BidBook, rng: LazyGenerator) -> RuleResult:
    """Each of the ``m`` bidders with positive demand gets ``floor(S/m)``, +1 for ``S mod m``.

    The ``S mod m`` extra units go to bidders chosen uniformly at random; each share is then
    capped at the bidder's demand and the surplus is left unallocated (unlike
    ``max_min_fair``, which passes it on).

    Args:
        book: Validated book.
        rng: Chooses who receives the remainder.

    Returns:
        ``(allocation, zeros, None)``.
    """
    demand = book.requested
    allocation = np.zeros(book.n_bidders)
    active = demand.nonzero()[0]
    m = active.size
    if m == 0 or book.units == 0:
        return _no_money(allocation)
    units = min(book.units, m * int(demand.max()))  # beyond this every share is capped anyway
    base, extra = divmod(units, m)
    share = np.full(m, float(base))
    if extra:
        share[_random_subset(m, extra, rng)] += 1.0
    allocation[active] = np.minimum(share, demand[active])
    return _no_money(allocation)


@register(
    "max_min_fair",
    label="Max-min fair",
    pricing=Pricing.NONE,
    truthful=True,
    divisible=False,
    formula=r"x_i = \min\left(d_i,\ \lambda\right),\qquad \sum_i x_i = S",
    reading=(
        "Water-filling on demands: raise everybody's share together; teams that are satisfied "
        "drop out and the rest keep rising. Nobody can get more without taking from someone "
        "who has less."
    ),
    source="Bertsekas & Gallager (1992), §6.5; Ghodsi et al. (2011), DRF, *NSDI*.",
    examples=(
        Example(
            _DEMANDS_312,
            6,
            allocation=(3, 1, 2),
            payments=_NO_PAY,
            note="Demands 3, 1, 2; level 3 uses 3 + 1 + 2 = 6.",
        ),
        Example(
            _DEMANDS_312,
            5,
            allocation=(2, 1, 2),
            payments=_NO_PAY,
            note="Level 2 uses 2 + 1 + 2 = 5 exactly.",
        ),
        Example(
            _WANTS_MORE,
            6,
            demand=(3, 1, 2),
            allocation=(3, 1, 2),
            payments=_NO_PAY,
            note="Reported needs 3, 1, 2: level 3 serves them all; the unit equal share "
            "leaves idle goes to the first team.",
        ),
    ),
    description=(
        "Max-min fairness: water-filling on demands. Everyone gets the same number of whole "
        "tranches up to its demand, and what satisfied teams do not need is shared among the "
        "rest; leftover single tranches go to randomly chosen unsatisfied teams. Nobody pays."
    ),
)
def max_min_fair(book: BidBook, rng: LazyGenerator) -> RuleResult:
    """Unweighted integer water-filling.

    Finds the largest whole level ``L`` with ``sum(min(d_i, L)) <= S``, gives each bidder
    ``min(d_i, L)`` and hands the leftover units one each to unsatisfied bidders in random
    order.

    Args:
        book: Validated book.
        rng: Chooses who receives the leftover units.

    Returns:
        ``(allocation, zeros, None)``.
    """
    demand = book.requested
    units = book.units
    if int(demand.sum()) <= units:
        return _no_money(demand.astype(np.float64))
    return _no_money(_level_fill(demand, units, rng))


@register(
    "lottery",
    label="Lottery",
    pricing=Pricing.NONE,
    truthful=True,
    divisible=False,
    formula=(
        r"\pi \sim \text{uniform order},\qquad x_{\pi(k)} = \min\left(d_{\pi(k)},\ "
        r"S - \sum_{j<k} x_{\pi(j)}\right)"
    ),
    reading=(
        "Teams are served in a random order, each taking all it asked for until the pool runs "
        "out. Fair before the draw, very unequal after it."
    ),
    source="Random serial dictatorship: Abdulkadiroğlu & Sönmez (1998), *Econometrica* 66.",
    examples=(
        Example(
            _DEMANDS_312,
            7,
            allocation=(3, 1, 2),
            payments=_NO_PAY,
            note="Total demand 6 <= 7: everyone is served in full whatever the order.",
        ),
        Example(
            ((5.0, 4.0, 3.0),),
            2,
            allocation=(2,),
            payments=(0,),
            note="One bidder is first in any order and takes 2 of its 3 units.",
        ),
    ),
    description=(
        "Lottery: teams are served in a random order, each taking its full demand until the "
        "tranches run out (the last one served may get part of its demand). Nobody pays."
    ),
)
def lottery(book: BidBook, rng: LazyGenerator) -> RuleResult:
    """Serve bidders in the order ``rng.permutation(n)``, each taking its full demand.

    Args:
        book: Validated book.
        rng: Draws the priority order (only when demand exceeds supply).

    Returns:
        ``(allocation, zeros, None)``.
    """
    demand = book.requested
    units = book.units
    if int(demand.sum()) <= units:
        return _no_money(demand.astype(np.float64))
    order = rng.get().permutation(book.n_bidders)
    wanted = demand[order]
    served_before = np.cumsum(wanted) - wanted
    allocation = np.zeros(book.n_bidders)
    allocation[order] = np.clip(units - served_before, 0, wanted)
    return _no_money(allocation)
