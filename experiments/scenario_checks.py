"""Checking a sweep against its base scenario, before anything runs.

Every factor level, both ends of every range and every ``[fixed]`` value are applied to
the base scenario, so a value the scenario refuses is reported when the sweep is loaded,
not in a worker half-way through. A range learns here whether its field is a whole
number (its ``integer`` flag). Dotted keys are read through :mod:`game.keys`, the same
helper ``--set`` and the app use.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from experiments.factors import Factor, RangeFactor
from experiments.sweep_schema import SweepError, SweepFile

if TYPE_CHECKING:
    from game.scenario import Scenario

__all__ = ["check_against_scenario", "resolve_scenario_source", "scenario_field_kind"]


def scenario_field_kind(key: str) -> str:
    """Return ``"int"``, ``"float"``, ``"bool"``, ``"choice"``, ``"other"`` or ``"unknown"``."""
    from game import keys
    from game.scenario import Scenario

    return keys.field_kind(Scenario, key)


def resolve_scenario_source(scenario: str, base_dir: Path | None) -> str:
    """Return the scenario reference to load: a preset name, or a path.

    A relative ``.toml`` path is looked up beside the sweep file first, then from the
    working directory.
    """
    if not scenario.endswith(".toml"):
        return scenario
    path = Path(scenario)
    if not path.is_absolute() and base_dir is not None and (base_dir / path).is_file():
        return str(base_dir / path)
    return scenario


def _resolve_range(key: str, factor: RangeFactor, base: Scenario) -> tuple[RangeFactor, list[Any]]:
    """The range with its ``integer`` flag set, and the two ends to try on the scenario."""
    from game.scenario import ScenarioError

    kind = scenario_field_kind(key)
    if kind == "unknown":
        try:
            base.with_overrides({key: factor.low})
        except ScenarioError as err:
            raise SweepError(f'factors."{key}": {err}') from None
    if kind not in ("int", "float"):
        raise SweepError(
            f'factors."{key}" = {{low, high}}: {key} is not a number; give a list of levels instead'
        )
    integer = kind == "int" if factor.integer is None else factor.integer
    if integer and math.ceil(factor.low) > math.floor(factor.high):
        raise SweepError(
            f'factors."{key}": no whole number between low = {factor.low} and high = {factor.high}'
        )
    factor = factor.model_copy(update={"integer": integer})
    ends = (
        [math.ceil(factor.low), math.floor(factor.high)] if integer else [factor.low, factor.high]
    )
    return factor, ends


def check_against_scenario(
    sweep: SweepFile, base_dir: Path | None = None
) -> tuple[SweepFile, Scenario]:
    """Apply every factor level, range end and fixed value to the base scenario.

    Returns:
        The sweep with each range's ``integer`` flag set from the scenario field's type,
        and the base scenario with the ``[fixed]`` values applied.

    Raises:
        SweepError: Naming the factor and what the scenario allows.
    """
    from game.scenario import ScenarioError, load_scenario

    try:
        base = load_scenario(resolve_scenario_source(sweep.sweep.scenario, base_dir))
    except ScenarioError as err:
        raise SweepError(f"sweep.scenario: {err}") from None
    try:
        base = base.with_overrides(sweep.fixed)
    except ScenarioError as err:
        raise SweepError(f"fixed: {err}") from None
    resolved: dict[str, Factor] = {}
    for key, factor in sweep.factors.items():
        values: list[Any]
        if isinstance(factor, RangeFactor):
            factor, values = _resolve_range(key, factor, base)
        else:
            values = list(factor.levels)
        for value in values:
            try:
                base.with_overrides({key: value})
            except ScenarioError as err:
                raise SweepError(f'factors."{key}": {err}') from None
        resolved[key] = factor
    return sweep.model_copy(update={"factors": resolved}), base
