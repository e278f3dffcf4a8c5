"""Checks of a sweep file's design that span its tables: levels per design, the baseline.

Called by :class:`experiments.sweep_schema.SweepFile`'s validation; each raises a
one-line ``ValueError`` naming the field, the value and what is allowed.

- Design ``grid`` (and ``lhs``/``sobol``) need distinct levels per factor; design
  ``points`` pairs the i-th level of every factor into point i, so its factors are lists
  of the same length (repeats allowed).
- A ``[baseline]`` names factor levels; each point is compared with the point that
  differs from it only in those factors. It needs a design whose points are known in
  advance (``grid`` or ``points``); with ``points`` it names every factor (one point).
"""

from __future__ import annotations

import math
from typing import Any

from experiments.factors import LevelsFactor

SweepFile = Any
"""A :class:`experiments.sweep_schema.SweepFile` (not imported: that module imports this)."""

__all__ = ["UNSAMPLED", "check_baseline", "check_levels", "same_level"]

UNSAMPLED = ("grid", "points")
"""Designs whose points are the factors' levels (no ``samples``; a baseline may be named)."""


def same_level(a: Any, b: Any) -> bool:
    """Whether two factor values are the same level (numbers compared to 1e-9, bools apart)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def check_levels(spec: SweepFile) -> None:
    """Distinct levels per factor, except in design ``points`` (lists of equal length)."""
    if spec.sweep.design != "points":
        for key, factor in spec.factors.items():
            if isinstance(factor, LevelsFactor) and (rep := factor.repeated_level()) is not None:
                raise ValueError(
                    f'factors."{key}": level {rep!r} is repeated; allowed: distinct levels '
                    "(or design 'points')"
                )
        return
    sizes: dict[str, int] = {}
    for key, factor in spec.factors.items():
        if not isinstance(factor, LevelsFactor):
            raise ValueError(
                f"factors.\"{key}\" is a range; design 'points' takes lists of levels "
                "(the i-th level of every factor makes point i)"
            )
        sizes[key] = len(factor.levels)
    if len(set(sizes.values())) > 1:
        listed = ", ".join(f'"{k}" {n}' for k, n in sizes.items())
        raise ValueError(
            f"design 'points': the factors list {listed} levels; allowed: the same number "
            "for every factor (the i-th level of every factor makes point i)"
        )


def check_baseline(spec: SweepFile) -> None:
    """The baseline names factors and one of their levels, in a design of levels."""
    if not spec.baseline:
        return
    if spec.sweep.design not in UNSAMPLED:
        raise ValueError(
            f"baseline: design {spec.sweep.design!r} samples its points, so no point is "
            "known in advance; allowed: a baseline with design 'grid' or 'points'"
        )
    for key, value in spec.baseline.items():
        factor = spec.factors.get(key)
        if factor is None:
            raise ValueError(
                f'baseline."{key}" is not a factor; allowed: {", ".join(spec.factors)}'
            )
        levels = factor.levels if isinstance(factor, LevelsFactor) else factor.grid_levels()
        if not any(same_level(value, level) for level in levels):
            shown = ", ".join(repr(v) for v in levels)
            raise ValueError(
                f'baseline."{key}" = {value!r} is not one of its levels; allowed: {shown}'
            )
    if spec.sweep.design == "points":
        names = list(spec.baseline)
        if set(names) != set(spec.factors):
            raise ValueError(
                "baseline: design 'points' compares with one point; name every factor "
                f"({', '.join(spec.factors)})"
            )
