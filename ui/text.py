"""Show strings other people wrote as plain text inside Streamlit markdown.

A scenario's or sweep's name and description, an uploaded file's name, a factor level or
an error message quoting any of them come from files anyone can hand to the app. Every
Streamlit element that takes a label or body (``st.markdown``, ``st.caption``,
``st.title``, ``st.error``, ``st.toast``, expander and widget labels, ...) renders it as
markdown, so such a string could draw an image fetched from any URL, a link, a heading or
coloured text. :func:`md_escape` makes the string read literally, and
:func:`safe_filename` makes a name fit to suggest as a download's file name.
"""

from __future__ import annotations

import re

# Any ASCII punctuation can be backslash-escaped in CommonMark. These are escaped wherever
# they are: links and images, code, emphasis, raw HTML and autolinks, headings and quotes,
# tables, strikethrough, entities, Streamlit's ``:colour[...]`` / ``:material/...:``
# directives, ``$`` maths.
_SPECIAL = re.compile(
    r"[\\`*{}\[\]<>()#!|~$:@&^]"  # always
    r"|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])"  # "_" that could start or end emphasis
    r"|(?<=[wW]{3})\."  # GFM's bare www. link
)
# Bare URLs (``http://``, ``www.``), e-mail addresses and emoji shortcodes are found in the
# text after escapes are resolved (Chromium showed ``http\://h`` as a link), so an invisible
# word joiner goes after each ``:`` and ``@`` and before the dot of ``www.``.
_JOINER = "\u2060"
_JOIN_AFTER = ":@"
# A list item, heading underline or numbered item can only start the text (it is one line).
_LEADING = re.compile(r"^(?:[-+=]+|\d+(?=\.))")
# Line breaks would start new blocks (headings, lists, quotes); bidi overrides and other
# invisible controls can make a name read as something else.
_INVISIBLE = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]+")
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def plain(text: object, limit: int | None = None) -> str:
    """``text`` on one line: controls and line breaks become single spaces, cut at ``limit``.

    Args:
        text: Any value; it is shown through ``str()``.
        limit: Longest length kept (an ellipsis marks a cut), or ``None`` for no limit.
    """
    out = _INVISIBLE.sub(" ", str(text)).strip()
    if limit is not None and len(out) > limit:
        out = out[: max(limit - 1, 0)] + "…"
    return out


def md_escape(text: object, limit: int | None = None) -> str:
    r"""``text`` escaped so Streamlit's markdown shows it literally, on one line.

    ``![x](http://h/p)`` becomes ``\!\[x\]\(http\://h/p\)``, with an invisible word
    joiner after the colon: the browser shows the characters, not an image or a link.

    Args:
        text: Any value; it is shown through ``str()``.
        limit: Longest length kept before escaping (see :func:`plain`).
    """
    out = _SPECIAL.sub(_escape, plain(text, limit))
    return _LEADING.sub(_escape_leading, out)


def _escape(match: re.Match[str]) -> str:
    """One special character, backslash-escaped (and joined, see :data:`_JOINER`)."""
    char = match.group(0)
    if char == ".":
        return _JOINER + "\\."
    return "\\" + char + (_JOINER if char in _JOIN_AFTER else "")


def _escape_leading(match: re.Match[str]) -> str:
    """Escape a leading ``-``, ``+`` or ``=``, or the dot after a leading number."""
    text = match.group(0)
    return text + "\\" if text[0].isdigit() else "".join("\\" + c for c in text)


def safe_filename(name: object, default: str = "download", limit: int = 80) -> str:
    """A file name made of letters, digits, ``.``, ``_`` and ``-`` only (no path, no dot first).

    Args:
        name: The name to start from (a scenario's or sweep's name).
        default: Used when nothing usable is left.
        limit: Longest length kept.
    """
    out = _UNSAFE_FILENAME.sub("-", plain(name)).strip(".-")[:limit]
    return out or default
