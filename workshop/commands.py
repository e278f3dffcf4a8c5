"""What each ``crunch workshop`` subcommand does (the parser is in :mod:`workshop.cli`).

Each ``cmd_*`` takes the parsed arguments, acts on the workshop database as its host and
prints what happened; a refusal is a :class:`~workshop.errors.WorkshopError` (a
``ValueError``), which ``crunch`` prints in one line with exit status 2. Inputs are checked
before anything is written.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import market
from game.scenario import Scenario, load_scenario, parse_override
from workshop.engine import LOCAL_HOST, Created, Workshop, create_workshop
from workshop.errors import WorkshopError
from workshop.export import export_workshop, prepare_folder
from workshop.sheet import write_sheet

__all__ = [
    "cmd_advance",
    "cmd_debrief",
    "cmd_export",
    "cmd_new",
    "cmd_sheet",
    "cmd_status",
]


# ---------------------------------------------------------------------- helpers
def _open(args: argparse.Namespace) -> Workshop:
    try:
        return Workshop(Path(args.db), args.workshop)
    except WorkshopError as err:
        if "several workshops" in str(err):
            raise WorkshopError(f"{err} (with --workshop ID)") from None
        raise


def _not_a_folder(path: str, option: str) -> Path:
    out = Path(path)
    if out.is_dir():
        raise WorkshopError(f"{option} {path!r} is a folder; give a file name")
    return out


@contextmanager
def _progress(steps: int, quiet: bool) -> Iterator[Callable[[str], None]]:
    """A progress bar on stderr over named steps (``say(text)`` starts the next one)."""
    from tqdm import tqdm

    bar = tqdm(
        total=steps,
        disable=quiet or None,  # None: only on a terminal
        leave=False,
        file=sys.stderr,
        bar_format="{desc} ({n}/{total}, {elapsed})",
    )
    started = False

    def say(text: str) -> None:
        nonlocal started
        if started:
            bar.update(1)
        started = True
        bar.set_description_str(text)

    with bar:
        yield say


def _scenario(args: argparse.Namespace) -> Scenario:
    overrides = dict(parse_override(text) for text in args.overrides)
    sc = load_scenario(args.scenario, overrides=overrides)
    n_r, n_p = sc.lab.research_teams, sc.lab.product_teams
    if args.seats > n_r + n_p:
        raise WorkshopError(
            f"--seats {args.seats} is more than the {n_r + n_p} teams of {sc.name} "
            f"({n_r} research, {n_p} product); use at most {n_r + n_p} or add teams with "
            f"--set lab.research_teams=N (or lab.product_teams=N)"
        )
    return sc


def _print_created(created: Created, sc: Scenario, args: argparse.Namespace) -> None:
    width = max(len(s.team) for s in created.seats)
    print(
        f"workshop {created.workshop} in {created.db}: {sc.name}, {len(created.seats)} seats, "
        f"{args.rounds} rounds of {args.weeks_per_round} week(s), seed {args.seed}"
    )
    print(f"\nhost (keep this link to yourself):\n  {created.host_url}")
    print("\nseats (give each player their own link; they are shown only now):")
    for s in created.seats:
        print(f"  {s.seat:>2}  {s.team:<{width}}  {s.url}")
    if args.sheet:
        print(f"\nwrote the join sheet to {args.sheet}")
    print(
        f"\nnext: play rounds from here with `crunch workshop advance --db {created.db}`, "
        "or drive the seats through the Python API (README, Workshops); the app's join "
        "and host pages that open these links are not built yet"
    )


# ---------------------------------------------------------------------- commands
def cmd_new(args: argparse.Namespace) -> int:
    """Create a workshop and print its links."""
    sc = _scenario(args)
    if args.sheet:
        _not_a_folder(args.sheet, "--sheet")
    db = Path(args.db)
    if not db.parent.is_dir():
        raise WorkshopError(f"--db {args.db!r}: the folder {str(db.parent)!r} does not exist")
    created = create_workshop(
        db,
        sc,
        seats=args.seats,
        rounds=args.rounds,
        seed=args.seed,
        weeks_per_round=args.weeks_per_round,
        bidding_seconds=args.bidding_seconds,
        negotiation_seconds=args.negotiation_seconds,
        base_url=args.base_url,
    )
    if args.sheet:
        write_sheet(created.workshop, sc.name, created.seats, args.sheet)
    if args.json:
        print(json.dumps(created.as_json()))
    else:
        _print_created(created, sc, args)
    return 0


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def cmd_status(args: argparse.Namespace) -> int:
    """Print where the workshop stands."""
    w = _open(args)
    st = w.status()
    where = {
        "waiting": f"waiting for the host to open round 1 of {st.rounds}",
        "finished": f"finished: all {st.rounds} rounds played",
        "closed": f"round {st.round + 1} of {st.rounds} closed; round {st.round + 2} not open",
    }.get(st.phase, f"round {st.round + 1} of {st.rounds}, {st.phase}")
    if st.paused:
        where += ", paused"
    elif st.seconds_left is not None:
        where += f", {_clock(st.seconds_left)} left"
    print(f"workshop {st.workshop} ({w.scenario.name}): {where}; {st.week} week(s) played")
    width = max([4, *(len(s.team) for s in st.seats)])
    print(f"  seat  {'team':<{width}}  mode   bid this round")
    for s in st.seats:
        bid = "yes" if s.submitted else ("bot played" if s.seat in st.silent else "no")
        mode = s.mode + (" (link withdrawn)" if s.revoked else "")
        print(f"  {s.seat:>4}  {s.team:<{width}}  {mode:<6} {bid}")
    return 0


def _round_line(w: Workshop, number: int) -> str:
    """One line on round ``number`` (0-based) once it closed."""
    with w.session() as s:
        weeks = s.model.weeks_frame()
        history = next((h for h in s.history if h["round"] == number), None)
    mine = weeks[weeks["week"] // w.weeks_per_round == number]
    first, last = int(mine["week"].min()), int(mine["week"].max())
    span = f"week {first}" if first == last else f"weeks {first}-{last}"
    price = mine["price"].mean()
    bots = [] if history is None else history["silent"]
    people = len(w.seat_teams) - len(bots)
    return (
        f"round {number + 1} of {w.rounds} closed ({span}): "
        f"rule {market.MECHANISMS[mine['rule'].iloc[-1]].label}, "
        f"price {'–' if price != price else f'{price:,.1f}'}, "
        f"output value {mine['output_value'].sum():,.0f}, "
        f"mean stress {mine['mean_stress'].iloc[-1]:.2f}, "
        f"loans {0 if history is None else len(history['deals'])}; "
        f"{people} seat(s) played by people, {len(bots)} by bots"
    )


def cmd_advance(args: argparse.Namespace) -> int:
    """Close rounds as the host would."""
    if args.rounds < 1:
        raise WorkshopError(f"--rounds {args.rounds}: must be a whole number >= 1")
    w = _open(args)
    if w.status().phase == "finished":
        raise WorkshopError(
            f"the workshop is finished: all {w.rounds} rounds played; nothing to advance "
            "(write the debrief with `crunch workshop debrief`)"
        )
    for _ in range(args.rounds):
        if w.status().phase == "finished" or not w.advance(LOCAL_HOST, 1):
            break
        if not args.quiet:
            print(_round_line(w, w.status().round), flush=True)
    if not args.quiet and w.status().phase == "finished":
        print(f"the workshop is finished: all {w.rounds} rounds played")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write the workshop's tables (``export``) or rebuild them from the log (``replay``)."""
    w = _open(args)
    out = prepare_folder(Path(args.out))
    with _progress(1, args.quiet) as say:
        say("replaying the log" if args.replay else "reading the game")
        written = export_workshop(w, out, replay=args.replay)
    if not args.quiet:
        print(f"wrote {', '.join(p.name for p in written)} to {out}/")
    return 0


def cmd_debrief(args: argparse.Namespace) -> int:
    """Write the HTML debrief."""
    from workshop.debrief import build_debrief
    from workshop.debrief_html import write_debrief

    out = _not_a_folder(args.out, "--out")
    w = _open(args)
    with _progress(4, args.quiet) as say:
        debrief = build_debrief(w, args.rule, progress=say)
        say("drawing the charts")
        path = write_debrief(debrief, out)
    if not args.quiet:
        print(f"wrote {path} (the session against {debrief.counterfactual_rule})")
    return 0


def cmd_sheet(args: argparse.Namespace) -> int:
    """Write a join sheet, reissuing every seat's link."""
    out = _not_a_folder(args.out, "--out")
    w = _open(args)
    if not args.reissue:
        raise WorkshopError(
            "links are shown only once, when the workshop is created (the database keeps "
            "hashes); add --reissue to make new links for every seat (the old ones stop "
            "working), or write the sheet at creation with `crunch workshop new ... --sheet`"
        )
    links = [w.reissue(LOCAL_HOST, seat) for seat in sorted(w.seat_teams)]
    write_sheet(w.id, w.scenario.name, links, out)
    print(f"new links (the old ones no longer work); the sheet is in {out}:")
    width = max(len(s.team) for s in links)
    for s in links:
        print(f"  {s.seat:>2}  {s.team:<{width}}  {s.url}")
    return 0
