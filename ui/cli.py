"""``crunch app``: start the Streamlit app (the same as ``make app``)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from game import plugins
from ui.serve import APP

DEFAULT_PORT = 8501


def streamlit_command(port: int, *, app: Path = APP, headless: bool = False) -> list[str]:
    """The command line that serves the app on ``port``.

    Raises:
        ValueError: If the port is outside 1–65535.
    """
    if not 1 <= port <= 65535:
        raise ValueError(f"--port {port}: must be between 1 and 65535")
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port)]
    if headless:
        cmd += ["--server.headless", "true"]
    return cmd


def cmd_app(args: argparse.Namespace) -> int:
    """Run ``streamlit run app.py`` in the project directory; return its exit status."""
    if not APP.is_file():
        raise FileNotFoundError(f"app.py not found at {APP}; run crunch from a source checkout")
    cmd = streamlit_command(args.port, headless=args.headless)
    env = dict(os.environ)
    if plugins.LOADED:  # the app loads the same plugins as this command (crunch --plugin)
        env[plugins.ENV_VAR] = os.pathsep.join(plugins.LOADED)
    print(f"Compute Crunch: open http://localhost:{args.port} (Ctrl+C stops it)", flush=True)
    return subprocess.call(cmd, cwd=APP.parent, env=env)


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``crunch app`` to the ``crunch`` parser."""
    app = sub.add_parser(
        "app",
        help="open the Streamlit app",
        description="Start the Compute Crunch app (Explore, Compare, Learn) in your browser.",
    )
    app.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        metavar="P",
        help=f"port to serve on (default: {DEFAULT_PORT})",
    )
    app.add_argument("--headless", action="store_true", help="do not try to open a browser window")
    app.set_defaults(func=cmd_app)
