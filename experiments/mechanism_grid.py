"""The mechanism grid: every allocation rule on every preset, the same seeds for all.

One table answers "what does the rule change?": each cell is the mean over seeds of a
run metric for one rule on one preset, every rule playing the same seeds (common random
numbers), so a difference between two cells of a row comes from the rules::

    .venv/bin/python -m experiments.mechanism_grid      # 5 presets x 8 rules x 10 seeds
    .venv/bin/python -m experiments.mechanism_grid --seeds 3 --presets scarcity --out grid.csv

Runs go to an executor of :mod:`experiments.executors` (local processes by default, or
``--executor dask --scheduler tcp://...``) with a progress bar on stderr; the table is
printed as Markdown (one block per preset).
"""

from __future__ import annotations

import argparse
import sys
from itertools import product

import pandas as pd

from experiments.executors import EXECUTORS, open_executor

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


Cell = tuple[str, str, int, int | None]


def run_cell(cell: Cell) -> dict[str, float | str]:
    """Play one seeded game ``(preset, rule, seed, weeks)`` and summarise it."""
    from game import ComputeGame, load_scenario
    from game.run_metrics import summarise

    preset, rule, seed, weeks = cell
    sc = load_scenario(preset, {"market.mechanism": rule})
    frame = ComputeGame(sc, rng=seed, keep_books=False).run(weeks).weeks_frame()
    return {"preset": preset, "rule": rule, "seed": seed, **summarise(frame)}


def grid(
    presets: list[str],
    rules: list[str],
    seeds: int,
    weeks: int | None = None,
    *,
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Every (preset, rule, seed) run's metrics, one row each, in grid order.

    Args:
        presets: Preset names (rows of blocks).
        rules: Registered mechanism names.
        seeds: Seeds 0..seeds-1, the same for every rule.
        weeks: Weeks per run (None: each preset's own).
        executor: ``serial``, ``processes`` or ``dask``.
        workers: Worker processes (default: the usable cores).
        scheduler: A Dask scheduler address (``dask`` only).
        progress: Show a progress bar on stderr.
    """
    from tqdm import tqdm

    cells: list[Cell] = [(p, r, s, weeks) for p, r, s in product(presets, rules, range(seeds))]
    rows = []
    with (
        open_executor(executor, workers=workers, scheduler=scheduler) as ex,
        tqdm(total=len(cells), unit="run", file=sys.stderr, disable=not progress) as bar,
    ):
        for row in ex.imap_unordered(run_cell, cells):
            rows.append(row)
            bar.update()
    order = {cell[:3]: i for i, cell in enumerate(cells)}
    rows.sort(key=lambda r: order[(r["preset"], r["rule"], r["seed"])])
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


def _check(args: argparse.Namespace, presets: list[str], rules: list[str]) -> str | None:
    """A short message for the first bad argument, or None."""
    from game.run_metrics import RUN_METRICS

    for field, given, allowed in (
        ("--presets", args.presets, presets),
        ("--rules", args.rules, rules),
        ("--metrics", args.metrics, list(RUN_METRICS)),
    ):
        bad = [v for v in given if v not in allowed]
        if bad:
            return f"{field} {bad[0]!r} is not allowed; allowed: {', '.join(allowed)}"
    for field, value, low in (("--seeds", args.seeds, 1), ("--weeks", args.weeks, 1)):
        if value is not None and value < low:
            return f"{field} = {value}: must be a whole number >= {low}"
    if args.workers is not None and args.workers < 1:
        return f"--workers = {args.workers}: must be a whole number >= 1"
    return None


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
    parser.add_argument("--executor", choices=list(EXECUTORS), default="processes")
    parser.add_argument("--workers", type=int, default=None, help="default: the usable cores")
    parser.add_argument("--scheduler", help="Dask scheduler address (with --executor dask)")
    parser.add_argument("--out", help="also write every run's row to this CSV")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    problem = _check(args, list_presets(), list(market.MECHANISMS))
    if problem:
        parser.error(problem)
    runs = grid(
        args.presets,
        args.rules,
        args.seeds,
        args.weeks,
        executor=args.executor,
        workers=args.workers,
        scheduler=args.scheduler,
        progress=not args.quiet,
    )
    if args.out:
        runs.to_csv(args.out, index=False)
    print(table(runs, args.metrics))


if __name__ == "__main__":
    main()
