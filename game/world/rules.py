"""Rule changes during a game: which scenario keys may change once it has started."""

from __future__ import annotations

from collections.abc import Mapping

from game.scenario import Scenario

__all__ = ["FIXED_KEYS", "changed_scenario"]

#: Scenario keys (and sections) fixed when a game starts; :meth:`ComputeGame.change_rules`
#: refuses them.
FIXED_KEYS = (
    "name",
    "weeks",
    "plugins",
    "lab.research_teams",
    "lab.product_teams",
    "lab.headcount_research",
    "lab.headcount_product",
    "lab.strategy_mix",
    "network",
    "supply.initial_gpus",
    "supply.gpus_per_tranche",
    "market.lease_weeks",
    "negotiation.tactic_mix",
    "teams",
)


def changed_scenario(scenario: Scenario, overrides: Mapping[str, object]) -> Scenario:
    """``scenario`` with ``overrides`` applied, refusing keys fixed when a game starts.

    Raises:
        ValueError: For a fixed key (naming it and the fixed ones); ScenarioError for an
            unknown key or a bad value.
    """
    for key in overrides:
        if any(key == f or str(key).startswith(f + ".") for f in FIXED_KEYS):
            raise ValueError(
                f"{key} cannot change during a game (fixed when it starts: {', '.join(FIXED_KEYS)})"
            )
    return scenario.with_overrides(overrides)
