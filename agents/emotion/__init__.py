"""Emotional pressure: stress, performance, burnout, attrition, envy and contagion.

Pure, vectorised functions over arrays holding one entry per team (shape ``(n,)``).
Nothing here keeps state or draws random numbers except through an explicit
``rng: numpy.random.Generator`` argument. Formulas and sources are in
``MODEL-REFERENCE.md`` §1, with the trap-free forms of §11: stress saturates below 1 and
recovers towards a baseline even at full deficit, burnout builds above a threshold and
heals below it, and the default performance curve is monotone (calm is best). Each
model's parameters live beside it; :class:`EmotionParams` composes them into the
scenario's ``[emotion]`` table.

One weekly pressure phase, for all teams at once::

    terms = stress_terms(s, deficit, urgency, lost, envy, reclaimed, params.stress)
    s = stress_update(s, terms, contagion(s, W, params.contagion, rng))
    b = burnout_update(b, s, params.burnout)
    leavers = attrition(headcount, attrition_probability_weekly(b, envy, params.burnout), rng)
"""

from pydantic import Field

from agents.emotion.burnout import (
    BurnoutParams,
    attrition,
    attrition_probability_weekly,
    burnout_update,
)
from agents.emotion.contagion import (
    ContagionParams,
    Ties,
    contagion,
    contagion_bosse_treur,
    contagion_sisa,
)
from agents.emotion.envy import normalised_envy
from agents.emotion.performance import (
    PerformanceParams,
    performance_multiplier,
    team_performance,
)
from agents.emotion.stress import (
    STRESS_TERMS,
    StressParams,
    compute_deficit,
    deadline_urgency,
    stress_terms,
    stress_update,
)
from agents.schema import Params, clip01

__all__ = [
    "STRESS_TERMS",
    "BurnoutParams",
    "ContagionParams",
    "EmotionParams",
    "PerformanceParams",
    "StressParams",
    "Ties",
    "attrition",
    "attrition_probability_weekly",
    "burnout_update",
    "clip01",
    "compute_deficit",
    "contagion",
    "contagion_bosse_treur",
    "contagion_sisa",
    "deadline_urgency",
    "normalised_envy",
    "performance_multiplier",
    "stress_terms",
    "stress_update",
    "team_performance",
]


class EmotionParams(Params):
    """Emotional pressure: stress, performance under pressure, burnout, contagion."""

    stress: StressParams = Field(default_factory=StressParams)
    performance: PerformanceParams = Field(default_factory=PerformanceParams)
    burnout: BurnoutParams = Field(default_factory=BurnoutParams)
    contagion: ContagionParams = Field(default_factory=ContagionParams)
