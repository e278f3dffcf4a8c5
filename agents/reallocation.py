"""The reallocation group's decisions: whom to reclaim from and whom to fast-track (pure)."""

from __future__ import annotations

import numpy as np


def choose_reclaims(
    gpus: np.ndarray,
    need: np.ndarray,
    reclaimable: np.ndarray,
    *,
    moves: int,
    per_move: float,
    surplus_threshold: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Pick at most ``moves`` holders to reclaim tranches from, largest surplus first.

    A holder qualifies when it is reclaimable (winding down, idle, or otherwise
    marked) and holds more than ``surplus_threshold`` times its need. Each move
    takes at most ``per_move`` tranches and never takes a holder below its need.

    Args:
        gpus: Tranches each team holds (after already-pending reclaims).
        need: Tranches each team needs this week.
        reclaimable: Mask of teams the group may reclaim from.
        moves: Reclaims the group can make this week.
        per_move: Most tranches per reclaim.
        surplus_threshold: Multiple of need above which a holder has a surplus.

    Returns:
        ``(teams, amounts)``: team indices and tranches to reclaim from each.
    """
    surplus = gpus - need
    eligible = reclaimable & (gpus > surplus_threshold * need) & (surplus >= 1.0)
    idx = np.flatnonzero(eligible)
    if idx.size == 0 or moves <= 0:
        return idx[:0], np.zeros(0)
    order = idx[np.argsort(-surplus[idx], kind="stable")][:moves]
    amounts = np.minimum(per_move, np.floor(surplus[order]))
    keep = amounts > 0
    return order[keep], amounts[keep]


def fast_track_shares(deficit: np.ndarray, available: float) -> np.ndarray:
    """Split reclaimed tranches among new projects in proportion to their deficits.

    Whole tranches are handed out by largest remainder, never more than a project's
    deficit; what nobody needs is left for the pool.

    Args:
        deficit: Missing tranches of each fast-trackable project.
        available: Reclaimed tranches on hand.

    Returns:
        Tranches handed to each project.
    """
    deficit = np.floor(np.maximum(deficit, 0.0))
    total = deficit.sum()
    if total <= 0 or available <= 0:
        return np.zeros_like(deficit)
    units = min(np.floor(available), total)
    exact = deficit / total * units
    give = np.floor(exact)
    rest = int(units - give.sum())
    if rest > 0:
        order = np.argsort(-(exact - give), kind="stable")
        room = deficit - give
        for i in order:
            if rest == 0:
                break
            if room[i] >= 1:
                give[i] += 1
                rest -= 1
    return give
