"""Phase 9, pressure: stress, burnout, contagion over the org network, attrition and hiring.

Runs over all teams at once with the pure behaviour models of :mod:`agents.emotion`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents import emotion
from agents.schema import clip01
from agents.table import TeamTable
from game.scenario import Scenario
from game.world.urgency import urgency

__all__ = ["BURNOUT_LEVEL", "PressureResult", "pressure_phase"]

#: Burnout above this counts as "in burnout" (events, the burnout_teams metric).
BURNOUT_LEVEL = 0.5


@dataclass(frozen=True, slots=True)
class PressureResult:
    """What the pressure phase did.

    Attributes:
        terms: Stress contributions by driver (``deficit``, ``urgency``, ...) plus ``contagion``.
        departures: People who left each team.
        hires: People who joined each team.
        new_burnouts: Teams whose burnout crossed :data:`BURNOUT_LEVEL` this week.
        stress: Every team's stress after the update.
        burnout: Every team's burnout after the update.
    """

    terms: dict[str, np.ndarray]
    departures: np.ndarray
    hires: np.ndarray
    new_burnouts: np.ndarray
    stress: np.ndarray
    burnout: np.ndarray


def pressure_phase(
    table: TeamTable, sc: Scenario, ties: emotion.Ties, rng: np.random.Generator
) -> PressureResult:
    """Update stress, burnout and headcount for every team.

    Stress follows the job demands–resources update (deficit, deadline urgency,
    lost auctions, envy, reclaim shocks, recovery) plus contagion over the org ties;
    burnout builds above its threshold and heals below it; people leave at a hazard
    rising with burnout and envy, and teams hire back towards their target.

    Hiring replaces attrition when compute is adequate (MODEL-REFERENCE §11): each
    missing person is hired this week with probability
    ``lab.hiring_rate × satisfaction``, where the compute satisfaction
    ``clip01(gpus / need)`` is 1 for a team whose need is met (or that needs nothing)
    and falls to 0 for a team holding no GPUs (talent goes where the compute is).
    """
    e = sc.emotion
    gpus = table.gpus
    deficit = emotion.compute_deficit(gpus, table.need)
    per_head = gpus / np.maximum(table.headcount, 1e-9)
    table.envy = emotion.normalised_envy(per_head)
    reclaimed = clip01(table.reclaimed / np.maximum(gpus + table.reclaimed, 1e-9))
    terms = emotion.stress_terms(
        table.stress, deficit, urgency(table, sc), table.lost, table.envy, reclaimed, e.stress
    )
    contagion = emotion.contagion(table.stress, ties, e.contagion, rng)
    table.stress = emotion.stress_update(table.stress, terms, contagion)
    before = table.burnout > BURNOUT_LEVEL
    table.burnout = emotion.burnout_update(table.burnout, table.stress, e.burnout)
    new_burnouts = (~before & (table.burnout > BURNOUT_LEVEL)).nonzero()[0]
    prob = emotion.attrition_probability_weekly(table.burnout, table.envy, e.burnout)
    whole = np.floor(table.headcount).astype(np.int64)
    departures = emotion.attrition(whole, prob, rng).astype(float)
    missing = np.maximum(0, np.floor(table.headcount_target - table.headcount + departures))
    satisfaction = 1.0 - deficit  # clip01(gpus / need), 1 when nothing is needed
    hires = rng.binomial(missing.astype(np.int64), clip01(sc.lab.hiring_rate * satisfaction))
    table.headcount = table.headcount - departures + hires
    return PressureResult(
        terms={**terms, "contagion": contagion},
        departures=departures,
        hires=hires.astype(float),
        new_burnouts=new_burnouts,
        stress=table.stress,
        burnout=table.burnout,
    )
