"""The world of Compute Crunch: the Mesa model, scenarios, supply, org network and CLI.

Scripting API::

    from game import ComputeGame, load_scenario
    sc = load_scenario("lab-2025", overrides={"market.mechanism": "vickrey"})
    model = ComputeGame(sc, rng=7)
    model.run(52)
    weeks, teams, events = model.weeks_frame(), model.teams_frame(), model.events_frame()
"""

from game.model import ComputeGame
from game.scenario import (
    DEFAULT_PRESET,
    Scenario,
    ScenarioError,
    list_presets,
    load_scenario,
    save_scenario,
    scenario_from_toml,
)

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
