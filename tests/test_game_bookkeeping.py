"""Bookkeeping: the teams table's columns mean one thing on every row; urgency has no units."""

from __future__ import annotations

import numpy as np
import pytest

from game import ComputeGame, load_scenario
from game.scenario import list_presets
from game.world.recorder import TEAM_COLUMNS
from game.world.urgency import urgency

PRESETS = list_presets()


@pytest.fixture(scope="module", params=PRESETS)
def preset_run(request) -> ComputeGame:
    sc = load_scenario(request.param)
    return ComputeGame(sc, rng=0).run(sc.weeks)


def test_every_preset_is_checked():
    assert {"lab-2025", "launch-crunch", "classroom", "scarcity", "stargate"} <= set(PRESETS)


def test_gpus_summed_over_a_weeks_rows_never_exceed_the_fleet(preset_run):
    teams = preset_run.teams_frame()
    held = teams.groupby("week")["tranches"].sum()
    fleet = preset_run.weeks_frame().set_index("week")["supply"]
    over = held - fleet.loc[held.index]
    assert (over <= 1e-9 * np.maximum(fleet.loc[held.index], 1.0)).all(), over[over > 0]


def test_teams_output_value_adds_up_to_the_weeks_output_value_in_credits(preset_run):
    teams = preset_run.teams_frame()
    weeks = preset_run.weeks_frame().set_index("week")
    summed = teams.groupby("week")["output_value"].sum()
    np.testing.assert_allclose(summed, weeks.loc[summed.index, "output_value"], rtol=1e-9)
    research = teams[teams["kind"] == "research"]
    rate = preset_run.scenario.valuation.credits_per_output
    # Research is worth its output at leadership's rate, up to the work its project still
    # needs (output past the finish counts for nothing).
    full = research["output"] * rate
    assert (research["output_value"] <= full * (1 + 1e-9) + 1e-9).all()
    assert np.isclose(research["output_value"], full, rtol=1e-9).mean() > 0.9
    product = teams[teams["kind"] == "product"]
    np.testing.assert_allclose(product["output_value"], product["output"])


def test_the_reallocation_group_holds_nothing_and_its_moves_add_up(preset_run):
    teams = preset_run.teams_frame()
    assert list(teams.columns) == list(TEAM_COLUMNS)
    assert {"moved", "reclaimed"} <= set(TEAM_COLUMNS)
    group = teams[teams["kind"] == "reallocation"].set_index("week")
    others = teams[teams["kind"] != "reallocation"].groupby("week")
    assert (group["gpus"] == 0).all() and (group["output"] == 0).all()
    np.testing.assert_allclose(group["moved"], others["moved"].sum().loc[group.index])
    np.testing.assert_allclose(group["reclaimed"], others["reclaimed"].sum().loc[group.index])


def test_reclaims_and_fast_tracks_show_in_the_week_they_happen():
    model = ComputeGame(load_scenario("stargate"), rng=1)
    seen = {"moved": 0.0, "reclaimed": 0.0}
    for _ in range(30):
        model.step()
        r = model.last_week.reallocation
        row = model.teams_frame().query(f"week == {model.week - 1}").set_index("team")
        names = model.teams.names
        moved = dict.fromkeys(names, 0.0)
        moved.update(
            zip([names[i] for i in r.fast_tracked], r.fast_track_units.tolist(), strict=True)
        )
        taken = dict.fromkeys(names, 0.0)
        taken.update(zip([names[i] for i in r.reclaimed_from], r.reclaimed.tolist(), strict=True))
        assert row.loc[names, "moved"].tolist() == [moved[n] for n in names]
        assert row.loc[names, "reclaimed"].tolist() == [taken[n] for n in names]
        seen["moved"] += sum(moved.values())
        seen["reclaimed"] += sum(taken.values())
    assert seen["moved"] > 0 and seen["reclaimed"] > 0


@pytest.mark.parametrize("preset", ["lab-2025", "launch-crunch"])
def test_urgency_does_not_depend_on_the_unit_of_product_demand(preset):
    base = load_scenario(preset)
    p = base.product
    scaled = load_scenario(
        preset,
        {
            "product.users_per_gpu": p.users_per_gpu * 10,
        },
    )
    one, other = ComputeGame(base, rng=5), ComputeGame(scaled, rng=5)
    np.testing.assert_allclose(other.teams.demand, one.teams.demand * 10)
    np.testing.assert_array_equal(other.teams.gpus, one.teams.gpus)
    u = urgency(one.teams, base)
    assert (u[one.teams.is_product] > 0).any(), "product teams should start short of capacity"
    np.testing.assert_allclose(urgency(other.teams, scaled), u, rtol=1e-12, atol=1e-15)
