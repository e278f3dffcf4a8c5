"""Tests for agents.teams and agents.reallocation on a real (small) model."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from agents.reallocation import LabView, ReallocationGroup, ReallocationParams
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


def small_lab(free_pool: float = 7.0) -> LabView:
    """Team 0 winds down on a surplus, team 1 runs a new project short of compute,
    team 2 is a product team far above its need, team 3 is exactly at its need."""
    gpus, need, research, active, age, winding = _read_only(
        [10.0, 0.0, 30.0, 4.0],
        [2.0, 5.0, 4.0, 4.0],
        [True, True, False, True],
        [True, True, False, True],
        [9, 1, 0, 6],
        [True, False, False, False],
    )
    return LabView(gpus, need, research, active, age, winding, free_pool)


def test_reallocation_group_reads_its_params():
    m = classroom()
    assert m.reallocation.params == m.scenario.reallocation
    assert m.reallocation.enabled and m.reallocation.notice_weeks == 1
    off = ReallocationGroup(m, ReallocationParams(enabled=False))
    assert not off.enabled and off.stress == 0.0


def test_reallocation_announces_largest_surplus_first_and_reclaims_after_notice():
    m = classroom()
    group = ReallocationGroup(m, ReallocationParams(moves_per_week=4, tranches_per_move=3.0))
    teams, amounts = group.announce(5, small_lab())
    # Team 2 is far above its need (26 spare), team 0 winds down (8 spare); 3 per move.
    np.testing.assert_array_equal(teams, [2, 0])
    np.testing.assert_array_equal(amounts, [3.0, 3.0])
    due_now = group.reclaims_due(5)
    assert due_now[0].size == 0
    # Teams under notice are not announced twice.
    again, _ = group.announce(5, small_lab())
    assert again.size == 0
    due_teams, due_amounts = group.reclaims_due(6)
    np.testing.assert_array_equal(due_teams, [2, 0])
    np.testing.assert_array_equal(due_amounts, [3.0, 3.0])
    assert group.reclaims_due(7)[0].size == 0


def test_reallocation_fast_tracks_new_projects_with_reclaimed_and_pool_share():
    m = classroom()
    group = ReallocationGroup(m, ReallocationParams(pool_share=0.25, fast_track_weeks=4))
    # Available: 3 reclaimed + 0.25 x (7 - 3) of the pool = 4, all for team 1 (short 5).
    teams, units = group.fast_track(small_lab(free_pool=7.0), 3.0)
    np.testing.assert_array_equal(teams, [1])
    np.testing.assert_array_equal(units, [4.0])
    assert group.moved_this_week == 4.0
    nothing, _ = group.fast_track(small_lab(free_pool=0.0), 0.0)
    assert nothing.size == 0 and group.moved_this_week == 0.0


def _model_lab(m: ComputeGame) -> LabView:
    from game.world.phases.lifecycle import winding_down

    t = m.teams
    gpus, need, research, active, age, winding = _read_only(
        t.gpus, t.need, t.is_research, t.project_active, t.project_age, winding_down(t)
    )
    return LabView(gpus, need, research, active, age, winding, max(0.0, m.fleet - gpus.sum()))


def _decide(group: ReallocationGroup, view: LabView, week: int) -> list:
    fast = group.fast_track(view, 2.0)
    announced = group.announce(week, view)
    due = group.reclaims_due(week + group.notice_weeks)
    return [*fast, *announced, *due, group.backlog, group.stress, group.moved_this_week]


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
