"""The Debrief page through AppTest: team stories, the rule comparison, downloads, refusals.

A real workshop database (``tmp_path``) is played through the engine: one player bids in
round 1, the host switches to Vickrey for round 2, bots play the rest.
"""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from app_helpers import open_app
from streamlit.testing.v1 import AppTest

from ui import debrief_view
from ui.workshop_live import WORKSHOPS_ENV
from workshop import Workshop, create_workshop
from workshop.debrief import build_debrief

DEBRIEF = "ui/pages/debrief.py"


@pytest.fixture
def made(tmp_path, monkeypatch):
    monkeypatch.setenv(WORKSHOPS_ENV, str(tmp_path))
    return create_workshop(tmp_path / "ws.db", "classroom", seats=3, rounds=3, seed=4)


@pytest.fixture
def played(made):
    """Two rounds: seat 1 bids in round 1; the rule is Vickrey from round 2."""
    w = Workshop(made.db)
    w.open_round(made.host_token)
    w.submit_bid(made.seats[0].token, [[2, 60.0], [1, 20.0]])
    w.close_bidding(made.host_token)
    w.close_negotiation(made.host_token)
    w.change_rules(made.host_token, {"market.mechanism": "vickrey"})
    w.advance(made.host_token)
    return made


def debrief_page(workshop: str, token: str) -> AppTest:
    at = open_app()
    at.query_params.update(w=workshop, t=token)
    at.switch_page(DEBRIEF).run()
    assert not at.exception
    return at


def unescaped(text: str) -> str:
    return text.replace("\\", "").replace("\u2060", "")


def markdown(at: AppTest) -> str:
    return unescaped("\n".join(m.value for m in at.markdown))


def frame(at: AppTest, column: str) -> pd.DataFrame:
    """The one table on the page with ``column``."""
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(found) == 1, column
    return found[0]


def test_each_seated_team_has_its_story_round_by_round(played):
    at = debrief_page(played.workshop, played.host_token)
    text = markdown(at)
    assert "Played under **Uniform price** (round 1), then **Vickrey (VCG)** (round 2)" in text
    assert [t.label for t in at.tabs] == [f"{s.team} (seat {s.seat})" for s in played.seats]
    first = unescaped(at.tabs[0].markdown[0].value)
    assert first.count("**Round") == 2
    assert "**Round 1** (the player bid for 3 tranches): bid 140 credits" in first
    assert "**Round 2** (the bot played)" in first
    assert "**Round 1** (the bot played)" in unescaped(at.tabs[1].markdown[0].value)
    teams = frame(at, "final_stress")
    assert set(s.team for s in played.seats) <= set(teams["team"])


def test_the_rule_comparison_sits_beside_what_happened(played):
    at = debrief_page(played.workshop, played.host_token)
    expected = build_debrief(Workshop(played.db), "vickrey")
    table = frame(at, "verdict")
    assert list(table.columns) == [
        "label",
        "unit",
        "what happened (uniform_price)",
        "vickrey",
        "difference",
        "verdict",
    ]
    assert list(table["label"]) == list(expected.comparison["label"])
    assert table["vickrey"].tolist() == pytest.approx(
        expected.comparison["counterfactual"], abs=1e-3
    )
    assert set(table["verdict"]) <= {"better", "worse", "same"}
    seats = frame(at, "mean GPUs: session")
    assert list(seats["team"]) == [s.team for s in played.seats]
    assert "mean GPUs: vickrey" in seats.columns


def test_choosing_another_rule_replays_the_session_under_it(played):
    at = debrief_page(played.workshop, played.host_token)
    at.selectbox(key="debrief_rule").set_value("max_min_fair").run()
    table = frame(at, "verdict")
    expected = build_debrief(Workshop(played.db), "max_min_fair").comparison
    assert "max_min_fair" in table.columns
    assert table["max_min_fair"].tolist() == pytest.approx(expected["counterfactual"], abs=1e-3)


def test_the_download_buttons_carry_the_csv_tables_and_the_html_page(played):
    at = debrief_page(played.workshop, played.host_token)
    d = at.session_state[debrief_view.CACHE_KEY][1]
    items = debrief_view.downloads(d)
    assert sorted(b.proto.label for b in at.get("download_button")) == sorted(
        i.label for i in items
    )
    by_name = {i.name: i for i in items}
    page = by_name["html"].data().decode("utf-8")
    assert page.startswith("<!DOCTYPE html>") and all(s.team in page for s in played.seats)
    teams = pd.read_csv(io.BytesIO(by_name["teams"].data()))
    assert list(teams["team"]) == list(d.teams["team"])
    for item in items:
        assert item.data(), item.name
        if item.mime == "text/csv":
            assert item.file_name.endswith(".csv")
            assert len(pd.read_csv(io.BytesIO(item.data())).columns) > 1


def test_before_any_round_the_page_says_there_is_nothing_yet(made):
    at = debrief_page(made.workshop, made.host_token)
    assert "no week has been played yet" in unescaped(at.info[0].value)
    assert not at.get("download_button")


def _rows(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT * FROM actions ORDER BY id").fetchall()


@pytest.mark.parametrize("who", ["seat", "forged", "none"])
def test_only_the_host_link_opens_the_debrief(played, who):
    before = _rows(played.db)
    token = {"seat": played.seats[0].token, "forged": "x" * 43, "none": ""}[who]
    at = debrief_page(played.workshop, token)
    assert len(at.error) == 1 and "does not open anything here" in at.error[0].value
    assert not at.tabs and not at.dataframe and not at.get("download_button")
    assert _rows(played.db) == before
