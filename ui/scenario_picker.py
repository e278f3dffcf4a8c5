"""The sidebar's top: the preset picker, the scenario upload (TOML) and its download.

Loading a preset or a file applies it at once (a new game at week 0) and shows its
rules in the editor (:mod:`ui.rules_editor`); a file the scenario refuses shows its
one-line message and changes nothing.
"""

from __future__ import annotations

import functools

import streamlit as st

from game import Scenario, list_presets, load_scenario
from ui import downloads, state
from ui.rules_editor import load_values
from ui.text import md_escape

PRESET = "preset_pick"
UPLOAD_GENERATION = "upload_generation"
UPLOAD_ERROR = "upload_error"
MAX_SCENARIO_MB = 1


def describe(sc: Scenario) -> str:
    """What the applied scenario is: its own description while that still holds, and facts.

    A preset's description names its team counts ("10 research teams, 6 product teams");
    once the lab's counts are edited it would be wrong, so the counts the game plays are
    shown instead, from the scenario itself. A scenario of your own shows both.
    """
    group = ", a reallocation group" if sc.reallocation.enabled else ", no reallocation group"
    facts = (
        f"{_count(sc.lab.research_teams, 'research team')}, "
        f"{_count(sc.lab.product_teams, 'product team')}{group}; {sc.weeks} weeks."
    )
    preset = _preset_facts(sc.name) if sc.name in list_presets() else None
    if preset is None or preset[0] != sc.description:
        return f"{sc.description} {facts}".strip()
    if preset[1:] == (sc.lab.research_teams, sc.lab.product_teams):
        return sc.description
    return facts


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


@functools.lru_cache(maxsize=32)
def _preset_facts(name: str) -> tuple[str, int, int]:
    """A preset's description and the team counts it was written for."""
    preset = load_scenario(name)
    return preset.description, preset.lab.research_teams, preset.lab.product_teams


def open_preset(name: str) -> None:
    """Apply preset ``name`` and show it in the picker and the editor.

    Call it from a callback, or from a page without the sidebar's widgets.

    Raises:
        ValueError: If the preset cannot be loaded or played (nothing changes).
    """
    sc = load_scenario(name)
    state.set_scenario(sc, name)
    load_values(sc)
    st.session_state[PRESET] = name
    st.session_state.pop(UPLOAD_ERROR, None)
    st.session_state[state.NOTICE] = f"Loaded preset {name}: week 0."


def _on_preset() -> None:
    try:
        open_preset(st.session_state[PRESET])
    except ValueError as err:
        st.session_state[UPLOAD_ERROR] = str(err)


def _upload_key() -> str:
    return f"scenario_upload_{st.session_state.get(UPLOAD_GENERATION, 0)}"


def _on_upload() -> None:
    ss = st.session_state
    upload = ss.get(_upload_key())
    if upload is None:
        return
    try:
        text = upload.getvalue().decode("utf-8")
    except UnicodeDecodeError:
        ss[UPLOAD_ERROR] = f"{upload.name}: not a text file; upload a scenario .toml"
        return
    try:
        sc = state.load_toml(text, f"uploaded {upload.name}")
    except ValueError as err:
        ss[UPLOAD_ERROR] = f"{upload.name}: {err}"
        return
    load_values(sc)
    ss.pop(UPLOAD_ERROR, None)
    ss[UPLOAD_GENERATION] = int(ss.get(UPLOAD_GENERATION, 0)) + 1
    ss[state.NOTICE] = f"Loaded {upload.name}: week 0."


def scenario_picker() -> None:
    """Preset picker, scenario upload and download (the sidebar's top)."""
    state.init_session()
    sc = state.scenario()
    presets = list_presets()
    if PRESET not in st.session_state:
        source = st.session_state.get(state.SOURCE)
        st.session_state[PRESET] = source if source in presets else presets[0]
    st.selectbox(
        "Scenario preset",
        presets,
        key=PRESET,
        on_change=_on_preset,
        help="Loading a preset replaces the rules and starts again at week 0.",
    )
    source = md_escape(st.session_state.get(state.SOURCE), 120)
    st.caption(f"Playing **{md_escape(sc.name)}** ({source}). {md_escape(describe(sc))}")
    st.file_uploader(
        "Load a scenario TOML",
        type=["toml"],
        key=_upload_key(),
        on_change=_on_upload,
        max_upload_size=MAX_SCENARIO_MB,
        help="A scenario file as `crunch run --out` writes it or the download below "
        f"(up to {MAX_SCENARIO_MB} MB).",
    )
    if st.session_state.get(UPLOAD_ERROR):
        st.error(md_escape(st.session_state[UPLOAD_ERROR], 400), icon=":material/error:")
    downloads.scenario_button(
        sc,
        "Download scenario TOML",
        key="download_scenario_sidebar",
        help="The applied rules, in the format `crunch run --scenario FILE` reads.",
    )
