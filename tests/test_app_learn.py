"""Learn page (AppTest): true to the mechanism registry, formulas, and the classroom plan."""

from __future__ import annotations

import pytest
from app_helpers import open_app
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


def text_of(app: AppTest) -> str:
    return "\n".join(m.value for m in app.markdown) + "\n".join(c.value for c in app.caption)


def test_every_registered_mechanism_is_explained_with_its_registry_description(at):
    page = text_of(at)
    for name, mech in market.MECHANISMS.items():
        assert f"`{name}`" in page
        assert mech.description in page
    assert len(at.latex) >= len(market.MECHANISMS)
    badges = [m.value for m in at.markdown if "-badge[" in m.value]
    truthful = sum(m.truthful for m in market.MECHANISMS.values())
    assert badges.count(":green-badge[truthful]") == truthful
    assert badges.count(":orange-badge[not truthful]") == len(market.MECHANISMS) - truthful
    money = sum(m.uses_money for m in market.MECHANISMS.values())
    assert badges.count(":blue-badge[uses credits]") == money


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
