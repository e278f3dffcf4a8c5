"""Is a table of Sobol indices to be believed? Width, sign and order of the intervals.

SALib gives every first-order (S1) and total (ST) index with a 95% bootstrap interval
(``S1_conf``, ``ST_conf``: half-widths). A too small base sample shows itself as

- intervals too wide to rank the factors (wider than ``±max_half_width``, default 0.1
  on a scale where indices lie in [0, 1]);
- indices negative, or above 1, beyond their interval (impossible for a variance share);
- a first-order index above the total one beyond both intervals (S1 ≤ ST in theory).

The intervals shrink about as ``1/√N`` in the base sample ``N``, so the base sample
that would bring the widest interval within the target is ``N · (widest / target)²``,
rounded up to a power of 2 (Saltelli sampling wants one)::

    from experiments.sobol_health import check_sobol
    health = check_sobol(table, samples=32, dimensions=5)
    for line in health.lines():
        print(line)

:func:`index_flags` names what is wrong with each row, for tables shown to people.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from experiments.analysis import metric_label
from experiments.sweep_schema import SweepFile, sobol_point_count

MAX_HALF_WIDTH = 0.1
"""Default widest acceptable 95% half-width of an index (indices lie in [0, 1])."""

WIDE = "wide"
NEGATIVE = "negative"
ABOVE_ONE = "above 1"
S1_ABOVE_ST = "S1 > ST"


def index_flags(table: pd.DataFrame, *, max_half_width: float = MAX_HALF_WIDTH) -> pd.Series:
    """What is wrong with each row of a Sobol table (``""`` when nothing is).

    Args:
        table: Columns ``S1, S1_conf, ST, ST_conf`` (as from
            :func:`experiments.analysis.sobol_indices`).
        max_half_width: Widest acceptable 95% half-width.

    Returns:
        One string per row, e.g. ``"wide; S1 > ST"``, aligned with ``table``.
    """
    flags: list[str] = []
    for r in table.itertuples():
        s1, s1c, st, stc = float(r.S1), float(r.S1_conf), float(r.ST), float(r.ST_conf)
        row: list[str] = []
        if max(s1c, stc) > max_half_width or not math.isfinite(max(s1c, stc)):
            row.append(WIDE)
        if s1 + s1c < 0 or st + stc < 0:
            row.append(NEGATIVE)
        if s1 - s1c > 1 or st - stc > 1:
            row.append(ABOVE_ONE)
        if s1 - s1c > st + stc:
            row.append(S1_ABOVE_ST)
        flags.append("; ".join(row))
    return pd.Series(flags, index=table.index, dtype=object)


def needed_samples(samples: int, widest: float, max_half_width: float = MAX_HALF_WIDTH) -> int:
    """The base sample (a power of 2) that would bring ``widest`` within ``max_half_width``.

    Intervals shrink as ``1/√N``; the answer is never below ``samples``.
    """
    if not math.isfinite(widest) or widest <= max_half_width:
        return samples
    n = samples * (widest / max_half_width) ** 2
    return max(samples, 1 << math.ceil(math.log2(n)))


@dataclass(frozen=True)
class SobolHealth:
    """The verdict on a table of Sobol indices.

    Attributes:
        ok: Whether every interval is narrow enough and no index is impossible.
        samples: The base sample ``N`` used.
        runs: Runs the design took (points × replications).
        indices: Intervals checked (S1 and ST of every metric and factor).
        max_half_width: The target half-width.
        widest: The widest half-width found.
        widest_at: Where: ``(metric, factor, "S1" or "ST")``.
        wide: Intervals wider than the target.
        negative: Indices negative beyond their interval.
        above_one: Indices above 1 beyond their interval.
        s1_above_st: Rows with S1 above ST beyond both intervals.
        needed_samples: Base sample that would bring the widest within the target.
        needed_runs: Runs that base sample takes (same design and replications).
        replications: Runs of a stochastic model averaged per design point (``None``:
            a deterministic function, one evaluation per point).
    """

    ok: bool
    samples: int
    runs: int
    indices: int
    max_half_width: float
    widest: float
    widest_at: tuple[str, str, str]
    wide: int
    negative: int
    above_one: int
    s1_above_st: int
    needed_samples: int
    needed_runs: int
    replications: int | None = None

    def headline(self) -> str:
        """One line: reliable or not, and at what base sample."""
        if self.ok:
            return (
                f"Sobol health: ok at N = {self.samples} ({self.runs:,} runs): every 95% "
                f"interval is within ±{self.max_half_width:g} (widest ±{self.widest:.2g}), "
                "no index is negative, above 1 or has S1 > ST beyond its interval."
            )
        return (
            f"Sobol health: WARNING: these indices are not reliable; at N = {self.samples} "
            f"({self.runs:,} runs) this is a smoke test."
        )

    def lines(self) -> list[str]:
        """The headline and, when something is wrong, one line per problem and the fix."""
        out = [self.headline()]
        if self.ok:
            return out
        metric, factor, which = self.widest_at
        if self.wide:
            out.append(
                f"{self.wide} of {self.indices} intervals are wider than ±{self.max_half_width:g} "
                f"(widest ±{self.widest:.2g}: {which} of {factor} on {metric_label(metric)})."
            )
        if self.negative:
            out.append(f"{self.negative} indices are negative beyond their interval.")
        if self.above_one:
            out.append(f"{self.above_one} indices are above 1 beyond their interval.")
        if self.s1_above_st:
            out.append(
                f"{self.s1_above_st} first-order indices exceed their total index (S1 > ST) "
                "beyond both intervals."
            )
        if self.needed_samples > self.samples:
            out.append(
                f"Intervals shrink as 1/√N: about N = {self.needed_samples:,} base samples "
                f"({self.needed_runs:,} runs) would bring the widest within "
                f"±{self.max_half_width:g} (set samples = {self.needed_samples} in the sweep file)."
            )
        if self.replications == 1:
            out.append(
                "Each design point is one run: run-to-run noise counts as variance no factor "
                "explains and inflates every ST; replications > 1 average it out."
            )
        return out


def check_sobol(
    table: pd.DataFrame,
    *,
    samples: int,
    dimensions: int,
    second_order: bool = False,
    replications: int | None = None,
    max_half_width: float = MAX_HALF_WIDTH,
) -> SobolHealth:
    """Judge a table of Sobol indices (see the module docstring for the checks).

    Args:
        table: Columns ``metric, factor, S1, S1_conf, ST, ST_conf``; not empty.
        samples: The base sample ``N`` the indices came from.
        dimensions: Number of factors.
        second_order: Whether the design had second-order points.
        replications: Runs of a stochastic model per design point (``None``: a
            deterministic function, evaluated once per point).
        max_half_width: Widest acceptable 95% half-width.

    Raises:
        ValueError: An empty table, or a target half-width that is not positive.
    """
    if table.empty:
        raise ValueError("the Sobol table is empty: nothing to check")
    if not max_half_width > 0:
        raise ValueError(f"max_half_width = {max_half_width}: must be > 0")
    flags = index_flags(table, max_half_width=max_half_width)
    long = pd.concat(
        [
            table[["metric", "factor"]].assign(index="S1", conf=table["S1_conf"]),
            table[["metric", "factor"]].assign(index="ST", conf=table["ST_conf"]),
        ],
        ignore_index=True,
    )
    conf = long["conf"].astype(float).fillna(math.inf)
    top = long.loc[conf.idxmax()]
    widest = float(conf.max())
    s1, s1c = table["S1"].astype(float), table["S1_conf"].astype(float)
    st, stc = table["ST"].astype(float), table["ST_conf"].astype(float)
    negative = int((s1 + s1c < 0).sum() + (st + stc < 0).sum())
    above = int((s1 - s1c > 1).sum() + (st - stc > 1).sum())
    order = int(flags.str.contains(S1_ABOVE_ST, regex=False).sum())
    wide = int((conf > max_half_width).sum())
    need = needed_samples(samples, widest, max_half_width)
    per_run = (replications or 1) * sobol_point_count(dimensions, 1, second_order)
    return SobolHealth(
        ok=not (wide or negative or above or order),
        samples=samples,
        runs=samples * per_run,
        indices=len(long),
        max_half_width=max_half_width,
        widest=widest,
        widest_at=(str(top["metric"]), str(top["factor"]), str(top["index"])),
        wide=wide,
        negative=negative,
        above_one=above,
        s1_above_st=order,
        needed_samples=need,
        needed_runs=need * per_run,
        replications=replications,
    )


def sweep_health(
    table: pd.DataFrame, spec: SweepFile, *, max_half_width: float = MAX_HALF_WIDTH
) -> SobolHealth | None:
    """:func:`check_sobol` for the indices of a Sobol sweep (``None``: no indices)."""
    s = spec.sweep
    if table.empty or s.design != "sobol" or s.samples is None:
        return None
    return check_sobol(
        table,
        samples=s.samples,
        dimensions=len(spec.factors),
        second_order=s.second_order,
        replications=s.replications,
        max_half_width=max_half_width,
    )


def sobol_text(runs: pd.DataFrame, spec: SweepFile) -> list[str]:
    """The Sobol section of ``crunch results``: indices with intervals and flags, and health.

    Returns:
        Lines to print (empty when the sweep is not a Sobol design).
    """
    from experiments.analysis import sobol_indices

    if spec.sweep.design != "sobol":
        return []
    table, notes = sobol_indices(runs, spec)
    out = ["", "Sobol indices (SALib; ± is the 95% bootstrap half-width):", *notes]
    if table.empty:
        return out
    shown = pd.DataFrame(
        {
            "metric": table["metric"].map(metric_label),
            "factor": table["factor"],
            "S1": [f"{v:+.3f} ± {c:.3f}" for v, c in zip(table.S1, table.S1_conf, strict=True)],
            "ST": [f"{v:+.3f} ± {c:.3f}" for v, c in zip(table.ST, table.ST_conf, strict=True)],
            "flags": index_flags(table),
        }
    )
    with pd.option_context("display.max_rows", 500, "display.width", 160):
        out.append(shown.to_string(index=False))
    health = sweep_health(table, spec)
    if health is not None:
        out.extend(health.lines())
    return out


def health_html(table: pd.DataFrame, spec: SweepFile) -> str:
    """The health of a sweep's Sobol indices as an HTML paragraph (``""``: no indices).

    A warning (class ``note``) when the indices are not reliable, else a plain line.
    """
    from html import escape

    health = sweep_health(table, spec)
    if health is None:
        return ""
    cls = "muted" if health.ok else "note"
    body = "<br>".join(escape(line) for line in health.lines())
    return f'<p class="{cls}" id="sobol-health">{body}</p>'


def file_health_lines(path: str | Path) -> list[str]:
    """The health lines of a results file's Sobol indices (``[]``: not a Sobol design).

    Reads only the runs table (not the weekly series).

    Raises:
        StoreError: If the file cannot be read.
    """
    from experiments.analysis import sobol_indices
    from experiments.store import open_results

    with open_results(path) as store:
        spec = store.sweep()
        if spec.sweep.design != "sobol":
            return []
        runs = store.runs_frame()
    table, notes = sobol_indices(runs, spec)
    health = sweep_health(table, spec)
    return notes + (health.lines() if health is not None else [])
