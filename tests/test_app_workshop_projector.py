"""The Projector page (AppTest on a real workshop database): host link only, read-only,
team names hidden on request.
"""

from __future__ import annotations

import pytest
from workshop_pages import PROJECTOR, new_workshop, open_page, page_text, stored

from workshop import Workshop
from workshop.board import anonymous_names
from workshop.tokens import new_token


@pytest.fixture
def played(tmp_path, monkeypatch):
    created = new_workshop(tmp_path, monkeypatch, seats=3, rounds=3)
    ws = Workshop(created.db)
    ws.advance(created.host_token, 1)
    ws.open_round(created.host_token)
    return created, ws


def test_the_projector_shows_round_price_gpus_leaderboard_and_events(played):
    created, ws = played
    before = stored(created.db)
    app = open_page(PROJECTOR, created.workshop, created.host_token)
    text = page_text(app)
    assert "Round 2 of 3" in text
    price = float(ws.replayed().model.weeks_frame()["price"].iloc[-1])
    assert {m.label: m.value for m in app.metric}["Clearing price (credits per tranche)"] == (
        f"{price:,.1f}"
    )
    board = app.dataframe[0].value
    names = list(ws.replayed().model.teams.names)
    assert sorted(board["team"]) == sorted(names)
    assert list(board["utility"]) == sorted(board["utility"], reverse=True)
    assert "### Latest events" in text and "- week 1:" in text
    assert stored(created.db) == before  # read-only


@pytest.mark.parametrize("which", ["seat", "forged"])
def test_the_projector_refuses_a_seat_or_forged_token_and_writes_nothing(played, which):
    created, _ = played
    token = created.seats[0].token if which == "seat" else new_token()
    before = stored(created.db)
    app = open_page(PROJECTOR, created.workshop, token)
    assert len(app.error) == 1 and "only with the host's link" in app.error[0].value
    assert not app.metric and not app.dataframe
    assert stored(created.db) == before


def test_hide_team_names_replaces_every_name_on_the_projector(played):
    created, ws = played
    names = list(ws.replayed().model.teams.names)
    app = open_page(PROJECTOR, created.workshop, created.host_token)
    assert any(n in page_text(app) for n in names)
    app.toggle(key="projector_anonymise").set_value(True).run()
    assert not app.exception
    text = page_text(app)
    assert not [n for n in names if n in text]
    board = app.dataframe[0].value
    assert sorted(board["team"]) == sorted(anonymous_names(len(names)))


def test_the_projector_heat_map_labels_every_team():
    import pandas as pd

    from ui.projector_view import stress_heatmap

    stress = pd.DataFrame(
        {"team": [f"T{i}" for i in range(12)], "week": 1, "stress": [i / 12 for i in range(12)]}
    )
    axis = stress_heatmap(stress).to_dict()["encoding"]["y"]["axis"]
    assert axis["labelOverlap"] is False  # Vega would otherwise drop every other name
