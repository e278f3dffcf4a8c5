"""What a team may know when it bids: a read-only view, never the model."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import Field

from agents.schema import Params
from market import Pricing

__all__ = ["BiddingParams", "TeamView"]


class BiddingParams(Params):
    """Knobs shared by the bidding strategies."""

    shade: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Forced bid-shading factor; unset means (n−1)/n for n bidders "
        "(the first-price equilibrium with uniform values).",
    )
    fever: float = Field(
        0.5,
        ge=0,
        le=5,
        description="Auction-fever strength: bids scale by 1 + fever·stress·(1 + lost_last).",
    )
    joy_of_winning: float = Field(
        0.0, ge=0, le=1e6, description="Bonus w added to every positive bid (Ku et al. 2005)."
    )
    pace_smoothing: float = Field(
        0.5,
        ge=0,
        le=1,
        description="How much of the budget pacer's correction is held back each week "
        "(0 = full correction, 1 = never pace).",
    )
    learning_rate: float = Field(
        0.05,
        gt=0,
        le=5,
        description="Step size η of the hedge (EXP3) learners: a choice's log-weight grows "
        "by η times its importance-weighted reward.",
    )
    hindsight_rate: float = Field(
        3.0,
        gt=0,
        le=20,
        description="Step size of hedge learners when the market tells them every "
        "shading's outcome in hindsight (multiplicative weights): a shading's log-weight "
        "grows by this times its week's utility per credit of value at stake.",
    )
    exploration: float = Field(
        0.05,
        gt=0,
        le=1,
        description="Share γ of a hedge learner's choices made uniformly at random, so "
        "that every shading keeps being tried.",
    )
    recency: float = Field(
        0.1,
        ge=0,
        le=1,
        description="How fast Roth-Erev learners forget: propensities decay by this share "
        "each week (Erev & Roth 1998).",
    )
    experimentation: float = Field(
        0.2,
        ge=0,
        lt=1,
        description="Share of a Roth-Erev learner's reinforcement spread over the choices "
        "it did not play (Erev & Roth 1998).",
    )


def _read_only(x: Any, dtype: type, ndim: int, name: str) -> np.ndarray:
    """Return a read-only view of ``x`` as ``dtype`` with ``ndim`` dimensions."""
    arr = np.asarray(x, dtype=dtype)
    if arr.ndim != ndim:
        raise ValueError(f"TeamView.{name} has {arr.ndim} dimensions; allowed {ndim}")
    view = arr.view()
    view.flags.writeable = False
    return view


_ROW_FIELDS = (
    ("need", float),
    ("budget", float),
    ("stress", float),
    ("lost_last", bool),
    ("spent_this_quarter", float),
)


@dataclass(frozen=True, slots=True)
class TeamView:
    """What a batch of m teams may know when bidding — read-only, no model access.

    All arrays are read-only views of the caller's arrays (no copy is made; writing
    through the view raises ``ValueError``, the caller's own arrays stay writable).
    Build one with the constructor for a batch or :meth:`single` for one team.

    Attributes:
        values: (m, k) true marginal values of the next k tranches, non-increasing.
        need: (m,) tranches each team is short of what its work needs (>= 0).
        budget: (m,) credits each team can still spend.
        stress: (m,) stress in [0, 1].
        lost_last: (m,) whether the team lost in the previous round.
        spent_this_quarter: (m,) credits spent so far this quarter.
        weeks_left_in_quarter: weeks left in the quarter, this one included (>= 0).
        n_bidders: number of bidders in the whole market (>= 1).
        pricing: how the clearing rule charges winners (strategies branch on this).
        last_price: last round's clearing price, or None if there was none.
        price_forecast: the price the market expects (a smoothed history of clearing
            prices); defaults to ``last_price``.
        params: the bidding parameters.
        supply: tranches on sale this week (what price-anticipating bidders divide),
            or None when unknown.
    """

    values: np.ndarray
    budget: np.ndarray
    stress: np.ndarray
    lost_last: np.ndarray
    spent_this_quarter: np.ndarray
    weeks_left_in_quarter: int
    n_bidders: int
    pricing: Pricing
    last_price: float | None = None
    params: BiddingParams = field(default_factory=BiddingParams)
    need: np.ndarray | None = None
    price_forecast: float | None = None
    supply: float | None = None

    def __post_init__(self) -> None:
        """Freeze the arrays and check shapes and scalars."""
        values = _read_only(self.values, float, 2, "values")
        object.__setattr__(self, "values", values)
        m = values.shape[0]
        if self.need is None:  # by default a team needs the tranches it values
            object.__setattr__(self, "need", (values > 0.0).sum(axis=1).astype(float))
        for name, dtype in _ROW_FIELDS:
            arr = _read_only(getattr(self, name), dtype, 1, name)
            if arr.shape[0] != m:
                raise ValueError(
                    f"TeamView.{name} has length {arr.shape[0]}; allowed {m} (rows of values)"
                )
            object.__setattr__(self, name, arr)
        for name, low in (("weeks_left_in_quarter", 0), ("n_bidders", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or int(value) != value or value < low:
                raise ValueError(
                    f"TeamView.{name} = {value!r} is not allowed; use an integer >= {low}"
                )
            object.__setattr__(self, name, int(value))
        try:
            object.__setattr__(self, "pricing", Pricing(self.pricing))
        except ValueError:
            allowed = ", ".join(p.value for p in Pricing)
            raise ValueError(
                f"TeamView.pricing = {self.pricing!r} is not allowed; one of {allowed}"
            ) from None
        if self.price_forecast is None:
            object.__setattr__(self, "price_forecast", self.last_price)
        for name in ("last_price", "price_forecast", "supply"):
            given = getattr(self, name)
            if given is None:
                continue
            price = float(given)
            if not (np.isfinite(price) and price >= 0.0):
                raise ValueError(
                    f"TeamView.{name} = {given!r} is not allowed; use None or a finite number >= 0"
                )
            object.__setattr__(self, name, price)
        if not isinstance(self.params, BiddingParams):
            raise ValueError(f"TeamView.params = {self.params!r} is not a BiddingParams")

    @classmethod
    def of_rows(
        cls,
        rows: np.ndarray,
        *,
        values: np.ndarray,
        need: np.ndarray,
        budget: np.ndarray,
        stress: np.ndarray,
        lost_last: np.ndarray,
        spent_this_quarter: np.ndarray,
        weeks_left_in_quarter: int,
        n_bidders: int,
        pricing: Pricing,
        last_price: float | None,
        params: BiddingParams,
        price_forecast: float | None = None,
        supply: float | None = None,
    ) -> TeamView:
        """The view of some rows of the lab's arrays, built without re-checking them.

        For the model's own bidding phase, whose arrays are already consistent: the rows
        are copied out (so the lab's arrays are never exposed) and made read-only.
        """
        view = object.__new__(cls)
        for name, array in (
            ("values", values),
            ("need", need),
            ("budget", budget),
            ("stress", stress),
            ("lost_last", lost_last),
            ("spent_this_quarter", spent_this_quarter),
        ):
            part = array[rows]
            part.flags.writeable = False
            object.__setattr__(view, name, part)
        object.__setattr__(view, "weeks_left_in_quarter", weeks_left_in_quarter)
        object.__setattr__(view, "n_bidders", n_bidders)
        object.__setattr__(view, "pricing", pricing)
        object.__setattr__(view, "last_price", last_price)
        object.__setattr__(
            view, "price_forecast", last_price if price_forecast is None else price_forecast
        )
        object.__setattr__(view, "params", params)
        object.__setattr__(view, "supply", supply)
        return view

    @property
    def m(self) -> int:
        """Number of teams in the batch."""
        return self.values.shape[0]

    @property
    def k(self) -> int:
        """Number of tranches valued per team."""
        return self.values.shape[1]

    def rows(self, index: np.ndarray) -> TeamView:
        """The view of a subset of the batch (``index`` selects rows)."""
        return TeamView(
            values=self.values[index],
            need=self.need[index],
            budget=self.budget[index],
            stress=self.stress[index],
            lost_last=self.lost_last[index],
            spent_this_quarter=self.spent_this_quarter[index],
            weeks_left_in_quarter=self.weeks_left_in_quarter,
            n_bidders=self.n_bidders,
            pricing=self.pricing,
            last_price=self.last_price,
            params=self.params,
            price_forecast=self.price_forecast,
            supply=self.supply,
        )

    @classmethod
    def single(
        cls,
        values: Any,
        budget: float,
        *,
        stress: float = 0.0,
        lost_last: bool = False,
        spent_this_quarter: float = 0.0,
        weeks_left_in_quarter: int = 1,
        n_bidders: int = 2,
        pricing: Pricing | str = Pricing.DISCRIMINATORY,
        last_price: float | None = None,
        params: BiddingParams | None = None,
        need: float | None = None,
        price_forecast: float | None = None,
    ) -> TeamView:
        """A view of one team (every array has one row).

        Args:
            values: The team's k marginal values, shape (k,).
            need: Tranches it is short (default: the number of positive values).
            budget: Credits it can still spend.
            stress: Its stress in [0, 1].
            lost_last: Whether it lost in the previous round.
            spent_this_quarter: Credits spent so far this quarter.
            weeks_left_in_quarter: Weeks left in the quarter, this one included.
            n_bidders: Bidders in the whole market.
            pricing: How the clearing rule charges winners.
            last_price: Last clearing price, or None.
            params: Bidding parameters (defaults if None).
            price_forecast: The expected price (default: ``last_price``).

        Returns:
            A TeamView with m = 1.
        """
        return cls(
            values=np.asarray(values, dtype=float).reshape(1, -1),
            budget=np.array([budget], dtype=float),
            stress=np.array([stress], dtype=float),
            lost_last=np.array([lost_last], dtype=bool),
            spent_this_quarter=np.array([spent_this_quarter], dtype=float),
            weeks_left_in_quarter=weeks_left_in_quarter,
            n_bidders=n_bidders,
            pricing=Pricing(pricing),
            last_price=last_price,
            params=params if params is not None else BiddingParams(),
            need=None if need is None else np.array([need], dtype=float),
            price_forecast=price_forecast,
        )
