"""Seat and host tokens: random secrets in the links; only their hashes are stored.

A token is 32 random bytes, URL-safe (``secrets.token_urlsafe``): unguessable, so holding
it is the proof of the seat. The database keeps its SHA-256, never the token; a link is
checked by hashing what it carries and looking the hash up.
"""

from __future__ import annotations

import hashlib
import re
import secrets

__all__ = ["TOKEN_BYTES", "hash_token", "looks_like_token", "new_token"]

#: Random bytes per token (256 bits).
TOKEN_BYTES = 32
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")


def new_token() -> str:
    """A fresh secret for a seat or host link."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def looks_like_token(token: object) -> bool:
    """Whether ``token`` has the shape of a token (43 URL-safe characters)."""
    return isinstance(token, str) and _TOKEN.match(token) is not None


def hash_token(token: str) -> str:
    """The stored form of a token (hex SHA-256)."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()
