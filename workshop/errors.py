"""What a workshop refuses: one-line messages, nothing written."""

from __future__ import annotations

__all__ = ["AccessError", "WorkshopError"]


class WorkshopError(ValueError):
    """A request the workshop refuses; the message names the field, value and what is allowed."""


class AccessError(WorkshopError):
    """A token that opens nothing here: malformed, unknown, withdrawn, or not the host's."""
