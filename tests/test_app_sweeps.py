"""The Sweeps page (AppTest): opens a results file, shows tables and charts, refuses bad files."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from experiments.runner import RunResult
from experiments.store import open_for_sweep
from experiments.sweep import run_sweep
from experiments.sweep_file import sweep_from_toml
from game.run_metrics import RUN_METRICS, RunMetric, register_metric, unregister_metric

PAGE = Path(__file__).resolve().parent.parent / "ui" / "pages" / "sweeps.py"

GRID = """
[sweep]
name = "app-grid"
scenario = "classroom"
weeks = 3
replications = 2
seed = 12

[factors]
"market.mechanism" = ["uniform_price", "committee"]
"reallocation.enabled" = [true, false]

[outputs]
metrics = ["jain", "mean_stress"]
"""

SOBOL = """
[sweep]
name = "app-sobol"
scenario = "classroom"
weeks = 3
seed = 12
design = "sobol"
samples = 2
second_order = false

[factors]
"emotion.stress.k_deficit" = { low = 0.05, high = 0.3 }
"emotion.contagion.rate" = { low = 0.0, high = 0.6 }

[outputs]
metrics = ["mean_stress"]
"""


@pytest.fixture(scope="module")
def grid_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("app") / "grid.db"
    sweep = sweep_from_toml(GRID)
    run_sweep(sweep, db, executor="serial")
    with open_for_sweep(db, sweep) as store:
        store.write(
            RunResult(
                run_key="p3-r1",
                point=3,
                replicate=1,
                seed=1,
                params={"market.mechanism": "committee", "reallocation.enabled": False},
                status="failed",
                error="Traceback (most recent call last):\nValueError: broken on purpose",
            )
        )
    return db


@pytest.fixture(scope="module")
def sobol_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("app") / "sobol.db"
    run_sweep(sweep_from_toml(SOBOL), db, executor="serial")
    return db


@pytest.fixture(autouse=True)
def fresh_caches():
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def open_page(path: Path | str | None = None) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.run()
    assert not at.exception
    if path is not None:
        at.text_input(key="sweeps.path").set_value(str(path)).run()
    return at


def subheaders(at: AppTest) -> list[str]:
    return [s.value for s in at.subheader]


def test_without_a_file_the_page_explains_what_to_open():
    at = open_page()
    assert not at.error
    assert "crunch sweep" in at.info[0].value


def test_a_results_file_shows_the_sweep_summary_and_charts(grid_db):
    at = open_page(grid_db)
    assert not at.exception and not at.error
    assert subheaders(at)[:5] == [
        "Sweep: app-grid",
        "Summary: mean and 95% confidence interval per factor level",
        "Paired differences from the baseline",
        "Metrics against a factor",
        "Weekly series with 95% bands",
    ]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["runs ok"] == "7" and metrics["runs failed"] == "1"
    summary = at.dataframe[0].value
    assert set(summary["level"]) == {"uniform_price", "committee"}
    assert set(summary["name"]) == {"jain", "mean_stress"}
    assert set(summary["metric"]) == {RUN_METRICS["jain"].label, RUN_METRICS["mean_stress"].label}
    metric = at.selectbox(key="sweeps.plot_metric")
    assert metric.options == [RUN_METRICS[m].label for m in ("jain", "mean_stress")]
    assert (summary.loc[summary["level"] == "committee", "n"] == 3).all()
    charts = at.get("vega_lite_chart")
    assert len(charts) == 2
    assert "failed runs" in at.expander[-1].label


def test_choosing_another_factor_updates_the_summary(grid_db):
    at = open_page(grid_db)
    at.selectbox(key="sweeps.summary_factor").set_value("reallocation.enabled").run()
    assert not at.exception
    summary = at.dataframe[0].value
    assert set(summary["level"]) == {"True", "False"}
    at.selectbox(key="sweeps.weekly_by").set_value("(all runs together)").run()
    at.selectbox(key="sweeps.plot_metric").set_value("mean_stress").run()
    assert not at.exception and not at.error


def test_sobol_results_show_the_indices(sobol_db):
    at = open_page(sobol_db)
    assert not at.exception and not at.error
    assert "Sobol sensitivity indices" in subheaders(at)
    indices = at.dataframe[-1].value
    assert list(indices.columns) == ["metric", "factor", "S1", "S1_conf", "ST", "ST_conf"]
    assert len(indices) == 2
    assert set(indices["metric"]) == {RUN_METRICS["mean_stress"].label}


def test_a_metric_the_registry_does_not_know_shows_under_its_own_name(tmp_path):
    plugin = RunMetric(
        name="test_plugin_metric",
        label="Plugin metric (test)",
        column="jain",
        how="mean",
        unit="index",
        better="higher",
        bounds=(0.0, 1.0),
        description="A metric a plugin registered when the sweep ran.",
    )
    db = tmp_path / "plugin.db"
    register_metric(plugin)
    try:
        text = GRID.replace('metrics = ["jain", "mean_stress"]', 'metrics = ["test_plugin_metric"]')
        run_sweep(sweep_from_toml(text.replace("replications = 2", "replications = 1")), db)
    finally:
        unregister_metric(plugin.name)
    at = open_page(db)  # the plugin is not loaded here
    assert not at.exception and not at.error
    assert set(at.dataframe[0].value["metric"]) == {"test_plugin_metric"}
    assert at.selectbox(key="sweeps.plot_metric").options == ["test_plugin_metric"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"just some text\n", "not a results file"),
        (b"SQLite format 3\x00" + b"\x07" * 2048, "damaged or not a results file"),
    ],
)
def test_a_bad_file_gives_one_error_line_and_no_traceback(tmp_path, content, expected):
    bad = tmp_path / "bad.db"
    bad.write_bytes(content)
    at = open_page(bad)
    assert not at.exception
    assert len(at.error) == 1
    message = at.error[0].value
    assert expected in message and "\n" not in message
    assert bad.read_bytes() == content


def test_a_missing_file_is_reported(tmp_path):
    at = open_page(tmp_path / "absent.db")
    assert not at.exception
    assert "does not exist" in at.error[0].value


def test_the_page_imports_only_streamlit_altair_experiments_and_the_metric_registry():
    tree = ast.parse(PAGE.read_text())
    roots = set()
    ui_modules = set()
    game_modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            roots.add(node.module.split(".")[0])
            if node.module.split(".")[0] == "ui":
                ui_modules |= {f"{node.module}.{a.name}" for a in node.names}
            if node.module.split(".")[0] == "game":
                game_modules.add(node.module)
    assert ui_modules <= {
        "ui.downloads",
        "ui.access",
        "ui.paired_view",
        "ui.sweeps_source",
        "ui.text.md_escape",
        "ui.text.safe_filename",
    }
    assert game_modules <= {"game.run_metrics"}  # labels only: never the model
    roots.discard("ui")
    assert roots <= {
        "__future__",
        "sqlite3",
        "pathlib",
        "pandas",
        "streamlit",
        "altair",
        "experiments",
        "game",
    }
    # ...and what it imports loads neither the game's model nor Mesa.
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, ui.downloads, ui.sweeps_source, game.run_metrics, "
            "experiments.analysis; "
            "print(sorted(sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=PAGE.parents[2],
    ).stdout
    assert "'game.world'" not in loaded and "'mesa'" not in loaded
