"""The paired comparison shown: as terminal text (``crunch results --compare``) and as HTML.

Both read a :class:`experiments.paired.PairedTable` and show, per point, its paired
differences from the baseline with decimals fitted to each interval
(:func:`experiments.paired.display_table`).
"""

from __future__ import annotations

import html
import tomllib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from experiments.paired import PairedTable, display_table, sweep_paired_table
from experiments.sweep_schema import SweepFile

if TYPE_CHECKING:
    from experiments.analysis import Results

__all__ = ["EXPLANATION", "paired_html", "paired_section", "paired_text", "parse_baseline"]

EXPLANATION = (
    "Each point against its baseline, run by run: replicate r of both played the same "
    "seed (common random numbers), so the difference is the rules, not luck. Difference "
    "= point − baseline, mean over the pairs, with its 95% interval (per metric). The "
    "verdict says better/worse (or higher/lower) only where the Holm-adjusted p-value "
    "over all the metrics of that comparison is below 0.05."
)


def parse_baseline(values: Sequence[str], spec: SweepFile) -> dict[str, Any]:
    """Turn ``--baseline FACTOR=LEVEL`` options into a baseline (levels read as TOML).

    ``market.mechanism=committee`` gives the string; ``reallocation.enabled=false`` the
    boolean; ``lab.research_teams=12`` the number.

    Raises:
        ValueError: One line naming the option and what is allowed.
    """
    out: dict[str, Any] = {}
    for text in values:
        key, sep, raw = text.partition("=")
        key, raw = key.strip().strip('"'), raw.strip()
        if not sep or not key or not raw:
            raise ValueError(
                f"--baseline {text!r}: allowed: FACTOR=LEVEL, e.g. market.mechanism=committee"
            )
        if key not in spec.factors:
            raise ValueError(
                f"--baseline {text!r}: {key!r} is not a factor; allowed: {', '.join(spec.factors)}"
            )
        try:
            out[key] = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            out[key] = raw
    return out


def _groups(paired: PairedTable):
    for _, group in paired.table.groupby("point", sort=True):
        yield group.iloc[0], group


def paired_text(paired: PairedTable) -> str:
    """The comparison as terminal text: a heading and a table per point."""
    lines: list[str] = []
    if paired.baseline:
        shown = ", ".join(f"{k} = {v!r}" for k, v in paired.baseline.items())
        lines.append(f"paired differences from the baseline ({shown})")
    lines += [f"note: {n}" for n in paired.notes]
    if paired.table.empty:
        return "\n".join(lines)
    for first, group in _groups(paired):
        lines.append("")
        lines.append(f"point {first.point}: {first.point_label}")
        lines.append(f"  vs baseline point {first.baseline_point}: {first.baseline_label}")
        with pd.option_context("display.max_rows", 500, "display.width", 160):
            lines.append(display_table(group).to_string(index=False))
    lines.append("")
    lines.append(
        "difference = point − baseline over runs paired by replicate; verdict from "
        "Holm-adjusted paired t-tests across the metrics (alpha 0.05)"
    )
    return "\n".join(lines)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def paired_html(paired: PairedTable) -> str:
    """The comparison as HTML: one table per point (the report's section body)."""
    notes = "".join(f'<p class="note">{_e(n)}</p>' for n in paired.notes)
    if paired.table.empty:
        return notes or "<p>No paired differences.</p>"
    parts = [f'<p class="muted">{_e(EXPLANATION)}</p>', notes]
    for first, group in _groups(paired):
        shown = display_table(group)
        head = "".join(
            f'<th class="l">{_e(c)}</th>' if c in ("metric", "verdict") else f"<th>{_e(c)}</th>"
            for c in shown.columns
        )
        rows = "".join(
            "<tr>"
            + "".join(
                f'<td class="l">{_e(v)}</td>' if c in ("metric", "verdict") else f"<td>{_e(v)}</td>"
                for c, v in zip(shown.columns, row, strict=True)
            )
            + "</tr>"
            for row in shown.itertuples(index=False)
        )
        parts.append(
            f"<h3>{_e(first.point_label)}</h3>"
            f'<p class="muted">against the baseline {_e(first.baseline_label)}</p>'
            f'<table class="paired"><tr>{head}</tr>{rows}</table>'
        )
    return "".join(parts)


def paired_section(res: Results) -> str:
    """The report's section on a sweep with a ``[baseline]`` (empty without one)."""
    if not res.spec.baseline:
        return ""
    body = paired_html(sweep_paired_table(res.runs, res.spec))
    return f"<h2>Paired differences from the baseline</h2>{body}"
