"""Compute Crunch — the Streamlit app. Start it with ``make app`` (or ``crunch app``).

This file only wires the navigation; the pages live in ``ui/pages/``.
"""

import streamlit as st

from game import plugins
from ui import access

# Plugins named by `crunch --plugin X app` (or CRUNCH_PLUGINS) register their mechanisms,
# strategies and metrics before any page runs; importing twice is a no-op.
plugins.load_from_env()

st.set_page_config(page_title="Compute Crunch", page_icon=":material/memory:", layout="wide")

# Serving a room (`crunch app --serve-room`), or a browser on another machine: an error
# shows a generic message, never the exception, its traceback or a server path.
if access.current(st.context.ip_address).room:
    st.set_option("client.showErrorDetails", "none")

pages = [
    st.Page(
        "ui/pages/explore.py",
        title="Explore",
        icon=":material/play_circle:",
        default=True,
        help="Pick a scenario, change the rules, play the lab week by week and see why.",
    ),
    st.Page(
        "ui/pages/compare.py",
        title="Compare",
        icon=":material/compare_arrows:",
        help="Two rule sets on the same seeds: differences with confidence intervals.",
    ),
    st.Page(
        "ui/pages/learn.py",
        title="Learn",
        icon=":material/school:",
        help="The mechanisms and behaviour models in plain words, and a classroom plan.",
    ),
    st.Page(
        "ui/pages/sweeps.py",
        title="Sweeps",
        icon=":material/grid_view:",
        help="Open a sweep's results file: summaries, plots and Sobol indices.",
    ),
]

# The live workshop pages (issue 12): people open them from their join links.
workshop_pages = [
    st.Page(
        "ui/pages/play.py",
        title="Play",
        icon=":material/sports_esports:",
        url_path="play",
        help="A workshop seat: your team, your bid, loans with other teams, your results.",
    ),
    st.Page(
        "ui/pages/host.py",
        title="Host",
        icon=":material/co_present:",
        url_path="host",
        help="Run a workshop: create it, share the join links, time and close the rounds.",
    ),
    st.Page(
        "ui/pages/projector.py",
        title="Projector",
        icon=":material/cast:",
        url_path="projector",
        help="The workshop on the big screen: round, clock, prices, leaderboard (read-only).",
    ),
    st.Page(
        "ui/pages/debrief.py",
        title="Debrief",
        icon=":material/summarize:",
        url_path="debrief",
        help="After the rounds: each team's story and what another rule would have done.",
    ),
]

st.navigation({"": pages, "Workshop": workshop_pages}, position="top").run()
