"""The Streamlit app's building blocks: state, charts, the rules editor, the network view.

``app.py`` wires ``st.navigation`` over the page scripts in ``ui/pages/``; the modules
here hold what the pages share. Pure, testable without Streamlit: ``charts`` (Explore's
lab-wide charts and shared helpers), ``team_charts``, ``compare_charts``,
``network_view``'s option builder, ``rules_schema`` (the editor's fields and values) and
``labels`` (readable names from the mechanism and run-metric registries). Streamlit
parts: ``state`` keeps the live model in ``st.session_state`` and derives the KPI row;
``rules_editor`` and ``scenario_picker`` draw the sidebar; ``explore_view`` and
``team_detail`` the Explore page; ``cli`` adds ``crunch app``.
"""
