"""The registry of mechanisms: names, metadata and the rules behind them.

A rule is a pure function ``rule(book, rng) -> (allocation, payments, price)`` taking a
validated :class:`~market.book.BidBook` (already trimmed to budgets and reserve for money
rules) and a :class:`~market.book.LazyGenerator`. It is registered under a name with
:func:`register`, which wraps it in a :class:`Mechanism` carrying its metadata. Calling a
``Mechanism`` runs the full :func:`market.clear` pipeline (validation included).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from market.book import BidBook, LazyGenerator
from market.outcome import Outcome

__all__ = [
    "ALIASES",
    "MECHANISMS",
    "Mechanism",
    "Rule",
    "RuleResult",
    "register",
    "resolve_mechanism",
]

RuleResult = tuple[np.ndarray, np.ndarray, float | None]
"""What a rule returns: ``(allocation, payments, price)``."""

Rule = Callable[[BidBook, LazyGenerator], RuleResult]
"""A mechanism's pure clearing rule."""


@dataclass(frozen=True, slots=True)
class Mechanism:
    """A registered mechanism: its rule plus what a user needs to know about it.

    Attributes:
        name: Canonical name.
        func: The pure rule ``func(book, rng) -> (allocation, payments, price)``.
        truthful: Whether reporting one's true values (or true demand, for rules without
            money) is a dominant strategy.
        uses_money: Whether bidders pay; rules without money read only demands and weights.
        divisible: Whether allocations may be fractional.
        description: One-paragraph plain-language description.
    """

    name: str
    func: Rule
    truthful: bool
    uses_money: bool
    divisible: bool
    description: str

    def __call__(
        self,
        bids: ArrayLike,
        supply: float,
        *,
        reserve: float = 0.0,
        budgets: ArrayLike | None = None,
        weights: ArrayLike | None = None,
        rng: np.random.Generator | None = None,
    ) -> Outcome:
        """Clear a market with this mechanism; same as ``market.clear(self.name, ...)``."""
        from market.clear import clear  # deferred: market.clear imports this module

        return clear(
            self.name, bids, supply, reserve=reserve, budgets=budgets, weights=weights, rng=rng
        )


MECHANISMS: dict[str, Mechanism] = {}
"""Every registered mechanism by canonical name, in registration order."""

ALIASES: dict[str, str] = {"first_price": "pay_as_bid", "second_price": "vickrey"}
"""Alternative names accepted wherever a mechanism name is expected."""


def register(
    name: str, *, truthful: bool, uses_money: bool, divisible: bool, description: str
) -> Callable[[Rule], Rule]:
    """Register a rule under ``name`` (decorator).

    Args:
        name: Canonical name; must not clash with a registered name or an alias.
        truthful: See :class:`Mechanism`.
        uses_money: See :class:`Mechanism`.
        divisible: See :class:`Mechanism`.
        description: See :class:`Mechanism`.

    Returns:
        A decorator that records the rule and returns it unchanged.

    Raises:
        ValueError: If the name is already taken.
    """

    def decorate(func: Rule) -> Rule:
        if name in MECHANISMS or name in ALIASES:
            raise ValueError(f"mechanism name {name!r} is already registered; pick another name")
        MECHANISMS[name] = Mechanism(
            name=name,
            func=func,
            truthful=truthful,
            uses_money=uses_money,
            divisible=divisible,
            description=description,
        )
        return func

    return decorate


def resolve_mechanism(name: object) -> str:
    """Return the canonical name for a mechanism name or alias.

    Matching ignores case, surrounding spaces, and treats ``-`` and spaces as ``_``
    (so ``"Second-Price"`` means ``vickrey``).

    Args:
        name: A mechanism name or alias.

    Returns:
        The canonical name, a key of :data:`MECHANISMS`.

    Raises:
        ValueError: If the name is unknown; the message lists the valid names.
    """
    if isinstance(name, str):
        if name in MECHANISMS:
            return name
        key = name.strip().lower().replace("-", "_").replace(" ", "_")
        if key in MECHANISMS:
            return key
        if key in ALIASES:
            return ALIASES[key]
    valid = ", ".join(MECHANISMS)
    aliases = ", ".join(f"{a} -> {c}" for a, c in ALIASES.items())
    raise ValueError(f"mechanism {name!r} is unknown; choose one of: {valid} (aliases: {aliases})")
