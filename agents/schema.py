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

__all__ = ["Params", "WeekEvent", "clip", "clip01", "floats", "mean"]

# The ufunc behind ``np.clip``, without the Python wrapper around it (several times faster
# on the short arrays of a small lab; identical results).
_CLIP = (getattr(np, "_core", None) or np.core).umath.clip


def _numeric(annotation: Any) -> bool:
    """Whether a field holds a number (``int``, ``float``, or either or None)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return bool(args) and all(a in (int, float) for a in args)
    return annotation in (int, float)


class Params(BaseModel):
    """Base for every parameter table: frozen, refuses unknown keys, validates defaults.

    A number field refuses ``true``/``false`` (pydantic would read them as 1 and 0).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_booleans_for_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, bool) and info.field_name is not None:
            field = cls.model_fields.get(info.field_name)
            if field is not None and _numeric(field.annotation):
                raise ValueError("a boolean is not a number; give a number")
        return value


class WeekEvent(Params):
    """A one-off change in a given week: tranches going live or leaving, a demand jump."""

    week: int = Field(ge=0, le=10000, description="Week the event happens.")
    tranches: float = Field(ge=0, le=1e7, description="Tranches (or tranches' worth) involved.")


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
