"""A workshop debrief as one self-contained HTML page (``crunch workshop debrief``).

No external scripts, styles or images: tables are HTML, charts are matplotlib PNGs
embedded as ``data:image/png;base64`` URIs, so the page can be mailed to the room,
projected or archived. Seated teams are highlighted in every table and chart. The page is
made from a :class:`workshop.debrief.Debrief` alone::

    from workshop import Workshop
    from workshop.debrief import build_debrief
    from workshop.debrief_html import write_debrief

    write_debrief(build_debrief(Workshop("ws.db")), "debrief.html")
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

import market
from workshop.debrief import Debrief

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["debrief_html", "write_debrief"]

SEAT_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b")
OTHER_COLOR = "#b8bfcc"

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
       max-width: 1150px; color: #1d2330; padding: 0 1rem; line-height: 1.45; }
h1 { margin-bottom: .2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #dde;
       padding-bottom: .2rem; } h3 { margin-bottom: .3rem; }
.sub, .muted { color: #5a6170; }
table { border-collapse: collapse; margin: .6rem 0 1rem; font-size: .88rem; }
th, td { border: 1px solid #d8dbe3; padding: .25rem .55rem; text-align: right; }
th { background: #f1f3f8; } td.l, th.l { text-align: left; }
tr.seat td { background: #eef5ff; font-weight: 600; }
.better { color: #1a7f37; } .worse { color: #b42318; }
img { max-width: 100%; height: auto; display: block; margin: .5rem 0 1.2rem; }
"""

# How each column is shown: a format for numbers (default: up to 4 significant digits).
FORMATS = {
    "bid": ",.0f",
    "paid": ",.0f",
    "won": ",.0f",
    "loan_credits": ",.0f",
    "loans_in": ",.0f",
    "loans_out": ",.0f",
    "price": ",.1f",
    "output_value": ",.0f",
    "mean_gpus": ",.0f",
    "gpus": ",.0f",
    "stress": ".2f",
    "mean_stress": ".2f",
    "final_stress": ".2f",
    "efficiency": ".3f",
    "jain": ".3f",
    "gpus_session": ".1f",
    "gpus_counterfactual": ".1f",
    "value_session": ",.0f",
    "value_counterfactual": ",.0f",
}
# Column headings people read (others are shown as named).
LABELS = {
    "output_value": "output value",
    "mean_stress": "mean stress",
    "tranches_bid": "tranches bid",
    "person_rounds": "rounds a person played",
    "played_by": "played by",
    "loans_in": "borrowed",
    "loans_out": "lent",
    "loan_credits": "loan credits",
    "mean_gpus": "mean GPUs",
    "final_stress": "stress at the end",
    "reply_to": "reply to",
    "gpus_session": "mean GPUs: session",
    "value_session": "output value: session",
}


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _cell(value: object, fmt: str | None) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if fmt:
            return format(float(value), fmt)
        x = float(value)
        return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"
    return _e(value)


def table_html(
    frame: pd.DataFrame,
    *,
    highlight: Callable[[pd.Series], bool] | None = None,
    labels: dict[str, str] | None = None,
) -> str:
    """``frame`` as an HTML table (text columns left-aligned; ``highlight`` marks rows)."""
    if frame.empty:
        return '<p class="muted">None.</p>'
    text_cols = {c for c in frame.columns if frame[c].dtype == object}
    names = {**LABELS, **(labels or {})}
    head = "".join(
        f'<th class="{"l" if c in text_cols else ""}">{_e(names.get(c, c))}</th>'
        for c in frame.columns
    )
    rows = []
    for _, row in frame.iterrows():
        cells = "".join(
            f'<td class="{"l" if c in text_cols else ""}">{_cell(row[c], FORMATS.get(c))}</td>'
            for c in frame.columns
        )
        mark = ' class="seat"' if highlight is not None and highlight(row) else ""
        rows.append(f"<tr{mark}>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=96, bbox_inches="tight")
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="chart" src="data:image/png;base64,{data}">'


def _figure(panels: int) -> tuple[Figure, list[Axes]]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3.9 * panels, 3.0), layout="constrained")
    axes = [fig.add_subplot(1, panels, i + 1) for i in range(panels)]
    for ax in axes:
        ax.grid(True, alpha=0.3)
        ax.tick_params(labelsize=8)
    return fig, axes


def _by_round(teams: pd.DataFrame, weeks_per_round: int) -> pd.DataFrame:
    """Per team and round: stress and GPUs at the round's end, output over it."""
    t = teams.assign(round=teams["week"] // weeks_per_round + 1)
    grouped = t.groupby(["team", "round"], sort=False)
    return pd.DataFrame(
        {
            "stress": grouped["stress"].last(),
            "gpus": grouped["gpus"].last(),
            "output_value": grouped["output_value"].sum(),
        }
    ).reset_index()


def _team_charts(d: Debrief) -> str:
    per = _by_round(d.session.teams, d.weeks_per_round)
    seated = list(d.seat_teams.values())
    fig, axes = _figure(3)
    for ax, (col, title) in zip(
        axes,
        [
            ("stress", "stress at the end of the round"),
            ("gpus", "GPUs held"),
            ("output_value", "output value (credits)"),
        ],
        strict=True,
    ):
        for team, sub in per.groupby("team", sort=False):
            if team in seated:
                continue
            ax.plot(sub["round"], sub[col], color=OTHER_COLOR, lw=1, marker=".", ms=3)
        for i, team in enumerate(seated):
            sub = per[per["team"] == team]
            color = SEAT_COLORS[i % len(SEAT_COLORS)]
            ax.plot(sub["round"], sub[col], color=color, lw=2.2, marker="o", ms=4, label=team)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("round", fontsize=8)
        ax.xaxis.get_major_locator().set_params(integer=True)
    axes[0].legend(fontsize=7, title="seated teams (grey: bots)", title_fontsize=7)
    return _png(fig)


def _counterfactual_charts(d: Debrief) -> str:
    rule_a, rule_b = d.rule, d.counterfactual_rule
    a, b = d.session.weeks, d.counterfactual.weeks
    fig, axes = _figure(3)
    for ax, (col, title) in zip(
        axes[:2],
        [("output_value", "output value per week"), ("mean_stress", "mean stress")],
        strict=True,
    ):
        ax.plot(a["week"], a[col], color=SEAT_COLORS[0], lw=2, label=f"session ({rule_a})")
        ax.plot(b["week"], b[col], color=SEAT_COLORS[1], lw=2, ls="--", label=rule_b)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("week", fontsize=8)
        ax.xaxis.get_major_locator().set_params(integer=True)
    axes[0].legend(fontsize=7)
    seats = d.seat_comparison
    x = np.arange(len(seats))
    axes[2].bar(x - 0.2, seats["gpus_session"], 0.4, color=SEAT_COLORS[0], label="session")
    axes[2].bar(x + 0.2, seats["gpus_counterfactual"], 0.4, color=SEAT_COLORS[1], label=rule_b)
    axes[2].set_xticks(x, list(seats["team"]), rotation=20, ha="right")
    axes[2].set_title("seated teams: mean GPUs held", fontsize=10)
    axes[2].legend(fontsize=7)
    return _png(fig)


def _comparison(d: Debrief) -> str:
    rows = []
    for r in d.comparison.itertuples():
        diff = r.difference
        tone = ""
        if r.better and abs(diff) > 1e-9:
            good = (diff > 0) == (r.better == "higher")
            tone = "better" if good else "worse"
        fmt = FORMATS.get(r.metric)
        rows.append(
            f'<tr><td class="l">{_e(r.label)}</td><td class="l">{_e(r.unit)}</td>'
            f"<td>{_cell(r.session, fmt)}</td><td>{_cell(r.counterfactual, fmt)}</td>"
            f'<td class="{tone}">{"+" if diff > 0 else ""}{_cell(diff, fmt)}</td></tr>'
        )
    return (
        '<table><tr><th class="l">metric</th><th class="l">unit</th><th>session</th>'
        f"<th>{_e(d.counterfactual_rule)}</th><th>difference</th></tr>{''.join(rows)}</table>"
    )


def _label(rule: str) -> str:
    mech = market.MECHANISMS.get(rule)
    return f"{mech.label} (<code>{_e(rule)}</code>)" if mech else f"<code>{_e(rule)}</code>"


def debrief_html(d: Debrief) -> str:
    """The whole debrief as one self-contained HTML page."""
    seated = set(d.seat_teams.values())

    def is_seated(row: pd.Series) -> bool:
        return row.get("team") in seated

    timeline = d.timeline.assign(
        round=[("before" if r == 0 else str(r)) for r in d.timeline["round"]]
    )
    played = len(d.rounds)
    rule = d.counterfactual_rule
    other = {
        "gpus_counterfactual": f"mean GPUs: {rule}",
        "value_counterfactual": f"output value: {rule}",
    }
    seat_list = ", ".join(f"{_e(t)} (seat {s})" for s, t in d.seat_teams.items())
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Workshop debrief: {_e(d.scenario)}</title><style>{CSS}</style></head><body>"
        f"<h1>Workshop debrief: {_e(d.scenario)}</h1>"
        f'<p class="sub">Workshop <code>{_e(d.workshop)}</code>: {played} rounds played '
        f"under {_label(d.rule)}. Seated teams: {seat_list}.</p>"
        f"<h2>The session</h2>{table_html(d.settings)}"
        '<h2 id="history">Round by round</h2>'
        '<p class="muted">People: seats whose player bid that round; bots played the others. '
        "Loans: agreed in the negotiation window; deals: every loan of the round's weeks, "
        "the bots' automatic bargaining included.</p>"
        f"{table_html(d.rounds)}"
        f"<h3>Rule changes and messages</h3>{table_html(timeline)}"
        '<h2 id="teams">Teams</h2>'
        '<p class="muted">Totals over the weeks played; seated teams are highlighted. '
        "Bid and paid are credits, won and loans tranches; loan credits is what a team paid "
        "for the loans it took less what it was paid for those it gave.</p>"
        f"{table_html(d.teams, highlight=is_seated)}{_team_charts(d)}"
        "<h3>The seated teams, round by round</h3>"
        f"{table_html(d.seat_rounds)}"
        f"<h3>Loan offers</h3>{table_html(d.offers)}"
        f'<h2 id="counterfactual">The same session under {_label(d.counterfactual_rule)}</h2>'
        '<p class="muted">The log replayed from the same seed under the other rule: each '
        "player bids the same fraction of each tranche's value as in the session, bots bid "
        "as bots do, agreed loans and the host's other rule changes are kept.</p>"
        f"{_comparison(d)}"
        f"{table_html(d.seat_comparison, highlight=lambda _: True, labels=other)}"
        f"{_counterfactual_charts(d)}"
        "</body></html>"
    )


def write_debrief(d: Debrief, out: str | Path) -> Path:
    """Write the debrief page to ``out`` (its folder created if missing); return the path."""
    text = debrief_html(d)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
