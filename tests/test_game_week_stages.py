"""A week in three stages (prepare, clear, finish), rule changes between weeks, term loans.

These are what a workshop builds on: players see their values after ``prepare_week``,
bid before ``clear_week``, negotiate before ``finish_week``; the facilitator changes the
rules between weeks; loans the players agree on return to the lender when due.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from game import ComputeGame, load_scenario
from game.world.loans import LoanDeal


def game(seed: int = 3, **overrides) -> ComputeGame:
    return ComputeGame(load_scenario("classroom", overrides), rng=seed)


def test_three_stages_play_exactly_the_week_that_step_plays():
    stepped, staged = game(), game()
    for _ in range(6):
        stepped.step()
        staged.prepare_week()
        staged.clear_week()
        staged.finish_week()
    pd.testing.assert_frame_equal(stepped.weeks_frame(), staged.weeks_frame())
    pd.testing.assert_frame_equal(stepped.teams_frame(), staged.teams_frame())


@pytest.mark.parametrize(
    ("calls", "message"),
    [
        (["clear_week"], "clear_week: the week is idle, expected prepared"),
        (["finish_week"], "finish_week: the week is idle, expected cleared"),
        (["prepare_week", "prepare_week"], "prepare_week: the week is prepared, expected idle"),
        (["prepare_week", "finish_week"], "finish_week: the week is prepared, expected cleared"),
        (["tranche_values"], "tranche_values: the week is idle, expected prepared"),
    ],
)
def test_stages_out_of_order_are_refused_naming_the_stage(calls, message):
    model = game()
    with pytest.raises(RuntimeError, match=message):
        for name in calls:
            getattr(model, name)()


def test_the_values_shown_after_prepare_are_the_values_the_teams_bid_with():
    model = game()
    model.step()
    model.prepare_week()
    shown = model.tranche_values()
    model.clear_week()
    np.testing.assert_array_equal(shown, model.books[-1].values)
    assert model.stage == "cleared"


def test_a_rule_change_applies_from_the_next_week():
    model = game()
    model.run(2)
    model.change_rules({"market.mechanism": "vickrey", "governance.research_credit_share": 0.5})
    model.run(2)
    assert model.weeks_frame()["rule"].tolist() == ["uniform_price"] * 2 + ["vickrey"] * 2
    assert model.scenario.governance.research_credit_share == 0.5


@pytest.mark.parametrize(
    "key", ["lab.research_teams", "network.ties_per_team", "market.lease_weeks"]
)
def test_keys_fixed_when_the_game_starts_cannot_change(key):
    model = game()
    value = model.scenario.get(key) + 1
    with pytest.raises(ValueError, match=f"{key} cannot change during a game"):
        model.change_rules({key: value})
    assert model.scenario.get(key) == value - 1


def test_rules_cannot_change_in_the_middle_of_a_week():
    model = game()
    model.prepare_week()
    with pytest.raises(RuntimeError, match="change_rules: the week is prepared"):
        model.change_rules({"market.mechanism": "vickrey"})


def _holder_and_other(model: ComputeGame) -> tuple[int, int]:
    gpus = model.teams.gpus
    lender = int(np.argmax(gpus))
    borrower = int(np.argmin(gpus))
    return lender, borrower


def test_an_agreed_loan_moves_tranches_and_credits_and_comes_back_when_due():
    model = game(**{"negotiation.enabled": False, "reallocation.enabled": False})
    model.step()
    model.prepare_week()
    model.clear_week()
    lender, borrower = _holder_and_other(model)
    held = model.teams.gpus.copy()
    credits = np.array(model.credits.balances)
    # Lent tranches keep their leases: what expires during the loan goes to the pool,
    # what is still leased when the loan ends comes back to the lender.
    model.finish_week([LoanDeal(lender, borrower, units=2, price=10.0, weeks=2)])
    week = model.week - 1
    assert model.teams.gpus[borrower] == pytest.approx(held[borrower] + 2)
    assert model.teams.gpus[lender] == pytest.approx(held[lender] - 2)
    assert model.credits.balances[borrower] == pytest.approx(credits[borrower] - 20.0)
    assert model.credits.balances[lender] == pytest.approx(credits[lender] + 20.0)
    row = model.weeks_frame().iloc[-1]
    assert row["deals"] == 1
    lent_leases = model.term_loans.leases[0].copy()
    model.step()  # week + 1: still on loan
    assert len(model.term_loans) == 1
    model.prepare_week()  # week + 2: due, what is still leased comes back
    assert len(model.term_loans) == 0
    model.clear_week()
    model.finish_week()
    events = model.events_frame()
    back = events[(events["kind"] == "loan_return") & (events["week"] == week + 2)]
    assert len(back) == 1
    expected = lent_leases[2:].sum()  # two weeks of the leases have passed
    assert f"handed {expected:.0f} " in back["text"].iloc[0]


def test_a_loan_creates_no_tranche_weeks():
    model = game(**{"negotiation.enabled": False, "reallocation.enabled": False})
    model.step()
    model.prepare_week()
    model.clear_week()
    lender, borrower = _holder_and_other(model)
    before = model.teams.leases.sum(axis=0).copy()
    model.finish_week([LoanDeal(lender, borrower, units=3, price=0.0, weeks=1)])
    np.testing.assert_allclose(model.teams.leases.sum(axis=0), before)


def test_a_loan_moves_no_more_than_the_lender_holds_or_the_borrower_can_pay():
    model = game(**{"negotiation.enabled": False, "reallocation.enabled": False})
    model.step()
    model.prepare_week()
    model.clear_week()
    lender, borrower = _holder_and_other(model)
    held = float(model.teams.gpus[lender])
    credits = float(model.credits.balances[borrower])
    price = credits / 1.5  # affordable: one tranche
    model.finish_week(
        [
            LoanDeal(lender, borrower, units=int(held) + 5, price=price, weeks=2),
            LoanDeal(lender, lender, units=1, price=0.0, weeks=2),  # to itself: dropped
        ]
    )
    assert model.teams.deals_in[borrower] == 1
    assert model.weeks_frame().iloc[-1]["deals"] == 1
