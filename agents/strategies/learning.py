"""Bidders that learn across weeks: bandits over shading, Kelly anticipation, misreporting.

Each team agent holds its own strategy object, and a learner keeps its team's state on
that object (weights over a grid of choices, the choice it made this week). The model
asks per class (:meth:`~agents.strategies.base.BiddingStrategy.propose_for`), draws every
random choice from the generator it passes in (the model's), and tells the learners how
the market treated their teams (:meth:`~agents.strategies.base.BiddingStrategy.observe_for`).
A replay of the same weeks therefore rebuilds the same state.

What a team learns from is its week's quasi-linear utility: the value of the tranches it
won minus what it paid (both in credits), scaled by the value of everything it bid for so
that rewards lie in [-1, 1] (0 = nothing gained or lost).

- :class:`Hedge`: EXP3 (Auer et al. 2002), multiplicative weights with bandit feedback
  over a grid of shading factors ``s``; the team bids ``(1 − s)·value``.
- :class:`RothErev`: reinforcement learning with recency and experimentation over the
  same grid (Erev & Roth 1998).
- :class:`Misreporter`: under rules without money, reports its need inflated by a factor
  it learns with EXP3; bids truthfully.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from agents.strategies.base import BiddingStrategy, Feedback, TeamStateStrategy, price_taking
from agents.strategies.view import BiddingParams, TeamView
from market import Pricing

__all__ = [
    "INFLATION_GRID",
    "SHADING_GRID",
    "Hedge",
    "Misreporter",
    "RothErev",
    "week_utility",
    "won_value",
]

#: Shading factors the bandit learners choose from (bid = (1 − s)·value).
SHADING_GRID: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
#: Factors the misreporter may inflate its reported need by.
INFLATION_GRID: tuple[float, ...] = (1.0, 1.25, 1.5, 2.0, 3.0)


def won_value(values: np.ndarray, won: np.ndarray) -> np.ndarray:
    """What the tranches each team won are worth to it (a fraction of a tranche pro rata).

    Args:
        values: (m, k) marginal values, non-increasing along each row.
        won: (m,) tranches won (may be fractional under proportional share).

    Returns:
        (m,) the value of the first ``won`` tranches of each row.
    """
    values = np.asarray(values, dtype=float)
    m, k = values.shape
    won = np.clip(np.asarray(won, dtype=float), 0.0, k)
    whole = np.floor(won).astype(np.int64)
    cum = np.concatenate([np.zeros((m, 1)), np.cumsum(values, axis=1)], axis=1)
    rows = np.arange(m)
    part = won - whole
    nxt = np.where(whole < k, values[rows, np.minimum(whole, k - 1)], 0.0) if k else np.zeros(m)
    return cum[rows, whole] + part * nxt


def week_utility(feedback: Feedback) -> tuple[np.ndarray, np.ndarray]:
    """Each team's week in credits of utility, and what it had at stake.

    Returns:
        ``(utility, stake)``, both (m,): the value of what it won minus what it paid, and
        the value of every tranche it valued (a reward is ``utility / stake``, clipped
        to [-1, 1]; a team with nothing at stake learns nothing).
    """
    values = feedback.view.values
    utility = won_value(values, feedback.won) - np.asarray(feedback.paid, dtype=float)
    return utility, np.maximum(values, 0.0).sum(axis=1)


def _arm_utilities(
    cls: type[_ArmLearner],
    view: TeamView,
    j: int,
    choices: np.ndarray,
    hindsight: Any,
) -> np.ndarray:
    """Credits of utility row j's team would have had this week with each arm."""
    same = view.rows(np.full(choices.size, j))
    won, paid = hindsight(j, cls.act(choices, same))
    return won_value(same.values, won) - paid


def _draw(probs: np.ndarray, u: float) -> int:
    """The arm at quantile ``u`` of the distribution ``probs``."""
    cdf = np.cumsum(probs)
    return int(min(np.searchsorted(cdf, u * cdf[-1], side="right"), probs.size - 1))


class _ArmLearner(TeamStateStrategy):
    """A learner that picks one arm of a grid each week and learns from the reward.

    Subclasses set ``arms`` and implement :meth:`probabilities` and :meth:`learn`;
    :meth:`act` turns the chosen arm into bids.

    Attributes:
        scores: Per-arm state (log-weights or propensities).
        arm: The arm chosen this week (None before the first bid or after learning).
        prob: The probability it was chosen with.
        weeks: Weeks learned from.
        realised: Credits of utility the team's bids realised over those weeks.
        hindsight: Credits each arm would have realised over the weeks the market
            told (NaN until it has; learners with ``full_information`` only).
    """

    arms: ClassVar[tuple[float, ...]] = SHADING_GRID
    initial_score: ClassVar[float] = 0.0
    #: Whether the learner uses every arm's outcome in hindsight when the market tells it.
    full_information: ClassVar[bool] = False

    def __init__(self) -> None:
        self.scores = np.full(len(self.arms), self.initial_score)
        self.arm: int | None = None
        self.prob: float | None = None
        self.weeks = 0
        self.realised = 0.0
        self.hindsight = np.full(len(self.arms), np.nan)

    @property
    def regret(self) -> float:
        """External regret: the best fixed arm's utility in hindsight minus what was realised.

        NaN for a learner that never saw the other arms' outcomes.
        """
        if np.isnan(self.hindsight).all():
            return float("nan")
        return float(np.nanmax(self.hindsight) - self.realised)

    # -- to implement
    def probabilities(self, params: BiddingParams) -> np.ndarray:
        """The distribution over arms this week."""
        raise NotImplementedError

    def learn(self, reward: float, params: BiddingParams) -> None:
        """Update the scores after playing ``self.arm`` and getting ``reward`` in [-1, 1]."""
        raise NotImplementedError

    def learn_all(self, rewards: np.ndarray, params: BiddingParams) -> None:
        """Update the scores knowing every arm's reward (full information)."""
        raise NotImplementedError

    @classmethod
    def act(cls, choice: np.ndarray, view: TeamView) -> np.ndarray:
        """Bids for each row given its chosen arm value (default: shade the values)."""
        worth = view.values * (1.0 - choice)[:, None]
        if view.pricing is Pricing.PROPORTIONAL:
            return price_taking(worth, view.price_forecast)
        if view.pricing is Pricing.NONE:
            return view.values.copy()
        return worth

    # -- what the model calls

    @classmethod
    def propose_for(
        cls, members: Sequence[BiddingStrategy], view: TeamView, rng: np.random.Generator
    ) -> np.ndarray:
        """Each member draws its arm from the model's generator, then bids by it."""
        if not members:
            return np.zeros(view.values.shape)
        u = rng.random(len(members))
        choice = np.empty(len(members))
        for j, member in enumerate(members):
            assert isinstance(member, _ArmLearner)
            probs = member.probabilities(view.params)
            arm = _draw(probs, float(u[j]))
            member.arm, member.prob = arm, float(probs[arm])
            choice[j] = member.arms[arm]
        return cls._checked(cls.act(choice, view), view)

    @classmethod
    def observe_for(cls, members: Sequence[BiddingStrategy], feedback: Feedback) -> None:
        """Each member learns from its team's week.

        From every arm's reward where the market tells (full information), else from
        the reward of the arm it played (bandit feedback).
        """
        view = feedback.view
        utility, stake = week_utility(feedback)
        hindsight = feedback.hindsight if cls.full_information else None
        choices = np.asarray(cls.arms, dtype=float)
        for j, member in enumerate(members):
            assert isinstance(member, _ArmLearner)
            if member.arm is not None and stake[j] > 0.0 and cls.learns_under(view):
                member.realised += float(utility[j])
                if hindsight is not None:
                    arm_utility = _arm_utilities(cls, view, j, choices, hindsight)
                    member.hindsight = np.nan_to_num(member.hindsight) + arm_utility
                    member.learn_all(np.clip(arm_utility / stake[j], -1.0, 1.0), view.params)
                else:
                    member.learn(float(np.clip(utility[j] / stake[j], -1.0, 1.0)), view.params)
                member.weeks += 1
            member.arm, member.prob = None, None

    @classmethod
    def learns_under(cls, view: TeamView) -> bool:
        """Whether the arm matters under the view's pricing (shading: only with money)."""
        return view.pricing is not Pricing.NONE

    # -- what people read
    def describe(self) -> str:
        """How far it has learned to shade, in words."""
        if not self.weeks:
            return f"It bids with the {self.label} strategy and has not learned anything yet."
        share = 100.0 * (1.0 - self.expected_arm())
        return (
            f"It bids with the {self.label} strategy; over {self.weeks} week(s) it has "
            f"learned to bid about {share:.0f}% of its value."
        )

    def expected_arm(self, params: BiddingParams | None = None) -> float:
        """The arm value expected under this week's distribution (e.g. the mean shading)."""
        probs = self.probabilities(params or BiddingParams())
        return float(np.dot(probs, self.arms))

    def __eq__(self, other: object) -> bool:
        return (
            type(self) is type(other)
            and np.array_equal(self.scores, other.scores)  # type: ignore[attr-defined]
            and (self.arm, self.prob, self.weeks) == (other.arm, other.prob, other.weeks)  # type: ignore[attr-defined]
        )

    def __hash__(self) -> int:
        return hash(type(self))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(weeks={self.weeks})"


class Hedge(_ArmLearner):
    """Multiplicative weights (Hedge) over shading factors; EXP3 with bandit feedback.

    In the game the market tells each team, after the week, what every shading would
    have won it and cost it, everyone else's bids equal (a sealed-bid auction's books
    are opened afterwards): every arm's log-weight then grows by ``η_h·r_a`` with
    ``η_h = params.hindsight_rate`` (Freund & Schapire 1997), and the team's external
    regret is tracked. Where only its own outcome is known (bandit feedback):
    with ``γ = params.exploration`` and K arms, arm a is played with probability
    ``(1 − γ)·w_a/Σw + γ/K``; after reward r the played arm's weight grows by
    ``exp(η·r / p_a)`` with ``η = params.learning_rate`` (importance-weighted, so arms
    not played are neither rewarded nor penalised).
    """

    name = "hedge"
    full_information = True
    metadata: ClassVar[dict[str, Any]] = {
        "description": "Learns how much to shade its bids (0-90%) with multiplicative "
        "weights, from what every shading would have earned it each week (Hedge).",
        "uses_stress": False,
        "stochastic": True,
        "learns": True,
    }

    def probabilities(self, params: BiddingParams) -> np.ndarray:
        """EXP3's mixture of the weights and the uniform distribution."""
        gamma = params.exploration
        w = np.exp(self.scores - self.scores.max())
        return (1.0 - gamma) * w / w.sum() + gamma / w.size

    def learn(self, reward: float, params: BiddingParams) -> None:
        """Grow the played arm's log-weight by ``η·r/p``."""
        assert self.arm is not None and self.prob is not None
        self.scores[self.arm] += params.learning_rate * reward / self.prob

    def learn_all(self, rewards: np.ndarray, params: BiddingParams) -> None:
        """Multiplicative weights: every arm's log-weight grows by ``η_h·r_a``."""
        self.scores = self.scores + params.hindsight_rate * rewards


class RothErev(_ArmLearner):
    """Reinforcement with recency and experimentation (Erev & Roth 1998).

    Propensities start at 1; each week they decay by ``φ = params.recency`` and the
    played arm gains ``r·(1 − ε)``, every other arm ``r·ε/(K − 1)`` with
    ``ε = params.experimentation`` (losses reinforce nothing: r is floored at 0); arms
    are played in proportion to propensity.
    """

    name = "roth_erev"
    initial_score = 1.0
    metadata: ClassVar[dict[str, Any]] = {
        "description": "Learns how much to shade its bids by reinforcing what paid off, "
        "forgetting old experience and experimenting a little (Erev & Roth 1998).",
        "uses_stress": False,
        "stochastic": True,
        "learns": True,
    }

    def probabilities(self, params: BiddingParams) -> np.ndarray:
        """Propensities normalised (uniform if they all vanished)."""
        q = np.maximum(self.scores, 0.0)
        total = q.sum()
        return q / total if total > 0.0 else np.full(q.size, 1.0 / q.size)

    def learn(self, reward: float, params: BiddingParams) -> None:
        """Decay every propensity and reinforce (mostly) the played arm."""
        assert self.arm is not None
        k = self.scores.size
        eps = params.experimentation
        reward = max(reward, 0.0)
        gain = np.full(k, reward * eps / max(k - 1, 1))
        gain[self.arm] = reward * (1.0 - eps)
        self.scores = (1.0 - params.recency) * self.scores + gain


class Misreporter(Hedge):
    """Bids truthfully but inflates the need it reports to rules without money.

    Under the need-based rules (no pricing) it reports ``ceil(need·f)`` tranches, with
    the factor f learned by EXP3 over :data:`INFLATION_GRID` from the value of what it
    gets. Under priced rules it reports and bids the truth and learns nothing.
    """

    name = "misreporter"
    arms = INFLATION_GRID
    full_information = False  # its arms change the report, not the bids
    metadata: ClassVar[dict[str, Any]] = {
        "description": "Bids truthfully, but under rules without money reports a need "
        "inflated by a factor (1-3x) it learns from what inflating got it.",
        "uses_stress": False,
        "stochastic": True,
        "learns": True,
    }

    @classmethod
    def act(cls, choice: np.ndarray, view: TeamView) -> np.ndarray:
        """Truthful values (price-taking money under proportional share)."""
        if view.pricing is Pricing.PROPORTIONAL:
            return price_taking(view.values, view.price_forecast)
        return view.values.copy()

    @classmethod
    def report_for(
        cls, members: Sequence[BiddingStrategy], view: TeamView, rng: np.random.Generator
    ) -> np.ndarray:
        """The need times the factor drawn this week (the truth under priced rules)."""
        need = np.ceil(np.maximum(view.need, 0.0) - 1e-9)
        if view.pricing is not Pricing.NONE or not members:
            return need
        factor = np.array(
            [
                m.arms[m.arm] if isinstance(m, Misreporter) and m.arm is not None else 1.0
                for m in members
            ]
        )
        return np.ceil(need * factor - 1e-9)

    @classmethod
    def learns_under(cls, view: TeamView) -> bool:
        """Only rules without money read reported needs."""
        return view.pricing is Pricing.NONE

    def describe(self) -> str:
        """How much it has learned to inflate its need, in words."""
        if not self.weeks:
            return "It bids truthfully (misreporter) and has not yet learned to inflate its need."
        return (
            f"It bids truthfully (misreporter) but, over {self.weeks} week(s) of rules without "
            f"money, has learned to report about {self.expected_arm():.1f}x its real need."
        )
