"""`crunch run --teams`, `crunch keys` for the teams table, and the seed saved with a run."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from game.scenario import PRESET_DIR, load_scenario

EXAMPLE = str(PRESET_DIR / "example_teams.csv")


def crunch(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "crunch", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def test_a_lab_from_the_example_csv_runs_with_its_teams_names(tmp_path):
    done = crunch("run", "--teams", EXAMPLE, "--weeks", "3", "--out", str(tmp_path / "r"))
    assert done.returncode == 0, done.stderr
    teams = pd.read_csv(tmp_path / "r" / "teams.csv")
    week0 = teams[(teams["week"] == 0) & (teams["kind"] != "reallocation")]
    csv = pd.read_csv(EXAMPLE)
    in_lab_order = [*csv[csv["kind"] == "research"]["name"], *csv[csv["kind"] == "product"]["name"]]
    assert list(week0["team"]) == in_lab_order
    merged = week0.merge(csv, left_on="team", right_on="name")
    assert (merged["kind_x"] == merged["kind_y"]).all()
    saved = load_scenario(tmp_path / "r" / "scenario.toml")
    assert [(t.name, t.headcount) for t in saved.teams] == list(
        zip(csv["name"], csv["headcount"], strict=True)
    )


@pytest.mark.parametrize(
    ("csv", "fragment"),
    [
        ("name,kind\nAtlas,research\nOps,ops\n", "teams.csv row 3, column kind = 'ops'"),
        ("name,kind,headcount\nAtlas,research,ten\n", "teams.csv row 2, column headcount"),
        ("name,kind,priorty\nAtlas,research,2\n", "unknown column 'priorty'"),
        ("name,kind\nAtlas,research\natlas,product\n", "row 3, column name = 'atlas': the same"),
        ("name,kind,strategy\nAtlas,research,oracle\n", "row 2, column strategy = 'oracle'"),
    ],
)
def test_a_bad_teams_csv_gives_one_line_naming_row_and_column(tmp_path, csv, fragment):
    (tmp_path / "teams.csv").write_text(csv)
    done = crunch("run", "--teams", str(tmp_path / "teams.csv"), "--weeks", "1")
    assert done.returncode == 2
    assert fragment in done.stderr, done.stderr
    assert done.stderr.strip().count("\n") == 0 and "Traceback" not in done.stderr


def test_the_unknown_lab_teams_key_lists_the_nearest_keys():
    done = crunch("run", "--weeks", "1", "--set", "lab.teams=3")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "unknown key 'lab.teams' (did you mean 'teams'" in done.stderr


def test_keys_lists_the_teams_table_and_its_entry_keys():
    done = crunch("keys", "teams")
    assert done.returncode == 0, done.stderr
    for key in (
        "teams ",
        "teams[].name",
        "teams[].kind",
        "teams[].priority",
        "teams[].projects[].deadline",
    ):
        assert key in done.stdout
    assert "one of 'research', 'product', required" in done.stdout


def test_the_saved_scenario_reproduces_the_run_without_the_seed(tmp_path):
    first, again, default = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    args = ("--scenario", "classroom", "--weeks", "6", "--quiet")
    assert crunch("run", *args, "--seed", "17", "--out", str(first)).returncode == 0
    saved = str(first / "scenario.toml")
    assert "seed = 17" in (first / "scenario.toml").read_text()
    assert crunch("run", "--scenario", saved, "--out", str(again), "--quiet").returncode == 0
    assert crunch("run", *args, "--out", str(default)).returncode == 0
    assert (first / "weeks.csv").read_bytes() == (again / "weeks.csv").read_bytes()
    assert (first / "weeks.csv").read_bytes() != (default / "weeks.csv").read_bytes()
    assert "seed = 0" in (default / "scenario.toml").read_text()
