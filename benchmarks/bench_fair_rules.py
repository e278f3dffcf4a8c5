"""Time and peak memory of every built-in mechanism as the supply grows from 10^3 to 10^12.

Usage::

    .venv/bin/python benchmarks/bench_fair_rules.py [--bidders 16] [--units 8] [--repeats 5]

Each mechanism clears one seeded book (``--bidders`` x ``--units`` non-increasing bids)
with supply 10^3, 10^6, 10^9 and 10^12. Rules without money get reported demands of a
fifth of the supply each, so the supply is always scarce and the water-filling, not the
"everyone is served" shortcut, runs. It reports the best-of-N time in microseconds and the
peak bytes allocated (``tracemalloc``, which numpy reports to) per supply, then checks the
target: memory at 10^12 units at most twice that at 10^3 (plus 64 KiB). A miss is
reported, never raised.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

import market

SUPPLIES = (10**3, 10**6, 10**9, 10**12)
SLACK_BYTES = 64 * 2**10


def make_bids(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """Random non-increasing bids, some bidders wanting fewer than ``k`` units."""
    bids = -np.sort(-rng.uniform(1.0, 100.0, size=(n, k)), axis=1)
    bids[np.arange(k)[None, :] >= rng.integers(1, k + 1, size=n)[:, None]] = 0.0
    return bids


def measure(name: str, bids: np.ndarray, supply: int, repeats: int) -> tuple[float, int]:
    """Best-of-``repeats`` microseconds and the peak bytes of one clearing."""
    n = bids.shape[0]
    demand = None
    if not market.MECHANISMS[name].uses_money:
        demand = np.full(n, float(max(supply // 5, 1)))
    kwargs = {"demand": demand, "weights": np.linspace(1.0, 2.0, n)}
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        market.clear(name, bids, supply, rng=np.random.default_rng(0), **kwargs)
        best = min(best, time.perf_counter() - start)
    tracemalloc.start()
    try:
        market.clear(name, bids, supply, rng=np.random.default_rng(0), **kwargs)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return best * 1e6, peak


def main() -> None:
    """Print the table and the target check."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bidders", type=int, default=16)
    parser.add_argument("--units", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    bids = make_bids(args.bidders, args.units, np.random.default_rng(args.seed))
    names = [
        name
        for name, mech in market.MECHANISMS.items()
        if mech.func.__module__ in ("market.auctions", "market.allocation_rules")
    ]
    print(f"{args.bidders} bidders x {args.units} units; time in us, peak memory in KiB")
    head = "".join(f"{f'S=1e{len(str(s)) - 1}':>18}" for s in SUPPLIES)
    print(f"{'mechanism':20}{head}")
    misses = []
    for name in names:
        cells, peaks = [], []
        for supply in SUPPLIES:
            micros, peak = measure(name, bids, supply, args.repeats)
            cells.append(f"{micros:9.0f} {peak / 1024:7.1f}K")
            peaks.append(peak)
        print(f"{name:20}" + "".join(f"{c:>18}" for c in cells))
        if peaks[-1] > 2 * peaks[0] + SLACK_BYTES:
            misses.append(f"{name}: {peaks[0]} bytes at 1e3 units, {peaks[-1]} at 1e12")
    print("target met: memory does not grow with the supply" if not misses else "MISSED:")
    for miss in misses:
        print("  " + miss)


if __name__ == "__main__":
    main()
