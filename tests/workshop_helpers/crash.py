"""Deterministic workshop scripts, and processes that play them until they are killed.

The same functions play a workshop in a process that is then killed (``kill -9``) and,
uninterrupted, in the test process: the two must end in the same game.

Usage (``tests/`` on ``PYTHONPATH``)::

    python -m workshop_helpers.crash idle DB bidding|negotiating
        create a workshop, play :func:`script` up to the middle of round 2 (stopping in
        its bidding or its negotiation window), print the links as JSON, then READY,
        and sit idle until killed;
    python -m workshop_helpers.crash loop DB THREADS
        create a workshop, open round 1, print the links, then loop in THREADS threads
        (the first :data:`BIDDERS` seats spread over them) submitting bids: the ``j``-th
        bid of seat ``s`` is :func:`loop_steps` ``(s, j)``; print ``s j`` after each one
        is committed, until killed. With several threads a connection is always open,
        so committed bids sit in the write-ahead log when the process dies.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

from workshop import LOCAL_HOST, Created, Workshop, create_workshop

SEED = 21
ROUNDS = 5
#: Seats that bid in :func:`script` (the last seat never does: bidding stays open).
BIDDERS = 3


def create(db: Path) -> Created:
    """The workshop every script plays."""
    return create_workshop(
        Path(db), "classroom", seats=4, rounds=ROUNDS, seed=SEED, bidding_seconds=3600.0
    )


def links(created: Created) -> dict[str, object]:
    """What the killed process tells the test: the tokens of its workshop."""
    return {"host": created.host_token, "seats": [s.token for s in created.seats]}


def bid_steps(round_: int, i: int) -> list[tuple[int, float]]:
    """Seat ``i``'s bid in ``round_`` (0-based seat index)."""
    return [(1 + (round_ + i) % 3, 20.0 + 7.5 * i + 3.0 * round_), (1, 2.0 + i)]


def bids(w: Workshop, tokens: list[str], round_: int) -> None:
    """The first :data:`BIDDERS` seats bid."""
    for i in range(BIDDERS):
        w.submit_bid(tokens[i], bid_steps(round_, i))


def offers(w: Workshop, tokens: list[str], round_: int) -> None:
    """Seat 1 asks a bot's team to lend; the seat holding most lends to another, who accepts.

    Only offers that the game's state allows are made, decided from that state, so the
    same calls happen in any replay of the same log.
    """
    with w.session() as s:
        names = list(s.model.teams.names)
        gpus = [float(g) for g in s.model.teams.gpus]
    seated = [w.seat_teams[k] for k in sorted(w.seat_teams)]
    bots = [n for i, n in enumerate(names) if i not in seated]
    w.offer_loan(tokens[0], bots[round_ % len(bots)], 1, 40.0 + round_, 2, lend=False)
    people = list(range(BIDDERS))
    lender = max(people, key=lambda i: gpus[seated[i]])
    borrower = next(i for i in people if i != lender)
    if gpus[seated[lender]] >= 1:
        offer = w.offer_loan(tokens[lender], names[seated[borrower]], 1, 12.5, 2, lend=True)
        w.answer_offer(tokens[borrower], offer, "accept")


def script(w: Workshop, tokens: list[str], stop: str) -> None:
    """Round 1 in full (bids, offers), then round 2 up to ``stop`` ("bidding"/"negotiating")."""
    w.open_round(LOCAL_HOST)
    bids(w, tokens, 0)
    w.close_bidding(LOCAL_HOST)
    offers(w, tokens, 0)
    w.close_negotiation(LOCAL_HOST)
    w.open_round(LOCAL_HOST)
    bids(w, tokens, 1)
    if stop == "negotiating":
        w.close_bidding(LOCAL_HOST)
        offers(w, tokens, 1)


def finish(w: Workshop, tokens: list[str], rounds: int = 2) -> None:
    """Close the open round, then play ``rounds`` more with bids and offers."""
    if w.status().phase == "bidding":
        w.close_bidding(LOCAL_HOST)
    w.close_negotiation(LOCAL_HOST)
    for _ in range(rounds):
        number = w.open_round(LOCAL_HOST)
        bids(w, tokens, number)
        w.close_bidding(LOCAL_HOST)
        offers(w, tokens, number)
        w.close_negotiation(LOCAL_HOST)


def loop_steps(seat: int, j: int) -> list[tuple[int, float]]:
    """The ``j``-th bid seat ``seat`` (0-based index) submits in the loop."""
    i = 3 * j + seat
    return [(1 + i % 4, 10.0 + (i * 37) % 50), (1, 1.0 + i % 7)]


_PRINT = threading.Lock()


def _loop(w: Workshop, tokens: list[str], seats: list[int]) -> None:
    count = dict.fromkeys(seats, 0)
    while True:
        for seat in seats:
            w.submit_bid(tokens[seat], loop_steps(seat, count[seat]))
            with _PRINT:  # one whole line per report, even from several threads
                sys.stdout.write(f"{seat} {count[seat]}\n")
                sys.stdout.flush()
            count[seat] += 1


def main(argv: list[str]) -> None:
    """Play a script, then wait (or loop) until killed."""
    what, db = argv[0], Path(argv[1])
    created = create(db)
    w = Workshop(db)
    tokens = [s.token for s in created.seats]
    print(json.dumps(links(created)), flush=True)
    if what == "idle":
        script(w, tokens, argv[2])
        print("READY", flush=True)
        while True:
            time.sleep(60)
    w.open_round(LOCAL_HOST)
    threads = int(argv[2])
    loops = [
        threading.Thread(target=_loop, args=(w, tokens, list(range(t, BIDDERS, threads))))
        for t in range(threads)
    ]
    for t in loops:
        t.start()
    for t in loops:
        t.join()


if __name__ == "__main__":
    main(sys.argv[1:])
