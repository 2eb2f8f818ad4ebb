"""Where nodes are drawn: a deterministic layout in ``[0, 1]^2`` for any topology.

- Topologies with natural positions (geometric, grid, torus) keep them.
- Ring lattices and Watts–Strogatz graphs (rings with shortcuts) go round a circle in id order,
  so the lattice shows.
- Small graphs of any other kind (at most ``SPRING_MAX_NODES`` nodes, e.g. a networkx graph or
  an edge list) get a spring layout (networkx, fixed seed).
- Everything else — the complete graph, random graphs, large graphs — goes on a sunflower
  (Vogel) spiral in id order: even density, no overlap, O(n) and instant at 10^6 nodes. A
  random graph has no shape worth an O(n^2) force layout.

No randomness is drawn from the run's streams, so the same topology always gets the same
layout: the dashboard, ``partition by = "line"`` and ``crash select = "region"`` agree on
where every node is, and a scenario that cuts along a line replays exactly.
"""

from __future__ import annotations

import numpy as np

from swarm.topology import Topology

__all__ = ["layout", "SPRING_MAX_NODES", "CIRCLE_TOPOLOGIES"]

SPRING_MAX_NODES = 500
CIRCLE_TOPOLOGIES = ("ring", "watts-strogatz")
_GOLDEN_ANGLE = np.pi * (3.0 - np.sqrt(5.0))


def layout(topology: Topology) -> np.ndarray:
    """float64 ``(n, 2)`` positions in ``[0, 1]^2``, computed once per topology object."""
    cached = topology.layout_cache
    if cached is None:
        cached = topology.layout_cache = _compute(topology)
    return cached


def _compute(topology: Topology) -> np.ndarray:
    n = topology.n
    if topology.positions is not None:
        return topology.positions
    if n <= 1:
        return np.full((n, 2), 0.5)
    i = np.arange(n, dtype=np.float64)
    if topology.name in CIRCLE_TOPOLOGIES:
        angle = 2 * np.pi * i / n
        return _unit(np.column_stack([np.cos(angle), np.sin(angle)]))
    if not topology.complete and n <= SPRING_MAX_NODES and topology.n_edges:
        import networkx as nx

        pos = nx.spring_layout(topology.to_networkx(), seed=0)
        return _unit(np.array([pos[k] for k in range(n)], dtype=np.float64))
    radius = np.sqrt((i + 0.5) / n)
    angle = i * _GOLDEN_ANGLE
    return _unit(np.column_stack([radius * np.cos(angle), radius * np.sin(angle)]))


def _unit(xy: np.ndarray) -> np.ndarray:
    """Scale into ``[0.02, 0.98]^2`` keeping the aspect ratio (a margin for node radii)."""
    lo = xy.min(axis=0)
    span = float(np.max(xy.max(axis=0) - lo)) or 1.0
    out = (xy - lo) / span
    out += (1.0 - out.max(axis=0)) / 2  # centre the shorter axis
    return np.ascontiguousarray(0.02 + 0.96 * out)
