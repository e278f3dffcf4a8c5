"""The app's rough edges a new user hits (issue 15), with AppTest and the real model.

Rule edits are plainly pending until *Apply rules* and no week is played under rules
other than those shown; the sidebar's description follows edited team counts; every page
that plays a scenario names the rule that actually clears it; explanations speak in
labels, not registry names; the stress heat map names every team.
"""

from __future__ import annotations

import re

import pytest
from app_helpers import open_app
from streamlit.testing.v1 import AppTest

import market
from agents.strategies import STRATEGIES
from game import ComputeGame, load_scenario
from ui import charts, rules_editor, rules_schema, scenario_picker, state
from ui.serve import CHROMIUM_ARGS, IDLE_SELECTOR, find_chromium, serving


@pytest.fixture
def at() -> AppTest:
    return open_app(timeout=30)


def week(app: AppTest) -> int:
    return app.session_state[state.MODEL].week


def warnings(app: AppTest) -> list[str]:
    return [w.value for w in app.warning]


def open_section(app: AppTest, title: str) -> AppTest:
    i = next(i for i, sec in enumerate(rules_schema.SECTIONS) if sec.title == title)
    app.session_state[rules_editor.section_key(i)] = True
    return app.run()


# ---------------------------------------------------------------------------- pending rules
def test_an_unapplied_rule_change_is_shown_as_pending_with_its_field(at):
    assert not any("pending" in w.lower() or "Not applied" in w for w in warnings(at))
    at.selectbox(key="rules.market.mechanism").select("vickrey").run()
    assert not at.exception
    shown = " ".join(warnings(at))
    assert "Not applied yet: Allocation rule." in shown
    assert "Rule changes pending" in shown
    assert at.session_state[state.SCENARIO].market.mechanism == "uniform_price"  # not yet


def test_step_plays_no_week_while_rule_changes_are_pending(at):
    at.button(key="step").click().run()
    assert week(at) == 1
    at.selectbox(key="rules.market.mechanism").select("vickrey").run()
    assert at.button(key="step").disabled and at.button(key="run").disabled
    assert at.button(key="play").disabled
    assert week(at) == 1


@pytest.mark.parametrize("button", ["step", "play", "run"])
def test_a_click_sent_with_a_rule_edit_plays_no_week_under_the_old_rule(at, button):
    # The edit and the click reach the server in one rerun (edit, then click at once):
    # the click's callback sees the pending edit and refuses to play.
    at.selectbox(key="rules.market.mechanism").select("vickrey")
    at.button(key=button).click().run()
    assert not at.exception
    assert week(at) == 0 and at.session_state[state.PLAYING] is False
    assert at.session_state[state.MODEL].scenario.market.mechanism == "uniform_price"
    assert any("No week played" in t.value for t in at.toast)


def test_play_stops_when_a_rule_is_edited_mid_game(at):
    at.button(key="play").click().run()
    assert at.session_state[state.PLAYING] is True
    played = week(at)
    at.selectbox(key="rules.market.mechanism").select("pay_as_bid").run()
    assert at.session_state[state.PLAYING] is False
    assert week(at) == played


def test_applying_clears_the_pending_notice_and_steps_under_the_new_rule(at):
    at.selectbox(key="rules.market.mechanism").select("vickrey").run()
    at.button(key="apply_rules").click().run()
    assert not any("Not applied yet" in w for w in warnings(at))
    assert not at.button(key="step").disabled
    at.button(key="step").click().run()
    model = at.session_state[state.MODEL]
    assert model.week == 1 and model.scenario.market.mechanism == "vickrey"
    assert model.weeks_frame()["rule"].iloc[-1] == "vickrey"


def test_discarding_shows_the_rules_in_play_again_and_step_plays(at):
    at.selectbox(key="rules.market.mechanism").select("vickrey").run()
    at.button(key="discard_rules").click().run()
    assert at.selectbox(key="rules.market.mechanism").value == "uniform_price"
    assert not any("Not applied yet" in w for w in warnings(at))
    at.button(key="step").click().run()
    assert week(at) == 1


def test_a_pending_change_in_a_closed_section_still_counts(at):
    open_section(at, "Teams")
    at.number_input(key="rules.lab.research_teams").set_value(12).run()
    i = next(i for i, sec in enumerate(rules_schema.SECTIONS) if sec.title == "Teams")
    at.session_state[rules_editor.section_key(i)] = False
    at.run()
    assert "Research teams" in " ".join(warnings(at))
    assert at.button(key="step").disabled


# ---------------------------------------------------------------------------- description
def test_the_sidebar_description_follows_edited_team_counts(at):
    assert "10 research teams, 6 product teams" in at.sidebar.caption[0].value
    open_section(at, "Teams")
    at.number_input(key="rules.lab.research_teams").set_value(12)
    at.number_input(key="rules.lab.product_teams").set_value(3)
    at.button(key="apply_rules").click().run()
    caption = at.sidebar.caption[0].value
    assert "10 research teams" not in caption and "6 product teams" not in caption
    assert "12 research teams, 3 product teams" in caption


def test_a_preset_keeps_its_own_description_when_its_counts_are_unchanged():
    sc = load_scenario("lab-2025", overrides={"market.mechanism": "vickrey"})
    assert scenario_picker.describe(sc) == sc.description
    one = load_scenario("lab-2025", overrides={"lab.research_teams": 1})
    assert scenario_picker.describe(one).startswith("1 research team, 6 product teams")


# ---------------------------------------------------------------------------- the rule
# (Compare: tests/test_app_compare.py::test_the_rule_named_is_the_one_that_clears_the_market)
def test_explore_names_the_committee_when_it_overrides_the_allocation_rule(at):
    at.selectbox(key="rules.market.mechanism").select("vickrey")
    at.selectbox(key="rules.governance.mode").select("committee")
    at.button(key="apply_rules").click().run()
    status = at.markdown[0].value
    assert "cleared by **Leadership committee**" in status
    assert "Vickrey" not in status


# ---------------------------------------------------------------------------- labels
REGISTRY_NAMES = [n for n in [*market.MECHANISMS, *STRATEGIES] if "_" in n]


@pytest.mark.parametrize(
    ("mechanism", "mix"),
    [
        ("uniform_price", {"auction_fever": 0.5, "budget_pacer": 0.5}),
        ("pay_as_bid", {"hedge": 0.5, "roth_erev": 0.5}),
        ("equal_share", {"truthful": 1.0}),
        ("committee", {"shaded": 1.0}),
    ],
)
def test_explanations_speak_in_labels_not_registry_names(mechanism, mix):
    sc = load_scenario(
        "classroom", overrides={"market.mechanism": mechanism, "lab.strategy_mix": mix}
    )
    model = ComputeGame(sc, rng=2).run(6)
    for team in model.teams.names:
        text = model.explain(team, week=5).text
        found = [n for n in REGISTRY_NAMES if re.search(rf"\b{n}\b", text)]
        assert not found, f"{team}: {found} in {text!r}"
        assert market.MECHANISMS[sc.clearing_rule].label in text


def test_an_explanation_under_a_rule_without_money_says_who_handed_tranches_out():
    sc = load_scenario("classroom", overrides={"governance.mode": "committee"})
    model = ComputeGame(sc, rng=1).run(3)
    text = model.explain(model.teams.names[0], week=2).text
    assert "at auction" not in text
    assert "Leadership committee gave it" in text


def test_the_stress_heat_map_names_every_team():
    sc = load_scenario("lab-2025", overrides={"lab.research_teams": 30})
    model = ComputeGame(sc, rng=0).run(2)
    spec = state.to_spec(charts.stress_heatmap(model.teams_frame()))
    axis = spec["encoding"]["y"]["axis"]
    assert axis["labelOverlap"] is False
    n = len(spec["encoding"]["y"]["sort"])
    assert n == sc.lab.research_teams + sc.lab.product_teams
    assert (spec["height"] - 90) / n >= axis["labelFontSize"] + 4  # a row per label, with room


# ---------------------------------------------------------------------------- in a browser
# AppTest reruns the whole script for a click inside a fragment, so the sidebar's and the
# seed/speed fragments (which rerun the page only when it must follow) are checked here.
@pytest.mark.slow
@pytest.mark.browser
def test_in_the_browser_a_sidebar_edit_holds_step_and_apply_plays_the_new_rule():
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no system Chromium found: apt-get install chromium (or set CHROMIUM=...)")
    expect = sync_api.expect
    with sync_api.sync_playwright() as p, serving() as url:
        browser = p.chromium.launch(executable_path=chromium, args=list(CHROMIUM_ARGS))
        try:
            pg = browser.new_page(viewport={"width": 1400, "height": 1500})
            pg.set_default_timeout(30_000)
            pg.goto(url)
            pg.wait_for_selector(IDLE_SELECTOR, timeout=60_000)
            step = pg.get_by_role("button", name="Step")
            step.click()
            expect(pg.get_by_text("1 of 52 weeks played", exact=True)).to_be_visible()
            pg.get_by_role("combobox", name="Allocation rule").click()
            pg.get_by_role("option", name=market.MECHANISMS["vickrey"].label).click()
            # The edit reruns the sidebar's fragment, which reruns the page: it says so.
            expect(pg.get_by_text("Rule changes pending.")).to_be_visible()
            expect(step).to_be_disabled()
            pg.get_by_role("button", name="Apply rules").click()
            expect(pg.get_by_text("0 of 52 weeks played", exact=True)).to_be_visible()
            expect(pg.get_by_text("Rule changes pending.")).to_have_count(0)
            expect(step).to_be_enabled()
            step.click()
            expect(pg.get_by_text("1 of 52 weeks played", exact=True)).to_be_visible()
            expect(pg.get_by_text(re.compile(r"cleared by Vickrey"))).to_be_visible()
            # Speed reruns its own fragment only; the page keeps the week it shows.
            pg.get_by_text("fast", exact=True).click()
            pg.wait_for_selector(IDLE_SELECTOR, timeout=60_000)
            expect(pg.get_by_text("1 of 52 weeks played", exact=True)).to_be_visible()
        finally:
            browser.close()
