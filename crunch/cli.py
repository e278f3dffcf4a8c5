"""The ``crunch`` command: one entry point that gathers every package's subcommands.

Each package that offers commands exposes ``register(subparsers)``; this module
is the composition root (like ``app.py`` for the UI), so the packages themselves
keep their one-way dependencies.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

# Packages whose ``cli`` module registers subcommands, in help order.
COMMAND_MODULES = ("game.cli", "experiments.cli", "workshop.cli", "ui.cli")


class UserError(Exception):
    """A mistake in the command line or its inputs: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, not a usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        """Print ``prog: error: message`` and exit with status 2."""
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    """Build the ``crunch`` parser with every available subcommand."""
    parser = _Parser(
        prog="crunch",
        description=(
            "Compute Crunch: who gets the GPUs? Run the lab's GPU market as a game, "
            "sweep rules in batch experiments, or open the app."
        ),
    )
    parser.add_argument(
        "--plugin",
        action="append",
        default=[],
        dest="plugin_global",
        metavar="MODULE|FILE.py",
        help="load your own module first, registering mechanisms, strategies or metrics "
        "(repeatable; also read from the CRUNCH_PLUGINS environment variable)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name == name:
                continue
            raise
        module.register(sub)
    for command in sub.choices.values():
        command.add_argument(
            "--plugin",
            action="append",
            default=[],
            metavar="MODULE|FILE.py",
            help="load your own module first (mechanisms, strategies, metrics); repeatable",
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``crunch`` command line; return the exit status.

    User errors (bad scenario, value out of range, unknown mechanism…) print one
    line on stderr and return 2; no traceback. A reader that stops early
    (``crunch run | head``) ends the command quietly with status 0: standard output is
    flushed here, while a closed pipe can still be caught, and then pointed at
    ``os.devnull`` so the interpreter's own flush at exit has nowhere to fail (the
    pattern the Python docs recommend for SIGPIPE).
    """
    try:
        try:
            return _main(argv)
        finally:
            sys.stdout.flush()  # help texts included: argparse leaves them in the buffer
    except BrokenPipeError:  # the reader went away (``crunch keys | head``): stop quietly
        _silence_stdout()
        return 0


def _silence_stdout() -> None:
    """Point standard output at ``os.devnull`` (the pipe it wrote to is closed)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real file descriptor (e.g. captured in tests)
        pass


def _main(argv: Sequence[str] | None) -> int:
    """Parse ``argv``, load plugins and run the chosen subcommand."""
    from game import plugins

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        plugins.load_from_env()
        for ref in [*args.plugin_global, *args.plugin]:
            plugins.load(ref)
        return int(args.func(args) or 0)
    except (UserError, ValueError, FileNotFoundError) as err:
        sys.stderr.write(f"crunch {args.command}: error: {err}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write(f"crunch {args.command}: interrupted\n")
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
