"""The bidding-strategy base class and the helpers every strategy shares.

A strategy turns a read-only :class:`~agents.strategies.view.TeamView` of a batch of
teams into a bid book ``(m, k)`` for the market. It never sees the model. Subclasses
implement :meth:`BiddingStrategy.propose`; :meth:`BiddingStrategy.bid` sanitises the
proposal so every strategy's bids are non-negative, non-increasing along each row and
within each team's budget.

Each team agent holds its own strategy object. For speed the model asks per strategy
*class*: :meth:`BiddingStrategy.bid_for` decides for every team playing the class in
one vectorised call. The default suits strategies without per-team state (every
member decides alike); a strategy that keeps state per team (a learning bidder, a
workshop seat) overrides :meth:`~BiddingStrategy.bid_for` and
:meth:`~BiddingStrategy.observe_for`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from agents.strategies.view import BiddingParams, TeamView

__all__ = [
    "BiddingStrategy",
    "Feedback",
    "TeamStateStrategy",
    "clip_to_budget",
    "enforce_non_increasing",
    "price_taking",
    "sanitise",
    "shade_factor",
]


@dataclass(frozen=True, slots=True)
class Feedback:
    """What a batch of teams learns after the market cleared (rows as in the view).

    Attributes:
        view: The view the teams bid from.
        bids: (m, k) the bids they submitted.
        won: (m,) tranches won at auction.
        paid: (m,) credits paid.
        price: The clearing price, or None when the rule has none.
        hindsight: ``hindsight(j, rows)`` → ``(won, paid)``: what the team of row j would
            have won at auction and paid had it bid each of ``rows`` (``(a, k)``), all
            else equal; None where the market does not tell.
    """

    view: TeamView
    bids: np.ndarray
    won: np.ndarray
    paid: np.ndarray
    price: float | None
    hindsight: Callable[[int, np.ndarray], tuple[np.ndarray, np.ndarray]] | None = None


def sanitise(raw: np.ndarray, budget: np.ndarray, name: str = "") -> np.ndarray:
    """Proposed bids made into a valid bid book: finite, >= 0, non-increasing, within budget.

    Args:
        raw: (m, k) proposed bids.
        budget: (m,) budgets.
        name: The proposing strategy (for the error message).

    Raises:
        ValueError: If a proposal contains NaN.
    """
    if np.isnan(raw).any():
        raise ValueError(f"strategy {name!r} proposed NaN bids; bids must be numbers")
    return clip_to_budget(enforce_non_increasing(raw), budget)


def price_taking(worth: np.ndarray, price: float | None) -> np.ndarray:
    """Bids of a price-taking user of Kelly's proportional share: money, not values.

    Under proportional share a bid is what the team spends, and it gets a share of the
    pool in proportion. A price-taking user (Kelly 1997; Johari & Tsitsiklis 2004 call the
    resulting equilibrium efficient) spends the forecast price on every tranche worth at
    least that price. Without a forecast (the first priced week) each row's forecast is its
    smallest positive worth, so no team spends its whole budget blind. The model's forecast
    is a smoothed history of clearing prices (``market.price_forecast_weight``): expecting
    last week's price makes the spending of price-takers swing from week to week.

    Args:
        worth: (m, k) what each tranche is worth to the team (its values, or what its
            strategy makes of them).
        price: The forecast price per tranche, or None.

    Returns:
        (m, k) money bids, non-increasing along each row.
    """
    worth = np.asarray(worth, dtype=float)
    if price is not None and price > 0.0:
        return np.where(worth >= price, price, 0.0)
    positive = np.where(worth > 0.0, worth, np.inf)
    forecast = positive.min(axis=1, initial=np.inf)[:, None] if worth.size else positive
    return np.where(worth > 0.0, np.where(np.isfinite(forecast), forecast, 0.0), 0.0)


def enforce_non_increasing(bids: np.ndarray) -> np.ndarray:
    """Make every row non-negative and non-increasing (running minimum along the row).

    Args:
        bids: (m, k) bids.

    Returns:
        A new (m, k) array; unchanged where the rows already qualified.
    """
    bids = np.maximum(np.asarray(bids, dtype=float), 0.0)
    if bids.size == 0 or bids.shape[1] < 2:
        return bids
    return np.minimum.accumulate(bids, axis=1)


def clip_to_budget(bids: np.ndarray, budget: np.ndarray) -> np.ndarray:
    """Trim each row from its last unit so that the row's total is within budget.

    Unit j keeps ``min(bid_j, budget − Σ_{l<j} bid_l)`` (never below 0): whole units
    are dropped from the end and the marginal unit is lowered to what is left. Rows
    that are non-increasing stay non-increasing; a negative budget counts as 0.

    Args:
        bids: (m, k) non-negative bids.
        budget: (m,) budgets; ``inf`` means no limit.

    Returns:
        A new (m, k) array whose row sums are ``<= max(budget, 0)``.
    """
    bids = np.asarray(bids, dtype=float)
    budget = np.maximum(np.asarray(budget, dtype=float), 0.0)
    if bids.size == 0:
        return bids.copy()
    spent_before = np.add.accumulate(bids, axis=1)
    spent_before -= bids
    left = budget[:, None] - spent_before
    np.maximum(left, 0.0, out=left)
    return np.minimum(bids, left)


def shade_factor(n_bidders: int, params: BiddingParams) -> float:
    """Bid-shading factor: ``params.shade`` if set, else (n−1)/n.

    (n−1)/n is the first-price equilibrium with values i.i.d. uniform. A lone bidder is
    treated as facing one rival (factor 1/2), because a zero bid means "no bid".

    Args:
        n_bidders: Bidders in the whole market.
        params: Bidding parameters.

    Returns:
        The factor in [0, 1].
    """
    if params.shade is not None:
        return float(params.shade)
    n = max(int(n_bidders), 2)
    return (n - 1) / n


class BiddingStrategy:
    """Base class of bidding strategies.

    Subclasses set ``name`` and ``metadata`` and implement :meth:`propose`. Callers
    use :meth:`bid` (one batch) or :meth:`bid_for` (every team playing the class);
    both sanitise the proposal. Randomness comes only from the ``rng`` passed in.

    Attributes:
        name: Registry name.
        metadata: ``{"description": str, "uses_stress": bool, "stochastic": bool,
            "learns": bool}``.
    """

    name: ClassVar[str] = ""
    metadata: ClassVar[dict[str, Any]] = {
        "description": "",
        "uses_stress": False,
        "stochastic": False,
        "learns": False,
    }

    def propose(self, view: TeamView, rng: np.random.Generator) -> np.ndarray:
        """Raw bids before sanitising; subclasses implement this.

        Args:
            view: What the teams may know (read-only).
            rng: Random generator for stochastic strategies.

        Returns:
            (m, k) bids.
        """
        raise NotImplementedError

    def bid(self, view: TeamView, rng: np.random.Generator) -> np.ndarray:
        """Bids for every team in the view, ready for ``market.clear``.

        Args:
            view: What the teams may know (read-only).
            rng: Random generator for stochastic strategies.

        Returns:
            A new (m, k) float array: non-negative, non-increasing along each row and
            with each row's total within that team's budget.
        """
        return sanitise(self._checked(self.propose(view, rng), view), view.budget, self.name)

    @classmethod
    def _checked(cls, raw: np.ndarray, view: TeamView) -> np.ndarray:
        raw = np.asarray(raw, dtype=float)
        if raw.shape != view.values.shape:
            raise ValueError(
                f"strategy {cls.name!r} proposed bids of shape {raw.shape}; "
                f"expected {view.values.shape}"
            )
        return raw

    @classmethod
    def propose_for(
        cls, members: Sequence[BiddingStrategy], view: TeamView, rng: np.random.Generator
    ) -> np.ndarray:
        """Raw bids of every team playing this class; row j is ``members[j]``'s team.

        The default lets the first member propose for the whole batch, which is right
        for strategies without per-team state or parameters (every built-in one).
        Strategies with per-team state override this (and :meth:`observe_for`).

        Args:
            members: The strategy objects of the teams, one per row of ``view``.
            view: What those teams may know.
            rng: The model's generator.

        Returns:
            (m, k) raw bids (the caller sanitises them, see :func:`sanitise`).
        """
        if not members:
            return np.zeros(view.values.shape)
        return cls._checked(members[0].propose(view, rng), view)

    @classmethod
    def bid_for(
        cls, members: Sequence[BiddingStrategy], view: TeamView, rng: np.random.Generator
    ) -> np.ndarray:
        """Bids of every team playing this class in one call, ready for ``market.clear``.

        :meth:`propose_for` and then :func:`sanitise`.

        Args:
            members: The strategy objects of the teams, one per row of ``view``.
            view: What those teams may know.
            rng: The model's generator.

        Returns:
            The (m, k) sanitised bids.
        """
        return sanitise(cls.propose_for(members, view, rng), view.budget, cls.name)

    def report(self, view: TeamView, rng: np.random.Generator) -> np.ndarray:
        """Whole tranches each team reports it needs; rules without money share by these.

        The default tells the truth: the team's shortfall rounded up. A strategy that
        inflates its need overrides this.

        Args:
            view: What the teams may know (read-only).
            rng: Random generator for stochastic strategies.

        Returns:
            (m,) whole numbers >= 0.
        """
        return np.ceil(np.maximum(view.need, 0.0) - 1e-9)

    @classmethod
    def report_for(
        cls, members: Sequence[BiddingStrategy], view: TeamView, rng: np.random.Generator
    ) -> np.ndarray:
        """Reported needs of every team playing this class (row j is ``members[j]``'s).

        Like :meth:`propose_for`, the first member reports for the batch by default.
        """
        if not members:
            return np.zeros(view.values.shape[0])
        return np.maximum(np.ceil(np.asarray(members[0].report(view, rng), dtype=float)), 0.0)

    @classmethod
    def observe_for(cls, members: Sequence[BiddingStrategy], feedback: Feedback) -> None:
        """Let every member learn from how the market treated its team (default: nothing).

        Args:
            members: The strategy objects, one per row of ``feedback``.
            feedback: What the teams bid, won and paid this week.
        """

    @property
    def label(self) -> str:
        """Readable name for explanations: ``metadata["label"]``, else the name with spaces."""
        return str(self.metadata.get("label") or self.name.replace("_", " "))

    def describe(self) -> str:
        """One sentence on how this team bids now (what it has learned, for learners)."""
        return f"It bids with the {self.label} strategy: {self.metadata['description']}"

    @classmethod
    def learns(cls) -> bool:
        """Whether the class overrides :meth:`observe_for` (the model skips it otherwise)."""
        return cls.observe_for.__func__ is not BiddingStrategy.observe_for.__func__  # type: ignore[attr-defined]

    def __eq__(self, other: object) -> bool:
        """Strategies without state are equal when they are of the same class."""
        return type(self) is type(other) and vars(self) == vars(other)

    def __hash__(self) -> int:
        return hash(type(self))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class TeamStateStrategy(BiddingStrategy):
    """A strategy that keeps state per team and decides for a batch in one call.

    Subclasses implement :meth:`~BiddingStrategy.propose_for` (and, to report needs of
    their own, :meth:`~BiddingStrategy.report_for`); one object asked alone answers for
    every row of the view as if each were its own team.
    """

    def propose(self, view: TeamView, rng: np.random.Generator) -> np.ndarray:
        """Bids of every row of the view as this one team's (see ``propose_for``)."""
        return type(self).propose_for([self] * view.m, view, rng)

    def report(self, view: TeamView, rng: np.random.Generator) -> np.ndarray:
        """Needs of every row as this one team reports them (see ``report_for``)."""
        if type(self).report_for.__func__ is BiddingStrategy.report_for.__func__:  # type: ignore[attr-defined]
            return super().report(view, rng)
        return type(self).report_for([self] * view.m, view, rng)
