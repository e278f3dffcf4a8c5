"""Burnout and attrition (after Homer 1985, "Worker burnout: a dynamic model").

``b ← clip01(b + dt·[build·max(0, s − θ)·(1 − b) − heal·max(0, θ − s)·b])``: burnout
builds while stress is above the threshold θ and heals while it is below
(MODEL-REFERENCE §11). Both rates are scaled by the room left to move (1 − b when
building, b when healing), so neither b = 0 nor b = 1 is absorbing once stress crosses
θ: the earlier healing term ``heal·b·(1 − s)`` vanished at full stress, and together
with a stress that could not recover it made burnout = 1 a trap. People leave at a
monthly hazard ``h = h0·exp(κ_b·b + κ_e·e)``.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from agents.schema import Params, clip01, floats

__all__ = ["BurnoutParams", "attrition", "attrition_probability_weekly", "burnout_update"]

_WEEKS_PER_MONTH = 52.0 / 12.0


class BurnoutParams(Params):
    """Burnout dynamics and the attrition hazard."""

    threshold: float = Field(
        0.65, ge=0, le=1, description="Stress above which burnout builds (θ_b)."
    )
    build: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Burnout build rate a_b, applied as a_b·max(0, s − θ_b)·(1 − b).",
    )
    heal: float = Field(
        0.03,
        ge=0,
        le=1,
        description="Burnout healing rate r_b, applied as −r_b·max(0, θ_b − s)·b.",
    )
    attrition_base_monthly: float = Field(
        0.01, ge=0, le=1, description="Monthly probability of leaving at zero burnout (h0)."
    )
    kappa_burnout: float = Field(
        1.0986,
        ge=0,
        le=10,
        description="Log-hazard increase per unit of burnout (ln 3 ≈ 1.0986 triples it).",
    )
    kappa_envy: float = Field(
        0.5, ge=0, le=10, description="Log-hazard increase per unit of normalised envy."
    )


def burnout_update(
    burnout: np.ndarray, stress: np.ndarray, p: BurnoutParams, dt: float = 1.0
) -> np.ndarray:
    """Burnout b ← clip01(b + dt·[a_b·max(0, s − θ_b)·(1 − b) − r_b·max(0, θ_b − s)·b]).

    Burnout builds only while stress is above the threshold θ_b and heals only while it
    is below, in proportion to the distance from θ_b (after Homer 1985; the threshold
    form of MODEL-REFERENCE §11). At s = θ_b it stays where it is.

    Args:
        burnout: Current burnout b ∈ [0, 1], shape (n,).
        stress: Current stress s ∈ [0, 1], shape (n,).
        p: Burnout parameters.
        dt: Step length in weeks (use the same ``dt`` as the stress update).

    Returns:
        The new burnout in [0, 1], shape (n,).
    """
    burnout = floats(burnout)
    stress = floats(stress)
    build = p.build * np.maximum(0.0, stress - p.threshold) * (1.0 - burnout)
    heal = p.heal * np.maximum(0.0, p.threshold - stress) * burnout
    return clip01(burnout + dt * (build - heal))


def attrition_probability_weekly(
    burnout: np.ndarray, envy: np.ndarray, p: BurnoutParams
) -> np.ndarray:
    """Probability that a given person leaves this week.

    The monthly hazard ``h = h0·exp(κ_b·b + κ_e·e)`` is capped at 1 and converted to a
    weekly probability ``1 − (1 − h)^(12/52)`` (the same monthly survival spread over
    52/12 weeks).

    Args:
        burnout: Burnout b ∈ [0, 1], shape (n,).
        envy: Normalised envy e ∈ [0, 1], shape (n,).
        p: Burnout parameters (h0, κ_b, κ_e).

    Returns:
        Weekly leaving probability per person, in [0, 1], shape (n,).
    """
    log_hazard = p.kappa_burnout * floats(burnout) + p.kappa_envy * floats(envy)
    monthly = np.minimum(p.attrition_base_monthly * np.exp(log_hazard), 1.0)
    return 1.0 - (1.0 - monthly) ** (1.0 / _WEEKS_PER_MONTH)


def attrition(headcount: np.ndarray, prob: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw how many people leave each team this week.

    Each person leaves independently with probability ``prob`` (a binomial draw per
    team through ``rng``). A team always keeps at least one person: departures are
    capped at ``headcount − 1``, so a team is never emptied by attrition (dissolving
    a team is a lifecycle decision, not a random event). Exactly one binomial draw is
    made per team, so the stream consumed does not depend on the outcome.

    Args:
        headcount: People per team, non-negative integers, shape (n,).
        prob: Weekly leaving probability per person, in [0, 1], shape (n,).
        rng: The model's random generator.

    Returns:
        Departures per team, integers in [0, max(headcount − 1, 0)], shape (n,).

    Raises:
        ValueError: If a headcount is negative or a probability is outside [0, 1].
    """
    headcount = np.asarray(headcount)
    count = headcount.astype(np.int64, copy=False)
    prob = floats(prob)
    if count.size and (
        np.minimum.reduce(count) < 0 or (headcount.dtype.kind != "i" and (count != headcount).any())
    ):
        raise ValueError(
            f"headcount = {headcount!r} is not allowed; use non-negative whole numbers"
        )
    if prob.size and not (np.minimum.reduce(prob) >= 0.0 and np.maximum.reduce(prob) <= 1.0):
        raise ValueError(f"prob = {prob!r} is out of range; allowed [0, 1]")
    leavers = rng.binomial(count, prob)
    return np.minimum(leavers, np.maximum(count - 1, 0))
