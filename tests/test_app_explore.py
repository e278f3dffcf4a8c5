"""Explore page (AppTest): play, inspect, edit the rules, load scenarios.

The page's pure building blocks (charts, network view, rules schema, KPIs) are tested in
``test_app_blocks.py``.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest
from app_helpers import open_app
from streamlit.testing.v1 import AppTest

import market
from game import ComputeGame, load_scenario
from game.run_metrics import RUN_METRICS
from game.world.model import ComputeGame as ModelClass
from ui import charts, rules_editor, rules_schema, state, team_charts
from ui.bidding_charts import shading_frame

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------------------- AppTest helpers
@pytest.fixture
def at():
    return open_app(timeout=30)


def model_of(app: AppTest) -> ComputeGame:
    return app.session_state["model"]


def show_tab(app: AppTest, label: str) -> AppTest:
    app.session_state["explore_tab"] = label
    return app.run()


def apply_rules(app: AppTest) -> AppTest:
    return app.button(key="apply_rules").click().run()


def open_sections(app: AppTest, *titles: str) -> AppTest:
    for title in titles:
        i = next(i for i, sec in enumerate(rules_schema.SECTIONS) if sec.title == title)
        app.session_state[rules_editor.section_key(i)] = True
    return app.run()


def sidebar_expander(app: AppTest, label: str):
    return next(e for e in app.sidebar.expander if e.label == label)


def errors(app: AppTest) -> list[str]:
    return [e.value for e in app.error]


# ---------------------------------------------------------------------------- the page
def test_defaults_render_the_default_preset_at_week_zero(at):
    assert at.title[0].value == "Explore"
    assert at.session_state["scenario"].name == "lab-2025"
    assert model_of(at).week == 0
    assert [m.value for m in at.metric] == ["—"] * 6
    assert any("No week played yet" in i.value for i in at.info)
    assert at.selectbox(key="rules.market.mechanism").value == "uniform_price"
    assert [e.label for e in at.sidebar.expander] == [
        *(s.title for s in rules_schema.SECTIONS),
        "Your teams",
    ]
    assert len(sidebar_expander(at, "Teams").children) == 0  # closed sections draw nothing
    open_sections(at, "Teams")
    assert at.number_input(key="rules.lab.research_teams").value == 10
    assert not errors(at)


def test_step_plays_one_week_and_kpis_show_change_since_last_week(at):
    at.button(key="step").click().run()
    assert model_of(at).week == 1
    assert all(m.value != "—" for m in at.metric)
    at.button(key="step").click().run()
    assert model_of(at).week == 2
    weeks = model_of(at).weeks_frame()
    metric = RUN_METRICS["jain"]
    jain = next(m for m in at.metric if m.label == metric.label)
    assert jain.value == metric.format(weeks["jain"].iloc[-1])
    assert jain.proto.delta == format(
        weeks["jain"].iloc[-1] - weeks["jain"].iloc[-2], "+" + metric.fmt
    )
    assert "**2 of 52 weeks played**" in at.markdown[0].value
    assert "cleared by **Uniform price**" in at.markdown[0].value


def test_kpi_labels_help_and_colours_come_from_the_run_metric_registry(at):
    at.button(key="step").click().run()
    shown = {m.label: m for m in at.metric}
    kpis = {k.label: k for k in at.session_state["model_view"].kpis}
    colours = {"higher": "normal", "lower": "inverse", "": "off"}
    assert list(shown) == [state.kpi_label(RUN_METRICS[n]) for n in state.KPI_METRICS]
    for name in state.KPI_METRICS:
        metric = RUN_METRICS[name]
        label = metric.label  # the registry's label, tranches included, as on Compare
        assert label in shown, label
        assert shown[label].proto.help.startswith(metric.description)
        assert kpis[label].delta_color == colours[metric.better]
    assert list(shown) == [RUN_METRICS[n].label for n in state.KPI_METRICS]


def test_run_plays_the_whole_horizon_with_a_progress_bar(at):
    at.button(key="run").click().run()
    assert not at.exception
    assert model_of(at).week == 52
    assert at.progress[0].value == 100
    assert "Played 52 weeks" in at.progress[0].text
    assert at.button(key="step").disabled
    at.button(key="run").click().run()  # at the horizon, Run plays a fresh game
    assert model_of(at).week == 52
    assert at.session_state["model_generation"] == 2


def test_reset_returns_to_week_zero_and_replays_the_same_game(at):
    at.button(key="run").click().run()
    first = model_of(at).weeks_frame()
    at.button(key="reset").click().run()
    assert model_of(at).week == 0
    at.button(key="run").click().run()
    pd.testing.assert_frame_equal(model_of(at).weeks_frame(), first)


def test_a_new_seed_starts_a_different_game(at):
    at.button(key="run").click().run()
    first = model_of(at).weeks_frame()
    at.number_input(key="seed_input").set_value(7).run()
    assert at.session_state["seed"] == 7
    assert model_of(at).week == 0
    at.button(key="run").click().run()
    assert not model_of(at).weeks_frame()["mean_stress"].equals(first["mean_stress"])


def test_play_advances_a_week_per_tick_and_pause_stops_it(at):
    at.button(key="play").click().run()
    assert at.session_state["playing"] is True
    assert model_of(at).week == 1
    assert at.button(key="play").label == "Pause"
    at.run()  # a rerun right after a tick does not play another week
    assert model_of(at).week == 1
    at.session_state["last_tick"] = time.monotonic() - 10  # the timer is due (AppTest has none)
    at.run()
    assert model_of(at).week == 2
    at.button(key="play").click().run()
    assert at.session_state["playing"] is False
    at.session_state["last_tick"] = time.monotonic() - 10
    at.run()
    assert model_of(at).week == 2


def test_play_stops_at_the_horizon(at):
    open_sections(at, "Teams")
    at.number_input(key="rules.weeks").set_value(2)
    apply_rules(at)
    at.button(key="play").click().run()
    at.session_state["last_tick"] = time.monotonic() - 10
    at.run()
    assert model_of(at).week == 2
    assert at.session_state["playing"] is False
    assert at.button(key="play").label == "Play"
    assert "game over" in at.markdown[0].value


def test_applying_changed_rules_starts_a_new_game_with_them(at):
    at.button(key="step").click().run()
    open_sections(at, "Teams", "Reallocation and loans")
    at.selectbox(key="rules.market.mechanism").select("vickrey")
    at.number_input(key="rules.lab.research_teams").set_value(12)
    at.slider(key="rules.governance.research_credit_share").set_value(0.5)
    at.slider(key="rules.governance.research_pool_share").set_value(0.4)
    at.slider(key="rules.governance.research_weight").set_value(0.3)
    at.toggle(key="rules.reallocation.enabled").set_value(False)
    apply_rules(at)
    assert not at.exception and not errors(at)
    sc = at.session_state["scenario"]
    assert sc.market.mechanism == "vickrey"
    assert sc.lab.research_teams == 12
    assert sc.governance.research_credit_share == 0.5
    assert sc.governance.research_pool_share == 0.4
    assert sc.governance.research_weight == 0.3
    assert sc.reallocation.enabled is False
    assert model_of(at).week == 0
    assert model_of(at).teams.n == 12 + 6
    assert at.session_state["scenario_source"] == "edited"


def test_the_spot_pool_toggle_applies(at):
    assert at.session_state["scenario"].market.fill_unsold is True
    toggle = at.toggle(key="rules.market.fill_unsold")
    assert toggle.value is True and "Used only by rules with money" in toggle.help
    toggle.set_value(False)
    apply_rules(at)
    assert not at.exception and not errors(at)
    assert at.session_state["scenario"].market.fill_unsold is False
    assert model_of(at).scenario.market.fill_unsold is False
    assert model_of(at).week == 0
    at.toggle(key="rules.market.fill_unsold").set_value(True)
    apply_rules(at)
    assert at.session_state["scenario"].market.fill_unsold is True


def test_the_price_forecast_weight_slider_applies(at):
    at.slider(key="rules.market.price_forecast_weight").set_value(0.6)
    apply_rules(at)
    assert not at.exception and not errors(at)
    assert at.session_state["scenario"].market.price_forecast_weight == 0.6


def test_the_new_value_and_stress_keys_apply(at):
    open_sections(at, "Values and demand", "Stress", "Productivity")
    at.number_input(key="rules.valuation.credits_per_output").set_value(120.0)
    at.slider(key="rules.product.served_value_exponent").set_value(0.75)
    at.slider(key="rules.product.churn_weekly").set_value(0.05)
    at.slider(key="rules.emotion.stress.baseline").set_value(0.2)
    at.selectbox(key="rules.emotion.performance.form").select("inverted_u")
    apply_rules(at)
    assert not at.exception and not errors(at)
    sc = at.session_state["scenario"]
    assert sc.valuation.credits_per_output == 120.0
    assert sc.product.served_value_exponent == 0.75
    assert sc.product.churn_weekly == 0.05
    assert sc.emotion.stress.baseline == 0.2
    assert sc.emotion.performance.form == "inverted_u"


def test_committee_governance_says_it_overrides_the_allocation_rule(at):
    market_section = sidebar_expander(at, "Market")
    assert not any("overrides this rule" in c.value for c in market_section.caption)
    at.selectbox(key="rules.governance.mode").select("committee")
    apply_rules(at)
    assert not errors(at)
    sc = at.session_state["scenario"]
    assert sc.market.mechanism == "uniform_price" and sc.clearing_rule == "committee"
    note = next(c.value for c in sidebar_expander(at, "Market").caption)
    assert "overrides this rule" in note
    assert market.MECHANISMS["committee"].label in note
    assert market.MECHANISMS["uniform_price"].label in note
    assert "cleared by **Leadership committee**" in at.markdown[0].value


def test_edits_do_nothing_until_applied(at):
    at.selectbox(key="rules.market.mechanism").select("lottery")
    at.button(key="step").click().run()
    assert at.session_state["scenario"].market.mechanism == "uniform_price"
    # Pending edits: no week is played under rules other than those shown (issue 15).
    assert model_of(at).week == 0


def test_invalid_strategy_mix_shows_an_error_next_to_it_and_changes_nothing(at):
    at.button(key="step").click().run()
    at.button(key="step").click().run()
    before = at.session_state["scenario"]
    open_sections(at, "Teams")
    for name in ("truthful", "shaded", "auction_fever", "budget_pacer"):
        at.number_input(key=f"rules.lab.strategy_mix.{name}").set_value(0.0)
    apply_rules(at)
    assert not at.exception
    teams = sidebar_expander(at, "Teams")
    assert len(teams.error) == 1
    assert "lab.strategy_mix" in teams.error[0].value
    assert "more than 0" in teams.error[0].value
    assert at.session_state["scenario"] is before
    assert model_of(at).week == 2
    assert "lab.strategy_mix" in sidebar_expander(at, "Teams").error[0].value  # still shown
    at.button(key="discard_rules").click().run()  # the refused edits stay pending until then
    at.button(key="step").click().run()  # the app keeps working
    assert model_of(at).week == 3 and not at.exception
    assert not sidebar_expander(at, "Teams").error  # discarded: the rules in play, no error


def test_fixing_the_input_clears_the_error(at):
    open_sections(at, "Teams")
    for name in ("truthful", "shaded", "auction_fever", "budget_pacer"):
        at.number_input(key=f"rules.lab.strategy_mix.{name}").set_value(0.0)
    apply_rules(at)
    assert errors(at)
    at.number_input(key="rules.lab.strategy_mix.truthful").set_value(1.0)
    apply_rules(at)
    assert not errors(at)
    assert at.session_state["scenario"].lab.strategy_mix["truthful"] == 1.0


def test_a_refused_field_in_a_closed_section_reopens_it_to_show_the_error(at):
    open_sections(at, "Teams")
    for name in ("truthful", "shaded", "auction_fever", "budget_pacer"):
        at.number_input(key=f"rules.lab.strategy_mix.{name}").set_value(0.0)
    apply_rules(at)
    teams_index = [s.title for s in rules_schema.SECTIONS].index("Teams")
    at.session_state[rules_editor.section_key(teams_index)] = False
    at.run()
    assert len(sidebar_expander(at, "Teams").children) == 0
    assert "lab.strategy_mix" in errors(at)[0]  # still said, at the top of the form
    apply_rules(at)
    assert "lab.strategy_mix" in sidebar_expander(at, "Teams").error[0].value


def test_a_value_outside_an_open_bound_is_refused_next_to_its_field(at):
    # initial_gpus must be > 0: the widget cannot express an open bound, the scenario can.
    open_sections(at, "Supply")
    at.number_input(key="rules.supply.initial_gpus").set_value(0.0)
    apply_rules(at)
    supply = sidebar_expander(at, "Supply")
    assert len(supply.error) == 1
    assert "supply.initial_gpus = 0.0" in supply.error[0].value
    assert "greater than 0" in supply.error[0].value
    assert not sidebar_expander(at, "Teams").error
    assert at.session_state["scenario"].supply.initial_gpus == 100_000


def test_go_live_events_can_be_edited_in_the_table(at):
    open_sections(at, "Supply")
    key = next(k for k in at.session_state if str(k).startswith("rules.supply.go_live."))
    at.session_state[key] = {
        "edited_rows": {0: {"gpus": 80000.0}},
        "added_rows": [{"week": 40, "gpus": 10000.0}],
        "deleted_rows": [],
    }
    apply_rules(at)
    assert not errors(at)
    events = at.session_state["scenario"].supply.go_live
    assert [(e.week, e.gpus) for e in events] == [(30, 80000.0), (40, 10000.0)]


def test_bad_go_live_row_is_refused_next_to_the_table(at):
    open_sections(at, "Supply")
    key = next(k for k in at.session_state if str(k).startswith("rules.supply.go_live."))
    at.session_state[key] = {
        "edited_rows": {0: {"gpus": -5.0}},
        "added_rows": [],
        "deleted_rows": [],
    }
    apply_rules(at)
    supply = sidebar_expander(at, "Supply")
    assert supply.error and "supply.go_live.0.gpus" in supply.error[0].value
    assert at.session_state["scenario"].supply.go_live[0].gpus == 40_000


def test_preset_picker_loads_the_preset_and_shows_its_rules(at):
    at.button(key="step").click().run()
    at.selectbox(key="preset_pick").select("classroom").run()
    open_sections(at, "Teams")
    assert not at.exception
    sc = at.session_state["scenario"]
    assert sc.name == "classroom"
    assert model_of(at).week == 0 and model_of(at).teams.n == 8
    assert at.number_input(key="rules.lab.research_teams").value == 5
    assert at.number_input(key="rules.weeks").value == 20
    assert "**0 of 20 weeks played**" in at.markdown[0].value


def test_uploading_a_scenario_toml_loads_it(at):
    text = load_scenario("scarcity", overrides={"market.mechanism": "max_min_fair"}).to_toml()
    at.file_uploader[0].upload("mine.toml", text.encode()).run()
    assert not at.exception and not errors(at)
    sc = at.session_state["scenario"]
    assert sc.name == "scarcity" and sc.market.mechanism == "max_min_fair"
    assert at.selectbox(key="rules.market.mechanism").value == "max_min_fair"
    assert at.session_state["scenario_source"] == "uploaded mine.toml"


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"weeks = [1, 2", "TOML does not parse"),
        (b"[market]\nmechanism = 'barter'\n", "market.mechanism = 'barter'"),
        (b"[lab]\nresearch_teams = 0\n", "lab.research_teams = 0"),
        (b"\xff\xfe\x00junk", "not a text file"),
    ],
)
def test_a_bad_upload_shows_an_error_and_loses_nothing(at, content, needle):
    at.button(key="step").click().run()
    before = at.session_state["scenario"]
    at.file_uploader[0].upload("bad.toml", content).run()
    assert not at.exception
    assert any(needle in e for e in errors(at)), errors(at)
    assert at.session_state["scenario"] is before
    assert model_of(at).week == 1
    at.button(key="step").click().run()
    assert model_of(at).week == 2


def test_every_tab_renders_after_a_run(at):
    at.button(key="run").click().run()
    expected_charts = {"Market": 3, "Pressure": 1, "Output & fairness": 4}
    for label in ["Market", "Pressure", "Output & fairness", "Network & teams", "Events"]:
        show_tab(at, label)
        assert not at.exception, label
        if label in expected_charts:
            assert len(at.get("vega_lite_chart")) == expected_charts[label], label
    assert len(at.get("echarts_chart")) == 0  # the network only renders on its own tab
    show_tab(at, "Downloads")
    names = [b.proto.label for b in at.get("download_button")]
    assert {"weeks.csv", "teams.csv", "events.csv", "scenario.toml"} <= set(names)


def test_a_rule_without_money_shows_no_price_chart_but_says_why(at):
    at.selectbox(key="rules.market.mechanism").select("committee")
    apply_rules(at)
    at.button(key="run").click().run()
    show_tab(at, "Market")
    assert len(at.get("vega_lite_chart")) == 1
    assert any("No clearing price" in i.value for i in at.info)


def test_network_tab_shows_the_selected_team_and_why_it_got_what_it_got(at):
    for _ in range(4):
        at.button(key="step").click().run()
    show_tab(at, "Network & teams")
    assert len(at.get("echarts_chart")) == 1
    at.selectbox(key="team_pick").select("Chat").run()
    assert not at.exception
    md = " ".join(m.value for m in at.markdown)
    assert "**Chat** · product team" in md
    assert at.number_input(key="why_week").value == 3
    why = next(i.value for i in at.info if i.value.startswith("Week 3: Chat"))
    assert why == model_of(at).explain("Chat", 3).text
    table = next(d.value for d in at.dataframe if "rule" in d.value.columns)
    assert len(table) == len(market.MECHANISMS)
    assert table["actual rule"].sum() == 1
    at.number_input(key="why_week").set_value(1).run()
    assert any(i.value.startswith("Week 1: Chat") for i in at.info)
    assert any(
        c.value.startswith("Recovery pulls stress back towards the baseline") for c in at.caption
    )


def test_the_team_detail_shows_what_the_reallocation_group_did(at):
    at.button(key="run").click().run()
    teams = model_of(at).teams_frame()
    rows = teams[teams["kind"] == "research"]
    team = rows.loc[rows["reclaimed"] > 0, "team"].iloc[0]
    show_tab(at, "Network & teams")
    at.selectbox(key="team_pick").select(team).run()
    assert not at.exception
    mine = rows[rows["team"] == team]
    heading = next(m.value for m in at.markdown if m.value.startswith("**Reallocation group**"))
    assert f"{mine['moved'].sum():,.0f} tranches fast-tracked" in heading
    assert f"{mine['reclaimed'].sum():,.0f} reclaimed" in heading
    table = next(d.value for d in at.dataframe if "reclaimed from it" in d.value.columns)
    assert table["reclaimed from it"].sum() == pytest.approx(mine["reclaimed"].sum())


def test_event_feed_lists_events_latest_first_and_filters_by_kind(at):
    for _ in range(5):
        at.button(key="step").click().run()
    show_tab(at, "Events")
    feed = at.dataframe[0].value
    assert feed["week"].is_monotonic_decreasing
    at.pills(key="event_kinds").set_value(["grant"]).run()
    feed = at.dataframe[0].value
    assert set(feed["kind"]) == {"grant"}


def test_a_rerun_that_does_not_advance_the_model_does_no_model_work(at, monkeypatch):
    at.button(key="run").click().run()
    show_tab(at, "Network & teams")
    calls = {"frames": 0, "steps": 0, "charts": 0, "explain": 0}

    def counting(name, fn):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return fn(*args, **kwargs)

        return wrapper

    for attr in ("weeks_frame", "teams_frame", "events_frame"):
        monkeypatch.setattr(ModelClass, attr, counting("frames", getattr(ModelClass, attr)))
    monkeypatch.setattr(ModelClass, "step", counting("steps", ModelClass.step))
    monkeypatch.setattr(ModelClass, "explain", counting("explain", ModelClass.explain))
    monkeypatch.setattr(charts, "gpus_by_team", counting("charts", charts.gpus_by_team))
    for name in ("team_tranches", "stress_drivers", "bids_vs_price"):
        monkeypatch.setattr(team_charts, name, counting("charts", getattr(team_charts, name)))
    at.run()
    at.run()
    assert not at.exception
    assert calls == {"frames": 0, "steps": 0, "charts": 0, "explain": 0}
    at.button(key="reset").click().run()  # a new week 0: its three frames, once
    assert calls["frames"] == 3
    at.button(key="step").click().run()
    at.run()
    assert calls["steps"] == 1 and calls["frames"] == 6


def test_the_market_tab_shows_how_each_strategy_shades_its_bids(at):
    text = load_scenario(
        "classroom",
        overrides={
            "lab.strategy_mix": {"hedge": 0.5, "truthful": 0.5},
            "market.mechanism": "vickrey",
        },
    ).to_toml()
    at.file_uploader[0].upload("learners.toml", text.encode()).run()
    at.button(key="run").click().run()
    show_tab(at, "Market")
    assert not at.exception
    specs = [c.proto.spec for c in at.get("vega_lite_chart")]
    shading = [s for s in specs if "Bid shading by strategy" in s]
    assert len(shading) == 1
    frame = shading_frame(model_of(at).teams_frame())
    assert set(frame.strategy) == {"hedge", "truthful"}
    truthful = frame[frame.strategy == "truthful"].shading
    assert truthful.abs().max() < 1e-9  # truthful bids equal values
    assert frame[frame.strategy == "hedge"].shading.iloc[0] > 0.2  # learners start shaded
