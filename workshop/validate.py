"""Checks of what people type: numbers in range, bid steps."""

from __future__ import annotations

import math
from collections.abc import Mapping

from workshop.errors import WorkshopError

__all__ = ["bid_steps", "number"]


def number(name: str, value: object, low: float, high: float, *, whole: bool) -> float:
    """``value`` as a float if it is a number in ``[low, high]`` (whole if asked).

    Raises:
        WorkshopError: Naming ``name``, the value and the allowed range.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise WorkshopError(f"{name} = {value!r} is not allowed; use a number {low}-{high}")
    if not math.isfinite(value) or not low <= value <= high or (whole and value != int(value)):
        kind = "a whole number" if whole else "a number"
        raise WorkshopError(f"{name} = {value!r} is not allowed; use {kind} {low}-{high}")
    return float(value)


def bid_steps(steps: object, k: int) -> list[tuple[int, float]]:
    """Validate a player's bid steps: ``[(units, price), ...]``."""
    if not isinstance(steps, list | tuple):
        raise WorkshopError(f"steps = {steps!r} is not allowed; use a list of (tranches, price)")
    out = []
    for step in steps:
        if isinstance(step, Mapping):
            step = (step.get("units"), step.get("price"))
        if not isinstance(step, list | tuple) or len(step) != 2:
            raise WorkshopError(f"step = {step!r} is not allowed; use (tranches, price)")
        units = number("tranches", step[0], 0, k, whole=True)
        price = number("price", step[1], 0, 1e9, whole=False)
        if units > 0:
            out.append((int(units), price))
    total = sum(u for u, _ in out)
    if total > k:
        raise WorkshopError(
            f"tranches = {total} is not allowed; at most {k} a week (market.max_units_per_bid)"
        )
    return out
