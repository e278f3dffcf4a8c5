"""One metrics vocabulary: every registered run metric appears on every front.

The CLI summary, Compare, a sweep's stored results and its HTML report all list every
metric of ``game.run_metrics.RUN_METRICS`` by its registry label. Adding a metric is one
registry entry: a metric registered here shows up on each front without touching them.
"""

from __future__ import annotations

import pytest

from experiments.analysis import load_results
from experiments.compare import compare
from experiments.report import build_report
from experiments.sweep import run_sweep
from experiments.sweep_file import sweep_from_toml
from game import ComputeGame, load_scenario
from game.cli import summary_text
from game.run_metrics import RUN_METRICS, RunMetric, register_metric, unregister_metric

SWEEP = """
[sweep]
name = "fronts"
scenario = "classroom"
weeks = 3
replications = 2
seed = 5

[factors]
"market.mechanism" = ["uniform_price", "committee"]
"""


@pytest.fixture()
def extra_metric():
    """A metric a user adds: the clearing price at its peak."""
    metric = RunMetric(
        name="peak_price",
        label="Peak clearing price",
        column="price",
        how="peak",
        unit="credits per tranche",
        better="",
        bounds=(0.0, None),
        description="The highest weekly clearing price.",
        fmt=",.1f",
    )
    register_metric(metric)
    try:
        yield metric
    finally:
        unregister_metric(metric.name)


def test_the_cli_summary_lists_every_registered_metric(extra_metric):
    sc = load_scenario("classroom", {"weeks": 4})
    model = ComputeGame(sc, rng=1).run()
    text = summary_text(sc, 1, model.weeks_frame(), model.teams_frame(), [])
    for metric in RUN_METRICS.values():
        assert metric.summary_label in text, metric.name
    assert "Peak clearing price (peak)" in text


def test_compare_has_a_row_for_every_registered_metric(extra_metric):
    a = load_scenario("classroom")
    b = a.with_overrides({"governance.mode": "committee"})
    result = compare(a, b, seeds=2, weeks=3)
    assert list(result.summary["metric"]) == list(RUN_METRICS)
    assert list(result.summary["label"]) == [m.summary_label for m in RUN_METRICS.values()]
    assert result.rules == ("uniform_price", "committee")


def test_a_sweep_and_its_report_keep_every_registered_metric(extra_metric, tmp_path):
    sweep = sweep_from_toml(SWEEP)
    assert sweep.spec.metric_names == list(RUN_METRICS)
    db = tmp_path / "fronts.db"
    run_sweep(sweep, db, executor="serial", progress=False)
    html = build_report(load_results(db))
    for metric in RUN_METRICS.values():
        assert metric.summary_label in html, metric.name
