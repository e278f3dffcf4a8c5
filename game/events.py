"""The narrative event log: what happened, in words, week by week."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

EVENT_KINDS = (
    "supply",
    "outage",
    "project_started",
    "project_finished",
    "milestone",
    "fast_track",
    "reclaim_notice",
    "reclaim",
    "deal",
    "tier_opened",
    "burnout",
    "attrition",
    "grant",
)


@dataclass
class EventLog:
    """An append-only list of narrative events.

    Each event has a week, a kind (one of :data:`EVENT_KINDS`), the team it concerns
    (empty for lab-wide events) and a sentence a person can read.
    """

    weeks: list[int] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    def add(self, week: int, kind: str, text: str, team: str = "") -> None:
        """Append one event.

        Args:
            week: Week it happened.
            kind: One of :data:`EVENT_KINDS`.
            text: The sentence, without the "week N:" prefix.
            team: Team concerned, if any.
        """
        self.weeks.append(week)
        self.kinds.append(kind)
        self.teams.append(team)
        self.texts.append(text)

    def __len__(self) -> int:
        return len(self.texts)

    def lines(self, last: int | None = None) -> list[str]:
        """Return events as ``"week 12: ..."`` lines, optionally only the last ``last``."""
        start = 0 if last is None else max(0, len(self) - last)
        return [f"week {self.weeks[i]}: {self.texts[i]}" for i in range(start, len(self))]

    def frame(self) -> pd.DataFrame:
        """Return the events as a table with columns week, kind, team, text."""
        return pd.DataFrame(
            {"week": self.weeks, "kind": self.kinds, "team": self.teams, "text": self.texts}
        )
