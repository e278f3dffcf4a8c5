"""Cost of the game per team-week, against Mesa's own BoltzmannWealth example.

Measured side by side in one run (these machines are shared and noisy): for each lab size
(16, 100, 1,000 and 10,000 teams, 60% research, lab-2025 scaled), ``ComputeGame`` is timed
over a few weeks after a warm-up week, as microseconds per team-week, and Mesa's
``BoltzmannWealth`` with the same number of agents as microseconds per agent-step. The
two are interleaved per size and the best of the repeats kept, so both see the same
machine.

Targets (issue 8): team-week / agent-step <= 4 at 16 teams, <= 2 at 100, <= 1.0 at
1,000, and cost per team-week at 10,000 teams no more than 1.2x that at 1,000. A 52-week
lab-2025 run is timed too.

Usage: ``.venv/bin/python benchmarks/bench_model.py [--weeks 8] [--repeats 3]``
"""

from __future__ import annotations

import argparse
import time

from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth

from game import ComputeGame, load_scenario

SIZES = (16, 100, 1000, 10000)
TARGETS = {16: 4.0, 100: 2.0, 1000: 1.0}
SCALING_TARGET = 1.2


def lab(n_teams: int):
    """lab-2025 scaled to ``n_teams`` teams (fleet, go-live and reclaims scale with it)."""
    n_research = round(n_teams * 0.6)
    scale = n_teams / 16
    return load_scenario(
        "lab-2025",
        overrides={
            "lab.research_teams": n_research,
            "lab.product_teams": n_teams - n_research,
            "supply.initial_gpus": 100_000 * scale,
            "supply.go_live": [{"week": 30, "tranches": 40 * scale}],
            "reallocation.moves_per_week": max(4, n_teams // 4),
        },
    )


def game_cost(n_teams: int, weeks: int, seed: int) -> float:
    """Microseconds per team-week for one timed stretch of a lab of ``n_teams`` teams."""
    model = ComputeGame(lab(n_teams), rng=seed, keep_books=False)
    model.step()  # warm-up: first-week grants and caches
    t0 = time.perf_counter()
    for _ in range(weeks):
        model.step()
    return (time.perf_counter() - t0) / (weeks * n_teams) * 1e6


def boltzmann_cost(n_agents: int, steps: int, seed: int) -> float:
    """Microseconds per agent-step of Mesa's BoltzmannWealth with ``n_agents`` agents."""
    model = BoltzmannWealth(BoltzmannScenario(n=n_agents, width=32, height=32, rng=seed))
    model.step()
    t0 = time.perf_counter()
    for _ in range(steps):
        model.step()
    return (time.perf_counter() - t0) / (steps * n_agents) * 1e6


def full_run_ms(repeats: int) -> float:
    """Best-of-``repeats`` milliseconds for a 52-week lab-2025 run."""
    sc = load_scenario("lab-2025")
    best = float("inf")
    for r in range(repeats):
        t0 = time.perf_counter()
        ComputeGame(sc, rng=r).run(52)
        best = min(best, time.perf_counter() - t0)
    return best * 1e3


def main() -> None:
    """Run the benchmark and print the table and the target checks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=8, help="weeks timed per repeat")
    parser.add_argument("--repeats", type=int, default=3, help="repeats (best is kept)")
    args = parser.parse_args()

    game: dict[int, float] = {}
    boltz: dict[int, float] = {}
    for n in SIZES:
        # Enough steps that the small sizes are not timing noise.
        weeks = max(args.weeks, 4000 // n) if n < 1000 else args.weeks
        steps = max(20, 20000 // n)
        g, b = float("inf"), float("inf")
        for r in range(args.repeats):  # interleaved: both see the same machine
            b = min(b, boltzmann_cost(n, steps, r))
            g = min(g, game_cost(n, min(weeks, 50), r))
        game[n], boltz[n] = g, b
    full = full_run_ms(args.repeats)

    verdict = {True: "PASS", False: "MISS"}
    print(f"ComputeGame vs Mesa BoltzmannWealth (best of {args.repeats} interleaved repeats)")
    print(f"{'teams':>8} {'us/team-week':>14} {'us/agent-step':>14} {'ratio':>8} {'target':>8}")
    for n in SIZES:
        ratio = game[n] / boltz[n]
        target = TARGETS.get(n)
        check = f"<= {target:g} {verdict[ratio <= target]}" if target else ""
        print(f"{n:>8} {game[n]:>14.2f} {boltz[n]:>14.2f} {ratio:>8.2f}   {check}")
    scaling = game[10000] / game[1000]
    print(
        f"cost(10,000)/cost(1,000) per team-week: {scaling:.2f}   "
        f"<= {SCALING_TARGET} {verdict[scaling <= SCALING_TARGET]}"
    )
    print(f"52-week lab-2025 run: {full:.0f} ms")


if __name__ == "__main__":
    main()
