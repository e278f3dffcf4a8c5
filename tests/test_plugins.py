"""Adding a mechanism is one registered function and one hand-worked example.

A throw-away rule in its own file (``tests/plugins/smallest_first.py``) passes the
mechanism contract and is accepted by ``load_scenario`` (through the scenario's ``plugins``
key), by ``crunch run --plugin`` in a fresh process, by sweeps run in worker processes,
and — once loaded — by a scenario uploaded to the app; nothing else in the project was
touched to allow it.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from mechanism_contract import contract_for

import market
from experiments.analysis import load_results
from experiments.sweep import run_sweep
from experiments.sweep_file import load_sweep
from game import ComputeGame, ScenarioError, load_scenario, plugins, scenario_from_toml

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = Path(__file__).with_name("plugins") / "smallest_first.py"
NAME = "smallest_first"


def _import_plugin() -> market.Mechanism:
    """Import the plugin file by path and return the descriptor it registered."""
    spec = importlib.util.spec_from_file_location("crunch_test_plugin_smallest_first", PLUGIN)
    assert spec is not None and spec.loader is not None
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    return market.MECHANISMS[NAME]


# Other test modules compare the registry with fixed sets of names, so the rule is
# registered only while the tests below that need it run (collection imports every module).
assert NAME not in market.MECHANISMS
try:
    DESCRIPTOR = _import_plugin()

    class TestThePluginRulePassesTheMechanismContract(contract_for(NAME)):
        @pytest.fixture(autouse=True, scope="class")
        @classmethod
        def _registered(cls):
            market.MECHANISMS[NAME] = DESCRIPTOR
            yield
            market.unregister(NAME)

finally:
    market.unregister(NAME)


@pytest.fixture()
def plugin_scenario(tmp_path):
    """A scenario file that names the plugin by a path relative to the file."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "smallest_first.py").write_text(PLUGIN.read_text())
    path = tmp_path / "lab.toml"
    path.write_text(
        'name = "plugged"\nweeks = 4\nplugins = ["rules/smallest_first.py"]\n'
        f'[lab]\nresearch_teams = 4\nproduct_teams = 2\n[market]\nmechanism = "{NAME}"\n'
    )
    yield path
    market.unregister(NAME)
    plugins.unload(str(tmp_path / "rules" / "smallest_first.py"))


def test_a_scenario_naming_its_plugin_loads_and_plays_with_the_new_rule(plugin_scenario):
    assert NAME not in market.MECHANISMS
    sc = load_scenario(plugin_scenario)
    assert sc.market.mechanism == NAME == sc.clearing_rule
    assert market.MECHANISMS[NAME].check_examples() == []
    weeks = ComputeGame(sc, rng=3).run().weeks_frame()
    assert set(weeks["rule"]) == {NAME}
    assert (weeks["revenue"] == 0).all()
    assert weeks["allocated"].gt(0).all()


def test_an_uploaded_scenario_may_only_name_plugins_already_loaded(plugin_scenario):
    text = plugin_scenario.read_text().replace(
        "rules/smallest_first.py", str(plugin_scenario.parent / "rules" / "smallest_first.py")
    )
    with pytest.raises(ScenarioError, match="is not loaded here, and an uploaded scenario"):
        scenario_from_toml(text)
    assert NAME not in market.MECHANISMS
    load_scenario(plugin_scenario)  # the operator loads it (crunch --plugin ... app)
    assert scenario_from_toml(text).market.mechanism == NAME


def test_crunch_run_accepts_a_rule_from_a_plugin_in_a_fresh_process(tmp_path):
    out = tmp_path / "run"
    args = ["--plugin", str(PLUGIN), "--mechanism", NAME, "--scenario", "classroom"]
    done = subprocess.run(
        [sys.executable, "-m", "crunch", "run", *args, "--weeks", "3", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "rule smallest_first (Smallest request first)" in done.stdout
    assert set(pd.read_csv(out / "weeks.csv")["rule"]) == {NAME}
    listed = subprocess.run(
        [sys.executable, "-m", "crunch", "--plugin", str(PLUGIN), "mechanisms"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert "smallest_first" in listed.stdout and "Smallest request first" in listed.stdout


def test_without_the_plugin_the_rule_is_refused_with_the_known_names(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "crunch", "run", "--mechanism", NAME, "--weeks", "2"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 2
    assert "mechanism 'smallest_first' is unknown; choose one of: pay_as_bid" in done.stderr


def test_a_sweep_runs_the_plugin_rule_in_worker_processes(plugin_scenario, tmp_path):
    sweep_path = tmp_path / "sweep.toml"
    sweep_path.write_text(
        '[sweep]\nname = "plugged"\nscenario = "lab.toml"\nweeks = 3\nreplications = 2\n'
        f'seed = 1\n[factors]\n"market.mechanism" = ["{NAME}", "uniform_price"]\n'
        '[outputs]\nmetrics = ["jain", "revenue"]\n'
    )
    sweep = load_sweep(sweep_path)
    run_sweep(sweep, tmp_path / "r.db", executor="processes", workers=2)
    runs = load_results(tmp_path / "r.db").runs
    assert set(runs["status"]) == {"ok"}
    plugged = runs[runs["market.mechanism"] == NAME]
    assert len(plugged) == 2 and (plugged["revenue"] == 0).all()
