"""Phase 1, supply: the fleet grows, goes live, breaks and leaves; leases return tranches.

:func:`supply_step` is the pure fleet arithmetic; :func:`supply_phase` applies it to the
world and the teams' leases.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents.table import TeamTable
from game import units
from game.scenario import SupplyConfig
from game.world.state import WorldState

__all__ = ["SupplyChange", "supply_phase", "supply_step"]


@dataclass(frozen=True, slots=True)
class SupplyChange:
    """What happened to the fleet this week.

    Attributes:
        fleet: Fleet size after the week's changes, in tranches.
        growth: Tranches added by steady growth.
        go_live: Tranches added by data-centre go-lives this week.
        lease_expiry: Tranches that left the fleet because leases ended.
        outage_share: Share of the fleet offline this week (0 when no outage).
    """

    fleet: float
    growth: float
    go_live: float
    lease_expiry: float
    outage_share: float


def supply_step(
    fleet: float, week: int, cfg: SupplyConfig, rng: np.random.Generator
) -> SupplyChange:
    """Advance the fleet by one week.

    Growth compounds on the current fleet; go-live and lease-expiry events apply in
    their week; an outage takes ``outage_share`` of the fleet offline for the week
    with probability ``outage_rate``. The random draw is made every week, so
    changing an event's size never shifts the random stream.

    Args:
        fleet: Fleet size at the end of last week, in tranches.
        week: The week being played (0-based).
        cfg: Supply configuration.
        rng: The model's generator.
    """
    outage_draw = rng.random()
    growth = fleet * cfg.growth_per_week if week > 0 else 0.0
    go_live = units.tranches(
        sum(e.gpus for e in cfg.go_live if e.week == week), cfg.gpus_per_tranche
    )
    expiry = units.tranches(
        sum(e.gpus for e in cfg.lease_expiry if e.week == week), cfg.gpus_per_tranche
    )
    new_fleet = max(0.0, fleet + growth + go_live - expiry)
    expiry = fleet + growth + go_live - new_fleet
    outage = cfg.outage_share if outage_draw < cfg.outage_rate else 0.0
    return SupplyChange(
        fleet=new_fleet, growth=growth, go_live=go_live, lease_expiry=expiry, outage_share=outage
    )


def supply_phase(
    world: WorldState, table: TeamTable, cfg: SupplyConfig, rng: np.random.Generator
) -> SupplyChange:
    """Leases that end return to the pool, then the fleet changes for the week.

    When leases end at the provider and the fleet shrinks below what teams hold, the
    difference is taken back from every holder in proportion to its holding.

    Args:
        world: The world (fleet and outage updated in place).
        table: The team table (leases updated in place).
        cfg: Supply configuration.
        rng: The model's generator.
    """
    table.advance_leases()
    change = supply_step(world.fleet, world.week, cfg, rng)
    world.fleet = change.fleet
    world.offline_share = change.outage_share
    held = table.leases.sum()
    if held > world.fleet:
        gpus = table.gpus
        cut = gpus / held * (held - world.fleet)
        table.take(np.arange(table.n), cut)
    return change
