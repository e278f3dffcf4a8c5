"""Building a lab from a scenario: its teams, their strategies, projects and first holdings.

Everything random here draws from the model's generator, in a fixed order, so the same
scenario and seed build the same lab.
"""

from __future__ import annotations

import numpy as np

from agents.strategies import STRATEGIES, BiddingStrategy
from agents.table import PRODUCT, RESEARCH, TeamTable
from game.scenario import Scenario
from game.world.phases import lifecycle

__all__ = ["INITIAL_FLEET_SHARE", "build_table", "seed_holdings", "strategy_objects", "team_names"]

#: Share of the week-0 fleet handed out before the first auction.
INITIAL_FLEET_SHARE = 0.9
#: Smallest team: a draw of headcount never goes below this.
MIN_HEADCOUNT = 3.0
#: Team sizes vary uniformly in this range around the scenario's mean.
HEADCOUNT_SPREAD = (0.6, 1.4)

_RESEARCH_NAMES = [
    "Orion",
    "Lyra",
    "Vega",
    "Atlas",
    "Nova",
    "Cygnus",
    "Draco",
    "Hydra",
    "Lynx",
    "Perseus",
    "Carina",
    "Aquila",
    "Phoenix",
    "Pyxis",
    "Volans",
    "Auriga",
    "Corvus",
    "Lepus",
    "Norma",
    "Pavo",
    "Tucana",
    "Vela",
    "Mensa",
    "Octans",
    "Fornax",
]
_PRODUCT_NAMES = [
    "Chat",
    "Voice",
    "Canvas",
    "Search",
    "Agents",
    "Sora",
    "Tasks",
    "Code",
    "Vision",
    "Memory",
    "Enterprise",
    "Edu",
    "Health",
    "Shop",
    "Atlas-App",
    "Studio",
]


def team_names(n_research: int, n_product: int) -> list[str]:
    """Return readable, unique names: star names for research, product names for product.

    Args:
        n_research: Number of research teams.
        n_product: Number of product teams.
    """

    def pick(pool: tuple[str, ...] | list[str], n: int) -> list[str]:
        size = len(pool)
        return [pool[i % size] + (f"-{i // size + 1}" if i >= size else "") for i in range(n)]

    return pick(_RESEARCH_NAMES, n_research) + [f"{p}" for p in pick(_PRODUCT_NAMES, n_product)]


def strategy_quota(mix: dict[str, float], n: int) -> tuple[list[str], np.ndarray]:
    """How many of ``n`` teams play each strategy of the mix (largest remainder).

    Returns:
        ``(names, counts)`` in registry order.
    """
    shares_by_name = {k: v for k, v in mix.items() if v > 0}
    names = sorted(shares_by_name, key=list(STRATEGIES).index)
    shares = np.array([shares_by_name[s] for s in names]) / sum(shares_by_name.values())
    exact = shares * n
    counts = np.floor(exact).astype(int)
    for j in np.argsort(-(exact - counts), kind="stable")[: n - counts.sum()]:
        counts[j] += 1
    return names, counts


def strategy_objects(sc: Scenario, rng: np.random.Generator) -> list[BiddingStrategy]:
    """One strategy object per team: the mix's quotas, shuffled over the teams."""
    n = sc.lab.research_teams + sc.lab.product_teams
    names, counts = strategy_quota(sc.lab.strategy_mix, n)
    which = rng.permutation(np.repeat(np.arange(len(names)), counts))
    return [STRATEGIES[names[j]]() for j in which.tolist()]


def build_table(sc: Scenario, rng: np.random.Generator) -> TeamTable:
    """The team table at week 0: divisions, headcounts, projects and product demand.

    Research projects start spread over their life so the lab does not move in
    lockstep. Draws after :func:`strategy_objects`.
    """
    n_r, n_p = sc.lab.research_teams, sc.lab.product_teams
    n = n_r + n_p
    kind = np.array([RESEARCH] * n_r + [PRODUCT] * n_p, dtype=np.int8)
    mean_head = np.where(kind == RESEARCH, sc.lab.headcount_research, sc.lab.headcount_product)
    headcount = np.maximum(MIN_HEADCOUNT, np.rint(mean_head * rng.uniform(*HEADCOUNT_SPREAD, n)))
    table = TeamTable(
        names=team_names(n_r, n_p),
        kind=kind,
        headcount=headcount,
        headcount_target=headcount.copy(),
        leases=np.zeros((n, sc.market.lease_weeks)),
        need=np.zeros(n),
    )
    research = np.flatnonzero(kind == RESEARCH)
    lifecycle.start_projects(table, research, 0, 1.0, sc, rng)
    table.project_age[research] = np.floor(
        rng.uniform(0, 1, research.size) * table.project_duration[research]
    ).astype(np.int64)
    table.waiting_since[research] = -1
    product = table.is_product
    table.demand[product] = sc.product.users(sc.product.demand_per_person) * headcount[product]
    table.demand_base[product] = table.demand[product]
    return table


def seed_holdings(table: TeamTable, sc: Scenario) -> None:
    """Hand out most of the week-0 fleet in proportion to need, on staggered leases."""
    t = table
    p = sc.product
    progress = t.project_age / np.maximum(t.project_duration, 1)
    need = np.where(
        t.is_research,
        t.project_peak * lifecycle.phase_profile(progress),
        t.demand * (1 + p.tier_headroom) / p.users_per_tranche,
    )
    t.need = need
    total = max(need.sum(), 1e-9)
    units = np.floor(sc.supply.initial_tranches * INITIAL_FLEET_SHARE)
    share = np.floor(need / total * units)
    lease_weeks = t.leases.shape[1]
    for col in range(lease_weeks):
        t.leases[:, col] = np.floor(share / lease_weeks) + (col < share % lease_weeks)
    t.leases_changed()
