"""Learn page (AppTest): true to the mechanism registry, formulas, and the classroom plan."""

from __future__ import annotations

import pytest
from app_helpers import PLUGIN_LABEL, PLUGIN_MECHANISM, open_app, plugin_mechanism
from streamlit.testing.v1 import AppTest

import market
from game import list_presets

LEARN = "ui/pages/learn.py"


@pytest.fixture
def at():
    return open_app(LEARN, timeout=30)


def tab(app: AppTest, label: str) -> AppTest:
    app.session_state["learn_tab"] = label
    return app.run()


def latex_of(app: AppTest) -> list[str]:
    """The formulas drawn with st.latex (Streamlit wraps each in $$ … $$)."""
    return [x.value.removeprefix("$$\n").removesuffix("\n$$") for x in app.latex]


def text_of(app: AppTest) -> str:
    return "\n".join(m.value for m in app.markdown) + "\n".join(c.value for c in app.caption)


def test_every_registered_mechanism_is_explained_with_its_registry_description(at):
    page = text_of(at)
    for name, mech in market.MECHANISMS.items():
        assert f"#### {mech.label} · `{name}`" in page
        assert mech.description in page
        assert mech.reading in page
        assert f"Source: {mech.source}" in page
    formulas = [m.formula for m in market.MECHANISMS.values() if m.formula]
    assert latex_of(at)[: len(formulas)] == formulas
    badges = [m.value for m in at.markdown if "-badge[" in m.value]
    truthful = sum(m.truthful for m in market.MECHANISMS.values())
    assert badges.count(":green-badge[truthful]") == truthful
    assert badges.count(":orange-badge[not truthful]") == len(market.MECHANISMS) - truthful
    money = sum(m.uses_money for m in market.MECHANISMS.values())
    assert badges.count(":blue-badge[uses credits]") == money


def test_a_mechanism_a_plugin_registers_shows_in_the_editor_and_on_learn():
    with plugin_mechanism() as mech:
        app = open_app(timeout=30)  # Explore
        rule = app.selectbox(key="rules.market.mechanism")
        assert PLUGIN_LABEL in rule.options  # offered, under its registered label
        assert PLUGIN_MECHANISM not in rule.options
        app.switch_page(LEARN).run()
        assert not app.exception
        page = text_of(app)
        assert f"#### {PLUGIN_LABEL} · `{PLUGIN_MECHANISM}`" in page
        assert mech.description in page and mech.reading in page
        assert mech.formula in latex_of(app)
        assert f"{len(market.MECHANISMS)} rules" in page
    assert PLUGIN_MECHANISM not in market.MECHANISMS


def test_behaviour_models_have_formulas_and_sources(at):
    tab(at, "Behaviour models")
    assert not at.exception
    page = text_of(at)
    for model in (
        "Stress",
        "Yerkes–Dodson",
        "Burnout",
        "Bosse–Treur",
        "SISa",
        "Cobb–Douglas",
        "latency",
        "Faratin",
    ):
        assert model in page, model
    assert len(at.latex) >= 12
    assert page.count("Source:") >= 8


def test_walkthrough_uses_existing_presets_and_takes_twenty_minutes(at):
    tab(at, "Classroom walk-through")
    headers = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert headers[0].startswith("#### 0–4 min") and headers[-1].startswith("#### 19–20 min")
    labels = [b.label for b in at.button]
    loaded = {label.split()[1].rstrip(",") for label in labels if label.startswith("Load ")}
    assert loaded == {"classroom", "scarcity", "stargate", "launch-crunch", "lab-2025"}
    assert loaded <= set(list_presets())
    switch = next(m.value for m in at.markdown if "open **Compare**" in m.value)
    for measure in ("efficiency", "fairness", "stress", "output"):
        assert measure in switch
    assert "which rule would you choose" in switch
    assert "wins" not in switch and "usually" not in switch  # the room decides, not the page


def test_a_walkthrough_button_loads_its_preset_and_opens_explore(at):
    tab(at, "Classroom walk-through")
    button = next(b for b in at.button if b.label == "Load scarcity, open Explore")
    button.click().run()
    assert not at.exception
    assert at.session_state["scenario"].name == "scarcity"
    assert at.title[0].value == "Explore"
    assert at.selectbox(key="preset_pick").value == "scarcity"
    assert at.session_state["model"].week == 0


def test_the_mechanism_switch_step_opens_compare(at):
    tab(at, "Classroom walk-through")
    next(b for b in at.button if b.label == "Load lab-2025, open Compare").click().run()
    assert not at.exception
    assert at.title[0].value == "Compare"
