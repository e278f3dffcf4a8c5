"""The Explore page's pure building blocks: KPIs, charts, the network view, the rules schema.

None of these needs a running page; the page itself is tested in ``test_app_explore.py``.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import altair as alt
import networkx as nx
import numpy as np
import pandas as pd
import pytest

import market
from game import ComputeGame, Scenario, ScenarioError, keys, load_scenario
from game.run_metrics import RUN_METRICS
from ui import charts, downloads, network_view, rules_schema, state, team_charts, team_detail
from ui.labels import mechanism_label

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------------------- state helpers
def test_kpis_read_dashes_before_the_first_week():
    kpis = state.compute_kpis(pd.DataFrame(columns=["jain"]))
    assert [k.value for k in kpis] == ["—"] * 6
    assert all(k.delta is None for k in kpis)


def test_kpis_show_idle_in_tranches_as_every_page_does_and_deltas_against_last_week():
    weeks = load_and_run("classroom", 3).weeks_frame()
    kpis = {k.label: k for k in state.compute_kpis(weeks, gpus_per_tranche=1000)}
    idle = weeks["idle"].to_numpy()
    assert kpis["Idle tranches"].value == f"{idle[-1]:,.1f}"
    assert kpis["Idle tranches"].delta == f"{idle[-1] - idle[-2]:+,.1f}"
    assert f"{idle[-1] * 1000:,.0f} GPUs" in kpis["Idle tranches"].help
    stress, efficiency = RUN_METRICS["mean_stress"], RUN_METRICS["efficiency"]
    assert kpis[stress.label].delta_color == "inverse"
    assert kpis[efficiency.label].delta_color == "normal"
    assert kpis[efficiency.label].value == efficiency.format(weeks["efficiency"].iloc[-1])
    assert kpis[efficiency.label].help == efficiency.description
    value = RUN_METRICS["output_value"]  # a run total, shown week by week
    assert kpis[value.label].value == value.format(weeks["output_value"].iloc[-1])
    assert kpis[value.label].help.startswith(value.description)
    assert "this week's value" in kpis[value.label].help


def test_a_change_that_rounds_to_nothing_shows_as_a_gray_zero():
    weeks = pd.DataFrame({"week": [0, 1], "jain": [0.5, 0.5001], "idle": [2.0, 1.0]})
    kpis = {k.label: k for k in state.compute_kpis(weeks, gpus_per_tranche=1000)}
    assert kpis[RUN_METRICS["jain"].label].delta == "0"  # Streamlit: no arrow, gray
    assert kpis["Idle tranches"].delta == "-1.0"


def test_the_kpi_row_shows_output_value_beside_efficiency():
    assert len(state.KPI_METRICS) == 6
    assert {"output_value", "efficiency"} <= set(state.KPI_METRICS)
    assert set(state.KPI_METRICS) <= set(RUN_METRICS)


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
    chart = charts.gpus_by_team(teams, max_teams=5)
    data = chart.data
    assert set(data["team"]) == set(charts.top_teams(teams, "gpus", 5)) | {charts.OTHER}
    held = teams[teams["kind"] != "reallocation"].groupby("week")["tranches"].sum() * 1000
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
        lambda w, t: charts.unfairness(w),
        lambda w, t: charts.finish_time(w),
        lambda w, t: team_charts.team_tranches(t, "Orion"),
        lambda w, t: team_charts.team_credits(t, "Orion"),
        lambda w, t: team_charts.team_stress(t, "Orion"),
    ],
)
def test_every_chart_builds_a_valid_vega_lite_spec(build):
    model = load_and_run("lab-2025", 3)
    spec = state.to_spec(build(model.weeks_frame(), model.teams_frame()))
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    assert spec["datasets"] and all(len(rows) > 0 for rows in spec["datasets"].values())
    json.dumps(spec)


def test_output_by_division_is_in_credits_and_adds_up_to_output_value():
    model = load_and_run("lab-2025", 4)
    weeks = model.weeks_frame()
    data = charts.output_by_division(weeks).data.pivot(
        index="week", columns="division", values="credits"
    )
    np.testing.assert_allclose(data["research"] + data["product"], data["lab"])
    np.testing.assert_allclose(data["lab"], weeks["output_value"])
    research = weeks["research_output"] * model.scenario.valuation.credits_per_output
    np.testing.assert_allclose(data["research"], research, rtol=1e-9, atol=1e-6)


def test_team_charts_leave_out_the_reallocation_group_which_holds_nothing():
    teams = load_and_run("lab-2025", 6).teams_frame()
    group = teams[teams["kind"] == "reallocation"]
    assert len(group) and (group[["gpus", "output", "stress"]] == 0).all().all()
    assert "reallocation" not in set(charts.stress_heatmap(teams).data["kind"])
    assert "reallocation" not in set(charts.gpus_by_team(teams).data["kind"])


def test_the_team_tranche_chart_shows_what_the_reallocation_group_moved():
    teams = load_and_run("lab-2025", 12).teams_frame()
    rows = teams[teams["kind"] == "research"]
    touched = rows.loc[(rows["moved"] > 0) | (rows["reclaimed"] > 0), "team"].iloc[0]
    series = set(team_charts.team_tranches(teams, touched).data["series"])
    assert {"held", "needed", "won this week"} <= series
    assert series & set(team_charts.REALLOCATION_LABELS.values())
    untouched = teams.groupby("team")[["moved", "reclaimed"]].sum().sum(axis=1)
    calm = untouched[untouched == 0].index[0]
    assert set(team_charts.team_tranches(teams, calm).data["series"]) == set(
        team_charts.TRANCHE_LABELS.values()
    )
    table = team_detail.reallocations_for(teams, touched)
    assert list(table.columns) == ["week", *team_charts.REALLOCATION_LABELS.values()]
    assert table["week"].is_monotonic_decreasing and len(table) > 0
    assert team_detail.reallocations_for(teams, calm).empty


def test_metric_names_on_charts_are_the_registered_labels():
    weeks = load_and_run("classroom", 2).weeks_frame()
    legend = set(charts.fairness_efficiency(weeks).data["measure"])
    assert legend == {RUN_METRICS[n].label for n in ("efficiency", "jain", "utilisation")}
    assert RUN_METRICS["price"].label in charts.clearing_price(weeks).title
    legend = set(charts.unfairness(weeks).data["measure"])
    assert legend == {RUN_METRICS[n].label for n in ("envy", "rho_share")}


def test_bids_chart_marks_the_units_won_and_draws_the_price():
    frame = team_charts.bids_frame(np.array([9.0, 6.0, 2.0]), np.array([10.0, 7.0]), 2.0)
    assert list(frame["outcome"]) == ["won", "won", "not won"]
    assert np.isnan(frame["value"].iloc[2])
    with_price = team_charts.bids_vs_price(np.array([9.0, 6.0]), np.array([10.0, 7.0]), 5.0, 1.0)
    without = team_charts.bids_vs_price(np.array([9.0, 6.0]), np.array([10.0, 7.0]), np.nan, 1.0)
    assert len(with_price.layer) == 3 and len(without.layer) == 2


def test_stress_driver_table_signs_each_driver():
    frame = team_charts.drivers_frame({"deficit": 0.1, "recovery": -0.05})
    assert list(frame["driver"]) == ["compute deficit", "recovery (towards baseline)"]
    assert list(frame["direction"]) == ["raises stress", "lowers stress"]
    # Below the baseline s0, recovery pulls stress up: the bar says so.
    below = team_charts.drivers_frame({"recovery": 0.01})
    assert list(below["direction"]) == ["raises stress"]
    assert isinstance(team_charts.stress_drivers({"deficit": 0.1}, "Orion"), alt.Chart)


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
    for key in rules_schema.FIELDS:
        assert keys.describe(Scenario, key).description
        assert len(rules_schema.help_text(key)) > 10
    assert "Allowed: ≥ 0, ≤ 1." in rules_schema.help_text("governance.research_credit_share")
    assert "> 0" in rules_schema.help_text("supply.initial_gpus")
    assert rules_schema.bounds("governance.research_weight") == (0, 1)


def test_governance_shares_say_which_mode_uses_them():
    assert "Split by division" in rules_schema.help_text("governance.research_pool_share")
    assert "Leadership committee" in rules_schema.help_text("governance.research_weight")
    assert "Used only" not in rules_schema.help_text("governance.research_credit_share")
    peak = rules_schema.help_text("emotion.performance.research_peak")
    assert "Used only when Performance curve is “Inverted U (Yerkes–Dodson)”" in peak
    assert "Used only" not in rules_schema.help_text("emotion.performance.m_min")


def test_the_editor_offers_the_new_keys_with_their_scenario_help():
    for key in (
        "market.fill_unsold",
        "valuation.credits_per_output",
        "product.served_value_exponent",
        "emotion.stress.baseline",
        "product.churn_weekly",
    ):
        assert key in rules_schema.FIELDS, key
        assert rules_schema.help_text(key).startswith(keys.describe(Scenario, key).description)
    assert rules_schema.FIELDS["market.fill_unsold"].kind == "toggle"
    spot = rules_schema.help_text("market.fill_unsold")
    assert "Used only by rules with money" in spot
    for mech in market.MECHANISMS.values():
        assert (mech.label in spot) == mech.uses_money, mech.label
    # An open lower bound (> 0) gets the field's floor, so the slider cannot reach 0.
    assert rules_schema.bounds("product.served_value_exponent") == (0.05, 1)
    # Every field is a live scenario key (none refers to a deleted one).
    assert set(rules_schema.FIELDS) <= set(keys.all_keys(Scenario))


def test_the_mechanism_caption_appears_only_when_governance_overrides_the_rule():
    sc = load_scenario()
    note = rules_schema.governance_note(sc, "committee", "vickrey")
    assert note and mechanism_label("vickrey") in note and mechanism_label("committee") in note
    assert rules_schema.governance_note(sc, "split", "vickrey") is None
    assert rules_schema.governance_note(sc, "committee", "committee") is None


def test_editor_values_rebuild_the_same_scenario():
    for preset in ("lab-2025", "classroom", "launch-crunch"):
        sc = load_scenario(preset)
        values = rules_schema.widget_values(sc)
        go_live = rules_schema.events_frame(sc.supply.go_live)
        assert rules_schema.build_scenario(sc, values, go_live) == sc


def test_mechanism_choices_and_labels_come_from_the_market_registry():
    assert rules_schema.options("market.mechanism") == list(market.MECHANISMS)
    assert rules_schema.options("governance.mode") == ["single_market", "split", "committee"]
    for name, mech in market.MECHANISMS.items():
        assert mechanism_label(name) == mech.label
        assert mech.label in rules_schema.help_text("market.mechanism")
    assert mechanism_label("second_price") == market.MECHANISMS["vickrey"].label
    assert mechanism_label("no_such_rule") == "no_such_rule"


def test_empty_table_rows_are_dropped_and_missing_cells_named():
    frame = pd.DataFrame({"week": [30, None, None], "gpus": [40.0, None, 5.0]})
    assert rules_schema.events_from_frame(frame) == [
        {"week": 30, "gpus": 40.0},
        {"week": None, "gpus": 5.0},
    ]
    sc = load_scenario()
    with pytest.raises(ScenarioError, match=r"supply\.go_live\.1\.week = None"):
        rules_schema.build_scenario(sc, rules_schema.widget_values(sc), frame)


def test_editor_edits_apply_in_streamlit_order():
    frame = pd.DataFrame({"week": [10, 20, 30], "gpus": [1.0, 2.0, 3.0]})
    edits = {
        "edited_rows": {"2": {"gpus": 9.0}},
        "deleted_rows": [0],
        "added_rows": [{"week": 40, "gpus": 4.0}],
    }
    out = rules_schema.apply_edits(frame, edits)
    assert out.to_dict("records") == [
        {"week": 20, "gpus": 2.0},
        {"week": 30, "gpus": 9.0},
        {"week": 40, "gpus": 4.0},
    ]
    assert rules_schema.apply_edits(frame, None).equals(frame.astype(object))


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ("lab.strategy_mix = {}: needs at least one strategy", "lab.strategy_mix"),
        ("lab.strategy_mix: shares must add up to more than 0", "lab.strategy_mix"),
        ("supply.go_live.1.week = None: Input should be a valid integer", "supply.go_live"),
        ("market.mechanism = 'x' is not allowed; allowed: ...", "market.mechanism"),
        ("weeks = 0: Input should be greater than or equal to 1", "weeks"),
        ("unknown key 'lab.colour'", None),
        ("emotion.burnout.build = 3: too big", None),
    ],
)
def test_an_error_message_points_at_its_field(message, field):
    assert rules_schema.error_field(message) == field


# ---------------------------------------------------------------------------- crunch app
def test_crunch_app_serves_this_app_on_the_chosen_port():
    from ui import cli

    cmd = cli.streamlit_command(8600, headless=True)
    assert cmd[1:4] == ["-m", "streamlit", "run"]
    assert Path(cmd[4]) == ROOT / "app.py"
    assert cmd[5:9] == ["--server.port", "8600", "--server.headless", "true"]
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1"  # this machine only
    with pytest.raises(ValueError, match="--port 70000"):
        cli.streamlit_command(70000)


def test_crunch_lists_the_app_command():
    from crunch.cli import build_parser

    args = build_parser().parse_args(["app", "--port", "8502"])
    assert args.port == 8502 and args.func.__name__ == "cmd_app"


def test_bidding_charts_average_each_strategy_over_the_teams_that_have_a_value():
    from ui import bidding_charts

    teams = pd.DataFrame(
        {
            "week": [0, 0, 0, 1, 1, 1],
            "strategy": ["hedge", "hedge", "truthful", "hedge", "hedge", "truthful"],
            "shading": [0.2, 0.4, 0.0, np.nan, 0.1, 0.0],
            "regret": [3.0, 5.0, np.nan, 1.0, np.nan, np.nan],
        }
    )
    shading = bidding_charts.shading_frame(teams)
    assert shading.to_dict("list") == {
        "week": [0, 0, 1, 1],
        "strategy": ["hedge", "truthful", "hedge", "truthful"],
        "shading": [pytest.approx(0.3), 0.0, 0.1, 0.0],
        "teams": [2, 1, 1, 1],
    }
    regret = bidding_charts.regret_frame(teams)
    assert regret[["week", "strategy", "regret", "teams"]].values.tolist() == [
        [0, "hedge", 4.0, 2],
        [1, "hedge", 1.0, 1],
    ]
    assert bidding_charts.regret_frame(teams.drop(columns="regret")).empty
