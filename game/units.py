"""GPUs and tranches: one rule for the whole game.

A scenario states what people count in GPUs — the fleet and what goes live or leaves
it, each research project's need per researcher, each product team's demand — and the
market trades **tranches** of ``supply.gpus_per_tranche`` GPUs. Inside the model
holdings, needs and bids are in tranches; this module is where a scenario's GPUs
become tranches, and where the names a scenario used before this rule are recognised.
Changing the tranche size therefore changes how finely the same GPUs are split, not
how many are needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["RENAMED", "renamed_key", "tranches"]

#: Keys a scenario used before needs and fleets were stated in GPUs, and what replaced them.
RENAMED: dict[tuple[str, ...], str] = {
    ("supply", "initial_tranches"): (
        "supply.initial_tranches is now supply.initial_gpus: give the fleet in GPUs "
        "(tranches × supply.gpus_per_tranche, e.g. 100 tranches of 1,000 = 100000)"
    ),
    ("product", "users_per_tranche"): (
        "product.users_per_tranche is now product.users_per_gpu: serving capacity per GPU "
        "(per tranche ÷ supply.gpus_per_tranche, e.g. 1.0 per tranche of 1,000 = 0.001)"
    ),
    ("reallocation", "tranches_per_move"): (
        "reallocation.tranches_per_move is now reallocation.gpus_per_move: the most GPUs "
        "per reclaim (e.g. 3 tranches of 1,000 = 3000)"
    ),
}

_EVENT_LISTS = (("supply", "go_live"), ("supply", "lease_expiry"), ("product", "demand_spikes"))


def tranches(gpus: float, gpus_per_tranche: int) -> float:
    """``gpus`` GPUs in tranches of ``gpus_per_tranche`` (fractional where it does not divide)."""
    return gpus / gpus_per_tranche


def renamed_key(data: Mapping[str, Any]) -> str | None:
    """A message for the first key of ``data`` that names a quantity in tranches, if any.

    Args:
        data: A parsed scenario table.

    Returns:
        One line naming the old key and what to give instead, or ``None``.
    """
    for (table, key), message in RENAMED.items():
        section = data.get(table)
        if isinstance(section, Mapping) and key in section:
            return message
    for table, key in _EVENT_LISTS:
        section = data.get(table)
        events = section.get(key) if isinstance(section, Mapping) else None
        if not isinstance(events, list | tuple):
            continue
        for i, event in enumerate(events):
            if isinstance(event, Mapping) and "tranches" in event:
                return (
                    f"{table}.{key}.{i}.tranches is now {table}.{key}.{i}.gpus: events are "
                    "given in GPUs (tranches × supply.gpus_per_tranche)"
                )
    return None
