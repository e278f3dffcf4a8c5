"""Reading TOML and turning validation errors into one line: shared by scenarios and sweeps.

Every configuration file the project reads (scenarios, sweep files) goes through
:func:`parse_toml` and reports a pydantic error through :func:`one_line`, so a user sees
the same kind of message everywhere: the field, the value and what is allowed, with the
nearest valid keys when a key is unknown.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

__all__ = [
    "MAX_DEPTH",
    "MAX_SHOWN",
    "clean",
    "control_characters",
    "nearest",
    "nesting_depth",
    "one_line",
    "parse_toml",
]

MAX_DEPTH = 16
"""The deepest nesting of tables and arrays a configuration file may have (scenarios go
four deep: the file, ``[supply]``, ``go_live`` and one event)."""

MAX_SHOWN = 80
"""The most characters of a value a message shows (the rest is cut, marked ``...``)."""

# C0 and C1 control characters, DEL, and the bidi/zero-width format characters that can
# make a terminal or a page show something other than the text.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text: str, limit: int | None = None) -> str:
    """Text safe to print on one line: control characters escaped, and cut at ``limit``.

    Args:
        text: Any text, e.g. a message that quotes user input.
        limit: The most characters to keep (``None``: all); a cut ends in ``...``.
    """
    text = _UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
    if limit is not None and len(text) > limit:
        return text[: max(0, limit - 3)] + "..."
    return text


def control_characters(text: str, keep: str = "") -> list[str]:
    """The control characters in ``text`` (those :func:`clean` escapes), except ``keep``."""
    return [c for c in _UNSAFE.findall(text) if c not in keep]


def nesting_depth(data: Any) -> int:
    """How deep tables (dicts) and arrays (lists) nest in parsed data (a scalar is 0).

    Iterative, so data nested deeper than Python's recursion limit is measured too.
    """
    deepest = 0
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list | tuple):
            children = node
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def parse_toml(
    text: str,
    source: str,
    error: type[ValueError],
    *,
    max_depth: int = MAX_DEPTH,
    max_chars: int | None = None,
) -> dict[str, Any]:
    """Parse TOML text, raising ``error`` with a one-line message when it does not parse.

    Args:
        text: The TOML text.
        source: Where it came from (shown in the message).
        error: The exception class to raise (a ``ValueError`` subclass).
        max_depth: The deepest nesting of tables and arrays allowed.
        max_chars: The longest text allowed (``None``: any), checked before parsing.

    Raises:
        error: For text that is too long, does not parse or nests too deeply.
    """
    where = clean(source, MAX_SHOWN)
    if max_chars is not None and len(text) > max_chars:
        raise error(
            f"{where}: {len(text):,} characters; allowed: at most {max_chars:,} "
            "(a scenario is a short file)"
        )
    too_deep = (
        f"{where}: tables and arrays nest deeper than {max_depth} levels; allowed: {max_depth}"
    )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise error(f"{where}: TOML does not parse: {clean(str(err), 200)}") from None
    except RecursionError:  # the parser recurses once per level: far too deep
        raise error(too_deep) from None
    if nesting_depth(data) > max_depth:
        raise error(too_deep)
    return data


def nearest(word: str, allowed: Sequence[str], n: int = 3) -> list[str]:
    """The allowed words closest to ``word`` (for "did you mean" hints), best first."""
    if len(word) > 2 * MAX_SHOWN:  # nothing that long is close to a key; don't compare
        return []
    return difflib.get_close_matches(word, list(allowed), n=n, cutoff=0.5)


def _show(value: Any) -> str:
    """A value as a message quotes it: its repr, escaped and cut at :data:`MAX_SHOWN`."""
    if isinstance(value, str) and len(value) > MAX_SHOWN:
        value = value[:MAX_SHOWN]  # repr of the head only: a huge value costs nothing
        return clean(repr(value)[:-1], MAX_SHOWN - 3) + "..."
    return clean(repr(value), MAX_SHOWN)


MAX_MESSAGE = 600
"""The longest reason a message quotes from a validator (a safety net; values are cut first)."""

_LONG_QUOTE = re.compile("'([^'\\\\]{" + str(MAX_SHOWN) + ",})'")


def _cut_quote(match: re.Match[str]) -> str:
    return f"'{match.group(1)[: MAX_SHOWN - 5]}...'"


_TYPE_NEEDS = {
    "int_type": "needs a whole number",
    "float_type": "needs a number",
    "bool_type": "needs true or false",
    "string_type": "needs text in quotes",
    "dict_type": "needs a table",
    "tuple_type": "needs a list",
    "list_type": "needs a list",
    "finite_number": "needs a finite number (not inf or nan)",
}


def one_line(
    err: ValidationError,
    *,
    location: Callable[[tuple[Any, ...]], str] | None = None,
    allowed_keys: Callable[[tuple[Any, ...]], list[str]] | None = None,
) -> str:
    """Turn a pydantic error into one line naming the field, the value and what is allowed.

    An unknown key is reported first (it usually explains a "missing" one), with the
    nearest valid keys and the full list of allowed keys where known.

    Args:
        err: The validation error.
        location: Formats an error location (default: dotted path).
        allowed_keys: Lists the keys allowed at the table holding a location.
    """
    errors = err.errors()
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc_tuple = tuple(p if isinstance(p, int) else clean(str(p), MAX_SHOWN) for p in first["loc"])
    loc = location(loc_tuple) if location else ".".join(str(p) for p in loc_tuple)
    loc = loc or "file"
    value = first.get("input")
    kind = first["type"]
    msg = str(first["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    msg = clean(_LONG_QUOTE.sub(_cut_quote, msg), MAX_MESSAGE)
    if not loc_tuple and kind == "value_error":  # a check of the whole file: its message
        return msg
    if kind == "extra_forbidden":
        allowed = allowed_keys(loc_tuple) if allowed_keys else []
        if not allowed:
            return f"unknown key {loc!r}"
        close = nearest(str(loc_tuple[-1]), allowed)
        hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
        return f"unknown key {loc!r}{hint}; allowed: {', '.join(allowed)}"
    if kind == "missing":
        return f"{loc} is missing"
    if kind == "literal_error":
        expected = first.get("ctx", {}).get("expected", "")
        return f"{loc} = {_show(value)} is not allowed; allowed: {expected}"
    if kind in _TYPE_NEEDS:
        quoted = " (no quotes)" if isinstance(value, str) and kind != "string_type" else ""
        return f"{loc} = {_show(value)}: {_TYPE_NEEDS[kind]}{quoted}"
    if isinstance(value, dict | list | tuple):
        return f"{loc}: {msg}"
    return f"{loc} = {_show(value)}: {msg}"


def file_exists(path: Path) -> bool:
    """Whether ``path`` exists; a path the system cannot even look up counts as a file."""
    try:
        return path.exists()
    except OSError:  # e.g. a name too long: reading it says so in one line
        return True


def read_text_file(
    path: Path, shown: str, error: type[ValueError], max_chars: int, *, what: str = "file"
) -> str:
    """The text of a short UTF-8 file, refusing what is no file, too long or not UTF-8.

    Args:
        path: The file.
        shown: How messages name it.
        error: The exception raised, with a one-line message.
        max_chars: The most characters allowed.
        what: What the file is, for messages ("scenario" gives "scenario file x ...").
    """
    name = f"{what} file {shown}"
    try:
        if not path.is_file():
            raise error(f"{name} does not exist (or is not a file)")
        size = path.stat().st_size
        if size > 4 * max_chars:  # UTF-8 takes at most 4 bytes a character
            raise error(
                f"{name}: {size:,} bytes; allowed: at most {max_chars:,} characters "
                f"(a {what} is a short file)"
            )
        with path.open(encoding="utf-8") as f:
            text = f.read(max_chars + 1)
    except UnicodeDecodeError as err:
        raise error(f"{name} is not UTF-8 text ({err.reason})") from None
    except OSError as err:
        raise error(f"{name} cannot be read: {err.strerror}") from None
    if len(text) > max_chars:
        raise error(
            f"{name}: more than {max_chars:,} characters; allowed: at most {max_chars:,} "
            f"(a {what} is a short file)"
        )
    return text
