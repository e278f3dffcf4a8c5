"""A throw-away plugin rule for the end-to-end plugin tests: smallest request first.

Importing this file registers ``smallest_first``: teams are served in order of how many
tranches they ask for (their number of positive bids), smallest first, ties in random
order; each takes its whole demand until the tranches run out. No money changes hands.
One ``market.register`` call with one hand-worked example is all it takes for
``load_scenario``, ``crunch run``, sweeps and the app to accept it — and for the mechanism
contract (``tests/mechanism_contract.py``) to check it.
"""

from __future__ import annotations

import numpy as np

import market
from market.book import demands


@market.register(
    "smallest_first",
    label="Smallest request first",
    pricing=market.Pricing.NONE,
    truthful=False,
    divisible=False,
    description="Teams are served in order of how many tranches they ask for, smallest "
    "first (ties in random order); each takes its whole request until the tranches run "
    "out. Nobody pays.",
    examples=(
        market.Example(
            ((5.0, 4.0, 3.0), (6.0, 0.0, 0.0), (2.0, 1.0, 0.0)),
            4,
            allocation=(1, 1, 2),
            payments=(0, 0, 0),
            note="Requests 3, 1, 2 and 4 tranches: the request of 1 is served first, then "
            "the request of 2, and the 1 tranche left goes to the request of 3.",
        ),
    ),
)
def smallest_first(
    book: market.BidBook, rng: market.book.LazyGenerator
) -> market.registry.RuleResult:
    """Serve bidders by ascending demand (random order among equal demands)."""
    wanted = demands(book.bids).astype(np.float64)
    if wanted.sum() <= book.units:
        return wanted, np.zeros(book.n_bidders), None
    order = np.lexsort((rng.get().random(book.n_bidders), wanted))
    served_before = np.cumsum(wanted[order]) - wanted[order]
    allocation = np.zeros(book.n_bidders)
    allocation[order] = np.clip(book.units - served_before, 0.0, wanted[order])
    return allocation, np.zeros(book.n_bidders), None
