"""Sweep files: the TOML that says what to vary, how often, and what to keep.

A sweep file has three tables (and an optional fourth)::

    [sweep]
    name = "mechanisms"
    scenario = "lab-2025"          # preset name or path to a scenario TOML
    weeks = 26                     # default: the scenario's horizon
    replications = 3
    seed = 2026
    design = "grid"                # grid | lhs | sobol; lhs and sobol take samples = N

    [factors]                      # dotted scenario keys
    "market.mechanism" = ["vickrey", "uniform_price", "committee"]   # levels
    "governance.research_share" = { low = 0.5, high = 0.7 }          # a range

    [fixed]                        # optional: scenario keys held at one value in every run
    "lab.research_teams" = 12

    [outputs]
    metrics = ["efficiency", "jain", "mean_stress"]

:func:`load_sweep` parses and validates the file completely before anything runs:
unknown keys, out-of-range values and factor values the scenario refuses all give a
one-line :class:`SweepError` naming the field, the value and what is allowed.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import tomllib
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from experiments.metrics import check_metric_names

if TYPE_CHECKING:
    from game.scenario import Scenario

DESIGNS = ("grid", "lhs", "sobol")
MAX_LEVELS = 1000
Level = str | int | float | bool


class SweepError(ValueError):
    """A sweep file is not valid: the message names the field, the value and what is allowed."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LevelsFactor(_Strict):
    """A factor given as a list of levels (used as they are by every design)."""

    kind: Literal["levels"] = "levels"
    levels: tuple[Level, ...] = Field(min_length=1, max_length=MAX_LEVELS)

    @field_validator("levels")
    @classmethod
    def _distinct(cls, levels: tuple[Level, ...]) -> tuple[Level, ...]:
        seen: list[str] = []
        for level in levels:
            token = json.dumps(level)
            if token in seen:
                raise ValueError(f"level {level!r} is repeated; allowed: distinct levels")
            seen.append(token)
        return levels


class RangeFactor(_Strict):
    """A numeric factor given as ``{low, high}``: sampled (lhs, sobol) or ``steps`` levels (grid).

    ``integer`` is filled in from the scenario field's type when the sweep is loaded: an
    integer field is sampled as whole numbers.
    """

    kind: Literal["range"] = "range"
    low: float = Field(allow_inf_nan=False)
    high: float = Field(allow_inf_nan=False)
    steps: int = Field(3, ge=2, le=MAX_LEVELS)
    integer: bool | None = None

    @model_validator(mode="after")
    def _ordered(self) -> RangeFactor:
        if not self.low < self.high:
            raise ValueError(f"low = {self.low} must be below high = {self.high}")
        return self

    def grid_levels(self) -> list[float | int]:
        """Return the ``steps`` evenly spaced levels from low to high (whole numbers if integer).

        Three steps give low, middle and high.
        """
        span = self.high - self.low
        values = [self.low + span * i / (self.steps - 1) for i in range(self.steps)]
        if self.integer:
            out: list[float | int] = []
            for v in values:
                n = math.floor(v + 0.5)
                if n not in out:
                    out.append(n)
            return out
        return values

    def from_unit(self, u: float) -> float | int:
        """Map a coordinate ``u`` in [0, 1) to a value of the range.

        Integer ranges give each whole number from low to high the same share of [0, 1).
        """
        if self.integer:
            lo, hi = math.ceil(self.low), math.floor(self.high)
            return int(min(hi, lo + math.floor(u * (hi - lo + 1))))
        return float(self.low + u * (self.high - self.low))


Factor = LevelsFactor | RangeFactor


class SweepSettings(_Strict):
    """The ``[sweep]`` table."""

    name: str = Field(min_length=1, max_length=80, description="Name of the sweep.")
    description: str = Field("", max_length=2000, description="What the sweep asks.")
    scenario: str = Field(
        "lab-2025", min_length=1, description="Preset name or path to a scenario TOML."
    )
    weeks: int | None = Field(
        None, ge=1, le=1040, description="Weeks per run (default: the scenario's horizon)."
    )
    replications: int = Field(1, ge=1, le=100000, description="Seeded runs per design point.")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="Root seed of every run's seed.")
    design: Literal["grid", "lhs", "sobol"] = Field("grid", description="Design of the points.")
    samples: int | None = Field(
        None,
        ge=1,
        le=1_000_000,
        description="Points (lhs) or base samples N (sobol, a power of 2).",
    )
    second_order: bool = Field(
        True, description="Sobol: also estimate second-order indices (N(2D+2) points)."
    )

    @model_validator(mode="after")
    def _samples_fit_design(self) -> SweepSettings:
        if self.design == "grid" and self.samples is not None:
            raise ValueError(
                f"samples = {self.samples} is not used by design 'grid'; "
                "remove it or use design 'lhs' or 'sobol'"
            )
        if self.design != "grid" and self.samples is None:
            raise ValueError(f"design {self.design!r} needs samples = N (e.g. samples = 64)")
        if self.design == "sobol" and self.samples is not None:
            n = self.samples
            if n < 2 or n & (n - 1):
                raise ValueError(
                    f"samples = {n}: Sobol designs need a power of 2 >= 2 (e.g. 8, 16, 64)"
                )
        return self


class Outputs(_Strict):
    """The ``[outputs]`` table."""

    metrics: tuple[str, ...] = Field(min_length=1, description="Metrics kept for every run.")

    @field_validator("metrics")
    @classmethod
    def _known(cls, names: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        if len(set(names)) != len(names):
            dup = next(n for n in names if names.count(n) > 1)
            raise ValueError(f"metric {dup!r} is listed twice")
        if not (info.context or {}).get("stored", False):
            check_metric_names(names)
        return names


class SweepFile(_Strict):
    """A whole sweep file: ``[sweep]``, ``[factors]``, optional ``[fixed]``, ``[outputs]``."""

    sweep: SweepSettings
    factors: dict[str, Annotated[LevelsFactor | RangeFactor, Field(discriminator="kind")]] = Field(
        min_length=1
    )
    fixed: dict[str, Any] = Field(default_factory=dict)
    outputs: Outputs

    @field_validator("factors", mode="before")
    @classmethod
    def _tag_factors(cls, raw: Any) -> Any:
        if not isinstance(raw, dict):
            return raw
        out: dict[str, Any] = {}
        for key, value in raw.items():
            if isinstance(value, (LevelsFactor, RangeFactor)):
                out[key] = value
            elif isinstance(value, (list, tuple)):
                out[key] = {"kind": "levels", "levels": list(value)}
            elif isinstance(value, dict) and "levels" in value:
                out[key] = {"kind": "levels", **value}
            elif isinstance(value, dict):
                out[key] = {"kind": "range", **value}
            else:
                raise ValueError(
                    f'factors."{key}" = {value!r}: give a list of levels '
                    "or a range { low = ..., high = ... }"
                )
        return out

    @model_validator(mode="after")
    def _consistent(self) -> SweepFile:
        for key in self.fixed:
            if key in self.factors:
                raise ValueError(f'fixed."{key}" is also a factor; keep it in one table')
        if self.sweep.design == "grid":
            points = 1
            for factor in self.factors.values():
                n = (
                    len(factor.levels)
                    if isinstance(factor, LevelsFactor)
                    else len(factor.grid_levels())
                )
                points *= n
            if points * self.sweep.replications > 10_000_000:
                raise ValueError(
                    f"the grid has {points} points x {self.sweep.replications} replications; "
                    "allowed: at most 10,000,000 runs (use design 'lhs' or 'sobol')"
                )
        return self

    # ------------------------------------------------------------------ helpers
    @property
    def name(self) -> str:
        """The sweep's name."""
        return self.sweep.name

    @property
    def factor_names(self) -> list[str]:
        """Factor keys in file order."""
        return list(self.factors)

    @property
    def metric_names(self) -> list[str]:
        """Metric names in file order."""
        return list(self.outputs.metrics)

    def canonical_json(self) -> str:
        """The validated content as compact JSON (comments and layout dropped).

        Keys keep their order: the order of the factors is part of the design.
        """
        return json.dumps(self.model_dump(mode="json"), separators=(",", ":"))


def _format_loc(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for i, part in enumerate(loc):
        if i == 1 and loc[0] in ("factors", "fixed"):
            parts.append(f'"{part}"')
        elif i == 2 and loc[0] == "factors" and part in ("levels", "range"):
            continue
        else:
            parts.append(str(part))
    return ".".join(parts) or "sweep file"


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    tables: dict[tuple[Any, ...], type[BaseModel]] = {
        (): SweepFile,
        ("sweep",): SweepSettings,
        ("outputs",): Outputs,
    }
    model = tables.get(tuple(loc[:-1]))
    return sorted(model.model_fields) if model is not None else []


def _format_error(err: ValidationError) -> str:
    errors = err.errors()
    # An unknown key usually explains a missing one (a typo): report it first.
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = _format_loc(tuple(first["loc"]))
    value = first.get("input")
    kind = first["type"]
    msg = str(first["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(tuple(first["loc"]))
        if allowed:
            close = difflib.get_close_matches(str(first["loc"][-1]), allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            return f"unknown key {loc}{hint}; allowed: {', '.join(allowed)}"
        return f"unknown key {loc}"
    if kind == "missing":
        return f"{loc} is missing"
    if kind == "literal_error":
        expected = first.get("ctx", {}).get("expected", "")
        return f"{loc} = {value!r} is not allowed; allowed: {expected}"
    if kind == "value_error" and first["loc"] in ((), ("factors",)):
        return msg
    if kind == "value_error" and len(first["loc"]) <= 1 and isinstance(value, dict):
        return f"{loc}: {msg}"
    if isinstance(value, (dict, list)) and len(repr(value)) > 60:
        return f"{loc}: {msg}"
    return f"{loc} = {value!r}: {msg}"


def parse_sweep_dict(data: dict[str, Any], *, stored: bool = False) -> SweepFile:
    """Validate parsed TOML into a :class:`SweepFile` (no scenario checks).

    Args:
        data: The parsed TOML.
        stored: The data come from a results file: metric names are not checked against
            the registry (a custom metric may be absent in this process).

    Raises:
        SweepError: With a one-line message naming the field, value and what is allowed.
    """
    try:
        return SweepFile.model_validate(data, context={"stored": stored})
    except ValidationError as err:
        raise SweepError(_format_error(err)) from None


def _parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise SweepError(f"{source}: TOML does not parse: {err}") from None


# ---------------------------------------------------------------------- scenario checks
def _unwrap(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return [a for a in typing.get_args(annotation) if a is not type(None)]
    return [annotation]


def scenario_field_kind(key: str) -> str:
    """Return ``"int"``, ``"float"``, ``"other"`` or ``"unknown"`` for a dotted scenario key."""
    from pydantic import BaseModel as _Model

    from game.scenario import Scenario

    model: type[_Model] | None = Scenario
    annotation: Any = None
    for part in key.split("."):
        if model is None or part not in model.model_fields:
            return "unknown"
        annotation = model.model_fields[part].annotation
        inner = _unwrap(annotation)
        model = inner[0] if isinstance(inner[0], type) and issubclass(inner[0], _Model) else None
    kinds = _unwrap(annotation)
    if kinds == [int]:
        return "int"
    if float in kinds:
        return "float"
    return "other"


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
            kind = scenario_field_kind(key)
            if kind == "unknown":
                try:
                    base.with_overrides({key: factor.low})
                except ScenarioError as err:
                    raise SweepError(f'factors."{key}": {err}') from None
            if kind in ("unknown", "other"):
                raise SweepError(
                    f'factors."{key}" = {{low, high}}: {key} is not a number; '
                    "give a list of levels instead"
                )
            integer = kind == "int" if factor.integer is None else factor.integer
            if integer and math.ceil(factor.low) > math.floor(factor.high):
                raise SweepError(
                    f'factors."{key}": no whole number between low = {factor.low} '
                    f"and high = {factor.high}"
                )
            factor = factor.model_copy(update={"integer": integer})
            values = (
                [math.ceil(factor.low), math.floor(factor.high)]
                if integer
                else [factor.low, factor.high]
            )
        else:
            values = list(factor.levels)
        for value in values:
            try:
                base.with_overrides({key: value})
            except ScenarioError as err:
                raise SweepError(f'factors."{key}": {err}') from None
        resolved[key] = factor
    return sweep.model_copy(update={"factors": resolved}), base


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
    spec, base = check_against_scenario(parse_sweep_dict(_parse_toml(text, source)), base_dir)
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


def stored_sweep(sweep_json: str) -> SweepFile:
    """Rebuild a sweep from the canonical JSON kept in a results file (no game import).

    Raises:
        SweepError: If the JSON is not a valid sweep.
    """
    try:
        data = json.loads(sweep_json)
    except json.JSONDecodeError as err:
        raise SweepError(f"stored sweep is not valid JSON: {err}") from None
    return parse_sweep_dict(data, stored=True)


def sweep_hash(sweep: SweepFile, scenario_digest: str) -> str:
    """Return a 16-hex hash of the validated sweep and its base scenario's content.

    Two files that differ only in comments or layout hash the same; changing a factor,
    the seed, the replications, the metrics or the base scenario changes the hash.
    """
    payload = sweep.canonical_json() + "\n" + scenario_digest
    return hashlib.sha256(payload.encode()).hexdigest()[:16]
