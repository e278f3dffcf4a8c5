"""``crunch run``, ``crunch scenarios``, ``crunch mechanisms`` and ``crunch keys``."""

from __future__ import annotations

import argparse
import contextlib
import sys

import numpy as np
import pandas as pd

import market
from agents.table import KIND_NAMES
from game import keys, run_budget
from game.run_metrics import RUN_METRICS, summarise
from game.run_output import OutputFolder, WriteFailed
from game.scenario import (
    DEFAULT_PRESET,
    Scenario,
    ScenarioError,
    list_presets,
    load_scenario,
    parse_override,
    save_scenario,
)
from game.team_csv import read_teams_csv
from game.world.model import ComputeGame
from game.world.snapshot import mean_over_teams

RUN_EPILOG = """\
examples:
  crunch run                                   # lab-2025, 52 weeks, seed 0
  crunch run --scenario scarcity --mechanism vickrey --seed 7 --out runs/scarcity
  crunch run --scenario my.toml --set lab.research_teams=40 --set reallocation.enabled=false
  crunch run --scenario runs/scarcity/scenario.toml   # reproduces the run (seed saved in it)
  crunch run --teams game/scenarios/example_teams.csv   # your own lab, one row per team
  crunch keys emotion.stress                   # every key you can --set, with its range

A run is refused up front when it would take more than about 4 GB of memory or 10
minutes (the message gives the estimate); --allow-large runs it anyway. With --out, the
four files appear together or not at all (a full disk leaves the folder as it was).
"""

RUN_FILES = ("weeks.csv", "teams.csv", "events.csv", "scenario.toml")


def register(sub: argparse._SubParsersAction) -> None:
    """Add this package's subcommands to the ``crunch`` parser."""
    run = sub.add_parser(
        "run",
        help="play one game and print what happened",
        description=(
            "Play one seeded game week by week, print a readable summary and, with --out, "
            "write weeks.csv, teams.csv, events.csv and the resolved scenario.toml."
        ),
        epilog=RUN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument(
        "--scenario",
        default=DEFAULT_PRESET,
        metavar="NAME|FILE.toml",
        help=f"preset name ({', '.join(list_presets())}) or a scenario TOML file "
        f"(default: {DEFAULT_PRESET})",
    )
    run.add_argument(
        "--mechanism",
        metavar="M",
        help="allocation rule, overriding the scenario's (see `crunch mechanisms`)",
    )
    run.add_argument(
        "--weeks", type=int, metavar="N", help="weeks to play (default: the scenario's)"
    )
    run.add_argument(
        "--seed",
        type=int,
        metavar="S",
        help="random seed (default: the scenario file's seed, else 0; --out saves it there)",
    )
    run.add_argument(
        "--teams",
        metavar="FILE.csv",
        help="your own lab: one row per team (name, kind, headcount, priority, strategy, "
        "tranches, demand, project_size, project_start, project_deadline; only name and "
        "kind required); it replaces the scenario's teams",
    )
    run.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        dest="overrides",
        help="override a scenario key, e.g. governance.research_credit_share=0.6 "
        "(repeatable; `crunch keys` lists them)",
    )
    run.add_argument(
        "--out",
        metavar="DIR",
        help="write weeks.csv, teams.csv, events.csv and scenario.toml into this folder "
        "(created if missing; files of those names in it are replaced)",
    )
    run.add_argument(
        "--allow-large",
        action="store_true",
        help="run even if the estimate is past the budget (about 4 GB of memory or 10 minutes)",
    )
    run.add_argument("--quiet", action="store_true", help="print nothing but errors")
    run.set_defaults(func=cmd_run)

    scen = sub.add_parser(
        "scenarios",
        help="list the scenario presets",
        description="List the bundled scenario presets with what each one shows.",
    )
    scen.set_defaults(func=cmd_scenarios)

    mech = sub.add_parser(
        "mechanisms",
        help="list the allocation rules",
        description="List the allocation rules (mechanisms) with their properties.",
    )
    mech.set_defaults(func=cmd_mechanisms)

    key = sub.add_parser(
        "keys",
        help="list the scenario keys you can set",
        description=(
            "List every scenario key with its type, default, allowed range and meaning "
            "(what `--set KEY=VALUE`, sweep factors and scenario files accept)."
        ),
    )
    key.add_argument(
        "prefix", nargs="?", default="", metavar="PREFIX", help="only keys starting with this"
    )
    key.set_defaults(func=cmd_keys)


def resolve_scenario(args: argparse.Namespace) -> Scenario:
    """Build the scenario from ``--scenario``, ``--mechanism``, ``--weeks`` and ``--set``.

    Raises:
        ScenarioError: For an unknown preset, key or value (one-line message).
    """
    overrides: dict[str, object] = {}
    for text in args.overrides:
        key, value = parse_override(text)
        overrides[key] = value
    if args.mechanism is not None:
        overrides["market.mechanism"] = args.mechanism  # the scenario resolves it once
    if args.teams is not None:
        overrides["teams"] = read_teams_csv(args.teams)
    if args.seed is not None:
        if args.seed < 0:
            raise ScenarioError(f"--seed = {args.seed}: must be a whole number >= 0")
        overrides["seed"] = args.seed
    if args.weeks is not None:
        if args.weeks < 1:
            raise ScenarioError(f"--weeks = {args.weeks}: must be a whole number >= 1")
        overrides["weeks"] = args.weeks
    sc = load_scenario(args.scenario, overrides=overrides)
    # The run's seed goes with the scenario, so its saved scenario.toml reproduces it.
    return sc if sc.seed is not None else sc.with_overrides({"seed": 0})


def _progress_bar(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="week", disable=not enabled or None, leave=False, file=sys.stderr)


def cmd_run(args: argparse.Namespace) -> int:
    """Play one game and report it.

    Bad input (scenario, ``--out``, a run past the budget) raises a ``ValueError`` before
    anything is played; a failure while writing prints one line and returns 1, with
    nothing written.
    """
    folder = OutputFolder(args.out, RUN_FILES) if args.out is not None else None
    sc = resolve_scenario(args)
    run_budget.check(
        run_budget.estimate(sc, write=folder is not None), allow_large=args.allow_large
    )
    late = sc.late_event()
    if late and not args.quiet:
        sys.stderr.write(
            f"crunch run: note: {late[0]} = {late[1]} is after this run's {sc.weeks} weeks "
            f"(0 to {sc.weeks - 1}), so it will not happen\n"
        )
    overridden = overridden_rule_note(sc)
    if overridden and args.mechanism is not None and not args.quiet:
        sys.stderr.write(f"crunch run: note: --mechanism {args.mechanism}: {overridden}\n")
    with folder or contextlib.nullcontext():
        model = ComputeGame(sc, rng=sc.seed)
        with _progress_bar(sc.weeks, not args.quiet) as bar:
            model.run(sc.weeks, progress=lambda done, total: bar.update(1))
        weeks = model.weeks_frame()
        if folder is not None:
            try:
                folder.write_all(
                    {
                        "weeks.csv": lambda p: weeks.to_csv(p, index=False),
                        "teams.csv": lambda p: model.teams_frame().to_csv(p, index=False),
                        "events.csv": lambda p: model.events_frame().to_csv(p, index=False),
                        "scenario.toml": lambda p: save_scenario(sc, p),
                    }
                )
            except WriteFailed as err:
                sys.stderr.write(f"crunch run: error: {err}\n")
                return 1
    if not args.quiet:
        print(
            summary_text(
                sc,
                sc.seed,
                weeks,
                last_week_teams(model),
                model.events.lines(last=8),
                bidding_line(model),
            )
        )
        if folder is not None:
            print(f"\nwrote {', '.join(RUN_FILES)} to {args.out}/")
    return 0


def last_week_teams(model: ComputeGame) -> pd.DataFrame:
    """The teams' rows of the last week played, as in ``teams.csv`` (without the group).

    Built from the last recorded snapshot alone, so a run without ``--out`` never
    builds the table of every team and week.
    """
    snaps = model.recorder.team_snaps
    if not snaps:
        return pd.DataFrame(
            columns=["week", "team", "kind", "stress", "gpus", "need_gpus", "burnout"]
        )
    last = snaps[-1]
    gpt = model.scenario.supply.gpus_per_tranche
    return pd.DataFrame(
        {
            "week": np.full(len(model.teams.names), int(last["week"])),
            "team": list(model.teams.names),
            "kind": [KIND_NAMES[k] for k in model.teams.kind],
            "stress": last["stress"],
            "gpus": last["tranches"] * gpt,
            "need_gpus": last["need_tranches"] * gpt,
            "burnout": last["burnout"],
        }
    )


def bidding_line(model: ComputeGame, span: int = 10) -> str | None:
    """How far bids were below values early and late in the run, and the learners' regret.

    Returns None when nobody bid.
    """
    snaps = model.recorder.team_snaps
    first = mean_over_teams(snaps, "shading", slice(None, span))
    last = mean_over_teams(snaps, "shading", slice(-span, None))
    if np.isnan(first) or np.isnan(last):
        return None
    n = min(span, len(snaps))
    text = (
        f"bidding: mean shading {first:.2f} in the first {n} weeks, "
        f"{last:.2f} in the last {n} (0 = bids equal values)"
    )
    regret = [
        a.strategy.regret / a.strategy.weeks
        for a in model.team_agents
        if getattr(a.strategy, "weeks", 0) and not np.isnan(getattr(a.strategy, "regret", np.nan))
    ]
    if regret:
        text += f"; learners' regret {np.mean(regret):,.1f} credits per week"
    return text


def overridden_rule_note(sc: Scenario) -> str | None:
    """Why ``market.mechanism`` is not the rule that clears, or ``None`` when it is."""
    rule = sc.clearing_rule
    if rule == sc.market.mechanism:
        return None
    label = market.MECHANISMS[rule].label
    return (
        f"{label} decides: governance.mode = {sc.governance.mode} overrides "
        f"market.mechanism = {sc.market.mechanism} "
        f"({market.MECHANISMS[sc.market.mechanism].label}), which is not used"
    )


def summary_text(
    sc: Scenario,
    seed: int,
    weeks: pd.DataFrame,
    teams: pd.DataFrame,
    last_events: list[str],
    bidding: str | None = None,
) -> str:
    """Return a readable summary of a finished run: every registered run metric, and more."""
    rule = sc.clearing_rule
    lines = [
        f"{sc.name}: {len(weeks)} weeks, rule {rule} ({market.MECHANISMS[rule].label}), "
        f"governance {sc.governance.mode}, seed {seed}",
        "",
    ]
    overridden = overridden_rule_note(sc)
    if overridden:
        lines.insert(1, f"  {overridden}")
    values = summarise(weeks)
    width = max(len(m.summary_label) for m in RUN_METRICS.values())
    for name, value in values.items():
        m = RUN_METRICS[name]
        lines.append(f"  {m.summary_label:<{width}}  {m.format(value):>10}  {m.unit}")
    if bidding:
        lines += ["", bidding]
    lines += ["", "most stressed teams at the end:"]
    final = teams[(teams["week"] == teams["week"].max()) & (teams["kind"] != "reallocation")]
    for _, row in final.nlargest(5, "stress").iterrows():
        lines.append(
            f"  {row['team']:<14} {row['kind']:<9} stress {row['stress']:.2f}  "
            f"GPUs held/needed {row['gpus']:,.0f}/{row['need_gpus']:,.0f}  "
            f"burnout {row['burnout']:.2f}"
        )
    if last_events:
        lines += ["", "last events:", *(f"  {e}" for e in last_events)]
    return "\n".join(lines)


def cmd_scenarios(args: argparse.Namespace) -> int:
    """List presets."""
    for name in list_presets():
        sc = load_scenario(name)
        default = " (default)" if name == DEFAULT_PRESET else ""
        print(f"{name}{default}\n    {sc.description}")
    return 0


def cmd_mechanisms(args: argparse.Namespace) -> int:
    """List mechanisms with their properties."""
    for name, mech in market.MECHANISMS.items():
        tags = [
            "truthful" if mech.truthful else "not truthful",
            f"{mech.pricing.value} pricing" if mech.uses_money else "no money",
            "divisible" if mech.divisible else "whole tranches",
        ]
        print(f"{name:<20} {mech.label} — {', '.join(tags)}\n    {mech.description}")
    aliases = ", ".join(f"{a} -> {b}" for a, b in market.ALIASES.items())
    print(f"\naliases: {aliases}")
    return 0


def cmd_keys(args: argparse.Namespace) -> int:
    """List scenario keys with type, default, range and description."""
    chosen = [
        (k, keys.describe(Scenario, k))
        for k in keys.all_keys(Scenario)
        if k.startswith(args.prefix)
    ]
    chosen += [  # the keys of each entry of a list of tables, e.g. teams[].kind
        (shown, keys.describe(item, name))
        for shown, item, name in keys.item_keys(Scenario)
        if shown.startswith(args.prefix)
    ]
    if not chosen:
        close = keys.unknown_key_message(Scenario, args.prefix) if args.prefix else ""
        raise ScenarioError(f"no scenario key starts with {args.prefix!r}; {close}")
    for key, info in chosen:
        allowed = f"; allowed {info.range}" if info.range else ""
        default = "required" if info.default is None and "optional" not in info.type else None
        said = default or f"default {info.default!r}"
        print(f"{key}  ({info.type}, {said}{allowed})\n    {info.description}")
    return 0
