"""Phase 10, record: the week's metrics row (the snapshot and narration have their modules).

The row's columns are the weekly values the run metrics of :mod:`game.run_metrics`
summarise; ``rule`` names the mechanism that actually cleared the market.
"""

from __future__ import annotations

import numpy as np

from agents.schema import clip01, mean
from agents.table import TeamTable
from game.world.phases.pressure import BURNOUT_LEVEL
from game.world.state import WorldState
from game.world.week import WeekResults
from market.metrics import allocative_efficiency, gini, jain

__all__ = ["week_row"]


def week_row(r: WeekResults, world: WorldState, table: TeamTable) -> dict[str, float | str]:
    """The lab-level metrics of one week (the columns of ``weeks_frame``)."""
    gpus = table.gpus
    allocated = float(gpus.sum())
    fleet = world.fleet
    satisfaction = clip01(gpus / np.maximum(table.need, 1e-9))
    research_gpus = float(gpus[table.is_research].sum())
    clearing = r.clearing.clearing
    waits = r.clearing.waits
    return {
        "week": r.week,
        "rule": clearing.rule,
        "supply": fleet,
        "available": fleet * (1.0 - world.offline_share),
        "allocated": allocated,
        "idle": max(0.0, fleet - allocated),
        "utilisation": allocated / fleet if fleet > 0 else 1.0,
        "price": clearing.price,
        "revenue": float(clearing.payments.sum()),
        # Values come from the valuation model (finite, >= 0, non-increasing rows).
        "efficiency": allocative_efficiency(
            r.bids.values, clearing.allocation, clearing.offered, checked=True
        ),
        "jain": jain(satisfaction),
        "gini": gini(gpus / np.maximum(table.headcount, 1e-9)),
        "mean_stress": mean(table.stress),
        "max_stress": float(table.stress.max()),
        "burnout_teams": int((table.burnout > BURNOUT_LEVEL).sum()),
        "research_output": float(table.output[table.is_research].sum()),
        "product_value": float(table.output[table.is_product].sum()),
        "research_gpu_share": research_gpus / allocated if allocated > 0 else float("nan"),
        "deals": int(r.loans.borrower.size),
        "reclaims": int((table.reclaimed > 0).sum()),
        "new_project_wait": mean(waits) if waits.size else float("nan"),
        "headcount": float(table.headcount.sum()),
    }
