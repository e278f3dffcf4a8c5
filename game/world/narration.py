"""Narration: a week's phase results turned into sentences for the event log.

The order of the sentences follows the order of the phases. Sentences are stored as
templates with columns (:class:`~game.world.events.EventLog`) and formatted only when
read, so narrating a 10,000-team week costs no Python loop per team.
"""

from __future__ import annotations

import numpy as np

from game.world.events import EventLog
from game.world.phases.negotiation_book import Bargains
from game.world.week import WeekResults

__all__ = ["narrate_week"]


def _people(count: float) -> str:
    return "1 person" if count == 1 else f"{count:.0f} people"


def _tranches(units: np.ndarray) -> np.ndarray:
    """``"tranche"`` where a count is one, ``"tranches"`` elsewhere."""
    return np.where(np.round(np.asarray(units, dtype=float)) == 1, "tranche", "tranches")


def narrate_week(log: EventLog, r: WeekResults, names: list[str], milestones: int) -> None:
    """Append this week's events to ``log``.

    Args:
        log: The event log.
        r: The week's phase results.
        names: Team names in table order.
        milestones: Milestones per project (for "3/4" counts).
    """
    week = r.week

    def who(idx: np.ndarray) -> list[str]:
        return [names[i] for i in idx.tolist()]

    s = r.supply
    if s.go_live:
        log.add(week, "supply", f"{s.go_live:.0f} {_tranches(s.go_live)} went live")
    if s.lease_expiry:
        left = _tranches(s.lease_expiry)
        log.add(week, "supply", f"leases ended: {s.lease_expiry:.0f} {left} left")
    if s.outage_share:
        log.add(week, "outage", f"outage: {s.outage_share:.0%} of the fleet offline this week")

    life = r.lifecycle
    if life.finished.size:
        log.add_many(
            week,
            "project_finished",
            "{team} finished its project ({hit}/{of} milestones)",
            who(life.finished),
            hit=life.finished_milestones,
            of=np.full(life.finished.size, milestones),
        )
    if life.started.size:
        log.add_many(
            week,
            "project_started",
            "a new project appeared at {team}: needs {need:.0f} {noun}, deadline in {weeks} weeks",
            who(life.started),
            need=life.started_need,
            noun=_tranches(life.started_need),
            weeks=life.started_weeks,
        )
    if life.tiers_opened.size:
        log.add_many(
            week,
            "tier_opened",
            "{team} rolled a paid feature out to tier {tier}",
            who(life.tiers_opened),
            tier=life.tiers,
        )

    realloc = r.reallocation
    got = realloc.reclaimed > 0
    if got.any():
        log.add_many(
            week,
            "reclaim",
            "{team} lost {units:.0f} {noun} to a reclaim; stress {stress:.2f}",
            who(realloc.reclaimed_from[got]),
            units=realloc.reclaimed[got],
            noun=_tranches(realloc.reclaimed[got]),
            stress=realloc.stress_after[got],
        )
    if realloc.fast_tracked.size:
        log.add_many(
            week,
            "fast_track",
            "{team} was fast-tracked {units:.0f} {noun}",
            who(realloc.fast_tracked),
            units=realloc.fast_track_units,
            noun=_tranches(realloc.fast_track_units),
        )
    if realloc.noticed.size:
        log.add_many(
            week,
            "reclaim_notice",
            "reallocation gave {team} notice: {units:.0f} {noun} in {notice} week(s)",
            who(realloc.noticed),
            units=realloc.notice_units,
            noun=_tranches(realloc.notice_units),
            notice=np.full(realloc.noticed.size, realloc.notice_weeks),
        )

    if r.grant is not None:
        log.add(
            week,
            "grant",
            f"leadership granted {r.grant.total:,.0f} credits "
            f"({r.grant.research_share:.0%} to research)",
        )

    loans = r.loans
    if loans.bargains is not None and len(loans.bargains):
        _narrate_bargains(log, loans.bargains, names)
    if loans.borrower.size:
        log.add_many(
            week,
            "deal",
            "{lender} lent {units:.0f} {noun} to {team} at {price:.1f} credits each "
            "for {weeks} {span}",
            who(loans.borrower),
            lender=np.array(who(loans.lender), dtype=object),
            units=loans.units,
            noun=_tranches(loans.units),
            price=loans.price,
            weeks=loans.weeks,
            span=np.where(loans.weeks == 1, "week", "weeks"),
        )

    back = r.returned
    if back is not None and back.borrower.size:
        log.add_many(
            week,
            "loan_return",
            "{team} handed {units:.0f} {noun} back to {lender} at the end of a loan",
            who(back.borrower),
            lender=np.array(who(back.lender), dtype=object),
            units=back.units,
            noun=_tranches(back.units),
        )

    if r.work.milestone_teams.size:
        log.add_many(
            week,
            "milestone",
            "{team} reached milestone {hit}/{of}",
            who(r.work.milestone_teams),
            hit=r.work.milestones_hit,
            of=np.full(r.work.milestone_teams.size, milestones),
        )

    p = r.pressure
    if p.new_burnouts.size:
        log.add_many(
            week,
            "burnout",
            "{team} is burning out (stress {stress:.2f})",
            who(p.new_burnouts),
            stress=p.stress[p.new_burnouts],
        )
    left = (p.departures > 0).nonzero()[0]
    if left.size:
        log.add_many(
            week,
            "attrition",
            "{people} left {team} (burnout {burnout:.2f})",
            who(left),
            people=np.array([_people(d) for d in p.departures[left]], dtype=object),
            burnout=p.burnout[left],
        )


def _narrate_bargains(log: EventLog, g: Bargains, names: list[str]) -> None:
    """One ``negotiation`` event per automatic negotiation, agreed or not."""
    team = np.asarray(names, dtype=object)
    common = {
        "lender": team[g.lender],
        "units": g.units,
        "noun": _tranches(g.units),
        "rounds": g.rounds,
        "worth_b": g.borrower_reservation,
        "worth_l": g.lender_reservation,
    }

    def block(mask: np.ndarray, template: str, **extra: np.ndarray) -> None:
        if mask.any():
            cols = {k: v[mask] for k, v in (common | extra).items()}
            log.add_many(g.week, "negotiation", template, team[g.borrower[mask]], **cols)

    worth = "worth {worth_b:.1f} to {team}, {worth_l:.1f} to {lender} per tranche"
    haggled = g.agreed & ~np.isnan(g.borrower_opening) & ~np.isnan(g.lender_opening)
    block(
        haggled,
        "{team} and {lender} agreed on {units:.0f} {noun} at {price:.1f} credits each after "
        "{rounds} rounds (openings {open_b:.1f} and {open_l:.1f}; Nash price {nash:.1f}; "
        + worth
        + ")",
        price=g.price,
        open_b=g.borrower_opening,
        open_l=g.lender_opening,
        nash=g.nash_price,
    )
    block(
        g.agreed & ~haggled,
        "{team} and {lender} agreed on {units:.0f} {noun} at the opening offer, {price:.1f} "
        "credits each (Nash price {nash:.1f}; " + worth + ")",
        price=g.price,
        nash=g.nash_price,
    )
    block(
        ~g.agreed,
        "{team} and {lender} found no price for {units:.0f} {noun}: the {walked} walked "
        "away after {rounds} rounds (" + worth + ")",
        walked=np.where(g.lender_walked, "lender", "borrower"),
    )
