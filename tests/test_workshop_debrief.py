"""The debrief's tables (workshop.debrief) from a scripted session on a real database.

``play_session`` is also the scripted session of tests/test_workshop_cli.py: four rounds
of the classroom preset with four seats, where people bid in some rounds and bots play
the silent seats, two players agree a loan, and the host changes the reserve and sends a
message.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workshop import LOCAL_HOST, Created, Workshop, WorkshopError, create_workshop
from workshop.debrief import (
    build_debrief,
    comparison_table,
    default_counterfactual_rule,
)

SEATS = 4
ROUNDS = 4
RESERVE = 5.0
MESSAGE = "Reserve price from the next round"


def play_session(db: Path) -> tuple[Created, Workshop]:
    """Play the scripted four-round session into ``db``; return its links and the workshop."""
    created = create_workshop(db, "classroom", seats=SEATS, rounds=ROUNDS, seed=5)
    w = Workshop(db)
    a, b, c, d = (s.token for s in created.seats)
    # Round 1: seats 1 and 2 bid, 3 and 4 stay silent; seat 1 lends seat 2 one tranche.
    w.open_round(LOCAL_HOST)
    w.submit_bid(a, [(2, w.view(a).values[0] * 0.8)])
    w.submit_bid(b, [(1, w.view(b).values[0] * 0.5)])
    w.close_bidding(LOCAL_HOST)
    offer = w.offer_loan(a, created.seats[1].team, 1, 3.0, 2, lend=True)
    w.answer_offer(b, offer, "accept")
    w.change_rules(LOCAL_HOST, {"market.reserve": RESERVE})
    w.broadcast(LOCAL_HOST, MESSAGE)
    w.close_negotiation(LOCAL_HOST)
    # Round 2: only seat 1 bids.
    w.open_round(LOCAL_HOST)
    w.submit_bid(a, [(1, w.view(a).values[0] * 0.9)])
    w.advance(LOCAL_HOST, 1)
    # Round 3: everyone silent (the bots play).
    w.advance(LOCAL_HOST, 1)
    # Round 4: all four bid, which closes bidding by itself.
    w.open_round(LOCAL_HOST)
    for token in (a, b, c, d):
        w.submit_bid(token, [(1, w.view(token).values[0] * 0.7)])
    assert w.status().phase == "negotiating"
    w.close_negotiation(LOCAL_HOST)
    assert w.status().phase == "finished"
    return created, w


@pytest.fixture(scope="module")
def played(tmp_path_factory):
    return play_session(tmp_path_factory.mktemp("debrief") / "ws.db")


@pytest.fixture(scope="module")
def debrief(played):
    _, w = played
    return build_debrief(w)


def test_the_counterfactual_under_the_sessions_own_rule_is_the_session(played):
    _, w = played
    same = build_debrief(w, "uniform_price")
    pd.testing.assert_frame_equal(same.session.weeks, same.counterfactual.weeks)
    pd.testing.assert_frame_equal(same.session.teams, same.counterfactual.teams)
    assert (same.comparison["difference"] == 0).all()
    seats = same.seat_comparison
    assert (seats["gpus_session"] == seats["gpus_counterfactual"]).all()
    assert (seats["value_session"] == seats["value_counterfactual"]).all()


def test_the_default_counterfactual_is_another_rule_and_changes_the_outcome(debrief):
    assert default_counterfactual_rule("uniform_price") == "vickrey"
    assert default_counterfactual_rule("vickrey") == "uniform_price"
    assert debrief.rule == "uniform_price" and debrief.counterfactual_rule == "vickrey"
    assert set(debrief.counterfactual.weeks["rule"]) == {"vickrey"}
    assert list(debrief.comparison["metric"]) == [
        "output_value",
        "efficiency",
        "jain",
        "mean_stress",
    ]
    assert not debrief.session.weeks.equals(debrief.counterfactual.weeks)
    row = debrief.comparison.set_index("metric").loc["output_value"]
    assert row["session"] == pytest.approx(debrief.session.weeks["output_value"].sum())
    assert row["difference"] == pytest.approx(row["counterfactual"] - row["session"])


def test_the_team_table_marks_seats_and_counts_what_people_played(played, debrief):
    created, _ = played
    teams = debrief.teams.set_index("team")
    assert len(teams) == 8  # classroom: 5 research + 3 product, no reallocation group
    seated = {s.team: s.seat for s in created.seats}
    assert teams["seat"].dropna().to_dict() == seated
    # Seat 1 played rounds 1, 2 and 4; seat 2 rounds 1 and 4; seats 3 and 4 only round 4.
    people = teams["person_rounds"].dropna().astype(int).to_dict()
    names = [s.team for s in created.seats]
    assert people == {names[0]: 3, names[1]: 2, names[2]: 1, names[3]: 1}
    # The loan: seat 1 lent seat 2 one tranche at 3 credits.
    assert teams.loc[names[0], "loans_out"] == 1 and teams.loc[names[1], "loans_in"] == 1
    assert teams.loc[names[1], "loan_credits"] == pytest.approx(3.0)
    assert teams.loc[names[0], "loan_credits"] == pytest.approx(-3.0)
    assert teams["loans_in"].sum() == teams["loans_out"].sum() == 1
    frame = debrief.session.teams
    for team in names:
        mine = frame[frame["team"] == team]
        assert teams.loc[team, "paid"] == pytest.approx(mine["paid"].sum())
        assert teams.loc[team, "output_value"] == pytest.approx(mine["output_value"].sum())


def test_the_rounds_and_the_seated_teams_round_by_round(debrief):
    rounds = debrief.rounds
    assert rounds["round"].tolist() == [1, 2, 3, 4]
    assert rounds["people"].tolist() == [2, 1, 0, 4]
    assert rounds["bots"].tolist() == [2, 3, 4, 0]
    assert rounds["loans"].tolist() == [1, 0, 0, 0]
    seat_rounds = debrief.seat_rounds
    assert len(seat_rounds) == SEATS * ROUNDS
    by = seat_rounds.set_index(["round", "seat"])["played_by"]
    assert by[(1, 1)] == "person" and by[(1, 3)] == "bot" and by[(3, 1)] == "bot"
    assert (seat_rounds[seat_rounds["round"] == 4]["played_by"] == "person").all()
    assert seat_rounds.set_index(["round", "seat"]).loc[(1, 1), "tranches_bid"] == 2
    assert pd.isna(seat_rounds.set_index(["round", "seat"]).loc[(3, 1), "tranches_bid"])


def test_the_timeline_and_offers_tell_the_hosts_and_players_actions(played, debrief):
    created, _ = played
    timeline = debrief.timeline
    assert timeline["detail"].tolist() == [f"market.reserve = {RESERVE}", MESSAGE]
    assert timeline["round"].tolist() == [1, 1]
    offers = debrief.offers
    assert len(offers) == 1
    first = offers.iloc[0]
    assert (first["lender"], first["borrower"]) == (created.seats[0].team, created.seats[1].team)
    assert first["status"] == "accepted" and first["round"] == 1


def test_settings_name_the_scenario_rule_seats_and_rounds(debrief):
    settings = dict(debrief.settings.itertuples(index=False))
    assert settings["scenario"].startswith("classroom")
    assert settings["allocation rule"].startswith("uniform_price")
    assert settings["rounds"] == f"{ROUNDS} of {ROUNDS} played"


def test_comparison_signs_follow_the_counterfactual_minus_the_session():
    weeks = pd.DataFrame({"output_value": [10.0, 20.0], "efficiency": [0.5, 0.7]})
    other = pd.DataFrame({"output_value": [5.0, 5.0], "efficiency": [0.9, 0.9]})
    table = comparison_table(weeks, other, ["output_value", "efficiency"]).set_index("metric")
    assert table.loc["output_value", "difference"] == pytest.approx(-20.0)
    assert table.loc["efficiency", "difference"] == pytest.approx(0.3)
    assert np.isfinite(table["session"]).all()


def test_a_workshop_with_no_week_played_has_no_debrief(tmp_path):
    create_workshop(tmp_path / "ws.db", "classroom", seats=2, rounds=2)
    with pytest.raises(WorkshopError, match="no week has been played"):
        build_debrief(Workshop(tmp_path / "ws.db"))


def test_an_unknown_rule_is_refused_before_any_replay(played):
    _, w = played
    with pytest.raises(WorkshopError, match="--rule: mechanism 'dutch' is unknown"):
        build_debrief(w, "dutch")
