"""Building a lab from a scenario: its teams, their strategies, projects and first holdings.

Everything random here draws from the model's generator, in a fixed order, so the same
scenario and seed build the same lab.
"""

from __future__ import annotations

import numpy as np

from agents.strategies import STRATEGIES, BiddingStrategy
from agents.table import PRODUCT, RESEARCH, TeamTable
from game import units
from game.scenario import Scenario
from game.team_specs import TeamSpec, lab_order
from game.world.phases import lifecycle

__all__ = [
    "INITIAL_FLEET_SHARE",
    "build_table",
    "lab_names",
    "seed_holdings",
    "strategy_objects",
    "team_names",
]

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


def lab_names(sc: Scenario) -> list[str]:
    """The lab's team names in table order: the ``[[teams]]`` table's, else generated ones."""
    if sc.teams:
        return [t.name for t in lab_order(sc.teams)]
    return team_names(sc.lab.research_teams, sc.lab.product_teams)


def _specs(sc: Scenario) -> list[TeamSpec | None]:
    """Each team's entry of the ``[[teams]]`` table in table order (``None``: generated)."""
    if sc.teams:
        return list(lab_order(sc.teams))
    return [None] * (sc.lab.research_teams + sc.lab.product_teams)


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
    specs = _specs(sc)
    free = [i for i, spec in enumerate(specs) if spec is None or spec.strategy is None]
    names, counts = strategy_quota(sc.lab.strategy_mix, len(free))
    which = rng.permutation(np.repeat(np.arange(len(names)), counts))
    chosen = [spec.strategy if spec is not None else None for spec in specs]
    for i, j in zip(free, which.tolist(), strict=True):
        chosen[i] = names[j]
    return [STRATEGIES[name]() for name in chosen]


def build_table(sc: Scenario, rng: np.random.Generator) -> TeamTable:
    """The team table at week 0: divisions, headcounts, projects and product demand.

    Research projects start spread over their life so the lab does not move in
    lockstep. Draws after :func:`strategy_objects`.
    """
    n_r, n_p = sc.lab.research_teams, sc.lab.product_teams
    n = n_r + n_p
    specs = _specs(sc)
    kind = np.array([RESEARCH] * n_r + [PRODUCT] * n_p, dtype=np.int8)
    mean_head = np.where(kind == RESEARCH, sc.lab.headcount_research, sc.lab.headcount_product)
    headcount = np.maximum(MIN_HEADCOUNT, np.rint(mean_head * rng.uniform(*HEADCOUNT_SPREAD, n)))
    for i, spec in enumerate(specs):
        if spec is not None and spec.headcount is not None:
            headcount[i] = spec.headcount
    table = TeamTable(
        names=lab_names(sc),
        kind=kind,
        headcount=headcount,
        headcount_target=headcount.copy(),
        leases=np.zeros((n, sc.market.lease_weeks)),
        need=np.zeros(n),
    )
    research = np.flatnonzero(kind == RESEARCH)
    planned = _plan_projects(table, specs, sc.supply.gpus_per_tranche)
    lifecycle.start_projects(table, research, 0, 1.0, sc, rng)
    table.project_age[research] = np.floor(
        rng.uniform(0, 1, research.size) * table.project_duration[research]
    ).astype(np.int64)
    _place_projects(table, planned)
    table.waiting_since[research] = -1
    product = table.is_product
    table.demand[product] = sc.product.users(sc.product.demand_per_person) * headcount[product]
    for i, spec in enumerate(specs):
        if spec is not None and spec.demand is not None:
            table.demand[i] = sc.product.users(spec.demand)
    table.demand_base[product] = table.demand[product]
    return table


def _plan_projects(
    table: TeamTable, specs: list[TeamSpec | None], gpus_per_tranche: int
) -> list[tuple[int, int]]:
    """Queue the ``[[teams]]`` table's projects in place of generated ones.

    Called before the week-0 projects start: a project that started before week 0 is
    queued for week 0 (so it starts with its size and deadline, and the same work rule as
    any project); one starting later is queued for its week.

    Returns:
        ``(team, start)`` of each planned project.
    """
    planned = []
    for i, spec in enumerate(specs):
        if spec is None or not spec.projects:
            continue
        project = spec.projects[0]
        table.plan_start[i] = max(project.start, 0)
        table.plan_peak[i] = units.tranches(project.size, gpus_per_tranche)
        table.plan_duration[i] = project.deadline - project.start
        planned.append((i, project.start))
    return planned


def _place_projects(table: TeamTable, planned: list[tuple[int, int]]) -> None:
    """Place planned projects once week 0's projects started.

    A planned project's age counts from its start, and a team whose project starts later
    stays idle until then.
    """
    for i, start in planned:
        if start < 0:
            table.project_age[i] = -start - 1  # the first week adds one
        else:
            table.project_active[i] = False
            table.gap_left[i] = start  # the life cycle starts it in week ``start``
            table.plan_start[i] = start


def seed_holdings(table: TeamTable, sc: Scenario) -> None:
    """Hand out most of the week-0 fleet in proportion to need, on staggered leases.

    A team the ``[[teams]]`` table gives ``tranches`` starts with exactly that many; the
    others share what is left of the handout in proportion to need.
    """
    t = table
    p = sc.product
    progress = t.project_age / np.maximum(t.project_duration, 1)
    per_person = units.tranches(sc.projects.need_per_person, sc.supply.gpus_per_tranche)
    idle_need = lifecycle.IDLE_NEED_SHARE * per_person * t.headcount
    research_need = np.where(
        t.project_active, t.project_peak * lifecycle.phase_profile(progress), idle_need
    )
    need = np.where(
        t.is_research,
        research_need,
        t.demand * (1 + p.tier_headroom) / p.users_per_tranche,
    )
    t.need = need
    handout = np.floor(sc.supply.initial_tranches * INITIAL_FLEET_SHARE)
    given = np.array(
        [np.nan if s is None or s.tranches is None else s.tranches for s in _specs(sc)]
    )
    fixed = ~np.isnan(given)
    handout = max(0.0, handout - float(given[fixed].sum()))
    total = max(need[~fixed].sum(), 1e-9)
    share = np.where(fixed, given, np.floor(need / total * handout))
    lease_weeks = t.leases.shape[1]
    for col in range(lease_weeks):
        t.leases[:, col] = np.floor(share / lease_weeks) + (col < share % lease_weeks)
    t.leases_changed()
