"""Compare two rule sets fairly: the same seeds for both (common random numbers).

Each seed is played once under rule set A and once under rule set B; the per-seed
difference B − A of every metric is what is summarised, so the noise both runs share
(projects, outages, people) cancels out. The summary gives the mean difference, a 95%
paired interval over seeds and a Holm-adjusted verdict across the metrics, all from
:func:`experiments.paired.paired_summary` (the code sweeps use)::

    from game import load_scenario
    from experiments.compare import compare
    a = load_scenario("lab-2025")
    b = a.with_overrides({"market.mechanism": "committee"})
    result = compare(a, b, seeds=5, weeks=26)
    result.summary  # metric, label, mean_a, mean_b, diff, ci_low, ci_high, verdict
    result.points   # rule_set, seed, jain, efficiency: the fairness–efficiency scatter

Metrics, labels and better-directions come from :mod:`game.run_metrics`. This plays in
the calling process; the app's Compare runs the same comparison as a two-point sweep
through the sweep engine instead (:mod:`experiments.compare_sweep`), which also writes
the sweep file that ``crunch sweep`` accepts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from experiments.paired import paired_summary
from game.run_metrics import RUN_METRICS, summarise
from game.scenario import Scenario

__all__ = [
    "RULE_SETS",
    "VERDICTS",
    "WEEKLY_COLUMNS",
    "ComparisonResult",
    "Runner",
    "compare",
    "play",
    "summary_of",
]

Runner = Callable[[Scenario, int, int], pd.DataFrame]
"""``runner(scenario, seed, weeks) -> weeks_frame``: plays one seeded game."""

RULE_SETS = ("A", "B")
VERDICTS = {"better": "B better", "worse": "A better", "higher": "B higher", "lower": "B lower"}
"""The paired verdicts (B against the baseline A) in Compare's words."""
WEEKLY_COLUMNS = ("efficiency", "jain", "mean_stress", "research_output", "product_value", "price")


@dataclass(frozen=True)
class ComparisonResult:
    """The outcome of :func:`compare`.

    Attributes:
        per_seed: One row per rule set and seed: ``rule_set``, ``seed`` and one column per
            metric.
        summary: One row per metric: ``metric``, ``label``, ``better``, ``mean_a``,
            ``mean_b``, ``diff`` (B − A), ``ci_low``, ``ci_high`` (95% paired interval,
            inside the metric's bounds), ``n`` (seeds with both values), ``p`` and
            ``p_holm`` (paired t-test, Holm-adjusted across the metrics) and ``verdict``
            in plain words (from the Holm-adjusted p-value).
        points: ``rule_set``, ``seed``, ``jain``, ``efficiency`` per run (the scatter).
        weekly: Mean over seeds per rule set and week of a few weekly columns.
        seeds: The seeds played.
        weeks: Weeks per run.
        rules: The rule that actually cleared the market under A and under B.
    """

    per_seed: pd.DataFrame
    summary: pd.DataFrame
    points: pd.DataFrame
    weekly: pd.DataFrame
    seeds: tuple[int, ...]
    weeks: int
    rules: tuple[str, str] = ("", "")


def play(scenario: Scenario, seed: int, weeks: int) -> pd.DataFrame:
    """Play one seeded game for ``weeks`` weeks and return its weeks frame."""
    from game.world.model import ComputeGame

    return ComputeGame(scenario, rng=seed, keep_books=False).run(weeks).weeks_frame()


def _seed_list(seeds: Sequence[int] | int) -> tuple[int, ...]:
    if isinstance(seeds, bool):
        raise ValueError(f"seeds = {seeds!r}: pass a number of seeds or a list of integer seeds")
    if isinstance(seeds, int | np.integer):
        if seeds < 1:
            raise ValueError(f"seeds = {seeds}: need at least 1 seed")
        return tuple(range(int(seeds)))
    out = tuple(seeds)
    if not out:
        raise ValueError("seeds = []: need at least 1 seed")
    for s in out:
        if isinstance(s, bool) or not isinstance(s, int | np.integer) or s < 0:
            raise ValueError(f"seeds: {s!r} is not allowed; seeds are integers >= 0")
    if len(set(out)) != len(out):
        raise ValueError(f"seeds = {list(out)}: each seed may appear only once")
    return tuple(int(s) for s in out)


def compare(
    sc_a: Scenario,
    sc_b: Scenario,
    seeds: Sequence[int] | int = 5,
    weeks: int | None = None,
    metrics: Sequence[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    runner: Runner | None = None,
) -> ComparisonResult:
    """Play rule sets A and B on the same seeds and compare them metric by metric.

    Args:
        sc_a: Rule set A.
        sc_b: Rule set B.
        seeds: A number of seeds (``0..n-1``) or an explicit list of distinct seeds >= 0.
        weeks: Weeks per run (default: A's horizon).
        metrics: Metric names from :data:`game.run_metrics.RUN_METRICS` (default: all).
        progress: Optional callback ``progress(done, total)`` after each run.
        runner: Plays one run and returns its weeks frame (default :func:`play`); the app
            passes a cached one.

    Returns:
        The per-seed values, the summary with paired 95% intervals, the scatter points
        and the weekly means.

    Raises:
        ValueError: For no seeds, negative or repeated seeds, weeks < 1 or an unknown
            metric.
    """
    for label, sc in (("sc_a", sc_a), ("sc_b", sc_b)):
        if not isinstance(sc, Scenario):
            raise ValueError(f"{label}: expected a Scenario, got {type(sc).__name__}")
    seed_list = _seed_list(seeds)
    horizon = sc_a.weeks if weeks is None else weeks
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1:
        raise ValueError(f"weeks = {weeks!r}: must be a whole number >= 1")
    names = tuple(RUN_METRICS) if metrics is None else tuple(metrics)
    unknown = [m for m in names if m not in RUN_METRICS]
    if unknown or not names:
        raise ValueError(
            f"metrics = {list(names)}: unknown {unknown}; allowed: {list(RUN_METRICS)}"
        )
    requested = names
    names = tuple(dict.fromkeys((*names, "jain", "efficiency")))
    run = play if runner is None else runner

    rows: list[dict[str, float | int | str]] = []
    frames: list[pd.DataFrame] = []
    total, done = 2 * len(seed_list), 0
    for seed in seed_list:
        for rule_set, sc in zip(RULE_SETS, (sc_a, sc_b), strict=True):
            wf = run(sc, seed, int(horizon))
            rows.append({"rule_set": rule_set, "seed": seed, **summarise(wf, names)})
            cols = [c for c in WEEKLY_COLUMNS if c in wf.columns]
            frames.append(wf[["week", *cols]].assign(rule_set=rule_set, seed=seed))
            done += 1
            if progress is not None:
                progress(done, total)
    per_seed = pd.DataFrame(rows, columns=["rule_set", "seed", *names])

    a = per_seed[per_seed.rule_set == "A"]
    b = per_seed[per_seed.rule_set == "B"]
    summary = summary_of(paired_summary(a, b, list(requested), on="seed"))
    points = per_seed[["rule_set", "seed", "jain", "efficiency"]].reset_index(drop=True)
    weekly = (
        pd.concat(frames, ignore_index=True)
        .drop(columns="seed")
        .groupby(["rule_set", "week"], as_index=False)
        .mean()
    )
    return ComparisonResult(
        per_seed=per_seed,
        summary=summary,
        points=points,
        weekly=weekly,
        seeds=seed_list,
        weeks=int(horizon),
        rules=(sc_a.clearing_rule, sc_b.clearing_rule),
    )


def summary_of(paired: pd.DataFrame) -> pd.DataFrame:
    """A paired summary (baseline A, point B) in Compare's columns and words."""
    return paired.rename(columns={"mean_base": "mean_a", "mean_point": "mean_b"}).assign(
        verdict=paired["verdict"].map(lambda v: VERDICTS.get(v, v))
    )[
        [
            "metric",
            "label",
            "better",
            "mean_a",
            "mean_b",
            "diff",
            "ci_low",
            "ci_high",
            "n",
            "p",
            "p_holm",
            "verdict",
        ]
    ]
