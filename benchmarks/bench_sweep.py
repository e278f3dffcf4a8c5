"""Sweep throughput: serial against local processes and an embedded Dask cluster.

Measured side by side in one run (these machines are shared and noisy): the same 200
short runs (the classroom scenario, 8 weeks; 4 mechanisms x reallocation on/off x 25
replications) played by

- ``serial``: one after another in this process;
- ``processes``: a fork-based pool of ``--workers`` processes (pool start-up included);
- ``dask``: an embedded ``LocalCluster`` of ``--workers`` single-threaded worker
  processes (the map is timed alone; cluster start-up is printed separately).

Prints each executor's time, speed-up against serial and overhead per task,
``(parallel_time * workers - serial_time) / tasks``; also the mean time one run took
inside the workers and the workers' idle-plus-communication time per task,
``(parallel_time * workers - time spent in runs) / tasks``, which separates the
executor's own cost from other programs slowing the runs down. Checks that every executor
produced identical metrics, and the target ``processes >= 1.8x serial with <= 2 ms
overhead per task`` as PASS or MISS. Never fails on a miss.

Scale (``--part scale``): memory and store cost must not grow with the sweep.

- peak RSS of the parent process (``ru_maxrss``; forked workers not counted) over a
  ``--large``-run sweep against a ``--small``-run one, each in a fresh process on local
  processes with short runs (classroom, ``--scale-weeks`` weeks); target ratio <= 1.2;
- the store's own cost per run (one committed transaction with its weekly rows) over the
  first ``--small`` writes and over the last ``--small`` of ``--large`` writes into one
  results file, and the file's bytes per run at both sizes; target: no growth (ratio <= 1.2).

Usage: ``.venv/bin/python benchmarks/bench_sweep.py [--part all|throughput|scale]
[--runs 200] [--weeks 8] [--workers 2] [--small 500] [--large 5000] [--scale-weeks 2]``
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from experiments.executors import DaskExecutor, ProcessExecutor, SerialExecutor
from experiments.runner import RunResult, RunTask, run_one
from experiments.sweep import plan_sweep
from experiments.sweep_file import sweep_from_toml

TARGET_SPEEDUP = 1.8
TARGET_OVERHEAD_MS = 2.0
TARGET_SCALE_RATIO = 1.2


def sweep_toml(runs: int, weeks: int) -> str:
    """A sweep of ``runs`` runs rounded up to 8s: the classroom scenario, 8 points replicated."""
    reps = max(1, -(-runs // 8))
    return f"""
[sweep]
name = "bench"
scenario = "classroom"
weeks = {weeks}
replications = {reps}
seed = 1
[factors]
"market.mechanism" = ["uniform_price", "vickrey", "committee", "max_min_fair"]
"reallocation.enabled" = [true, false]
[outputs]
metrics = ["efficiency", "jain", "mean_stress", "research_output", "product_value"]
"""


def make_tasks(runs: int, weeks: int) -> list[RunTask]:
    """``runs`` tasks of the classroom scenario (8 design points, replicated)."""
    return plan_sweep(sweep_from_toml(sweep_toml(runs, weeks))).tasks[:runs]


def metrics_of(results: list[RunResult]) -> list[tuple[str, str, dict]]:
    return sorted((r.run_key, r.status, r.metrics) for r in results)


def time_executor(executor, tasks: list[RunTask]) -> tuple[float, list[RunResult]]:
    """Seconds from entering the executor to the last result, and the results."""
    t0 = time.perf_counter()
    with executor as ex:
        results = list(ex.imap_unordered(run_one, tasks))
    return time.perf_counter() - t0, results


def sweep_child(runs: int, weeks: int, workers: int) -> None:
    """Run a ``runs``-run sweep into a fresh file; print its peak RSS (KiB) and seconds."""
    from experiments.sweep import run_sweep

    sweep = sweep_from_toml(sweep_toml(runs, weeks))
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        outcome = run_sweep(sweep, Path(tmp) / "r.db", executor="processes", workers=workers)
        seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{peak} {seconds:.3f} {outcome.ok}")


def sweep_peak(runs: int, weeks: int, workers: int) -> tuple[int, float, int]:
    """Peak RSS (KiB), seconds and ok runs of a sweep run in a fresh Python process."""
    out = subprocess.run(
        [
            *(sys.executable, __file__, "--child", str(runs)),
            *("--scale-weeks", str(weeks), "--workers", str(workers)),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return int(out[0]), float(out[1]), int(out[2])


def _database_bytes(db: Path) -> int:
    """The database's logical size (its pages, including those still in the WAL file)."""
    import sqlite3

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        (size,) = conn.execute(
            "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
        ).fetchone()
    finally:
        conn.close()
    return int(size)


def store_costs(small: int, large: int, weeks: int) -> dict[str, float]:
    """Seconds per write and bytes per run of the store, at ``small`` and ``large`` runs.

    Real results (8 played runs) are written under ``large`` distinct run keys into one
    results file, one committed transaction each, as a sweep writes them.
    """
    from experiments.store import open_for_sweep

    sweep = sweep_from_toml(sweep_toml(large, weeks))
    tasks = plan_sweep(sweep).tasks
    played = [run_one(t) for t in tasks[:8]]
    times: list[float] = []
    sizes: dict[int, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "store.db"
        with open_for_sweep(db, sweep) as store:
            for i in range(large):
                t = tasks[i]
                result = replace(
                    played[i % 8],
                    run_key=t.run_key,
                    point=t.point,
                    replicate=t.replicate,
                    seed=t.seed,
                    params=t.params,
                )
                t0 = time.perf_counter()
                store.write(result)
                times.append(time.perf_counter() - t0)
                if i + 1 in (small, large):
                    sizes[i + 1] = _database_bytes(db)
    first = sorted(times[:small])
    last = sorted(times[-small:])
    return {
        "first_ms": 1000 * first[len(first) // 2],
        "last_ms": 1000 * last[len(last) // 2],
        "small_bytes": sizes[small] / small,
        "large_bytes": sizes[large] / large,
    }


def scale(args: argparse.Namespace) -> None:
    """Peak parent RSS and store cost per run at ``--small`` and ``--large`` runs."""
    small, large, w = args.small, args.large, args.workers
    print(
        f"\nscale: sweeps of {small} and {large} runs (classroom x {args.scale_weeks} weeks, "
        f"{w} worker processes), each in a fresh process"
    )
    peak_s, t_s, ok_s = sweep_peak(small, args.scale_weeks, w)
    peak_l, t_l, ok_l = sweep_peak(large, args.scale_weeks, w)
    print(f"{'runs':>6} {'seconds':>8} {'runs/s':>7} {'parent peak RSS':>16}")
    for ok, t, peak in ((ok_s, t_s, peak_s), (ok_l, t_l, peak_l)):
        print(f"{ok:>6} {t:8.1f} {ok / t:7.1f} {peak / 1024:13.1f} MiB")
    ratio = peak_l / peak_s
    verdict = "PASS" if ratio <= TARGET_SCALE_RATIO else "MISS"
    print(
        f"peak RSS {large} vs {small} runs: {ratio:.3f}x "
        f"(+{(peak_l - peak_s) / 1024:.1f} MiB; target <= {TARGET_SCALE_RATIO}) -> {verdict}"
    )

    costs = store_costs(small, large, args.scale_weeks)
    write_ratio = costs["last_ms"] / costs["first_ms"]
    bytes_ratio = costs["large_bytes"] / costs["small_bytes"]
    print(
        f"store write per run (median, one transaction with its weekly rows): "
        f"first {small}: {costs['first_ms']:.3f} ms, last {small} of {large}: "
        f"{costs['last_ms']:.3f} ms -> {write_ratio:.2f}x"
    )
    print(
        f"file size per run: at {small}: {costs['small_bytes']:.0f} B, at {large}: "
        f"{costs['large_bytes']:.0f} B -> {bytes_ratio:.2f}x"
    )
    ok = write_ratio <= TARGET_SCALE_RATIO and bytes_ratio <= TARGET_SCALE_RATIO
    print(
        f"target store cost per run at {large} <= {TARGET_SCALE_RATIO}x at {small}: "
        f"{'PASS' if ok else 'MISS'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("all", "throughput", "scale"), default="all")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help="best of N (serial, processes)")
    parser.add_argument("--small", type=int, default=500, help="runs of the small scale sweep")
    parser.add_argument("--large", type=int, default=5000, help="runs of the large scale sweep")
    parser.add_argument("--scale-weeks", type=int, default=2, help="weeks per scale run")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sweep_child(args.child, args.scale_weeks, args.workers)
        return
    if args.part in ("all", "throughput"):
        throughput(args)
    if args.part in ("all", "scale"):
        scale(args)


def throughput(args: argparse.Namespace) -> None:
    """Serial against processes against Dask on the same runs."""
    tasks = make_tasks(args.runs, args.weeks)
    n, w = len(tasks), args.workers
    run_one(tasks[0])  # warm-up: imports and caches, inherited by forked workers
    print(
        f"{n} runs of classroom x {args.weeks} weeks, {w} workers, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
    )

    # Interleave the repeats so that a burst of load from other programs hits both.
    serial_best: tuple[float, list[RunResult]] = (float("inf"), [])
    proc_best: tuple[float, list[RunResult]] = (float("inf"), [])
    for _ in range(args.repeats):
        serial_best = min(serial_best, time_executor(SerialExecutor(), tasks), key=lambda x: x[0])
        proc_best = min(proc_best, time_executor(ProcessExecutor(w), tasks), key=lambda x: x[0])
    (serial_t, serial_res), (proc_t, proc_res) = serial_best, proc_best
    t0 = time.perf_counter()
    with DaskExecutor(w) as dask_ex:
        startup = time.perf_counter() - t0
        list(dask_ex.imap_unordered(run_one, tasks[: 2 * w]))  # warm the workers' imports
        t1 = time.perf_counter()
        dask_res = list(dask_ex.imap_unordered(run_one, tasks))
        dask_t = time.perf_counter() - t1

    print(
        f"{'executor':<10} {'seconds':>8} {'runs/s':>8} {'speed-up':>9} {'overhead/task':>14}"
        f" {'run inside':>11} {'idle+IPC/task':>14}"
    )
    rows = [
        ("serial", serial_t, 1, serial_res),
        ("processes", proc_t, w, proc_res),
        ("dask", dask_t, w, dask_res),
    ]
    for name, t, workers, res in rows:
        overhead_ms = (t * workers - serial_t) / n * 1000 if workers > 1 else 0.0
        busy = sum(r.timing["seconds"] for r in res)
        # Worker time not spent running a model: the executor's own cost, whatever other
        # programs on the machine do to the speed of the runs themselves.
        idle_ms = (t * workers - busy) / n * 1000
        print(
            f"{name:<10} {t:8.3f} {n / t:8.1f} {serial_t / t:8.2f}x {overhead_ms:11.2f} ms"
            f" {busy / n * 1000:8.2f} ms {idle_ms:11.2f} ms"
        )
    print(f"(dask cluster start-up {startup:.2f} s, not included above)")

    same = metrics_of(serial_res) == metrics_of(proc_res) == metrics_of(dask_res)
    print(f"identical metrics on every executor: {'yes' if same else 'NO'}")

    speedup = serial_t / proc_t
    overhead = (proc_t * w - serial_t) / n * 1000
    ok = speedup >= TARGET_SPEEDUP and overhead <= TARGET_OVERHEAD_MS
    print(
        f"target processes >= {TARGET_SPEEDUP}x serial with <= {TARGET_OVERHEAD_MS:g} ms "
        f"overhead per task: {speedup:.2f}x, {overhead:.2f} ms -> {'PASS' if ok else 'MISS'}"
    )
    if not ok:
        print(
            "note: when 'run inside' is much slower in parallel than in serial, other programs "
            "were using the cores; 'idle+IPC/task' is the executor's own cost"
        )


if __name__ == "__main__":
    main()
