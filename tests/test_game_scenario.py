"""Scenarios: presets load, TOML round-trips exactly, bad input gets a one-line message."""

from __future__ import annotations

import pytest

from game.scenario import (
    Scenario,
    ScenarioError,
    list_presets,
    load_scenario,
    parse_override,
    save_scenario,
    scenario_from_toml,
)

PRESETS = ["classroom", "lab-2025", "launch-crunch", "scarcity", "stargate"]


def test_every_required_preset_is_bundled():
    assert set(PRESETS) <= set(list_presets())


@pytest.mark.parametrize("name", PRESETS)
def test_preset_round_trips_through_toml_exactly(name, tmp_path):
    sc = load_scenario(name)
    path = save_scenario(sc, tmp_path / "s.toml")
    again = load_scenario(path)
    assert again == sc
    assert again.to_toml() == sc.to_toml()
    assert again.digest() == sc.digest()


def test_classroom_has_at_most_eight_teams():
    sc = load_scenario("classroom")
    assert sc.lab.research_teams + sc.lab.product_teams <= 8


def test_required_keys_exist_with_defaults():
    sc = load_scenario("lab-2025")
    assert sc.lab.research_teams == 10
    assert sc.lab.product_teams == 6
    assert sc.market.mechanism == "uniform_price"
    assert 0.55 <= sc.governance.research_credit_share <= 0.70
    assert sc.supply.growth_per_week > 0
    assert sc.reallocation.enabled is True


def test_overrides_replace_nested_keys():
    sc = load_scenario(
        "lab-2025", overrides={"market.mechanism": "vickrey", "lab.research_teams": 40}
    )
    assert sc.market.mechanism == "vickrey"
    assert sc.lab.research_teams == 40
    assert sc.name == "lab-2025"


def test_unknown_override_key_names_the_key_and_the_allowed_keys():
    with pytest.raises(
        ScenarioError,
        match=r"'market.mechansim' \(did you mean 'market.mechanism'.*\[market\]: .*reserve",
    ):
        load_scenario("lab-2025", overrides={"market.mechansim": "vickrey"})


def test_out_of_range_value_names_field_value_and_range():
    with pytest.raises(ScenarioError) as err:
        load_scenario("lab-2025", overrides={"governance.research_credit_share": 1.5})
    msg = str(err.value)
    assert (
        "governance.research_credit_share" in msg
        and "1.5" in msg
        and "less than or equal to 1" in msg
    )
    assert "\n" not in msg


def test_unknown_mechanism_lists_allowed_values():
    with pytest.raises(ScenarioError, match=r"market.mechanism = 'dutch'.*choose one of:.*vickrey"):
        load_scenario("lab-2025", overrides={"market.mechanism": "dutch"})


def test_unknown_preset_lists_presets():
    with pytest.raises(ScenarioError, match=r"unknown scenario 'moon'.*lab-2025"):
        load_scenario("moon")


def test_toml_that_does_not_parse_is_refused(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[lab\nresearch_teams = 3\n")
    with pytest.raises(ScenarioError, match="TOML does not parse"):
        load_scenario(bad)


def test_unknown_table_key_in_file_is_refused():
    with pytest.raises(ScenarioError, match=r"unknown key .lab.reserch_teams."):
        scenario_from_toml("[lab]\nreserch_teams = 3\n")


def test_unknown_strategy_in_mix_is_refused():
    with pytest.raises(ScenarioError, match="unknown strategy 'psychic'"):
        scenario_from_toml("[lab.strategy_mix]\npsychic = 1.0\n")


def test_partial_file_fills_defaults():
    sc = scenario_from_toml('name = "mini"\n[lab]\nresearch_teams = 2\n')
    assert sc.lab.research_teams == 2
    assert sc.lab.product_teams == Scenario().lab.product_teams


def test_scenario_is_frozen():
    sc = Scenario()
    with pytest.raises(Exception, match="frozen"):
        sc.weeks = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("market.mechanism=vickrey", ("market.mechanism", "vickrey")),
        ("lab.research_teams=40", ("lab.research_teams", 40)),
        ("reallocation.enabled=false", ("reallocation.enabled", False)),
        ("governance.research_credit_share = 0.6", ("governance.research_credit_share", 0.6)),
    ],
)
def test_parse_override_reads_toml_values(text, expected):
    assert parse_override(text) == expected


def test_parse_override_without_equals_is_refused():
    with pytest.raises(ScenarioError, match="expected key=value"):
        parse_override("market.mechanism")


@pytest.mark.parametrize("mode", ["single_market", "committee"])
def test_overrides_to_clear_by_make_every_rule_the_clearing_rule(mode):
    import market

    sc = load_scenario("classroom", {"governance.mode": mode})
    for rule in market.MECHANISMS:
        assert sc.with_overrides(sc.overrides_to_clear_by(rule)).clearing_rule == rule, rule
