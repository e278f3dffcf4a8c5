"""The Host page through AppTest: create a workshop, read its status, run it, refuse links.

Every test uses a real workshop database in its own workshops folder (``tmp_path``); what
the page did is checked in that database.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from app_helpers import open_app
from streamlit.testing.v1 import AppTest

from ui.host_create import base_url
from ui.workshop_live import WORKSHOPS_ENV
from workshop import AccessError, Workshop, create_workshop

HOST = "ui/pages/host.py"


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    """The app's workshops folder for this test."""
    monkeypatch.setenv(WORKSHOPS_ENV, str(tmp_path))
    return tmp_path


@pytest.fixture
def made(folder):
    """A 4-seat, 3-round classroom workshop in the folder."""
    return create_workshop(folder / "ws.db", "classroom", seats=4, rounds=3, seed=5)


def host_page(workshop: str = "", token: str = "") -> AppTest:
    """The Host page opened with ``?w=workshop&t=token`` (bare when both are empty)."""
    at = open_app()
    if workshop or token:
        at.query_params.update(w=workshop, t=token)
    at.switch_page(HOST).run()
    assert not at.exception
    return at


def button(at: AppTest, label: str):
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r} among {[b.label for b in at.button]}"
    return found[0]


def unescaped(text: str) -> str:
    """Markdown text as the browser shows it (escapes and word joiners removed)."""
    return text.replace("\\", "").replace("\u2060", "")


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += (
        [e.value for e in at.success] + [e.value for e in at.error] + [e.value for e in at.info]
    )
    return unescaped("\n".join(parts))


def said(at: AppTest) -> str:
    """What the last control said (its success line)."""
    assert len(at.success) == 1, [e.value for e in at.error]
    return unescaped(at.success[0].value)


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table of a workshop database (to compare before and after)."""
    with sqlite3.connect(db) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {n: conn.execute(f"SELECT * FROM {n}").fetchall() for n in names}


def action_kinds(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [r[0] for r in conn.execute("SELECT kind FROM actions ORDER BY id")]


# ---------------------------------------------------------------- creating


def test_the_form_creates_a_workshop_with_the_chosen_settings_and_opens_its_console(folder):
    at = host_page()
    at.selectbox(key="ws_new_scenario").set_value("classroom")
    at.number_input(key="ws_new_seats").set_value(5)
    at.number_input(key="ws_new_rounds").set_value(4)
    at.number_input(key="ws_new_seed").set_value(17)
    at.number_input(key="ws_new_bidding_seconds").set_value(90)
    at.text_input(key="ws_new_base_url").set_value("http://10.1.2.3:8501")
    button(at, "Create the workshop").click().run()
    assert not at.exception

    dbs = list(folder.glob("*.db"))
    assert len(dbs) == 1
    ws = Workshop(dbs[0])
    assert (len(ws.seat_teams), ws.rounds, ws.seed, ws.bidding_seconds) == (5, 4, 17, 90.0)
    # The address became the host link, so the console is open (and a bookmark returns).
    assert at.query_params["w"] == ws.id and ws.is_host(at.query_params["t"])
    assert at.title[0].value == "Host: classroom"
    assert "created" in said(at)
    # The join sheet: one card per seat, each link pointing at the address given and
    # opening its own seat.
    links = [c.value for c in at.code if "/play?" in c.value]
    assert len(links) == 5
    for n, url in enumerate(links, start=1):
        assert url.startswith(f"http://10.1.2.3:8501/play?w={ws.id}&t=")
        assert ws.seat(url.rsplit("t=", 1)[1]).seat == n
    assert [b.label for b in at.get("download_button")] == [
        "Download the printable join sheet (HTML)"
    ]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("ws_new_seats", 9, "seats = 9 is not allowed; use a whole number 1-8"),
        ("ws_new_base_url", "ftp://room", "base_url = 'ftp://room' is not allowed"),
    ],
)
def test_bad_form_values_are_refused_in_one_line_and_nothing_is_created(
    folder, field, value, message
):
    at = host_page()
    widget = at.text_input(key=field) if isinstance(value, str) else at.number_input(key=field)
    widget.set_value(value)
    button(at, "Create the workshop").click().run()
    assert not at.exception
    assert len(at.error) == 1
    shown = unescaped(at.error[0].value)
    assert message in shown and "\n" not in shown
    assert list(folder.glob("*.db")) == []
    assert "w" not in at.query_params


def test_links_point_at_the_app_root_and_at_this_machine_when_serving_a_room():
    assert base_url("http://localhost:8501/host", room=False) == "http://localhost:8501"
    assert base_url("https://lab.example/crunch/host", room=False) == "https://lab.example/crunch"
    assert base_url("http://localhost:8501/host", True, "10.0.0.7") == "http://10.0.0.7:8501"
    assert base_url("http://10.0.0.5:8600/host", True, "10.0.0.7") == "http://10.0.0.5:8600"
    assert base_url("", room=False) == "http://localhost:8501"


# ---------------------------------------------------------------- status


def test_the_host_link_shows_the_clock_seats_and_who_bid(made):
    w = Workshop(made.db)
    w.open_round(made.host_token)
    w.submit_bid(made.seats[1].token, [[2, 40.0]])
    at = host_page(made.workshop, made.host_token)
    assert "Round 1 of 3" in texts(at) and "bidding" in texts(at)
    table = at.dataframe[0].value
    assert list(table["team"]) == [s.team for s in made.seats]
    assert list(table["bid this round"]) == [False, True, False, False]
    assert list(table["joined"]) == [False, True, False, False]
    assert "1 of 4 player seats have bid this round" in texts(at)


def test_a_console_without_links_reissues_them_all_for_the_sheet(made):
    at = host_page(made.workshop, made.host_token)
    assert not [c for c in at.code if "/play?" in c.value]
    button(at, "Issue new links for every seat").click().run()
    links = [c.value for c in at.code if "/play?" in c.value]
    assert len(links) == 4
    w = Workshop(made.db)
    with pytest.raises(AccessError):
        w.seat(made.seats[0].token)  # the old link no longer opens the seat
    assert w.seat(links[0].rsplit("t=", 1)[1]).seat == 1


# ---------------------------------------------------------------- controls


def test_opening_and_closing_a_round_advances_it_exactly_once(made):
    first = host_page(made.workshop, made.host_token)
    button(first, "Open round 1").click().run()
    assert "Round 1 opened" in said(first)
    assert Workshop(made.db).status().phase == "bidding"
    second = host_page(made.workshop, made.host_token)  # another tab on the same console
    button(first, "Close the round now").click().run()
    assert "Round 1 closed" in said(first)
    assert Workshop(made.db).status().phase == "closed"
    before = action_kinds(made.db)
    button(second, "Close the round now").click().run()  # a stale click
    assert "nothing changed" in said(second)
    assert action_kinds(made.db) == before
    assert before.count("negotiation_closed") == 1 and before.count("bidding_closed") == 1
    assert "Open round 2" in [b.label for b in second.button]


def test_close_bidding_opens_negotiation_and_the_timer_pauses_extends_and_resumes(made):
    at = host_page(made.workshop, made.host_token)
    button(at, "Open round 1").click().run()
    button(at, "Pause timer").click().run()
    assert Workshop(made.db).status().paused
    assert "timer paused" in texts(at)
    at.selectbox(key="host_extend_by").set_value(60)
    button(at, "Extend").click().run()
    assert "extended by 60 s" in said(at)
    button(at, "Resume timer").click().run()
    status = Workshop(made.db).status()
    assert not status.paused and status.seconds_left > 180 + 60 - 30
    button(at, "Close bidding now").click().run()
    assert Workshop(made.db).status().phase == "negotiating"
    assert action_kinds(made.db)[-5:] == [
        "round_open",
        "pause",
        "extend",
        "resume",
        "bidding_closed",
    ]


def test_a_rule_change_is_stored_and_shown_for_the_next_round(made):
    at = host_page(made.workshop, made.host_token)
    assert "Allocation rule now:** Uniform price" in texts(at)
    at.selectbox(key="host_rule").set_value("vickrey").run()
    button(at, "Change the rule").click().run()
    assert "Vickrey (VCG)" in said(at)
    assert "From round 1:** Vickrey (VCG)" in texts(at)
    with sqlite3.connect(made.db) as conn:
        rows = conn.execute("SELECT payload FROM actions WHERE kind = 'rules'").fetchall()
    assert [json.loads(r[0]) for r in rows] == [
        {"overrides": {"market.mechanism": "vickrey", "governance.mode": "single_market"}}
    ]
    w = Workshop(made.db)
    w.advance(made.host_token)
    with w.session() as s:
        assert s.model.scenario.clearing_rule == "vickrey"


def test_a_seat_goes_to_its_bot_and_back_and_a_message_reaches_every_seat(made):
    at = host_page(made.workshop, made.host_token)
    at.selectbox(key="host_seat").set_value(2)
    button(at, "Hand to its bot").click().run()
    assert "is played by its bot" in said(at)
    w = Workshop(made.db)
    assert [s.mode for s in w.status().seats] == ["human", "bot", "human", "human"]
    assert at.dataframe[0].value["played by"][1] == "bot (handed over)"
    button(at, "Give back to its player").click().run()
    assert [s.mode for s in w.status().seats] == ["human"] * 4
    at.text_area(key="host_message").set_value("Two minutes left")
    button(at, "Send to everyone").click().run()
    assert "Message sent" in said(at)
    assert at.text_area(key="host_message").value == ""
    assert w.view(made.seats[3].token).messages == ("Two minutes left",)


def test_a_withdrawn_link_stops_working_until_a_new_one_is_issued(made):
    at = host_page(made.workshop, made.host_token)
    at.selectbox(key="host_seat").set_value(3)
    button(at, "Withdraw its link").click().run()
    w = Workshop(made.db)
    with pytest.raises(AccessError, match="withdrawn"):
        w.seat(made.seats[2].token)
    assert at.dataframe[0].value["link"][2] == "withdrawn"
    button(at, "Issue a new link").click().run()
    links = [c.value for c in at.code if "/play?" in c.value]
    assert len(links) == 1
    assert w.seat(links[0].rsplit("t=", 1)[1]).seat == 3


# ---------------------------------------------------------------- refusals


def _expired_window(made) -> None:
    """Open round 1 and let its timer run out (nothing has closed it yet)."""
    Workshop(made.db).open_round(made.host_token)
    with sqlite3.connect(made.db) as conn:
        conn.execute("UPDATE rounds SET deadline = 0")


@pytest.mark.parametrize("who", ["forged", "seat", "unknown workshop", "no token"])
def test_links_that_are_not_the_host_link_are_refused_and_nothing_is_written(made, who):
    _expired_window(made)  # any read through the engine would close it: a write
    before = snapshot(made.db)
    workshop, token = {
        "forged": (made.workshop, "A" * 43),
        "seat": (made.workshop, made.seats[0].token),
        "unknown workshop": ("0123456789ab", made.host_token),
        "no token": (made.workshop, ""),
    }[who]
    at = host_page(workshop, token)
    assert len(at.error) == 1 and "does not open anything here" in at.error[0].value
    assert not at.button and not at.dataframe and not at.title
    assert made.workshop not in texts(at)
    assert snapshot(made.db) == before


# ---------------------------------------------------------------- the Learn page's plan


def test_the_learn_page_plans_a_90_minute_workshop_with_these_pages(folder):
    at = open_app("ui/pages/learn.py")
    at.session_state["learn_tab"] = "Workshop (90 min)"
    at.run()
    assert not at.exception
    steps = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert steps[0] == "#### before · Set up" and steps[-1] == "#### 75–90 min · Debrief"
    plan = texts(at)
    assert "crunch app --serve-room --workshops-dir workshops/" in plan
    for page in ("Host", "Projector", "Debrief"):
        assert f"Page: {page}" in plan
    # The plan names the controls as the console labels them.
    at_host = host_page()
    button(at_host, "Create the workshop").click().run()
    labels = {b.label for b in at_host.button}
    for control in ("Open round 1", "Change the rule", "Send to everyone", "Hand to its bot"):
        assert control in labels and control in plan
    assert "Close the round now" in plan
