"""Create a workshop from the Host page: the form, its checks, and where the links point.

The workshop's database goes into the workshops folder (``crunch app --workshops-dir``);
the new links are kept in this browser session for the join sheet, and the page's address
becomes the host link, so the console opens at once and a bookmark brings it back.

Workshops are created only from a browser on the machine that runs the app (a room's
players could otherwise fill the folder); from elsewhere, ``crunch workshop new`` does it.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import streamlit as st

from game.scenario import list_presets, load_scenario
from ui import access, join_sheet
from ui.host_actions import NOTE
from ui.text import md_escape
from ui.workshop_live import new_db_path, workshops_dir
from workshop import WorkshopError, create_workshop

__all__ = ["DEFAULT_PRESET", "FIELDS", "base_url", "create_form"]

DEFAULT_PRESET = "classroom"
#: Form widgets: key → (label, default, min, max, help).
FIELDS: dict[str, tuple[str, int, int, int, str]] = {
    "seats": ("Seats for people", 6, 1, 200, "At most the scenario's number of teams."),
    "rounds": ("Rounds", 6, 1, 520, "Each round is one bidding and one negotiation window."),
    "seed": ("Seed", 0, 0, 2**31 - 1, "The same seed and the same actions give the same game."),
    "weeks_per_round": ("Game weeks per round", 1, 1, 52, "Weeks the lab plays in each round."),
    "bidding_seconds": ("Bidding window (s)", 180, 5, 86_400, "Closes early once all bid."),
    "negotiation_seconds": ("Negotiation window (s)", 120, 5, 86_400, "Time to trade loans."),
}
LOCAL_NAMES = ("localhost", "127.0.0.1", "::1", "[::1]")


def base_url(url: str, room: bool, room_host: str | None = None) -> str:
    """Where the links should point: the app's address without the page's own path.

    Args:
        url: ``st.context.url`` (the page's address in the host's browser).
        room: Serving a room: a ``localhost`` address is replaced by ``room_host`` (this
            machine's address on the network), which the players' devices can reach.
        room_host: This machine's network address (looked up when not given).
    """
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "http://localhost:8501"
    path = parts.path.rstrip("/")
    if path.endswith("/host"):
        path = path[: -len("/host")]
    netloc = parts.netloc
    if room and (parts.hostname or "") in LOCAL_NAMES:
        if room_host is None:
            from ui.cli import room_address

            room_host = room_address()
        netloc = room_host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, path, "", ""))


def _preset_line(name: str) -> str:
    sc = load_scenario(name)
    teams = sc.lab.research_teams + sc.lab.product_teams
    return f"**{name}** ({teams} teams): {md_escape(sc.description, 160)}"


def _create() -> None:
    """The form's callback: create the workshop, keep its links, open its console."""
    ss = st.session_state
    values = {name: int(ss[f"ws_new_{name}"]) for name in FIELDS}
    try:
        created = create_workshop(
            new_db_path(),
            str(ss["ws_new_scenario"]),
            seats=values["seats"],
            rounds=values["rounds"],
            seed=values["seed"],
            weeks_per_round=values["weeks_per_round"],
            bidding_seconds=float(values["bidding_seconds"]),
            negotiation_seconds=float(values["negotiation_seconds"]),
            base_url=str(ss["ws_new_base_url"]).strip(),
        )
    except WorkshopError as err:
        ss[NOTE] = ("error", str(err))
        return
    join_sheet.remember_links(created.workshop, created.seats)
    ss["host_created"] = created.host_url
    st.query_params.update({"w": created.workshop, "t": created.host_token})
    ss[NOTE] = (
        "success",
        f"Workshop {created.workshop} created: {len(created.seats)} seats, "
        f"{values['rounds']} rounds. Keep the host link below to yourself.",
    )


def create_form() -> None:
    """The "create a workshop" form (or why this browser cannot create one)."""
    st.subheader("Create a workshop")
    if isinstance(st.context.ip_address, str) and st.context.ip_address:
        st.info(
            "Workshops are created on the machine that runs the app: open this page there, "
            "or run `crunch workshop new`. If you are a player, open the link you were given.",
            icon=":material/lock:",
        )
        return
    room = access.current(st.context.ip_address).room
    st.caption(
        f"The workshop is saved in `{md_escape(workshops_dir())}`; its links point to the "
        "address below, which every player's device must be able to reach"
        + (" (this machine's address on the network)." if room else ".")
    )
    presets = list_presets()
    with st.form("ws_new", border=True):
        st.selectbox(
            "Scenario",
            presets,
            index=presets.index(DEFAULT_PRESET) if DEFAULT_PRESET in presets else 0,
            key="ws_new_scenario",
            help="A preset lab; each seat plays one of its teams, bots play the rest.",
        )
        cols = st.columns(3)
        for i, (name, (label, default, low, high, help_)) in enumerate(FIELDS.items()):
            cols[i % 3].number_input(
                label, min_value=low, max_value=high, value=default, step=1,
                key=f"ws_new_{name}", help=help_,
            )  # fmt: skip
        st.text_input(
            "Address players open (links point here)",
            value=base_url(st.context.url, room),
            key="ws_new_base_url",
            help="Start the app with `crunch app --serve-room` so that devices on the "
            "room's network can reach it.",
        )
        st.form_submit_button(
            "Create the workshop", type="primary", icon=":material/add_circle:", on_click=_create
        )
    with st.expander("The scenarios"):
        for name in presets:
            st.markdown(_preset_line(name))
