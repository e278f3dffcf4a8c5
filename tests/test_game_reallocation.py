"""The reallocation phase in a running lab: whom the group reclaims from, whom it fast-tracks."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pytest

import game.world.model as model_module
from agents.schema import WeekEvent
from game import ComputeGame, load_scenario
from game.world.phases.lifecycle import PHASES, phase_codes
from game.world.phases.reallocation import ReallocationResult, launch_age

WEEKS = 52


@dataclass
class Reclaims:
    """Every executed reclaim of a run, seen when the reallocation phase ends."""

    rows: list[dict] = field(default_factory=list)
    overlaps: list[tuple[int, str, str]] = field(default_factory=list)


def _watch(monkeypatch: pytest.MonkeyPatch) -> Reclaims:
    """Record each week's reclaims: victim holdings, need and life-cycle phase."""
    seen = Reclaims()
    phase = model_module.reallocation_phase

    def watched(table, group, fleet, week, *args, **kwargs) -> ReallocationResult:
        r = phase(table, group, fleet, week, *args, **kwargs)
        codes = phase_codes(table)
        for team, units in zip(r.reclaimed_from.tolist(), r.reclaimed.tolist(), strict=True):
            seen.rows.append(
                {
                    "week": week,
                    "team": team,
                    "units": units,
                    "gpus": float(table.gpus[team]),
                    "need": float(table.need[team]),
                    "phase": PHASES[codes[team]],
                }
            )
        for team in np.intersect1d(r.reclaimed_from, r.fast_tracked).tolist():
            seen.overlaps.append((week, table.names[team], "reclaimed and fast-tracked"))
        for team in np.intersect1d(r.noticed, r.fast_tracked).tolist():
            seen.overlaps.append((week, table.names[team], "noticed and fast-tracked"))
        return r

    monkeypatch.setattr(model_module, "reallocation_phase", watched)
    return seen


#: lab-2025 over a year (seeds 0–2), and stargate, where the group has the most to do.
RUNS = [("lab-2025", 0), ("lab-2025", 1), ("lab-2025", 2), ("stargate", 0)]


@pytest.fixture(scope="module")
def runs() -> dict[tuple[str, int], tuple[ComputeGame, Reclaims]]:
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        for preset, seed in RUNS:
            seen = _watch(mp)
            out[preset, seed] = (ComputeGame(load_scenario(preset), rng=seed).run(WEEKS), seen)
            mp.undo()
    return out


def test_the_group_reclaims_from_winding_down_and_idle_teams(runs):
    rows = [r for _, seen in runs.values() for r in seen.rows]
    assert len(rows) >= 10, "the group should reclaim in these years"
    assert {"wind-down", "idle"} <= {r["phase"] for r in rows}


@pytest.mark.parametrize("run", RUNS, ids=[f"{p}-{s}" for p, s in RUNS])
def test_every_reclaim_leaves_its_victim_at_or_above_its_need(runs, run):
    _, seen = runs[run]
    below = [r for r in seen.rows if r["gpus"] < r["need"] - 1e-9]
    assert not below, f"reclaims that pushed a team below its need: {below[:5]}"
    assert all(r["units"] >= 1 for r in seen.rows)


@pytest.mark.parametrize("run", RUNS, ids=[f"{p}-{s}" for p, s in RUNS])
def test_every_reclaim_hits_a_winding_down_or_idle_research_team(runs, run):
    _, seen = runs[run]
    others = [r for r in seen.rows if r["phase"] not in {"wind-down", "idle"}]
    assert not others, f"reclaims from teams neither winding down nor idle: {others[:5]}"


@pytest.mark.parametrize("run", RUNS, ids=[f"{p}-{s}" for p, s in RUNS])
def test_no_team_is_reclaimed_from_or_noticed_in_a_week_it_was_fast_tracked(runs, run):
    model, seen = runs[run]
    assert not seen.overlaps
    teams = model.teams_frame()
    teams = teams[teams["kind"] != "reallocation"]
    assert (teams["moved"] > 0).any()
    both = teams[(teams["moved"] > 0) & (teams["reclaimed"] > 0)]
    assert both.empty, both[["week", "team", "moved", "reclaimed"]]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_product_teams_are_fast_tracked_in_the_weeks_after_a_launch(seed):
    sc = load_scenario("launch-crunch")
    [launch] = sc.product.demand_spikes
    ft_weeks = sc.reallocation.fast_track_weeks
    teams = ComputeGame(sc, rng=seed).run(launch.week + ft_weeks + 4).teams_frame()
    product = teams[(teams["kind"] == "product") & (teams["moved"] > 0)]
    weeks = set(product["week"])
    assert launch.week in weeks, "the launch week itself is sudden demand"
    assert weeks <= set(range(launch.week, launch.week + ft_weeks)), sorted(weeks)


def test_without_a_launch_no_product_team_is_fast_tracked():
    teams = ComputeGame(load_scenario("lab-2025"), rng=0).run(30).teams_frame()
    assert not (teams.loc[teams["kind"] == "product", "moved"] > 0).any()
    assert (teams.loc[teams["kind"] == "research", "moved"] > 0).any()


def test_launch_age_counts_weeks_since_the_latest_launch_for_product_teams():
    model = ComputeGame(load_scenario("classroom"), rng=0)
    t = model.teams
    launches = (WeekEvent(week=3, gpus=5), WeekEvent(week=8, gpus=2))
    assert (launch_age(t, 2, launches) == -1).all()
    np.testing.assert_array_equal(launch_age(t, 5, launches), np.where(t.is_product, 2, -1))
    np.testing.assert_array_equal(launch_age(t, 8, launches), np.where(t.is_product, 0, -1))
    assert (launch_age(t, 9, ()) == -1).all()
    # A spike of nothing launches nothing.
    assert (launch_age(t, 9, (WeekEvent(week=9, gpus=0),)) == -1).all()


def test_with_no_notice_reclaims_still_respect_need_and_fast_tracks(monkeypatch):
    seen = _watch(monkeypatch)
    sc = load_scenario("lab-2025", {"reallocation.notice_weeks": 0})
    ComputeGame(sc, rng=4).run(30)
    assert seen.rows
    assert all(r["gpus"] >= r["need"] - 1e-9 for r in seen.rows)
    assert {r["phase"] for r in seen.rows} <= {"wind-down", "idle"}
    assert not seen.overlaps
