"""One rule for units: needs, demand and the fleet are in GPUs; the market trades tranches.

A tranche is ``supply.gpus_per_tranche`` GPUs. Halving it splits the same fleet and the
same needs into twice as many tranches; it does not change how many GPUs anyone needs.
"""

from __future__ import annotations

import numpy as np
import pytest

from game import ComputeGame, ScenarioError, load_scenario, scenario_from_toml


def test_halving_the_tranche_doubles_every_count_in_tranches_and_no_count_in_gpus():
    big = ComputeGame(load_scenario("lab-2025"), rng=4)
    small = ComputeGame(load_scenario("lab-2025", {"supply.gpus_per_tranche": 500}), rng=4)
    assert small.world.fleet == pytest.approx(2 * big.world.fleet)
    np.testing.assert_allclose(small.teams.need, 2 * big.teams.need)
    # In GPUs the lab is the same lab.
    np.testing.assert_allclose(small.teams.need * 500, big.teams.need * 1000)
    assert small.world.fleet * 500 == pytest.approx(big.world.fleet * 1000)


def test_go_lives_are_given_in_gpus():
    sc = load_scenario("lab-2025", {"supply.gpus_per_tranche": 500, "supply.growth_per_week": 0.0})
    game = ComputeGame(sc, rng=1)
    fleet = []
    for _ in range(31):
        game.step()
        fleet.append(game.world.fleet)
    # lab-2025: 40,000 GPUs go live in week 30, i.e. 80 tranches of 500.
    assert fleet[30] - fleet[29] == pytest.approx(80.0)


@pytest.mark.parametrize(
    ("toml", "names"),
    [
        ("[supply]\ninitial_tranches = 100\n", "supply.initial_gpus"),
        ("[supply]\ngo_live = [{ week = 3, tranches = 4 }]\n", "supply.go_live.0.gpus"),
        ("[product]\nusers_per_tranche = 1.0\n", "product.users_per_gpu"),
        ("[reallocation]\ntranches_per_move = 3\n", "reallocation.gpus_per_move"),
    ],
)
def test_a_key_counted_in_tranches_before_is_refused_naming_its_replacement(toml, names):
    with pytest.raises(ScenarioError, match=names.replace(".", r"\.")) as err:
        scenario_from_toml(toml)
    assert "\n" not in str(err.value)


def test_a_renamed_key_given_with_set_names_its_replacement():
    with pytest.raises(ScenarioError, match=r"supply\.initial_gpus: give the fleet in GPUs"):
        load_scenario("lab-2025", {"supply.initial_tranches": 80})
