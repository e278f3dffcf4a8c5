"""Experimental designs: which factor values each design point gets.

- ``grid``: the cartesian product of every factor's levels, in file order (the last
  factor varies fastest). A ``{low, high}`` range gives ``steps`` levels (default 3:
  low, middle, high).
- ``points``: the i-th level of every factor makes point i (lists of equal length):
  a few chosen points, e.g. two rule sets differing in several keys (Compare's sweep).
- ``lhs``: ``samples`` points of a Latin hypercube (``scipy.stats.qmc.LatinHypercube``
  seeded from the sweep seed).
- ``sobol``: Saltelli's extension of the Sobol' sequence through SALib
  (``SALib.sample.sobol.sample``): ``N (2D + 2)`` points with second-order indices,
  ``N (D + 2)`` without, in the order ``SALib.analyze.sobol.analyze`` expects.

lhs and sobol sample the unit hypercube; each coordinate ``u`` in [0, 1) becomes a
factor value: a range maps linearly (integer fields get each whole number an equal
share), a list of levels picks ``levels[floor(u * k)]``.

:class:`DesignPoints` makes the points one at a time, on demand: a grid point from its
index, an lhs or sobol point from its row of the unit sample. Printing the first points
of a million-point design, or playing it, never holds a million dicts.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any, overload

import numpy as np

from agents.schema import plain_scalar
from experiments.factors import Factor, LevelsFactor
from experiments.sweep_schema import SweepFile, point_count, sobol_point_count

__all__ = [
    "DesignPoints",
    "Point",
    "design_points",
    "factor_levels",
    "grid_points",
    "lhs_unit",
    "point_count",
    "points_from_unit",
    "sobol_point_count",
    "sobol_problem",
    "sobol_unit",
    "value_from_unit",
]

Point = dict[str, Any]


def factor_levels(factor: Factor) -> list[Any]:
    """Return the grid levels of a factor (its list, or ``steps`` values across its range)."""
    if isinstance(factor, LevelsFactor):
        return list(factor.levels)
    return factor.grid_levels()


def value_from_unit(factor: Factor, u: float) -> Any:
    """Map a unit coordinate ``u`` in [0, 1) to a value of ``factor``."""
    u = min(max(float(u), 0.0), math.nextafter(1.0, 0.0))
    if isinstance(factor, LevelsFactor):
        k = len(factor.levels)
        return factor.levels[min(k - 1, math.floor(u * k))]
    return factor.from_unit(u)


def grid_points(factors: dict[str, Factor]) -> list[Point]:
    """Return the cartesian product of the factors' levels (last factor fastest)."""
    names = list(factors)
    levels = [factor_levels(factors[n]) for n in names]
    return [
        {n: plain_scalar(v) for n, v in zip(names, combo, strict=True)}
        for combo in itertools.product(*levels)
    ]


def points_from_unit(factors: dict[str, Factor], unit: np.ndarray) -> list[Point]:
    """Turn rows of unit-cube coordinates (one column per factor) into design points."""
    names = list(factors)
    if unit.ndim != 2 or unit.shape[1] != len(names):
        raise ValueError(
            f"unit sample has shape {unit.shape}; allowed: (points, {len(names)}) for {names}"
        )
    return [
        {n: plain_scalar(value_from_unit(factors[n], u)) for n, u in zip(names, row, strict=True)}
        for row in unit
    ]


def lhs_unit(dimensions: int, samples: int, seed: int) -> np.ndarray:
    """Return a ``samples x dimensions`` Latin hypercube in [0, 1), seeded by ``seed``."""
    from scipy.stats import qmc

    return qmc.LatinHypercube(d=dimensions, rng=np.random.default_rng(seed)).random(samples)


def sobol_problem(names: list[str]) -> dict[str, Any]:
    """Return the SALib problem over the unit cube for the factor ``names``."""
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def sobol_unit(names: list[str], samples: int, seed: int, second_order: bool) -> np.ndarray:
    """Return Saltelli's sample of the unit cube (SALib), seeded by ``seed``."""
    from SALib.sample import sobol

    return sobol.sample(
        sobol_problem(names), samples, calc_second_order=second_order, scramble=True, seed=seed
    )


class DesignPoints(Sequence[Point]):
    """The design points of a sweep, made on demand, in a stable order (the point index).

    A grid point is decoded from its index (the last factor varies fastest); lhs and
    sobol points are rows of the seeded unit sample, drawn once, at the first access.

    Args:
        spec: The validated sweep file.
    """

    def __init__(self, spec: SweepFile) -> None:
        self._spec = spec
        self._factors = dict(spec.factors)
        self._names = list(self._factors)
        self._levels: list[list[Any]] | None = None
        self._unit: np.ndarray | None = None
        self._zipped = spec.sweep.design == "points"
        if spec.sweep.design in ("grid", "points"):
            self._levels = [factor_levels(self._factors[n]) for n in self._names]
            self._size = (
                len(self._levels[0])
                if self._zipped
                else math.prod(len(levels) for levels in self._levels)
            )
        else:
            self._size = point_count(spec)

    def __len__(self) -> int:
        return self._size

    @overload
    def __getitem__(self, index: int) -> Point: ...
    @overload
    def __getitem__(self, index: slice) -> list[Point]: ...
    def __getitem__(self, index: int | slice) -> Point | list[Point]:
        if isinstance(index, slice):
            return [self._point(i) for i in range(*index.indices(self._size))]
        i = index + self._size if index < 0 else index
        if not 0 <= i < self._size:
            raise IndexError(f"point {index} out of range (the design has {self._size})")
        return self._point(i)

    def _point(self, i: int) -> Point:
        if self._levels is not None and self._zipped:
            return {
                n: plain_scalar(levels[i])
                for n, levels in zip(self._names, self._levels, strict=True)
            }
        if self._levels is not None:
            values: list[Any] = []
            for levels in reversed(self._levels):
                i, digit = divmod(i, len(levels))
                values.append(levels[digit])
            values.reverse()
            return {n: plain_scalar(v) for n, v in zip(self._names, values, strict=True)}
        row = self._unit_sample()[i]
        return {
            n: plain_scalar(value_from_unit(self._factors[n], u))
            for n, u in zip(self._names, row, strict=True)
        }

    def _unit_sample(self) -> np.ndarray:
        if self._unit is None:
            s = self._spec.sweep
            assert s.samples is not None  # guaranteed by validation
            if s.design == "lhs":
                self._unit = lhs_unit(len(self._names), s.samples, s.seed)
            else:
                self._unit = sobol_unit(self._names, s.samples, s.seed, s.second_order)
        return self._unit


def design_points(spec: SweepFile) -> list[Point]:
    """Return every design point of a sweep, in a stable order (the point index).

    The same sweep file always gives the same points: lhs and sobol are seeded by the
    sweep seed. Large designs are better read through :class:`DesignPoints`.
    """
    return list(DesignPoints(spec))
