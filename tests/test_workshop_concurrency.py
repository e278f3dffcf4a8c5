"""Thirty seats at once: nothing lost, nothing twice, and the same game as a serial replay.

Thirty seats play a 34-team workshop (four teams are bots) concurrently through the API,
first from threads of this process (one per seat), then from five separate processes
that each open the database themselves. In every round each seat bids (sometimes a bad
bid, sometimes a replacement), some send a late bid while the host's close races them,
each seat offers loans to a bot's team and to a person's team, answers what was offered
to it (sometimes twice), and some send a late offer while the negotiation is closed.
Several closers race to close each window. Then:

- every call that succeeded is in the log exactly once, as that seat's action, and every
  refusal was a one-line :class:`~workshop.WorkshopError` that wrote nothing (the log
  holds exactly the successes);
- each window opens and closes exactly once, exactly one racing closer won, and every
  action sits inside its window;
- the game the players saw equals the game replayed serially from the log, here and in
  a fresh process.
"""

from __future__ import annotations

import json
import pickle
import sqlite3
import subprocess
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd
import pytest
from workshop_helpers import ROOT, frames, module_command, module_env, scenario
from workshop_helpers.players import late_seats, run_phase, silent_seats

from workshop import LOCAL_HOST, Workshop, create_workshop, store
from workshop.engine import CACHE

N_SEATS = 30
TRANSITIONS = ("round_open", "bidding_closed", "negotiation_closed")
#: Why several processes on one database lose and corrupt data (see the last test).


def _create(tmp_path, rounds: int):
    created = create_workshop(
        tmp_path / "ws.db", scenario(20, 14), seats=N_SEATS, rounds=rounds, seed=5
    )
    return created, Workshop(created.db)


def _assert_same_frames(a: tuple[pd.DataFrame, ...], b: tuple[pd.DataFrame, ...]) -> None:
    for x, y in zip(a, b, strict=True):
        pd.testing.assert_frame_equal(x, y)


def _fresh_process_frames(db, out) -> tuple[pd.DataFrame, pd.DataFrame]:
    subprocess.run(
        module_command("replay", db, out), env=module_env(), cwd=ROOT, check=True, timeout=300
    )
    with open(out, "rb") as fh:
        return pickle.load(fh)


def check_log(w: Workshop, records: list[dict[str, Any]], rounds: int) -> Counter:
    """The log holds exactly what succeeded, each window once, each action in its window."""
    unexpected = [r for r in records if "unexpected" in r]
    assert not unexpected, unexpected[0]["unexpected"]
    for r in records:
        if not r["ok"]:
            assert r["error"] and "\n" not in r["error"], r
    acts = w.actions()

    for kind in TRANSITIONS:
        assert Counter(a.round for a in acts if a.kind == kind) == dict.fromkeys(range(rounds), 1)
    bound = {(a.round, a.kind): a.id for a in acts if a.kind in TRANSITIONS}

    ok = [r for r in records if r["ok"]]
    bids_logged = sorted((a.id, a.seat) for a in acts if a.kind == "bid")
    assert bids_logged == sorted((r["result"], r["seat"]) for r in ok if r["op"] == "bid")

    offers_made = [
        (r["result"], r["seat"])
        for r in ok
        if r["op"] == "offer" or (r["op"] == "answer" and r["response"] == "counter")
    ]
    offers_logged = [(a.payload["offer"], a.seat) for a in acts if a.kind == "offer" and a.seat]
    assert sorted(offers_logged) == sorted(offers_made)
    all_offers = [a.payload["offer"] for a in acts if a.kind == "offer"]
    assert len(all_offers) == len(set(all_offers))

    answers_made = [(r["offer"], r["seat"], r["response"]) for r in ok if r["op"] == "answer"]
    answers_logged = [
        (a.payload["offer"], a.seat, a.payload["response"])
        for a in acts
        if a.kind == "answer" and a.seat is not None
    ]
    assert sorted(answers_logged) == sorted(answers_made)
    answered = Counter(a.payload["offer"] for a in acts if a.kind == "answer")
    assert max(answered.values()) == 1

    # A bot answered, at once, every offer people made to a team a bot played.
    silent = {a.round: set(a.payload["silent"]) for a in acts if a.kind == "bidding_closed"}
    seat_of = {i: s for s, i in w.seat_teams.items()}
    bot_answers = {a.payload["offer"]: a.id for a in acts if a.kind == "answer" and not a.seat}
    for a in acts:
        if a.kind == "offer" and a.seat:
            to = a.payload["to_team"]
            if to not in seat_of or seat_of[to] in silent[a.round]:
                assert bot_answers[a.payload["offer"]] == a.id + 1

    for a in acts:
        if a.kind == "bid":
            assert bound[(a.round, "round_open")] < a.id < bound[(a.round, "bidding_closed")]
        if a.kind in ("offer", "answer"):
            assert (
                bound[(a.round, "bidding_closed")] < a.id < bound[(a.round, "negotiation_closed")]
            )

    # The offers table says what the log says, and nothing is left open.
    session = w.replayed()
    with sqlite3.connect(w.db) as conn:
        table = dict(conn.execute("SELECT id, status FROM offers WHERE workshop = ?", (w.id,)))
    assert table == {o.id: o.status for o in session.offers.values()}
    assert "open" not in table.values()

    outcomes = Counter((r["op"], r["ok"]) for r in records)
    for key in [("bid", True), ("bid", False), ("offer", True), ("offer", False)]:
        assert outcomes[key] > 0, f"the run never exercised {key}"
    assert outcomes[("answer", True)] > 0
    return outcomes


# ---------------------------------------------------------------- threads


def _round_in_threads(w, created, number: int, pool) -> list[dict[str, Any]]:
    host = created.host_token
    seats = [(s.seat, s.token) for s in created.seats]
    silent = silent_seats(number, N_SEATS)
    late = [(s, t) for s, t in seats if s in late_seats(number, [s for s, _ in seats], silent)]
    assert w.open_round(host) == number

    records, _ = run_phase(w, seats, "bid", number, silent, pool)
    out, closed = run_phase(
        w, late, "late_bid", number, silent, pool, also=[lambda: w.close_bidding(host)] * 3
    )
    records += out
    assert sorted(closed) == [False, False, True]
    status = w.status()
    assert status.phase == "negotiating" and list(status.silent) == silent

    for phase in ("offer", "answer"):
        out, _ = run_phase(w, seats, phase, number, silent, pool)
        records += out
    out, closed = run_phase(
        w, late, "late_offer", number, silent, pool, also=[lambda: w.close_negotiation(host)] * 3
    )
    records += out
    assert sorted(closed) == [False, False, True]
    assert w.status().phase in ("closed", "finished")
    return records


def test_thirty_seats_in_threads_lose_nothing_and_replay_to_the_same_game(tmp_path):
    rounds = 4
    created, w = _create(tmp_path, rounds)
    records: list[dict[str, Any]] = []
    with ThreadPoolExecutor(max_workers=N_SEATS + 4) as pool:
        for number in range(rounds):
            records += _round_in_threads(w, created, number, pool)
    assert w.status().phase == "finished"
    check_log(w, records, rounds)

    with w.session() as s:  # the session the threads advanced, action by action
        live = frames(s)
    CACHE.clear()
    _assert_same_frames(live, frames(w.replayed()))
    with w.session() as s:
        _assert_same_frames(live, frames(s))
    _assert_same_frames(live, _fresh_process_frames(created.db, tmp_path / "fresh.pkl"))


# ---------------------------------------------------------------- processes


class Worker:
    """A worker process playing some seats (``workshop_helpers.players``)."""

    def __init__(self, db, seats: list[tuple[int, str]]) -> None:
        self.proc = subprocess.Popen(
            module_command("players", db),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=module_env(),
            cwd=ROOT,
        )
        self.seats = seats
        self.send({"seats": seats})

    def send(self, cmd: dict[str, Any]) -> None:
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()

    def reply(self) -> Any:
        line = self.proc.stdout.readline()
        assert line, f"worker {self.proc.pid} died (exit {self.proc.poll()})"
        return json.loads(line)

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                self.send({"op": "quit"})
                self.proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()


def _everyone(workers: list[Worker], cmd: dict[str, Any]) -> list[dict[str, Any]]:
    for worker in workers:
        worker.send(cmd)
    return [r for worker in workers for r in worker.reply()]


def _race(workers: list[Worker], late_op: str, close, cmd: dict[str, Any], pool) -> list:
    """Late actions in the workers while two host threads here close the window."""
    for worker in workers:
        worker.send({**cmd, "op": late_op})
    futures = [pool.submit(close) for _ in range(2)]
    closed = [f.result() for f in futures]
    records = [r for worker in workers for r in worker.reply()]
    assert sorted(closed) == [False, True]
    return records


def test_thirty_seats_in_five_processes_lose_nothing_and_replay_to_the_same_game(tmp_path):
    rounds = 3
    created, w = _create(tmp_path, rounds)
    host = created.host_token
    seats = [(s.seat, s.token) for s in created.seats]
    workers: list[Worker] = []
    try:
        workers = [Worker(created.db, seats[i::5]) for i in range(5)]
        ready = [worker.reply()["ready"] for worker in workers]
        assert sorted(s for r in ready for s in r) == list(range(1, N_SEATS + 1))
        records: list[dict[str, Any]] = []
        with ThreadPoolExecutor(max_workers=4) as pool:
            for number in range(rounds):
                assert w.open_round(host) == number
                cmd = {"round": number, "silent": silent_seats(number, N_SEATS)}
                records += _everyone(workers, {**cmd, "op": "bid"})
                records += _race(workers, "late_bid", lambda: w.close_bidding(host), cmd, pool)
                assert list(w.status().silent) == cmd["silent"]
                records += _everyone(workers, {**cmd, "op": "offer"})
                records += _everyone(workers, {**cmd, "op": "answer"})
                records += _race(
                    workers, "late_offer", lambda: w.close_negotiation(host), cmd, pool
                )
        assert w.status().phase == "finished"
        check_log(w, records, rounds)

        CACHE.clear()
        replayed = frames(w.replayed())
        for i, worker in enumerate(workers):  # the game each process saw
            path = tmp_path / f"worker{i}.pkl"
            worker.send({"op": "frames", "path": str(path)})
            assert worker.reply() == {"done": True}
            with open(path, "rb") as fh:
                _assert_same_frames(pickle.load(fh), replayed)
        _assert_same_frames(replayed, _fresh_process_frames(created.db, tmp_path / "fresh.pkl"))
    finally:
        for worker in workers:
            worker.stop()


@pytest.mark.parametrize("closers", [2, 8])
def test_racing_closers_close_each_window_exactly_once(tmp_path, closers):
    created, w = _create(tmp_path, 2)
    host = created.host_token
    with ThreadPoolExecutor(max_workers=closers) as pool:
        for _ in range(2):
            w.open_round(host)
            for close in (w.close_bidding, w.close_negotiation):
                won = list(pool.map(lambda _, c=close: c(host), range(closers)))
                assert won.count(True) == 1
    acts = w.actions()
    for kind in TRANSITIONS:
        assert Counter(a.round for a in acts if a.kind == kind) == {0: 1, 1: 1}


def _probe(*args: object) -> str:
    done = subprocess.run(
        module_command("probe", *args),
        env=module_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.strip()


def test_a_commit_survives_other_requests_and_processes_opening_the_database(tmp_path):
    """A commit is kept however the database is opened around it (a regression test).

    Opening the file outside SQLite once dropped this process's SQLite locks, and other
    processes then checkpointed and deleted the WAL under it, losing commits.

    One request of this process is writing; meanwhile another request of this process
    opens the database, another process reads it and closes, and a third process opens
    it and keeps it open while the write commits. The committed action must be in the
    log for everyone, this process included.
    """
    created = create_workshop(tmp_path / "ws.db", "classroom", seats=4, rounds=2, seed=1)
    w = Workshop(created.db)
    w.open_round(LOCAL_HOST)
    before = len(w.actions())
    with store.writing(w.db) as conn:  # one request of this process, writing
        w.status()  # another request of this process (another server thread)
        assert _probe("count", w.db) == str(before)  # another process reads and closes
        store.insert_action(conn, w.id, 0, "message", {"text": "committed"})
        holder = subprocess.Popen(  # a third process opens the database and stays
            module_command("probe", "hold", w.db),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=module_env(),
            cwd=ROOT,
        )
        assert holder.stdout.readline().strip() == str(before)
    try:
        assert len(w.actions()) == before + 1
        out, _ = holder.communicate("go\n", timeout=120)
        assert out.strip() == str(before + 1)
        assert _probe("count", w.db) == str(before + 1)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    with sqlite3.connect(w.db) as check:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
