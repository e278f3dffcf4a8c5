"""The base of every parameter table: frozen, validated, strict about unknown keys.

Each behaviour model declares its parameters once, as a :class:`Params` model next to
the functions they parameterise (``agents.emotion.StressParams`` beside the stress
update, ``agents.productivity.ResearchParams`` beside research output, ...). The
scenario (``game.scenario.Scenario``) composes these tables; nothing copies them.
Every field carries its allowed range and a one-line description, which the CLI's key
listing and the app's help text show.
"""

from __future__ import annotations

import types
import typing
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

__all__ = [
    "MAX_ITEMS",
    "MAX_WEEKS",
    "Params",
    "WeekEvent",
    "clip",
    "clip01",
    "floats",
    "mean",
    "plain_scalar",
]

MAX_WEEKS = 1040
"""The longest horizon a scenario may play (20 years of weeks); events happen before it."""

MAX_ITEMS = 1000
"""The most entries any list or table of values in a parameter table may hold."""

# The ufunc behind ``np.clip``, without the Python wrapper around it (several times faster
# on the short arrays of a small lab; identical results).
_CLIP = (getattr(np, "_core", None) or np.core).umath.clip


def _numeric(annotation: Any) -> bool:
    """Whether a field holds a number (``int``, ``float``, or either or None)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return bool(args) and all(a in (int, float) for a in args)
    return annotation in (int, float)


def _sequence(annotation: Any) -> bool:
    """Whether a field holds a tuple (TOML gives a list for it)."""
    return typing.get_origin(annotation) is tuple


def plain_scalar(value: Any) -> Any:
    """A numpy scalar as the Python scalar it holds (exactly; no other conversion)."""
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


class Params(BaseModel):
    """Base for every parameter table: frozen, strict, refuses unknown keys, validates defaults.

    Values are not coerced (pydantic strict mode): ``"12"`` is not a number, ``1`` is not
    a boolean and ``"yes"`` is not ``true``; an int is still accepted where a float is
    wanted. Infinite and NaN numbers are refused. A TOML list is accepted for a tuple
    field, numpy scalars for the Python scalars they hold, and no list or table holds
    more than :data:`MAX_ITEMS` entries.
    """

    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_default=True, strict=True, allow_inf_nan=False
    )

    @field_validator("*", mode="before")
    @classmethod
    def _plain_values(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name) if info.field_name else None
        if field is None:
            return value
        value = plain_scalar(value)
        if isinstance(value, bool) and _numeric(field.annotation):
            raise ValueError("a boolean is not a number; give a number")
        if isinstance(value, list | tuple | dict) and len(value) > MAX_ITEMS:
            raise ValueError(f"has {len(value):,} entries; allowed: at most {MAX_ITEMS:,}")
        if isinstance(value, list) and _sequence(field.annotation):
            return tuple(plain_scalar(v) for v in value)
        if isinstance(value, tuple) and _sequence(field.annotation):
            return tuple(plain_scalar(v) for v in value)
        if isinstance(value, dict) and typing.get_origin(field.annotation) is dict:
            return {k: plain_scalar(v) for k, v in value.items()}
        return value


class WeekEvent(Params):
    """A one-off change in a given week: GPUs going live or leaving, a demand jump."""

    week: int = Field(
        ge=0,
        le=10000,
        description="Week the event happens (0 is the first); a scenario refuses an event "
        "at or after its horizon (``weeks``), which would never happen.",
    )
    gpus: float = Field(
        ge=0, le=1e10, description="GPUs involved (for a demand jump: GPUs' worth of load)."
    )

    @field_validator("week", mode="before")
    @classmethod
    def _whole_float_week(cls, value: Any) -> Any:
        """Accept a float holding a whole number (``30.0``) as that week, deliberately.

        The app's go-live table is a pandas data editor: once a cell has been emptied its
        column holds floats, so week 30 arrives as ``30.0``. Any other float (``30.5``)
        is still refused, as are strings and booleans.
        """
        value = plain_scalar(value)
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value


def floats(x: np.ndarray | float) -> np.ndarray:
    """Return ``x`` as a float array (no copy when it already is one)."""
    return np.asarray(x, dtype=float)


def clip(x: np.ndarray | float, low: float, high: float) -> np.ndarray:
    """``np.clip(x, low, high)`` as a float array (the ufunc, without its Python wrapper)."""
    return _CLIP(floats(x), low, high)


def clip01(x: np.ndarray | float) -> np.ndarray:
    """Clip values to the unit interval [0, 1].

    Args:
        x: Values of any shape.

    Returns:
        A new float array with every value in [0, 1].
    """
    return _CLIP(floats(x), 0.0, 1.0)


def mean(x: np.ndarray) -> float:
    """The mean of a non-empty float array (as ``x.mean()``, without its Python wrapper)."""
    return float(np.add.reduce(x) / x.shape[0])
