"""Sweep files: the TOML that says what to vary, how often, and what to keep.

A sweep file has two tables, and two optional ones::

    [sweep]
    name = "mechanisms"
    scenario = "lab-2025"          # preset name or path to a scenario TOML
    weeks = 26                     # default: the scenario's horizon
    replications = 3
    seed = 2026
    design = "grid"                # grid | lhs | sobol; lhs and sobol take samples = N

    [factors]                      # dotted scenario keys
    "market.mechanism" = ["vickrey", "uniform_price", "committee"]   # levels
    "governance.research_credit_share" = { low = 0.5, high = 0.7 }   # a range

    [fixed]                        # optional: scenario keys held at one value in every run
    "lab.research_teams" = 12

    [outputs]                      # optional: default, every registered run metric
    metrics = ["efficiency", "jain", "mean_stress"]

    [baseline]                     # optional (grid, points): compare each point with it
    "market.mechanism" = "committee"

``[sweep]`` also takes ``common_random_numbers`` (default true: replicate r of every
point plays the same seed) and design ``points`` (the i-th level of every factor makes
point i).

:func:`load_sweep` parses and validates the file completely before anything runs:
unknown keys, out-of-range values and factor values the scenario refuses all give a
one-line :class:`SweepError` naming the field, the value and what is allowed.

The work is split by job: :mod:`experiments.factors` (levels and ranges),
:mod:`experiments.sweep_schema` (the tables, their validation, the stored sweep and its
hash) and :mod:`experiments.scenario_checks` (the values against the base scenario).
This module reads files and re-exports their public names, so
``from experiments.sweep_file import ...`` keeps working.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from experiments.factors import MAX_LEVELS, Factor, Level, LevelsFactor, RangeFactor
from experiments.scenario_checks import (
    check_against_scenario,
    resolve_scenario_source,
    scenario_field_kind,
)
from experiments.sweep_schema import (
    Outputs,
    SweepError,
    SweepFile,
    SweepSettings,
    parse_sweep_dict,
    stored_sweep,
    sweep_hash,
)
from game.validation import parse_toml

if TYPE_CHECKING:
    from game.scenario import Scenario

__all__ = [
    "MAX_LEVELS",
    "Factor",
    "Level",
    "LevelsFactor",
    "Outputs",
    "RangeFactor",
    "Sweep",
    "SweepError",
    "SweepFile",
    "SweepSettings",
    "check_against_scenario",
    "load_sweep",
    "parse_sweep_dict",
    "resolve_scenario_source",
    "scenario_field_kind",
    "stored_sweep",
    "sweep_from_toml",
    "sweep_hash",
]


@dataclass(frozen=True)
class Sweep:
    """A validated sweep ready to plan: the file, its text and the resolved base scenario.

    Attributes:
        spec: The validated sweep file (ranges know whether they are whole numbers).
        text: The sweep file's TOML text as written (kept in the results file).
        base: The base scenario with the ``[fixed]`` values applied.
        source: Where the sweep came from (a path or ``"sweep file"``).
    """

    spec: SweepFile
    text: str
    base: Scenario
    source: str = "sweep file"

    @property
    def hash(self) -> str:
        """The sweep's identity: its validated content plus the base scenario's digest."""
        return sweep_hash(self.spec, self.base.digest())


def sweep_from_toml(
    text: str, source: str = "sweep file", *, base_dir: Path | None = None
) -> Sweep:
    """Parse and fully validate sweep TOML text (including the scenario checks).

    Args:
        text: The TOML text.
        source: Shown in error messages.
        base_dir: Where relative scenario paths are looked up first.

    Raises:
        SweepError: Bad TOML, unknown key, bad value, unknown metric or factor.
    """
    spec, base = check_against_scenario(
        parse_sweep_dict(parse_toml(text, source, SweepError)), base_dir
    )
    return Sweep(spec=spec, text=text, base=base, source=source)


def load_sweep(path: str | Path) -> Sweep:
    """Load and validate a sweep file.

    Raises:
        SweepError: Missing file, bad TOML, unknown key, bad value, unknown metric or factor.
    """
    p = Path(path)
    if not p.is_file():
        raise SweepError(f"sweep file {str(path)!r} does not exist")
    text = p.read_text(encoding="utf-8")
    return sweep_from_toml(text, str(path), base_dir=p.resolve().parent)
