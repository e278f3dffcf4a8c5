"""Download buttons the pages share: a table as CSV, a scenario as TOML.

Each button gets its bytes from a callable, so nothing is serialised until someone
clicks, and ``on_click="ignore"`` downloads without rerunning the page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from ui.text import safe_filename

if TYPE_CHECKING:  # the Sweeps page uses this module without loading the game (or Mesa)
    from game import Scenario


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A frame as CSV bytes (UTF-8, no index), as ``crunch run --out`` writes it."""
    return frame.to_csv(index=False).encode("utf-8")


def csv_button(label: str, frame: pd.DataFrame, file_name: str, *, key: str) -> None:
    """A button that downloads ``frame`` as ``file_name``."""
    st.download_button(
        label,
        data=lambda: csv_bytes(frame),
        file_name=file_name,
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
        key=key,
    )


def scenario_button(sc: Scenario, label: str, *, key: str, help: str | None = None) -> None:
    """A button that downloads ``sc`` as TOML, the format ``crunch run --scenario`` reads."""
    st.download_button(
        label,
        data=sc.to_toml,
        file_name=f"{safe_filename(sc.name, 'scenario')}.toml",
        mime="application/toml",
        on_click="ignore",
        icon=":material/download:",
        key=key,
        help=help,
    )
