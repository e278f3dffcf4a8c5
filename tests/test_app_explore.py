"""Explore page: AppTest of the page, plus its pure building blocks (charts, network, editor)."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time
from pathlib import Path

import altair as alt
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from app_helpers import open_app
from streamlit.testing.v1 import AppTest

import market
from game import ComputeGame, ScenarioError, load_scenario
from game.model import ComputeGame as ModelClass
from ui import charts, downloads, network_view, rules_editor, state

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
        i = next(i for i, sec in enumerate(rules_editor.SECTIONS) if sec.title == title)
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
    assert [e.label for e in at.sidebar.expander] == [s.title for s in rules_editor.SECTIONS]
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
    labels = [m.label for m in at.metric]
    assert labels == [
        "Efficiency",
        "Fairness (Jain)",
        "Mean stress",
        "Research output",
        "Product value",
        "Idle GPUs",
    ]
    weeks = model_of(at).weeks_frame()
    jain = next(m for m in at.metric if m.label == "Fairness (Jain)")
    assert jain.value == f"{weeks['jain'].iloc[-1]:.3f}"
    assert jain.proto.delta == f"{weeks['jain'].iloc[-1] - weeks['jain'].iloc[-2]:+.3f}"
    assert "**2 of 52 weeks played**" in at.markdown[0].value


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
    at.slider(key="rules.governance.research_share").set_value(0.5)
    at.toggle(key="rules.reallocation.enabled").set_value(False)
    apply_rules(at)
    assert not at.exception and not errors(at)
    sc = at.session_state["scenario"]
    assert sc.market.mechanism == "vickrey"
    assert sc.lab.research_teams == 12
    assert sc.governance.research_share == 0.5
    assert sc.reallocation.enabled is False
    assert model_of(at).week == 0
    assert model_of(at).teams.n == 12 + 6
    assert at.session_state["scenario_source"] == "edited"


def test_edits_do_nothing_until_applied(at):
    at.selectbox(key="rules.market.mechanism").select("lottery")
    at.button(key="step").click().run()
    assert at.session_state["scenario"].market.mechanism == "uniform_price"
    assert model_of(at).week == 1


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
    at.button(key="step").click().run()  # the app keeps working
    assert model_of(at).week == 3 and not at.exception
    assert "lab.strategy_mix" in sidebar_expander(at, "Teams").error[0].value


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
    teams_index = [s.title for s in rules_editor.SECTIONS].index("Teams")
    at.session_state[rules_editor.section_key(teams_index)] = False
    at.run()
    assert len(sidebar_expander(at, "Teams").children) == 0
    assert "lab.strategy_mix" in errors(at)[0]  # still said, at the top of the form
    apply_rules(at)
    assert "lab.strategy_mix" in sidebar_expander(at, "Teams").error[0].value


def test_a_value_outside_an_open_bound_is_refused_next_to_its_field(at):
    # initial_tranches must be > 0: the widget cannot express an open bound, the scenario can.
    open_sections(at, "Supply")
    at.number_input(key="rules.supply.initial_tranches").set_value(0.0)
    apply_rules(at)
    supply = sidebar_expander(at, "Supply")
    assert len(supply.error) == 1
    assert "supply.initial_tranches = 0.0" in supply.error[0].value
    assert "greater than 0" in supply.error[0].value
    assert not sidebar_expander(at, "Teams").error
    assert at.session_state["scenario"].supply.initial_tranches == 100


def test_go_live_events_can_be_edited_in_the_table(at):
    open_sections(at, "Supply")
    key = next(k for k in at.session_state if str(k).startswith("rules.supply.go_live."))
    at.session_state[key] = {
        "edited_rows": {0: {"tranches": 80.0}},
        "added_rows": [{"week": 40, "tranches": 10.0}],
        "deleted_rows": [],
    }
    apply_rules(at)
    assert not errors(at)
    events = at.session_state["scenario"].supply.go_live
    assert [(e.week, e.tranches) for e in events] == [(30, 80.0), (40, 10.0)]


def test_bad_go_live_row_is_refused_next_to_the_table(at):
    open_sections(at, "Supply")
    key = next(k for k in at.session_state if str(k).startswith("rules.supply.go_live."))
    at.session_state[key] = {
        "edited_rows": {0: {"tranches": -5.0}},
        "added_rows": [],
        "deleted_rows": [],
    }
    apply_rules(at)
    supply = sidebar_expander(at, "Supply")
    assert supply.error and "supply.go_live.0.tranches" in supply.error[0].value
    assert at.session_state["scenario"].supply.go_live[0].tranches == 40


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
        (b"[market]\nmechanism = 'barter'\n", "market.mechanism = 'barter' is not allowed"),
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
    expected_charts = {"Market": 2, "Pressure": 1, "Output & fairness": 2}
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
    for name in ("gpus_by_team", "team_tranches", "stress_drivers", "bids_vs_price"):
        monkeypatch.setattr(charts, name, counting("charts", getattr(charts, name)))
    at.run()
    at.run()
    assert not at.exception
    assert calls == {"frames": 0, "steps": 0, "charts": 0, "explain": 0}
    at.button(key="reset").click().run()  # a new week 0: its three frames, once
    assert calls["frames"] == 3
    at.button(key="step").click().run()
    at.run()
    assert calls["steps"] == 1 and calls["frames"] == 6


# ---------------------------------------------------------------------------- state helpers
def test_kpis_read_dashes_before_the_first_week():
    kpis = state.compute_kpis(pd.DataFrame(columns=["jain"]))
    assert [k.value for k in kpis] == ["—"] * 6
    assert all(k.delta is None for k in kpis)


def test_kpis_show_idle_as_gpus_and_deltas_against_the_previous_week():
    weeks = load_and_run("classroom", 3).weeks_frame()
    kpis = {k.label: k for k in state.compute_kpis(weeks, gpus_per_tranche=1000)}
    idle = weeks["idle"].to_numpy() * 1000
    assert kpis["Idle GPUs"].value == f"{idle[-1]:,.0f}"
    assert kpis["Idle GPUs"].delta == f"{idle[-1] - idle[-2]:+,.0f}"
    assert kpis["Mean stress"].delta_color == "inverse"
    assert kpis["Efficiency"].value == f"{weeks['efficiency'].iloc[-1]:.1%}"


def test_csv_bytes_round_trip_the_frame():
    weeks = load_and_run("classroom", 2).weeks_frame()
    back = pd.read_csv(__import__("io").BytesIO(downloads.csv_bytes(weeks)))
    assert list(back.columns) == list(weeks.columns)
    assert len(back) == 2


def load_and_run(preset: str, weeks: int, seed: int = 0) -> ComputeGame:
    return ComputeGame(load_scenario(preset), rng=seed).run(weeks)


# ---------------------------------------------------------------------------- charts
def test_gpu_chart_folds_small_teams_into_other_teams():
    teams = load_and_run("lab-2025", 3).teams_frame()
    chart = charts.gpus_by_team(teams, gpus_per_tranche=1000, max_teams=5)
    data = chart.data
    assert set(data["team"]) == set(charts.top_teams(teams, "gpus", 5)) | {charts.OTHER}
    held = teams[teams["kind"] != "reallocation"].groupby("week")["gpus"].sum() * 1000
    np.testing.assert_allclose(data.groupby("week")["gpus"].sum().to_numpy(), held.to_numpy())


def test_gpu_chart_colours_research_blue_and_product_orange():
    domain, colours = charts.team_palette({"R1": "research", "P1": "product", "R2": "research"})
    assert domain == ["R1", "R2", "P1"]
    assert colours[0] == "#08306b" and colours[2] == "#7f2704"


def test_heat_map_keeps_the_most_stressed_teams_of_a_large_lab():
    teams = load_and_run("lab-2025", 4).teams_frame()
    chart = charts.stress_heatmap(teams, max_teams=6)
    assert chart.data["team"].nunique() == 6
    assert set(chart.data["team"]) == set(charts.top_teams(teams, "stress", 6))


@pytest.mark.parametrize(
    "build",
    [
        lambda w, t: charts.gpus_by_team(t),
        lambda w, t: charts.clearing_price(w),
        lambda w, t: charts.stress_heatmap(t),
        lambda w, t: charts.output_by_division(w),
        lambda w, t: charts.fairness_efficiency(w),
        lambda w, t: charts.team_tranches(t, "Orion"),
        lambda w, t: charts.team_credits(t, "Orion"),
        lambda w, t: charts.team_stress(t, "Orion"),
    ],
)
def test_every_chart_builds_a_valid_vega_lite_spec(build):
    model = load_and_run("lab-2025", 3)
    spec = state.to_spec(build(model.weeks_frame(), model.teams_frame()))
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    assert spec["datasets"] and all(len(rows) > 0 for rows in spec["datasets"].values())
    json.dumps(spec)


def test_bids_chart_marks_the_units_won_and_draws_the_price():
    frame = charts.bids_frame(np.array([9.0, 6.0, 2.0]), np.array([10.0, 7.0]), 2.0)
    assert list(frame["outcome"]) == ["won", "won", "not won"]
    assert np.isnan(frame["value"].iloc[2])
    with_price = charts.bids_vs_price(np.array([9.0, 6.0]), np.array([10.0, 7.0]), 5.0, 1.0)
    without = charts.bids_vs_price(np.array([9.0, 6.0]), np.array([10.0, 7.0]), np.nan, 1.0)
    assert len(with_price.layer) == 3 and len(without.layer) == 2


def test_stress_driver_table_signs_each_driver():
    frame = charts.drivers_frame({"deficit": 0.1, "recovery": -0.05})
    assert list(frame["driver"]) == ["compute deficit", "recovery"]
    assert list(frame["direction"]) == ["raises stress", "lowers stress"]
    assert isinstance(charts.stress_drivers({"deficit": 0.1}, "Orion"), alt.Chart)


# ---------------------------------------------------------------------------- network view
@pytest.fixture(scope="module")
def lab():
    return ComputeGame(load_scenario("lab-2025"), rng=0)


def test_layout_fills_its_box_with_org_nodes_on_top(lab):
    pos = network_view.layout(lab.network.graph)
    xy = np.array(list(pos.values()))
    assert xy[:, 0].min() >= 0 and xy[:, 0].max() <= network_view.ASPECT
    assert xy[:, 1].min() == 0 and xy[:, 1].max() <= 1
    team_y = [pos[t][1] for t in lab.teams.names]
    assert min(team_y) >= network_view.TEAM_TOP
    assert pos["Leadership"][1] == 0
    research_x = [pos[t][0] for t in lab.teams.names[:10]]
    product_x = [pos[t][0] for t in lab.teams.names[10:]]
    assert max(research_x) < min(product_x)


def test_layout_is_the_same_in_every_process():
    code = (
        "from game import ComputeGame, load_scenario; from ui import network_view as nv; "
        "m = ComputeGame(load_scenario(), rng=0); print(sorted(nv.layout(m.network.graph).items()))"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outs) == 1


def test_network_option_sizes_by_gpus_and_colours_by_stress(lab):
    graph = lab.network.graph
    pos = network_view.layout(graph)
    names = lab.teams.names
    gpus = {n: float(i + 1) for i, n in enumerate(names)}
    stress = {n: i / (len(names) - 1) for i, n in enumerate(names)}
    option = network_view.network_option(graph, pos, gpus, stress, selected="Vega")
    nodes = {d["name"]: d for d in option["series"][0]["data"]}
    assert network_view.node_names(option) == list(graph.nodes)
    assert len(option["series"][0]["links"]) == graph.number_of_edges()
    assert nodes[names[-1]]["symbolSize"] > nodes[names[0]]["symbolSize"]
    assert nodes[names[0]]["itemStyle"]["color"] == network_view.stress_colour(0.0)
    assert nodes[names[-1]]["itemStyle"]["color"] == network_view.stress_colour(1.0)
    assert nodes["Vega"]["itemStyle"]["borderWidth"] == 3
    assert nodes["Leadership"]["select"] == {"disabled": True}
    assert option["series"][0]["selectedMode"] == "single"
    json.dumps(option)


def test_stress_colour_darkens_with_stress():
    lum = []
    for s in np.linspace(0, 1, 11):
        c = network_view.stress_colour(float(s))
        r, g, b = (int(c[i : i + 2], 16) for i in (1, 3, 5))
        lum.append(0.299 * r + 0.587 * g + 0.114 * b)
    assert all(a > b for a, b in itertools.pairwise(lum))
    assert network_view.stress_colour(float("nan")) == network_view.stress_colour(0.0)


def test_a_node_click_maps_back_to_its_team(lab):
    names = list(lab.network.graph.nodes)
    i = names.index("Sora")
    selection = {"selected": [{"data_type": "node", "data_indices": [i]}], "areas": []}
    assert network_view.team_from_selection(selection, names, lab.teams.names) == "Sora"
    org = {"selected": [{"data_type": "node", "data_indices": [0]}]}
    assert network_view.team_from_selection(org, names, lab.teams.names) is None
    edge = {"selected": [{"data_type": "edge", "data_indices": [i]}]}
    assert network_view.team_from_selection(edge, names, lab.teams.names) is None
    assert network_view.team_from_selection(None, names, lab.teams.names) is None


def test_pixel_positions_keep_the_layout_aspect():
    w, h = 1040.0, 460.0
    left = network_view.pixel_position((0.0, 0.0), w, h)
    right = network_view.pixel_position((network_view.ASPECT, 1.0), w, h)
    assert (right[0] - left[0]) / (right[1] - left[1]) == pytest.approx(network_view.ASPECT)
    assert left[1] == network_view.MARGINS["top"]
    narrow = network_view.pixel_position((network_view.ASPECT, 0.0), 500.0, h)
    assert narrow[0] == pytest.approx(500.0 - network_view.MARGINS["right"])


def test_an_isolated_single_team_lab_still_lays_out():
    graph = nx.Graph()
    graph.add_node("Leadership", role="leadership")
    graph.add_node("Solo", role="team", kind="research", index=0)
    pos = network_view.layout(graph)
    assert set(pos) == {"Leadership", "Solo"}


# ---------------------------------------------------------------------------- rules editor
def test_every_editor_field_is_a_scenario_field_with_help():
    for key in rules_editor.FIELDS:
        assert rules_editor.field_info(key).description
        assert len(rules_editor.help_text(key)) > 10
    assert "Allowed: ≥ 0, ≤ 1." in rules_editor.help_text("governance.research_share")
    assert "> 0" in rules_editor.help_text("supply.initial_tranches")


def test_editor_values_rebuild_the_same_scenario():
    for preset in ("lab-2025", "classroom", "launch-crunch"):
        sc = load_scenario(preset)
        values = rules_editor.widget_values(sc)
        go_live = rules_editor.events_frame(sc.supply.go_live)
        assert rules_editor.build_scenario(sc, values, go_live) == sc


def test_mechanism_choices_come_from_the_market_registry():
    assert rules_editor.options("market.mechanism") == list(market.MECHANISMS)
    assert rules_editor.options("governance.mode") == ["single_market", "split", "committee"]


def test_empty_table_rows_are_dropped_and_missing_cells_named():
    frame = pd.DataFrame({"week": [30, None, None], "tranches": [40.0, None, 5.0]})
    assert rules_editor.events_from_frame(frame) == [
        {"week": 30, "tranches": 40.0},
        {"week": None, "tranches": 5.0},
    ]
    sc = load_scenario()
    with pytest.raises(ScenarioError, match=r"supply\.go_live\.1\.week = None"):
        rules_editor.build_scenario(sc, rules_editor.widget_values(sc), frame)


def test_editor_edits_apply_in_streamlit_order():
    frame = pd.DataFrame({"week": [10, 20, 30], "tranches": [1.0, 2.0, 3.0]})
    edits = {
        "edited_rows": {"2": {"tranches": 9.0}},
        "deleted_rows": [0],
        "added_rows": [{"week": 40, "tranches": 4.0}],
    }
    out = rules_editor.apply_edits(frame, edits)
    assert out.to_dict("records") == [
        {"week": 20, "tranches": 2.0},
        {"week": 30, "tranches": 9.0},
        {"week": 40, "tranches": 4.0},
    ]
    assert rules_editor.apply_edits(frame, None).equals(frame.astype(object))


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ("lab.strategy_mix = {}: needs at least one strategy", "lab.strategy_mix"),
        ("supply.go_live.1.week = None: Input should be a valid integer", "supply.go_live"),
        ("market.mechanism = 'x' is not allowed; allowed: ...", "market.mechanism"),
        ("weeks = 0: Input should be greater than or equal to 1", "weeks"),
        ("unknown key 'lab.colour'", None),
        ("emotion.burnout.build = 3: too big", None),
    ],
)
def test_an_error_message_points_at_its_field(message, field):
    assert rules_editor.error_field(message) == field


# ---------------------------------------------------------------------------- crunch app
def test_crunch_app_serves_this_app_on_the_chosen_port():
    from ui import cli

    cmd = cli.streamlit_command(8600, headless=True)
    assert cmd[1:4] == ["-m", "streamlit", "run"]
    assert Path(cmd[4]) == ROOT / "app.py"
    assert cmd[5:] == ["--server.port", "8600", "--server.headless", "true"]
    with pytest.raises(ValueError, match="--port 70000"):
        cli.streamlit_command(70000)


def test_crunch_lists_the_app_command():
    from crunch.cli import build_parser

    args = build_parser().parse_args(["app", "--port", "8502"])
    assert args.port == 8502 and args.func.__name__ == "cmd_app"
