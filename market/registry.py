"""The registry of mechanisms: one descriptor per rule, holding everything known about it.

A rule is a pure function ``rule(book, rng) -> (allocation, payments, price)`` taking a
validated :class:`~market.book.BidBook` (already trimmed to budgets and reserve for money
rules) and a :class:`~market.book.LazyGenerator`. :func:`register` records it under a
name in a :class:`Mechanism` descriptor that carries every fact the rest of the code needs:
its label, description, formula, whether it is truthful, whether it uses money, whether it
is divisible, its pricing kind (what strategies branch on) and at least one hand-worked
example. Nothing else in the project keeps a list of mechanisms: scenarios validate against
:data:`MECHANISMS`, pages take labels and formulas from it, and a rule registered by a
user's own module is accepted everywhere a name is.

This module imports only :mod:`market.book` and :mod:`market.outcome`; ``market.clear``
builds on it, never the reverse.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike

from market.book import BidBook, LazyGenerator, make_book
from market.outcome import Outcome

__all__ = [
    "ALIASES",
    "MECHANISMS",
    "Example",
    "Mechanism",
    "Pricing",
    "Rule",
    "RuleResult",
    "register",
    "resolve_mechanism",
    "unregister",
]

RuleResult = tuple[np.ndarray, np.ndarray, float | None]
"""What a rule returns: ``(allocation, payments, price)``."""

Rule = Callable[[BidBook, LazyGenerator], RuleResult]
"""A mechanism's pure clearing rule."""


class Pricing(StrEnum):
    """How a rule charges winners: what bidding strategies branch on.

    Attributes:
        DISCRIMINATORY: Each winner pays its own winning bids (pay-as-bid, first price).
        UNIFORM: Every winning unit pays one market price (uniform price, clocks).
        VCG: Each winner pays the externality it imposes (Vickrey, second price).
        PROPORTIONAL: Each bidder pays its whole bid for a proportional share (Kelly).
        NONE: Nobody pays; the rule reads demands and weights only.
    """

    DISCRIMINATORY = "discriminatory"
    UNIFORM = "uniform"
    VCG = "vcg"
    PROPORTIONAL = "proportional"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Example:
    """A hand-worked clearing: the inputs and the outcome worked out on paper.

    Attributes:
        bids: The bid book (rows non-increasing).
        supply: Units on offer.
        allocation: Expected units per bidder.
        payments: Expected payment per bidder.
        price: Expected uniform price, or ``None`` when the rule has none.
        reserve: Reserve price.
        budgets: Optional budgets.
        weights: Optional priority weights.
        demand: Optional reported demands (whole units).
        note: How the numbers were worked out, in words.
    """

    bids: Sequence[Sequence[float]] | Sequence[float]
    supply: float
    allocation: Sequence[float]
    payments: Sequence[float]
    price: float | None = None
    reserve: float = 0.0
    budgets: Sequence[float] | None = None
    weights: Sequence[float] | None = None
    demand: Sequence[float] | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Mechanism:
    """A registered mechanism: its rule plus everything a user or a strategy needs to know.

    Attributes:
        name: Canonical name.
        func: The pure rule ``func(book, rng) -> (allocation, payments, price)``.
        label: Short readable name ("Vickrey (VCG)").
        pricing: How winners are charged (see :class:`Pricing`).
        truthful: Whether reporting one's true values (or true demand, for rules without
            money) is a dominant strategy.
        divisible: Whether allocations may be fractional.
        description: One-paragraph plain-language description.
        formula: The rule as a LaTeX formula (empty when none is given).
        reading: How to read the formula, in plain words.
        source: Where the rule comes from (references).
        examples: Hand-worked clearings the rule must reproduce.
    """

    name: str
    func: Rule
    label: str
    pricing: Pricing
    truthful: bool
    divisible: bool
    description: str
    formula: str = ""
    reading: str = ""
    source: str = ""
    examples: tuple[Example, ...] = field(default=())

    @property
    def uses_money(self) -> bool:
        """Whether bidders pay (every pricing kind but :attr:`Pricing.NONE`)."""
        return self.pricing is not Pricing.NONE

    def __call__(
        self,
        bids: ArrayLike,
        supply: float,
        *,
        reserve: float = 0.0,
        budgets: ArrayLike | None = None,
        weights: ArrayLike | None = None,
        demand: ArrayLike | None = None,
        rng: np.random.Generator | None = None,
    ) -> Outcome:
        """Clear one market with this rule: validate, apply budgets and reserve, run the rule.

        Rules without money ignore ``budgets`` and ``reserve`` and read ``demand`` (reported
        whole units) when given; only rules that read priorities (``committee``) use
        ``weights``. See :func:`market.clear` for the arguments.

        Raises:
            ValueError: On any invalid input.
        """
        lazy_rng = LazyGenerator(rng)
        book = make_book(
            bids, supply, reserve=reserve, budgets=budgets, weights=weights, demand=demand
        )
        return self.clear_book(book, lazy_rng)

    def clear_book(self, book: BidBook, rng: LazyGenerator) -> Outcome:
        """Clear a book that is already valid (built by :func:`~market.book.make_book`).

        For callers that clear many books they have checked once, e.g. a model whose
        strategies' bids are sanitised; :meth:`__call__` validates and then calls this.

        Args:
            book: A valid bid book (budgets and reserve not yet applied).
            rng: Randomness for tie-breaks and lotteries.
        """
        if self.uses_money:
            book = book.priced()
        allocation, payments, price = self.func(book, rng)
        return Outcome(
            allocation=allocation,
            payments=payments,
            price=None if price is None else float(price),
            mechanism=self.name,
        )

    def check_examples(self) -> list[str]:
        """Clear every hand-worked example and list what does not match (empty when all do).

        Returns:
            One line per mismatch, naming the example, the quantity, expected and got.
        """
        problems: list[str] = []
        if not self.examples:
            problems.append(f"{self.name}: no hand-worked example; pass examples= to register")
        for i, ex in enumerate(self.examples):
            out = self(
                ex.bids,
                ex.supply,
                reserve=ex.reserve,
                budgets=ex.budgets,
                weights=ex.weights,
                demand=ex.demand,
                rng=np.random.default_rng(0),
            )
            where = f"{self.name} example {i}"
            for what, got, want in (
                ("allocation", out.allocation, ex.allocation),
                ("payments", out.payments, ex.payments),
            ):
                if not np.allclose(got, want, rtol=1e-12, atol=1e-12):
                    problems.append(f"{where}: {what} {got.tolist()}, expected {list(want)}")
            if (out.price is None) != (ex.price is None) or (
                out.price is not None
                and ex.price is not None
                and not math.isclose(out.price, ex.price, rel_tol=1e-12)
            ):
                problems.append(f"{where}: price {out.price}, expected {ex.price}")
        return problems


MECHANISMS: dict[str, Mechanism] = {}
"""Every registered mechanism by canonical name, in registration order."""

ALIASES: dict[str, str] = {"first_price": "pay_as_bid", "second_price": "vickrey"}
"""Alternative names accepted wherever a mechanism name is expected."""


def register(
    name: str,
    *,
    label: str,
    pricing: Pricing | str,
    truthful: bool,
    divisible: bool,
    description: str,
    examples: Sequence[Example],
    formula: str = "",
    reading: str = "",
    source: str = "",
) -> Callable[[Rule], Rule]:
    """Register a rule under ``name`` (decorator): the one step that adds a mechanism.

    Args:
        name: Canonical name, a lowercase identifier; must not clash with a registered
            name or an alias.
        label: See :class:`Mechanism`.
        pricing: A :class:`Pricing` or its value (``"uniform"``, ``"none"``...).
        truthful: See :class:`Mechanism`.
        divisible: See :class:`Mechanism`.
        description: See :class:`Mechanism`.
        examples: At least one hand-worked :class:`Example`.
        formula: See :class:`Mechanism`.
        reading: See :class:`Mechanism`.
        source: See :class:`Mechanism`.

    Returns:
        A decorator that records the rule and returns it unchanged.

    Raises:
        ValueError: If the name is taken or malformed, the pricing kind unknown, the label
            or description empty, or no example is given.
    """
    if not (isinstance(name, str) and name.isidentifier() and name == name.lower()):
        raise ValueError(f"mechanism name {name!r} is not allowed; use a lowercase identifier")
    if name in MECHANISMS or name in ALIASES:
        raise ValueError(f"mechanism name {name!r} is already registered; pick another name")
    try:
        kind = Pricing(pricing)
    except ValueError:
        allowed = ", ".join(p.value for p in Pricing)
        raise ValueError(
            f"mechanism {name!r}: pricing = {pricing!r} is unknown; allowed: {allowed}"
        ) from None
    if not label or not description:
        raise ValueError(f"mechanism {name!r}: label and description must not be empty")
    cases = tuple(examples)
    if not cases or not all(isinstance(e, Example) for e in cases):
        raise ValueError(
            f"mechanism {name!r}: give at least one hand-worked market.Example in examples="
        )

    def decorate(func: Rule) -> Rule:
        MECHANISMS[name] = Mechanism(
            name=name,
            func=func,
            label=label,
            pricing=kind,
            truthful=truthful,
            divisible=divisible,
            description=description,
            formula=formula,
            reading=reading,
            source=source,
            examples=cases,
        )
        return func

    return decorate


def unregister(name: str) -> None:
    """Remove a mechanism (for tests and notebooks that register throw-away rules)."""
    MECHANISMS.pop(name, None)


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
