"""Hostile scenario files: one short line each, never a traceback, never a silent coercion.

Each test reproduces a probe of issue 13 against the real loader (the CLI in a
subprocess, or ``scenario_from_toml`` as the app's upload calls it).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from game.scenario import (
    MAX_SCENARIO_CHARS,
    ScenarioError,
    list_presets,
    load_scenario,
    scenario_from_dict,
    scenario_from_toml,
)

ROOT = Path(__file__).resolve().parents[1]


def crunch_run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crunch", "run", "--quiet", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    err = done.stderr.strip()
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err[:2000]
    return err


def scenario_error(text: str) -> str:
    with pytest.raises(ScenarioError) as caught:
        scenario_from_toml(text)
    message = str(caught.value)
    assert "\n" not in message
    return message


def deep_array(depth: int) -> str:
    return "x = " + "[" * depth + "]" * depth + "\n"


# ----------------------------------------------------------------- nesting and size


def test_toml_nested_100k_deep_is_one_line_from_the_cli(tmp_path):
    deep = tmp_path / "deep.toml"
    deep.write_text(deep_array(100_000))
    err = one_error_line(crunch_run("--scenario", str(deep)))
    assert "nest deeper than 16 levels" in err


@pytest.mark.parametrize("depth", [17, 900, 100_000])
def test_an_upload_nested_too_deep_is_a_scenario_error(depth):
    assert "nest deeper than 16 levels" in scenario_error(deep_array(depth))


def test_tables_nested_too_deep_by_dotted_keys_are_refused():
    assert "nest deeper" in scenario_error(".".join(["a"] * 40) + " = 1\n")


def test_nesting_within_the_limit_reaches_validation():
    assert "unknown key 'x'" in scenario_error(deep_array(15))


def test_a_huge_scenario_file_is_refused_before_it_is_parsed(tmp_path):
    events = ",".join(f"{{ week = {i % 50}, gpus = 1 }}" for i in range(200_000))
    big = tmp_path / "many.toml"
    big.write_text(f"[supply]\ngo_live = [{events}]\n")
    started = time.perf_counter()
    err = one_error_line(crunch_run("--scenario", str(big)))
    assert time.perf_counter() - started < 30
    assert "bytes; allowed: at most 262,144 characters" in err


def test_an_upload_over_the_size_limit_is_refused():
    text = f'description = "{"x" * MAX_SCENARIO_CHARS}"\n'
    assert "characters; allowed: at most 262,144" in scenario_error(text)


def test_more_than_1000_go_live_events_are_refused_with_the_count():
    events = ",".join("{ week = 1, gpus = 1 }" for _ in range(1001))
    message = scenario_error(f"[supply]\ngo_live = [{events}]\n")
    assert message.startswith("supply.go_live: has 1,001 entries; allowed: at most 1,000")


def test_a_scenario_file_that_is_not_utf8_is_one_line(tmp_path):
    bad = tmp_path / "latin1.toml"
    bad.write_bytes('name = "caf\xe9"\n'.encode("latin-1"))
    assert "is not UTF-8 text" in one_error_line(crunch_run("--scenario", str(bad)))


# ----------------------------------------------------------------- numbers


def test_a_strategy_share_of_1e308_is_refused_naming_the_bound(tmp_path):
    mix = tmp_path / "mix.toml"
    mix.write_text("[lab]\nstrategy_mix = { truthful = 1e308, shaded = 1e308 }\n")
    err = one_error_line(crunch_run("--scenario", str(mix)))
    assert "lab.strategy_mix.truthful = 1e+308" in err and "1000000" in err


@pytest.mark.parametrize(
    ("toml", "where"),
    [
        ("[lab]\nstrategy_mix = { truthful = inf }\n", "lab.strategy_mix.truthful = inf"),
        ("[lab]\nstrategy_mix = { truthful = nan, shaded = 1 }\n", "lab.strategy_mix.truthful"),
        ("[market]\nreserve = inf\n", "market.reserve = inf"),
        ("[supply]\ngo_live = [{ week = 3, gpus = nan }]\n", "supply.go_live.0.gpus"),
    ],
)
def test_non_finite_numbers_are_refused_before_the_model(toml, where):
    message = scenario_error(toml)
    assert message.startswith(where)
    assert "finite" in message


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('[lab]\nresearch_teams = "12"\n', "lab.research_teams = '12': needs a whole number"),
        ("[lab]\nresearch_teams = true\n", "lab.research_teams = True: a boolean is not a number"),
        ("[lab]\nresearch_teams = 12.0\n", "lab.research_teams = 12.0: needs a whole number"),
        ('[reallocation]\nenabled = "yes"\n', "reallocation.enabled = 'yes': needs true or false"),
        ("[reallocation]\nenabled = 1\n", "reallocation.enabled = 1: needs true or false"),
        ('[market]\nreserve = "1.5"\n', "market.reserve = '1.5': needs a number (no quotes)"),
        ("name = 12\n", "name = 12: needs text in quotes"),
        ('[supply]\ngo_live = [{ week = "3", gpus = 1 }]\n', "supply.go_live.0.week = '3'"),
    ],
)
def test_values_of_the_wrong_type_are_not_coerced(toml, expected):
    assert scenario_error(toml).startswith(expected)


def test_a_whole_number_is_accepted_where_a_number_is_wanted():
    sc = scenario_from_toml("[market]\nreserve = 2\n[supply]\ngo_live = [{ week = 3, gpus = 4 }]\n")
    assert sc.market.reserve == 2.0 and isinstance(sc.market.reserve, float)
    assert sc.supply.go_live[0].gpus == 4.0


def test_an_event_week_may_be_a_whole_float_as_the_app_table_gives_it():
    sc = scenario_from_toml("[supply]\ngo_live = [{ week = 30.0, gpus = 4 }]\n")
    assert sc.supply.go_live[0].week == 30 and type(sc.supply.go_live[0].week) is int
    message = scenario_error("[supply]\ngo_live = [{ week = 30.5, gpus = 4 }]\n")
    assert message.startswith("supply.go_live.0.week = 30.5: needs a whole number")


def test_numpy_scalars_from_code_are_the_numbers_they_hold():
    sc = load_scenario("classroom").with_overrides(
        {
            "lab.research_teams": np.int64(7),
            "market.reserve": np.float64(1.5),
            "reallocation.enabled": np.bool_(False),
        }
    )
    assert sc.lab.research_teams == 7 and type(sc.lab.research_teams) is int
    assert sc.market.reserve == 1.5 and sc.reallocation.enabled is False


@pytest.mark.parametrize("preset", list_presets())
def test_every_preset_loads_strictly_and_round_trips(preset, tmp_path):
    sc = load_scenario(preset)
    assert scenario_from_toml(sc.to_toml()) == sc


# ----------------------------------------------------------------- what messages show


def test_a_1mb_description_gives_a_short_line():
    message = str(_raises(lambda: scenario_from_dict({"description": "x" * 1_000_000})))
    assert message.startswith("description = 'xxxx")
    assert len(message) < 200


@pytest.mark.parametrize(
    "data",
    [
        {"k" * 100_000: 1},
        {"market": {"mechanism": "m" * 100_000}},
        {"lab": {"strategy_mix": {"s" * 100_000: 1.0}}},
        {"plugins": ["p" * 100_000]},
    ],
    ids=["unknown-key", "mechanism", "strategy", "plugin"],
)
def test_long_user_values_are_cut_in_messages(data):
    message = str(_raises(lambda: scenario_from_dict(data, trusted=False)))
    assert "..." in message
    assert len(message) < 1000


def test_a_long_set_key_is_cut_in_the_cli_line():
    err = one_error_line(crunch_run("--set", "k" * 50_000 + "=1"))
    assert len(err) < 1000 and "unknown key 'kkkk" in err


def test_control_characters_in_a_name_are_refused_and_shown_escaped(tmp_path):
    evil = tmp_path / "evil.toml"
    evil.write_text('name = "evil\\u001b[31mRED\\u0007"\n', encoding="utf-8")
    done = crunch_run("--scenario", str(evil))
    err = one_error_line(done)
    assert "\x1b" not in done.stderr and "\x07" not in done.stderr
    assert "name = 'evil\\x1b[31mRED\\x07': contains the control character '\\x1b'" in err


def test_control_characters_in_an_unknown_key_never_reach_the_terminal():
    message = str(_raises(lambda: scenario_from_dict({"bad\x1b]0;title\x07": 1})))
    assert "\x1b" not in message and "\x07" not in message
    assert "\\x1b" in message


def test_a_description_keeps_its_lines_but_not_terminal_escapes():
    assert scenario_from_toml('description = "two\\nlines\\tok"\n').description == "two\nlines\tok"
    assert "control character" in scenario_error('description = "a\\u001b[2Jb"\n')


# ----------------------------------------------------------------- events and the horizon


def test_an_event_after_the_longest_horizon_is_refused_naming_week_and_horizon(tmp_path):
    late = tmp_path / "late.toml"
    late.write_text("weeks = 1040\n[supply]\ngo_live = [{ week = 2000, gpus = 5 }]\n")
    err = one_error_line(crunch_run("--scenario", str(late)))
    assert "supply.go_live.0.week = 2000: after the longest horizon, 1040 weeks" in err
    assert "allowed: 0 to 1039" in err


@pytest.mark.parametrize("key", ["supply.lease_expiry", "product.demand_spikes"])
def test_every_event_list_is_held_to_the_horizon(key):
    table, field = key.split(".")
    message = scenario_error(f"[{table}]\n{field} = [{{ week = 1040, gpus = 1 }}]\n")
    assert message.startswith(f"{key}.0.week = 1040: after the longest horizon")


def test_an_event_after_a_shortened_run_is_noted_and_the_run_goes_ahead():
    done = subprocess.run(
        [sys.executable, "-m", "crunch", "run", "--scenario", "lab-2025", "--weeks", "3"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "note: supply.go_live.0.week = 30 is after this run's 3 weeks" in done.stderr


def _raises(call) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        call()
    assert "\n" not in str(caught.value)
    return caught.value


def test_message_helpers_never_show_more_than_they_must():
    from game.validation import clean

    assert clean("a\x1b[0mb\u202e", 80) == "a\\x1b[0mb\\u202e"
    assert clean("x" * 100, 10) == "xxxxxxx..."
    assert clean("plain text") == "plain text"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--scenario", "a" * 5000], "cannot be read: File name too long"),
        (["--scenario", ""], "scenario '': give a preset name or a path"),
        (["--seed", "-1"], "--seed = -1: must be a whole number >= 0"),
    ],
    ids=["name-too-long", "empty-scenario", "negative-seed"],
)
def test_odd_command_line_values_are_one_line(args, expected):
    err = one_error_line(crunch_run(*args))
    assert expected in err and len(err) < 400
