"""The org network as an ECharts graph: positions from networkx, GPUs as size, stress as colour.

:func:`network_option` is a pure function from the model's graph and this week's
holdings and stress to an ECharts option dict (test it without Streamlit);
:func:`show_network` draws it with ``st.echarts_chart`` and reports node clicks.

Layout: leadership at the top, the two divisions and the reallocation group below it,
and the teams under their division, tied teams drawn together (a seeded spring layout
per division). Positions are scaled to a
``ASPECT`` × 1 box that the chart draws inside fixed margins (:data:`MARGINS`) keeping
its aspect, so circles stay round and a node's pixel position on the canvas is
computable (:func:`pixel_position`) — the browser test clicks nodes that way.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np

from game.world.network import DIVISIONS, LEADERSHIP, REALLOCATION

MARGINS = {"left": 60, "right": 60, "top": 30, "bottom": 30}
CHART_HEIGHT = 460
LABEL_LIMIT = 60
TEAM_TOP = 0.3
ORG_POSITIONS = {
    LEADERSHIP: (0.5, 0.0),
    DIVISIONS[0]: (0.23, 0.14),
    REALLOCATION: (0.5, 0.14),
    DIVISIONS[1]: (0.77, 0.14),
}
ORG_STYLE = {
    "leadership": {"symbol": "diamond", "symbolSize": 26, "color": "#6c6c6c"},
    "division": {"symbol": "roundRect", "symbolSize": 22, "color": "#8c8c8c"},
    "reallocation": {"symbol": "triangle", "symbolSize": 22, "color": "#8c6d31"},
}
ASPECT = 2.2
"""Width / height of the layout's box; the chart keeps it (``preserveAspect``)."""
STRESS_STOPS = (  # yellow-orange-red, as the stress heat map
    (0.0, (255, 237, 160)),
    (0.25, (254, 217, 118)),
    (0.45, (254, 178, 76)),
    (0.6, (253, 141, 60)),
    (0.75, (252, 78, 42)),
    (0.9, (227, 26, 28)),
    (1.0, (177, 0, 38)),
)


def layout(graph: nx.Graph, *, seed: int = 0) -> dict[str, tuple[float, float]]:
    """Node positions (x right in [0, ASPECT], y down in [0, 1]), deterministic for a seed.

    Leadership sits at the top centre, the divisions and the reallocation group on the
    row below; research teams fill the lower left, product teams the lower right, each
    group laid out by a seeded spring layout over the ties inside it, so tied teams sit
    close together.

    Args:
        graph: The model's org graph (``model.network.graph``).
        seed: Seed of the spring layout's own generator.

    Returns:
        ``{node: (x, y)}`` with x within [0, ASPECT] and y within [0, 1].
    """
    pos: dict[str, tuple[float, float]] = {}
    for name, xy in ORG_POSITIONS.items():
        if name in graph:
            pos[name] = xy
    teams = [n for n, d in graph.nodes(data=True) if d.get("role") == "team"]
    for kind, (x0, x1) in (("research", (0.0, 0.46)), ("product", (0.54, 1.0))):
        group = [t for t in teams if graph.nodes[t].get("kind") == kind]
        if not group:
            continue
        if len(group) == 1:
            pos[group[0]] = ((x0 + x1) / 2, 0.65)
            continue
        # An explicit graph, not graph.subgraph(): a subgraph view may iterate its nodes
        # in set (hash) order, which would move the layout from one process to the next.
        members = set(group)
        sub = nx.Graph()
        sub.add_nodes_from(group)
        sub.add_edges_from((a, b) for a, b in graph.edges(group) if a in members and b in members)
        raw = nx.spring_layout(
            sub, k=1.6 / np.sqrt(len(group)), iterations=80, seed=seed, weight=None
        )
        xy = np.array([raw[t] for t in group], dtype=float)
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        unit = (xy - lo) / np.where(hi - lo > 0, hi - lo, 1.0)
        for t, (u, v) in zip(group, unit, strict=True):
            pos[t] = (x0 + (x1 - x0) * float(u), TEAM_TOP + (1.0 - TEAM_TOP) * float(v))
    for n in graph.nodes:
        pos.setdefault(n, (0.5, 0.5))
    return {n: (round(x * ASPECT, 6), round(y, 6)) for n, (x, y) in pos.items()}


def stress_colour(stress: float) -> str:
    """Hex colour for a stress level: green (calm) through amber to red (maximal)."""
    s = float(np.clip(stress if stress == stress else 0.0, 0.0, 1.0))
    for (s0, c0), (s1, c1) in itertools.pairwise(STRESS_STOPS):
        if s <= s1:
            w = (s - s0) / (s1 - s0)
            rgb = [round(a + (b - a) * w) for a, b in zip(c0, c1, strict=True)]
            return "#{:02x}{:02x}{:02x}".format(*rgb)
    return "#{:02x}{:02x}{:02x}".format(*STRESS_STOPS[-1][1])


def node_size(gpus: float, largest: float) -> float:
    """Symbol size in pixels for a team holding ``gpus`` when the largest holds ``largest``."""
    if largest <= 0:
        return 12.0
    return round(10.0 + 34.0 * float(np.sqrt(max(gpus, 0.0) / largest)), 1)


def network_option(
    graph: nx.Graph,
    positions: Mapping[str, tuple[float, float]],
    gpus: Mapping[str, float],
    stress: Mapping[str, float],
    *,
    selected: str | None = None,
    gpus_per_tranche: int = 1,
) -> dict[str, Any]:
    """Build the ECharts option for the org network.

    Args:
        graph: The org graph (nodes have ``role``; teams also ``kind``).
        positions: Positions from :func:`layout`.
        gpus: Tranches held per team this week.
        stress: Stress per team this week (0–1).
        selected: Team to outline as selected.
        gpus_per_tranche: GPUs in one tranche (for the tooltips).

    Returns:
        A JSON-compatible option dict with one graph series whose ``data`` lists the
        nodes in graph order (so a selection index maps back through :func:`node_names`).
    """
    team_nodes = [n for n, d in graph.nodes(data=True) if d.get("role") == "team"]
    largest = max((float(gpus.get(t, 0.0)) for t in team_nodes), default=0.0)
    show_labels = len(team_nodes) <= LABEL_LIMIT
    data = []
    for name, attrs in graph.nodes(data=True):
        x, y = positions[name]
        role = attrs.get("role", "team")
        node: dict[str, Any] = {"name": name, "x": round(x, 5), "y": round(y, 5)}
        if role == "team":
            held = float(gpus.get(name, 0.0))
            s = float(stress.get(name, 0.0))
            node["value"] = round(s, 3)
            node["symbolSize"] = node_size(held, largest)
            node["itemStyle"] = {
                "color": stress_colour(s),
                "borderColor": "#5f5f5f",
                "borderWidth": 1,
            }
            node["tooltip"] = {
                "formatter": (
                    f"<b>{name}</b> ({attrs.get('kind', 'team')})<br/>"
                    f"{held * gpus_per_tranche:,.0f} GPUs · stress {s:.2f}<br/>"
                    "click for details"
                )
            }
            node["label"] = {"show": show_labels or name == selected}
            if name == selected:
                node["itemStyle"] |= {"borderColor": "#1f1f1f", "borderWidth": 3}
                node["label"] |= {"fontWeight": "bold"}
        else:
            style = ORG_STYLE.get(role, ORG_STYLE["division"])
            node["symbol"] = style["symbol"]
            node["symbolSize"] = style["symbolSize"]
            node["itemStyle"] = {"color": style["color"]}
            node["label"] = {"show": True, "fontWeight": "bold"}
            node["tooltip"] = {"formatter": f"<b>{name}</b>"}
            node["select"] = {"disabled": True}
        data.append(node)
    links = []
    for a, b, attrs in graph.edges(data=True):
        tie = attrs.get("kind") == "tie"
        links.append(
            {
                "source": a,
                "target": b,
                "lineStyle": (
                    {"type": "dashed", "opacity": 0.45, "width": 1, "curveness": 0.15}
                    if tie
                    # A hair of curveness: ECharts draws some straight graph edges wrongly.
                    else {"opacity": 0.35, "width": 1, "curveness": 0.02}
                ),
            }
        )
    return {
        "tooltip": {"trigger": "item"},
        "animationDuration": 300,
        "animationDurationUpdate": 400,
        "series": [
            {
                "type": "graph",
                "layout": "none",
                "roam": False,
                "preserveAspect": True,
                "selectedMode": "single",
                **MARGINS,
                "label": {"position": "right", "fontSize": 11},
                "emphasis": {"focus": "adjacency", "label": {"show": True}},
                "select": {"itemStyle": {"borderColor": "#1f1f1f", "borderWidth": 3}},
                "data": data,
                "links": links,
            }
        ],
    }


def node_names(option: Mapping[str, Any]) -> list[str]:
    """Names of the nodes in series order (selection indices refer to this list)."""
    return [node["name"] for node in option["series"][0]["data"]]


def team_from_selection(
    selection: Mapping[str, Any] | None, names: Sequence[str], teams: Sequence[str]
) -> str | None:
    """The team a chart selection points at, or ``None`` for no team (or an org node).

    Args:
        selection: ``EChartsState.selection`` (``{"selected": [{"data_type", "data_indices",
            ...}], ...}``) or ``None``.
        names: Node names in series order (:func:`node_names`).
        teams: Names that are teams.
    """
    if not selection:
        return None
    team_set = set(teams)
    for group in selection.get("selected", []) or []:
        if group.get("data_type") not in ("node", "main"):
            continue
        for i in group.get("data_indices", []) or []:
            if 0 <= i < len(names) and names[i] in team_set:
                return names[i]
    return None


def pixel_position(
    position: tuple[float, float], width: float, height: float
) -> tuple[float, float]:
    """Where a layout position is drawn on a chart canvas of ``width`` × ``height`` pixels.

    The series box is the canvas minus :data:`MARGINS`; ECharts fits the layout's
    [0, ASPECT] × [0, 1] box into it keeping its aspect (centred), as
    ``preserveAspect`` does.
    """
    x, y = position
    inner_w = width - MARGINS["left"] - MARGINS["right"]
    inner_h = height - MARGINS["top"] - MARGINS["bottom"]
    if inner_w / inner_h > ASPECT:
        w, h = inner_h * ASPECT, inner_h
        x0, y0 = MARGINS["left"] + (inner_w - w) / 2, MARGINS["top"]
    else:
        w, h = inner_w, inner_w / ASPECT
        x0, y0 = MARGINS["left"], MARGINS["top"] + (inner_h - h) / 2
    return x0 + x / ASPECT * w, y0 + y * h


def show_network(
    option: dict[str, Any], *, key: str, on_select: Callable[[], None] | str = "rerun"
) -> Any:
    """Draw the org network with ``st.echarts_chart`` and return its selection state.

    Args:
        option: From :func:`network_option`.
        key: Widget key (keeps the selection and avoids remounting on data changes).
        on_select: ``"rerun"`` or a callback run before the rerun a node click causes.
    """
    import streamlit as st

    return st.echarts_chart(
        option,
        key=key,
        on_select=on_select,
        height=CHART_HEIGHT,
        alt="Org network: leadership, divisions and teams; size is GPUs held, colour is stress",
    )
