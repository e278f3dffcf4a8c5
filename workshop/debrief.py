"""A workshop's debrief as tables: what happened, who did what, and what another rule does.

:func:`build_debrief` reads the game as the workshop holds it and replays it under
another allocation rule (:meth:`Workshop.counterfactual`: each player bids the same
fraction of each tranche's value), then assembles plain DataFrames that a page or a
report lays out (:mod:`workshop.debrief_html` writes the HTML one):

- :func:`settings_table` — the scenario, rule, seats, rounds, seed and timers;
- :func:`rounds_table` — per round: weeks, rule, price, output, stress, who played;
- :func:`timeline_table` — the host's rule changes, messages and seat changes;
- :func:`team_table` — per team: what it bid, won, paid, borrowed and lent, its GPUs,
  output and stress (seated teams marked);
- :func:`seat_rounds_table` — per seated team and round, whether a person or the bot
  played it and what came of it;
- :func:`offers_table` — every loan offer and its answer;
- :func:`comparison_table` and :func:`seat_comparison_table` — the session against the
  counterfactual.

The first six live in :mod:`workshop.debrief_tables` and are re-exported here. Rounds are
numbered from 1, as players saw them; weeks from 0, as in the CSVs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

import market
from game.run_metrics import RUN_METRICS
from workshop.debrief_tables import (
    SessionRecord,
    offers_table,
    record_of,
    rounds_table,
    seat_rounds_table,
    settings_table,
    team_table,
    timeline_table,
)
from workshop.engine import Workshop
from workshop.errors import WorkshopError

__all__ = [
    "COMPARED",
    "Debrief",
    "SessionRecord",
    "build_debrief",
    "comparison_table",
    "default_counterfactual_rule",
    "offers_table",
    "record_of",
    "rounds_table",
    "seat_comparison_table",
    "seat_rounds_table",
    "settings_table",
    "team_table",
    "timeline_table",
]

#: Run metrics the session and its counterfactual are compared on.
COMPARED = ("output_value", "efficiency", "jain", "mean_stress")


def default_counterfactual_rule(rule: str) -> str:
    """The rule a debrief compares with by default: Vickrey after uniform price, else uniform."""
    return "vickrey" if rule == "uniform_price" else "uniform_price"


# ---------------------------------------------------------------------- the counterfactual
def comparison_table(
    session_weeks: pd.DataFrame, other_weeks: pd.DataFrame, metrics: Sequence[str] = COMPARED
) -> pd.DataFrame:
    """The run metrics of the session and of its counterfactual, side by side.

    Columns: ``metric``, ``label``, ``unit``, ``better``, ``session``, ``counterfactual``
    and ``difference`` (counterfactual − session).
    """
    rows = []
    for name in metrics:
        m = RUN_METRICS[name]
        here, there = m.of(session_weeks), m.of(other_weeks)
        rows.append((name, m.summary_label, m.unit, m.better, here, there, there - here))
    columns = ["metric", "label", "unit", "better", "session", "counterfactual", "difference"]
    return pd.DataFrame(rows, columns=columns)


def seat_comparison_table(
    session_teams: pd.DataFrame, other_teams: pd.DataFrame, seat_teams: dict[int, str]
) -> pd.DataFrame:
    """Each seated team's mean GPUs and total output value (credits), session vs counterfactual."""
    rows = []
    for seat, team in seat_teams.items():
        here = session_teams[session_teams["team"] == team]
        there = other_teams[other_teams["team"] == team]
        rows.append(
            (
                seat,
                team,
                float(here["gpus"].mean()),
                float(there["gpus"].mean()),
                float(here["output_value"].sum()),
                float(there["output_value"].sum()),
            )
        )
    columns = ["seat", "team", "gpus_session", "gpus_counterfactual"]
    return pd.DataFrame(rows, columns=[*columns, "value_session", "value_counterfactual"])


# ---------------------------------------------------------------------- all of it
@dataclass(frozen=True)
class Debrief:
    """Everything a debrief shows (see the module's functions for each table)."""

    workshop: str
    scenario: str
    rule: str
    counterfactual_rule: str
    weeks_per_round: int
    seat_teams: dict[int, str]
    settings: pd.DataFrame
    rounds: pd.DataFrame
    timeline: pd.DataFrame
    teams: pd.DataFrame
    seat_rounds: pd.DataFrame
    offers: pd.DataFrame
    comparison: pd.DataFrame
    seat_comparison: pd.DataFrame
    session: SessionRecord
    counterfactual: SessionRecord


def build_debrief(
    workshop: Workshop, rule: str | None = None, *, progress: Callable[[str], None] | None = None
) -> Debrief:
    """Assemble the debrief of ``workshop`` (played so far) against ``rule``.

    Args:
        workshop: The workshop.
        rule: The allocation rule of the counterfactual (default:
            :func:`default_counterfactual_rule` of the session's first rule).
        progress: Called with a short description as each long step starts.

    Raises:
        WorkshopError: For an unknown rule, or when no week has been played yet.
    """
    say = progress or (lambda _: None)
    if rule is not None:
        try:
            rule = market.resolve_mechanism(rule)
        except ValueError as err:
            raise WorkshopError(f"--rule: {err}") from None
    say("reading the session")
    with workshop.session() as session:
        rec = record_of(session)
        shown = dict(session.shown)
    if rec.teams.empty:
        raise WorkshopError("no week has been played yet; nothing to debrief")
    rule = rule or default_counterfactual_rule(rec.rule)
    say(f"replaying it under {rule}")
    other = record_of(workshop.counterfactual(rule, shown))
    seats = {seat: rec.names[i] for seat, i in workshop.seat_teams.items()}
    wpr = workshop.weeks_per_round
    say("assembling the tables")
    return Debrief(
        workshop=workshop.id,
        scenario=workshop.scenario.name,
        rule=rec.rule,
        counterfactual_rule=rule,
        weeks_per_round=wpr,
        seat_teams=seats,
        settings=settings_table(workshop, rec),
        rounds=rounds_table(rec, wpr, len(seats)),
        timeline=timeline_table([a for a in workshop.actions() if a.id <= rec.last_action], seats),
        teams=team_table(rec, seats),
        seat_rounds=seat_rounds_table(rec, seats, wpr),
        offers=offers_table(rec),
        comparison=comparison_table(rec.weeks, other.weeks),
        seat_comparison=seat_comparison_table(rec.teams, other.teams, seats),
        session=rec,
        counterfactual=other,
    )
