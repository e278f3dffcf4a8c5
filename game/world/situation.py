"""Each team's situation this week: what its output depends on besides its GPUs.

Built once a week after the life cycle and the reallocation group have acted; bidding,
the work phase and the week's welfare metrics value output from the same situation.
"""

from __future__ import annotations

import numpy as np

from agents import emotion
from agents.table import TeamTable
from agents.valuation import Situation
from game.scenario import Scenario

__all__ = ["situation"]


def situation(table: TeamTable, sc: Scenario) -> Situation:
    """The teams' situation: people, performance, project state and product demand."""
    performance = emotion.team_performance(table.stress, table.is_research, sc.emotion.performance)
    active = table.is_research & table.project_active
    remaining = np.where(
        active, np.maximum(table.project_work - table.project_progress, 0.0), np.inf
    )
    return Situation(
        research=table.is_research,
        people=table.headcount.copy(),
        multiplier=performance * (1.0 - table.burnout),
        active=active,
        remaining=remaining,
        demand=table.demand.copy(),
    )
