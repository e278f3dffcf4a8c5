"""Time every market mechanism against one np.sort of the same bids, side by side in one run.

Usage::

    .venv/bin/python benchmarks/bench_market.py [--repeats 7] [--units 10] [--seed 0]

For 10, 100, 1,000 and 10,000 bidders x ``--units`` units (random non-increasing bids from a
seeded generator, supply = a quarter of all marginal bids), it reports the best-of-N time of
``market.clear`` for every registered mechanism (validation included) in microseconds and as a
ratio to one ``np.sort`` of all n*k marginal bids timed in the same run. It then checks the two
targets at 1,000 bidders: uniform_price / sort <= 3 and vickrey / uniform_price <= 5. A miss is
reported, never raised.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

import market

SIZES = (10, 100, 1_000, 10_000)
TARGET_BIDDERS = 1_000
UNIFORM_VS_SORT = 3.0
VICKREY_VS_UNIFORM = 5.0


def make_bids(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """Random non-increasing bids: sorted uniform values, a few bidders wanting fewer units."""
    bids = -np.sort(-rng.uniform(0.0, 100.0, size=(n, k)), axis=1)
    wanted = rng.integers(1, k + 1, size=n)
    bids[np.arange(k)[None, :] >= wanted[:, None]] = 0.0
    return bids


def best_time(func: Callable[[], object], repeats: int) -> float:
    """Best-of-``repeats`` seconds per call, with enough calls per repeat to last ~20 ms."""
    func()
    start = time.perf_counter()
    func()
    once = max(time.perf_counter() - start, 1e-7)
    number = max(1, int(0.02 / once))
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            func()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def run(repeats: int, units: int, seed: int) -> dict[int, dict[str, float]]:
    """Time every mechanism and the reference sort; return microseconds per size and name."""
    rng = np.random.default_rng(seed)
    results: dict[int, dict[str, float]] = {}
    for n in SIZES:
        bids = make_bids(n, units, rng)
        supply = n * units / 4
        flat = bids.reshape(-1)
        row = {"np.sort": best_time(lambda flat=flat: np.sort(flat), repeats) * 1e6}
        for name in market.MECHANISMS:
            tie_rng = np.random.default_rng(seed)

            def call(name=name, bids=bids, supply=supply, tie_rng=tie_rng) -> object:
                return market.clear(name, bids, supply, rng=tie_rng)

            row[name] = best_time(call, repeats) * 1e6
        results[n] = row
    return results


def report(results: dict[int, dict[str, float]], units: int) -> None:
    """Print the table and the two target checks."""
    names = ["np.sort", *market.MECHANISMS]
    width = max(len(s) for s in names) + 2
    header = "".join(f"{f'{n:,} x {units}':>22}" for n in results)
    print(f"{'mechanism':<{width}}{header}")
    print(f"{'':<{width}}" + "".join(f"{'us  (x sort)':>22}" for _ in results))
    for name in names:
        cells = []
        for row in results.values():
            cells.append(f"{row[name]:>12.1f} ({row[name] / row['np.sort']:>6.2f})")
        print(f"{name:<{width}}" + "".join(f"{c:>22}" for c in cells))
    row = results.get(TARGET_BIDDERS)
    if row is None:
        return
    print()
    checks = [
        ("uniform_price / np.sort", row["uniform_price"] / row["np.sort"], UNIFORM_VS_SORT),
        ("vickrey / uniform_price", row["vickrey"] / row["uniform_price"], VICKREY_VS_UNIFORM),
    ]
    for label, ratio, target in checks:
        verdict = "PASS" if ratio <= target else "MISS"
        print(
            f"{label} at {TARGET_BIDDERS:,} bidders: {ratio:.2f} (target <= {target:g}) {verdict}"
        )


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the benchmark and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="best of this many repeats")
    parser.add_argument("--units", type=int, default=10, help="marginal bids per bidder")
    parser.add_argument("--seed", type=int, default=0, help="seed of the bid generator")
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.units < 1:
        parser.error("--repeats and --units must be >= 1")
    report(run(args.repeats, args.units, args.seed), args.units)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
