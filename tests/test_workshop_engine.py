"""The workshop engine through its API: seats, rounds, bids, loans, rules, timers, replay.

Every test uses a real SQLite file (tmp_path) and the real game; nothing is mocked.
"""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pytest

from game import ComputeGame, load_scenario
from workshop import LOCAL_HOST, AccessError, Workshop, WorkshopError, create_workshop
from workshop.engine import CACHE


@pytest.fixture
def made(tmp_path):
    created = create_workshop(tmp_path / "ws.db", "classroom", seats=4, rounds=4, seed=11)
    return created, Workshop(created.db)


def tokens(created) -> list[str]:
    return [s.token for s in created.seats]


def frames(session) -> tuple[pd.DataFrame, pd.DataFrame]:
    return session.model.weeks_frame(), session.model.teams_frame()


# ---------------------------------------------------------------- creating


def test_seats_are_spread_over_both_divisions_and_links_carry_tokens(made):
    created, w = made
    kinds = {w.view(s.token).kind for s in created.seats}
    assert kinds == {"research", "product"}
    assert len({s.token for s in created.seats} | {created.host_token}) == 5
    for s in created.seats:
        assert s.url.endswith(f"/play?w={created.workshop}&t={s.token}")
    assert created.host_url.endswith(f"/host?w={created.workshop}&t={created.host_token}")
    body = created.as_json()
    assert body["host"] == created.host_url and len(body["seats"]) == 4


def test_only_token_hashes_are_stored(made):
    created, _ = made
    files = [created.db, created.db.with_name("ws.db-wal")]
    raw = b"".join(f.read_bytes() for f in files if f.exists())
    for token in [created.host_token, *tokens(created)]:
        assert token.encode() not in raw


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seats": 9}, "seats = 9 is not allowed; use a whole number 1-8"),
        ({"seats": 0}, "seats = 0 is not allowed"),
        ({"rounds": 0}, "rounds = 0 is not allowed"),
        ({"weeks_per_round": 2.5}, "weeks_per_round = 2.5 is not allowed"),
        ({"base_url": "ftp://x"}, "base_url = 'ftp://x' is not allowed"),
    ],
)
def test_bad_workshop_settings_are_refused_naming_the_field(tmp_path, kwargs, message):
    args = {"seats": 2, "rounds": 2} | kwargs
    with pytest.raises(WorkshopError, match=message.replace("(", r"\(")):
        create_workshop(tmp_path / "ws.db", "classroom", **args)
    assert not (tmp_path / "ws.db").exists()


def test_a_file_that_is_not_a_workshop_database_is_refused_and_left_alone(tmp_path):
    other = tmp_path / "notes.db"
    other.write_text("hello")
    with pytest.raises(WorkshopError, match="is not a workshop database"):
        Workshop(other)
    with pytest.raises(WorkshopError, match="is not a workshop database"):
        create_workshop(other, "classroom", seats=2, rounds=2)
    assert other.read_text() == "hello"
    with pytest.raises(WorkshopError, match="no such workshop database"):
        Workshop(tmp_path / "missing.db")


# ---------------------------------------------------------------- rounds


def test_a_round_goes_bidding_negotiating_closed_and_the_last_one_finishes(made):
    created, w = made
    host = created.host_token
    assert w.status().phase == "waiting"
    for number in range(4):
        assert w.open_round(host) == number
        assert w.status().phase == "bidding"
        assert w.close_bidding(host) is True
        assert w.close_bidding(host) is False  # a second click changes nothing
        assert w.status().phase == "negotiating"
        assert w.close_negotiation(host) is True
        assert w.close_negotiation(host) is False
    assert w.status().phase == "finished" and w.status().week == 4
    with pytest.raises(WorkshopError, match="finished: all 4 rounds played"):
        w.open_round(host)
    kinds = [a.kind for a in w.actions()]
    assert kinds.count("bidding_closed") == 4 and kinds.count("negotiation_closed") == 4


def test_a_round_cannot_open_while_another_is_open(made):
    created, w = made
    w.open_round(created.host_token)
    with pytest.raises(WorkshopError, match="round 1 is still bidding; close it first"):
        w.open_round(created.host_token)


def test_only_the_host_runs_rounds(made):
    created, w = made
    for token in (tokens(created)[0], "x" * 43, None):
        with pytest.raises(AccessError, match="only the host"):
            w.open_round(token)
    assert [a.kind for a in w.actions()] == ["created"]


def test_a_workshop_nobody_plays_is_the_plain_game(made):
    _, w = made
    w.advance(LOCAL_HOST, 4)
    plain = ComputeGame(load_scenario("classroom"), rng=11).run(4)
    with w.session() as s:
        pd.testing.assert_frame_equal(s.model.weeks_frame(), plain.weeks_frame())
        played = s.model.teams_frame().drop(columns="strategy")
        pd.testing.assert_frame_equal(played, plain.teams_frame().drop(columns="strategy"))


# ---------------------------------------------------------------- bids


def test_a_players_order_is_what_its_team_bids_and_the_last_submission_counts(made):
    created, w = made
    w.open_round(created.host_token)
    seat = created.seats[0]
    view = w.view(seat.token)
    assert view.status.phase == "bidding" and len(view.values) == view.max_units
    w.submit_bid(seat.token, [(3, 1.0)])
    w.submit_bid(seat.token, [(1, 70.0), (2, 40.0)], requested=5)
    assert w.view(seat.token).my_bid == ((1, 70.0), (2, 40.0))
    w.close_bidding(created.host_token)
    with w.session() as s:
        book = s.model.books[-1]
        index = list(s.model.teams.names).index(seat.team)
        np.testing.assert_allclose(book.bids[index][:4], [70.0, 40.0, 40.0, 0.0])
        assert book.requested[index] == 5
    assert w.status().silent == (2, 3, 4)


def test_bidding_closes_itself_when_every_player_has_bid(made):
    created, w = made
    w.open_round(created.host_token)
    for t in tokens(created):
        w.submit_bid(t, [(1, 5.0)])
    status = w.status()
    assert status.phase == "negotiating" and status.silent == ()
    closed = [a for a in w.actions() if a.kind == "bidding_closed"]
    assert closed[0].payload["reason"] == "all submitted"


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([(9, 1.0)], "tranches = 9 is not allowed"),
        ([(5, 1.0), (4, 1.0)], "tranches = 9 is not allowed; at most 8 a week"),
        ([(1, -1.0)], "price = -1.0 is not allowed"),
        ([(1, float("nan"))], "price = nan is not allowed"),
        ([(True, 1.0)], "tranches = True is not allowed"),
        ("lots", "steps = 'lots' is not allowed"),
        ([(8, 1e6)], "over your budget"),
    ],
)
def test_bad_bids_are_refused_naming_the_field_and_write_nothing(made, steps, message):
    created, w = made
    w.open_round(created.host_token)
    before = len(w.actions())
    with pytest.raises(WorkshopError, match=message):
        w.submit_bid(tokens(created)[0], steps)
    assert len(w.actions()) == before


def test_no_bid_outside_a_bidding_window(made):
    created, w = made
    with pytest.raises(WorkshopError, match="no bidding window is open"):
        w.submit_bid(tokens(created)[0], [(1, 1.0)])


# ---------------------------------------------------------------- loans


def _negotiating(created, w, bid_seats=(0, 1)):
    w.open_round(created.host_token)
    for j in bid_seats:
        w.submit_bid(created.seats[j].token, [(1, 1.0)])
    w.close_bidding(created.host_token)


def test_bots_answer_loan_offers_at_once_from_their_production(made):
    created, w = made
    _negotiating(created, w)
    me = created.seats[0]
    with w.session() as s:
        names = list(s.model.teams.names)
    seated = {x.team for x in created.seats}
    bot = next(n for n in names if n not in seated)
    cheap = w.offer_loan(me.token, bot, 1, 0.0, 2, lend=False)  # borrow for free: refused
    generous = w.offer_loan(me.token, bot, 1, 1e5 / 8, 2, lend=True)  # lend: too dear
    mine = {o.id: o for o in w.view(me.token).my_offers}
    assert mine[cheap].status in ("countered", "rejected")
    assert mine[generous].status in ("countered", "rejected")
    counters = [o for o in w.view(me.token).offers_to_me if o.reply_to in (cheap, generous)]
    for counter in counters:
        assert counter.status == "open" and counter.from_team == bot


def test_an_accepted_loan_moves_tranches_when_the_window_closes_and_comes_back(made):
    created, w = made
    _negotiating(created, w)
    lender, borrower = created.seats[0], created.seats[1]
    with w.session() as s:
        names = list(s.model.teams.names)
        li, bi = names.index(lender.team), names.index(borrower.team)
        held_l, held_b = s.model.teams.gpus[li], s.model.teams.gpus[bi]
    offer = w.offer_loan(lender.token, borrower.team, 1, 3.0, 1, lend=True)
    assert w.view(borrower.token).offers_to_me[0].id == offer
    w.answer_offer(borrower.token, offer, "accept")
    with pytest.raises(WorkshopError, match="already answered"):
        w.answer_offer(borrower.token, offer, "accept")
    w.close_negotiation(created.host_token)
    with w.session() as s:
        assert s.model.teams.gpus[bi] == pytest.approx(held_b + 1)
        assert s.model.teams.gpus[li] == pytest.approx(held_l - 1)
        assert s.model.weeks_frame()["deals"].iloc[-1] >= 1
    w.advance(LOCAL_HOST, 1)
    events = w.replayed().model.events_frame()
    assert (events["kind"] == "loan_return").any()


def test_a_counter_offer_goes_back_and_can_be_accepted(made):
    created, w = made
    _negotiating(created, w)
    a, b = created.seats[0], created.seats[1]
    first = w.offer_loan(a.token, b.team, 1, 9.0, 2, lend=True)
    counter = w.answer_offer(b.token, first, "counter", price=4.0)
    offers = {o.id: o for o in w.view(a.token).offers_to_me}
    assert offers[counter].price == 4.0 and offers[counter].reply_to == first
    w.answer_offer(a.token, counter, "accept")
    assert {o.id: o.status for o in w.view(b.token).my_offers}[counter] == "accepted"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("self", 1, 1.0, 1), "cannot lend to or borrow from yourself"),
        (("Nobody", 1, 1.0, 1), "team = 'Nobody': no such team"),
        (("other", 0, 1.0, 1), "tranches = 0 is not allowed"),
        (("other", 1, 1.0, 0), "weeks = 0 is not allowed"),
        (("other", 500, 1.0, 1), "more than you can lend"),
    ],
)
def test_bad_loan_offers_are_refused(made, args, message):
    created, w = made
    _negotiating(created, w)
    me, other = created.seats[0], created.seats[1]
    team = {"self": me.team, "other": other.team}.get(args[0], args[0])
    before = len(w.actions())
    with pytest.raises(WorkshopError, match=message):
        w.offer_loan(me.token, team, *args[1:])
    assert len(w.actions()) == before


def test_a_silent_seat_cannot_negotiate_its_bot_does(made):
    created, w = made
    _negotiating(created, w, bid_seats=(0,))
    with pytest.raises(WorkshopError, match="your bot plays this round"):
        w.offer_loan(created.seats[1].token, created.seats[0].team, 1, 1.0, 1)


# ---------------------------------------------------------------- rules, seats, timers


def test_a_rule_change_applies_from_the_next_round(made):
    created, w = made
    host = created.host_token
    w.open_round(host)
    w.change_rules(host, {"market.mechanism": "vickrey"})
    assert w.view(created.seats[0].token).pending_rules == {"market.mechanism": "vickrey"}
    w.advance(host, 2)
    with w.session() as s:
        assert s.model.weeks_frame()["rule"].tolist() == ["uniform_price", "vickrey"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"lab.research_teams": 3}, "lab.research_teams cannot change during a game"),
        ({"market.mechanism": "dutch"}, "dutch"),
        ({"market.reserve": -5}, "market.reserve"),
    ],
)
def test_bad_rule_changes_are_refused(made, overrides, message):
    created, w = made
    with pytest.raises(WorkshopError, match=message):
        w.change_rules(created.host_token, overrides)
    assert [a.kind for a in w.actions()] == ["created"]


def test_a_seat_handed_to_its_bot_cannot_act_until_handed_back(made):
    created, w = made
    host, seat = created.host_token, created.seats[2]
    w.set_seat_mode(host, 3, "bot")
    w.open_round(host)
    with pytest.raises(AccessError, match="handed this seat to its bot"):
        w.submit_bid(seat.token, [(1, 1.0)])
    for t in tokens(created)[:2] + tokens(created)[3:]:
        w.submit_bid(t, [(1, 1.0)])
    assert w.status().phase == "negotiating" and w.status().silent == (3,)
    w.close_negotiation(host)
    w.set_seat_mode(host, 3, "human")
    w.open_round(host)
    w.submit_bid(seat.token, [(1, 1.0)])


def _expire(db, workshop):
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(
            "UPDATE rounds SET deadline = 0 WHERE workshop = ? AND deadline IS NOT NULL",
            (workshop,),
        )
    conn.close()


def test_a_window_closes_when_its_timer_runs_out(made):
    created, w = made
    w.open_round(created.host_token)
    assert 0 < w.status().seconds_left <= 180
    _expire(created.db, created.workshop)
    assert w.status().phase == "negotiating"
    _expire(created.db, created.workshop)
    assert w.status().phase == "closed"
    reasons = [a.payload["reason"] for a in w.actions() if a.kind.endswith("_closed")]
    assert reasons == ["timer", "timer"]


def test_pause_stops_the_timer_and_resume_restarts_it_with_the_time_left(made):
    created, w = made
    host = created.host_token
    w.open_round(host)
    w.pause(host)
    paused = w.status()
    assert paused.paused and paused.seconds_left is None
    _expire(created.db, created.workshop)  # no deadline while paused: nothing to expire
    assert w.status().phase == "bidding"
    w.extend(host, 60)
    w.resume(host)
    assert 180 < w.status().seconds_left <= 240
    with pytest.raises(WorkshopError, match="seconds = 0 is not allowed"):
        w.extend(host, 0)


def test_revoked_links_stop_and_reissued_ones_work(made):
    created, w = made
    host, seat = created.host_token, created.seats[0]
    w.revoke(host, 1)
    with pytest.raises(AccessError, match="withdrawn"):
        w.view(seat.token)
    link = w.reissue(host, 1)
    assert w.view(link.token).team == seat.team
    with pytest.raises(AccessError, match="opens no seat"):
        w.view(seat.token)


def test_messages_reach_every_seat(made):
    created, w = made
    w.broadcast(created.host_token, "  Round two is the last one!  ")
    assert w.view(tokens(created)[3]).messages == ("Round two is the last one!",)
    with pytest.raises(WorkshopError, match="text: use 1-500 characters"):
        w.broadcast(created.host_token, "   ")


# ---------------------------------------------------------------- replay


def _played(created, w):
    host = created.host_token
    w.open_round(host)
    w.submit_bid(created.seats[0].token, [(2, 60.0)])
    w.submit_bid(created.seats[1].token, [(1, 80.0), (1, 20.0)])
    w.close_bidding(host)
    offer = w.offer_loan(created.seats[0].token, created.seats[1].team, 1, 2.0, 2)
    w.answer_offer(created.seats[1].token, offer, "accept")
    w.close_negotiation(host)
    w.change_rules(host, {"market.mechanism": "pay_as_bid"})
    w.advance(host, 2)


def test_the_game_rebuilt_from_the_log_equals_the_live_one(made):
    created, w = made
    _played(created, w)
    with w.session() as s:
        live = frames(s)
    CACHE.clear()
    fresh = frames(Workshop(created.db).replayed())
    for a, b in zip(live, fresh, strict=True):
        pd.testing.assert_frame_equal(a, b)


def test_the_counterfactual_under_the_sessions_own_rule_is_the_session(made):
    created, w = made
    _played(created, w)
    session = frames(w.replayed())
    # Rules changed during the session are replaced by the counterfactual rule; here the
    # session changed to pay-as-bid, so compare under uniform price with no change.
    other = w.counterfactual("vickrey")
    assert set(other.model.weeks_frame()["rule"]) == {"vickrey"}
    assert session[0]["rule"].tolist() == ["uniform_price", "pay_as_bid", "pay_as_bid"]


def test_the_counterfactual_reproduces_a_session_that_kept_its_rule(made):
    created, w = made
    host = created.host_token
    w.open_round(host)
    w.submit_bid(created.seats[0].token, [(2, 60.0)])
    w.close_bidding(host)
    w.close_negotiation(host)
    w.advance(host, 2)
    live = frames(w.replayed())
    same = frames(w.counterfactual("uniform_price"))
    for a, b in zip(live, same, strict=True):
        pd.testing.assert_frame_equal(a, b)
    with pytest.raises(WorkshopError, match="dutch"):
        w.counterfactual("dutch")
