"""`crunch run`, `crunch scenarios`, `crunch mechanisms`: outputs, reproducibility, bad input."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

import market
from crunch.cli import main
from game.scenario import list_presets

WEEK_COLS = [
    "week",
    "supply",
    "allocated",
    "idle",
    "price",
    "revenue",
    "efficiency",
    "jain",
    "gini",
    "mean_stress",
    "max_stress",
    "burnout_teams",
    "research_output",
    "product_value",
    "deals",
    "reclaims",
    "new_project_wait",
]
TEAM_COLS = [
    "week",
    "team",
    "kind",
    "tranches",
    "need_tranches",
    "gpus",
    "need_gpus",
    "bid",
    "paid",
    "credits",
    "stress",
    "burnout",
    "output",
    "headcount",
]


def crunch(*args: str) -> int:
    return main(list(args))


def test_run_writes_the_four_files_with_the_documented_columns(tmp_path, capsys):
    out = tmp_path / "run"
    assert crunch("run", "--scenario", "classroom", "--weeks", "6", "--out", str(out)) == 0
    weeks = pd.read_csv(out / "weeks.csv")
    teams = pd.read_csv(out / "teams.csv")
    events = pd.read_csv(out / "events.csv")
    assert set(WEEK_COLS) <= set(weeks.columns)
    assert set(TEAM_COLS) <= set(teams.columns)
    assert set(teams["kind"]) == {"research", "product", "reallocation"}
    assert list(events.columns) == ["week", "kind", "team", "text"]
    assert len(weeks) == 6
    assert (out / "scenario.toml").read_text().startswith('name = "classroom"')
    printed = capsys.readouterr().out
    assert "classroom: 6 weeks, rule uniform_price (Uniform price)" in printed
    assert "most stressed teams at the end" in printed


def test_rerunning_the_saved_scenario_with_the_same_seed_is_byte_identical(tmp_path):
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    args = ["--mechanism", "vickrey", "--weeks", "8", "--set", "lab.research_teams=4", "--quiet"]
    assert crunch("run", "--scenario", "classroom", "--seed", "11", "--out", str(first), *args) == 0
    saved = str(first / "scenario.toml")
    assert crunch("run", "--scenario", saved, "--seed", "11", "--out", str(second), "--quiet") == 0
    assert crunch("run", "--scenario", saved, "--seed", "12", "--out", str(other), "--quiet") == 0
    for name in ("weeks.csv", "teams.csv", "events.csv", "scenario.toml"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert (first / "weeks.csv").read_bytes() != (other / "weeks.csv").read_bytes()
    resolved = (first / "scenario.toml").read_text()
    assert 'mechanism = "vickrey"' in resolved and "research_teams = 4" in resolved


@pytest.mark.parametrize("preset", list_presets())
def test_every_preset_runs_from_the_cli(preset, capsys):
    assert crunch("run", "--scenario", preset, "--weeks", "3") == 0
    assert f"{preset}: 3 weeks" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--scenario", "moon"], "unknown scenario 'moon'"),
        (["--mechanism", "dutch"], "mechanism 'dutch' is unknown; choose one of: pay_as_bid"),
        (["--set", "lab.reserch_teams=3"], "unknown key 'lab.reserch_teams'"),
        (["--set", "governance.research_credit_share=2"], "governance.research_credit_share = 2"),
        (
            ["--set", "governance.research_share=0.5"],
            "(did you mean 'governance.research_pool_share'",
        ),
        (["--set", "lab.research_teams=0"], "lab.research_teams = 0"),
        (["--weeks", "-3"], "--weeks = -3"),
        (["--set", "market.mechanism"], "expected key=value"),
    ],
)
def test_bad_input_exits_2_with_one_line_naming_the_problem(args, fragment, capsys):
    assert crunch("run", *args) == 2
    err = capsys.readouterr().err.strip()
    assert fragment in err
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err


def test_argparse_errors_exit_2_with_one_line(capsys):
    with pytest.raises(SystemExit) as exc:
        crunch("run", "--weeks", "soon")
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "invalid int value" in err


def test_toml_that_does_not_parse_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[lab\n")
    assert crunch("run", "--scenario", str(bad)) == 2
    err = capsys.readouterr().err
    assert "TOML does not parse" in err and len(err.strip().splitlines()) == 1


def test_scenarios_lists_every_preset_with_its_description(capsys):
    assert crunch("scenarios") == 0
    out = capsys.readouterr().out
    for name in list_presets():
        assert name in out
    assert "lab-2025 (default)" in out


def test_mechanisms_lists_every_mechanism_and_the_aliases(capsys):
    assert crunch("mechanisms") == 0
    out = capsys.readouterr().out
    for name in market.MECHANISMS:
        assert name in out
    assert "first_price -> pay_as_bid" in out and "second_price -> vickrey" in out


def test_installed_entry_point_prints_help_for_every_command():
    for args in (["--help"], ["run", "--help"], ["scenarios", "--help"], ["mechanisms", "--help"]):
        done = subprocess.run(
            [sys.executable, "-m", "crunch", *args], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        assert "usage: crunch" in done.stdout
    done = subprocess.run(
        [sys.executable, "-m", "crunch", "run", "--scenario", "moon"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "Traceback" not in done.stderr
