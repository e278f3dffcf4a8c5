"""The tables of a workshop debrief that describe the session itself.

Each function takes a :class:`SessionRecord` (what a debrief needs of a played game,
copied out of a :class:`~workshop.replay.Session` while its lock is held) and returns a
DataFrame; :mod:`workshop.debrief` adds the counterfactual and gathers them.

Rounds are numbered from 1, as players saw them (0 in the timeline: before the first);
weeks from 0, as in the CSVs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

import market
from workshop.engine import Workshop
from workshop.errors import WorkshopError
from workshop.replay import Action, Offer, Session

__all__ = [
    "SessionRecord",
    "offers_table",
    "record_of",
    "rounds_table",
    "rule_label",
    "seat_rounds_table",
    "settings_table",
    "team_table",
    "timeline_table",
]

#: Host actions the timeline shows, with how it names them.
TIMELINE_KINDS = {
    "rules": "rules changed (from the next round)",
    "message": "message to everyone",
    "seat_mode": "seat handed over",
    "revoke": "link withdrawn",
    "reissue": "new link issued",
    "pause": "timer paused",
    "resume": "timer resumed",
    "extend": "window extended",
}


@dataclass(frozen=True)
class SessionRecord:
    """What a debrief needs of one played game (copied out of a :class:`Session`).

    Attributes:
        weeks: ``weeks_frame()``.
        teams: ``teams_frame()`` without the reallocation group.
        events: ``events_frame()``.
        history: Per closed round (0-based ``round``): ``orders`` (seat → bid row),
            ``silent`` seats and agreed ``deals``.
        offers: Every loan offer, in order.
        names: Team names by index.
        rule: The rule that cleared the market in the first week (or the scenario's).
        last_action: The last action of the log the game includes.
    """

    weeks: pd.DataFrame
    teams: pd.DataFrame
    events: pd.DataFrame
    history: list[dict[str, Any]]
    offers: list[Offer]
    names: list[str]
    rule: str
    last_action: int


def record_of(session: Session) -> SessionRecord:
    """Copy what a debrief needs out of ``session`` (hold its lock only for this)."""
    model = session.model
    weeks, teams = model.weeks_frame(), model.teams_frame()
    rule = str(weeks["rule"].iloc[0]) if len(weeks) else session.scenario.clearing_rule
    return SessionRecord(
        weeks=weeks,
        teams=teams[teams["kind"] != "reallocation"].reset_index(drop=True),
        events=model.events_frame(),
        history=[dict(h) for h in session.history],
        offers=[replace(o) for o in session.offers.values()],
        names=list(model.teams.names),
        rule=rule,
        last_action=session.last_action,
    )


def rule_label(rule: str) -> str:
    """``rule`` with its readable label, e.g. ``vickrey (Vickrey (VCG))``."""
    mech = market.MECHANISMS.get(rule)
    return f"{rule} ({mech.label})" if mech is not None else rule


def _round(week: pd.Series | np.ndarray, weeks_per_round: int) -> pd.Series:
    return pd.Series(np.asarray(week) // weeks_per_round + 1)


# ---------------------------------------------------------------------- the session
def settings_table(workshop: Workshop, rec: SessionRecord) -> pd.DataFrame:
    """The session's settings as ``setting``, ``value`` rows."""
    sc = workshop.scenario
    played = len(rec.history)
    rows = [
        ("workshop", workshop.id),
        ("scenario", f"{sc.name}: {sc.description}"),
        ("allocation rule", rule_label(sc.clearing_rule)),
        ("governance", sc.governance.mode),
        ("teams", f"{sc.lab.research_teams} research, {sc.lab.product_teams} product"),
        ("seats", ", ".join(f"{s}: {rec.names[i]}" for s, i in workshop.seat_teams.items())),
        ("rounds", f"{played} of {workshop.rounds} played"),
        ("weeks per round", workshop.weeks_per_round),
        ("weeks played", len(rec.weeks)),
        ("seed", workshop.seed),
        ("bidding window", f"{workshop.bidding_seconds:g} s"),
        ("negotiation window", f"{workshop.negotiation_seconds:g} s"),
    ]
    return pd.DataFrame(rows, columns=["setting", "value"]).astype({"value": str})


def rounds_table(rec: SessionRecord, weeks_per_round: int, seats: int) -> pd.DataFrame:
    """One row per round played: weeks, rule, price, output, stress and who played.

    Columns: ``round``, ``weeks``, ``rule``, ``price`` (mean over the weeks that had one),
    ``output_value`` (total), ``efficiency`` and ``jain`` (means), ``mean_stress`` (at
    the end of the round), ``people`` and ``bots`` (seats each played), ``loans`` (agreed
    in the negotiation window) and ``deals`` (all loans, the automatic bargaining's too).
    """
    w = rec.weeks.assign(round=_round(rec.weeks["week"], weeks_per_round))
    rows = []
    by_round = {int(h["round"]) + 1: h for h in rec.history}
    for number, sub in w.groupby("round", sort=True):
        h = by_round.get(int(number), {"silent": [], "deals": []})
        first, last = int(sub["week"].min()), int(sub["week"].max())
        rows.append(
            {
                "round": int(number),
                "weeks": str(first) if first == last else f"{first}-{last}",
                "rule": " / ".join(dict.fromkeys(sub["rule"].astype(str))),
                "price": float(sub["price"].mean()),
                "output_value": float(sub["output_value"].sum()),
                "efficiency": float(sub["efficiency"].mean()),
                "jain": float(sub["jain"].mean()),
                "mean_stress": float(sub["mean_stress"].iloc[-1]),
                "people": seats - len(h["silent"]),
                "bots": len(h["silent"]),
                "loans": len(h["deals"]),
                "deals": int(sub["deals"].sum()),
            }
        )
    return pd.DataFrame(rows, columns=_ROUND_COLUMNS)


_ROUND_COLUMNS = [
    "round",
    "weeks",
    "rule",
    "price",
    "output_value",
    "efficiency",
    "jain",
    "mean_stress",
    "people",
    "bots",
    "loans",
    "deals",
]


def timeline_table(actions: Sequence[Action], seat_teams: dict[int, str]) -> pd.DataFrame:
    """The host's actions in order: ``round`` (0: before the first), ``what``, ``detail``."""
    rows = []
    for a in actions:
        if a.kind not in TIMELINE_KINDS:
            continue
        p = a.payload
        if a.kind == "rules":
            detail = ", ".join(f"{k} = {v}" for k, v in p["overrides"].items())
        elif a.kind == "message":
            detail = p["text"]
        elif a.kind == "seat_mode":
            who = "its bot" if p["mode"] == "bot" else "its player"
            detail = f"seat {a.seat} ({seat_teams.get(a.seat, '?')}) to {who}"
        elif a.kind in ("revoke", "reissue"):
            detail = f"seat {a.seat} ({seat_teams.get(a.seat, '?')})"
        elif a.kind == "pause":
            detail = f"{p['left']:.0f} s left"
        elif a.kind == "extend":
            detail = f"+{p['seconds']:g} s"
        else:
            detail = ""
        rows.append((a.round + 1, TIMELINE_KINDS[a.kind], detail))
    return pd.DataFrame(rows, columns=["round", "what", "detail"])


def _loans(rec: SessionRecord) -> pd.DataFrame:
    """Per team index: tranches borrowed and lent, and net credits paid, in agreed deals."""
    n = len(rec.names)
    units_in, units_out, credits = np.zeros(n), np.zeros(n), np.zeros(n)
    for h in rec.history:
        for d in h["deals"]:
            units_in[d.borrower] += d.units
            units_out[d.lender] += d.units
            credits[d.borrower] += d.units * d.price
            credits[d.lender] -= d.units * d.price
    return pd.DataFrame(
        {"team": rec.names, "loans_in": units_in, "loans_out": units_out, "loan_credits": credits}
    )


def team_table(rec: SessionRecord, seat_teams: dict[int, str]) -> pd.DataFrame:
    """One row per team: what it bid, won, paid and negotiated; GPUs, output and stress.

    Columns: ``team``, ``kind``, ``seat`` (empty for teams only bots played),
    ``person_rounds`` (rounds a person played the seat), ``bid`` (credits bid, total),
    ``won`` (tranches won at clearing, total), ``paid`` (credits), ``loans_in`` and
    ``loans_out`` (tranches borrowed and lent in loans agreed in the negotiation windows),
    ``loan_credits`` (net credits paid for them), ``mean_gpus``, ``output_value`` (credits, total),
    ``mean_stress``, ``final_stress``.
    """
    t = rec.teams
    if t.empty:
        raise WorkshopError("no week has been played yet; nothing to debrief")
    grouped = t.groupby("team", sort=False)
    last_week = t[t["week"] == t["week"].max()].set_index("team")
    table = pd.DataFrame(
        {
            "kind": grouped["kind"].first(),
            "bid": grouped["bid"].sum(),
            "won": grouped["won"].sum(),
            "paid": grouped["paid"].sum(),
            "mean_gpus": grouped["gpus"].mean(),
            "output_value": grouped["output_value"].sum(),
            "mean_stress": grouped["stress"].mean(),
            "final_stress": last_week["stress"],
        }
    )
    table = table.reindex(rec.names).rename_axis("team").reset_index()
    seat_of = {team: seat for seat, team in seat_teams.items()}
    table.insert(2, "seat", pd.array([seat_of.get(x) for x in table["team"]], dtype="Int64"))
    people = {seat: sum(1 for h in rec.history if seat not in h["silent"]) for seat in seat_teams}
    by_person = [people.get(seat_of.get(x)) for x in table["team"]]
    table.insert(3, "person_rounds", pd.array(by_person, dtype="Int64"))
    loans = _loans(rec).set_index("team")
    for col in ("loans_in", "loans_out", "loan_credits"):
        table.insert(table.columns.get_loc("mean_gpus"), col, table["team"].map(loans[col]))
    return table


def seat_rounds_table(
    rec: SessionRecord, seat_teams: dict[int, str], weeks_per_round: int
) -> pd.DataFrame:
    """One row per seated team and round played.

    Columns: ``round``, ``seat``, ``team``, ``played_by`` (``person`` or ``bot``),
    ``tranches_bid`` (tranches in the player's order; empty for the bot), ``bid``,
    ``won``, ``paid`` (totals over the round's weeks), ``gpus`` and ``stress`` (at the end
    of the round) and ``output_value`` (credits, total).
    """
    t = rec.teams.assign(round=_round(rec.teams["week"], weeks_per_round))
    rows = []
    for h in rec.history:
        number = int(h["round"]) + 1
        sub = t[t["round"] == number]
        for seat, team in seat_teams.items():
            mine = sub[sub["team"] == team]
            if mine.empty:
                continue
            person = seat not in h["silent"] and seat in h["orders"]
            order = h["orders"].get(seat)
            rows.append(
                {
                    "round": number,
                    "seat": seat,
                    "team": team,
                    "played_by": "person" if person else "bot",
                    "tranches_bid": int(np.count_nonzero(order)) if person else None,
                    "bid": float(mine["bid"].sum()),
                    "won": float(mine["won"].sum()),
                    "paid": float(mine["paid"].sum()),
                    "gpus": float(mine["gpus"].iloc[-1]),
                    "stress": float(mine["stress"].iloc[-1]),
                    "output_value": float(mine["output_value"].sum()),
                }
            )
    frame = pd.DataFrame(rows, columns=_SEAT_ROUND_COLUMNS)
    return frame.astype({"tranches_bid": "Int64"})


_SEAT_ROUND_COLUMNS = [
    "round",
    "seat",
    "team",
    "played_by",
    "tranches_bid",
    "bid",
    "won",
    "paid",
    "gpus",
    "stress",
    "output_value",
]


def offers_table(rec: SessionRecord) -> pd.DataFrame:
    """Every loan offer: round, who offered whom, lender, borrower, terms and its status."""
    names = rec.names
    rows = [
        (
            o.round + 1,
            o.id,
            names[o.from_team],
            names[o.to_team],
            names[o.lender],
            names[o.borrower],
            o.units,
            o.price,
            o.weeks,
            o.status,
            o.reply_to,
        )
        for o in rec.offers
    ]
    columns = ["round", "offer", "from", "to", "lender", "borrower", "tranches", "price"]
    frame = pd.DataFrame(rows, columns=[*columns, "weeks", "status", "reply_to"])
    return frame.astype({"reply_to": "Int64"})
