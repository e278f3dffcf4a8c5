"""Phase 10, record: the week's metrics row (the snapshot and narration have their modules).

The row's columns are the weekly values the run metrics of :mod:`game.run_metrics`
summarise; ``rule`` names the mechanism that actually cleared the market; ``deals`` counts
the loans that moved tranches (the automatic bargaining's and a workshop's players'),
``negotiations`` the automatic negotiations held, agreed or not.
"""

from __future__ import annotations

import numpy as np

from agents.schema import clip01, mean
from agents.table import TeamTable
from game.scenario import Scenario
from game.world.phases.pressure import BURNOUT_LEVEL
from game.world.state import WorldState
from game.world.week import WeekResults
from game.world.welfare import welfare
from market.metrics import gini, jain

__all__ = ["week_row"]


def week_row(r: WeekResults, world: WorldState, table: TeamTable, sc: Scenario) -> dict:
    """The lab-level metrics of one week (the columns of ``weeks_frame``).

    Holdings count as online in the share of the fleet that is online, so ``allocated``
    never exceeds ``usable`` and idle and utilisation are measured against usable supply.
    """
    online = 1.0 - world.offline_share
    gpus = table.gpus
    gpus_online = gpus * online
    usable = world.fleet * online
    allocated = float(gpus_online.sum())
    satisfaction = clip01(gpus / np.maximum(table.need, 1e-9))
    research_gpus = float(gpus[table.is_research].sum())
    held = float(gpus.sum())
    clearing = r.clearing.clearing
    # Projects served this week, and (censored) projects that ended without their compute.
    waits = np.concatenate([r.clearing.waits, r.lifecycle.unserved_waits])
    w = welfare(r.bids.situation, gpus_online, r.work.value, usable, sc)
    return {
        "week": r.week,
        "rule": clearing.rule,
        "supply": world.fleet,
        "usable": usable,
        "allocated": allocated,
        "idle": max(0.0, usable - allocated),
        "utilisation": allocated / usable if usable > 0 else 1.0,
        "price": clearing.price,
        "revenue": float(clearing.payments.sum()),
        "output_value": w.output_value,
        "efficiency": w.efficiency,
        "nash_welfare": w.nash,
        "envy": w.envy,
        "rho_max": w.rho_max,
        "rho_share": w.rho_share,
        "jain": jain(satisfaction),
        "gini": gini(gpus / np.maximum(table.headcount, 1e-9)),
        "mean_stress": mean(table.stress),
        "max_stress": float(table.stress.max()),
        "burnout_teams": int((table.burnout > BURNOUT_LEVEL).sum()),
        "research_output": float(table.output[table.is_research].sum()),
        "product_value": float(table.output[table.is_product].sum()),
        "research_gpu_share": research_gpus / held if held > 0 else float("nan"),
        "deals": int(r.loans.borrower.size),
        "negotiations": len(r.loans.bargains) if r.loans.bargains is not None else 0,
        "reclaims": int((table.reclaimed > 0).sum()),
        "new_project_wait": mean(waits) if waits.size else float("nan"),
        "headcount": float(table.headcount.sum()),
    }
