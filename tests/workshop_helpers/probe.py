"""Another process looking at a workshop database (the CLI, a second server).

Usage (``tests/`` on ``PYTHONPATH``):

- ``python -m workshop_helpers.probe count DB``: print the number of actions in the log;
- ``python -m workshop_helpers.probe hold DB``: open a read of the log, print its number
  of actions, keep the connection open until a line arrives on stdin, then print the
  number of actions a new read finds.
"""

from __future__ import annotations

import sys

from workshop import Workshop, store


def main(what: str, db: str) -> None:
    """Count the log, or hold a connection open while counting it."""
    w = Workshop(db)
    if what == "count":
        print(len(w.actions()), flush=True)
        return
    with store.reading(w.db) as conn:
        n = conn.execute("SELECT COUNT(*) FROM actions WHERE workshop = ?", (w.id,)).fetchone()
        print(n[0], flush=True)
        sys.stdin.readline()
    print(len(w.actions()), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:3])
