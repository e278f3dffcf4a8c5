"""``crunch sweep``, ``crunch results`` and ``crunch report``."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import textwrap
from pathlib import Path

from experiments.executors import EXECUTORS

SWEEP_EPILOG = """\
examples:
  crunch sweep experiments/mechanisms.toml --out results.db
  crunch sweep my-sweep.toml --out results.db --workers 4
  crunch sweep my-sweep.toml --out results.db --executor dask                 # local Dask cluster
  crunch sweep my-sweep.toml --out results.db --scheduler tcp://10.0.0.5:8786 # existing cluster
  crunch sweep my-sweep.toml --out results.db --retry-failed   # run stored failures again
  crunch sweep my-sweep.toml --out results.db --dry-run        # show the plan, run nothing

Interrupt it (Ctrl-C or SIGTERM) and run the same command again: it resumes where it
stopped. A worker process that dies (kill -9, out of memory) costs only the run it was
playing: that run is stored as failed and the others go on. A sweep plans at most
1,000,000 runs (points x replications).
Exit status: 0 when every planned run is stored ok, 1 when some runs failed (their
tracebacks are stored; see `crunch results DB --failed`) or the results file could not
be written (e.g. a full disk; what is stored is kept), 2 for bad input (including a
--scheduler that cannot be reached), 130 when interrupted.
"""

RESULTS_EPILOG = """\
examples:
  crunch results results.db                      # what is stored, and the summary table
  crunch results results.db --csv runs.csv       # one row per run
  crunch results results.db --csv - | head       # CSV on stdout
  crunch results results.db --parquet runs.parquet   # the same table, columnar
  crunch results results.db --weekly-csv weekly.csv  # long: run_key, week, metric, value
  crunch results results.db --weekly-parquet weekly.parquet
  crunch results results.db --failed             # failed runs and their errors
  crunch results results.db --compare            # each point against the [baseline], paired
  crunch results results.db --compare --baseline market.mechanism=committee

A damaged or crafted results file is refused in one line (exit status 2); CSV and
Parquet files are written whole or not at all. The weekly export streams the stored
series a few hundred runs at a time, so its memory does not grow with the sweep.
"""

REPORT_EPILOG = """\
examples:
  crunch report results.db                        # writes results.html beside it
  crunch report results.db --out report.html

A damaged or crafted results file is refused in one line (exit status 2); the report is
written whole or not at all (a full disk leaves any earlier report as it was).
"""


def _wrap(text: str) -> str:
    """Wrap a description for the raw formatter (which keeps the examples' layout)."""
    return textwrap.fill(text, width=88)


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``sweep``, ``results`` and ``report`` to the ``crunch`` parser."""
    sweep = sub.add_parser(
        "sweep",
        help="run a batch experiment (a sweep file) into a results database",
        description=_wrap(
            "Run every seeded run of a sweep file (grid, Latin hypercube or Sobol design "
            "over scenario keys) and stream the results into an SQLite file as they finish. "
            "Runs already stored are skipped, so the same command resumes an interrupted "
            "sweep; results are identical whichever executor runs them."
        ),
        epilog=SWEEP_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sweep.add_argument("file", metavar="FILE.toml", help="the sweep file")
    sweep.add_argument(
        "--out", required=True, metavar="RESULTS.db", help="SQLite results file (created/resumed)"
    )
    sweep.add_argument(
        "--executor",
        choices=EXECUTORS,
        default=None,
        help="where runs are played: serial (this process), processes (local worker "
        "processes, the default) or dask (Dask distributed)",
    )
    sweep.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="worker processes for processes and a local Dask cluster (default: CPU cores)",
    )
    sweep.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (implies "
        "--executor dask); without it, dask starts a local cluster",
    )
    sweep.add_argument(
        "--retry-failed",
        action="store_true",
        help="run again the runs stored as failed (their rows are replaced)",
    )
    sweep.add_argument(
        "--dry-run",
        action="store_true",
        help="print the plan's size, its first points and what is stored; run nothing",
    )
    sweep.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    sweep.set_defaults(func=cmd_sweep)

    results = sub.add_parser(
        "results",
        help="summarise or export a results database",
        description=_wrap(
            "Show what a results file holds (sweep, counts, summary table with 95% "
            "confidence intervals; Sobol indices and their health) or export it: --csv and "
            "--parquet write one row per run with its factors, seed, replicate, metrics, "
            "scenario hash, code version and timing_*/worker_* columns; --weekly-csv and "
            "--weekly-parquet write the long table run_key, week, metric, value."
        ),
        epilog=RESULTS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    results.add_argument("db", metavar="RESULTS.db", help="results file from `crunch sweep`")
    results.add_argument("--csv", metavar="PATH", help="write one row per run ('-' for stdout)")
    results.add_argument(
        "--parquet", metavar="PATH", help="write one row per run as Parquet (same as --csv)"
    )
    results.add_argument(
        "--weekly-csv",
        metavar="PATH",
        help="write one row per run, week and metric ('-' for stdout)",
    )
    results.add_argument(
        "--weekly-parquet", metavar="PATH", help="write --weekly-csv's table as Parquet"
    )
    results.add_argument("--failed", action="store_true", help="list failed runs and errors")
    results.add_argument(
        "--compare",
        action="store_true",
        help="paired differences of every point from the sweep's [baseline] (runs paired by "
        "replicate), every metric with a 95%% interval and a Holm-adjusted verdict",
    )
    results.add_argument(
        "--baseline",
        action="append",
        default=[],
        metavar="FACTOR=LEVEL",
        help="with --compare: compare against this level instead of the file's [baseline] "
        "(repeat for several factors)",
    )
    results.set_defaults(func=cmd_results)

    report = sub.add_parser(
        "report",
        help="write a self-contained HTML report of a results database",
        description=_wrap(
            "Write one HTML file with the sweep's summary table (means, 95% CIs per factor "
            "level), plots of metrics against factors, weekly series with bands and, for "
            "Sobol designs, sensitivity indices. No external files: plots are embedded."
        ),
        epilog=REPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    report.add_argument("db", metavar="RESULTS.db", help="results file from `crunch sweep`")
    report.add_argument(
        "--out", metavar="REPORT.html", help="where to write it (default: RESULTS.html)"
    )
    report.set_defaults(func=cmd_report)


DRY_RUN_POINTS = 3


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _dry_run(args: argparse.Namespace, sweep) -> int:
    from experiments.store import open_results
    from experiments.sweep import plan_sweep

    plan = plan_sweep(sweep)  # lazy: only the points printed below are made
    s = sweep.spec.sweep
    runs, points = len(plan.tasks), len(plan.points)
    print(
        f"sweep {sweep.spec.name!r} (hash {sweep.hash}): {s.design} design, "
        f"{points} points x {s.replications} replications = {runs} runs"
    )
    shown = min(points, DRY_RUN_POINTS)
    for i, point in enumerate(plan.points[:shown]):
        print(f"  point {i}: " + ", ".join(f"{k} = {v!r}" for k, v in point.items()))
    if points > shown:
        print(f"  ... and {points - shown:,} more points")
    out = Path(args.out)
    if out.exists() and out.stat().st_size > 0:
        with open_results(out) as store:
            if store.sweep_hash != sweep.hash:
                print(f"{out} holds a different sweep ({store.meta.get('sweep_name')!r}): refused")
                return 2
            counts = store.counts()
        todo = runs - counts["ok"] - (0 if args.retry_failed else counts["failed"])
        print(f"{out}: {counts['ok']} ok, {counts['failed']} failed stored; {todo} to run")
    else:
        print(f"{out}: new file; {runs} to run")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run or resume a sweep."""
    from experiments.sweep import SweepInterrupted, SweepStorageError, run_sweep
    from experiments.sweep_file import load_sweep

    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers = {args.workers}: must be a whole number >= 1")
    executor = args.executor or ("dask" if args.scheduler else "processes")
    if args.scheduler and executor != "dask":
        raise ValueError(f"--scheduler needs --executor dask (got --executor {executor})")
    sweep = load_sweep(args.file)
    if args.dry_run:
        return _dry_run(args, sweep)
    previous = None
    try:
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    except ValueError:  # not the main thread
        previous = None
    try:
        outcome = run_sweep(
            sweep,
            args.out,
            executor=executor,
            workers=args.workers,
            scheduler=args.scheduler,
            retry_failed=args.retry_failed,
            progress=not args.quiet,
        )
    except SweepInterrupted as stop:
        o = stop.outcome
        sys.stderr.write(
            f"crunch sweep: interrupted; {o.stored} of {o.planned} runs are stored in "
            f"{args.out}; run the same command again to resume\n"
        )
        return 130
    except SweepStorageError as err:
        sys.stderr.write(f"crunch sweep: error: {err}\n")
        return 1
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    if not args.quiet:
        print(outcome.describe())
        if outcome.failures or outcome.kept_failed:
            print(
                f"failed runs keep their traceback: crunch results {args.out} --failed; "
                "rerun them with --retry-failed"
            )
        print(f"report: crunch report {args.out} --out report.html")
    return 1 if (outcome.failed or outcome.kept_failed) else 0


_EXAMPLES = {
    "--csv": "runs.csv",
    "--weekly-csv": "weekly.csv",
    "--parquet": "runs.parquet",
    "--weekly-parquet": "weekly.parquet",
}


def _check_outputs(args: argparse.Namespace) -> None:
    """Refuse export targets that are directories or the results file itself."""
    from experiments.output_files import OutputError, check_target

    for option, target in _export_targets(args):
        if target == "-":
            if option.endswith("parquet"):
                raise OutputError(
                    f"{option} -: Parquet is binary; give a file such as {_EXAMPLES[option]}"
                )
            continue
        check_target(Path(target), option, _EXAMPLES[option])
        if Path(target).resolve() == Path(args.db).resolve():
            kind = Path(_EXAMPLES[option]).suffix
            raise OutputError(
                f"{option} {target!r} is the results file itself; choose a {kind} path"
            )


def _export_targets(args: argparse.Namespace) -> list[tuple[str, str]]:
    """The export options given, as ``(option, target)``."""
    given = [
        ("--csv", args.csv),
        ("--parquet", args.parquet),
        ("--weekly-csv", args.weekly_csv),
        ("--weekly-parquet", args.weekly_parquet),
    ]
    return [(option, target) for option, target in given if target]


def _export(args: argparse.Namespace) -> bool:
    """Write every export asked for (streamed from the file); return whether any was."""
    from experiments.export import write_exports

    return write_exports(args.db, _export_targets(args))


def cmd_results(args: argparse.Namespace) -> int:
    """Summarise or export a results file."""
    try:
        return _results(args)
    except BrokenPipeError:  # e.g. `crunch results DB --csv - | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def _results(args: argparse.Namespace) -> int:
    import pandas as pd

    from experiments.analysis import load_results, metric_label, summary_table

    _check_outputs(args)
    if _export(args) and not (args.failed or args.compare):
        return 0  # exports stream from the file: nothing else needs it in memory
    res = load_results(args.db)
    if args.failed:
        failed = res.failed_runs
        if failed.empty:
            print("no failed runs")
        for r in failed.itertuples():
            error = str(r.error or "").strip().splitlines()
            print(f"{r.run_key} {r.params}: {error[-1] if error else 'unknown error'}")
    if args.baseline and not args.compare:
        raise ValueError("--baseline needs --compare (e.g. --compare --baseline KEY=LEVEL)")
    if args.compare:
        from experiments.paired import sweep_paired_table
        from experiments.paired_views import paired_text, parse_baseline

        chosen = parse_baseline(args.baseline, res.spec) if args.baseline else None
        print(paired_text(sweep_paired_table(res.runs, res.spec, chosen)))
    if _export_targets(args) or args.failed or args.compare:
        return 0
    spec = res.spec
    counts = res.runs["status"].value_counts()
    planned = res.meta.get("planned_runs", "?")
    print(
        f"sweep {spec.name!r} ({spec.sweep.design}, scenario {spec.sweep.scenario}): "
        f"{int(counts.get('ok', 0))} ok, {int(counts.get('failed', 0))} failed, "
        f"{planned} planned"
    )
    table = summary_table(res.runs, spec)
    if not table.empty:
        from experiments.stats import format_interval  # decimals fitted to each interval

        shown = [
            format_interval(m, lo, hi)
            for m, lo, hi in zip(table["mean"], table.ci_low, table.ci_high, strict=True)
        ]
        table = table.assign(
            metric=table["metric"].map(metric_label),
            mean=[value for value, _ in shown],
            ci95=[ci for _, ci in shown],
        )[["factor", "level", "metric", "n", "mean", "ci95"]]
        with pd.option_context("display.max_rows", 500, "display.width", 140):
            print(table.to_string(index=False))
    from experiments.sobol_health import sobol_text  # Sobol designs: indices and their health

    for line in sobol_text(res.runs, spec):
        print(line)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Write the HTML report."""
    from experiments.report import write_report

    out = Path(args.out) if args.out else Path(args.db).with_suffix(".html")
    if out.resolve() == Path(args.db).resolve():
        raise ValueError(f"--out {str(out)!r} is the results file itself; choose an .html path")
    path = write_report(args.db, out)
    print(f"wrote {path}")
    from experiments.sobol_health import file_health_lines  # Sobol designs: are they reliable?

    for line in file_health_lines(args.db):
        print(line)
    return 0
