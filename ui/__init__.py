"""The Streamlit app's building blocks: state, charts, the rules editor, the network view.

``app.py`` wires ``st.navigation`` over the page scripts in ``ui/pages/``; the modules
here hold what the pages share. ``charts`` and ``network_view`` build charts as pure
functions (no Streamlit needed to test them); ``state`` keeps the live model in
``st.session_state``; ``cli`` adds ``crunch app``.
"""
