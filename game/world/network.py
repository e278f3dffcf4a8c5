"""The org network: leadership → divisions → teams, plus ties between teams.

The graph is a :class:`networkx.Graph` with node attribute ``role`` in
``{"leadership", "division", "reallocation", "team"}``. Ties between teams carry a
``weight`` (channel strength) and feed emotional contagion and the choice of
negotiation partners through a sparse adjacency matrix over the teams.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import scipy.sparse as sp

from agents.emotion import Ties
from agents.table import KIND_NAMES, PRODUCT, RESEARCH

LEADERSHIP = "Leadership"
DIVISIONS = ("Research division", "Applied division")
REALLOCATION = "Reallocation group"


@dataclass(frozen=True)
class OrgNetwork:
    """The org graph and the team-to-team adjacency used by the vectorised phases.

    Attributes:
        graph: Full org graph (leadership, divisions, reallocation group, teams).
        ties: ``(n, n)`` CSR matrix of tie strengths between teams (symmetric).
        contagion: The same ties checked and prepared once for the weekly contagion.
    """

    graph: nx.Graph
    ties: sp.csr_matrix
    contagion: Ties


def build_org_network(
    names: list[str],
    kind: np.ndarray,
    *,
    ties_per_team: int,
    cross_division_share: float,
    tie_strength: float,
    rng: np.random.Generator,
) -> OrgNetwork:
    """Build the org network for a lab.

    Each team gets ``ties_per_team`` ties to random other teams, a share of them
    across the research/product divide; duplicate draws and self-ties are dropped.

    Args:
        names: Team names (row order of the team table).
        kind: Division per team (0 research, 1 product).
        ties_per_team: Ties drawn per team.
        cross_division_share: Probability a drawn tie crosses divisions.
        tie_strength: Channel strength of every tie.
        rng: The model's generator.
    """
    n = len(names)
    groups = [np.flatnonzero(kind == k) for k in (RESEARCH, PRODUCT)]
    src_list, dst_list = [], []
    if n > 1 and ties_per_team > 0:
        src = np.repeat(np.arange(n), ties_per_team)
        cross = rng.random(src.size) < cross_division_share
        own_kind = kind[src]
        target_kind = np.where(cross, 1 - own_kind, own_kind)
        dst = np.empty_like(src)
        for k in (RESEARCH, PRODUCT):
            pool = groups[k]
            sel = target_kind == k
            if pool.size == 0:
                # No team in that division: fall back to the other one.
                pool = groups[1 - k]
            dst[sel] = pool[rng.integers(0, pool.size, sel.sum())]
        keep = src != dst
        src_list, dst_list = src[keep], dst[keep]
    rows = np.concatenate([src_list, dst_list]).astype(np.int64)
    cols = np.concatenate([dst_list, src_list]).astype(np.int64)
    ties = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n))
    ties.data[:] = tie_strength  # duplicates summed above; strength is per tie, not per draw
    ties.eliminate_zeros()

    graph = nx.Graph()
    graph.add_node(LEADERSHIP, role="leadership")
    graph.add_node(REALLOCATION, role="reallocation")
    graph.add_edge(LEADERSHIP, REALLOCATION, kind="reports")
    for division in DIVISIONS:
        graph.add_node(division, role="division")
        graph.add_edge(LEADERSHIP, division, kind="reports")
    for i, name in enumerate(names):
        graph.add_node(name, role="team", kind=KIND_NAMES[int(kind[i])], index=i)
        graph.add_edge(DIVISIONS[int(kind[i])], name, kind="reports")
    coo = sp.triu(ties, k=1).tocoo()
    graph.add_edges_from(
        (names[a], names[b], {"kind": "tie", "weight": float(w)})
        for a, b, w in zip(coo.row, coo.col, coo.data, strict=True)
    )
    return OrgNetwork(graph=graph, ties=ties, contagion=Ties.of(ties))
