"""How urgent each team's need is: deadline urgency for research, load for product.

Bidding values urgent tranches higher, the committee weights urgent teams higher and
stress rises with urgency, so all three read it from here.
"""

from __future__ import annotations

import numpy as np

from agents import emotion
from agents.productivity import serving_capacity
from agents.schema import clip01
from agents.table import TeamTable
from game.scenario import Scenario

__all__ = ["urgency"]


def urgency(table: TeamTable, sc: Scenario) -> np.ndarray:
    """Urgency in [0, 1] per team.

    Research: deadline urgency ``(elapsed/deadline)²`` of a running project (0 between
    projects). Product: ``clip01(demand/capacity − 1)²``, how far demand exceeds what the
    team's tranches serve, with capacity ``tranches × product.users_per_tranche`` in demand
    units (so a change of demand units moves nothing).

    Args:
        table: The team table.
        sc: The scenario (serving capacity: ``product.users_per_gpu`` × GPUs per tranche).
    """
    research = emotion.deadline_urgency(
        table.project_age.astype(float), table.project_duration.astype(float)
    )
    research = np.where(table.project_active, research, 0.0)
    capacity = serving_capacity(table.gpus, sc.product)
    load = clip01(table.demand / np.maximum(capacity, 1e-9) - 1.0)
    product = load * load
    return np.where(table.is_research, research, product)
