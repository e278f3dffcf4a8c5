"""A workshop survives its process being killed (``kill -9``): nothing committed is lost.

A real subprocess creates a workshop and plays a deterministic script
(``workshop_helpers.crash``): a round with bids and loan offers, then the next round's
bids (and, in one variant, its offers); it prints a marker and is killed with SIGKILL
while idle mid-round. Another subprocess is killed while it is inside a loop of bid
submissions. Reopening the database here:

- the file is intact (``PRAGMA integrity_check``);
- the round, its window, the bids and the offers are all there (status, views, log),
  exactly the log an uninterrupted run of the same script writes; a killed loop leaves a
  whole prefix of its submissions, at least every one it reported as done;
- the game goes on (the round closes, two more are played) to the same game as the
  uninterrupted run in another database with the same seed.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time

import pandas as pd
import pytest
from workshop_helpers import ROOT, crash, frames, module_command, module_env

from workshop import LOCAL_HOST, Workshop


def _spawn(*args: object) -> subprocess.Popen:
    return subprocess.Popen(
        module_command("crash", *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=module_env(),
        cwd=ROOT,
    )


def _kill(proc: subprocess.Popen) -> str:
    """SIGKILL ``proc`` (if it still runs); return what it printed that was not read yet."""
    running = proc.poll() is None
    if running:
        os.kill(proc.pid, signal.SIGKILL)
    rest, _ = proc.communicate(timeout=60)
    assert not running or proc.returncode == -signal.SIGKILL
    return rest


def _line(proc: subprocess.Popen) -> str:
    line = proc.stdout.readline()
    if not line:
        proc.wait(timeout=60)
        raise AssertionError(f"the script died (exit {proc.returncode}): {proc.stderr.read()}")
    return line.strip()


def _intact(db) -> None:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _log(w: Workshop) -> list[tuple]:
    """The log without what differs between two databases (nothing else may)."""
    return [(a.id, a.round, a.kind, a.seat, a.payload) for a in w.actions()]


def _same_game(a: Workshop, b: Workshop) -> None:
    assert a.seed == b.seed == crash.SEED
    with a.session() as sa, b.session() as sb:
        for x, y in zip(frames(sa), frames(sb), strict=True):
            pd.testing.assert_frame_equal(x, y)
    for x, y in zip(frames(a.replayed()), frames(b.replayed()), strict=True):
        pd.testing.assert_frame_equal(x, y)


@pytest.mark.parametrize("stop", ["bidding", "negotiating"])
def test_a_process_killed_mid_round_loses_nothing_and_the_game_goes_on(tmp_path, stop):
    db = tmp_path / "killed.db"
    proc = _spawn("idle", db, stop)
    try:
        tokens = json.loads(_line(proc))["seats"]
        assert _line(proc) == "READY"
        time.sleep(0.2)  # idle: nothing in flight
        assert proc.poll() is None
    finally:
        _kill(proc)
    _intact(db)

    reference = crash.create(tmp_path / "reference.db")
    ref = Workshop(reference.db)
    ref_tokens = [s.token for s in reference.seats]
    crash.script(ref, ref_tokens, stop)

    w = Workshop(db)
    status, expected = w.status(), ref.status()
    assert (status.round, status.phase) == (1, stop)
    assert status.submitted == (1, 2, 3) == expected.submitted
    assert (status.week, status.silent) == (expected.week, expected.silent)
    assert _log(w) == _log(ref)
    kinds = [(a.round, a.kind) for a in w.actions()]
    assert kinds.count((1, "bid")) == crash.BIDDERS
    assert ((1, "offer") in kinds) == (stop == "negotiating")
    assert (0, "offer") in kinds and (0, "answer") in kinds
    for i in range(crash.BIDDERS):
        view = w.view(tokens[i])
        assert view.my_bid == tuple(crash.bid_steps(1, i))
        assert view.budget == ref.view(ref_tokens[i]).budget
    if stop == "negotiating":
        mine = w.view(tokens[0]).my_offers
        assert mine and mine == ref.view(ref_tokens[0]).my_offers

    crash.finish(w, tokens)
    crash.finish(ref, ref_tokens)
    assert w.status().week == ref.status().week == 4
    assert _log(w) == _log(ref)
    _same_game(w, ref)
    _intact(db)


@pytest.mark.parametrize(("threads", "after", "delay"), [(1, 3, 0.0), (1, 30, 0.004), (3, 20, 0.0)])
def test_a_process_killed_inside_a_loop_of_bids_leaves_a_whole_prefix(
    tmp_path, threads, after, delay
):
    db = tmp_path / "killed.db"
    proc = _spawn("loop", db, threads)
    reported = dict.fromkeys(range(crash.BIDDERS), -1)
    try:
        tokens = json.loads(_line(proc))["seats"]
        for _ in range(after):
            seat, j = map(int, _line(proc).split())
            reported[seat] = j
        if delay:
            time.sleep(delay)
    finally:
        rest = _kill(proc)
    for line in rest.splitlines():
        parts = line.split()
        if len(parts) != 2:  # the kill cut the last report short
            continue
        seat, j = map(int, parts)
        reported[seat] = max(reported[seat], j)
    _intact(db)

    w = Workshop(db)
    bids = [a for a in w.actions() if a.kind == "bid"]
    for seat in range(crash.BIDDERS):  # each seat's bids: a whole prefix of its loop
        mine = [a.payload["steps"] for a in bids if a.seat == seat + 1]
        # Every bid it reported is stored (more may be: reports still in the pipe when
        # the kill came are lost, the commits are not), and nothing beyond a prefix.
        assert len(mine) >= reported[seat] + 1
        assert mine == [[list(x) for x in crash.loop_steps(seat, j)] for j in range(len(mine))]
    status = w.status()
    assert (status.round, status.phase) == (0, "bidding")
    assert status.submitted == tuple(sorted({a.seat for a in bids}))

    reference = crash.create(tmp_path / "reference.db")
    ref = Workshop(reference.db)
    ref_tokens = [s.token for s in reference.seats]
    ref.open_round(LOCAL_HOST)
    for a in bids:  # the same bids in the same order
        ref.submit_bid(ref_tokens[a.seat - 1], [tuple(x) for x in a.payload["steps"]])
    assert _log(w) == _log(ref)

    crash.finish(w, tokens)
    crash.finish(ref, ref_tokens)
    assert _log(w) == _log(ref)
    _same_game(w, ref)
    _intact(db)
