"""Compute Crunch's market library: pure, numpy-only mechanisms for sharing GPU tranches.

Quick start::

    import numpy as np
    import market

    bids = np.array([[9.0, 4.0], [7.0, 6.0], [5.0, 0.0]])  # bidder x unit, non-increasing
    out = market.clear("vickrey", bids, supply=3)
    out.allocation, out.payments, out.price

``market.MECHANISMS`` maps each canonical name to a :class:`Mechanism` descriptor: callable,
and carrying everything known about the rule (``label``, ``description``, ``formula``,
``truthful``, ``uses_money``, ``divisible``, its :class:`Pricing` kind and hand-worked
``examples``). ``market.ALIASES`` maps ``first_price`` and ``second_price`` to their
canonical names. Adding a rule is one :func:`register` call with one :class:`Example`.
The submodules ``ledger`` (credits), ``metrics`` (fairness and efficiency) and
``negotiation`` (bilateral bargaining) are importable from here too.

No Mesa, no Streamlit, no global randomness: every random choice goes through an explicit
``numpy.random.Generator``.
"""

# isort: off
from market import auctions, allocation_rules  # registers money rules first, then the rest
from market import clock, themis  # the ascending clock, then finish-time fairness

# isort: on
from market.book import BidBook
from market.clear import clear
from market.outcome import Outcome
from market.registry import (
    ALIASES,
    MECHANISMS,
    Example,
    Mechanism,
    Pricing,
    register,
    resolve_mechanism,
    unregister,
)

__all__ = [
    "ALIASES",
    "MECHANISMS",
    "BidBook",
    "Example",
    "Mechanism",
    "Outcome",
    "Pricing",
    "allocation_rules",
    "auctions",
    "clear",
    "clock",
    "ledger",
    "metrics",
    "negotiation",
    "register",
    "resolve_mechanism",
    "themis",
    "unregister",
]

# Sibling modules (credits, metrics, bargaining), re-exported as submodules.
from market import ledger, metrics, negotiation
