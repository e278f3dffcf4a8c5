"""A throw-away plugin mechanism: a uniform-price auction that rations each bidder.

Loaded by path (``importlib``) in ``tests/test_market_plugin_contract.py``; importing it
registers ``rationed_price``. It shows that one ``market.register`` call with a hand-worked
example is all a new rule needs: the mechanism contract then runs over it.

The rule: with ``S = floor(supply)`` units and ``m`` active bidders (those with a positive
bid left after budgets and the reserve), each bidder may win at most ``c = ceil(S / m)``
units, so only its ``c`` highest bids are *eligible*. The ``S`` highest eligible bids win
(ties at the cut-off broken at random), and every unit won costs the same price: the highest
eligible bid that did not win, or the reserve if that is higher (the reserve alone when every
eligible bid wins). Bids above a bidder's cap are not rejected bids, so they never set the
price: every winning bid is at least the price.
"""

from __future__ import annotations

import numpy as np

import market

_BOOK = ((10.0, 9.0, 8.0, 7.0), (6.0, 5.0, 0.0, 0.0), (3.0, 0.0, 0.0, 0.0))


@market.register(
    "rationed_price",
    label="Rationed uniform price",
    pricing=market.Pricing.UNIFORM,
    truthful=False,
    divisible=False,
    formula=(
        r"c = \lceil S / m \rceil,\qquad x_i \le c,\qquad "
        r"p^\ast = \max\left(b^{\mathrm{elig}}_{(S+1)},\ r\right),\qquad p_i = p^\ast x_i"
    ),
    reading=(
        "Nobody may take more than an even share of the tranches, rounded up; among the bids "
        "within those caps the highest win and every tranche costs the highest losing one."
    ),
    examples=(
        market.Example(
            _BOOK,
            4,
            allocation=(2, 2, 0),
            payments=(6, 6, 0),
            price=3.0,
            note="S = 4 units, m = 3 active bidders, cap ceil(4/3) = 2: eligible bids are "
            "10, 9 (b0), 6, 5 (b1) and 3 (b2); b0's 8 and 7 are over its cap. The four "
            "highest eligible bids 10, 9, 6, 5 win; the highest eligible loser is 3, so each "
            "unit costs 3: b0 and b1 pay 2 x 3 = 6. (Plain uniform price would give b0 all "
            "four units at 6.)",
        ),
        market.Example(
            _BOOK,
            4,
            reserve=4.0,
            allocation=(2, 2, 0),
            payments=(8, 8, 0),
            price=4.0,
            note="Reserve 4 drops b2's 3, leaving m = 2 active bidders and cap ceil(4/2) = 2: "
            "eligible 10, 9 | 6, 5 all win, nothing eligible is rejected, so the price is the "
            "reserve 4 and b0 and b1 pay 2 x 4 = 8.",
        ),
        market.Example(
            _BOOK,
            4,
            budgets=(12.0, np.inf, np.inf),
            allocation=(1, 2, 1),
            payments=(2, 4, 2),
            price=2.0,
            note="Budget 12 trims b0's row to 10, 2 (10 fits, the 9 is cut to the 2 left, the "
            "rest dropped). Cap 2: eligible 10, 2 | 6, 5 | 3. The four highest, 10, 6, 5, 3, "
            "win; the eligible loser 2 sets the price: b0 pays 2, b1 4, b2 2.",
        ),
        market.Example(
            _BOOK,
            1.5,
            allocation=(1, 0, 0),
            payments=(6, 0, 0),
            price=6.0,
            note="Supply 1.5 is one whole unit, cap ceil(1/3) = 1: eligible 10, 6, 3. The 10 "
            "wins and pays the highest eligible loser, 6.",
        ),
    ),
    description=(
        "Rationed uniform-price auction: each bidder may win at most an even share of the "
        "units, ceil(S / active bidders); among the bids within those caps the highest win, "
        "and every unit costs the highest eligible losing bid (or the reserve if higher)."
    ),
)
def rationed_price(
    book: market.BidBook, rng: market.book.LazyGenerator
) -> market.registry.RuleResult:
    """Clear ``book`` (already trimmed to budgets and the reserve) with per-bidder caps.

    Args:
        book: Validated book.
        rng: Breaks ties at the cut-off (drawn only when there is one).

    Returns:
        ``(allocation, payments, price)``.
    """
    bids = book.bids
    units = book.units
    positive = bids > 0.0
    active = int(np.count_nonzero(positive.any(axis=1)))
    allocation = np.zeros(book.n_bidders)
    if active == 0 or units == 0:  # cap 0 or nobody bids: nothing is eligible
        return allocation, allocation.copy(), book.reserve
    cap = -(-units // active)
    eligible = positive & (np.arange(book.max_units)[None, :] < cap)
    values = bids[eligible]  # row-major, so positions map back through the mask
    if values.size <= units:  # every eligible bid wins, nothing eligible is rejected
        win = eligible
        price = book.reserve
    else:
        ranked = np.sort(values)[::-1]
        lowest_winning, highest_rejected = float(ranked[units - 1]), float(ranked[units])
        won = values > lowest_winning
        tied = np.flatnonzero(values == lowest_winning)
        need = units - int(np.count_nonzero(won))
        if tied.size > need:  # a tie at the cut-off: the highest random keys win
            keys = rng.get().random(tied.size)
            tied = tied[np.argsort(-keys)[:need]]
        won[tied] = True
        win = np.zeros_like(eligible)
        win[eligible] = won
        price = max(highest_rejected, book.reserve)
    allocation = win.sum(axis=1).astype(np.float64)
    return allocation, allocation * price, float(price)
