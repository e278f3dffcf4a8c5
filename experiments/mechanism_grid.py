"""The mechanism grid: every allocation rule on every preset, the same seeds for all.

One table answers "what does the rule change?": each cell is the mean over seeds of a
run metric for one rule on one preset, every rule playing the same seeds (common random
numbers), so a difference between two cells of a row comes from the rules::

    .venv/bin/python -m experiments.mechanism_grid      # every preset x rule, 10 seeds
    .venv/bin/python -m experiments.mechanism_grid --seeds 3 --presets scarcity \
        --out results/grid.csv
    .venv/bin/python -m experiments.mechanism_grid --populations preset learners

A *population* is who bids: ``preset`` (each preset's own strategy mix), ``learners``
(learning bidders: hedge, roth_erev, kelly_anticipating, misreporter) or ``truthful``.
Besides the run metrics, each cell shows the mean bid shading of the last 10 weeks
(``1 − bid/value``; 0 = bids equal values).

Runs go to an executor of :mod:`experiments.executors` (local processes by default, or
``--executor dask --scheduler tcp://...``) with a progress bar on stderr; the table is
printed as Markdown (one block per preset).
"""

from __future__ import annotations

import argparse
import sys
from itertools import product
from pathlib import Path

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


#: Who bids in a grid's games: a strategy mix, or None for the preset's own.
POPULATIONS: dict[str, dict[str, float] | None] = {
    "preset": None,
    "learners": {"hedge": 0.4, "roth_erev": 0.2, "kelly_anticipating": 0.2, "misreporter": 0.2},
    "truthful": {"truthful": 1.0},
}
#: The extra column: mean bid shading over the last weeks of a run.
SHADING = "shading"
SHADING_WEEKS = 10

Cell = tuple[str, str, str, int, int | None]


def run_cell(cell: Cell) -> dict[str, float | str]:
    """Play one seeded game ``(preset, population, rule, seed, weeks)`` and summarise it."""
    from game import ComputeGame, load_scenario
    from game.run_metrics import summarise
    from game.world.snapshot import mean_over_teams

    preset, population, rule, seed, weeks = cell
    overrides: dict[str, object] = {"market.mechanism": rule}
    if POPULATIONS[population] is not None:
        overrides["lab.strategy_mix"] = POPULATIONS[population]
    sc = load_scenario(preset, overrides)
    model = ComputeGame(sc, rng=seed, keep_books=False).run(weeks)
    return {
        "preset": preset,
        "population": population,
        "rule": rule,
        "seed": seed,
        **summarise(model.weeks_frame()),
        SHADING: mean_over_teams(model.recorder.team_snaps, SHADING, slice(-SHADING_WEEKS, None)),
    }


def grid(
    presets: list[str],
    rules: list[str],
    seeds: int,
    weeks: int | None = None,
    *,
    populations: tuple[str, ...] = ("preset",),
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Every (preset, rule, seed) run's metrics, one row each, in grid order.

    Args:
        presets: Preset names (rows of blocks).
        rules: Registered mechanism names.
        populations: Who bids (names in :data:`POPULATIONS`); a block per preset and
            population.
        seeds: Seeds 0..seeds-1, the same for every rule.
        weeks: Weeks per run (None: each preset's own).
        executor: ``serial``, ``processes`` or ``dask``.
        workers: Worker processes (default: the usable cores).
        scheduler: A Dask scheduler address (``dask`` only).
        progress: Show a progress bar on stderr.
    """
    from tqdm import tqdm

    cells: list[Cell] = [
        (p, pop, r, s, weeks) for p, pop, r, s in product(presets, populations, rules, range(seeds))
    ]
    rows = []
    with (
        open_executor(executor, workers=workers, scheduler=scheduler) as ex,
        tqdm(total=len(cells), unit="run", file=sys.stderr, disable=not progress) as bar,
    ):
        for row in ex.imap_unordered(run_cell, cells):
            rows.append(row)
            bar.update()
    order = {cell[:4]: i for i, cell in enumerate(cells)}
    rows.sort(key=lambda r: order[(r["preset"], r["population"], r["rule"], r["seed"])])
    return pd.DataFrame(rows)


def table(runs: pd.DataFrame, metrics: list[str]) -> str:
    """The grid as Markdown: a block per preset and population, a row per rule, seed means."""
    from game.run_metrics import RUN_METRICS

    shown = [m for m in metrics if m in runs.columns]
    extra = [SHADING] if SHADING in runs.columns else []
    shading_label = f"Bid shading (last {SHADING_WEEKS} wk)"
    labels = [RUN_METRICS[m].label for m in shown] + [shading_label] * len(extra)
    blocks = []
    keys = ["preset", "population"] if "population" in runs.columns else ["preset"]
    for key, part in runs.groupby(keys, sort=False):
        preset, population = (key if isinstance(key, tuple) else (key,)) + ("",) * (2 - len(keys))
        means = part.groupby("rule", sort=False)[shown + extra].mean()
        head = "| rule | " + " | ".join(labels) + " |"
        rule_line = "|---|" + "---:|" * len(labels)
        who = f", bidders: {population}" if population else ""
        lines = [f"**{preset}** ({part['seed'].nunique()} seeds{who})", "", head, rule_line]
        for rule, row in means.iterrows():
            cells = [RUN_METRICS[m].format(row[m]) for m in shown]
            cells += [f"{row[SHADING]:.2f}" for _ in extra]
            lines.append(f"| {rule} | {' | '.join(cells)} |")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _check(args: argparse.Namespace, presets: list[str], rules: list[str]) -> str | None:
    """A short message for the first bad argument, or None."""
    from game.run_metrics import RUN_METRICS

    for field, given, allowed in (
        ("--presets", args.presets, presets),
        ("--populations", args.populations, list(POPULATIONS)),
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
    parser.add_argument(
        "--populations",
        nargs="*",
        default=["preset"],
        help=f"who bids: {', '.join(POPULATIONS)} (default: preset)",
    )
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
        populations=tuple(args.populations),
        executor=args.executor,
        workers=args.workers,
        scheduler=args.scheduler,
        progress=not args.quiet,
    )
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)  # e.g. results/grid.csv
        runs.to_csv(args.out, index=False)
    print(table(runs, args.metrics))


if __name__ == "__main__":
    main()
