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
TOOLBAR_MODE = "viewer"  # Streamlit's developer options (Deploy, rerun, clear cache) hidden


def streamlit_command(
    port: int, *, app: Path = APP, headless: bool = False, room: bool = False
) -> list[str]:
    """The command line that serves the app on ``port``.

    Args:
        port: TCP port.
        app: The Streamlit script.
        headless: Do not try to open a browser window.
        room: Listen on every network address and show errors without details; otherwise
            listen on 127.0.0.1 only. Either way the toolbar hides Streamlit's developer
            options (the "Deploy" button, rerun, clear cache).

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
        # No "Deploy" button, rerun or clear-cache items: the menu keeps print and theme.
        "--client.toolbarMode",
        TOOLBAR_MODE,
    ]
    if room:
        cmd += ["--client.showErrorDetails", "none"]
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


def workshops_env(given: str | None) -> dict[str, str]:
    """The environment naming the workshops folder for the app (absolute, from here).

    Raises:
        ValueError: If ``--workshops-dir`` names something that is not a folder.
    """
    from ui.workshop_live import DEFAULT_WORKSHOPS_DIR, WORKSHOPS_ENV

    folder = Path(given or DEFAULT_WORKSHOPS_DIR).expanduser().absolute()
    if folder.exists() and not folder.is_dir():
        raise ValueError(
            f"--workshops-dir {given!r}: not a folder; give the folder where the app keeps "
            "workshop databases (created when the first workshop is)"
        )
    return {WORKSHOPS_ENV: str(folder)}


def cmd_app(args: argparse.Namespace) -> int:
    """Run ``streamlit run app.py`` in the project directory; return its exit status."""
    if not APP.is_file():
        raise FileNotFoundError(f"app.py not found at {APP}; run crunch from a source checkout")
    folder = results_folder(args.results_dir)
    cmd = streamlit_command(args.port, headless=args.headless, room=args.serve_room)
    env = dict(os.environ)
    env[ROOM_ENV] = "1" if args.serve_room else "0"
    env[RESULTS_ENV] = str(folder)
    env.update(workshops_env(args.workshops_dir))
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
    return serve(cmd, env)


def serve(cmd: list[str], env: dict[str, str]) -> int:
    """Become the Streamlit server (exec), so every signal reaches the server itself.

    ``crunch app`` used to start Streamlit as a child and wait: a SIGTERM (a service
    manager, ``kill``) stopped ``crunch`` and left the child serving. Replacing this
    process with Streamlit keeps its process id, so SIGTERM, SIGINT and SIGHUP stop
    the server. Where there is no ``exec`` (Windows) the server runs as a child.

    Returns:
        The server's exit status (only where it runs as a child).
    """
    os.chdir(APP.parent)
    if os.name == "posix":
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(cmd[0], cmd, env)  # does not return
    return subprocess.call(cmd, cwd=APP.parent, env=env)


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``crunch app`` to the ``crunch`` parser."""
    app = sub.add_parser(
        "app",
        help="open the Streamlit app",
        description="Start the Compute Crunch app (Explore, Compare, Learn, Sweeps and the "
        "workshop pages Play, Host, Projector, Debrief) in your browser. "
        "It listens on 127.0.0.1 only unless --serve-room is given.",
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
    app.add_argument(
        "--workshops-dir",
        metavar="DIR",
        default=None,
        help="the folder of live workshop databases: the Host page creates workshops there "
        "and join links open them (default: ./workshops)",
    )
    app.set_defaults(func=cmd_app)
