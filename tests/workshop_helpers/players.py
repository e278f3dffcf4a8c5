"""What one seat does in each window of a concurrency test, recording every call.

Each phase function plays one seat through the public API and appends one record per
call to ``records``: ``{"seat", "round", "op", "ok", "result" | "error", ...}``. A refusal
must be a :class:`~workshop.WorkshopError` (recorded with its message); anything else is
recorded as ``"unexpected"`` with its traceback, which the tests fail on. Choices are
drawn from generators seeded by (seat, round, phase), so a seat does the same things
whoever runs it; what succeeds still depends on how the threads interleave.

Run as a module it is a worker process playing some seats on command::

    python -m workshop_helpers.players DB
    stdin:  {"seats": [[seat, token], ...]}          then one command a line:
            {"op": "bid"|"late_bid"|"offer"|"late_offer"|"answer", "round": r,
             "silent": [...]}  -> one line: the JSON list of records
            {"op": "frames", "path": P}  -> pickles its session's frames to P
            {"op": "quit"}
"""

from __future__ import annotations

import json
import pickle
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from workshop import Workshop, WorkshopError
from workshop_helpers import frames

SEED = 2024
#: Seconds a barrier waits before the phase is declared stuck.
BARRIER_TIMEOUT = 120.0
PHASES = ("bid", "late_bid", "offer", "late_offer", "answer")


def rng(seat: int, round_: int, phase: int) -> np.random.Generator:
    """The generator of one seat's choices in one phase of one round."""
    return np.random.default_rng([SEED, seat, round_, phase])


def silent_seats(round_: int, n_seats: int) -> list[int]:
    """Seats that do not bid in ``round_`` (so bidding never closes by itself)."""
    return sorted({(round_ * 7) % n_seats + 1, (round_ * 7 + 13) % n_seats + 1})


def late_seats(round_: int, seats: Sequence[int], silent: Sequence[int]) -> list[int]:
    """Seats that send one more bid or offer while the host closes the window."""
    return [s for s in seats if (s + round_) % 5 == 0 and s not in silent]


def attempt(
    records: list[dict[str, Any]],
    seat: int,
    round_: int,
    op: str,
    call: Callable[[], Any],
    **info: Any,
) -> Any:
    """Make one call, record its outcome, return its result (None if refused)."""
    record: dict[str, Any] = {"seat": seat, "round": round_, "op": op, **info}
    try:
        result = call()
    except WorkshopError as err:
        record.update(ok=False, error=str(err), error_type=type(err).__name__)
        records.append(record)
        return None
    except Exception:  # recorded for the test to fail on
        record.update(ok=False, unexpected=traceback.format_exc())
        records.append(record)
        return None
    record.update(ok=True, result=result)
    records.append(record)
    return result


def _price(r: np.random.Generator, low: float, high: float) -> float:
    return round(float(r.uniform(low, high)), 2)


# ---------------------------------------------------------------------- phases
def bid(w: Workshop, seat: int, token: str, round_: int, silent: Sequence[int], records) -> None:
    """A bad bid now and then (refused), a bid, and sometimes a replacement."""
    if seat in silent:
        return
    r = rng(seat, round_, 0)
    k = w.scenario.market.max_units_per_bid
    if r.random() < 0.4:
        attempt(records, seat, round_, "bid", lambda: w.submit_bid(token, [(k + 1, 1.0)]))
    for _ in range(1 + int(r.random() < 0.5)):
        steps = [(int(r.integers(1, 3)), _price(r, 5, 60)), (1, _price(r, 1, 5))]
        attempt(records, seat, round_, "bid", lambda s=steps: w.submit_bid(token, s))


def late_bid(w: Workshop, seat: int, token: str, round_: int, silent, records) -> None:
    """One more bid, racing the host's close: accepted before it, or refused after."""
    r = rng(seat, round_, 3)
    steps = [(1, _price(r, 5, 60))]
    attempt(records, seat, round_, "bid", lambda: w.submit_bid(token, steps))


def _teams(w: Workshop) -> tuple[list[str], list[str]]:
    """All team names, and those no seat plays (bots)."""
    with w.session() as s:
        names = list(s.model.teams.names)
    seated = set(w.seat_teams.values())
    return names, [n for i, n in enumerate(names) if i not in seated]


def offer(w: Workshop, seat: int, token: str, round_: int, silent, records) -> None:
    """A loan offer to a bot team and one to a person's team (silent seats are refused)."""
    r = rng(seat, round_, 1)
    names, bots = _teams(w)
    mine = names[w.seat_teams[seat]]
    people = [names[i] for s, i in w.seat_teams.items() if s != seat]
    for team in (bots[int(r.integers(len(bots)))], people[int(r.integers(len(people)))]):
        lend = bool(r.random() < 0.5)
        units, price, weeks = 1, _price(r, 5, 80), int(r.integers(1, 4))
        attempt(
            records,
            seat,
            round_,
            "offer",
            lambda t=team, u=units, p=price, wk=weeks, ln=lend: w.offer_loan(
                token, t, u, p, wk, lend=ln
            ),
            team=team,
        )
    if r.random() < 0.2:
        attempt(records, seat, round_, "offer", lambda: w.offer_loan(token, mine, 1, 1.0, 1))


def late_offer(w: Workshop, seat: int, token: str, round_: int, silent, records) -> None:
    """One more offer to a bot team, racing the host's close of the negotiation."""
    r = rng(seat, round_, 4)
    _, bots = _teams(w)
    team = bots[int(r.integers(len(bots)))]
    price = _price(r, 5, 80)
    attempt(
        records,
        seat,
        round_,
        "offer",
        lambda: w.offer_loan(token, team, 1, price, 2, lend=False),
        team=team,
    )


def answer(w: Workshop, seat: int, token: str, round_: int, silent, records) -> None:
    """Answer every open offer made to the seat; now and then answer one twice."""
    r = rng(seat, round_, 2)
    view = w.view(token)
    for o in view.offers_to_me:
        if o.status != "open":
            continue
        x = r.random()
        if x < 0.45:
            response, price = "accept", None
        elif x < 0.8 or o.borrower != view.team:
            response, price = "reject", None
        else:  # a borrower's counter at a lower price (always affordable here)
            response, price = "counter", round(o.price * 0.8, 2)
        attempt(
            records,
            seat,
            round_,
            "answer",
            lambda i=o.id, rs=response, p=price: w.answer_offer(token, i, rs, price=p),
            offer=o.id,
            response=response,
        )
        if r.random() < 0.2:
            attempt(
                records,
                seat,
                round_,
                "answer",
                lambda i=o.id: w.answer_offer(token, i, "reject"),
                offer=o.id,
                response="reject",
            )


PHASE = {
    "bid": bid,
    "late_bid": late_bid,
    "offer": offer,
    "late_offer": late_offer,
    "answer": answer,
}


def run_phase(
    w: Workshop,
    seats: Sequence[tuple[int, str]],
    op: str,
    round_: int,
    silent: Sequence[int],
    pool: ThreadPoolExecutor,
    also: Sequence[Callable[[], Any]] = (),
) -> tuple[list[dict[str, Any]], list[Any]]:
    """Run phase ``op`` for ``seats`` at once, one thread each, with ``also`` in the start.

    All threads (seats and ``also``) wait at one barrier and start together. Returns the
    records and the results of ``also`` (whose exceptions propagate).
    """
    start = threading.Barrier(len(seats) + len(also), timeout=BARRIER_TIMEOUT)
    records: list[dict[str, Any]] = []

    def seat_task(seat: int, token: str) -> None:
        start.wait()
        PHASE[op](w, seat, token, round_, silent, records)

    def also_task(call: Callable[[], Any]) -> Any:
        start.wait()
        return call()

    futures = [pool.submit(seat_task, s, t) for s, t in seats]
    extra = [pool.submit(also_task, c) for c in also]
    for f in futures:
        f.result()
    return records, [f.result() for f in extra]


# ---------------------------------------------------------------------- worker process
def main(argv: Sequence[str]) -> None:
    """A worker process: open the workshop itself and play its seats on command."""
    w = Workshop(argv[0])
    seats = [(int(s), str(t)) for s, t in json.loads(sys.stdin.readline())["seats"]]
    with w.session():  # rebuild once before the first command
        pass
    print(json.dumps({"ready": [s for s, _ in seats]}), flush=True)
    with ThreadPoolExecutor(max_workers=len(seats)) as pool:
        for line in sys.stdin:
            cmd = json.loads(line)
            if cmd["op"] == "quit":
                break
            if cmd["op"] == "frames":
                with w.session() as s, open(cmd["path"], "wb") as fh:
                    pickle.dump(frames(s), fh)
                print(json.dumps({"done": True}), flush=True)
                continue
            chosen = seats
            if cmd["op"] in ("late_bid", "late_offer"):
                late = set(late_seats(cmd["round"], [s for s, _ in seats], cmd["silent"]))
                chosen = [(s, t) for s, t in seats if s in late]
            records, _ = run_phase(w, chosen, cmd["op"], cmd["round"], cmd["silent"], pool)
            print(json.dumps(records), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
