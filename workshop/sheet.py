"""A printable join sheet: one card per seat with its team, a QR code and the link.

Print it, cut the cards apart and hand one to each player: scanning the code (or typing
the link) opens the seat. The codes are inline SVG made by ``segno``, so the page is one
self-contained file. A link carries its seat's secret token, which is known only when
the link is made (the database keeps a hash), so a sheet is written when the workshop is
created (``crunch workshop new --sheet``) or when the links are reissued.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

import segno

from workshop.links import SeatLink

__all__ = ["qr_svg", "sheet_html", "write_sheet"]

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5rem;
       color: #1d2330; }
h1 { font-size: 1.3rem; margin: 0 0 .2rem; } .sub { color: #5a6170; margin: 0 0 1rem; }
.cards { display: grid; grid-template-columns: repeat(2, 1fr); gap: 1rem; }
.card { border: 1px dashed #8a93a6; border-radius: 8px; padding: .8rem 1rem;
        break-inside: avoid; page-break-inside: avoid; text-align: center; }
.team { font-size: 1.5rem; font-weight: 700; margin: .1rem 0; }
.seat { color: #5a6170; font-size: .9rem; }
.card svg { display: block; margin: .4rem auto; }
.url { font-family: ui-monospace, monospace; font-size: .7rem; word-break: break-all; }
@media print { body { margin: 0; } .sub { display: none; } }
"""


def qr_svg(url: str, *, scale: int = 4) -> str:
    """The QR code of ``url`` as an inline ``<svg>`` element."""
    return segno.make(url, error="m").svg_inline(scale=scale, title=url)


def sheet_html(workshop: str, scenario: str, links: Sequence[SeatLink]) -> str:
    """The join sheet of ``links`` as one self-contained HTML page."""
    cards = "".join(
        '<div class="card">'
        f'<div class="seat">seat {link.seat}</div>'
        f'<div class="team">{html.escape(link.team)}</div>'
        f"{qr_svg(link.url)}"
        f'<div class="url">{html.escape(link.url)}</div>'
        "</div>"
        for link in links
    )
    title = f"Compute Crunch workshop: {html.escape(scenario)}"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{CSS}</style></head><body>"
        f"<h1>{title}</h1>"
        f'<p class="sub">Workshop <code>{html.escape(workshop)}</code>: {len(links)} seats. '
        "Each link opens one seat: hand each player their own card and keep the sheet "
        "private.</p>"
        f'<div class="cards">{cards}</div></body></html>'
    )


def write_sheet(workshop: str, scenario: str, links: Sequence[SeatLink], out: str | Path) -> Path:
    """Write the join sheet to ``out`` (its folder created if missing); return the path."""
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sheet_html(workshop, scenario, links), encoding="utf-8")
    return path
