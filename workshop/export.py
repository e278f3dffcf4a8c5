"""A workshop's tables on disk: what ``crunch workshop export`` and ``replay`` write.

Both write the same five files into a folder:

- ``weeks.csv``, ``teams.csv``, ``events.csv``: the game's tables, written as
  ``crunch run --out`` writes them (``DataFrame.to_csv(index=False)``), so every tool that
  reads a run reads a workshop;
- ``actions.csv``: the action log in order (``id``, ``round``, ``kind``, ``seat``,
  ``payload`` as JSON), without wall-clock times, so two copies of one log compare equal;
- ``scenario.toml``: the workshop's scenario at the start (rule changes are actions).

``export`` reads the game as the workshop holds it (:meth:`Workshop.session`); ``replay``
rebuilds it from the log alone (:meth:`Workshop.replayed`). The game is deterministic, so
the two folders are byte for byte the same; a difference means the log no longer
reproduces the game.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from workshop.engine import Workshop
from workshop.errors import WorkshopError
from workshop.replay import Action, Session

__all__ = [
    "FILES",
    "actions_frame",
    "export_workshop",
    "prepare_folder",
    "session_tables",
    "write_tables",
]

#: The files :func:`write_tables` writes, in order.
FILES = ("weeks.csv", "teams.csv", "events.csv", "actions.csv", "scenario.toml")
ACTION_COLUMNS = ("id", "round", "kind", "seat", "payload")


def actions_frame(actions: Sequence[Action]) -> pd.DataFrame:
    """The action log as a table (``seat`` empty for the host's and the game's actions).

    ``payload`` is the action's JSON with sorted keys, as the database stores it.
    """
    frame = pd.DataFrame(
        [(a.id, a.round, a.kind, a.seat, json.dumps(a.payload, sort_keys=True)) for a in actions],
        columns=list(ACTION_COLUMNS),
    )
    return frame.astype({"id": "int64", "round": "int64", "seat": "Int64"})


def prepare_folder(out: Path) -> Path:
    """Check that ``out`` can be the output folder (no file of that name) and create it.

    Raises:
        WorkshopError: If ``out`` is an existing file.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise WorkshopError(f"--out {str(out)!r} is a file; give a folder for the tables")
    out.mkdir(parents=True, exist_ok=True)
    return out


def session_tables(session: Session, workshop: Workshop) -> dict[str, pd.DataFrame | str]:
    """The five files' contents: the session's tables, its log and the starting scenario.

    The log stops at the last action the session applied, so the files describe one game
    even while people keep playing.
    """
    model = session.model
    log = [a for a in workshop.actions() if a.id <= session.last_action]
    return {
        "weeks.csv": model.weeks_frame(),
        "teams.csv": model.teams_frame(),
        "events.csv": model.events_frame(),
        "actions.csv": actions_frame(log),
        "scenario.toml": workshop.scenario.to_toml(),
    }


def write_tables(tables: dict[str, pd.DataFrame | str], out: Path) -> list[Path]:
    """Write :func:`session_tables` into the folder ``out`` (created if missing).

    Returns:
        The files written, in the order of :data:`FILES`.
    """
    out = prepare_folder(out)
    written = []
    for name in FILES:
        content = tables[name]
        if isinstance(content, str):
            (out / name).write_text(content, encoding="utf-8")
        else:
            content.to_csv(out / name, index=False)  # the settings of `crunch run --out`
        written.append(out / name)
    return written


def export_workshop(workshop: Workshop, out: Path, *, replay: bool = False) -> list[Path]:
    """Write the workshop's tables into the folder ``out``.

    Args:
        workshop: The workshop.
        out: The folder (created if missing).
        replay: Rebuild the game from the whole log first (:meth:`Workshop.replayed`)
            instead of reading it as the workshop holds it (:meth:`Workshop.session`).

    Returns:
        The files written, in the order of :data:`FILES`.
    """
    if replay:
        tables = session_tables(workshop.replayed(), workshop)
    else:
        with workshop.session() as session:
            tables = session_tables(session, workshop)
    return write_tables(tables, out)
