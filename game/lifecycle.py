"""Life cycles: research projects ramp up, peak, wind down and finish; product demand grows.

All functions update the team table in place for every team at once and return the
indices of teams where something worth narrating happened.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents.productivity import demand_growth, serving_capacity, tiers_unlocked
from game.params import BehaviourParams
from game.scenario import Scenario
from game.state import TeamTable

RAMP_END = 0.2
WIND_DOWN_START = 0.7
IDLE_NEED_SHARE = 0.1


@dataclass(frozen=True)
class LifecycleEvents:
    """Teams whose projects finished or started, and product teams that opened a tier."""

    finished: np.ndarray
    started: np.ndarray
    tiers_opened: np.ndarray


def phase_profile(progress: np.ndarray) -> np.ndarray:
    """Share of peak need at a point of a project's life (0 = start, 1 = deadline).

    Ramp-up from 30% to 100% over the first fifth, a plateau at peak, then a
    wind-down to 20% over the last 30%.
    """
    p = np.clip(progress, 0.0, 1.0)
    ramp = 0.3 + 0.7 * p / RAMP_END
    wind = 1.0 - 0.8 * (p - WIND_DOWN_START) / (1.0 - WIND_DOWN_START)
    return np.where(p < RAMP_END, ramp, np.where(p < WIND_DOWN_START, 1.0, wind))


PHASES = ("ramp-up", "peak", "wind-down", "idle", "serving", "reallocating")


def phase_codes(table: TeamTable) -> np.ndarray:
    """Life-cycle phase per team as an index into :data:`PHASES`.

    Research teams are in ramp-up, peak, wind-down or idle (between projects);
    product teams are always serving.
    """
    progress = table.project_age / np.maximum(table.project_duration, 1)
    code = (progress >= RAMP_END).astype(np.int8) + (progress >= WIND_DOWN_START)
    code[table.is_research & ~table.project_active] = 3
    code[table.is_product] = 4
    return code


def start_projects(
    table: TeamTable,
    teams: np.ndarray,
    week: int,
    ambition: float,
    sc: Scenario,
    rng: np.random.Generator,
) -> None:
    """Start new projects on the given research teams.

    Durations vary ±40% around the scenario mean; the peak need scales with
    headcount and with the lab's ambition (fleet growth to the power
    ``projects.ambition_exponent``); the work needed is what the team would produce
    at 80% of its peak need over the project's life.
    """
    if teams.size == 0:
        return
    cfg = sc.projects
    duration = np.maximum(2, np.rint(cfg.duration_weeks * rng.uniform(0.6, 1.4, teams.size)))
    peak = (
        cfg.need_per_person * table.headcount[teams] * ambition * rng.uniform(0.7, 1.3, teams.size)
    )
    table.project_active[teams] = True
    table.project_age[teams] = 0
    table.project_duration[teams] = duration.astype(np.int64)
    table.project_peak[teams] = peak
    r = sc.research
    table.project_work[teams] = (
        0.8
        * r.tfp
        * table.headcount[teams] ** r.alpha_people
        * (0.8 * peak) ** r.beta_gpus
        * duration
    )
    table.project_progress[teams] = 0.0
    table.milestones_hit[teams] = 0
    table.waiting_since[teams] = week


def research_lifecycle(
    table: TeamTable,
    week: int,
    ambition: float,
    sc: Scenario,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Age projects, finish those past their deadline, start new ones after a gap.

    Returns:
        ``(finished, started)`` team indices.
    """
    research = table.is_research
    active = research & table.project_active
    table.project_age[active] += 1
    finished = np.flatnonzero(active & (table.project_age >= table.project_duration))
    table.project_active[finished] = False
    table.waiting_since[finished] = -1
    if finished.size:
        mean_gap = max(sc.projects.gap_weeks, 0.0)
        table.gap_left[finished] = (
            rng.geometric(1.0 / (mean_gap + 1.0), finished.size) - 1 if mean_gap > 0 else 0
        )
    idle = research & ~table.project_active
    idle[finished] = False
    table.gap_left[idle] -= 1
    started = np.flatnonzero(idle & (table.gap_left < 0))
    start_projects(table, started, week, ambition, sc, rng)
    # Need: peak need shaped by the phase; idle teams keep a little for exploration.
    progress = table.project_age / np.maximum(table.project_duration, 1)
    idle_need = IDLE_NEED_SHARE * sc.projects.need_per_person * table.headcount * ambition
    need = np.where(table.project_active, table.project_peak * phase_profile(progress), idle_need)
    table.need[research] = need[research]
    return finished, started


def product_lifecycle(
    table: TeamTable, week: int, sc: Scenario, params: BehaviourParams
) -> np.ndarray:
    """Grow product demand, apply launch spikes and open tiers where capacity allows.

    Returns:
        Indices of product teams that opened a tier this week.
    """
    product = np.flatnonzero(table.is_product)
    if product.size == 0:
        return product
    p = params.product
    demand = demand_growth(table.demand[product], table.demand_base[product], p)
    spike = sum(e.tranches for e in sc.product.demand_spikes if e.week == week)
    if spike:
        demand = demand + spike * p.users_per_tranche / product.size
    capacity = serving_capacity(table.gpus[product], p)
    tiers_before = table.tiers_open[product].copy()
    tiers, demand = tiers_unlocked(capacity, demand, tiers_before, p)
    table.tiers_open[product] = tiers
    table.demand[product] = demand
    table.need[product] = demand * (1.0 + p.tier_headroom) / p.users_per_tranche
    return product[tiers > tiers_before]
