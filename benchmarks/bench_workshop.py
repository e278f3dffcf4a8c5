"""Speed of a live workshop: closing a round, and thirty people submitting at once.

(a) Closing a round of a 30-seat classroom workshop (the classroom preset with 18
research and 12 product teams, every team a seat): after 29 seats have bid (the 30th is
left to its bot, so the host closes the window), the time from the host's
``close_bidding`` through ``close_negotiation``, the session brought up to date from the
warm cache (replaying the two new actions: clearing, the week's finish and its
negotiation) and the next ``status()`` read — what a room waits for between the last bid
and the next screen. It is measured against one plain ``model.step()`` of a
``ComputeGame`` of the same scenario and seed at the same week, interleaved round by
round so both see the same machine, the first round left out as warm-up, best of the
repeats kept.

(b) Thirty concurrent submitters: 30 threads, one per seat, released together by a
barrier, each submitting one bid per round (the last one closes the bidding by itself,
as in a workshop); the round's negotiation is then closed and the next round opened.
Printed: submissions per second (all submissions over the time the threads were
submitting) and the time each submission took, p50/p99/max in ms, next to one
submitter alone and to the same 30 arriving spread over one second (for comparison; the
target is checked on the burst).

Targets (issue 11): a round closes in at most 5x one model step; submitters never wait
on each other for more than a few milliseconds (p99 at most 10 ms). This prints PASS or
MISS for each and never fails.

Usage: ``.venv/bin/python benchmarks/bench_workshop.py [--rounds 6] [--repeats 3]``
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from game import ComputeGame, load_scenario
from workshop import Workshop, create_workshop

SEATS = 30
CLOSE_TARGET = 5.0
P99_TARGET_MS = 10.0
#: Seconds over which the "spread" run's submissions arrive (for comparison only).
SPREAD = 1.0


def classroom30():
    """The classroom preset with 30 teams (18 research, 12 product)."""
    return load_scenario("classroom", {"lab.research_teams": 18, "lab.product_teams": 12})


def steps(seat: int, round_: int) -> list[tuple[int, float]]:
    """A modest bid for a seat in a round (well inside any budget)."""
    return [(1 + (seat + round_) % 3, 10.0 + (seat * 7 + round_ * 3) % 40), (1, 2.0)]


def close_vs_step(rounds: int, seed: int, root: Path) -> tuple[list[float], list[float], dict]:
    """Seconds per round close and per model step, rounds 2.. of one workshop and game."""
    sc = classroom30()
    created = create_workshop(
        root / f"close{seed}.db", sc, seats=SEATS, rounds=rounds + 1, seed=seed
    )
    w, host = Workshop(created.db), created.host_token
    model = ComputeGame(sc, rng=seed)
    closes, model_steps = [], []
    parts: dict[str, list[float]] = {
        "close_bidding": [],
        "close_negotiation": [],
        "apply": [],
        "status": [],
    }
    for r in range(rounds + 1):
        w.open_round(host)
        for seat in created.seats[:-1]:
            w.submit_bid(seat.token, steps(seat.seat, r))
        with w.session():  # warm: up to the last bid
            pass
        t0 = time.perf_counter()
        w.close_bidding(host)
        t1 = time.perf_counter()
        w.close_negotiation(host)
        t2 = time.perf_counter()
        with w.session():
            pass
        t3 = time.perf_counter()
        w.status()
        t4 = time.perf_counter()
        s0 = time.perf_counter()
        model.step()
        s1 = time.perf_counter()
        if r == 0:  # warm-up
            continue
        closes.append(t4 - t0)
        model_steps.append(s1 - s0)
        for key, dt in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            parts[key].append(dt)
    return closes, model_steps, parts


def submitters(
    rounds: int, seed: int, root: Path, spread: float = 0.0
) -> tuple[list[float], float, list[float]]:
    """Per-submission seconds with 30 threads at once, their wall time, and one alone.

    With ``spread`` > 0 the threads start their submissions spread evenly over that many
    seconds after the barrier instead of all at once.
    """
    created = create_workshop(
        root / f"submit{seed}-{spread}.db",
        classroom30(),
        seats=SEATS,
        rounds=rounds + 2,
        seed=seed,
    )
    w, host = Workshop(created.db), created.host_token
    latencies: list[float] = []
    wall = 0.0
    lock = threading.Lock()

    # One submitter alone first (the floor of what a submission costs).
    w.open_round(host)
    alone = []
    for seat in created.seats[:-1]:
        t0 = time.perf_counter()
        w.submit_bid(seat.token, steps(seat.seat, 0))
        alone.append(time.perf_counter() - t0)
    w.close_bidding(host)
    w.close_negotiation(host)

    with ThreadPoolExecutor(max_workers=SEATS) as pool:
        for r in range(1, rounds + 1):
            w.open_round(host)
            with w.session():  # warm cache, as in a running workshop
                pass
            start = threading.Barrier(SEATS + 1)
            done: list[float] = []

            def submit(seat, r=r, start=start, done=done) -> None:
                start.wait()
                if spread:
                    time.sleep(spread * ((seat.seat * 0.618034) % 1.0))
                t0 = time.perf_counter()
                w.submit_bid(seat.token, steps(seat.seat, r))
                t1 = time.perf_counter()
                with lock:
                    latencies.append(t1 - t0)
                    done.append(t1)

            futures = [pool.submit(submit, seat) for seat in created.seats]
            start.wait()
            t_start = time.perf_counter()
            for f in futures:
                f.result()
            wall += max(done) - t_start
            w.close_negotiation(host)  # the last submission closed the bidding
    return latencies, wall, alone


def main() -> None:
    """Run both benchmarks and print the tables and the target checks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6, help="rounds timed per repeat")
    parser.add_argument("--repeats", type=int, default=3, help="repeats (best is kept)")
    args = parser.parse_args()
    verdict = {True: "PASS", False: "MISS"}

    closes: list[float] = []
    model_steps: list[float] = []
    parts: dict[str, list[float]] = {}
    latencies: list[float] = []
    spread: list[float] = []
    alone: list[float] = []
    wall = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for r in range(args.repeats):  # interleaved: both benchmarks see the same machine
            c, s, p = close_vs_step(args.rounds, r, root)
            closes += c
            model_steps += s
            for key, values in p.items():
                parts.setdefault(key, []).extend(values)
            lat, wl, al = submitters(args.rounds, r, root)
            latencies += lat
            wall += wl
            alone += al
            spread += submitters(args.rounds, r, root, spread=SPREAD)[0]

    best_close, best_step = min(closes), min(model_steps)
    ratio = best_close / best_step
    print(
        f"(a) closing a round of a {SEATS}-seat classroom workshop vs one model step "
        f"(best of {len(closes)} rounds over {args.repeats} repeats)"
    )
    print(f"{'':>26} {'best ms':>9} {'median ms':>10}")
    print(f"{'round close (all of it)':>26} {best_close * 1e3:>9.2f} {_ms(closes, 50):>10.2f}")
    for key, values in parts.items():
        print(f"{'  ' + key:>26} {min(values) * 1e3:>9.2f} {_ms(values, 50):>10.2f}")
    print(f"{'model.step()':>26} {best_step * 1e3:>9.2f} {_ms(model_steps, 50):>10.2f}")
    print(f"ratio close / step: {ratio:.2f}   <= {CLOSE_TARGET:g} {verdict[ratio <= CLOSE_TARGET]}")
    print()

    rate = len(latencies) / wall
    p50, p99, top = _ms(latencies, 50), _ms(latencies, 99), max(latencies) * 1e3
    print(
        f"(b) {SEATS} concurrent submitters, {len(latencies)} submissions "
        f"({args.rounds} rounds x {args.repeats} repeats)"
    )
    print(f"{'':>26} {'p50 ms':>9} {'p99 ms':>9} {'max ms':>9}")
    print(f"{'30 at once':>26} {p50:>9.2f} {p99:>9.2f} {top:>9.2f}")
    one = (_ms(alone, 50), _ms(alone, 99), max(alone) * 1e3)
    print(f"{'one alone':>26} {one[0]:>9.2f} {one[1]:>9.2f} {one[2]:>9.2f}")
    spaced = (_ms(spread, 50), _ms(spread, 99), max(spread) * 1e3)
    label = f"30 spread over {SPREAD:g} s"
    print(f"{label:>26} {spaced[0]:>9.2f} {spaced[1]:>9.2f} {spaced[2]:>9.2f}")
    print(f"submissions per second: {rate:.0f} (one alone: {1e3 / one[0]:.0f})")
    print(f"p99 wait: {p99:.1f} ms   <= {P99_TARGET_MS:g} ms {verdict[p99 <= P99_TARGET_MS]}")


def _ms(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) * 1e3 if values else float("nan")


if __name__ == "__main__":
    main()
