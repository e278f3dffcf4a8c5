"""Explore's controls: Run, Step, Play/Pause, Reset, seed and speed, and their callbacks.

No week is played while the rules editor shows changes not applied (the buttons wait and
say why, and a click that arrives with an edit is refused), so a week is never played
under rules other than those shown. Seed and speed sit in a fragment of their own
(:mod:`ui.explore_sync`): changing them does not redraw the rest of the page.
"""

from __future__ import annotations

import time

import streamlit as st

from ui import explore_sync, rules_editor, state
from ui.pending_rules import pending_message
from ui.text import md_escape

RUN_REQUESTED = "run_requested"


# ---------------------------------------------------------------------------- callbacks
def _refuse_if_pending() -> bool:
    """Stop and say so when the editor shows rules other than the ones in play."""
    waiting = rules_editor.pending()
    if not waiting:
        return False
    st.session_state[state.PLAYING] = False
    st.session_state[state.NOTICE] = (
        f"No week played: {pending_message(waiting)} Apply rules or discard the changes."
    )
    return True


def _on_run() -> None:
    st.session_state[state.PLAYING] = False
    if not _refuse_if_pending():
        st.session_state[RUN_REQUESTED] = True


def _on_step() -> None:
    st.session_state[state.PLAYING] = False
    if not _refuse_if_pending():
        state.step(1)


def _on_play() -> None:
    ss = st.session_state
    if ss.get(state.PLAYING):
        ss[state.PLAYING] = False
        return
    if _refuse_if_pending():
        return
    if state.weeks_left() == 0:
        state.reset_model()
    ss[state.PLAYING] = True
    state.step(1)
    ss[state.LAST_TICK] = time.monotonic()


def _on_reset() -> None:
    state.reset_model()
    st.session_state[state.NOTICE] = "Back to week 0: same rules, same seed."


def _on_seed() -> None:
    st.session_state[state.SEED] = int(st.session_state["seed_input"])
    state.reset_model()
    st.session_state[state.NOTICE] = f"Seed {st.session_state[state.SEED]}: a new game at week 0."


@st.fragment
def _seed_and_speed() -> None:
    """Seed and speed: a change reruns these two alone, or the page when it must follow."""
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.number_input(
            "Seed",
            min_value=0,
            max_value=2**31 - 1,
            step=1,
            key="seed_input",
            on_change=_on_seed,
            width=130,
            help="Same rules + same seed = the same game, week for week.",
        )
        st.segmented_control(
            "Speed",
            list(state.PLAY_INTERVALS),
            default="normal",
            key="play_speed",
            required=True,
            help="Weeks per second while playing: slow ≈ 0.7, normal ≈ 1.2, fast ≈ 2.5.",
        )
    explore_sync.rerun_if_changed()  # a new seed is a new game; a new speed retimes play


def header_and_controls() -> None:
    """Title, the Run/Step/Play/Reset/seed/speed controls, and a requested run's progress."""
    sc = state.scenario()
    state.live_model()  # built here, on first use, never at import
    st.title("Explore", anchor=False)
    st.caption(
        "Change the rules on the left, then play the lab week by week. "
        "Click a team in the network to see why it got what it got."
    )
    # The controls are drawn after a requested run, so they show the week it ends on.
    controls = st.container(horizontal=True, vertical_alignment="bottom", key="controls")
    if st.session_state.pop(RUN_REQUESTED, False):
        bar = st.progress(0.0, text="Playing…")
        played = state.run_to_horizon(
            progress=lambda done, total: bar.progress(
                done / total, text=f"{done} of {total} weeks played"
            )
        )
        week = state.live_model().week
        bar.progress(1.0, text=f"Played {played} weeks: {week} of {sc.weeks} done.")

    waiting = rules_editor.pending()
    if waiting and st.session_state.get(state.PLAYING):
        st.session_state[state.PLAYING] = False  # never play on under rules not shown
    at_end = state.live_model().week >= sc.weeks
    playing = bool(st.session_state.get(state.PLAYING))
    if "seed_input" not in st.session_state:
        st.session_state["seed_input"] = state.seed()
    with controls:
        st.button(
            f"Run all {sc.weeks} weeks",
            icon=":material/fast_forward:",
            type="primary",
            on_click=_on_run,
            disabled=bool(waiting),
            key="run",
            help="Play every remaining week (from week 0 again if the game is over).",
        )
        st.button(
            "Step",
            icon=":material/skip_next:",
            on_click=_on_step,
            disabled=at_end or bool(waiting),
            key="step",
            help="Play one week.",
        )
        st.button(
            "Pause" if playing else "Play",
            icon=":material/pause:" if playing else ":material/play_arrow:",
            on_click=_on_play,
            disabled=bool(waiting) and not playing,
            key="play",
            help="Play week after week, animated; press again to pause.",
        )
        st.button(
            "Reset",
            icon=":material/restart_alt:",
            on_click=_on_reset,
            key="reset",
            help="Back to week 0 with the same rules and seed.",
        )
        _seed_and_speed()

    if waiting:
        st.warning(
            f"**Rule changes pending.** {md_escape(pending_message(waiting), 300)} This game "
            "keeps the rules it started with, so Run, Step and Play wait: **Apply rules** in "
            "the sidebar starts a new game under the new rules, **Discard changes** keeps "
            "this one.",
            icon=":material/pending:",
        )
    notice = st.session_state.pop(state.NOTICE, None)
    if notice:
        st.toast(md_escape(notice, 200), icon=":material/info:")
