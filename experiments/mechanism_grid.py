"""The mechanism grid: every allocation rule on every preset, the same seeds for all.

One table answers "what does the rule change?": each cell is the mean over seeds of a
run metric for one rule on one preset, every rule playing the same seeds (common random
numbers), so a difference between two cells of a row comes from the rules::

    .venv/bin/python -m experiments.mechanism_grid      # 5 presets x 8 rules x 10 seeds
    .venv/bin/python -m experiments.mechanism_grid --seeds 3 --presets scarcity --out grid.csv

Runs go to local worker processes; the table is printed as Markdown (one block per preset).
"""

from __future__ import annotations

import argparse
import os
from concurrent.futures import ProcessPoolExecutor
from itertools import product

import pandas as pd

DEFAULT_METRICS = (
    "efficiency",
    "output_value",
    "jain",
    "envy",
    "rho_max",
    "mean_stress",
    "new_project_wait",
    "idle",
)


def run_cell(preset: str, rule: str, seed: int, weeks: int | None) -> dict[str, float | str]:
    """Play one seeded game of ``preset`` under ``rule`` and summarise it."""
    from game import ComputeGame, load_scenario
    from game.run_metrics import summarise

    sc = load_scenario(preset, {"market.mechanism": rule})
    frame = ComputeGame(sc, rng=seed, keep_books=False).run(weeks).weeks_frame()
    return {"preset": preset, "rule": rule, "seed": seed, **summarise(frame)}


def grid(
    presets: list[str], rules: list[str], seeds: int, weeks: int | None, workers: int
) -> pd.DataFrame:
    """Every (preset, rule, seed) run's metrics, one row each."""
    cells = list(product(presets, rules, range(seeds)))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        rows = list(
            pool.map(
                run_cell,
                [c[0] for c in cells],
                [c[1] for c in cells],
                [c[2] for c in cells],
                [weeks] * len(cells),
                chunksize=4,
            )
        )
    return pd.DataFrame(rows)


def table(runs: pd.DataFrame, metrics: list[str]) -> str:
    """The grid as Markdown: one block per preset, a row per rule, the mean over seeds."""
    from game.run_metrics import RUN_METRICS

    shown = [m for m in metrics if m in runs.columns]
    blocks = []
    for preset, part in runs.groupby("preset", sort=False):
        means = part.groupby("rule", sort=False)[shown].mean()
        head = "| rule | " + " | ".join(RUN_METRICS[m].label for m in shown) + " |"
        rule_line = "|---|" + "---:|" * len(shown)
        lines = [f"**{preset}** ({part['seed'].nunique()} seeds)", "", head, rule_line]
        for rule, row in means.iterrows():
            cells = " | ".join(RUN_METRICS[m].format(row[m]) for m in shown)
            lines.append(f"| {rule} | {cells} |")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def main(argv: list[str] | None = None) -> None:
    """Run the grid and print its table."""
    import market
    from game.scenario import list_presets

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="*", default=list_presets(), help="presets to play")
    parser.add_argument("--rules", nargs="*", default=list(market.MECHANISMS), help="rules")
    parser.add_argument("--seeds", type=int, default=10, help="seeds per cell (0..N-1)")
    parser.add_argument("--weeks", type=int, default=None, help="weeks (default: the preset's)")
    parser.add_argument("--metrics", nargs="*", default=list(DEFAULT_METRICS), help="columns")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", help="also write every run's row to this CSV")
    args = parser.parse_args(argv)
    runs = grid(args.presets, args.rules, args.seeds, args.weeks, args.workers)
    if args.out:
        runs.to_csv(args.out, index=False)
    print(table(runs, args.metrics))


if __name__ == "__main__":
    main()
