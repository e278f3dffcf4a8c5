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

st.navigation(pages, position="top").run()
