"""Rule edits not yet applied: which fields the sidebar shows differently from the game in play.

The rules editor's widgets hold their values in ``st.session_state``; the game plays the
applied scenario. :func:`pending_fields` compares the two, so the sidebar can say plainly
which changes wait for *Apply rules*, and Explore can refuse to play a week under rules
other than the ones shown.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from agents.strategies import bot_strategies
from game import Scenario
from ui.rules_schema import (
    FIELDS,
    GO_LIVE,
    apply_edits,
    events_frame,
    events_from_frame,
    widget_key,
    widget_values,
)


def _same(shown: Any, applied: Any) -> bool:
    """Whether a widget value equals the applied one (floats to widget precision)."""
    if isinstance(shown, float) or isinstance(applied, float):
        try:
            return math.isclose(float(shown), float(applied), rel_tol=1e-9, abs_tol=1e-12)
        except (TypeError, ValueError):
            return False
    return shown == applied


def _go_live_changed(sc: Scenario, edits: Mapping[str, Any] | None) -> bool:
    """Whether the go-live table's edits change the applied events."""
    if not edits or not any(edits.get(k) for k in ("edited_rows", "deleted_rows", "added_rows")):
        return False
    applied = events_from_frame(events_frame(sc.supply.go_live))
    try:
        shown = events_from_frame(apply_edits(events_frame(sc.supply.go_live), edits))
    except (TypeError, ValueError):  # a half-typed row: certainly not what is applied
        return True
    return shown != applied


def pending_fields(
    sc: Scenario, values: Mapping[str, Any], go_live_edits: Mapping[str, Any] | None = None
) -> list[str]:
    """Labels of the rule fields whose shown value differs from scenario ``sc``, in form order.

    Args:
        sc: The applied scenario (the one the live game plays).
        values: The session's widget values (``st.session_state``); a field with no value
            there shows the applied one.
        go_live_edits: The go-live table editor's edit state, if any.
    """
    applied = widget_values(sc)
    out = []
    for f in FIELDS.values():
        if f.kind == "events":
            changed = f.key == GO_LIVE and _go_live_changed(sc, go_live_edits)
        elif f.kind == "mix":
            keys = [widget_key(f.key, name) for name in bot_strategies()]
            changed = any(k in values and not _same(values[k], applied[k]) for k in keys)
        else:
            k = widget_key(f.key)
            changed = k in values and not _same(values[k], applied[k])
        if changed:
            out.append(f.label)
    return out


def pending_message(labels: list[str]) -> str:
    """One line naming the pending changes (empty when there are none)."""
    if not labels:
        return ""
    shown = ", ".join(labels[:6]) + (f" and {len(labels) - 6} more" if len(labels) > 6 else "")
    return f"Not applied yet: {shown}."
