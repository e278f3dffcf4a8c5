"""Pressure and work: output from compute and people, then stress, burnout and attrition.

Both phases run over all teams at once using the pure behaviour models in
:mod:`agents.emotion` and :mod:`agents.productivity`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from agents import emotion, productivity
from game.params import BehaviourParams
from game.state import TeamTable


@dataclass(frozen=True)
class PressureResult:
    """What the pressure phase did.

    Attributes:
        terms: Stress contributions by driver (``deficit``, ``urgency``, ...) plus ``contagion``.
        departures: People who left each team.
        hires: People who joined each team.
        new_burnouts: Teams whose burnout crossed 0.5 this week.
    """

    terms: dict[str, np.ndarray]
    departures: np.ndarray
    hires: np.ndarray
    new_burnouts: np.ndarray


def urgency(table: TeamTable) -> np.ndarray:
    """Deadline urgency for research, load urgency (demand over capacity) for product."""
    research = emotion.deadline_urgency(
        table.project_age.astype(float), table.project_duration.astype(float)
    )
    research = np.where(table.project_active, research, 0.0)
    load = table.demand / np.maximum(table.gpus, 1e-9)
    product = np.clip(load - 1.0, 0.0, 1.0) ** 2
    return np.where(table.is_research, research, product)


def performance(table: TeamTable, params: BehaviourParams) -> np.ndarray:
    """Yerkes–Dodson (or monotone) output multiplier per team, by division."""
    p = params.performance
    peak = np.where(table.is_research, p.research_peak, p.product_peak)
    width = np.where(table.is_research, p.research_width, p.product_width)
    return emotion.performance_multiplier(table.stress, peak, width, p.m_min, p.form)


def work(table: TeamTable, params: BehaviourParams, offline_share: float) -> None:
    """Produce this week's output from the GPUs actually online.

    Research teams with a project add output to its progress (idle teams explore at
    a fifth of their rate); product teams earn value from serving demand at the
    latency their capacity allows. Stress and burnout scale both.
    """
    gpus = table.gpus * (1.0 - offline_share)
    mult = performance(table, params)
    research_out = productivity.research_output(
        table.headcount, gpus, mult, table.burnout, params.research
    )
    capacity = productivity.serving_capacity(gpus, params.product)
    value = productivity.product_value(table.demand, capacity, params.product) * mult
    value = value * (1.0 - table.burnout)
    research_out = np.where(table.project_active, research_out, 0.2 * research_out)
    table.output = np.where(table.is_research, research_out, value)
    active = table.is_research & table.project_active
    table.project_progress[active] += research_out[active]


def milestones(table: TeamTable, n_milestones: int) -> np.ndarray:
    """Count milestones reached and return the teams that passed a new one."""
    reached = np.floor(
        np.clip(table.project_progress / np.maximum(table.project_work, 1e-9), 0.0, 1.0)
        * n_milestones
        + 1e-9
    ).astype(np.int64)
    new = np.flatnonzero(
        table.is_research & table.project_active & (reached > table.milestones_hit)
    )
    table.milestones_hit[new] = reached[new]
    return new


def pressure(
    table: TeamTable,
    params: BehaviourParams,
    ties: sp.csr_matrix,
    *,
    hiring_rate: float,
    rng: np.random.Generator,
) -> PressureResult:
    """Update stress, burnout and headcount for every team.

    Stress follows the job demands–resources update (deficit, deadline urgency,
    lost auctions, envy, reclaim shocks, recovery) plus contagion over the org ties;
    burnout builds above its threshold and heals slowly; people leave at a hazard
    rising with burnout and envy, and teams hire back towards their target at a
    rate that rises with compute per person (GPUs attract talent).
    """
    gpus = table.gpus
    deficit = emotion.compute_deficit(gpus, table.need)
    per_head = gpus / np.maximum(table.headcount, 1e-9)
    table.envy = emotion.normalised_envy(per_head)
    reclaimed = np.clip(table.reclaimed / np.maximum(gpus + table.reclaimed, 1e-9), 0.0, 1.0)
    terms = emotion.stress_terms(
        table.stress, deficit, urgency(table), table.lost, table.envy, reclaimed, params.stress
    )
    contagion = emotion.contagion(table.stress, ties, params.contagion, rng)
    table.stress = emotion.stress_update(table.stress, terms, contagion)
    before = table.burnout > 0.5
    table.burnout = emotion.burnout_update(table.burnout, table.stress, params.burnout)
    new_burnouts = np.flatnonzero(~before & (table.burnout > 0.5))
    prob = emotion.attrition_probability_weekly(table.burnout, table.envy, params.burnout)
    whole = np.floor(table.headcount).astype(np.int64)
    departures = emotion.attrition(whole, prob, rng).astype(float)
    missing = np.maximum(0, np.floor(table.headcount_target - table.headcount + departures))
    appeal = np.clip(per_head / max(float(per_head.mean()), 1e-9), 0.0, 2.0)
    hires = rng.binomial(missing.astype(np.int64), np.clip(hiring_rate * appeal, 0.0, 1.0))
    table.headcount = table.headcount - departures + hires
    terms = {**terms, "contagion": contagion}
    return PressureResult(
        terms=terms, departures=departures, hires=hires.astype(float), new_burnouts=new_burnouts
    )
