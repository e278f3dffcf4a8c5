"""The world's own state besides the teams: the week, the fleet and the market's memory."""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["WorldState"]


@dataclass
class WorldState:
    """What the world remembers from week to week (the teams' state is in the team table).

    Attributes:
        week: Weeks played so far (the next week to play).
        fleet0: Fleet size at week 0, in tranches.
        fleet: Fleet size now, in tranches.
        offline_share: Share of the fleet offline this week (an outage).
        last_price: The last clearing price, or None before the first priced week.
        price_forecast: The price teams expect (adaptive expectations of the clearing
            price), or None before the first priced week.
    """

    week: int
    fleet0: float
    fleet: float
    offline_share: float = 0.0
    last_price: float | None = None
    price_forecast: float | None = None

    def observe_price(self, price: float, weight: float) -> None:
        """Remember a money market's clearing price and move the forecast towards it.

        Args:
            price: This week's clearing price (NaN when nobody bought).
            weight: Share of the gap between price and forecast closed each week; a week
                without trade lowers the forecast by this share.
        """
        if math.isnan(price):
            if self.price_forecast is not None:
                self.price_forecast *= 1.0 - weight
            return
        self.last_price = price
        if self.price_forecast is None:
            self.price_forecast = price
        else:
            self.price_forecast += weight * (price - self.price_forecast)

    @property
    def ambition(self) -> float:
        """Fleet growth since week 0 (new projects' needs scale with a power of it)."""
        return self.fleet / self.fleet0
