"""Phase 8, work: research output and product value from the GPUs actually online.

Research teams with a project add output to its progress (idle teams explore at a
fraction of their rate); product teams earn value from serving demand at the latency
their capacity allows. Performance under stress and burnout scale both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents.schema import clip01
from agents.table import TeamTable
from agents.valuation import Situation, research_rate, value
from game.scenario import Scenario

__all__ = ["WorkResult", "milestones", "work_phase"]


@dataclass(frozen=True, slots=True)
class WorkResult:
    """What work achieved this week.

    Attributes:
        milestone_teams: Research teams that passed a new milestone.
        milestones_hit: Milestones each of them has reached now.
        value: Each team's output this week in credits (research at leadership's exchange
            rate, counting only output its project still needed).
    """

    milestone_teams: np.ndarray
    milestones_hit: np.ndarray
    value: np.ndarray


def milestones(table: TeamTable, n_milestones: int) -> np.ndarray:
    """Count milestones reached and return the teams that passed a new one."""
    reached = np.floor(
        clip01(table.project_progress / np.maximum(table.project_work, 1e-9)) * n_milestones + 1e-9
    ).astype(np.int64)
    new = (table.is_research & table.project_active & (reached > table.milestones_hit)).nonzero()[0]
    table.milestones_hit[new] = reached[new]
    return new


def work_phase(table: TeamTable, sc: Scenario, sit: Situation, offline_share: float) -> WorkResult:
    """Produce this week's output from the online GPUs and count milestones.

    Output comes from the same production functions and situation as the teams' values
    (:mod:`agents.valuation`), so what a team bid for is what it produces.

    Args:
        table: The team table (``output``, project progress and milestones updated).
        sc: The scenario (production, product and valuation parameters).
        sit: The teams' situation this week.
        offline_share: Share of the fleet offline this week.
    """
    gpus = table.gpus * (1.0 - offline_share)
    research_out = research_rate(sit, gpus, sc.research)
    worth = value(sit, gpus, 1.0, sc.research, sc.product, sc.valuation)
    research = table.is_research
    table.output = np.where(research, research_out, worth)
    table.output_value = worth
    active = sit.active
    table.project_progress[active] += research_out[active]
    hit = milestones(table, sc.projects.milestones)
    return WorkResult(milestone_teams=hit, milestones_hit=table.milestones_hit[hit], value=worth)
