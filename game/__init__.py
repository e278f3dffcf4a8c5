"""The world of Compute Crunch: the Mesa model, scenarios, run metrics and the CLI.

Scripting API::

    from game import ComputeGame, load_scenario
    sc = load_scenario("lab-2025", overrides={"market.mechanism": "vickrey"})
    model = ComputeGame(sc, rng=7)
    model.run(52)
    weeks, teams, events = model.weeks_frame(), model.teams_frame(), model.events_frame()

The tree shows the world apart from its edges: :mod:`game.world` holds the model, its
state and the ten phases of a week; :mod:`game.scenario` (with the presets in
``game/scenarios/``), :mod:`game.keys`, :mod:`game.plugins`, :mod:`game.run_metrics` and
:mod:`game.cli` are how people configure it and read it. Names are imported lazily, so
``import game.run_metrics`` does not load Mesa.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "DEFAULT_PRESET",
    "ComputeGame",
    "Scenario",
    "ScenarioError",
    "list_presets",
    "load_scenario",
    "save_scenario",
    "scenario_from_toml",
]

_HOME = {
    "ComputeGame": "game.world.model",
    "DEFAULT_PRESET": "game.scenario",
    "Scenario": "game.scenario",
    "ScenarioError": "game.scenario",
    "list_presets": "game.scenario",
    "load_scenario": "game.scenario",
    "save_scenario": "game.scenario",
    "scenario_from_toml": "game.scenario",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(importlib.import_module(_HOME[name]), name)
    raise AttributeError(f"module 'game' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
