"""Tests for agents.teams and agents.reallocation on a real (small) model."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from agents.reallocation import (
    LabView,
    ReallocationGroup,
    ReallocationParams,
    choose_reclaims,
    fast_trackable,
    reclaimable,
)
from agents.strategies import BiddingStrategy, Truthful
from agents.table import KIND_NAMES, PRODUCT, RESEARCH
from agents.teams import ProductTeam, ResearchTeam, TeamAgent, team_class
from game import ComputeGame, load_scenario


def classroom(weeks: int = 0) -> ComputeGame:
    return ComputeGame(load_scenario("classroom"), rng=1).run(weeks)


class _Abstain(BiddingStrategy):
    """Never bids (a seat whose player walked away)."""

    name = "abstain_for_tests"

    def propose(self, view, rng):
        return np.zeros(view.values.shape)


def _rows_by_class(model: ComputeGame) -> dict[type, list[int]]:
    return {g.cls: sorted(g.rows.tolist()) for g in model.strategy_groups}


# --------------------------------------------------------------------------- teams


def test_team_agents_are_the_table_rows_in_order_with_their_division_class():
    m = classroom()
    agents = list(m.team_agents)
    assert [a.index for a in agents] == list(range(m.teams.n))
    assert [a.name for a in agents] == m.teams.names
    for a in agents:
        assert isinstance(a, team_class(int(m.teams.kind[a.index])))
    assert team_class(RESEARCH) is ResearchTeam
    assert team_class(PRODUCT) is ProductTeam
    assert {type(a) for a in agents} == {ResearchTeam, ProductTeam}


def test_team_snapshot_matches_its_table_row_and_ledger_balance():
    m = classroom(weeks=3)
    t, balances = m.teams, m.credits.ledger.balances
    assert np.any(balances > 0) and np.any(t.stress > 0)
    for a in m.team_agents:
        i = a.index
        assert a.snapshot() == {
            "name": t.names[i],
            "kind": KIND_NAMES[t.kind[i]],
            "strategy": a.strategy.name,
            "gpus": t.gpus[i],
            "need": t.need[i],
            "stress": t.stress[i],
            "burnout": t.burnout[i],
            "headcount": t.headcount[i],
            "credits": balances[i],
        }


def test_team_properties_read_the_live_table_row():
    m = classroom(weeks=2)
    research = next(a for a in m.team_agents if isinstance(a, ResearchTeam))
    product = next(a for a in m.team_agents if isinstance(a, ProductTeam))
    m.teams.stress[research.index] = 0.77
    m.teams.burnout[product.index] = 0.33
    m.teams.milestones_hit[research.index] = 2
    m.teams.project_active[research.index] = False
    m.teams.demand[product.index] = 12.5
    m.teams.tiers_open[product.index] = 3
    assert research.stress == 0.77
    assert product.burnout == 0.33
    assert research.milestones_hit == 2
    assert research.project_active is False
    assert product.demand == 12.5
    assert product.tiers_open == 3
    m.teams.give(np.array([product.index]), np.array([4.0]))
    assert product.gpus == m.teams.gpus[product.index]


def test_assigning_a_strategy_changes_that_teams_bids_from_the_next_step_only():
    kept, changed = classroom(weeks=1), classroom(weeks=1)
    np.testing.assert_array_equal(kept.last_week.bids.bids, changed.last_week.bids.bids)
    week0_bids = changed.last_week.bids.bids.copy()
    kept.step()
    j = int(np.argmax(kept.last_week.bids.bids.sum(axis=1)))
    assert kept.last_week.bids.bids[j].sum() > 0

    team = list(changed.team_agents)[j]
    old_cls = type(team.strategy)
    team.strategy = _Abstain()
    assert team.strategy == _Abstain()
    np.testing.assert_array_equal(changed.last_week.bids.bids, week0_bids)

    groups = _rows_by_class(changed)
    assert groups[_Abstain] == [j]
    assert j not in groups.get(old_cls, [])
    assert sorted(r for rows in groups.values() for r in rows) == list(range(changed.teams.n))

    changed.step()
    new_bids, old_bids = changed.last_week.bids.bids, kept.last_week.bids.bids
    np.testing.assert_array_equal(new_bids[j], 0.0)
    others = np.arange(changed.teams.n) != j
    np.testing.assert_array_equal(new_bids[others], old_bids[others])
    frame = changed.teams_frame()
    row = frame[(frame["week"] == changed.week - 1) & (frame["team"] == team.name)]
    assert row["strategy"].tolist() == [_Abstain.name]


@pytest.mark.parametrize("bad", ["truthful", Truthful, None, 3])
def test_assigning_a_non_strategy_raises_naming_the_value_and_keeps_the_old(bad):
    m = classroom()
    team = next(iter(m.team_agents))
    before = team.strategy
    calls: list[int] = []
    team.on_strategy_change = lambda: calls.append(1)
    with pytest.raises(ValueError, match="is not a BiddingStrategy") as info:
        team.strategy = bad
    assert repr(bad) in str(info.value)
    assert team.strategy is before
    assert calls == []
    team.strategy = Truthful()
    assert calls == [1]


def test_every_team_agent_is_wired_to_regroup_the_model():
    m = classroom()
    assert all(isinstance(a, TeamAgent) for a in m.team_agents)
    assert all(a.on_strategy_change is not None for a in m.team_agents)
    last = list(m.team_agents)[-1]
    last.strategy = _Abstain()
    assert _rows_by_class(m)[_Abstain] == [last.index]


# -------------------------------------------------------------------- reallocation


def _read_only(*arrays: np.ndarray) -> list[np.ndarray]:
    out = []
    for a in arrays:
        a = np.array(a)
        a.flags.writeable = False
        out.append(a)
    return out


def small_lab(free_pool: float = 7.0, **changes) -> LabView:
    """Team 0 winds down on a surplus, team 1 runs a new project short of compute,
    team 2 is a product team far above its need, team 3 is exactly at its need, team 4
    is an idle research team with the largest surplus, team 5 a product team one week
    after a launch and short of compute, team 6 winds down on a surplus but was
    fast-tracked this week."""
    columns = {
        "gpus": [10.0, 0.0, 30.0, 4.0, 20.0, 2.0, 9.0],
        "need": [2.0, 5.0, 4.0, 4.0, 1.0, 6.0, 1.0],
        "research": [True, True, False, True, True, False, True],
        "active": [True, True, False, True, False, False, True],
        "project_age": [9, 1, 0, 6, 0, 0, 9],
        "winding_down": [True, False, False, False, True, False, True],
        "launch_age": [-1, -1, 1, -1, -1, 1, -1],
        "reclaimed": [0.0] * 7,
        "fast_tracked": [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0],
    }
    columns.update(changes)
    arrays = dict(zip(columns, _read_only(*columns.values()), strict=True))
    return LabView(**arrays, free_pool=free_pool)


def test_reallocation_group_reads_its_params():
    m = classroom()
    assert m.reallocation.params == m.scenario.reallocation
    assert m.reallocation.enabled and m.reallocation.notice_weeks == 1
    off = ReallocationGroup(m, ReallocationParams(enabled=False))
    assert not off.enabled and off.stress == 0.0


def test_reclaimable_are_winding_down_then_idle_research_teams_not_fast_tracked():
    may, first = reclaimable(small_lab())
    np.testing.assert_array_equal(may.nonzero()[0], [0, 4])
    np.testing.assert_array_equal(first.nonzero()[0], [0])


def test_reallocation_announces_winding_down_before_idle_and_reclaims_after_notice():
    m = classroom()
    group = ReallocationGroup(m, ReallocationParams(moves_per_week=4, gpus_per_move=3000.0))
    teams, amounts = group.announce(5, small_lab())
    # Team 0 winds down (8 spare) and comes before idle team 4 (19 spare); product team 2
    # (26 spare) and fast-tracked team 6 are never reclaimed from; 3 tranches per move.
    np.testing.assert_array_equal(teams, [0, 4])
    np.testing.assert_array_equal(amounts, [3.0, 3.0])
    assert group.reclaims_due(5, small_lab())[0].size == 0
    # Teams under notice are not announced twice.
    again, _ = group.announce(5, small_lab())
    assert again.size == 0
    due_teams, due_amounts = group.reclaims_due(6, small_lab())
    np.testing.assert_array_equal(due_teams, [0, 4])
    np.testing.assert_array_equal(due_amounts, [3.0, 3.0])
    assert group.reclaims_due(7, small_lab())[0].size == 0


def test_one_move_goes_to_the_winding_down_project_even_if_an_idle_team_has_more():
    m = classroom()
    group = ReallocationGroup(m, ReallocationParams(moves_per_week=1, gpus_per_move=3000.0))
    teams, _ = group.announce(5, small_lab())
    np.testing.assert_array_equal(teams, [0])
    assert group.backlog == 1


def test_choose_reclaims_serves_first_then_largest_surplus():
    gpus = np.array([5.0, 9.0, 7.0, 12.0])
    need = np.ones(4)
    every = np.ones(4, dtype=bool)
    kw = {"moves": 4, "per_move": 10.0, "surplus_threshold": 1.15}
    teams, amounts = choose_reclaims(gpus, need, every, **kw)
    np.testing.assert_array_equal(teams, [3, 1, 2, 0])
    np.testing.assert_array_equal(amounts, [10.0, 8.0, 6.0, 4.0])
    first = np.array([True, False, True, False])
    teams, _ = choose_reclaims(gpus, need, every, first=first, **kw)
    np.testing.assert_array_equal(teams, [2, 0, 3, 1])


def test_a_due_reclaim_is_re_checked_against_holdings_and_phase_when_it_executes():
    m = classroom()
    group = ReallocationGroup(m, ReallocationParams(moves_per_week=4, gpus_per_move=3000.0))
    group.announce(5, small_lab())
    # By the due week team 0's leases ran down to 4 (needs 2: 2 spare): it gives 2, not 3.
    teams, amounts = group.reclaims_due(6, small_lab(gpus=[4.0, 0.0, 30.0, 4.0, 20.0, 2.0, 9.0]))
    np.testing.assert_array_equal(teams, [0, 4])
    np.testing.assert_array_equal(amounts, [2.0, 3.0])
    assert group.withdrawn.size == 0

    # Idle team 4 started a new project before its notice ran out: the notice is dropped.
    group = ReallocationGroup(m, ReallocationParams(moves_per_week=4, gpus_per_move=3000.0))
    group.announce(5, small_lab())
    later = small_lab(
        winding_down=[True, False, False, False, False, False, True],
        active=[True, True, False, True, True, False, True],
    )
    teams, amounts = group.reclaims_due(6, later)
    np.testing.assert_array_equal(teams, [0])
    np.testing.assert_array_equal(amounts, [3.0])
    np.testing.assert_array_equal(group.withdrawn, [4])


def test_a_due_reclaim_that_would_take_nothing_is_dropped():
    m = classroom()
    group = ReallocationGroup(m, ReallocationParams(moves_per_week=4, gpus_per_move=3000.0))
    group.announce(5, small_lab())
    # Team 0 now holds 2.5 for a need of 2 (no whole tranche spare); team 4 was
    # fast-tracked this week.
    view = small_lab(
        gpus=[2.5, 0.0, 30.0, 4.0, 20.0, 2.0, 9.0],
        fast_tracked=[0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 2.0],
    )
    teams, amounts = group.reclaims_due(6, view)
    assert teams.size == 0 and amounts.size == 0
    np.testing.assert_array_equal(group.withdrawn, [0, 4])
    assert group.pending_team.size == 0


def test_reallocation_fast_tracks_new_projects_and_launches_with_reclaimed_and_pool_share():
    m = classroom()
    group = ReallocationGroup(m, ReallocationParams(pool_share=0.25, fast_track_weeks=4))
    # Available: 3 reclaimed + 0.25 x (7 - 3) of the pool = 4, shared by new project 1
    # (short 5) and launched product team 5 (short 4).
    teams, units = group.fast_track(small_lab(free_pool=7.0), 3.0)
    np.testing.assert_array_equal(teams, [1, 5])
    np.testing.assert_array_equal(units, [2.0, 2.0])
    assert group.moved_this_week == 4.0
    nothing, _ = group.fast_track(small_lab(free_pool=0.0), 0.0)
    assert nothing.size == 0 and group.moved_this_week == 0.0


def test_fast_track_skips_old_launches_and_teams_reclaimed_from_this_week():
    view = small_lab(launch_age=[-1, -1, 4, -1, -1, 4, -1])
    np.testing.assert_array_equal(fast_trackable(view, 4).nonzero()[0], [1])
    np.testing.assert_array_equal(fast_trackable(view, 5).nonzero()[0], [1, 2, 5])
    view = small_lab(reclaimed=[0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(fast_trackable(view, 4).nonzero()[0], [2, 5])


def _model_lab(m: ComputeGame) -> LabView:
    from game.world.phases.lifecycle import winding_down
    from game.world.phases.reallocation import launch_age

    t = m.teams
    launched = launch_age(t, m.week, m.scenario.product.demand_spikes)
    gpus, need, research, active, age, winding, launched, reclaimed, fast = _read_only(
        t.gpus,
        t.need,
        t.is_research,
        t.project_active,
        t.project_age,
        winding_down(t),
        launched,
        t.reclaimed,
        t.fast_tracked,
    )
    return LabView(
        gpus=gpus,
        need=need,
        research=research,
        active=active,
        project_age=age,
        winding_down=winding,
        launch_age=launched,
        reclaimed=reclaimed,
        fast_tracked=fast,
        free_pool=max(0.0, m.fleet - gpus.sum()),
    )


def _decide(group: ReallocationGroup, view: LabView, week: int) -> list:
    fast = group.fast_track(view, 2.0)
    announced = group.announce(week, view)
    due = group.reclaims_due(week + group.notice_weeks, view)
    return [
        *fast,
        *announced,
        *due,
        group.withdrawn,
        group.backlog,
        group.stress,
        group.moved_this_week,
    ]


@pytest.mark.parametrize("lab", ["small", "model"])
def test_reallocation_decisions_are_pure_given_a_lab_view(lab):
    models = [classroom(weeks) for weeks in (0, 3, 6, 9)]
    view = small_lab() if lab == "small" else _model_lab(models[-1])
    params = models[-1].scenario.reallocation
    # Fresh groups on models in different weeks (different state and random stream)
    # decide alike from the same view, and the view's read-only arrays are not written.
    first, *rest = (_decide(ReallocationGroup(m, params), view, week=9) for m in models)
    if lab == "small":
        fast_tracked, announced = first[0], first[2]
        assert fast_tracked.size > 0 and announced.size > 0
    for other in rest:
        for a, b in zip(first, other, strict=True):
            np.testing.assert_array_equal(a, b)


def test_reallocation_params_reject_bad_values_naming_the_field():
    with pytest.raises(ValidationError) as info:
        ReallocationParams(surplus_threshold=0.5)
    [error] = info.value.errors()
    assert error["loc"] == ("surplus_threshold",)
    assert "greater than or equal to 1" in error["msg"]
