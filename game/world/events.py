"""The narrative event log: what happened, in words, week by week.

Events are stored as blocks — one sentence template and the columns that fill it,
for any number of teams at once — and turned into sentences only when read, so a
week of a 10,000-team lab logs its events without a Python loop per team.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
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
    "negotiation",
    "loan_return",
    "tier_opened",
    "burnout",
    "attrition",
    "grant",
)


@dataclass(frozen=True)
class _Block:
    week: int
    kind: str
    template: str
    teams: tuple[str, ...]
    columns: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.teams)

    def texts(self) -> list[str]:
        cols = {k: v.tolist() for k, v in self.columns.items()}
        return [
            self.template.format(team=team, **{k: v[i] for k, v in cols.items()})
            for i, team in enumerate(self.teams)
        ]


@dataclass
class EventLog:
    """An append-only log of narrative events.

    Each event has a week, a kind (one of :data:`EVENT_KINDS`), the team it concerns
    (empty for lab-wide events) and a sentence a person can read.
    """

    _blocks: list[_Block] = field(default_factory=list)
    _size: int = 0

    def add(self, week: int, kind: str, text: str, team: str = "") -> None:
        """Append one event whose sentence is already written.

        Args:
            week: Week it happened.
            kind: One of :data:`EVENT_KINDS`.
            text: The sentence, without the "week N:" prefix.
            team: Team concerned, if any.
        """
        self._append(_Block(week, kind, "{text}", (team,), {"text": np.array([text])}))

    def add_many(self, week: int, kind: str, template: str, teams: Any, **columns: Any) -> None:
        """Append one event per team from a sentence template, formatted when read.

        Args:
            week: Week they happened.
            kind: One of :data:`EVENT_KINDS`.
            template: A :meth:`str.format` template using ``{team}`` and the column names.
            teams: Team names, one per event.
            **columns: One array per template field, one value per event.
        """
        names = tuple(teams)
        if not names:
            return
        cols = {k: np.asarray(v) for k, v in columns.items()}
        self._append(_Block(week, kind, template, names, cols))

    def _append(self, block: _Block) -> None:
        self._blocks.append(block)
        self._size += len(block)

    def __len__(self) -> int:
        return self._size

    def _rows(self, last: int | None = None) -> list[tuple[int, str, str, str]]:
        rows: list[tuple[int, str, str, str]] = []
        blocks = self._blocks
        if last is not None:
            # Walk back only as far as needed.
            taken, start = 0, len(blocks)
            while start > 0 and taken < last:
                start -= 1
                taken += len(blocks[start])
            blocks = blocks[start:]
        for b in blocks:
            rows.extend(zip([b.week] * len(b), [b.kind] * len(b), b.teams, b.texts(), strict=True))
        return rows if last is None else rows[max(0, len(rows) - last) :]

    def lines(self, last: int | None = None) -> list[str]:
        """Return events as ``"week 12: ..."`` lines, optionally only the last ``last``."""
        return [f"week {w}: {text}" for w, _, _, text in self._rows(last)]

    def frame(self) -> pd.DataFrame:
        """Return the events as a table with columns week, kind, team, text."""
        rows = self._rows()
        return pd.DataFrame(rows, columns=["week", "kind", "team", "text"])
