"""One connection per operation: a player's action opens the database once, and that
connection never leaks to another thread or outlives the action."""

from __future__ import annotations

import threading

import pytest
from workshop_helpers import scenario

from workshop import Workshop, create_workshop, store


@pytest.fixture()
def db(tmp_path):
    created = create_workshop(tmp_path / "w.db", scenario(), seats=3, rounds=2, seed=4)
    return created


def _count_connects(monkeypatch) -> list[int]:
    opened: list[int] = []
    real = store.connect

    def counting(path):
        opened.append(threading.get_ident())
        return real(path)

    monkeypatch.setattr(store, "connect", counting)
    return opened


def test_a_bid_opens_the_database_once(db, monkeypatch):
    w = Workshop(db.db)
    w.open_round(db.host_token)
    with w.session():  # warm the cache outside the count
        pass
    opened = _count_connects(monkeypatch)
    w.submit_bid(db.seats[0].token, [(1, 5.0)])
    assert len(opened) == 1


def test_reads_and_writes_inside_an_operation_share_its_connection(db):
    with store.operation(db.db):
        with store.reading(db.db) as first:
            pass
        with store.writing(db.db) as second:
            second.execute("SELECT 1")
        assert first is second
    # Closed when the operation ends.
    with pytest.raises(Exception, match="closed"):
        first.execute("SELECT 1")


def test_another_thread_opens_its_own_connection(db):
    seen = {}

    def other():
        with store.reading(db.db) as conn:
            seen["other"] = conn

    with store.operation(db.db):
        with store.reading(db.db) as mine:
            pass
        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert seen["other"] is not mine


def test_a_failed_write_inside_an_operation_is_rolled_back(db):
    with store.operation(db.db):
        with pytest.raises(RuntimeError, match="boom"), store.writing(db.db) as conn:
            conn.execute("INSERT INTO meta (key, value) VALUES ('x', 'y')")
            raise RuntimeError("boom")
        with store.reading(db.db) as conn:
            assert conn.execute("SELECT COUNT(*) FROM meta WHERE key = 'x'").fetchone()[0] == 0


def test_a_write_cannot_start_inside_a_read_of_the_same_operation(db):
    with (
        store.operation(db.db),
        store.reading(db.db),
        pytest.raises(RuntimeError, match="inside another transaction"),
        store.writing(db.db),
    ):
        pass
