"""Reading TOML and turning validation errors into one line: shared by scenarios and sweeps.

Every configuration file the project reads (scenarios, sweep files) goes through
:func:`parse_toml` and reports a pydantic error through :func:`one_line`, so a user sees
the same kind of message everywhere: the field, the value and what is allowed, with the
nearest valid keys when a key is unknown.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import ValidationError

__all__ = ["nearest", "one_line", "parse_toml"]


def parse_toml(text: str, source: str, error: type[ValueError]) -> dict[str, Any]:
    """Parse TOML text, raising ``error`` with a one-line message when it does not parse.

    Args:
        text: The TOML text.
        source: Where it came from (shown in the message).
        error: The exception class to raise (a ``ValueError`` subclass).
    """
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise error(f"{source}: TOML does not parse: {err}") from None


def nearest(word: str, allowed: Sequence[str], n: int = 3) -> list[str]:
    """The allowed words closest to ``word`` (for "did you mean" hints), best first."""
    return difflib.get_close_matches(word, list(allowed), n=n, cutoff=0.5)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


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
    loc_tuple = tuple(first["loc"])
    loc = location(loc_tuple) if location else ".".join(str(p) for p in loc_tuple)
    loc = loc or "file"
    value = first.get("input")
    kind = first["type"]
    msg = str(first["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
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
    if isinstance(value, dict):
        return f"{loc}: {msg}"
    return f"{loc} = {_show(value)}: {msg}"
