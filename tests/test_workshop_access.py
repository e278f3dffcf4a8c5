"""Who may do what: every refusal is one line naming the field, and changes nothing.

Tokens that open nothing here (forged, truncated, empty, not a string, another
workshop's, withdrawn, the host's used as a seat's, a seat's used as the host's) are
refused with :class:`~workshop.AccessError`; a seat acts only as itself; bad bids, loans
and answers are refused with a :class:`~workshop.WorkshopError` naming the field. After
each refusal the database is byte-for-byte the same in every table that matters
(actions, rounds, seats, offers).
"""

from __future__ import annotations

import inspect
import re
import secrets
import sqlite3

import pytest

from workshop import LOCAL_HOST, AccessError, Workshop, WorkshopError, create_workshop


@pytest.fixture
def room(tmp_path):
    """This workshop, another in the same database and a third in another database."""
    db = tmp_path / "ws.db"
    here = create_workshop(db, "classroom", seats=4, rounds=4, seed=3)
    same_db = create_workshop(db, "classroom", seats=4, rounds=4, seed=4)
    other_db = create_workshop(tmp_path / "other.db", "classroom", seats=4, rounds=4, seed=3)
    return here, Workshop(db, here.workshop), same_db, other_db


def snapshot(w: Workshop) -> tuple:
    """Everything a refusal must leave alone."""
    with sqlite3.connect(w.db) as conn:
        return tuple(
            tuple(conn.execute(f"SELECT * FROM {table} ORDER BY rowid"))
            for table in ("actions", "rounds", "seats", "offers", "workshops")
        )


def refused(w: Workshop, error: type[Exception], match: str, call) -> str:
    """``call`` raises ``error`` matching ``match``, one line, and writes nothing."""
    before = snapshot(w)
    with pytest.raises(error, match=match) as info:
        call()
    message = str(info.value)
    assert message and "\n" not in message
    assert snapshot(w) == before
    return message


def bidding(room):
    here, w, *_ = room
    w.open_round(here.host_token)
    return here, w


def negotiating(room, bidders=(0, 1, 2)):
    here, w = bidding(room)
    for i in bidders:
        w.submit_bid(here.seats[i].token, [(1, 1.0)])
    w.close_bidding(here.host_token)
    return here, w


def team_index(w: Workshop, seat: int) -> int:
    return w.seat_teams[seat]


# ---------------------------------------------------------------- tokens

BAD_TOKENS = [
    "forged",
    "truncated",
    "one character changed",
    "padded",
    "the whole link",
    "empty",
    "None",
    "int",
    "bytes",
    "list",
    "LOCAL_HOST",
    "same db, other workshop",
    "other db",
    "revoked",
    "host token",
]


def bad_token(kind: str, room) -> object:
    here, w, same_db, other_db = room
    token = here.seats[0].token
    if kind == "revoked":
        w.revoke(here.host_token, 1)
    return {
        "forged": secrets.token_urlsafe(32),
        "truncated": token[:-1],
        "one character changed": token[:-1] + ("A" if token[-1] != "A" else "B"),
        "padded": f" {token}",
        "the whole link": here.seats[0].url,
        "empty": "",
        "None": None,
        "int": 12345,
        "bytes": token.encode(),
        "list": [token],
        "LOCAL_HOST": LOCAL_HOST,
        "same db, other workshop": same_db.seats[0].token,
        "other db": other_db.seats[0].token,
        "revoked": token,
        "host token": here.host_token,
    }[kind]


@pytest.mark.parametrize("kind", BAD_TOKENS)
def test_tokens_that_open_no_seat_here_are_refused_and_change_nothing(room, kind):
    here, w = bidding(room)
    token = bad_token(kind, room)
    refused(w, AccessError, "^token: ", lambda: w.submit_bid(token, [(1, 5.0)]))
    refused(w, AccessError, "^token: ", lambda: w.view(token))
    for seat in here.seats[1:4]:
        w.submit_bid(seat.token, [(1, 1.0)])
    w.close_bidding(here.host_token)
    offer = w.offer_loan(here.seats[1].token, here.seats[0].team, 1, 1.0, 1, lend=True)
    refused(w, AccessError, "^token: ", lambda: w.offer_loan(token, here.seats[2].team, 1, 1, 1))
    refused(w, AccessError, "^token: ", lambda: w.answer_offer(token, offer, "accept"))


HOST_CONTROLS = {
    "open_round": lambda w, t: w.open_round(t),
    "close_bidding": lambda w, t: w.close_bidding(t),
    "close_negotiation": lambda w, t: w.close_negotiation(t),
    "advance": lambda w, t: w.advance(t, 1),
    "extend": lambda w, t: w.extend(t, 30),
    "pause": lambda w, t: w.pause(t),
    "resume": lambda w, t: w.resume(t),
    "change_rules": lambda w, t: w.change_rules(t, {"market.mechanism": "vickrey"}),
    "broadcast": lambda w, t: w.broadcast(t, "hello"),
    "set_seat_mode": lambda w, t: w.set_seat_mode(t, 2, "bot"),
    "revoke": lambda w, t: w.revoke(t, 2),
    "reissue": lambda w, t: w.reissue(t, 2),
}


@pytest.mark.parametrize("control", sorted(HOST_CONTROLS))
@pytest.mark.parametrize(
    "who", ["seat token", "other workshop's host", "other db's host", "forged", "None", "empty"]
)
def test_only_the_host_token_runs_the_workshop(room, control, who):
    here, w, same_db, other_db = room
    w.open_round(here.host_token)
    token = {
        "seat token": here.seats[0].token,
        "other workshop's host": same_db.host_token,
        "other db's host": other_db.host_token,
        "forged": secrets.token_urlsafe(32),
        "None": None,
        "empty": "",
    }[who]
    refused(w, AccessError, "^token: only the host", lambda: HOST_CONTROLS[control](w, token))


def test_a_seat_acts_only_as_itself(room):
    here, w = bidding(room)
    for name in ("submit_bid", "offer_loan", "answer_offer"):
        params = inspect.signature(getattr(Workshop, name)).parameters
        assert not {"seat", "from_team", "team_index"} & set(params), name
    with pytest.raises(TypeError):
        w.submit_bid(here.seats[0].token, [(1, 2.0)], seat=2)
    first = w.submit_bid(here.seats[0].token, [(2, 3.0)])
    assert [a.seat for a in w.actions() if a.id == first] == [1]
    assert w.status().submitted == (1,)
    assert w.view(here.seats[0].token).my_bid == ((2, 3.0),)
    assert w.view(here.seats[1].token).my_bid is None

    for seat in here.seats[1:3]:
        w.submit_bid(seat.token, [(1, 1.0)])
    w.close_bidding(here.host_token)
    a, b, c = here.seats[:3]
    offer = w.offer_loan(a.token, b.team, 1, 2.0, 1, lend=True)
    logged = next(x for x in w.actions() if x.kind == "offer")
    assert (logged.seat, logged.payload["from_team"]) == (1, team_index(w, 1))
    refused(
        w,
        WorkshopError,
        f"^offer = {offer}: no open offer to your team",
        lambda: w.answer_offer(c.token, offer, "accept"),
    )
    refused(
        w,
        WorkshopError,
        f"^offer = {offer}: no open offer to your team",
        lambda: w.answer_offer(a.token, offer, "accept"),  # one's own offer
    )


# ---------------------------------------------------------------- bids


@pytest.mark.parametrize(
    ("steps", "requested", "match"),
    [
        ([(1, 1e8)], None, "^bid total = 100,000,000 credits is over your budget"),
        ([(8, 1e7)], None, "^bid total = .* is over your budget"),
        ([(9, 1.0)], None, "^tranches = 9 is not allowed"),
        ([(5, 1.0), (4, 1.0)], None, r"^tranches = 9 is not allowed; at most 8"),
        ([(1, 1.0)] * 9, None, "^tranches = 9 is not allowed; at most 8"),
        ([(-1, 5.0)], None, "^tranches = -1 is not allowed"),
        ([(1.5, 5.0)], None, r"^tranches = 1\.5 is not allowed; use a whole number"),
        ([(float("nan"), 5.0)], None, "^tranches = nan is not allowed"),
        ([(float("inf"), 5.0)], None, "^tranches = inf is not allowed"),
        ([(True, 5.0)], None, "^tranches = True is not allowed"),
        ([("1", 5.0)], None, "^tranches = '1' is not allowed"),
        ([(1, -0.01)], None, r"^price = -0\.01 is not allowed"),
        ([(1, float("nan"))], None, "^price = nan is not allowed"),
        ([(1, float("inf"))], None, "^price = inf is not allowed"),
        ([(1, float("-inf"))], None, "^price = -inf is not allowed"),
        ([(1, True)], None, "^price = True is not allowed"),
        ([(1, False)], None, "^price = False is not allowed"),
        ([(1, "5")], None, "^price = '5' is not allowed"),
        ([(1, None)], None, "^price = None is not allowed"),
        ([(1, 2e9)], None, "^price = 2000000000.0 is not allowed"),
        ("1 at 5", None, "^steps = '1 at 5' is not allowed"),
        (None, None, "^steps = None is not allowed"),
        ({"units": 1, "price": 5.0}, None, "^steps = .* is not allowed"),
        ([(1,)], None, r"^step = \(1,\) is not allowed"),
        ([(1, 2.0, 3.0)], None, r"^step = \(1, 2\.0, 3\.0\) is not allowed"),
        ([5], None, "^step = 5 is not allowed"),
        ([(1, 5.0)], -1, "^requested = -1 is not allowed"),
        ([(1, 5.0)], 9, "^requested = 9 is not allowed"),
        ([(1, 5.0)], 1.5, r"^requested = 1\.5 is not allowed"),
        ([(1, 5.0)], float("nan"), "^requested = nan is not allowed"),
        ([(1, 5.0)], True, "^requested = True is not allowed"),
        ([(1, 5.0)], "2", "^requested = '2' is not allowed"),
    ],
)
def test_bad_bids_are_refused_naming_the_field_and_write_nothing(room, steps, requested, match):
    here, w = bidding(room)
    token = here.seats[0].token
    refused(w, WorkshopError, match, lambda: w.submit_bid(token, steps, requested=requested))
    assert w.status().submitted == ()


def test_good_edge_bids_are_taken(room):
    here, w = bidding(room)
    token = here.seats[0].token
    budget = w.view(token).budget
    w.submit_bid(token, [(1, budget)])  # exactly the budget
    w.submit_bid(token, [(8, 0.0)], requested=0)  # the most tranches, free
    w.submit_bid(token, [{"units": 2, "price": 3.5}, (0, 9.0)], requested=8)
    w.submit_bid(token, [])  # nothing wanted is a bid too
    assert len([a for a in w.actions() if a.kind == "bid"]) == 4


@pytest.mark.parametrize("when", ["before any round", "negotiating", "between rounds"])
def test_no_bid_outside_a_bidding_window(room, when):
    here, w, *_ = room
    if when == "negotiating":
        negotiating(room)
    elif when == "between rounds":
        w.advance(here.host_token, 1)
    refused(
        w,
        WorkshopError,
        "^round: no bidding window is open",
        lambda: w.submit_bid(here.seats[3].token, [(1, 1.0)]),
    )


# ---------------------------------------------------------------- loans


def _loan_case(case: str, w: Workshop, here):
    me, other = here.seats[0], here.seats[1]
    held = int(w.view(me.token).tranches)
    budget = w.view(me.token).budget
    calls = {
        "to oneself": (lambda: w.offer_loan(me.token, me.team, 1, 1.0, 1), "^team: you cannot"),
        "unknown team": (lambda: w.offer_loan(me.token, "Nobody", 1, 1.0, 1), "^team = 'Nobody'"),
        "team not a name": (lambda: w.offer_loan(me.token, 2, 1, 1.0, 1), "^team = 2"),
        "more than held": (
            lambda: w.offer_loan(me.token, other.team, held + 1, 1.0, 1, lend=True),
            f"^tranches = {held + 1} is more than you can lend",
        ),
        "more than one can pay": (
            lambda: w.offer_loan(me.token, other.team, 1, budget + 1, 1, lend=False),
            "^loan = .* credits is more than you have",
        ),
        "zero tranches": (lambda: w.offer_loan(me.token, other.team, 0, 1.0, 1), "^tranches = 0"),
        "negative tranches": (
            lambda: w.offer_loan(me.token, other.team, -1, 1.0, 1),
            "^tranches = -1",
        ),
        "fractional tranches": (
            lambda: w.offer_loan(me.token, other.team, 0.5, 1.0, 1),
            r"^tranches = 0\.5",
        ),
        "bool tranches": (lambda: w.offer_loan(me.token, other.team, True, 1.0, 1), "^tranches"),
        "nan tranches": (
            lambda: w.offer_loan(me.token, other.team, float("nan"), 1.0, 1),
            "^tranches = nan",
        ),
        "negative price": (lambda: w.offer_loan(me.token, other.team, 1, -1.0, 1), "^price = -1"),
        "nan price": (
            lambda: w.offer_loan(me.token, other.team, 1, float("nan"), 1),
            "^price = nan",
        ),
        "inf price": (
            lambda: w.offer_loan(me.token, other.team, 1, float("inf"), 1),
            "^price = inf",
        ),
        "bool price": (lambda: w.offer_loan(me.token, other.team, 1, True, 1), "^price = True"),
        "zero weeks": (lambda: w.offer_loan(me.token, other.team, 1, 1.0, 0), "^weeks = 0"),
        "too many weeks": (lambda: w.offer_loan(me.token, other.team, 1, 1.0, 53), "^weeks = 53"),
        "bool weeks": (lambda: w.offer_loan(me.token, other.team, 1, 1.0, True), "^weeks = True"),
    }
    return calls[case]


LOAN_CASES = [
    "to oneself",
    "unknown team",
    "team not a name",
    "more than held",
    "more than one can pay",
    "zero tranches",
    "negative tranches",
    "fractional tranches",
    "bool tranches",
    "nan tranches",
    "negative price",
    "nan price",
    "inf price",
    "bool price",
    "zero weeks",
    "too many weeks",
    "bool weeks",
]


@pytest.mark.parametrize("case", LOAN_CASES)
def test_bad_loan_offers_are_refused_naming_the_field_and_write_nothing(room, case):
    here, w = negotiating(room)
    call, match = _loan_case(case, w, here)
    refused(w, WorkshopError, match, call)


def test_no_loan_outside_a_negotiation_window(room):
    here, w = bidding(room)
    a, b = here.seats[:2]
    refused(
        w,
        WorkshopError,
        "^round: no negotiation window is open",
        lambda: w.offer_loan(a.token, b.team, 1, 1.0, 1),
    )
    refused(
        w,
        WorkshopError,
        "^round: no negotiation window is open",
        lambda: w.answer_offer(a.token, 1, "accept"),
    )


def test_bad_answers_are_refused_naming_the_field_and_write_nothing(room):
    here, w = negotiating(room)
    a, b, c = here.seats[:3]
    offer = w.offer_loan(a.token, b.team, 1, 2.0, 1, lend=True)
    for bad in (999, -1, "1", None, 1.0, [offer]):
        refused(
            w,
            WorkshopError,
            f"^offer = {re.escape(repr(bad))}: no open offer",
            lambda x=bad: w.answer_offer(b.token, x, "accept"),
        )
    refused(
        w,
        WorkshopError,
        f"^offer = {offer}: no open offer to your team",
        lambda: w.answer_offer(c.token, offer, "accept"),  # not addressed to c
    )
    for bad in ("maybe", "", None, "ACCEPT"):
        refused(
            w,
            WorkshopError,
            f"^response = {re.escape(repr(bad))} is not allowed",
            lambda x=bad: w.answer_offer(b.token, offer, x),
        )
    for bad in (None, -1.0, float("nan"), float("inf"), True, "3"):
        refused(
            w,
            WorkshopError,
            f"^price = {re.escape(repr(bad))} is not allowed",
            lambda x=bad: w.answer_offer(b.token, offer, "counter", price=x),
        )
    w.answer_offer(b.token, offer, "reject")
    for again in ("reject", "accept", "counter"):
        refused(
            w,
            WorkshopError,
            f"^offer = {offer}: it was already answered",
            lambda x=again: w.answer_offer(b.token, offer, x, price=1.0),
        )


def test_an_offer_from_an_earlier_round_cannot_be_answered(room):
    here, w = negotiating(room)
    a, b = here.seats[:2]
    offer = w.offer_loan(a.token, b.team, 1, 2.0, 1, lend=True)
    w.close_negotiation(here.host_token)
    w.open_round(here.host_token)
    for seat in here.seats[:3]:
        w.submit_bid(seat.token, [(1, 1.0)])
    w.close_bidding(here.host_token)
    assert {o.id: o.status for o in w.replayed().offers.values()}[offer] == "expired"
    refused(
        w,
        WorkshopError,
        f"^offer = {offer}: no open offer",
        lambda: w.answer_offer(b.token, offer, "accept"),
    )


def test_a_lender_cannot_promise_the_same_tranches_twice(room):
    here, w = negotiating(room)
    a, b, c = here.seats[:3]
    held = int(w.view(a.token).tranches)
    assert held >= 1
    to_b = w.offer_loan(a.token, b.team, held, 1.0, 1, lend=True)
    to_c = w.offer_loan(a.token, c.team, held, 1.0, 1, lend=True)
    w.answer_offer(b.token, to_b, "accept")
    refused(
        w,
        WorkshopError,
        f"^offer = {to_c}: the lender holds only 0 tranches now",
        lambda: w.answer_offer(c.token, to_c, "accept"),
    )
    refused(
        w,
        WorkshopError,
        "^tranches = 1 is more than you can lend",
        lambda: w.offer_loan(a.token, c.team, 1, 1.0, 1, lend=True),
    )


def test_a_refused_counter_offer_writes_nothing(room):
    here, w = negotiating(room)
    a, b = here.seats[:2]
    offer = w.offer_loan(a.token, b.team, 1, 2.0, 1, lend=True)  # b would borrow
    refused(
        w,
        WorkshopError,
        "^loan = .* credits is more than you have",
        lambda: w.answer_offer(b.token, offer, "counter", price=1e8),
    )


def test_an_offer_id_that_is_a_bool_is_refused(room):
    here, w = negotiating(room)
    a, b = here.seats[:2]
    offer = w.offer_loan(a.token, b.team, 1, 2.0, 1, lend=True)
    assert offer == 1
    refused(w, WorkshopError, "^offer = True", lambda: w.answer_offer(b.token, True, "reject"))


# ---------------------------------------------------------------- links and bots


def test_a_reissued_link_replaces_the_old_one(room):
    here, w = bidding(room)
    old = here.seats[0].token
    new = w.reissue(here.host_token, 1)
    assert new.token != old and new.seat == 1 and new.team == here.seats[0].team
    refused(w, AccessError, "^token: this link opens no seat", lambda: w.view(old))
    refused(w, AccessError, "^token: ", lambda: w.submit_bid(old, [(1, 1.0)]))
    assert w.view(new.token).team == here.seats[0].team
    w.submit_bid(new.token, [(1, 1.0)])
    assert w.status().submitted == (1,)

    w.revoke(here.host_token, 2)
    refused(
        w,
        AccessError,
        "^token: this link was withdrawn",
        lambda: w.submit_bid(here.seats[1].token, [(1, 1.0)]),
    )
    again = w.reissue(here.host_token, 2)
    refused(w, AccessError, "^token: this link opens no seat", lambda: w.view(here.seats[1].token))
    w.submit_bid(again.token, [(1, 1.0)])
    assert not next(s for s in w.status().seats if s.seat == 2).revoked


def test_a_seat_handed_to_its_bot_is_refused_until_handed_back(room):
    here, w = bidding(room)
    me = here.seats[0]
    w.set_seat_mode(here.host_token, 1, "bot")
    refused(
        w,
        AccessError,
        "^token: the host handed this seat to its bot",
        lambda: w.submit_bid(me.token, [(1, 1.0)]),
    )
    assert w.view(me.token).team == me.team  # watching is still allowed
    w.set_seat_mode(here.host_token, 1, "human")
    w.submit_bid(me.token, [(1, 1.0)])
    assert w.status().submitted == (1,)

    for seat in here.seats[1:3]:
        w.submit_bid(seat.token, [(1, 1.0)])
    w.close_bidding(here.host_token)
    w.set_seat_mode(here.host_token, 1, "bot")
    refused(
        w,
        AccessError,
        "^token: the host handed this seat to its bot",
        lambda: w.offer_loan(me.token, here.seats[1].team, 1, 1.0, 1),
    )
    w.set_seat_mode(here.host_token, 1, "human")
    w.offer_loan(me.token, here.seats[1].team, 1, 1.0, 1)
