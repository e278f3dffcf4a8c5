"""The ``[[teams]]`` table as a spreadsheet: read and write ``teams.csv``.

One row per team, with the columns of :class:`~game.team_specs.TeamSpec` (``name`` and
``kind`` required; an empty cell takes the generated lab's value) and a project as three
columns, ``project_size``, ``project_start`` and ``project_deadline``::

    name,kind,headcount,priority,strategy,tranches,demand,project_size,project_start,project_deadline
    Pretraining,research,60,2,truthful,12,,30,-4,20
    Chat,product,45,,,,9,,,

Every problem is reported in one line naming the row (the header is row 1, as a
spreadsheet numbers it) and the column::

    teams = read_teams_csv("teams.csv")
    sc = load_scenario("lab-2025").with_overrides({"teams": teams})
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from game.team_specs import TeamSpec
from game.validation import MAX_SHOWN, clean, nearest, one_line

__all__ = [
    "COLUMNS",
    "MAX_CSV_CHARS",
    "TeamsCsvError",
    "read_teams_csv",
    "team_entry",
    "team_rows",
    "teams_csv_text",
]

PROJECT_COLUMNS = {"project_size": "size", "project_start": "start", "project_deadline": "deadline"}
COLUMNS = (
    "name",
    "kind",
    "headcount",
    "priority",
    "strategy",
    "tranches",
    "demand",
    *PROJECT_COLUMNS,
)
"""The columns a teams CSV may have, in the order :func:`teams_csv_text` writes them."""

REQUIRED = ("name", "kind")
TEXT_COLUMNS = ("name", "kind", "strategy")
WHOLE_COLUMNS = ("project_start", "project_deadline")

MAX_CSV_CHARS = 1024 * 1024
"""The longest teams CSV read (a lab of 1,000 teams is about 100,000 characters)."""


class TeamsCsvError(ValueError):
    """A teams CSV could not be read: one line naming the row and column."""

    def __init__(self, message: str) -> None:
        super().__init__(clean(str(message), 2000))


def _cell(value: Any, column: str, where: str) -> Any:
    """A cell as the value its column holds: text, a whole number or a number.

    Text (a CSV cell) is read; a number (a table editor's cell) is taken as it is.
    """
    if not isinstance(value, str):
        if column in TEXT_COLUMNS:
            raise TeamsCsvError(f"{where}, column {column} = {value!r}: needs text")
        value = str(value)
    value = value.strip()
    if column in TEXT_COLUMNS:
        return value
    try:
        number = float(value)
    except ValueError:
        raise TeamsCsvError(
            f"{where}, column {column} = {clean(repr(value), MAX_SHOWN)}: needs a number"
        ) from None
    if column in WHOLE_COLUMNS:
        if not number.is_integer():
            raise TeamsCsvError(f"{where}, column {column} = {value}: needs a whole week")
        return int(number)
    return number


def _columns_of(loc: tuple[Any, ...]) -> str:
    """The CSV column a validation error's location points at."""
    if not loc:
        return "row"
    if loc[0] == "projects":
        inner = [p for p in loc[1:] if isinstance(p, str)]
        if inner:
            return next(c for c, f in PROJECT_COLUMNS.items() if f == inner[0])
        return "project_start / project_deadline"
    return str(loc[0])


def _empty(value: Any) -> bool:
    """Whether a cell is empty: no text, ``None``, or a table editor's NaN / NA."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return True
    try:
        return bool(value != value)  # NaN and pandas' NA are not equal to themselves
    except TypeError:  # pandas' NA refuses to be a boolean
        return True


def team_entry(row: Mapping[str, Any], where: str) -> dict[str, Any]:
    """One row (CSV cells or a table editor's values) as a validated ``[[teams]]`` entry.

    Empty cells are left out (the generated lab's value applies).

    Args:
        row: Column name to cell, columns from :data:`COLUMNS`.
        where: How messages name the row, e.g. ``"teams.csv row 4"``.

    Raises:
        TeamsCsvError: One line naming the row and the column.
    """
    entry: dict[str, Any] = {}
    project: dict[str, Any] = {}
    for column, raw in row.items():
        if _empty(raw):
            continue
        value = _cell(raw, column, where)
        if column in PROJECT_COLUMNS:
            project[PROJECT_COLUMNS[column]] = value
        else:
            entry[column] = value
    for column in REQUIRED:
        if column not in entry:
            raise TeamsCsvError(f"{where}, column {column} is empty; every team needs a {column}")
    if project:
        missing = [c for c, f in PROJECT_COLUMNS.items() if f not in project]
        if missing:
            raise TeamsCsvError(
                f"{where}, column {missing[0]} is empty; a project needs all of "
                f"{', '.join(PROJECT_COLUMNS)} (or none of them)"
            )
        entry["projects"] = [project]
    try:
        TeamSpec.model_validate(entry)
    except ValidationError as err:
        message = one_line(err, location=lambda loc: f"{where}, column {_columns_of(loc)}")
        if message.startswith(f"{where}, column row"):  # a check of the whole row
            message = f"{where}: " + message.split(": ", 1)[1]
        raise TeamsCsvError(message) from None
    return entry


def read_teams_csv(source: str | Path, *, text: str | None = None) -> list[dict[str, Any]]:
    """Read a teams CSV into ``[[teams]]`` entries (plain data for a scenario's ``teams``).

    Args:
        source: The file's path (or, with ``text``, the name shown in messages).
        text: The CSV text itself (e.g. an upload), instead of reading ``source``.

    Raises:
        TeamsCsvError: For a missing or unreadable file, an unknown or missing column, a
            bad cell or a repeated name: one line naming the row and column.
    """
    shown = clean(Path(str(source)).name if text is None else str(source), MAX_SHOWN)
    if text is None:
        text = _read(Path(source), shown)
    if len(text) > MAX_CSV_CHARS:
        raise TeamsCsvError(
            f"{shown}: more than {MAX_CSV_CHARS:,} characters; allowed: at most that"
        )
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), restkey="\x00extra")
    header = [h.strip() for h in reader.fieldnames or []]
    if not header:
        raise TeamsCsvError(
            f"{shown} is empty; its first row names the columns: {', '.join(COLUMNS)}"
        )
    reader.fieldnames = header
    for column in header:
        if column not in COLUMNS:
            close = nearest(column, COLUMNS)
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            raise TeamsCsvError(
                f"{shown} row 1: unknown column {clean(repr(column), MAX_SHOWN)}{hint}; "
                f"allowed: {', '.join(COLUMNS)}"
            )
    if len(set(header)) < len(header):
        twice = next(c for c in header if header.count(c) > 1)
        raise TeamsCsvError(f"{shown} row 1: column {twice!r} appears twice")
    for column in REQUIRED:
        if column not in header:
            raise TeamsCsvError(f"{shown} row 1: no column {column!r}; required: name, kind")
    entries: list[dict[str, Any]] = []
    first_row: dict[str, int] = {}
    try:
        for row in reader:
            where = f"{shown} row {reader.line_num}"
            if "\x00extra" in row:
                raise TeamsCsvError(f"{where}: more cells than the {len(header)} columns")
            if all(v is None or not v.strip() for v in row.values()):
                continue  # a blank line
            entry = team_entry(row, where)
            key = entry["name"].casefold()
            if key in first_row:
                raise TeamsCsvError(
                    f"{where}, column name = {clean(repr(entry['name']), MAX_SHOWN)}: the "
                    f"same name as row {first_row[key]}; allowed: a name no other team has"
                )
            first_row[key] = reader.line_num
            entries.append(entry)
    except csv.Error as err:
        raise TeamsCsvError(f"{shown} row {reader.line_num}: not CSV ({err})") from None
    if not entries:
        raise TeamsCsvError(f"{shown}: no teams; add one row per team under the header")
    return entries


def _read(path: Path, shown: str) -> str:
    try:
        if not path.is_file():
            raise TeamsCsvError(f"teams file {shown} does not exist (or is not a file)")
        with path.open(encoding="utf-8", newline="") as f:
            return f.read(MAX_CSV_CHARS + 1)
    except UnicodeDecodeError as err:
        raise TeamsCsvError(f"teams file {shown} is not UTF-8 text ({err.reason})") from None
    except OSError as err:
        raise TeamsCsvError(f"teams file {shown} cannot be read: {err.strerror}") from None


def team_rows(teams: tuple[TeamSpec, ...]) -> list[dict[str, Any]]:
    """The teams as flat rows with the :data:`COLUMNS` (``None`` where a value is unset)."""
    rows = []
    for team in teams:
        row: dict[str, Any] = dict.fromkeys(COLUMNS)
        row.update({k: v for k, v in team.model_dump(mode="json").items() if k != "projects"})
        if team.projects:
            p = team.projects[0]
            row.update(project_size=p.size, project_start=p.start, project_deadline=p.deadline)
        rows.append(row)
    return rows


def teams_csv_text(teams: tuple[TeamSpec, ...]) -> str:
    """The teams as CSV text that :func:`read_teams_csv` reads back to the same teams."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in team_rows(teams):
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()
