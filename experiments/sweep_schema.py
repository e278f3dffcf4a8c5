"""The shape of a sweep file: its tables, their validation and its identity.

:func:`parse_sweep_dict` turns parsed TOML into a :class:`SweepFile` or raises a one-line
:class:`SweepError` naming the field, the value and what is allowed (through
:func:`game.validation.one_line`, like scenario files). Nothing here loads a scenario or
the game: the checks against the base scenario are in :mod:`experiments.scenario_checks`,
and a results file's stored sweep is rebuilt here (:func:`stored_sweep`) without them.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from experiments.design_checks import UNSAMPLED, check_baseline, check_levels, same_level
from experiments.factors import Level, LevelsFactor, RangeFactor, StrictModel
from game.run_metrics import RUN_METRICS, check_metric_names
from game.validation import one_line

__all__ = [
    "MAX_RUNS",
    "UNSAMPLED",
    "Outputs",
    "SweepError",
    "SweepFile",
    "SweepSettings",
    "parse_sweep_dict",
    "point_count",
    "same_level",
    "sobol_point_count",
    "stored_sweep",
    "sweep_hash",
]

MAX_RUNS = 1_000_000
"""Most runs (points x replications) one sweep may plan: days of computing at least."""


class SweepError(ValueError):
    """A sweep file is not valid: the message names the field, the value and what is allowed."""


class SweepSettings(StrictModel):
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
    design: Literal["grid", "points", "lhs", "sobol"] = Field(
        "grid", description="Design of the points."
    )
    samples: int | None = Field(
        None,
        ge=1,
        le=1_000_000,
        description="Points (lhs) or base samples N (sobol, a power of 2).",
    )
    second_order: bool = Field(
        True, description="Sobol: also estimate second-order indices (N(2D+2) points)."
    )
    common_random_numbers: bool = Field(
        True,
        description="Replicate r of every point plays the same seed (paired comparisons); "
        "false gives every run its own seed.",
    )

    @model_validator(mode="after")
    def _samples_fit_design(self) -> SweepSettings:
        if self.design in UNSAMPLED and self.samples is not None:
            raise ValueError(
                f"samples = {self.samples} is not used by design {self.design!r}; "
                "remove it or use design 'lhs' or 'sobol'"
            )
        if self.design not in UNSAMPLED and self.samples is None:
            raise ValueError(f"design {self.design!r} needs samples = N (e.g. samples = 64)")
        if self.design == "sobol" and self.samples is not None:
            n = self.samples
            if n < 2 or n & (n - 1):
                raise ValueError(
                    f"samples = {n}: Sobol designs need a power of 2 >= 2 (e.g. 8, 16, 64)"
                )
        return self


def _all_metrics() -> tuple[str, ...]:
    """Every registered run metric, read when a sweep without ``[outputs]`` is loaded."""
    return tuple(RUN_METRICS)


class Outputs(StrictModel):
    """The ``[outputs]`` table (optional: every registered run metric by default)."""

    metrics: tuple[str, ...] = Field(
        default_factory=_all_metrics,
        min_length=1,
        description="Metrics kept for every run (default: every registered run metric).",
    )

    @field_validator("metrics")
    @classmethod
    def _known(cls, names: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        if len(set(names)) != len(names):
            dup = next(n for n in names if names.count(n) > 1)
            raise ValueError(f"metric {dup!r} is listed twice")
        if not (info.context or {}).get("stored", False):
            check_metric_names(names)
        return names


class SweepFile(StrictModel):
    """A whole sweep file: ``[sweep]``, ``[factors]``, optional ``[fixed]`` and ``[outputs]``."""

    sweep: SweepSettings
    factors: dict[str, Annotated[LevelsFactor | RangeFactor, Field(discriminator="kind")]] = Field(
        min_length=1
    )
    fixed: dict[str, Any] = Field(default_factory=dict)
    outputs: Outputs = Field(default_factory=Outputs)
    baseline: dict[str, Level] = Field(
        default_factory=dict,
        description="Factor levels of the baseline: every point is compared, replicate by "
        "replicate, with the point that differs from it only in these factors.",
    )

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
        check_levels(self)
        check_baseline(self)
        _check_run_count(self)
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

        Keys keep their order: the order of the factors is part of the design. Two
        settings are left out when they have the value every sweep had before they
        existed (``common_random_numbers = false``, no baseline), so a results file
        made then keeps its hash and resumes with the seeds it was made with.
        """
        data = self.model_dump(mode="json")
        if not data["sweep"]["common_random_numbers"]:
            del data["sweep"]["common_random_numbers"]
        if not data["baseline"]:
            del data["baseline"]
        return json.dumps(data, separators=(",", ":"))


def sobol_point_count(dimensions: int, samples: int, second_order: bool) -> int:
    """Points of a Saltelli design: ``N (2D + 2)`` or ``N (D + 2)``."""
    return samples * (2 * dimensions + 2 if second_order else dimensions + 2)


def point_count(spec: SweepFile) -> int:
    """Return how many design points ``spec`` has, without making them.

    For a grid whose integer ranges are not yet known as such (before the scenario
    checks) this is an upper bound: an integer range may merge levels.
    """
    s = spec.sweep
    if s.design == "points":
        return max(len(f.levels) for f in spec.factors.values() if isinstance(f, LevelsFactor))
    if s.design == "grid":
        return math.prod(
            len(f.levels) if isinstance(f, LevelsFactor) else len(f.grid_levels())
            for f in spec.factors.values()
        )
    assert s.samples is not None  # guaranteed by validation
    if s.design == "lhs":
        return s.samples
    return sobol_point_count(len(spec.factors), s.samples, s.second_order)


def _check_run_count(spec: SweepFile) -> None:
    """Refuse a plan of more than :data:`MAX_RUNS` runs, naming the fields that make it."""
    s = spec.sweep
    points = point_count(spec)
    runs = points * s.replications
    if runs <= MAX_RUNS:
        return
    if s.design == "points":
        what = f"the {points:,} points"
        fix = "use fewer points or replications"
    elif s.design == "grid":
        what = f"the grid's {points:,} points (levels multiplied)"
        fix = "use fewer factors, levels or replications, or design 'lhs'"
    elif s.design == "lhs":
        what = f"sweep.samples = {s.samples}"
        fix = "lower samples or replications"
    else:
        order = "2D + 2" if s.second_order else "D + 2"
        what = (
            f"sweep.samples = {s.samples} (N({order}) = {points:,} Sobol points "
            f"for {len(spec.factors)} factors)"
        )
        fix = "lower samples or replications, or set second_order = false"
    raise ValueError(
        f"{what} x sweep.replications = {s.replications} makes {runs:,} runs; "
        f"allowed: at most {MAX_RUNS:,} runs per sweep ({fix})"
    )


def _format_loc(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for i, part in enumerate(loc):
        if i == 1 and loc[0] in ("factors", "fixed", "baseline"):
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
    first = err.errors()[0]
    if first["type"] == "value_error" and tuple(first["loc"]) in ((), ("factors",)):
        return str(first["msg"]).removeprefix("Value error, ")
    return one_line(err, location=_format_loc, allowed_keys=_allowed_keys)


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


def stored_sweep(sweep_json: str) -> SweepFile:
    """Rebuild a sweep from the canonical JSON kept in a results file (no game import).

    Raises:
        SweepError: If the JSON is not a valid sweep.
    """
    try:
        data = json.loads(sweep_json)
    except json.JSONDecodeError as err:
        raise SweepError(f"stored sweep is not valid JSON: {err}") from None
    settings = data.get("sweep") if isinstance(data, dict) else None
    if isinstance(settings, dict) and "common_random_numbers" not in settings:
        # Stored without the key: made with a seed per run (see SweepFile.canonical_json).
        data = {**data, "sweep": {**settings, "common_random_numbers": False}}
    return parse_sweep_dict(data, stored=True)


def sweep_hash(sweep: SweepFile, scenario_digest: str) -> str:
    """Return a 16-hex hash of the validated sweep and its base scenario's content.

    Two files that differ only in comments or layout hash the same; changing a factor,
    the seed, the replications, the metrics or the base scenario changes the hash.
    """
    payload = sweep.canonical_json() + "\n" + scenario_digest
    return hashlib.sha256(payload.encode()).hexdigest()[:16]
