"""Kelly's price-anticipating bidder for proportional share (Johari & Tsitsiklis 2004)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from agents.strategies.base import BiddingStrategy, Feedback, TeamStateStrategy, price_taking
from agents.strategies.view import TeamView
from market import Pricing

__all__ = ["KellyAnticipating", "anticipating_money"]


class KellyAnticipating(TeamStateStrategy):
    """The price-anticipating bidder of Kelly's proportional share (Johari & Tsitsiklis 2004).

    Knowing that its own money w moves the price, the team gets
    ``x(w) = S·w / (w + W)`` tranches of the S on sale, where W is the others' money
    (estimated as the forecast price times S, less its own money last week), and spends
    the w that maximises ``U(x(w)) − w``: the root of ``U'(x(w))·S·W/(w + W)² = 1``
    (found by bisection; U' is the marginal value of the next tranche). The money is
    spread over the tranches in proportion to their values. Without a forecast or a known
    supply it spends like a price-taker; under other rules it bids its values.

    Attributes:
        last_money: Money the team bid last week (0 before its first week).
    """

    name = "kelly_anticipating"
    metadata: ClassVar[dict[str, Any]] = {
        "description": "Under proportional share, spends the money that maximises value "
        "minus payment knowing its bid moves the price (Johari & Tsitsiklis 2004); "
        "truthful elsewhere.",
        "uses_stress": False,
        "stochastic": False,
        "learns": True,
    }

    def __init__(self) -> None:
        self.last_money = 0.0

    def describe(self) -> str:
        """What it spends, in words."""
        return (
            "It bids as a price-anticipating user of proportional share (its money moves the "
            f"price; last week it spent {self.last_money:,.0f} credits) and truthfully "
            "under other rules."
        )

    @classmethod
    def propose_for(
        cls, members: Sequence[BiddingStrategy], view: TeamView, rng: np.random.Generator
    ) -> np.ndarray:
        """The best response of each member to the others' estimated money."""
        values = view.values
        if not members:
            return np.zeros(values.shape)
        if view.pricing is not Pricing.PROPORTIONAL:
            return values.copy()
        supply, price = view.supply, view.price_forecast
        if supply is None or supply <= 0.0 or price is None or price <= 0.0:
            return price_taking(values, price)
        own = np.array([getattr(m, "last_money", 0.0) for m in members], dtype=float)
        others = np.maximum(price * supply - own, 1e-9)
        money = anticipating_money(values, view.budget, others, supply)
        total = np.maximum(values, 0.0).sum(axis=1)
        share = np.divide(
            values, total[:, None], out=np.zeros_like(values), where=total[:, None] > 0
        )
        return share * money[:, None]

    @classmethod
    def observe_for(cls, members: Sequence[BiddingStrategy], feedback: Feedback) -> None:
        """Remember the money each team bid (the others' money is estimated from it)."""
        money = np.asarray(feedback.bids, dtype=float).sum(axis=1)
        for j, member in enumerate(members):
            if isinstance(member, KellyAnticipating):
                member.last_money = float(money[j])


def anticipating_money(
    values: np.ndarray, budget: np.ndarray, others: np.ndarray, supply: float, iters: int = 60
) -> np.ndarray:
    """Each row's best-response money under proportional share (bisection on the FOC).

    Args:
        values: (m, k) marginal values of the next tranches (non-increasing).
        budget: (m,) budgets (``inf``: no limit).
        others: (m,) the money of everyone else, > 0.
        supply: Tranches on sale, > 0.
        iters: Bisection steps.

    Returns:
        (m,) money in ``[0, min(budget, Σ values)]``.
    """
    values = np.asarray(values, dtype=float)
    m, k = values.shape
    if k == 0:
        return np.zeros(m)
    rows = np.arange(m)
    high = np.minimum(np.maximum(budget, 0.0), np.maximum(values, 0.0).sum(axis=1))

    def slope(w: np.ndarray) -> np.ndarray:
        x = supply * w / (w + others)
        idx = np.floor(x).astype(np.int64)
        marginal = np.where(idx < k, values[rows, np.minimum(idx, k - 1)], 0.0)
        return marginal * supply * others / (w + others) ** 2 - 1.0

    low = np.zeros(m)
    top = high.copy()
    rising = slope(low) > 0.0
    for _ in range(iters):
        mid = 0.5 * (low + top)
        up = slope(mid) > 0.0
        low = np.where(up, mid, low)
        top = np.where(up, top, mid)
    return np.where(rising, np.minimum(low, high), 0.0)
