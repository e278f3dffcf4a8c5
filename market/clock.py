"""The ascending clock: a multi-unit, uniform-price clock auction with an activity rule.

The auctioneer calls a price, starting at the reserve; every bidder answers with the
quantity it demands at that price; while total demand exceeds supply the price rises.
Bidder i demands its m-th unit while the price is at most that unit's *exit price*

    e_im = min(b_im, B_i / m),

its marginal bid capped by what its budget affords (m units at p cost m·p ≤ B_i). Its
demand at p is ``#{m : e_im >= p}`` = ``min(#{m : b_im >= p}, floor(B_i / p))``. Each unit
is demanded from the reserve up to its exit price and never again after it, so a
bidder's quantity at a higher price is never above its quantity at a lower price: the
activity rule holds by construction, budget effects included (``B_i / m`` falls with m,
so the budget can only remove units as the price rises, never bring one back).

The clock is event-driven and exact: demand changes only at exit prices, so instead of
raising the price by an increment it jumps from one exit price to the next. It stops at
the first price p* where demand *just above* p* fits the supply: p* is the (S+1)-th
highest exit price (or the reserve, if everything fits there). Units that exit above p*
win; bidders whose demand dropped at p* (units exiting exactly there) share the
remainder in proportion to their drop (largest remainder first, then the larger drop,
then the rng). Everyone pays p* per unit. Every winning unit's exit price is at least
p*, so nobody pays more than its bid or its budget.

Stopping *at* the exit price rather than at the next step above it is what keeps the
rationed bidders willing: they are served at the price where they were still in. With
truthful demand the winners are the S highest values and p* lies between the S-th and
(S+1)-th highest values (it is the (S+1)-th, the highest rejected value).

Money rules see a book already trimmed to budgets (:meth:`market.book.BidBook.priced`),
whose rows never add up to more than the budget; on such rows the ``B_i / m`` cap only
guards against float rounding. :func:`clock_demand` applies it to any rows.

Cost: one pass over the ``n x k`` bids and one ``np.partition`` (linear-time selection)
of the exit prices; never an array over units, whatever the supply.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from market.book import BidBook, LazyGenerator
from market.registry import Example, Pricing, RuleResult, register

__all__ = ["ascending_clock", "clock_demand", "exit_prices"]

# Bidder 0 bids 9 then 4, bidder 1 bids 7 then 6, bidder 2 bids 5 for one unit.
_BOOK = ((9.0, 4.0), (7.0, 6.0), (5.0, 0.0))
# Three units at 8, two at 8, one at 10: demand falls from 6 to 1 just above 8.
_TIED = ((8.0, 8.0, 8.0), (8.0, 8.0, 0.0), (10.0, 0.0, 0.0))


def exit_prices(bids: np.ndarray, budgets: np.ndarray | None) -> np.ndarray:
    """The highest clock price at which each bidder still demands each of its units.

    Args:
        bids: ``(n, k)`` non-increasing marginal bids (0 = no bid).
        budgets: ``(n,)`` budgets (``inf`` allowed) or ``None`` (no cap).

    Returns:
        ``(n, k)`` exit prices ``min(b_im, B_i / m)``, non-increasing along rows; 0 where
        there is no bid.
    """
    if budgets is None or bids.size == 0:
        return bids
    per_unit = budgets[:, None] / np.arange(1, bids.shape[1] + 1)[None, :]
    return np.minimum(bids, per_unit)


def clock_demand(bids: ArrayLike, budgets: ArrayLike | None, price: float) -> np.ndarray:
    """Each bidder's answer to the clock at ``price``: how many units it demands there.

    The quantity is ``min(#{m : b_im >= price}, floor(B_i / price))`` for a positive
    price (at price 0 only the bids count). As ``price`` rises it never increases.

    Args:
        bids: ``(n, k)`` non-increasing marginal bids (0 = no bid).
        budgets: ``(n,)`` budgets or ``None``.
        price: The clock price, >= 0.

    Returns:
        ``(n,)`` int64 quantities.
    """
    rows = np.atleast_2d(np.asarray(bids, dtype=np.float64))
    caps = None if budgets is None else np.asarray(budgets, dtype=np.float64)
    exits = exit_prices(rows, caps)
    return ((exits > 0.0) & (exits >= price)).sum(axis=1).astype(np.int64)


def _ration(drop: np.ndarray, left: int, rng: LazyGenerator) -> np.ndarray:
    """Share ``left`` whole units in proportion to ``drop`` (``0 < left < drop.sum()``).

    Each bidder first gets ``floor(left * drop / sum(drop))``; the few units that leaves go
    one each by largest remainder, then larger drop, then random key. Integer arithmetic:
    ``left < sum(drop) <= n * k``, so nothing overflows.
    """
    total = int(drop.sum())
    scaled = drop * left
    share, remainder = np.divmod(scaled, total)
    extra = left - int(share.sum())
    if extra > 0:
        keys = rng.get().random(drop.size)
        order = np.lexsort((-keys, -drop, -remainder))
        share[order[:extra]] += 1
    return share


@register(
    "ascending_clock",
    label="Ascending clock",
    pricing=Pricing.UNIFORM,
    truthful=False,
    divisible=False,
    formula=(
        r"d_i(p) = \min\left(\#\{m : b_{im} \ge p\},\ \left\lfloor B_i / p \right\rfloor\right),"
        r"\qquad p^\ast = \min\left\{p \ge r : \textstyle\sum_i d_i(p^{+}) \le S\right\}"
    ),
    reading=(
        "The price rises from the reserve r; at each price every team says how many tranches "
        "it still wants (those it values at least at the price, as many as its budget B "
        "affords) and may never ask for more than it did at a lower price. The clock stops "
        "where demand first fits the S tranches; everyone pays that price per tranche, and "
        "teams that dropped out right there share what is left. Teams wanting several "
        "tranches gain by dropping some early (demand reduction), so it is not truthful."
    ),
    source=(
        "Ausubel (2004), *Amer. Econ. Rev.* 94; Ausubel & Cramton (2004), *J. Eur. Econ. "
        "Assoc.* 2; Ausubel et al. (2014), *Rev. Econ. Stud.* 81 (demand reduction)."
    ),
    examples=(
        Example(
            _BOOK,
            3,
            allocation=(1, 2, 0),
            payments=(5, 10, 0),
            price=5.0,
            note="Demand is 5 up to price 4, 4 up to 5, 3 just above 5: the clock stops at 5. "
            "b0 keeps its 9, b1 its 7 and 6; each unit costs 5.",
        ),
        Example(
            _BOOK,
            3,
            reserve=5.5,
            allocation=(1, 2, 0),
            payments=(5.5, 11, 0),
            price=5.5,
            note="At the reserve 5.5 only 9, 7 and 6 are demanded, 3 <= 3 units: the clock "
            "never moves and every unit costs 5.5.",
        ),
        Example(
            _TIED,
            4,
            allocation=(2, 1, 1),
            payments=(16, 8, 8),
            price=8.0,
            note="Demand is 6 up to 8 and 1 just above (only the 10): the clock stops at 8. "
            "The 3 units left go to b0 and b1, who dropped 3 and 2: shares 9/5 and 6/5, "
            "floors 1 and 1, the last unit to the larger remainder (b0's 4/5).",
        ),
        Example(
            ((10.0, 10.0, 10.0), (6.0, 6.0, 0.0)),
            3,
            budgets=(15.0, math.inf),
            allocation=(1, 2),
            payments=(5, 10),
            price=5.0,
            note="b0's budget 15 trims its row to 10, 5 (10 + 5 = 15). Demand is 4 up to 5 "
            "and 3 just above it (10, 6, 6): the clock stops at 5; b0 pays 5 <= 15.",
        ),
    ),
    description=(
        "Ascending clock auction: the price rises from the reserve while the tranches "
        "demanded exceed the supply; each team demands the tranches it values at least at "
        "the price, as many as its budget affords, and never more than at a lower price "
        "(activity rule). Every winner pays the final clock price per tranche; teams that "
        "dropped out at that price share what is left in proportion to what they dropped. "
        "Not truthful: teams wanting several tranches gain by reducing demand. Answered "
        "by a team's sealed book (proxy bidding, as the game's teams do) it ends at the "
        "uniform-price auction's price and allocation; a live clock differs only through "
        "what teams learn and choose as the price rises."
    ),
)
def ascending_clock(book: BidBook, rng: LazyGenerator) -> RuleResult:
    """Run the clock from the reserve to the first price where demand fits the supply.

    Args:
        book: Validated book (budgets and reserve applied).
        rng: Breaks ties when rationing the units left at the final price.

    Returns:
        ``(allocation, payments, price)``; the price is a float (the reserve when the
        clock never had to move).
    """
    exits = exit_prices(book.bids, book.budgets)
    live = (exits > 0.0) & (exits >= book.reserve)
    flat = exits[live]
    units = book.units
    if units >= flat.size:  # demand at the reserve fits: the clock never moves
        allocation = live.sum(axis=1).astype(np.float64)
        return allocation, allocation * book.reserve, book.reserve
    # Demand just above an exit price e counts the exits above e: it first fits the supply
    # just above the (units+1)-th highest exit price.
    cut = flat.size - units - 1
    price = float(np.partition(flat, cut)[cut])
    above = (live & (exits > price)).sum(axis=1)
    allocation = above.astype(np.float64)
    left = units - int(above.sum())
    if left > 0:
        drop = (live & (exits == price)).sum(axis=1)
        dropped = drop.nonzero()[0]
        allocation[dropped] += _ration(drop[dropped], left, rng)
    return allocation, allocation * price, price
