"""Rebuild a workshop's game in a fresh process and pickle its frames.

Usage: ``python -m workshop_helpers.replay DB OUT`` (``tests/`` on ``PYTHONPATH``):
writes ``(weeks_frame, teams_frame)`` of ``Workshop(DB).replayed()`` to ``OUT``.
"""

from __future__ import annotations

import pickle
import sys

from workshop import Workshop
from workshop_helpers import frames


def main(db: str, out: str) -> None:
    """Replay ``db``'s whole log from scratch and pickle the frames to ``out``."""
    session = Workshop(db).replayed()
    with open(out, "wb") as fh:
        pickle.dump(frames(session), fh)


if __name__ == "__main__":
    main(*sys.argv[1:3])
