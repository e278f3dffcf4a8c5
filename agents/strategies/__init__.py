"""Bidding strategies: a registry of small plugins (after Axelrod's strategy library).

A strategy turns a read-only :class:`TeamView` of a batch of teams into a bid book
``(m, k)``; it never sees the model. Each team agent holds a strategy object, and the
model asks each strategy *class* to decide for all its teams at once
(:meth:`BiddingStrategy.bid_for`).

Adding a strategy: subclass :class:`BiddingStrategy`, set ``name`` and ``metadata``,
implement ``propose``, then either append it to ``_ALL_STRATEGIES`` (built-ins) or call
:func:`register_strategy` from your own module; add a ``StrategyContract`` subclass for it
in ``tests/test_agents_strategies.py`` (a test fails until you do).
"""

from __future__ import annotations

from agents.strategies.base import (
    BiddingStrategy,
    Feedback,
    TeamStateStrategy,
    clip_to_budget,
    enforce_non_increasing,
    price_taking,
    sanitise,
    shade_factor,
)
from agents.strategies.builtin import AuctionFever, BudgetPacer, Shaded, Truthful
from agents.strategies.human import Human, order_row
from agents.strategies.kelly import KellyAnticipating
from agents.strategies.learning import Hedge, Misreporter, RothErev
from agents.strategies.unit_hedge import HedgeByUnit
from agents.strategies.view import BiddingParams, TeamView

__all__ = [
    "STRATEGIES",
    "AuctionFever",
    "BiddingParams",
    "BiddingStrategy",
    "BudgetPacer",
    "Feedback",
    "Hedge",
    "HedgeByUnit",
    "Human",
    "KellyAnticipating",
    "Misreporter",
    "RothErev",
    "Shaded",
    "TeamStateStrategy",
    "TeamView",
    "Truthful",
    "bot_strategies",
    "clip_to_budget",
    "enforce_non_increasing",
    "get_strategy",
    "order_row",
    "price_taking",
    "register_strategy",
    "sanitise",
    "shade_factor",
    "unregister_strategy",
]

_ALL_STRATEGIES: list[type[BiddingStrategy]] = [
    Truthful,
    Shaded,
    AuctionFever,
    BudgetPacer,
    Hedge,
    HedgeByUnit,
    RothErev,
    KellyAnticipating,
    Misreporter,
    Human,
]

#: Registry of every strategy by name (explicit list, like Axelrod's all_strategies).
STRATEGIES: dict[str, type[BiddingStrategy]] = {cls.name: cls for cls in _ALL_STRATEGIES}


def register_strategy(cls: type[BiddingStrategy]) -> type[BiddingStrategy]:
    """Add a strategy class to the registry (usable as a class decorator).

    Raises:
        ValueError: If the class is not a :class:`BiddingStrategy`, has no name, or the
            name is taken.
    """
    if not (isinstance(cls, type) and issubclass(cls, BiddingStrategy)):
        raise ValueError(f"{cls!r} is not a BiddingStrategy subclass")
    if not cls.name or not cls.name.isidentifier():
        raise ValueError(f"strategy {cls.__name__}: set name to a lowercase identifier")
    if cls.name in STRATEGIES:
        raise ValueError(f"strategy name {cls.name!r} is already registered; pick another name")
    STRATEGIES[cls.name] = cls
    return cls


def unregister_strategy(name: str) -> None:
    """Remove a strategy added with :func:`register_strategy` (no error when absent)."""
    if name not in {c.name for c in _ALL_STRATEGIES}:
        STRATEGIES.pop(name, None)


def get_strategy(name: str) -> type[BiddingStrategy]:
    """Look a strategy class up by its registry name.

    Args:
        name: Registry name, e.g. "truthful".

    Returns:
        The strategy class (instantiate it to bid).

    Raises:
        ValueError: If the name is not registered (the message lists valid names).
    """
    try:
        return STRATEGIES[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"strategy = {name!r} is unknown; choose one of {', '.join(sorted(STRATEGIES))}"
        ) from None


def bot_strategies() -> dict[str, type[BiddingStrategy]]:
    """The strategies a scenario's mix may give teams: every one but workshop seats."""
    return {n: c for n, c in STRATEGIES.items() if not c.metadata.get("seat")}
