"""Tests for market.ledger: operations, journal, conservation and all-or-nothing rejection."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from market.ledger import (
    TREASURY,
    CreditLedger,
    ExpiryPolicy,
    LedgerImbalanceError,
)

TEAMS = ["search", "chat", "video", "infra"]


@pytest.fixture
def ledger() -> CreditLedger:
    book = CreditLedger()
    book.open(TEAMS, initial=[100.0, 50.0, 0.0, 20.0])
    return book


def state(book: CreditLedger):
    """Everything observable about a ledger, for before/after comparisons."""
    return (
        book.balances.copy(),
        book.spent.copy(),
        book.entries(),
        book.week,
        book.audit(),
        book.accounts,
    )


def assert_same_state(a, b):
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert a[2:] == b[2:]


# ----------------------------------------------------------------- opening and reading


def test_open_records_initial_balances_as_grants(ledger):
    np.testing.assert_array_equal(ledger.balances, [100.0, 50.0, 0.0, 20.0])
    grants = ledger.entries("grant")
    # The zero opening balance of "video" is not a movement.
    assert [(g["to"], g["amount"]) for g in grants] == [
        ("search", 100.0),
        ("chat", 50.0),
        ("infra", 20.0),
    ]
    assert all(g["from"] is None and g["week"] == 0 for g in grants)
    assert ledger.audit().granted == 170.0


def test_open_returns_indices_usable_in_place_of_names(ledger):
    idx = ledger.open(["new-a", "new-b"], initial=5.0)
    np.testing.assert_array_equal(idx, [4, 5])
    ledger.pay(idx, [1.0, 2.0], week=0)
    assert ledger.balance("new-a") == 4.0
    assert ledger.balance(5) == 3.0


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["chat"], "already open"),
        (["x", "x"], "appears twice"),
        ([TREASURY], "reserved"),
        ([""], "non-empty"),
    ],
)
def test_open_rejects_bad_names_without_changing_anything(ledger, names, message):
    before = state(ledger)
    with pytest.raises(ValueError, match=message):
        ledger.open(names)
    assert_same_state(before, state(ledger))


def test_balances_view_is_read_only(ledger):
    with pytest.raises(ValueError):
        ledger.balances[0] = 1e9
    assert ledger.balance("search") == 100.0


def test_unknown_account_is_named_in_the_error(ledger):
    with pytest.raises(ValueError, match="unknown account 'nope'"):
        ledger.grant(["chat", "nope"], 1.0, week=0)


def test_out_of_range_index_is_rejected(ledger):
    with pytest.raises(ValueError, match="out of range"):
        ledger.pay(np.array([0, 9]), 1.0, week=0)


# ----------------------------------------------------------------- operations


def test_pay_moves_credits_to_the_treasury(ledger):
    ledger.pay(["search", "chat"], [30.0, 50.0], week=1, memo="auction")
    np.testing.assert_array_equal(ledger.balances, [70.0, 0.0, 0.0, 20.0])
    rows = ledger.entries("payment")
    assert rows == [
        {
            "seq": 3,
            "kind": "payment",
            "week": 1,
            "from": "search",
            "to": TREASURY,
            "amount": 30.0,
            "memo": "auction",
        },
        {
            "seq": 4,
            "kind": "payment",
            "week": 1,
            "from": "chat",
            "to": TREASURY,
            "amount": 50.0,
            "memo": "auction",
        },
    ]
    assert ledger.audit().paid == 80.0
    np.testing.assert_array_equal(ledger.spent, [30.0, 50.0, 0.0, 0.0])


def test_repeated_accounts_in_one_call_add_up(ledger):
    ledger.grant(["video", "video"], [3.0, 4.0], week=0)
    assert ledger.balance("video") == 7.0
    with pytest.raises(ValueError, match=r"payment of 8\.0 from account 'video'"):
        ledger.pay(["video", "video"], [4.0, 4.0], week=0)


def test_payment_exceeding_balance_names_account_amount_and_balance(ledger):
    before = state(ledger)
    with pytest.raises(
        ValueError, match=r"payment of 60.0 from account 'chat' exceeds its balance 50.0"
    ):
        ledger.pay(["search", "chat"], [10.0, 60.0], week=1)
    # All or nothing: search was not charged either.
    assert_same_state(before, state(ledger))


def test_payment_a_rounding_error_above_the_balance_takes_exactly_the_balance():
    book = CreditLedger()
    book.open(["a"], initial=0.1 + 0.2)  # 0.30000000000000004
    book.pay("a", 0.3 + 1e-12, week=0)
    assert book.balance("a") == 0.0
    assert book.audit().residual == pytest.approx(0.0, abs=1e-15)


def test_transfer_moves_credits_between_accounts(ledger):
    ledger.transfer("search", "video", 25.0, week=2, memo="loan")
    assert ledger.balance("search") == 75.0
    assert ledger.balance("video") == 25.0
    (row,) = ledger.entries("transfer")
    assert (row["from"], row["to"], row["amount"], row["memo"]) == ("search", "video", 25.0, "loan")


def test_transfer_exceeding_balance_is_rejected_without_change(ledger):
    before = state(ledger)
    with pytest.raises(ValueError, match=r"transfer of 21.0 from account 'infra'.*balance 20.0"):
        ledger.transfer("infra", "chat", 21.0, week=1)
    assert_same_state(before, state(ledger))


def test_transfer_to_self_is_rejected(ledger):
    with pytest.raises(ValueError, match="two different accounts"):
        ledger.transfer("chat", "chat", 1.0, week=1)


def test_refund_returns_at_most_what_was_paid(ledger):
    ledger.pay("chat", 40.0, week=1)
    ledger.refund("chat", 15.0, week=1, memo="overcharge")
    assert ledger.balance("chat") == 25.0
    assert ledger.audit().net_paid == 25.0
    before = state(ledger)
    with pytest.raises(ValueError, match=r"refund of 26\.0 to account 'chat' exceeds"):
        ledger.refund("chat", 26.0, week=1)
    assert_same_state(before, state(ledger))


def test_negative_or_nan_amounts_are_rejected(ledger):
    with pytest.raises(ValueError, match=r"amounts must be non-negative, got -1\.0"):
        ledger.grant("chat", -1.0, week=0)
    with pytest.raises(ValueError, match="amounts must be finite"):
        ledger.pay("chat", np.nan, week=0)
    with pytest.raises(ValueError, match="one per account"):
        ledger.pay(["chat", "search"], [1.0, 2.0, 3.0], week=0)


def test_weeks_cannot_go_backwards(ledger):
    ledger.grant("chat", 1.0, week=5)
    before = state(ledger)
    with pytest.raises(ValueError, match="week must not go back in time: got 4"):
        ledger.pay("chat", 1.0, week=4)
    assert_same_state(before, state(ledger))


def test_open_mid_game_defaults_to_the_current_week(ledger):
    ledger.grant("chat", 1.0, week=7)
    ledger.open("late", initial=3.0)
    assert ledger.entries("grant")[-1]["week"] == 7


# ----------------------------------------------------------------- expiry


def test_use_it_or_lose_it_resets_every_balance(ledger):
    expired = ledger.expire(ExpiryPolicy.use_it_or_lose_it(), week=4)
    np.testing.assert_array_equal(expired, [100.0, 50.0, 0.0, 20.0])
    np.testing.assert_array_equal(ledger.balances, np.zeros(4))
    assert ledger.audit().expired == 170.0
    assert {r["from"] for r in ledger.entries("expiry")} == {"search", "chat", "infra"}
    assert all(r["to"] is None for r in ledger.entries("expiry"))


def test_rollover_expires_only_the_excess_over_the_cap(ledger):
    expired = ledger.expire(ExpiryPolicy.rollover(30.0), week=4)
    np.testing.assert_array_equal(expired, [70.0, 20.0, 0.0, 0.0])
    np.testing.assert_array_equal(ledger.balances, [30.0, 30.0, 0.0, 20.0])


def test_expire_on_a_subset_of_accounts(ledger):
    ledger.expire(ExpiryPolicy.use_it_or_lose_it(), week=4, accounts=["chat"])
    np.testing.assert_array_equal(ledger.balances, [100.0, 0.0, 0.0, 20.0])


def test_unlimited_rollover_expires_nothing(ledger):
    expired = ledger.expire(ExpiryPolicy.parse("rollover"), week=1)
    assert expired.sum() == 0.0
    assert ledger.entries("expiry") == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("forever",), "expiry policy must be one of"),
        (("rollover", -1.0), "cap must be a non-negative number"),
    ],
)
def test_expiry_policy_rejects_bad_names_and_caps(args, message):
    with pytest.raises(ValueError, match=message):
        ExpiryPolicy.parse(*args)


def test_entries_have_one_row_per_movement(ledger):
    ledger.pay(["search"], 5.0, week=1)
    rows = ledger.entries()
    assert all(list(r) == ["seq", "kind", "week", "from", "to", "amount", "memo"] for r in rows)
    assert len(rows) == ledger.n_entries == 4
    assert [r["seq"] for r in rows] == [0, 1, 2, 3]


# ----------------------------------------------------------------- audit


def test_audit_detects_a_corrupted_balance(ledger):
    ledger._balances[0] += 1.0  # simulate a bug that creates credits
    with pytest.raises(LedgerImbalanceError, match="credits not conserved"):
        ledger.audit()


def test_audit_detects_a_negative_balance(ledger):
    ledger._balances[1] = -1.0
    with pytest.raises(LedgerImbalanceError, match="negative balance"):
        ledger.audit()


# ----------------------------------------------------------------- properties

N_ACCOUNTS = 5
accounts_idx = st.lists(st.integers(0, N_ACCOUNTS - 1), min_size=1, max_size=6)
money = st.floats(0, 200, allow_nan=False)

operations = st.one_of(
    st.tuples(st.just("grant"), accounts_idx, money),
    st.tuples(st.just("pay"), accounts_idx, money),
    st.tuples(st.just("refund"), accounts_idx, money),
    st.tuples(
        st.just("transfer"), st.integers(0, N_ACCOUNTS - 1), st.integers(0, N_ACCOUNTS - 1), money
    ),
    st.tuples(st.just("expire"), st.sampled_from(["use_it_or_lose_it", "rollover"]), money),
    st.tuples(st.just("week")),
)


def apply(book: CreditLedger, op, week: int) -> None:
    name = op[0]
    if name == "grant":
        book.grant(np.array(op[1]), op[2], week)
    elif name == "pay":
        book.pay(np.array(op[1]), op[2], week)
    elif name == "refund":
        book.refund(np.array(op[1]), op[2], week)
    elif name == "transfer":
        book.transfer(op[1], op[2], op[3], week)
    elif name == "expire":
        book.expire(ExpiryPolicy.parse(op[1], op[2]), week)


@settings(max_examples=80, deadline=None)
@given(st.lists(money, min_size=N_ACCOUNTS, max_size=N_ACCOUNTS), st.lists(operations, max_size=30))
def test_random_operations_conserve_credits_and_rejections_change_nothing(initial, ops):
    book = CreditLedger()
    book.open([f"t{i}" for i in range(N_ACCOUNTS)], initial=initial)
    week = 0
    for op in ops:
        if op[0] == "week":
            week += 1
            continue
        before = state(book)
        shadow = copy.deepcopy(book)
        try:
            apply(book, op, week)
        except ValueError:
            assert_same_state(before, state(book))
            continue
        # Accepted: the identity holds and no balance is negative.
        audit = book.audit()
        assert np.all(book.balances >= 0)
        assert audit.granted + audit.refunded == pytest.approx(
            audit.balances + audit.paid + audit.expired, rel=1e-9, abs=1e-9
        )
        # Each accepted operation changes the balance total by exactly its net flow.
        flow = (audit.granted - shadow.audit().granted) + (audit.refunded - shadow.audit().refunded)
        flow -= (audit.paid - shadow.audit().paid) + (audit.expired - shadow.audit().expired)
        assert audit.balances - shadow.audit().balances == pytest.approx(flow, abs=1e-9)
    # The journal replays to the same balances.
    replay = np.zeros(N_ACCOUNTS)
    for row in book.entries():
        if row["from"] not in (None, TREASURY):
            replay[int(row["from"][1:])] -= row["amount"]
        if row["to"] not in (None, TREASURY):
            replay[int(row["to"][1:])] += row["amount"]
    np.testing.assert_allclose(replay, book.balances, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.lists(money, min_size=3, max_size=3), st.lists(money, min_size=3, max_size=3))
def test_payment_succeeds_exactly_when_every_account_can_afford_it(initial, charges):
    book = CreditLedger()
    book.open(["a", "b", "c"], initial=initial)
    # Documented slack: a debit within 1e-9 (relative) above the balance is rounding noise.
    affordable = all(c <= b * (1 + 1e-9) + 1e-12 for c, b in zip(charges, initial, strict=True))
    if affordable:
        book.pay(["a", "b", "c"], charges, week=0)
        expected = np.maximum(np.subtract(initial, charges), 0.0)
        np.testing.assert_allclose(book.balances, expected, atol=1e-9)
    else:
        with pytest.raises(ValueError, match="exceeds its balance"):
            book.pay(["a", "b", "c"], charges, week=0)
        np.testing.assert_array_equal(book.balances, initial)


def test_transfer_many_equals_pairwise_transfers_and_is_all_or_nothing():
    import numpy as np

    from market.ledger import CreditLedger

    def fresh():
        ledger = CreditLedger()
        ledger.open(["a", "b", "c"], initial=[10.0, 5.0, 0.0])
        return ledger

    many, pairwise = fresh(), fresh()
    many.transfer_many([0, 1, 0], [2, 2, 1], [3.0, 5.0, 2.0], week=1)
    for s, d, a in [(0, 2, 3.0), (1, 2, 5.0), (0, 1, 2.0)]:
        pairwise.transfer(s, d, a, week=1)
    np.testing.assert_allclose(many.balances, pairwise.balances)
    assert abs(many.audit().residual) < 1e-12
    before = np.array(many.balances)
    with pytest.raises(ValueError, match="exceeds its balance"):
        many.transfer_many([0, 0], [1, 2], [4.0, 2.0], week=2)  # 'a' holds 5
    np.testing.assert_array_equal(many.balances, before)
    with pytest.raises(ValueError, match="two different accounts"):
        many.transfer_many([0], [0], [1.0], week=2)
