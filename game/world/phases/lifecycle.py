"""Phase 2, life cycles: projects ramp up, peak, wind down and end; product demand grows.

Research projects finish at their deadline and new ones start after a gap; product
demand grows logistically and paid tiers open where capacity allows.

All functions update the team table in place for every team at once; the phase returns
the teams where something worth narrating happened.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents.productivity import demand_growth, serving_capacity, tiers_unlocked
from agents.schema import clip01
from agents.table import TeamTable
from game import units
from game.scenario import Scenario

__all__ = [
    "PHASES",
    "LifecycleResult",
    "lifecycle_phase",
    "phase_codes",
    "phase_profile",
    "progress",
    "start_projects",
    "winding_down",
]

RAMP_END = 0.2
WIND_DOWN_START = 0.7
#: A project needs this share of its peak need when it starts, and when it ends.
START_NEED_SHARE = 0.3
END_NEED_SHARE = 0.2
IDLE_NEED_SHARE = 0.1
#: Projects are spread ±40% around the scenario's mean length, peaks ±30% around theirs.
DURATION_SPREAD = (0.6, 1.4)
PEAK_SPREAD = (0.7, 1.3)
#: A project's work is what the team would produce at this share of its peak need.
WORK_AT_PEAK_SHARE = 0.8


@dataclass(frozen=True, slots=True)
class LifecycleResult:
    """What changed in the teams' life cycles this week.

    Attributes:
        finished: Research teams whose project reached its deadline.
        finished_milestones: Milestones each of them reached.
        started: Research teams that started a new project.
        started_need: Tranches each new project needs now.
        started_weeks: Each new project's deadline, in weeks.
        tiers_opened: Product teams that opened a paid tier.
        tiers: The tier each of them opened (1-based count of open tiers).
        unserved_waits: Weeks waited by projects that ended without their compute.
    """

    finished: np.ndarray
    finished_milestones: np.ndarray
    started: np.ndarray
    started_need: np.ndarray
    started_weeks: np.ndarray
    tiers_opened: np.ndarray
    tiers: np.ndarray
    unserved_waits: np.ndarray


def phase_profile(progress: np.ndarray) -> np.ndarray:
    """Share of peak need at a point of a project's life (0 = start, 1 = deadline).

    Ramp-up from 30% to 100% over the first fifth, a plateau at peak, then a
    wind-down to 20% over the last 30%.
    """
    p = clip01(progress)
    ramp = START_NEED_SHARE + (1.0 - START_NEED_SHARE) * p / RAMP_END
    wind = 1.0 - (1.0 - END_NEED_SHARE) * (p - WIND_DOWN_START) / (1.0 - WIND_DOWN_START)
    return np.where(p < RAMP_END, ramp, np.where(p < WIND_DOWN_START, 1.0, wind))


PHASES = ("ramp-up", "peak", "wind-down", "idle", "serving", "reallocating")


def progress(table: TeamTable) -> np.ndarray:
    """How far each project is through its planned life (0 = start, 1 = deadline)."""
    return table.project_age / np.maximum(table.project_duration, 1)


def winding_down(table: TeamTable) -> np.ndarray:
    """Research teams whose project is winding down, or who are between projects."""
    return table.is_research & (~table.project_active | (progress(table) >= WIND_DOWN_START))


def phase_codes(table: TeamTable) -> np.ndarray:
    """Life-cycle phase per team as an index into :data:`PHASES`.

    Research teams are in ramp-up, peak, wind-down or idle (between projects);
    product teams are always serving.
    """
    share = progress(table)
    code = (share >= RAMP_END).astype(np.int8) + (share >= WIND_DOWN_START)
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
    duration = np.maximum(
        2, np.rint(cfg.duration_weeks * rng.uniform(*DURATION_SPREAD, teams.size))
    )
    peak = (
        units.tranches(cfg.need_per_person, sc.supply.gpus_per_tranche)
        * table.headcount[teams]
        * ambition
        * rng.uniform(*PEAK_SPREAD, teams.size)
    )
    planned = table.plan_start[teams] == week  # a project the [[teams]] table planned
    if planned.any():
        chosen = teams[planned]
        duration[planned] = table.plan_duration[chosen]
        peak[planned] = table.plan_peak[chosen]
        table.plan_start[chosen] = -1
    table.project_active[teams] = True
    table.project_age[teams] = 0
    table.project_duration[teams] = duration.astype(np.int64)
    table.project_peak[teams] = peak
    r = sc.research
    table.project_work[teams] = (
        WORK_AT_PEAK_SHARE
        * r.tfp
        * table.headcount[teams] ** r.alpha_people
        * (WORK_AT_PEAK_SHARE * peak) ** r.beta_gpus
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
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Age projects, finish those past their deadline, start new ones after a gap.

    Returns:
        ``(finished, started, unserved_waits)``: team indices, and the weeks waited by
        projects that ended without ever getting their compute (censored waits).
    """
    research = table.is_research
    active = research & table.project_active
    table.project_age[active] += 1
    finished = (active & (table.project_age >= table.project_duration)).nonzero()[0]
    table.project_active[finished] = False
    never_served = finished[table.waiting_since[finished] >= 0]
    unserved_waits = (week - table.waiting_since[never_served]).astype(float)
    table.waiting_since[finished] = -1
    if finished.size:
        mean_gap = max(sc.projects.gap_weeks, 0.0)
        table.gap_left[finished] = (
            rng.geometric(1.0 / (mean_gap + 1.0), finished.size) - 1 if mean_gap > 0 else 0
        )
    idle = research & ~table.project_active
    idle[finished] = False
    table.gap_left[idle] -= 1
    started = (idle & (table.gap_left < 0)).nonzero()[0]
    start_projects(table, started, week, ambition, sc, rng)
    # Need: peak need shaped by the phase; idle teams keep a little for exploration.
    share = progress(table)
    per_person = units.tranches(sc.projects.need_per_person, sc.supply.gpus_per_tranche)
    idle_need = IDLE_NEED_SHARE * per_person * table.headcount * ambition
    need = np.where(table.project_active, table.project_peak * phase_profile(share), idle_need)
    table.need[research] = need[research]
    return finished, started, unserved_waits


def product_lifecycle(table: TeamTable, week: int, sc: Scenario) -> np.ndarray:
    """Grow product demand, apply launch spikes and open tiers where capacity allows.

    Demand responds to service (MODEL-REFERENCE §11): its growth step sees the team's
    current capacity, and the service quality comes from the latency of last week's
    demand at that capacity (before this week's growth, spikes and tier opening); poor
    service slows growth and loses users. Draws no random numbers.

    Returns:
        Indices of product teams that opened a tier this week.
    """
    product = table.is_product.nonzero()[0]
    if product.size == 0:
        return product
    p = sc.product
    capacity = serving_capacity(table.gpus[product], p)
    demand = demand_growth(table.demand[product], table.demand_base[product], capacity, p)
    spike = sum(e.gpus for e in p.demand_spikes if e.week == week)
    if spike:
        demand = demand + p.users(spike) / product.size
    tiers_before = table.tiers_open[product].copy()
    tiers, demand = tiers_unlocked(capacity, demand, tiers_before, p)
    table.tiers_open[product] = tiers
    table.demand[product] = demand
    table.need[product] = demand * (1.0 + p.tier_headroom) / p.users_per_tranche
    return product[tiers > tiers_before]


def lifecycle_phase(
    table: TeamTable, week: int, ambition: float, sc: Scenario, rng: np.random.Generator
) -> LifecycleResult:
    """Age and finish projects, start new ones, grow product demand and open tiers.

    Args:
        table: The team table (updated in place).
        week: The week being played.
        ambition: Fleet growth since week 0 (new projects' needs scale with it).
        sc: The scenario.
        rng: The model's generator.
    """
    ambition = ambition**sc.projects.ambition_exponent
    finished, started, unserved = research_lifecycle(table, week, ambition, sc, rng)
    opened = product_lifecycle(table, week, sc)
    return LifecycleResult(
        finished=finished,
        finished_milestones=table.milestones_hit[finished],
        started=started,
        started_need=table.need[started],
        started_weeks=table.project_duration[started],
        tiers_opened=opened,
        tiers=table.tiers_open[opened],
        unserved_waits=unserved,
    )
