"""Compare page (AppTest): defaults from Explore, a two-point sweep in the background, CRN,
the paired table, stored runs reused, and the sweep file it saves."""

from __future__ import annotations

import pytest
from app_helpers import open_app
from streamlit.testing.v1 import AppTest

import market
from game import Scenario, ScenarioError
from game.run_metrics import RUN_METRICS, RunMetric, register_metric, unregister_metric
from game.world.model import ComputeGame

COMPARE = "ui/pages/compare.py"


@pytest.fixture
def at():
    return open_app(COMPARE, timeout=60)


def small(app: AppTest, seeds: int = 2, weeks: int = 4) -> None:
    app.number_input(key="cmp.seeds").set_value(seeds)
    app.number_input(key="cmp.weeks").set_value(weeks)


def run_compare(app: AppTest) -> AppTest:
    """Press Compare, wait for the background sweep, and show its result."""
    app.button(key="compare_run").click().run()
    if "compare_job" in app.session_state:
        app.session_state["compare_job"].wait(120)
    return app.run()


def test_defaults_start_from_the_explore_scenario_with_b_a_committee(at):
    assert at.title[0].value == "Compare"
    assert at.selectbox(key="cmp.A.mechanism").value == "uniform_price"
    assert at.selectbox(key="cmp.B.mechanism").value == "committee"
    assert at.selectbox(key="cmp.A.mode").value == "single_market"
    for side in ("A", "B"):
        for share in ("research_credit_share", "research_pool_share", "research_weight"):
            assert at.slider(key=f"cmp.{side}.{share}").value == 0.62
    assert at.toggle(key="cmp.A.reallocation").value is True
    assert at.number_input(key="cmp.seeds").value == 5
    assert at.number_input(key="cmp.weeks").value == 52
    assert any("press **Compare**" in i.value for i in at.info)
    assert not at.dataframe


def test_compare_plays_both_rule_sets_and_shows_differences_with_intervals(at):
    small(at)
    at.button(key="compare_run").click().run()
    assert at.progress, "a progress bar follows the background sweep"
    at.session_state["compare_job"].wait(120)
    at.run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert list(table.columns) == [
        "metric",
        "A",
        "B",
        "B − A",
        "95% CI",
        "pairs",
        "Holm p",
        "verdict",
    ]
    assert list(table["metric"]) == [m.summary_label for m in RUN_METRICS.values()]
    result = at.session_state["compare_result"]["result"]
    jain = result.summary.set_index("metric").loc["jain"]
    assert jain["diff"] == pytest.approx(jain["mean_b"] - jain["mean_a"])
    assert jain["ci_low"] <= jain["diff"] <= jain["ci_high"]
    price = table[table["metric"] == RUN_METRICS["price"].summary_label].iloc[0]
    assert price["B"] == "no price"  # the committee sets no price
    assert len(result.points) == 4 and set(result.points["rule_set"]) == {"A", "B"}
    assert len(at.get("vega_lite_chart")) == 2  # the scatter and the time series
    series = at.selectbox(key="cmp.series")
    assert RUN_METRICS["price"].label in series.options and "price" not in series.options
    described = next(m.value for m in at.markdown if m.value.startswith("**A:**"))
    assert "Uniform price" in described and "Leadership committee" in described
    assert result.rules == ("uniform_price", "committee")


def test_the_result_has_a_row_per_registered_run_metric_even_a_plugin_one(at):
    extra = RunMetric(
        name="test_peak_fleet",
        label="Peak fleet (test metric)",
        column="supply",
        how="peak",
        unit="tranches",
        better="",
        bounds=(0.0, None),
        description="The largest fleet of the run (a metric only tests register).",
    )
    register_metric(extra)
    try:
        small(at)
        run_compare(at)
        assert not at.exception
        table = at.dataframe[0].value
        assert len(table) == len(RUN_METRICS)
        assert list(table["metric"]) == [m.summary_label for m in RUN_METRICS.values()]
        assert extra.summary_label in set(table["metric"])
    finally:
        unregister_metric(extra.name)


def test_changed_rule_sets_are_the_ones_played(at):
    small(at, seeds=2, weeks=3)
    at.selectbox(key="cmp.B.mechanism").select("vickrey")
    at.selectbox(key="cmp.B.mode").select("split")
    at.slider(key="cmp.B.research_credit_share").set_value(0.5)
    at.slider(key="cmp.B.research_pool_share").set_value(0.4)
    at.toggle(key="cmp.A.reallocation").set_value(False)
    run_compare(at)
    assert not at.exception
    stored = at.session_state["compare_result"]
    assert stored["a"].endswith("reallocation off")
    assert (
        "Vickrey (VCG) · split by division · 50% of credits to research · "
        "40% of the pool to research" in stored["b"]
    )


def test_the_rule_named_is_the_one_that_clears_the_market(at):
    small(at, seeds=2, weeks=3)
    at.selectbox(key="cmp.A.mechanism").select("vickrey")
    at.selectbox(key="cmp.A.mode").select("committee")
    at.slider(key="cmp.A.research_weight").set_value(0.7)
    run_compare(at)
    assert not at.exception
    stored = at.session_state["compare_result"]
    assert stored["result"].rules[0] == "committee"
    committee = market.MECHANISMS["committee"].label
    assert stored["a"].startswith(f"{committee} · ")  # not Vickrey: the committee clears it
    assert "research weight 70%" in stored["a"]
    note = at.columns[0].caption[0].value
    assert "overrides this rule" in note and "Vickrey (VCG)" in note


def test_same_rules_on_both_sides_give_no_difference(at):
    small(at, seeds=3, weeks=3)
    at.selectbox(key="cmp.B.mechanism").select("uniform_price")
    run_compare(at)
    summary = at.session_state["compare_result"]["result"].summary
    assert (summary["diff"].dropna() == 0).all()
    verdicts = set(at.dataframe[0].value["verdict"])
    assert verdicts <= {"no clear difference", "no value", "too few pairs"}


def test_a_second_compare_with_the_same_rules_reuses_the_stored_runs(at, monkeypatch):
    small(at)
    run_compare(at)
    first = at.dataframe[0].value
    runs = []
    original = ComputeGame.run

    def counting(self, *args, **kwargs):
        runs.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ComputeGame, "run", counting)
    run_compare(at)
    assert runs == []  # the same sweep: its results file holds every run
    assert at.session_state["compare_result"]["job"].outcome.skipped_ok == 4
    assert at.dataframe[0].value.equals(first)
    at.selectbox(key="cmp.B.mechanism").select("lottery")
    run_compare(at)
    assert len(runs) == 4  # another sweep (its own file): both rule sets, two seeds each


def test_a_value_outside_a_widget_range_never_reaches_the_game(at):
    small(at)
    at.session_state["cmp.B.research_credit_share"] = 1.5  # a client ignoring the range
    run_compare(at)
    assert not at.exception
    b = at.session_state["compare_result"]["b"]
    share = int(b.split(" · ")[2].split("%")[0])
    assert 0 <= share <= 100


def test_a_refused_rule_set_shows_an_error_under_it_and_the_page_keeps_working(at, monkeypatch):
    original = Scenario.with_overrides

    def refuse_lottery(self, overrides):
        if overrides.get("market.mechanism") == "lottery":
            raise ScenarioError("market.mechanism = 'lottery' is not allowed here")
        return original(self, overrides)

    monkeypatch.setattr(Scenario, "with_overrides", refuse_lottery)
    small(at)
    at.selectbox(key="cmp.B.mechanism").select("lottery")
    run_compare(at)
    assert not at.exception
    assert "compare_result" not in at.session_state
    column_b = at.columns[1]
    assert len(column_b.error) == 1
    assert "Rule set B not valid" in column_b.error[0].value
    assert not at.columns[0].error
    at.selectbox(key="cmp.B.mechanism").select("vickrey")
    run_compare(at)
    assert not at.error and "compare_result" in at.session_state


def test_compare_follows_the_scenario_applied_in_explore(at):
    at.switch_page("ui/pages/explore.py").run()
    at.selectbox(key="preset_pick").select("classroom").run()
    at.switch_page(COMPARE).run()
    assert not at.exception
    assert at.number_input(key="cmp.weeks").value == 20
    assert "classroom" in at.caption[0].value


def test_downloads_offer_the_summary_and_per_seed_tables(at):
    small(at)
    run_compare(at)
    labels = {b.proto.label for b in at.get("download_button")}
    assert labels == {"summary.csv", "per-seed.csv", "Save as sweep file"}


def test_the_saved_sweep_file_parses_back_and_replays_the_same_comparison(at, tmp_path):
    from experiments.analysis import load_results
    from experiments.compare_sweep import comparison_from_results
    from experiments.sweep import run_sweep
    from experiments.sweep_file import sweep_from_toml

    small(at, seeds=3, weeks=3)
    at.toggle(key="cmp.B.reallocation").set_value(False)
    run_compare(at)
    stored = at.session_state["compare_result"]
    text = stored["job"].toml
    sweep = sweep_from_toml(text)  # what `crunch sweep` reads
    assert sweep.spec.sweep.design == "points" and sweep.spec.sweep.replications == 3
    # the keys A and B differ in are the factors (A is the baseline); the rest is fixed
    assert sweep.spec.baseline == {
        "market.mechanism": "uniform_price",
        "reallocation.enabled": True,
    }
    assert sweep.spec.fixed["governance.mode"] == "single_market"
    run_sweep(sweep, tmp_path / "replay.db", executor="serial")
    replay = comparison_from_results(load_results(tmp_path / "replay.db"))
    assert replay.summary["diff"].equals(stored["result"].summary["diff"])


def test_a_rerun_after_a_comparison_rebuilds_no_chart(at, monkeypatch):
    from ui import compare_charts as charts

    small(at)
    run_compare(at)
    built = {"scatter": 0, "series": 0}

    def counting(name, fn):
        def wrapper(*args, **kwargs):
            built[name] += 1
            return fn(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(
        charts,
        "fairness_efficiency_scatter",
        counting("scatter", charts.fairness_efficiency_scatter),
    )
    monkeypatch.setattr(charts, "compare_over_time", counting("series", charts.compare_over_time))
    at.run()
    assert not at.exception
    assert built == {"scatter": 0, "series": 0}
    series = at.selectbox(key="cmp.series")
    series.select("price" if series.value != "price" else "efficiency").run()
    assert built == {"scatter": 0, "series": 1}  # only the newly chosen series is drawn
    assert len(at.get("vega_lite_chart")) == 2
