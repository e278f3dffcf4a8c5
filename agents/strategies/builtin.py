"""The built-in bidding strategies: truthful, shaded, auction fever and budget pacing.

Each is a small stateless class; it branches on the view's :class:`~market.Pricing`
kind, never on a mechanism's name, so a newly registered rule is handled by its kind.
Under proportional pricing (Kelly's proportional share) a bid is money rather than a
value, so every built-in strategy spends like Kelly's price-taking user
(:func:`~agents.strategies.base.price_taking`) on what its rule makes tranches worth.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from agents.strategies.base import BiddingStrategy, price_taking, shade_factor
from agents.strategies.view import TeamView
from market import Pricing

__all__ = ["AuctionFever", "BudgetPacer", "Shaded", "Truthful"]


class Truthful(BiddingStrategy):
    """Bid true marginal values (dominant in Vickrey; overpays elsewhere)."""

    name = "truthful"
    metadata: ClassVar[dict[str, Any]] = {
        "description": "Bids its true marginal values.",
        "uses_stress": False,
        "stochastic": False,
        "learns": False,
    }

    def propose(self, view: TeamView, rng: np.random.Generator) -> np.ndarray:
        """Return a copy of the values (price-taking money under proportional share)."""
        if view.pricing is Pricing.PROPORTIONAL:
            return price_taking(view.values, view.price_forecast)
        return view.values.copy()


class Shaded(BiddingStrategy):
    """Shade bids the way theory says for the mechanism in use.

    - discriminatory pricing (pay-as-bid, first price): every unit times (n−1)/n (or
      ``params.shade``);
    - uniform pricing (uniform price, clock auctions): demand reduction — the first
      unit at its value, later units times (n−1)/n, since they may set the price paid
      on all units (Ausubel et al. 2014);
    - VCG, proportional and no pricing: truthful.
    """

    name = "shaded"
    metadata: ClassVar[dict[str, Any]] = {
        "description": "Shades bids by (n-1)/n where winners pay their bids, reduces "
        "demand where one price is paid for every unit, truthful otherwise.",
        "uses_stress": False,
        "stochastic": False,
        "learns": False,
    }

    def propose(self, view: TeamView, rng: np.random.Generator) -> np.ndarray:
        """Return the shaded values."""
        factor = shade_factor(view.n_bidders, view.params)
        if view.pricing is Pricing.DISCRIMINATORY:
            return view.values * factor
        if view.pricing is Pricing.UNIFORM:
            bids = view.values * factor
            bids[:, :1] = view.values[:, :1]
            return bids
        if view.pricing is Pricing.PROPORTIONAL:
            return price_taking(view.values, view.price_forecast)
        return view.values.copy()


class AuctionFever(BiddingStrategy):
    """Competitive arousal: stress inflates bids (Ku, Malhotra & Murnighan 2005).

    ``bid = values·(1 + fever·s·(1 + L)) + w`` on every unit with a positive value,
    where s is stress, L = 1 if the team lost last round (a stressed loser's fever
    doubles: rivalry), ``fever`` and ``w = joy_of_winning`` come from the params. A
    calm team with w = 0 bids truthfully. Bids may exceed values: that is the fever.
    """

    name = "auction_fever"
    metadata: ClassVar[dict[str, Any]] = {
        "description": "Bids rise with stress, more so after losing; joy of winning "
        "adds a bonus to every positive bid.",
        "uses_stress": True,
        "stochastic": False,
        "learns": False,
    }

    def propose(self, view: TeamView, rng: np.random.Generator) -> np.ndarray:
        """Return the fevered values."""
        p = view.params
        stress = np.clip(view.stress, 0.0, 1.0)
        arousal = 1.0 + p.fever * stress * (1.0 + view.lost_last)
        bids = view.values * arousal[:, None]
        fevered = np.where(view.values > 0.0, bids + p.joy_of_winning, 0.0)
        if view.pricing is Pricing.PROPORTIONAL:
            return price_taking(fevered, view.price_forecast)
        return fevered


class BudgetPacer(BiddingStrategy):
    """Spread the budget over the quarter by scaling bids down (budget pacing).

    Per-week target ``τ = budget / max(weeks_left, 1)``. With the last clearing price
    ``p̂`` as the forecast, truthful bids would win the units valued at least ``p̂``
    and spend ``E = p̂·#{v ≥ p̂}`` (pay-as-bid: ``Σ_{v ≥ p̂} v``, the bids paid);
    without a forecast ``E = Σ v`` (every bid paid in full). The full correction is
    ``μ* = min(1, τ/E)``; because one price is a noisy forecast only part of it is
    applied, ``μ = λ + (1 − λ)·μ*`` with ``λ = pace_smoothing``, and the bids are
    ``μ·values``. Week after week the remaining budget feeds back into τ, so the pace
    converges. ``E = 0`` (nothing to win) means no pacing.
    """

    name = "budget_pacer"
    metadata: ClassVar[dict[str, Any]] = {
        "description": "Scales bids so the expected weekly spend matches the budget "
        "left per week, forecasting the price from the last round.",
        "uses_stress": False,
        "stochastic": False,
        "learns": False,
    }

    def propose(self, view: TeamView, rng: np.random.Generator) -> np.ndarray:
        """Return the paced values."""
        values = view.values
        target = np.maximum(view.budget, 0.0) / max(view.weeks_left_in_quarter, 1)
        price = view.last_price
        if price is None or price <= 0.0:
            expected = values.sum(axis=1)
        else:
            winning = values >= price
            if view.pricing is Pricing.DISCRIMINATORY:
                expected = np.where(winning, values, 0.0).sum(axis=1)
            else:
                expected = price * winning.sum(axis=1)
        with np.errstate(over="ignore"):  # a tiny expected spend means "no need to slow down"
            full = np.divide(target, expected, out=np.ones_like(target), where=expected > 0.0)
        full = np.minimum(full, 1.0)
        lam = view.params.pace_smoothing
        multiplier = lam + (1.0 - lam) * full
        paced = values * multiplier[:, None]
        if view.pricing is Pricing.PROPORTIONAL:
            return price_taking(paced, view.price_forecast)
        return paced
