"""Sweep factors: what one entry of a sweep file's ``[factors]`` table says.

A factor is either a list of levels, used as they are by every design::

    "market.mechanism" = ["vickrey", "uniform_price", "committee"]

or a numeric range, sampled by lhs and sobol and cut into ``steps`` levels by grid::

    "governance.research_credit_share" = { low = 0.5, high = 0.7 }

Neither knows the scenario: :mod:`experiments.scenario_checks` checks the values against
it and tells a range whether its field is a whole number.
"""

from __future__ import annotations

import json
import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["MAX_LEVELS", "Factor", "Level", "LevelsFactor", "RangeFactor", "StrictModel"]

MAX_LEVELS = 1000
Level = str | int | float | bool


class StrictModel(BaseModel):
    """A frozen table of a sweep file that refuses unknown keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class LevelsFactor(StrictModel):
    """A factor given as a list of levels (used as they are by every design)."""

    kind: Literal["levels"] = "levels"
    levels: tuple[Level, ...] = Field(min_length=1, max_length=MAX_LEVELS)

    def repeated_level(self) -> Level | None:
        """The first level listed twice, if any (only design ``points`` allows repeats)."""
        seen: set[str] = set()
        for level in self.levels:
            token = json.dumps(level)
            if token in seen:
                return level
            seen.add(token)
        return None


class RangeFactor(StrictModel):
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
