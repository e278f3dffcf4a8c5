"""The HTML report is self-contained and shows the summary, plots, Sobol indices, failures."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pandas as pd
import pytest

from crunch.cli import main
from experiments.analysis import (
    load_results,
    metric_label,
    sobol_indices,
    summary_table,
    weekly_bands,
)
from experiments.report import build_report
from experiments.runner import RunResult
from experiments.stats import format_interval, mean_ci
from experiments.store import open_for_sweep
from experiments.sweep import run_sweep
from experiments.sweep_file import parse_sweep_dict, sweep_from_toml
from game.run_metrics import RUN_METRICS, RunMetric, register_metric, unregister_metric

GRID = """
[sweep]
name = "report-grid"
description = "A tiny grid for the report test."
scenario = "classroom"
weeks = 4
replications = 3
seed = 8

[factors]
"market.mechanism" = ["uniform_price", "committee"]
"governance.research_credit_share" = { low = 0.5, high = 0.7 }

[outputs]
metrics = ["jain", "mean_stress", "research_output"]
"""

SOBOL = """
[sweep]
name = "report-sobol"
scenario = "classroom"
weeks = 4
replications = 1
seed = 8
design = "sobol"
samples = 4
second_order = false

[factors]
"emotion.stress.k_deficit" = { low = 0.05, high = 0.3 }
"emotion.stress.k_recovery" = { low = 0.05, high = 0.4 }

[outputs]
metrics = ["mean_stress", "jain"]
"""


@pytest.fixture(scope="module")
def grid_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("grid") / "grid.db"
    sweep = sweep_from_toml(GRID)
    run_sweep(sweep, db, executor="serial")
    with open_for_sweep(db, sweep) as store:  # one failed run, as a crashed model leaves it
        store.write(
            RunResult(
                run_key="p0-r0",
                point=0,
                replicate=0,
                seed=1,
                params={
                    "market.mechanism": "uniform_price",
                    "governance.research_credit_share": 0.5,
                },
                status="failed",
                error="Traceback (most recent call last):\nZeroDivisionError: <division by zero>",
            )
        )
    return db


@pytest.fixture(scope="module")
def sobol_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("sobol") / "sobol.db"
    run_sweep(sweep_from_toml(SOBOL), db, executor="serial")
    return db


@pytest.fixture(scope="module")
def grid_html(grid_db) -> str:
    return build_report(load_results(grid_db))


def test_report_loads_nothing_from_the_network(grid_html):
    assert "<script" not in grid_html.lower()
    assert "<link" not in grid_html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", grid_html, re.I)
    assert "@import" not in grid_html and "url(" not in grid_html


def test_report_embeds_plots_as_inline_png(grid_html):
    images = re.findall(r'<img[^>]*src="data:image/png;base64,([A-Za-z0-9+/=]+)"', grid_html)
    assert len(images) >= 3  # two factors + weekly series
    for data in images:
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"
    assert not re.search(r'<img[^>]*src="(?!data:image/png;base64,)', grid_html)


def test_report_contains_the_summary_table_with_means_and_intervals(grid_db, grid_html):
    res = load_results(grid_db)
    table = summary_table(res.runs, res.spec)
    assert 'class="summary"' in grid_html
    for text in (
        "market.mechanism",
        "governance.research_credit_share",
        "committee",
        "uniform_price",
    ):
        assert text in grid_html
    row = table[(table["level"] == "committee") & (table["metric"] == "jain")].iloc[0]
    assert row["n"] == 9
    mean, ci = format_interval(row["mean"], row["ci_low"], row["ci_high"])
    assert f"{mean}<br>" in grid_html and ci in grid_html


def test_summary_means_and_intervals_are_the_t_interval_of_the_runs(grid_db):
    res = load_results(grid_db)
    table = summary_table(res.runs, res.spec)
    ok = res.runs[res.runs["status"] == "ok"]
    values = ok.loc[ok["market.mechanism"] == "uniform_price", "mean_stress"].to_numpy()
    n, mean, _sd, lo, hi = mean_ci(values, bounds=(0.0, 1.0))  # stress is within [0, 1]
    row = table[(table["level"] == "uniform_price") & (table["metric"] == "mean_stress")].iloc[0]
    assert (row["n"], row["mean"], row["ci_low"], row["ci_high"]) == (n, mean, lo, hi)
    assert n == 8  # one of the nine runs failed
    assert lo < mean < hi


def test_intervals_and_bands_stay_within_the_metrics_bounds():
    spec = parse_sweep_dict(
        {
            "sweep": {"name": "bounds"},
            "factors": {"market.mechanism": ["vickrey"]},
            "outputs": {"metrics": ["jain", "mean_stress", "custom"]},
        },
        stored=True,
    )
    values = {"jain": [0.98, 1.0, 0.9], "mean_stress": [0.0, 0.02, 0.1], "custom": [0.98, 1.0, 0.9]}
    runs = pd.DataFrame(
        {"run_key": ["a", "b", "c"], "status": "ok", "market.mechanism": "vickrey", **values}
    )
    table = summary_table(runs, spec).set_index("metric")
    # built on the logit scale: inside [0, 1] without clipping (no end sits on a bound)
    assert 0.96 > table.loc["jain", "ci_low"] > 0 and 0.96 < table.loc["jain", "ci_high"] < 1.0
    assert 0.0 < table.loc["mean_stress", "ci_low"] < 0.04
    assert mean_ci(values["jain"])[4] > 1.0  # the plain t-interval itself passes 1
    assert table.loc["custom", "ci_high"] == pytest.approx(mean_ci(values["custom"])[4])
    weekly = pd.DataFrame({"run_key": ["a", "b", "c"], "week": 0, **values})
    bands = weekly_bands(weekly, runs, spec).set_index("metric")
    assert bands.loc["jain", "high"] == 1.0 and bands.loc["mean_stress", "low"] == 0.0
    assert bands.loc["custom", "high"] > 1.0  # unknown here: no bounds to keep


def test_report_lists_failed_runs_with_their_traceback_escaped(grid_html):
    assert "1 runs failed" in grid_html
    assert "p0-r0" in grid_html
    assert "ZeroDivisionError: &lt;division by zero&gt;" in grid_html
    assert "<division by zero>" not in grid_html


def test_sobol_report_shows_the_indices(sobol_db):
    res = load_results(sobol_db)
    table, notes = sobol_indices(res.runs, res.spec)
    assert notes == []
    assert set(table["factor"]) == {"emotion.stress.k_deficit", "emotion.stress.k_recovery"}
    assert set(table["metric"]) == {"mean_stress", "jain"}
    html = build_report(res)
    assert "Sobol sensitivity indices" in html
    assert f"{table.iloc[0]['S1']:.4g}" in html


def test_sobol_indices_wait_for_every_design_point(sobol_db):
    res = load_results(sobol_db)
    partial = res.runs[res.runs["point"] != 3]
    table, notes = sobol_indices(partial, res.spec)
    assert table.empty
    assert notes == ["Sobol indices need every design point; 1 of 16 have no ok run yet"]


def test_crunch_report_writes_the_html_next_to_the_results(grid_db, tmp_path, capsys):
    out = tmp_path / "r.html"
    assert main(["report", str(grid_db), "--out", str(out)]) == 0
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert str(out) in capsys.readouterr().out


def test_report_flags_an_incomplete_sweep(grid_db, tmp_path):
    res = load_results(grid_db)
    res.meta["planned_runs"] = "40"
    html = build_report(res)
    assert "This sweep is incomplete: 18 of 40 runs are stored" in html


def test_report_of_a_file_with_no_finished_runs_still_renders(tmp_path):
    db = tmp_path / "empty.db"
    open_for_sweep(db, sweep_from_toml(GRID)).close()
    html = build_report(load_results(db))
    assert "No finished runs yet." in html
    assert "No weekly series stored." in html
    assert "<img" not in html


def test_report_and_results_label_metrics_from_the_registry(grid_db, grid_html, capsys):
    for name in ("jain", "mean_stress", "research_output"):
        label = RUN_METRICS[name].summary_label
        assert metric_label(name) == label
        assert f"<th>{label}</th>" in grid_html
    assert main(["results", str(grid_db)]) == 0
    out = capsys.readouterr().out
    assert RUN_METRICS["mean_stress"].summary_label in out


CUSTOM = """
[sweep]
name = "custom-metric"
scenario = "classroom"
weeks = 3
replications = 2
seed = 5

[factors]
"market.mechanism" = ["uniform_price"]
"""


def test_a_registered_metric_is_stored_and_reported_and_its_name_outlives_it(tmp_path, capsys):
    metric = RunMetric(
        name="peak_fleet_test",
        label="Peak fleet (test)",
        column="supply",
        how="peak",
        unit="tranches",
        better="",
        bounds=(0.0, None),
        description="The largest fleet of the run, registered by a test.",
        fmt=",.0f",
    )
    db = tmp_path / "custom.db"
    register_metric(metric)
    try:
        sweep = sweep_from_toml(CUSTOM)  # no [outputs]: every registered metric
        assert "peak_fleet_test" in sweep.spec.metric_names
        assert run_sweep(sweep, db, executor="serial").ok == 2
        res = load_results(db)
        assert "peak_fleet_test" in res.runs.columns
        assert "peak_fleet_test" in res.weekly.columns
        assert res.runs["peak_fleet_test"].notna().all()
        html = build_report(res)
        assert "Peak fleet (test) (peak)" in html
        assert "The largest fleet of the run, registered by a test." in html
    finally:
        unregister_metric("peak_fleet_test")
    # A process that does not know the metric still reads, reports and lists it by name.
    assert "peak_fleet_test" not in RUN_METRICS
    res = load_results(db)
    assert metric_label("peak_fleet_test") == "peak_fleet_test"
    html = build_report(res)
    assert "<th>peak_fleet_test</th>" in html
    assert "Peak fleet (test)" not in html
    assert main(["results", str(db)]) == 0
    assert "peak_fleet_test" in capsys.readouterr().out
