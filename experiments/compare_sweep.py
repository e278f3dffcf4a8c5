"""Compare as a two-point sweep: rule sets A and B written as a sweep file, read back.

The app's Compare runs through the sweep engine (:func:`experiments.sweep.run_sweep`),
so it plays any number of seeds, resumes, stores every run, and its comparison is the
sweep's paired comparison (:mod:`experiments.paired`). :func:`rule_set_sweep_toml`
writes the sweep file — design ``points``: point 0 is A (the baseline), point 1 is B;
the keys both share go to ``[fixed]`` — which ``crunch sweep`` accepts as it is;
:func:`comparison_from_results` turns its results file into a
:class:`experiments.compare.ComparisonResult`::

    text = rule_set_sweep_toml(a_overrides, b_overrides, scenario="lab-2025", seeds=50, weeks=26)
    sweep = sweep_from_toml(text)
    run_sweep(sweep, "compare.db", executor="serial")
    result = comparison_from_results(load_results("compare.db"))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import tomli_w

from experiments.analysis import Results
from experiments.compare import RULE_SETS, WEEKLY_COLUMNS, ComparisonResult, summary_of
from experiments.paired import paired_summary
from experiments.sweep_schema import same_level

__all__ = ["SCENARIO_FILE", "comparison_from_results", "rule_set_sweep_toml"]

SCENARIO_FILE = "scenario.toml"
"""The name a sweep file gives its base scenario when that is not a preset."""


def rule_set_sweep_toml(
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    *,
    scenario: str,
    seeds: int,
    weeks: int,
    seed: int = 0,
    name: str = "compare",
    description: str = "",
    metrics: Sequence[str] | None = None,
) -> str:
    """The sweep file of a comparison of rule sets A and B (scenario overrides each).

    Keys on which A and B differ become factors of design ``points`` (A's value first);
    keys they share go to ``[fixed]``. When nothing differs the first key is kept as a
    factor with the same level twice, so the sweep still has its two points (and the
    paired difference is exactly zero). ``[baseline]`` is A.

    Args:
        a: Rule set A as dotted scenario keys.
        b: Rule set B (the same keys).
        scenario: A preset name or a scenario file path (relative to the sweep file).
        seeds: Paired seeds: the sweep's replications.
        weeks: Weeks per run.
        seed: The root seed.
        name: The sweep's name.
        description: What it compares, in words.
        metrics: Metrics to keep (default: every registered metric).
    """
    if set(a) != set(b) or not a:
        raise ValueError(f"rule sets A and B: keys {sorted(a)} and {sorted(b)} must match")
    differ = [k for k in a if not same_level(a[k], b[k])] or [next(iter(a))]
    data: dict[str, Any] = {
        "sweep": {
            "name": name,
            **({"description": description} if description else {}),
            "scenario": scenario,
            "weeks": int(weeks),
            "replications": int(seeds),
            "seed": int(seed),
            "design": "points",
            "common_random_numbers": True,
        },
        "factors": {k: [a[k], b[k]] for k in differ},
        "fixed": {k: a[k] for k in a if k not in differ},
        "baseline": {k: a[k] for k in differ},
    }
    if not data["fixed"]:
        del data["fixed"]
    if metrics is not None:
        data["outputs"] = {"metrics": list(metrics)}
    header = (
        "# Compare as a sweep: point 0 is rule set A (the baseline), point 1 is rule set B;\n"
        "# replicate r of both plays the same seed. Run it with\n"
        "#   crunch sweep THIS.toml --out compare.db && crunch results compare.db --compare\n"
    )
    return header + tomli_w.dumps(data)


def comparison_from_results(res: Results, rules: tuple[str, str] = ("", "")) -> ComparisonResult:
    """Read a two-point sweep's results (point 0 = A, point 1 = B) as a comparison.

    Runs are paired by replicate (they share their seed). Failed runs are left out.

    Args:
        res: The loaded results file.
        rules: The rule that cleared the market under A and under B (for the caption).
    """
    ok = res.ok_runs
    metrics = [m for m in res.spec.outputs.metrics if m in ok.columns]
    side = ok["point"].map({0: "A", 1: "B"})
    per_seed = ok.assign(rule_set=side)[["rule_set", "seed", "replicate", *metrics]]
    per_seed = per_seed.dropna(subset=["rule_set"]).reset_index(drop=True)
    a = per_seed[per_seed.rule_set == "A"]
    b = per_seed[per_seed.rule_set == "B"]
    summary = summary_of(paired_summary(a, b, metrics, on="replicate"))
    scatter = [c for c in ("jain", "efficiency") if c in per_seed.columns]
    points = per_seed[["rule_set", "seed", *scatter]]
    rule_of = pd.Series(side.to_numpy(), index=ok["run_key"].to_numpy())
    columns = [c for c in WEEKLY_COLUMNS if c in res.weekly.columns]
    weekly = (
        res.weekly.assign(rule_set=res.weekly["run_key"].map(rule_of))
        .dropna(subset=["rule_set"])[["rule_set", "week", *columns]]
        .groupby(["rule_set", "week"], as_index=False)
        .mean()
    )
    weekly = weekly[weekly["rule_set"].isin(RULE_SETS)]
    return ComparisonResult(
        per_seed=per_seed,
        summary=summary,
        points=points,
        weekly=weekly,
        seeds=tuple(int(s) for s in a.sort_values("replicate")["seed"]),
        weeks=int(res.spec.sweep.weeks or 0),
        rules=rules,
    )
