"""Bidding strategies: a registry of small plugins (after Axelrod's strategy library).

A strategy turns a read-only :class:`TeamView` of a batch of teams into a bid book
``(m, k)`` for the market. It never sees the model. Subclasses implement
:meth:`BiddingStrategy.propose`; the base class's :meth:`BiddingStrategy.bid`
sanitises the proposal so every strategy's bids are non-negative, non-increasing
along each row and within each team's budget.

Adding a strategy: subclass :class:`BiddingStrategy`, set ``name`` and
``metadata``, implement ``propose``, append the class to ``_ALL_STRATEGIES`` and add
a ``StrategyContract`` subclass for it in ``tests/test_agents_strategies.py`` (a test
fails until you do).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from agents.params import BiddingParams

__all__ = [
    "STRATEGIES",
    "AuctionFever",
    "BiddingStrategy",
    "BudgetPacer",
    "Shaded",
    "TeamView",
    "Truthful",
    "clip_to_budget",
    "enforce_non_increasing",
    "get_strategy",
    "shade_factor",
]

#: Mechanisms where a bidder pays its own bids (shade every unit).
PAY_AS_BID_RULES = frozenset({"pay_as_bid", "first_price"})
#: Uniform-price style rules where multi-unit bidders reduce demand (shade later units).
DEMAND_REDUCTION_RULES = frozenset({"uniform_price", "ascending_clock"})


def _read_only(x: Any, dtype: type, ndim: int, name: str) -> np.ndarray:
    """Return a read-only view of ``x`` as ``dtype`` with ``ndim`` dimensions."""
    arr = np.asarray(x, dtype=dtype)
    if arr.ndim != ndim:
        raise ValueError(f"TeamView.{name} has {arr.ndim} dimensions; allowed {ndim}")
    view = arr.view()
    view.flags.writeable = False
    return view


@dataclass(frozen=True, slots=True)
class TeamView:
    """What a batch of m teams may know when bidding — read-only, no model access.

    All arrays are read-only views of the caller's arrays (no copy is made; writing
    through the view raises ``ValueError``, the caller's own arrays stay writable).
    Build one with the constructor for a batch or :meth:`single` for one team.

    Attributes:
        values: (m, k) true marginal values of the next k tranches, non-increasing.
        budget: (m,) credits each team can still spend.
        stress: (m,) stress in [0, 1].
        lost_last: (m,) whether the team lost in the previous round.
        spent_this_quarter: (m,) credits spent so far this quarter.
        weeks_left_in_quarter: weeks left in the quarter, this one included (>= 0).
        n_bidders: number of bidders in the whole market (>= 1).
        mechanism: canonical name of the clearing rule (e.g. "pay_as_bid").
        last_price: last round's clearing price, or None if there was none.
        params: the bidding parameters.
    """

    values: np.ndarray
    budget: np.ndarray
    stress: np.ndarray
    lost_last: np.ndarray
    spent_this_quarter: np.ndarray
    weeks_left_in_quarter: int
    n_bidders: int
    mechanism: str
    last_price: float | None = None
    params: BiddingParams = field(default_factory=BiddingParams)

    def __post_init__(self) -> None:
        """Freeze the arrays and check shapes and scalars."""
        values = _read_only(self.values, float, 2, "values")
        object.__setattr__(self, "values", values)
        m = values.shape[0]
        for name, dtype in (
            ("budget", float),
            ("stress", float),
            ("lost_last", bool),
            ("spent_this_quarter", float),
        ):
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
        if not isinstance(self.mechanism, str):
            raise ValueError(f"TeamView.mechanism = {self.mechanism!r} is not a mechanism name")
        if self.last_price is not None:
            price = float(self.last_price)
            if not (np.isfinite(price) and price >= 0.0):
                raise ValueError(
                    f"TeamView.last_price = {self.last_price!r} is not allowed; "
                    "use None or a finite number >= 0"
                )
            object.__setattr__(self, "last_price", price)
        if not isinstance(self.params, BiddingParams):
            raise ValueError(f"TeamView.params = {self.params!r} is not a BiddingParams")

    @property
    def m(self) -> int:
        """Number of teams in the batch."""
        return self.values.shape[0]

    @property
    def k(self) -> int:
        """Number of tranches valued per team."""
        return self.values.shape[1]

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
        mechanism: str = "pay_as_bid",
        last_price: float | None = None,
        params: BiddingParams | None = None,
    ) -> TeamView:
        """A view of one team (every array has one row).

        Args:
            values: The team's k marginal values, shape (k,).
            budget: Credits it can still spend.
            stress: Its stress in [0, 1].
            lost_last: Whether it lost in the previous round.
            spent_this_quarter: Credits spent so far this quarter.
            weeks_left_in_quarter: Weeks left in the quarter, this one included.
            n_bidders: Bidders in the whole market.
            mechanism: Canonical clearing-rule name.
            last_price: Last clearing price, or None.
            params: Bidding parameters (defaults if None).

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
            mechanism=mechanism,
            last_price=last_price,
            params=params if params is not None else BiddingParams(),
        )


# -------------------------------------------------------------------------- helpers


def enforce_non_increasing(bids: np.ndarray) -> np.ndarray:
    """Make every row non-negative and non-increasing (running minimum along the row).

    Args:
        bids: (m, k) bids.

    Returns:
        A new (m, k) array; unchanged where the rows already qualified.
    """
    bids = np.maximum(np.asarray(bids, dtype=float), 0.0)
    if bids.size == 0:
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
    spent_before = np.cumsum(bids, axis=1) - bids
    left = np.maximum(budget[:, None] - spent_before, 0.0)
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


# ------------------------------------------------------------------------ base class


class BiddingStrategy:
    """Base class of bidding strategies.

    Subclasses set ``name`` and ``metadata`` and implement :meth:`propose`. Callers
    use :meth:`bid`, which sanitises the proposal. Strategies hold no per-team state;
    randomness comes only from the ``rng`` passed in.

    Attributes:
        name: Registry name.
        metadata: ``{"description": str, "uses_stress": bool, "stochastic": bool}``.
    """

    name: ClassVar[str] = ""
    metadata: ClassVar[dict[str, Any]] = {
        "description": "",
        "uses_stress": False,
        "stochastic": False,
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
        raw = np.asarray(self.propose(view, rng), dtype=float)
        if raw.shape != view.values.shape:
            raise ValueError(
                f"strategy {self.name!r} proposed bids of shape {raw.shape}; "
                f"expected {view.values.shape}"
            )
        if np.isnan(raw).any():
            raise ValueError(f"strategy {self.name!r} proposed NaN bids; bids must be numbers")
        return clip_to_budget(enforce_non_increasing(raw), view.budget)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


# ----------------------------------------------------------------------- strategies


class Truthful(BiddingStrategy):
    """Bid true marginal values (dominant in Vickrey; overpays elsewhere)."""

    name = "truthful"
    metadata: ClassVar[dict[str, Any]] = {
        "description": "Bids its true marginal values.",
        "uses_stress": False,
        "stochastic": False,
    }

    def propose(self, view: TeamView, rng: np.random.Generator) -> np.ndarray:
        """Return a copy of the values."""
        return view.values.copy()


class Shaded(BiddingStrategy):
    """Shade bids the way theory says for the mechanism in use.

    - pay-as-bid / first-price: every unit times (n−1)/n (or ``params.shade``);
    - uniform price (and the ascending clock): demand reduction — the first unit at
      its value, later units times (n−1)/n, since they may set the price paid on all
      units (Ausubel et al. 2014);
    - Vickrey and every other rule (non-money rules, proportional share): truthful.
    """

    name = "shaded"
    metadata: ClassVar[dict[str, Any]] = {
        "description": "Shades bids by (n-1)/n under pay-as-bid, reduces demand under "
        "uniform price, truthful otherwise.",
        "uses_stress": False,
        "stochastic": False,
    }

    def propose(self, view: TeamView, rng: np.random.Generator) -> np.ndarray:
        """Return the shaded values."""
        factor = shade_factor(view.n_bidders, view.params)
        if view.mechanism in PAY_AS_BID_RULES:
            return view.values * factor
        if view.mechanism in DEMAND_REDUCTION_RULES:
            bids = view.values * factor
            bids[:, :1] = view.values[:, :1]
            return bids
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
    }

    def propose(self, view: TeamView, rng: np.random.Generator) -> np.ndarray:
        """Return the fevered values."""
        p = view.params
        stress = np.clip(view.stress, 0.0, 1.0)
        arousal = 1.0 + p.fever * stress * (1.0 + view.lost_last)
        bids = view.values * arousal[:, None]
        return np.where(view.values > 0.0, bids + p.joy_of_winning, 0.0)


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
            if view.mechanism in PAY_AS_BID_RULES:
                expected = np.where(winning, values, 0.0).sum(axis=1)
            else:
                expected = price * winning.sum(axis=1)
        with np.errstate(over="ignore"):  # a tiny expected spend means "no need to slow down"
            full = np.divide(target, expected, out=np.ones_like(target), where=expected > 0.0)
        full = np.minimum(full, 1.0)
        lam = view.params.pace_smoothing
        multiplier = lam + (1.0 - lam) * full
        return values * multiplier[:, None]


# ------------------------------------------------------------------------- registry

_ALL_STRATEGIES: list[type[BiddingStrategy]] = [Truthful, Shaded, AuctionFever, BudgetPacer]

#: Registry of every strategy by name (explicit list, like Axelrod's all_strategies).
STRATEGIES: dict[str, type[BiddingStrategy]] = {cls.name: cls for cls in _ALL_STRATEGIES}


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
