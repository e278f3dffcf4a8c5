"""Hedge that shades its first tranche and its later tranches separately.

Under a uniform-price auction a team's own losing bids can set the price it pays for the
tranches it wins (the price is the highest rejected bid), so a bidder with market power
gains by bidding less for its later tranches than they are worth: demand reduction
(Ausubel, Cramton, Pycia, Rostek & Weretka 2014). Under Vickrey a team's bids never set
its own price, so it has nothing to gain. :class:`HedgeByUnit` learns the two shadings
as one arm of a grid of pairs ``(s_first, s_later)``, with full information like
:class:`~agents.strategies.learning.Hedge`, so it can find demand reduction where it
pays and only there.

Its prior (initial log-weights ``−PRIOR·(s_first + s_later)``) says "bid what it is
worth unless shading has been seen to pay": where every shading of a later tranche
gives the same outcome (it loses anyway) the learner stays near truthful instead of
drifting to the grid's middle, so a learned shading is evidence, not an artefact.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from agents.strategies.base import price_taking
from agents.strategies.learning import Hedge
from agents.strategies.view import BiddingParams, TeamView
from market import Pricing

__all__ = ["UNIT_GRID", "HedgeByUnit"]

#: Shadings each of the two parts (first tranche, later tranches) chooses from.
UNIT_GRID: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8)
#: Log-weight taken from an arm per unit of shading before anything is learned.
PRIOR = 1.0

_K = len(UNIT_GRID)
_FIRST = np.repeat(np.asarray(UNIT_GRID), _K)
_LATER = np.tile(np.asarray(UNIT_GRID), _K)


class HedgeByUnit(Hedge):
    """Hedge over pairs (shading of the first tranche, shading of every later tranche).

    The arm index a stands for ``(UNIT_GRID[a // 5], UNIT_GRID[a % 5])``; the team bids
    ``(1 − s_first)·v_1`` for its first tranche and ``(1 − s_later)·v_k`` for the others
    (then made non-increasing, as every book is).
    """

    name = "hedge_by_unit"
    arms: ClassVar[tuple[float, ...]] = tuple(float(a) for a in range(_K * _K))
    metadata: ClassVar[dict[str, Any]] = {
        "description": "Learns, with multiplicative weights, how much to shade its first "
        "tranche and how much its later ones, so it can learn demand reduction.",
        "uses_stress": False,
        "stochastic": True,
        "learns": True,
    }

    def __init__(self) -> None:
        super().__init__()
        self.scores = -PRIOR * (_FIRST + _LATER)

    @staticmethod
    def pair(arm: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The (first, later) shadings arm index ``arm`` stands for."""
        idx = np.asarray(arm, dtype=np.int64)
        return _FIRST[idx], _LATER[idx]

    @classmethod
    def act(cls, choice: np.ndarray, view: TeamView) -> np.ndarray:
        """Shade column 0 by ``s_first`` and every other column by ``s_later``."""
        first, later = cls.pair(choice)
        factor = np.repeat((1.0 - later)[:, None], view.values.shape[1], axis=1)
        if factor.shape[1]:
            factor[:, 0] = 1.0 - first
        worth = np.minimum.accumulate(view.values * factor, axis=1)
        if view.pricing is Pricing.PROPORTIONAL:
            return price_taking(worth, view.price_forecast)
        if view.pricing is Pricing.NONE:
            return view.values.copy()
        return worth

    def expected_pair(self, params: BiddingParams | None = None) -> tuple[float, float]:
        """The expected (first, later) shading under this week's distribution."""
        probs = self.probabilities(params or BiddingParams())
        return float(probs @ _FIRST), float(probs @ _LATER)

    def expected_arm(self, params: BiddingParams | None = None) -> float:
        """The expected shading of the first tranche (what ``describe`` speaks of)."""
        return self.expected_pair(params)[0]

    def describe(self) -> str:
        """Both learned shadings, in words."""
        if not self.weeks:
            return f"It bids with the {self.label} strategy and has not learned anything yet."
        first, later = self.expected_pair()
        return (
            f"It bids with the {self.label} strategy; over {self.weeks} week(s) it has learned "
            f"to bid about {100 * (1 - first):.0f}% of its value for its first tranche and "
            f"{100 * (1 - later):.0f}% for later ones."
        )
