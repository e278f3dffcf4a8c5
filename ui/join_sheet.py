"""The host console's join sheet: one card per seat with its team, QR code and link.

A link carries its seat's secret token, which exists only when the link is made (the
database keeps hashes). So the console shows the links it made in this browser session:
at creation, or when the host issues new ones here (all at once, or one seat's). The
links live in the host's own ``st.session_state``, never in anything shared between
sessions. The printable page is :func:`workshop.sheet.sheet_html`.
"""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

from ui.text import md_escape, safe_filename
from workshop import Workshop
from workshop.links import SeatLink
from workshop.sheet import qr_svg, sheet_html

__all__ = ["LINKS", "forget_link", "known_links", "remember_links", "show_sheet"]

#: Session-state key: workshop id → {seat: SeatLink} made in this session.
LINKS = "host_links"
#: Cards per row on the console.
PER_ROW = 3


def remember_links(workshop: str, links: Iterable[SeatLink]) -> None:
    """Keep ``links`` of ``workshop`` for this session's join sheet (newer ones replace)."""
    known = st.session_state.setdefault(LINKS, {})
    seats = dict(known.get(workshop, {}))
    seats.update({link.seat: link for link in links})
    known[workshop] = seats


def known_links(workshop: str) -> list[SeatLink]:
    """The links of ``workshop`` made in this session, by seat."""
    seats = st.session_state.get(LINKS, {}).get(workshop, {})
    return [seats[s] for s in sorted(seats)]


def forget_link(workshop: str, seat: int) -> None:
    """Drop a seat's link from this session's sheet (it was withdrawn)."""
    st.session_state.get(LINKS, {}).get(workshop, {}).pop(seat, None)


def show_sheet(ws: Workshop) -> bool:
    """The join sheet: the links made in this session as cards and a printable download.

    Returns:
        False when this session made no link of ``ws`` (nothing is drawn then).
    """
    links = known_links(ws.id)
    if not links:
        return False
    missing = sorted(set(ws.seat_teams) - {link.seat for link in links})
    st.caption(
        "Hand each player their own card (or project this and let them scan). Keep the "
        "sheet to yourself: a link is a seat."
        + (
            f" Not shown (no link made here): seats {', '.join(map(str, missing))}."
            if missing
            else ""
        )
    )
    for start in range(0, len(links), PER_ROW):
        cols = st.columns(PER_ROW)
        for col, link in zip(cols, links[start : start + PER_ROW], strict=False):
            with col.container(border=True):
                st.markdown(f"**Seat {link.seat}: {md_escape(link.team)}**")
                st.image(qr_svg(link.url), width=160)
                st.code(link.url, language=None, wrap_lines=True)
    scenario = ws.scenario.name
    st.download_button(
        "Download the printable join sheet (HTML)",
        data=sheet_html(ws.id, scenario, links),
        file_name=f"{safe_filename(scenario, 'workshop')}-{ws.id}-join-sheet.html",
        mime="text/html",
        on_click="ignore",
        icon=":material/download:",
        key="host_sheet_download",
    )
    return True
