"""Phase 8, work: research output and product value from the GPUs actually online.

Research teams with a project add output to its progress (idle teams explore at a
fraction of their rate); product teams earn value from serving demand at the latency
their capacity allows. Performance under stress and burnout scale both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents import emotion, productivity
from agents.schema import clip01
from agents.table import TeamTable
from game.scenario import Scenario

__all__ = ["IDLE_RESEARCH_RATE", "WorkResult", "milestones", "work_phase"]

#: Research teams between projects explore at this share of their output rate.
IDLE_RESEARCH_RATE = 0.2


@dataclass(frozen=True, slots=True)
class WorkResult:
    """What work achieved this week.

    Attributes:
        milestone_teams: Research teams that passed a new milestone.
        milestones_hit: Milestones each of them has reached now.
    """

    milestone_teams: np.ndarray
    milestones_hit: np.ndarray


def milestones(table: TeamTable, n_milestones: int) -> np.ndarray:
    """Count milestones reached and return the teams that passed a new one."""
    reached = np.floor(
        clip01(table.project_progress / np.maximum(table.project_work, 1e-9)) * n_milestones + 1e-9
    ).astype(np.int64)
    new = (table.is_research & table.project_active & (reached > table.milestones_hit)).nonzero()[0]
    table.milestones_hit[new] = reached[new]
    return new


def work_phase(table: TeamTable, sc: Scenario, offline_share: float) -> WorkResult:
    """Produce this week's output from the online GPUs and count milestones.

    Args:
        table: The team table (``output``, project progress and milestones updated).
        sc: The scenario (production, performance and product parameters).
        offline_share: Share of the fleet offline this week.
    """
    gpus = table.gpus * (1.0 - offline_share)
    mult = emotion.team_performance(table.stress, table.is_research, sc.emotion.performance)
    research_out = productivity.research_output(
        table.headcount, gpus, mult, table.burnout, sc.research
    )
    capacity = productivity.serving_capacity(gpus, sc.product)
    value = productivity.product_value(table.demand, capacity, sc.product) * mult
    value = value * (1.0 - table.burnout)
    research_out = np.where(table.project_active, research_out, IDLE_RESEARCH_RATE * research_out)
    table.output = np.where(table.is_research, research_out, value)
    active = table.is_research & table.project_active
    table.project_progress[active] += research_out[active]
    hit = milestones(table, sc.projects.milestones)
    return WorkResult(milestone_teams=hit, milestones_hit=table.milestones_hit[hit])
