"""Your own lab: the scenario's ``[[teams]]`` table, one entry per team, by name.

Without the table a lab is generated from ``[lab]`` (``research_teams`` star-named
research teams, ``product_teams`` product teams, headcounts drawn around the division
means, strategies from the mix). With it, the table *is* the lab: its names are shown
everywhere and the team counts come from it. Only ``name`` and ``kind`` are required;
every other key falls back to what the generated lab would give that team::

    [[teams]]
    name = "Pretraining"
    kind = "research"
    headcount = 60
    strategy = "truthful"
    tranches = 12
    projects = [{ size = 30000, start = -4, deadline = 20 }]

    [[teams]]
    name = "Chat"
    kind = "product"
    priority = 2.0
    demand = 9000
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from agents.schema import MAX_WEEKS, Params
from agents.strategies import bot_strategies
from game.tables import LabConfig
from game.validation import MAX_SHOWN, clean, control_characters

__all__ = [
    "KINDS",
    "MAX_NAME",
    "SEED_HELP",
    "TEAMS_HELP",
    "ProjectSpec",
    "TeamSpec",
    "check_team_list",
    "division_priorities",
    "error_location",
    "lab_for_teams",
    "lab_order",
    "spec_rows",
    "team_location",
    "without_counts",
]

KINDS = ("research", "product")
"""The divisions a team may belong to."""

MAX_NAME = 40
"""The longest team name (it is shown in tables, charts and the network view)."""

TEAMS_HELP = (
    "Your own lab, one entry per team ([[teams]]: name, kind, headcount, priority, strategy, "
    "tranches, demand, projects); when given it defines the lab and lab.research_teams / "
    "lab.product_teams follow from it."
)
SEED_HELP = (
    "Random seed `crunch run` uses when --seed is not given (`crunch run --out` writes the "
    "run's seed here, so the saved scenario reproduces the run)."
)

RESERVED_NAME = "Reallocation group"
"""The name the lab's reallocation group goes by (results list it beside the teams)."""


class ProjectSpec(Params):
    """One project of a research team: how much compute it wants, from when to when."""

    size: float = Field(
        gt=0,
        le=1e10,
        description="Peak GPUs the project needs (a generated project needs "
        "projects.need_per_person x people).",
    )
    start: int = Field(
        ge=-MAX_WEEKS,
        le=MAX_WEEKS - 1,
        description="Week the project starts (0 is the first week; negative: already "
        "running when the game starts).",
    )
    deadline: int = Field(
        ge=1,
        le=MAX_WEEKS,
        description="Week the project ends (after its start).",
    )

    @model_validator(mode="after")
    def _deadline_after_start(self) -> ProjectSpec:
        if self.deadline <= self.start:
            raise ValueError(
                f"deadline = {self.deadline} is not after start = {self.start}; allowed: a "
                "deadline later than the start"
            )
        return self


class TeamSpec(Params):
    """One team of your lab: only ``name`` and ``kind`` are required."""

    name: str = Field(
        min_length=1, max_length=MAX_NAME, description="Team name (unique in the lab)."
    )
    kind: Literal["research", "product"] = Field(
        description="Division: research (projects) or product (serving users)."
    )
    headcount: float | None = Field(
        None,
        gt=0,
        le=1000,
        description="People in the team (default: drawn around lab.headcount_research or "
        "lab.headcount_product).",
    )
    priority: float = Field(
        1.0,
        gt=0,
        le=1e6,
        description="Committee weight relative to the other teams of its division (under "
        "committee governance the division's weight is split in these proportions).",
    )
    strategy: str | None = Field(
        None,
        description="Bidding strategy: a registered strategy, as lab.strategy_mix names "
        "them (default: drawn from lab.strategy_mix).",
    )
    tranches: float | None = Field(
        None,
        ge=0,
        le=1e7,
        description="Tranches held at week 0 (default: a share of the week-0 fleet in "
        "proportion to need).",
    )
    demand: float | None = Field(
        None,
        ge=0,
        le=1e9,
        description="Product teams: demand at week 0, in GPUs' worth of serving load "
        "(default: product.demand_per_person x people).",
    )
    projects: tuple[ProjectSpec, ...] = Field(
        (),
        max_length=1,
        description="Research teams: the project running at week 0 or starting later "
        "(size, start, deadline); later projects are generated (default: generated).",
    )

    @field_validator("name")
    @classmethod
    def _printable_name(cls, name: str) -> str:
        bad = control_characters(name)
        if bad:
            raise ValueError(f"contains the control character {bad[0]!r}; allowed: printable text")
        if name != name.strip():
            raise ValueError("starts or ends with a space; allowed: a name without them")
        if name.casefold() == RESERVED_NAME.casefold():
            raise ValueError("is the reallocation group's name; allowed: any other name")
        return name

    @field_validator("strategy")
    @classmethod
    def _registered_strategy(cls, name: str | None) -> str | None:
        if name is None:
            return None
        bots = sorted(bot_strategies())
        if name not in bots:
            raise ValueError(f"unknown strategy {clean(repr(name), MAX_SHOWN)}; allowed: {bots}")
        return name

    @model_validator(mode="after")
    def _fits_kind(self) -> TeamSpec:
        if self.kind == "research" and self.demand is not None:
            raise ValueError("demand: only product teams serve user demand; leave it empty")
        if self.kind == "product" and self.projects:
            raise ValueError("projects: only research teams run projects; leave it empty")
        return self


def team_location(index: int, key: str | None = None) -> str:
    """How a message names a team's entry or one of its keys: ``teams[3].kind``."""
    return f"teams[{index}]" + (f".{key}" if key else "")


def check_team_list(teams: tuple[TeamSpec, ...], initial_tranches: float) -> tuple[int, int]:
    """Check the lab as a whole; return its ``(research, product)`` team counts.

    Raises:
        ValueError: For a repeated name, a lab without a research team, or starting
            holdings beyond the week-0 fleet (the message names the entry).
    """
    seen: dict[str, int] = {}
    for i, team in enumerate(teams):
        key = team.name.casefold()
        if key in seen:
            raise ValueError(
                f"{team_location(i, 'name')} = {clean(repr(team.name), MAX_SHOWN)}: the same "
                f"name as {team_location(seen[key])}; allowed: a name no other team has"
            )
        seen[key] = i
    n_research = sum(t.kind == "research" for t in teams)
    if n_research == 0:
        raise ValueError("teams: no research team; allowed: a lab with at least one")
    held = sum(t.tranches or 0.0 for t in teams)
    if held > initial_tranches:
        raise ValueError(
            f"teams: starting tranches add up to {held:g}, more than the week-0 fleet of "
            f"{initial_tranches:g} tranches (supply.initial_gpus / supply.gpus_per_tranche); "
            "allowed: at most that"
        )
    return n_research, len(teams) - n_research


def spec_rows(teams: tuple[TeamSpec, ...]) -> list[dict[str, Any]]:
    """The teams as plain rows (what a CSV or the app's table holds)."""
    return [t.model_dump(mode="json") for t in teams]


def lab_order(teams: tuple[TeamSpec, ...]) -> list[TeamSpec]:
    """The teams in the order the lab holds them: research teams first, each in table order."""
    return [t for t in teams if t.kind == "research"] + [t for t in teams if t.kind == "product"]


def division_priorities(teams: tuple[TeamSpec, ...]) -> np.ndarray | None:
    """Each team's committee priority in lab order (``None``: no table, all teams equal)."""
    if not teams:
        return None
    return np.array([t.priority for t in lab_order(teams)], dtype=float)


def lab_for_teams(
    lab: LabConfig, teams: tuple[TeamSpec, ...], initial_tranches: float
) -> LabConfig:
    """The ``[lab]`` table with the team counts of the ``[[teams]]`` table.

    Raises:
        ValueError: For a lab the table refuses (:func:`check_team_list`), or a count given
            in ``[lab]`` that differs from the table's.
    """
    n_research, n_product = check_team_list(teams, initial_tranches)
    for key, count in (("research_teams", n_research), ("product_teams", n_product)):
        given = getattr(lab, key)
        if key in lab.model_fields_set and given != count:
            raise ValueError(
                f"lab.{key} = {given}: the [[teams]] table lists {count}; allowed: leave "
                f"lab.{key} out (the table defines the lab) or remove the table"
            )
    return lab.model_copy(update={"research_teams": n_research, "product_teams": n_product})


def error_location(loc: tuple[Any, ...]) -> str:
    """A validation error's dotted location, with a team's entry as ``teams[3]``."""
    if len(loc) >= 2 and loc[0] == "teams" and isinstance(loc[1], int):
        rest = ".".join(str(p) for p in loc[2:])
        return team_location(loc[1], rest or None)
    return ".".join(str(p) for p in loc)


def without_counts(data: dict[str, Any], new_table: bool = False) -> dict[str, Any]:
    """A scenario's plain data without the team counts its ``[[teams]]`` table defines.

    Args:
        data: The scenario's dump (changed in place and returned).
        new_table: Drop the counts even without a table (a new one is about to be set).
    """
    if data.get("teams") or new_table:
        for key in ("research_teams", "product_teams"):
            data.get("lab", {}).pop(key, None)
    return data
