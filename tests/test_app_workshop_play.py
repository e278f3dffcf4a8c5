"""The Play page (AppTest on a real workshop database): a seat's own view, its bid form,
loans between two seats, and links that open nothing.
"""

from __future__ import annotations

import os

import pytest
from workshop_pages import PLAY, new_workshop, open_page, page_text, stored, unescaped

from ui.workshop_live import find_workshop
from workshop import Workshop
from workshop.live import version
from workshop.tokens import new_token


@pytest.fixture
def room(tmp_path, monkeypatch):
    created = new_workshop(tmp_path, monkeypatch, seats=3)
    ws = Workshop(created.db)
    ws.open_round(created.host_token)
    return created, ws


def _budget_text(ws: Workshop, token: str) -> str:
    return f"{ws.view(token).budget:,.0f}"


def test_the_play_page_shows_the_seats_team_and_not_other_teams_credits(room):
    created, ws = room
    mine, other = created.seats[0], created.seats[-1]
    assert _budget_text(ws, mine.token) != _budget_text(ws, other.token)
    app = open_page(PLAY, created.workshop, mine.token)
    assert app.subheader[0].value.startswith(mine.team)
    credits = {m.label: m.value for m in app.metric}["Credits"]
    assert credits == _budget_text(ws, mine.token)
    text = page_text(app)
    assert _budget_text(ws, other.token) not in text
    assert "Round 1 of 3" in text and "bidding is open" in text
    # the marginal value of each tranche is shown beside the form
    assert app.table[0].value["value"].iloc[0] == pytest.approx(
        round(ws.view(mine.token).values[0], 1)
    )


def test_a_bid_sent_through_the_form_is_stored(room):
    created, ws = room
    seat = created.seats[0]
    app = open_page(PLAY, created.workshop, seat.token)
    app.number_input(key="play_step1_units").set_value(2)
    app.number_input(key="play_step1_price").set_value(60.0)
    app.number_input(key="play_step2_units").set_value(1)
    app.number_input(key="play_step2_price").set_value(20.0)
    app.button(key="play_submit_bid").click().run()
    assert not app.exception
    bids = [a for a in ws.actions() if a.kind == "bid"]
    assert [(b.seat, b.payload["steps"]) for b in bids] == [(1, [[2, 60.0], [1, 20.0]])]
    assert any("Your bid is in" in s.value for s in app.success)


@pytest.mark.parametrize(
    ("steps", "field"),
    [
        ([(6, 10.0), (5, 5.0)], "tranches = 11 is not allowed"),
        ([(1, 5e8)], "bid total"),
        ([(0, 10.0)], "tranches: ask for at least 1 tranche"),
    ],
)
def test_a_bad_bid_names_the_field_and_stores_nothing(room, steps, field):
    created, _ = room
    app = open_page(PLAY, created.workshop, created.seats[0].token)
    before = stored(created.db)
    for n, (units, price) in enumerate(steps, start=1):
        app.number_input(key=f"play_step{n}_units").set_value(units)
        app.number_input(key=f"play_step{n}_price").set_value(price)
    app.button(key="play_submit_bid").click().run()
    assert not app.exception
    errors = [unescaped(e.value) for e in app.error]
    assert len(errors) == 1 and field in errors[0]
    assert stored(created.db) == before


@pytest.mark.parametrize("which", ["forged", "malformed", "host", "revoked", "unknown workshop"])
def test_a_link_that_opens_no_seat_is_refused_and_writes_nothing(room, which):
    created, ws = room
    workshop, token = created.workshop, new_token()
    if which == "malformed":
        token = "not-a-token"
    elif which == "host":
        token = created.host_token
    elif which == "revoked":
        token = created.seats[0].token
        ws.revoke(created.host_token, 1)
    elif which == "unknown workshop":
        workshop, token = "0123456789ab", created.seats[0].token
    before = stored(created.db)
    app = open_page(PLAY, workshop, token)
    assert len(app.error) == 1 and "does not open anything here" in app.error[0].value
    assert not app.metric and not app.subheader and not app.number_input
    assert all(s.team not in page_text(app) for s in created.seats)
    assert stored(created.db) == before


def test_an_accepted_loan_shows_on_both_seats(tmp_path, monkeypatch):
    created = new_workshop(tmp_path, monkeypatch, seats=2)
    ws = Workshop(created.db)
    ws.open_round(created.host_token)
    a, b = created.seats
    for seat in (a, b):  # both people bid: bidding closes and the loan window opens
        ws.submit_bid(seat.token, [(1, 1.0)])
    assert ws.status().phase == "negotiating"
    lender, borrower = (a, b) if ws.view(a.token).tranches >= 1 else (b, a)
    app_lender = open_page(PLAY, created.workshop, lender.token)
    app_lender.selectbox(key="play_offer_team").set_value(borrower.team)
    app_lender.radio(key="play_offer_direction").set_value("Lend tranches to them")
    app_lender.number_input(key="play_offer_units").set_value(1)
    app_lender.number_input(key="play_offer_price").set_value(12.0)
    app_lender.number_input(key="play_offer_weeks").set_value(2)
    app_lender.button(key="play_offer_send").click().run()
    assert not app_lender.error, app_lender.error
    offer = ws.view(borrower.token).offers_to_me[0]
    assert (offer.lender, offer.borrower, offer.units, offer.price) == (
        lender.team,
        borrower.team,
        1,
        12.0,
    )
    app_borrower = open_page(PLAY, created.workshop, borrower.token)
    app_borrower.button(key=f"play_accept_{offer.id}").click().run()
    assert not app_borrower.error, app_borrower.error
    app_lender.run()
    for app, words in ((app_borrower, "lends you 1 tranche"), (app_lender, "you lend")):
        deals = [s.value for s in app.success if s.value.startswith(f"Deal {offer.id}")]
        assert len(deals) == 1 and words in unescaped(deals[0])


def test_a_second_device_with_the_same_link_opens_the_same_seat(room):
    created, ws = room
    seat = created.seats[1]
    ws.submit_bid(seat.token, [(2, 30.0)])
    first = open_page(PLAY, created.workshop, seat.token)
    second = open_page(PLAY, created.workshop, seat.token)
    for app in (first, second):
        assert app.subheader[0].value.startswith(seat.team)
        assert any("Your bid is in: 2 at up to 30.0" in s.value for s in app.success)


def test_the_change_marker_moves_when_a_bid_arrives_and_only_then(room):
    created, ws = room
    quiet = version(ws)
    assert version(ws) == quiet
    ws.submit_bid(created.seats[0].token, [(1, 5.0)])
    assert version(ws) != quiet


def test_find_workshop_reads_only_databases_inside_the_folder(tmp_path, monkeypatch):
    outside = tmp_path / "outside"
    outside.mkdir()
    other = new_workshop(outside, monkeypatch)
    folder = tmp_path / "workshops"
    folder.mkdir()
    os.symlink(other.db, folder / "linked.db")
    monkeypatch.setenv("CRUNCH_WORKSHOPS_DIR", str(folder))
    assert find_workshop(other.workshop) is None
    assert find_workshop("../outside/room") is None
    inside = new_workshop(folder, monkeypatch)
    assert find_workshop(inside.workshop).id == inside.workshop


def test_crunch_app_hands_the_workshops_folder_to_the_app_absolute(tmp_path, monkeypatch):
    from crunch.cli import build_parser
    from ui.cli import workshops_env

    args = build_parser().parse_args(["app", "--workshops-dir", "rooms"])
    monkeypatch.chdir(tmp_path)
    assert workshops_env(args.workshops_dir) == {"CRUNCH_WORKSHOPS_DIR": str(tmp_path / "rooms")}
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="--workshops-dir 'file': not a folder"):
        workshops_env("file")


def test_find_workshop_finds_a_second_workshop_added_to_a_known_file(tmp_path, monkeypatch):
    first = new_workshop(tmp_path, monkeypatch)
    assert find_workshop(first.workshop).id == first.workshop
    from workshop import create_workshop

    second = create_workshop(first.db, "classroom", seats=2, rounds=2)
    assert find_workshop(second.workshop).id == second.workshop


def test_a_page_counts_as_drawn_only_with_the_marker_it_was_drawn_with(room):
    created, ws = room
    app = open_page(PLAY, created.workshop, created.seats[0].token)
    drawn = app.session_state["_workshop_drawn_play"]
    assert drawn == version(ws)  # drawn to the end: the next poll reruns only on a change
    ws.submit_bid(created.seats[1].token, [(1, 5.0)])
    assert app.session_state["_workshop_drawn_play"] != version(ws)  # so a poll would rerun
    app.run()
    assert app.session_state["_workshop_drawn_play"] == version(ws)
