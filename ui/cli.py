"""``crunch app``: start the Streamlit app (the same as ``make app``).

By default the app listens on 127.0.0.1 only: the browser on this machine can open it,
nobody else can. ``--serve-room`` is the explicit choice to serve a workshop room: it
listens on every network address, shows errors without details, and lets the Sweeps page
open only the results folder (``--results-dir``) and each person's own uploads.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
from pathlib import Path

from game import plugins
from ui.access import DEFAULT_RESULTS_DIR, MAX_UPLOAD_MB, RESULTS_ENV, ROOM_ENV
from ui.serve import APP

DEFAULT_PORT = 8501
LOCAL_ADDRESS = "127.0.0.1"
ROOM_ADDRESS = "0.0.0.0"  # every IPv4 interface: the room's machines reach it


def streamlit_command(
    port: int, *, app: Path = APP, headless: bool = False, room: bool = False
) -> list[str]:
    """The command line that serves the app on ``port``.

    Args:
        port: TCP port.
        app: The Streamlit script.
        headless: Do not try to open a browser window.
        room: Listen on every network address, show errors without details and hide the
            developer menu; otherwise listen on 127.0.0.1 only.

    Raises:
        ValueError: If the port is outside 1–65535.
    """
    if not 1 <= port <= 65535:
        raise ValueError(f"--port {port}: must be between 1 and 65535")
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port)]
    if headless:
        cmd += ["--server.headless", "true"]
    cmd += [
        "--server.address",
        ROOM_ADDRESS if room else LOCAL_ADDRESS,
        "--server.maxUploadSize",
        str(MAX_UPLOAD_MB),
    ]
    if room:
        cmd += ["--client.showErrorDetails", "none", "--client.toolbarMode", "viewer"]
    return cmd


def room_address() -> str:
    """This machine's address on its network (how the room reaches it), or its host name."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # UDP "connect" sends nothing; it picks the route
            address = str(s.getsockname()[0])
        except OSError:
            address = ""
    return address if address and not address.startswith("127.") else socket.gethostname()


def results_folder(given: str | None) -> Path:
    """The results folder, absolute; one given with ``--results-dir`` must be a folder.

    Raises:
        ValueError: If ``--results-dir`` names something that is not a folder.
    """
    folder = Path(given or DEFAULT_RESULTS_DIR).expanduser().absolute()
    if given is not None and not folder.is_dir():
        raise ValueError(
            f"--results-dir {given!r}: not a folder; give the folder that holds the "
            "results files (crunch sweep --out) the Sweeps page may open"
        )
    return folder


def cmd_app(args: argparse.Namespace) -> int:
    """Run ``streamlit run app.py`` in the project directory; return its exit status."""
    if not APP.is_file():
        raise FileNotFoundError(f"app.py not found at {APP}; run crunch from a source checkout")
    folder = results_folder(args.results_dir)
    cmd = streamlit_command(args.port, headless=args.headless, room=args.serve_room)
    env = dict(os.environ)
    env[ROOM_ENV] = "1" if args.serve_room else "0"
    env[RESULTS_ENV] = str(folder)
    if plugins.LOADED:  # the app loads the same plugins as this command (crunch --plugin)
        env[plugins.ENV_VAR] = os.pathsep.join(plugins.LOADED)
    if args.serve_room:
        print(
            f"Compute Crunch for the room: http://{room_address()}:{args.port}\n"
            f"Anyone on this network can open it. Sweeps opens only results files in "
            f"{folder} and each person's own uploads (up to {MAX_UPLOAD_MB} MB); errors "
            "show no details. Ctrl+C stops it.",
            flush=True,
        )
    else:
        print(
            f"Compute Crunch: open http://localhost:{args.port} (this machine only; "
            "--serve-room serves a room). Ctrl+C stops it.",
            flush=True,
        )
    return subprocess.call(cmd, cwd=APP.parent, env=env)


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``crunch app`` to the ``crunch`` parser."""
    app = sub.add_parser(
        "app",
        help="open the Streamlit app",
        description="Start the Compute Crunch app (Explore, Compare, Learn, Sweeps) in your "
        "browser. It listens on 127.0.0.1 only unless --serve-room is given.",
    )
    app.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        metavar="P",
        help=f"port to serve on (default: {DEFAULT_PORT})",
    )
    app.add_argument("--headless", action="store_true", help="do not try to open a browser window")
    app.add_argument(
        "--serve-room",
        action="store_true",
        help="serve a workshop room: listen on every network address (not just 127.0.0.1), "
        "show errors without details, and let Sweeps open only --results-dir and uploads",
    )
    app.add_argument(
        "--results-dir",
        metavar="DIR",
        default=None,
        help=f"the folder whose results files Sweeps may open from a ?db= link, or at all "
        f"with --serve-room (default: ./{DEFAULT_RESULTS_DIR})",
    )
    app.set_defaults(func=cmd_app)
