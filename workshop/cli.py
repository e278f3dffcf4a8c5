"""``crunch workshop``: create, run, export, replay and debrief live workshops.

The subcommands work on a workshop database (``--db``): ``new`` creates one and prints its
links, ``status`` says where it stands, ``advance`` closes rounds as the host would (bots
play the silent seats), ``export`` and ``replay`` write its tables, ``debrief`` writes an
HTML debrief with a counterfactual, ``sheet`` writes a printable join sheet. Whoever can
open the database file runs the workshop, so these commands act as the host.
"""

from __future__ import annotations

import argparse
import textwrap

from game.scenario import DEFAULT_PRESET, list_presets
from workshop.commands import (
    cmd_advance,
    cmd_debrief,
    cmd_export,
    cmd_new,
    cmd_sheet,
    cmd_status,
)
from workshop.engine import DEFAULT_BASE_URL
from workshop.export import FILES

__all__ = ["register"]

EPILOG = """\
examples:
  crunch workshop new --scenario classroom --seats 6 --rounds 8 --db ws.db --sheet seats.html
  crunch workshop status --db ws.db
  crunch workshop advance --db ws.db --rounds 2   # close rounds from here; bots play the rest
  crunch workshop debrief --db ws.db --out debrief.html --rule vickrey
  crunch workshop export --db ws.db --out tables/
  crunch workshop replay --db ws.db --out replayed/   # same files, rebuilt from the log alone

Links carry secret tokens and are shown only once, by `new` (the database keeps hashes).
To print new ones: crunch workshop sheet --db ws.db --out seats.html --reissue
"""

NEW_EPILOG = """\
examples:
  crunch workshop new --scenario classroom --seats 4 --rounds 6 --db ws.db
  crunch workshop new --scenario lab-2025 --seats 12 --rounds 10 --weeks-per-round 2 \\
      --db ws.db --base-url http://10.0.0.5:8501 --sheet seats.html
  crunch workshop new --scenario my.toml --set lab.research_teams=12 --seats 14 --rounds 8 \\
      --db ws.db --json                        # one JSON object: workshop, db, host, seats

The links are shown only now: keep the host link to yourself and give each player theirs
(--sheet writes them as printable QR codes). Lost them? `crunch workshop sheet --reissue`.
"""

SHEET_EPILOG = """\
Links are known only when they are made: the database stores hashes of their tokens. So
write the sheet at creation (`crunch workshop new ... --sheet seats.html`), or reissue
every seat's link here with --reissue (the old links stop working; a player who already
joined opens the new link to keep playing).

examples:
  crunch workshop sheet --db ws.db --out seats.html --reissue
"""


def _wrap(text: str) -> str:
    return textwrap.fill(text, width=88)


def _add(
    sub: argparse._SubParsersAction, name: str, summary: str, description: str, epilog: str = ""
) -> argparse.ArgumentParser:
    """Add one subcommand; every one but ``new`` takes ``--db`` and ``--workshop``."""
    parser = sub.add_parser(
        name,
        help=summary,
        description=_wrap(description),
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    if name != "new":
        parser.add_argument("--db", required=True, metavar="FILE", help="the workshop database")
        parser.add_argument(
            "--workshop", metavar="ID", help="which workshop, when the file holds several"
        )
    return parser


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``crunch workshop`` and its subcommands to the ``crunch`` parser."""
    top = sub.add_parser(
        "workshop",
        help="run a live workshop: a room plays the game together",
        description=_wrap(
            "Run a live workshop: people join seats through links and play teams, bots play "
            "the rest; the host opens and closes rounds (in the app, or with `advance`). "
            "Everything is kept in one SQLite file and the game is rebuilt from its log."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ws = top.add_subparsers(dest="workshop_command", metavar="SUBCOMMAND")
    ws.required = True

    new = _add(
        ws,
        "new",
        "create a workshop and print its links",
        "Create a workshop in a database file (created if missing) and print the host's "
        "link and one join link per seat, with the team each seat plays.",
        NEW_EPILOG,
    )
    new.add_argument(
        "--scenario",
        default=DEFAULT_PRESET,
        metavar="NAME|FILE.toml",
        help=f"preset ({', '.join(list_presets())}) or scenario file (default: {DEFAULT_PRESET})",
    )
    new.add_argument("--seats", type=int, required=True, metavar="N", help="seats for people")
    new.add_argument("--rounds", type=int, required=True, metavar="R", help="rounds to play")
    new.add_argument("--db", required=True, metavar="FILE", help="the workshop database")
    new.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default: 0)")
    new.add_argument(
        "--weeks-per-round",
        type=int,
        default=1,
        metavar="K",
        help="game weeks per round (default: 1)",
    )
    new.add_argument(
        "--base-url",
        default=DEFAULT_BASE_URL,
        metavar="URL",
        help=f"where the app runs; links point there (default: {DEFAULT_BASE_URL})",
    )
    new.add_argument(
        "--bidding-seconds",
        type=float,
        default=180.0,
        metavar="X",
        help="length of each bidding window (default: 180)",
    )
    new.add_argument(
        "--negotiation-seconds",
        type=float,
        default=120.0,
        metavar="Y",
        help="length of each negotiation window (default: 120)",
    )
    new.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        dest="overrides",
        help="override a scenario key, e.g. lab.research_teams=12 (repeatable; `crunch keys`)",
    )
    new.add_argument("--sheet", metavar="FILE.html", help="also write the printable join sheet")
    new.add_argument("--json", action="store_true", help="print one JSON object instead")
    new.set_defaults(func=cmd_new)

    status = _add(
        ws,
        "status",
        "where the workshop stands",
        "Print the round, its phase and time left, the week, and per seat its team, "
        "whether a person or the bot plays it and whether it has bid this round.",
    )
    status.set_defaults(func=cmd_status)

    advance = _add(
        ws,
        "advance",
        "close rounds as the host would",
        "Finish the open round, or open and close the next ones: bidding closes (seats "
        "that did not bid are played by their bots), then negotiation. Prints each round.",
        "example:\n  crunch workshop advance --db ws.db --rounds 3\n",
    )
    advance.add_argument("--rounds", type=int, default=1, metavar="N", help="rounds (default: 1)")
    advance.add_argument("--quiet", action="store_true", help="print nothing but errors")
    advance.set_defaults(func=cmd_advance)

    for name, replay in (("export", False), ("replay", True)):
        how = "rebuilt from the action log alone" if replay else "as the workshop holds it"
        cmd = _add(
            ws,
            name,
            "rebuild the game from the log and write its tables"
            if replay
            else "write the workshop's tables",
            f"Write the game {how}: {', '.join(FILES)} (the action log without wall-clock "
            "times; the scenario at the start). `export` and `replay` write the same bytes.",
            f"example:\n  crunch workshop {name} --db ws.db --out {name}ed/\n",
        )
        cmd.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
        cmd.add_argument("--quiet", action="store_true", help="no progress or summary")
        cmd.set_defaults(func=cmd_export, replay=replay)

    debrief = _add(
        ws,
        "debrief",
        "write a self-contained HTML debrief",
        "Write one HTML page: the settings and history (rounds, rule changes, messages), "
        "per team what it bid, won, paid and negotiated with its stress and output over "
        "the rounds (seated teams highlighted), and the counterfactual: the same session "
        "replayed under another rule, each player bidding the same share of each value.",
        "examples:\n  crunch workshop debrief --db ws.db --out debrief.html\n"
        "  crunch workshop debrief --db ws.db --out debrief.html --rule max_min_fair\n",
    )
    debrief.add_argument("--out", required=True, metavar="FILE.html", help="the page to write")
    debrief.add_argument(
        "--rule",
        metavar="M",
        help="rule of the counterfactual (default: vickrey after uniform_price, else "
        "uniform_price; `crunch mechanisms` lists them)",
    )
    debrief.add_argument("--quiet", action="store_true", help="no progress")
    debrief.set_defaults(func=cmd_debrief)

    sheet = _add(
        ws,
        "sheet",
        "write a printable join sheet (needs --reissue)",
        "Write a printable page with one card per seat: team, QR code and link.",
        SHEET_EPILOG,
    )
    sheet.add_argument("--out", required=True, metavar="FILE.html", help="the page to write")
    sheet.add_argument(
        "--reissue",
        action="store_true",
        help="make a new link for every seat (the old ones stop working) and print them",
    )
    sheet.set_defaults(func=cmd_sheet)
