"""Your own lab: the scenario's [[teams]] table defines the teams a game plays with."""

from __future__ import annotations

import numpy as np
import pytest

from game import ComputeGame
from game.scenario import PRESET_DIR, ScenarioError, load_scenario, scenario_from_toml
from game.team_csv import TeamsCsvError, read_teams_csv, teams_csv_text
from game.team_specs import TeamSpec
from game.world.setup import INITIAL_FLEET_SHARE
from workshop.seating import seat_teams

TWELVE = [
    ("Pretraining", "research", 60, 20),
    ("Post-training", "research", 35, 8),
    ("Reasoning", "research", 28, 5),
    ("Multimodal", "research", 30, 6),
    ("Safety", "research", 22, 4),
    ("Interpretability", "research", 14, 3),
    ("Infrastructure", "research", 40, 10),
    ("Agents Research", "research", 18, 2),
    ("ChatGPT", "product", 55, 12),
    ("API", "product", 40, 9),
    ("Enterprise", "product", 30, 7),
    ("Voice", "product", 16, 3),
]


def twelve_team_toml(order=TWELVE) -> str:
    entries = "\n".join(
        f'[[teams]]\nname = "{n}"\nkind = "{k}"\nheadcount = {h}\ntranches = {t}\n'
        for n, k, h, t in order
    )
    return f'name = "my-lab"\nweeks = 6\n\n[supply]\ninitial_gpus = 100000\n\n{entries}'


def week0(sc, seed=0):
    model = ComputeGame(sc, rng=seed)
    return model, {a.name: a for a in model.team_agents}


def test_a_twelve_team_toml_lab_plays_those_teams_by_name_with_their_sizes_and_holdings():
    sc = scenario_from_toml(twelve_team_toml())
    assert (sc.lab.research_teams, sc.lab.product_teams) == (8, 4)
    model, agents = week0(sc)
    assert sorted(agents) == sorted(n for n, *_ in TWELVE)
    for name, kind, headcount, tranches in TWELVE:
        a = agents[name]
        assert (a.kind_name, a.headcount, a.gpus) == (kind, headcount, tranches)
    model.run(3)
    assert set(model.teams_frame()["team"]) == {n for n, *_ in TWELVE} | {"Reallocation group"}


def test_mixed_order_keeps_each_teams_kind_and_values():
    mixed = TWELVE[8:10] + TWELVE[:8] + TWELVE[10:]
    _, agents = week0(scenario_from_toml(twelve_team_toml(mixed)))
    for name, kind, headcount, tranches in TWELVE:
        a = agents[name]
        assert (a.kind_name, a.headcount, a.gpus) == (kind, headcount, tranches)


def test_the_example_csv_gives_its_twelve_teams_and_round_trips_through_toml(tmp_path):
    rows = read_teams_csv(PRESET_DIR / "example_teams.csv")
    sc = load_scenario("lab-2025").with_overrides({"teams": rows})
    assert len(sc.teams) == 12 and (sc.lab.research_teams, sc.lab.product_teams) == (8, 4)
    _, agents = week0(sc)
    assert agents["Pretraining"].headcount == 60 and agents["Pretraining"].gpus == 20
    assert agents["Pretraining"].strategy.name == "truthful"
    assert agents["Infrastructure"].strategy.name == "budget_pacer"
    assert agents["Voice"].demand == 8
    again = scenario_from_toml(sc.to_toml())
    assert again == sc and again.to_toml() == sc.to_toml()
    rows_again = read_teams_csv("t.csv", text=teams_csv_text(sc.teams))
    assert tuple(TeamSpec.model_validate(r) for r in rows_again) == sc.teams


def test_teams_without_values_take_the_generated_labs_defaults():
    text = (
        '[[teams]]\nname = "Solo"\nkind = "research"\n[[teams]]\nname = "App"\nkind = "product"\n'
    )
    sc = scenario_from_toml(text)
    model, agents = week0(sc)
    handed_out = np.floor(sc.supply.initial_tranches * INITIAL_FLEET_SHARE)
    assert 0 < model.teams.gpus.sum() <= handed_out
    assert agents["Solo"].headcount >= 3 and agents["App"].demand > 0
    assert agents["Solo"].strategy.name in sc.lab.strategy_mix


def test_same_teams_and_seed_build_the_same_lab():
    sc = scenario_from_toml(twelve_team_toml())
    a, b = ComputeGame(sc, rng=3).run(4), ComputeGame(sc, rng=3).run(4)
    assert a.weeks_frame().equals(b.weeks_frame())


def test_a_generated_lab_is_unchanged_by_the_table_code():
    sc = load_scenario("classroom")
    names = ComputeGame(sc, rng=0).teams.names
    assert names[:2] == ["Orion", "Lyra"] and len(names) == 8


def test_a_planned_project_runs_from_its_start_to_its_deadline():
    text = (
        '[[teams]]\nname = "Now"\nkind = "research"\nheadcount = 20\n'
        "projects = [{ size = 11000, start = -3, deadline = 5 }]\n"
        '[[teams]]\nname = "Later"\nkind = "research"\nheadcount = 20\n'
        "projects = [{ size = 7000, start = 4, deadline = 9 }]\n"
        '[[teams]]\nname = "App"\nkind = "product"\n'
    )
    model = ComputeGame(scenario_from_toml(text), rng=0)
    t = model.teams
    assert t.project_active[0] and t.project_peak[0] == 11 and t.project_duration[0] == 8
    assert not t.project_active[1]
    model.run(4)  # weeks 0-3: the later project has not started
    assert not t.project_active[1]
    model.run(1)  # week 4: it starts, with its own size and length
    assert t.project_active[1] and t.project_peak[1] == 7 and t.project_duration[1] == 5
    assert t.project_age[0] == 4 + 3 and t.project_active[0]
    model.run(1)  # week 5: the first project reaches its deadline
    assert not t.project_active[0] or t.project_peak[0] != 11


def test_committee_priority_splits_the_divisions_weight():
    text = (
        '[governance]\nmode = "committee"\n'
        '[[teams]]\nname = "Big"\nkind = "research"\nheadcount = 30\npriority = 9\n'
        '[[teams]]\nname = "Small"\nkind = "research"\nheadcount = 30\npriority = 1\n'
        '[[teams]]\nname = "App"\nkind = "product"\n'
    )
    from game.world.phases.clearing import committee_weights

    sc = scenario_from_toml(text)
    kind = ComputeGame(sc, rng=0).teams.kind
    from game.team_specs import division_priorities

    w = committee_weights(kind, 0.6, np.zeros(3), division_priorities(sc.teams))
    assert w[0] == pytest.approx(0.54) and w[1] == pytest.approx(0.06) and w[2] == 0.4


def test_workshop_seats_carry_the_tables_names():
    sc = scenario_from_toml(twelve_team_toml())
    names = {name for _, name in seat_teams(sc, 12)}
    assert names == {n for n, *_ in TWELVE}


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ('[[teams]]\nname = "X"\nkind = "ops"\n', "teams[1].kind = 'ops' is not allowed; allowed:"),
        ('[[teams]]\nname = "A"\nkind = "product"\n', "teams[1].name = 'A': the same name as"),
        ('[[teams]]\nname = "X"\nkind = "product"\nheadcout = 3\n', "did you mean 'headcount'"),
        ('[[teams]]\nname = "X"\nkind = "research"\ndemand = 3\n', "only product teams"),
        ('[[teams]]\nname = "X"\nkind = "product"\nstrategy = "oracle"\n', "unknown strategy"),
        ('[[teams]]\nname = "X"\nkind = "product"\ntranches = 500\n', "more than the week-0"),
        ('[[teams]]\nname = "Reallocation group"\nkind = "product"\n', "the reallocation group"),
        ("[lab]\nresearch_teams = 5\n", "lab.research_teams = 5: the [[teams]] table lists 1"),
    ],
)
def test_a_bad_team_entry_is_refused_in_one_line_naming_it(extra, fragment):
    text = '[[teams]]\nname = "A"\nkind = "research"\n' + extra
    with pytest.raises(ScenarioError) as err:
        scenario_from_toml(text)
    assert fragment in str(err.value) and "\n" not in str(err.value)


def test_a_lab_without_research_teams_is_refused():
    with pytest.raises(ScenarioError, match="no research team"):
        scenario_from_toml('[[teams]]\nname = "App"\nkind = "product"\n')


def test_dotted_overrides_still_apply_to_a_lab_from_a_table():
    sc = scenario_from_toml(twelve_team_toml())
    changed = sc.with_overrides({"market.mechanism": "vickrey", "lab.headcount_product": 12})
    assert changed.market.mechanism == "vickrey" and changed.teams == sc.teams
    with pytest.raises(ScenarioError, match="the \\[\\[teams\\]\\] table lists 8"):
        sc.with_overrides({"lab.research_teams": 3})


@pytest.mark.parametrize(
    ("key", "close"),
    [
        ("lab.teams", "'teams'"),
        ("teams.0.kind", "'teams' is a list of tables"),
        ("supply.go_live.0.weak", "each entry allows: week, gpus"),
        ("markte.mechanism", "'market.mechanism'"),
    ],
)
def test_an_unknown_key_lists_the_nearest_valid_keys(key, close):
    with pytest.raises(ScenarioError) as err:
        load_scenario("classroom", overrides={key: 1})
    assert "did you mean" in str(err.value) and close in str(err.value)


def test_a_bad_key_inside_a_team_entry_lists_what_an_entry_allows():
    with pytest.raises(ScenarioError, match="allowed: demand, headcount, kind, name"):
        scenario_from_toml('[[teams]]\nname = "A"\nkind = "research"\nsize = 3\n')


@pytest.mark.parametrize(
    ("csv", "fragment"),
    [
        ("name,kind\nA,research\nA,product\n", "t.csv row 3, column name = 'A': the same"),
        ("name,kind,headcount\nA,research,lots\n", "t.csv row 2, column headcount = 'lots'"),
        ("name,kind\nA,\n", "t.csv row 2, column kind is empty"),
        ("name,kind,project_size\nA,research,4\n", "row 2, column project_start is empty"),
        ("nam,kind\nA,research\n", "unknown column 'nam' (did you mean 'name'?)"),
    ],
)
def test_a_bad_csv_row_names_its_row_and_column(csv, fragment):
    with pytest.raises(TeamsCsvError) as err:
        read_teams_csv("t.csv", text=csv)
    assert fragment in str(err.value) and "\n" not in str(err.value)
