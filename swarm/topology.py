"""Overlay graphs: who may talk to whom.

A :class:`Topology` is an undirected graph on nodes ``0..n-1`` stored as symmetric CSR arrays
(``indptr`` int64, ``indices`` int32; each row sorted, no self-loops, no repeated edges), or,
for the complete graph, as nothing at all (``complete=True``): that is how 10^7 nodes fit.

Each generator is a frozen params dataclass (declared once with :func:`swarm.params.param`,
registered by name in ``swarm.registry.TOPOLOGIES``) whose :meth:`build` draws from the run's
``topology`` stream and calls a kernel in :mod:`swarm.kernels.topology`. Every edge list,
whatever its source, goes through :func:`from_edges`, the one CSR builder.

Registry names: ``complete``, ``k-out``, ``regular``, ``erdos-renyi``, ``watts-strogatz``,
``barabasi-albert``, ``ring``, ``grid``, ``torus``, ``geometric``, ``edgelist``.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import warnings
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from swarm.errors import ConfigError
from swarm.kernels import topology as kernels
from swarm.params import TopologyParams, param

__all__ = [
    "Topology",
    "MAX_EDGES",
    "build_topology",
    "from_networkx",
    "from_edges",
    "read_edge_list",
    "Complete",
    "KOut",
    "Regular",
    "ErdosRenyi",
    "WattsStrogatz",
    "BarabasiAlbert",
    "Ring",
    "Grid",
    "Torus",
    "Geometric",
    "EdgeList",
    "Given",
    "given_params",
]

#: Largest number of undirected edges a generator may be asked for (about 8 GB of indices);
#: beyond it :meth:`check` refuses with a ConfigError rather than running out of memory.
MAX_EDGES = 10**9

_EMPTY_INT64 = np.zeros(0, np.int64)
_EMPTY_INT32 = np.zeros(0, np.int32)


class Topology:
    """An undirected graph on nodes ``0..n-1``: symmetric CSR, or implicit complete.

    The neighbours of node ``i`` are ``indices[indptr[i]:indptr[i+1]]``, sorted ascending,
    without ``i`` itself and without repeats. For ``complete=True`` both arrays are empty and
    the neighbours of ``i`` are the ``n - 1`` others. ``positions`` (float64 ``(n, 2)``) is a
    layout in ``[0, 1]^2`` where the graph has a natural one (geometric, grid, torus), else None.

    The constructor checks shapes and dtypes only; :meth:`validate` checks the invariants.
    :meth:`provenance` says what a run ran on: name, nodes, edges and :meth:`sha256`.
    """

    __slots__ = ("n", "complete", "indptr", "indices", "positions", "name", "layout_cache",
                 "_sha256")

    n: int
    complete: bool
    indptr: np.ndarray
    indices: np.ndarray
    positions: np.ndarray | None
    name: str
    #: where ``swarm.layout.layout`` keeps this topology's drawing positions once computed
    layout_cache: np.ndarray | None

    def __init__(
        self,
        n: int,
        indptr: np.ndarray | None = None,
        indices: np.ndarray | None = None,
        *,
        complete: bool = False,
        positions: np.ndarray | None = None,
        name: str = "custom",
    ) -> None:
        n = int(n)
        if n < 0:
            raise ValueError(f"n = {n}: must be >= 0")
        self.n = n
        self.complete = bool(complete)
        self.name = str(name)
        if self.complete:
            if (indptr is not None and len(indptr)) or (indices is not None and len(indices)):
                raise ValueError("a complete topology stores no edge arrays")
            self.indptr = _EMPTY_INT64
            self.indices = _EMPTY_INT32
        else:
            if indptr is None or indices is None:
                raise ValueError("indptr and indices are required unless complete=True")
            indptr = np.ascontiguousarray(indptr, dtype=np.int64)
            indices = np.ascontiguousarray(indices, dtype=np.int32)
            if indptr.shape != (n + 1,) or indptr[0] != 0 or indptr[-1] != indices.shape[0]:
                raise ValueError(
                    f"indptr must have shape ({n + 1},), start at 0 and end at len(indices)"
                )
            self.indptr = indptr
            self.indices = indices
        if positions is not None:
            positions = np.ascontiguousarray(positions, dtype=np.float64)
            if positions.shape != (n, 2):
                raise ValueError(f"positions must have shape ({n}, 2), not {positions.shape}")
        self.positions = positions
        self.layout_cache = None
        self._sha256: str | None = None

    @classmethod
    def complete_graph(cls, n: int, *, name: str = "complete") -> Topology:
        """The implicit complete graph on ``n`` nodes (O(1) memory)."""
        return cls(n, complete=True, name=name)

    # -- queries ----------------------------------------------------------------------------
    def degree(self, i: int) -> int:
        """Number of neighbours of node ``i``."""
        self._check_node(i)
        if self.complete:
            return self.n - 1
        return int(self.indptr[i + 1] - self.indptr[i])

    def degrees(self) -> np.ndarray:
        """Degrees of all nodes, int64 ``(n,)``."""
        if self.complete:
            return np.full(self.n, max(self.n - 1, 0), np.int64)
        return np.diff(self.indptr)

    def neighbour(self, i: int, k: int) -> int:
        """The ``k``-th neighbour of node ``i`` (0-based, in ascending order)."""
        deg = self.degree(i)
        if not 0 <= k < deg:
            raise IndexError(f"node {i} has {deg} neighbours; k = {k} is out of range")
        if self.complete:
            return k if k < i else k + 1
        return int(self.indices[self.indptr[i] + k])

    def neighbours(self, i: int) -> np.ndarray:
        """The neighbours of node ``i``, ascending (int32; a view for CSR graphs)."""
        self._check_node(i)
        if self.complete:
            out = np.arange(self.n - 1, dtype=np.int32)
            out[i:] += 1
            return out
        return self.indices[self.indptr[i] : self.indptr[i + 1]]

    @property
    def n_edges(self) -> int:
        """Number of undirected edges."""
        if self.complete:
            return self.n * (self.n - 1) // 2
        return int(self.indices.shape[0]) // 2

    def edges(self) -> tuple[np.ndarray, np.ndarray]:
        """Every edge once, as int32 arrays ``(src, dst)`` with ``src < dst``, sorted.

        For a complete topology this materialises ``n (n - 1) / 2`` pairs: small ``n`` only.
        """
        if self.complete:
            src, dst = np.triu_indices(self.n, k=1)
            return src.astype(np.int32), dst.astype(np.int32)
        src = np.repeat(np.arange(self.n, dtype=np.int32), np.diff(self.indptr))
        keep = src < self.indices
        return src[keep], self.indices[keep]

    def sha256(self) -> str:
        """The hash of the edges: sha256 of ``indptr`` (int64) then ``indices`` (int32), both
        little-endian, so two topologies with the same edges on the same node ids have the
        same hash whatever built them; for the implicit complete graph, sha256 of the text
        ``complete <n>``. Positions are not part of it. Computed once (~0.2 s per 64 MB of
        indices, a 10^6-node k-out), then cached: treat the arrays as read-only."""
        if self._sha256 is None:
            digest = hashlib.sha256()
            if self.complete:
                digest.update(f"complete {self.n}".encode())
            else:
                digest.update(np.ascontiguousarray(self.indptr, dtype="<i8").view(np.uint8))
                digest.update(np.ascontiguousarray(self.indices, dtype="<i4").view(np.uint8))
            self._sha256 = digest.hexdigest()
        return self._sha256

    def provenance(self) -> dict[str, Any]:
        """What a run ran on: ``{"name", "nodes", "edges", "sha256"}`` (JSON-able)."""
        return {"name": self.name, "nodes": self.n, "edges": self.n_edges,
                "sha256": self.sha256()}

    def to_networkx(self) -> Any:
        """A ``networkx.Graph`` on nodes ``0..n-1`` (with node attribute ``pos`` if known)."""
        import networkx as nx

        graph = nx.complete_graph(self.n) if self.complete else nx.empty_graph(self.n)
        if not self.complete:
            src, dst = self.edges()
            graph.add_edges_from(zip(src.tolist(), dst.tolist(), strict=True))
        if self.positions is not None:
            for i, xy in enumerate(self.positions.tolist()):
                graph.nodes[i]["pos"] = tuple(xy)
        return graph

    def validate(self) -> None:
        """Raise ValueError unless the CSR invariants hold (sorted rows, no self-loops, no
        repeats, ids in range, symmetric). O(m log m); meant for tests and foreign arrays."""
        if self.complete:
            return
        n, indptr, indices = self.n, self.indptr, self.indices
        if np.any(np.diff(indptr) < 0):
            raise ValueError("indptr is not non-decreasing")
        if indices.size and (indices.min() < 0 or indices.max() >= n):
            raise ValueError("indices out of range 0..n-1")
        rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
        if np.any(rows == indices):
            raise ValueError("self-loop")
        same_row = rows[1:] == rows[:-1]
        if np.any(indices[1:][same_row] <= indices[:-1][same_row]):
            raise ValueError("a row is not strictly ascending (unsorted or repeated neighbour)")
        forward = rows * n + indices
        backward = np.sort(indices.astype(np.int64) * n + rows)
        if not np.array_equal(forward, backward):  # forward is sorted by construction
            raise ValueError("not symmetric")

    def _check_node(self, i: int) -> None:
        if not 0 <= i < self.n:
            raise IndexError(f"node {i} is out of range 0..{self.n - 1}")

    def __repr__(self) -> str:
        kind = "implicit" if self.complete else "csr"
        return f"Topology(name={self.name!r}, n={self.n}, n_edges={self.n_edges}, {kind})"


# -- building from edges ------------------------------------------------------------------


def from_edges(
    n: int,
    src: Any,
    dst: Any,
    *,
    name: str = "edges",
    positions: np.ndarray | None = None,
) -> Topology:
    """The undirected graph on ``0..n-1`` with edges ``(src[e], dst[e])``.

    Symmetrised, self-loops dropped, repeats merged, rows sorted (one O(n + m) counting-sort
    kernel). Ids outside ``0..n-1`` are a ConfigError.
    """
    n = int(n)
    src = np.asarray(src)
    dst = np.asarray(dst)
    if src.shape != dst.shape or src.ndim != 1:
        raise ConfigError("edges", f"shapes {src.shape}, {dst.shape}",
                          "src and dst must be 1-d arrays of equal length")
    if src.size and not (np.issubdtype(src.dtype, np.integer)
                         and np.issubdtype(dst.dtype, np.integer)):
        raise ConfigError("edges", f"dtypes {src.dtype}, {dst.dtype}",
                          "node ids must be integers")
    if src.size:
        lo = min(int(src.min()), int(dst.min()))
        hi = max(int(src.max()), int(dst.max()))
        if lo < 0 or hi >= n:
            bad = lo if lo < 0 else hi
            raise ConfigError("edges", bad, f"node ids must be in 0..{n - 1} for n = {n}")
    src = np.ascontiguousarray(src, dtype=np.int32)
    dst = np.ascontiguousarray(dst, dtype=np.int32)
    indptr, indices = kernels.csr_from_edges(n, src, dst)
    return Topology(n, indptr, indices, positions=positions, name=name)


def from_networkx(graph: Any, *, name: str = "networkx") -> Topology:
    """A Topology from a networkx graph.

    Nodes are relabelled ``0..n-1`` in ``sorted(graph.nodes)`` order when the labels sort,
    else in iteration order. Directed graphs are symmetrised, multi-edges merged, self-loops
    dropped. Positions come from the node attribute ``"pos"`` when every node has a 2-d one
    (taken as given, not rescaled into the unit square).
    """
    if not hasattr(graph, "nodes") or not hasattr(graph, "edges"):
        raise ConfigError("graph", type(graph).__name__, "must be a networkx graph")
    nodes = list(graph.nodes)
    if not nodes:
        raise ConfigError("graph", f"{type(graph).__name__} with 0 nodes",
                          "has no nodes (a topology needs at least one)")
    try:
        nodes = sorted(nodes)
    except TypeError:
        pass
    index = {node: i for i, node in enumerate(nodes)}
    n = len(nodes)
    pairs = [(index[u], index[v]) for u, v in graph.edges()]
    edges = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    positions = None
    pos = [graph.nodes[node].get("pos") for node in nodes]
    if n and all(p is not None for p in pos):
        try:
            arr = np.asarray(pos, dtype=np.float64)
        except (TypeError, ValueError):
            arr = None
        if arr is not None and arr.shape == (n, 2):
            positions = arr
    return from_edges(n, edges[:, 0], edges[:, 1], name=name, positions=positions)


_INT = re.compile(r"[+-]?\d+")


def read_edge_list(path: str | os.PathLike[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Parse an edge-list file into ``(src, dst)`` int64 arrays (not yet symmetrised).

    One ``u v`` pair of integer node ids per line; ``#`` starts a comment; blank lines are
    ignored; ids must be in ``0..n-1``; a self-loop is an error; repeated edges are allowed
    (merged later). Every problem is a one-line ConfigError on ``topology.path`` naming the
    file, the line number and what is wrong, never the line's text (the file may not be the
    user's to show: a message must not leak what it holds).
    """
    path = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as fh:
            fh.read(0)
    except OSError as exc:
        raise ConfigError("topology.path", path, f"cannot be read ({exc.strerror})") from None
    # Fast path: numpy's C parser. Any doubt (a parse error, a bad id) and the line-by-line
    # parser below runs instead, to name the offending line.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = np.loadtxt(path, comments="#", dtype=np.int64, ndmin=2, encoding="utf-8")
    except (ValueError, OverflowError, UnicodeDecodeError):
        data = None
    if data is not None:
        if data.size == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        if data.shape[1] == 2 and data.min() >= 0 and data.max() < n and not np.any(
            data[:, 0] == data[:, 1]
        ):
            return data[:, 0].copy(), data[:, 1].copy()
    return _read_edge_list_slow(path, n)


def _read_edge_list_slow(path: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    src: list[int] = []
    dst: list[int] = []
    try:
        with open(path, encoding="utf-8") as fh:
            for lineno, raw in enumerate(fh, start=1):
                text = raw.split("#", 1)[0].strip()
                if not text:
                    continue
                where = f"{path}:{lineno}"
                parts = text.split()
                # what is wrong, never the text itself (see the docstring above)
                if len(parts) != 2:
                    raise ConfigError(
                        "topology.path", where,
                        f"the line is not two integer node ids 'u v' (it has {len(parts)} "
                        + ("field)" if len(parts) == 1 else "fields)"),
                    )
                for which, part in zip(("first", "second"), parts, strict=True):
                    if not _INT.fullmatch(part):
                        raise ConfigError(
                            "topology.path", where,
                            f"the line is not two integer node ids 'u v' (the {which} field "
                            "is not an integer)",
                        )
                u, v = int(parts[0]), int(parts[1])
                for which, x in (("first", u), ("second", v)):
                    if not 0 <= x < n:
                        raise ConfigError(
                            "topology.path", where,
                            f"the {which} node id is out of range 0..{n - 1} for nodes = {n}",
                        )
                if u == v:
                    raise ConfigError(
                        "topology.path", where, "the line is a self-loop (both ids are equal)"
                    )
                src.append(u)
                dst.append(v)
    except OSError as exc:
        raise ConfigError("topology.path", path, f"cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError("topology.path", path, "is not UTF-8 text") from None
    return np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64)


# -- params -------------------------------------------------------------------------------


def _check_edge_budget(field: str, value: Any, nodes: int, n_edges: float) -> None:
    if n_edges > MAX_EDGES:
        raise ConfigError(
            f"topology.{field}", value,
            f"gives about {n_edges:.3g} edges for nodes = {nodes}, more than the limit "
            f"{MAX_EDGES:.0e}; use topology 'complete' for dense graphs",
        )


def _check_even(field: str, value: int) -> None:
    if value % 2:
        raise ConfigError(f"topology.{field}", value, "must be even")


def _check_below_nodes(field: str, value: int, nodes: int) -> None:
    if value > nodes - 1:
        raise ConfigError(
            f"topology.{field}", value, f"must be <= nodes - 1 = {nodes - 1} for nodes = {nodes}"
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Complete(TopologyParams):
    """Every node may talk to every other; stored implicitly (no edge list)."""

    name: ClassVar[str] = "complete"
    summary: ClassVar[str] = "every pair of nodes connected; implicit, O(1) memory"

    def build(self, n: int, rng: np.random.Generator) -> Topology:
        return Topology.complete_graph(n, name=self.name)


@dataclass(frozen=True, slots=True, kw_only=True)
class KOut(TopologyParams):
    """Each node picks ``k`` distinct uniform others; the union, symmetrised.

    Degrees are at least ``k`` (about ``2k`` on average: a node's own picks plus the nodes
    that picked it).
    """

    name: ClassVar[str] = "k-out"
    summary: ClassVar[str] = "each node links to k distinct uniform others, symmetrised"

    k: int = param(8, min=1, help="number of distinct uniform others each node links to")

    def check(self, nodes: int) -> None:
        _check_below_nodes("k", self.k, nodes)
        _check_edge_budget("k", self.k, nodes, nodes * self.k)

    def build(self, n: int, rng: np.random.Generator) -> Topology:
        import numba

        # two words of the topology stream key the counter-based picks (drawn in parallel)
        key0, key1 = (int(x) for x in rng.integers(0, 2**32, size=2, dtype=np.uint64))
        targets = kernels.k_out_picks(n, self.k, key0, key1)
        # what from_edges(n, repeat(arange(n), k), targets) gives, by a builder that knows
        # the shape (tests/unit/test_topology.py compares the two)
        indptr, indices = kernels.k_out_csr(n, self.k, targets, numba.get_num_threads())
        return Topology(n, indptr, indices, name=self.name)


@dataclass(frozen=True, slots=True, kw_only=True)
class Regular(TopologyParams):
    """Random ``d``-regular graph: configuration model, repaired by double-edge swaps.

    The ``n d`` stubs are shuffled and paired; the few self-loops and repeated edges (O(d^2)
    in expectation, independent of n) are then removed by random degree-preserving swaps with
    uniform edges, followed by a short run of uniform random swaps (a Markov chain whose
    stationary law is uniform) proportional to the number repaired. The result is exactly
    d-regular and simple, and *approximately* uniform among d-regular graphs: exactly
    uniform when the first pairing is simple (probability about exp(-(d^2 - 1) / 4)); else
    the repair's bias touches only the O(d^2) repaired edges and their neighbours (the
    exact-uniform alternative, re-pairing until simple, needs about exp((d^2 - 1) / 4)
    tries: 10^7 for d = 8). For ``d > (n-1)/2`` it builds the complement of a random
    ``(n-1-d)``-regular graph instead.
    """

    name: ClassVar[str] = "regular"
    summary: ClassVar[str] = "random d-regular graph (configuration model + swaps, ~uniform)"

    d: int = param(8, min=0, help="degree of every node; nodes * d must be even")

    def check(self, nodes: int) -> None:
        _check_below_nodes("d", self.d, nodes)
        if nodes * self.d % 2:
            raise ConfigError(
                "topology.d", self.d, f"must be even for nodes = {nodes} (nodes * d must be even)"
            )
        _check_edge_budget("d", self.d, nodes, nodes * self.d / 2)

    def build(self, n: int, rng: np.random.Generator) -> Topology:
        indptr, indices = _random_regular(n, self.d, rng)
        return Topology(n, indptr, indices, name=self.name)


def _random_regular(n: int, d: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    if d == 0:
        return np.zeros(n + 1, np.int64), np.zeros(0, np.int32)
    if 2 * d > n - 1:
        indptr, indices = _random_regular(n, n - 1 - d, rng)
        return kernels.csr_complement(n, indptr, indices)
    m = n * d // 2
    for _ in range(20):
        stubs = rng.permutation(n * d) // d
        eu = stubs[0::2].astype(np.int32)
        ev = stubs[1::2].astype(np.int32)
        if kernels.regular_repair(n, d, eu, ev, rng, 100 * m + 10_000):
            topo = from_edges(n, eu, ev)
            return topo.indptr, topo.indices
    raise RuntimeError(f"random {d}-regular graph on {n} nodes: swaps did not converge")


@dataclass(frozen=True, slots=True, kw_only=True)
class ErdosRenyi(TopologyParams):
    """G(n, p): each pair joined independently with probability ``p``.

    Generated by geometric skipping (Batagelj & Brandes, Phys. Rev. E 71, 036113, 2005) in
    O(n + m) time.
    """

    name: ClassVar[str] = "erdos-renyi"
    summary: ClassVar[str] = "G(n, p): each pair joined independently with probability p"

    p: float = param(0.01, min=0.0, max=1.0, help="probability that a given pair is joined")

    def check(self, nodes: int) -> None:
        _check_edge_budget("p", self.p, nodes, self.p * nodes * (nodes - 1) / 2)

    def build(self, n: int, rng: np.random.Generator) -> Topology:
        pairs = n * (n - 1) / 2
        mean = self.p * pairs
        capacity = int(mean + 6 * math.sqrt(mean * (1 - self.p)) + 1024)
        src, dst = kernels.erdos_renyi_edges(n, self.p, rng, capacity)
        return from_edges(n, src, dst, name=self.name)


class _RingLatticeParams(TopologyParams):
    """Shared checks of the ring-lattice family: ``k`` even, below the node count, and
    ``n k / 2`` edges within budget. Subclasses declare the field ``k``."""

    __slots__ = ()
    k: int

    def __post_init__(self) -> None:
        TopologyParams.__post_init__(self)
        _check_even("k", self.k)

    def check(self, nodes: int) -> None:
        _check_below_nodes("k", self.k, nodes)
        _check_edge_budget("k", self.k, nodes, nodes * self.k / 2)


@dataclass(frozen=True, slots=True, kw_only=True)
class WattsStrogatz(_RingLatticeParams):
    """Small world (Watts & Strogatz 1998) with networkx's semantics.

    A ring lattice with ``k/2`` neighbours on each side; each lattice edge ``(u, u+j)`` is
    rewired with probability ``p`` to ``(u, w)``, ``w`` uniform, avoiding self-loops and
    existing edges. The number of edges stays ``n k / 2``.
    """

    name: ClassVar[str] = "watts-strogatz"
    summary: ClassVar[str] = "ring lattice with each edge rewired with probability p"

    k: int = param(4, min=2, help="lattice degree (even): k/2 nearest neighbours on each side")
    p: float = param(0.1, min=0.0, max=1.0, help="probability that a lattice edge is rewired")

    def build(self, n: int, rng: np.random.Generator) -> Topology:
        src, dst = kernels.watts_strogatz_edges(n, self.k, self.p, rng)
        return from_edges(n, src, dst, name=self.name)


@dataclass(frozen=True, slots=True, kw_only=True)
class BarabasiAlbert(TopologyParams):
    """Preferential attachment (Barabási & Albert 1999) with networkx's semantics.

    A star on ``m + 1`` nodes, then each further node joins ``m`` distinct existing nodes
    chosen with probability proportional to degree: ``m (n - m)`` edges in all.
    """

    name: ClassVar[str] = "barabasi-albert"
    summary: ClassVar[str] = "preferential attachment: each new node joins m by degree"

    m: int = param(3, min=1, help="edges each new node brings (m < nodes)")

    def check(self, nodes: int) -> None:
        _check_below_nodes("m", self.m, nodes)
        _check_edge_budget("m", self.m, nodes, self.m * (nodes - self.m))

    def build(self, n: int, rng: np.random.Generator) -> Topology:
        src, dst = kernels.barabasi_albert_edges(n, self.m, rng)
        return from_edges(n, src, dst, name=self.name)


@dataclass(frozen=True, slots=True, kw_only=True)
class Ring(_RingLatticeParams):
    """Ring lattice: each node joined to its ``k/2`` nearest neighbours on each side."""

    name: ClassVar[str] = "ring"
    summary: ClassVar[str] = "ring lattice: k/2 nearest neighbours on each side"

    k: int = param(2, min=2, help="degree (even): k/2 nearest neighbours on each side")

    def build(self, n: int, rng: np.random.Generator) -> Topology:
        half = self.k // 2
        src = np.tile(np.arange(n, dtype=np.int64), half)
        dst = (src + np.repeat(np.arange(1, half + 1, dtype=np.int64), n)) % n
        return from_edges(n, src, dst, name=self.name)


def _grid_rows(rows: int | None, nodes: int) -> int:
    if rows is not None:
        return rows
    return max(r for r in range(1, math.isqrt(nodes) + 1) if nodes % r == 0)


def _check_grid_rows(rows: int | None, nodes: int) -> None:
    if rows is not None and nodes % rows:
        raise ConfigError("topology.rows", rows, f"must divide nodes = {nodes}")
    _check_edge_budget("rows", rows, nodes, 2 * nodes)


def _lattice(n: int, rows: int, *, wrap: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges and layout of a ``rows x cols`` 4-neighbour lattice; node ``r * cols + c``."""
    cols = n // rows
    ids = np.arange(n, dtype=np.int64).reshape(rows, cols)
    src = [ids[:, :-1].ravel(), ids[:-1, :].ravel()]
    dst = [ids[:, 1:].ravel(), ids[1:, :].ravel()]
    if wrap:
        src += [ids[:, -1], ids[-1, :]]
        dst += [ids[:, 0], ids[0, :]]
    # square cells, the longer side spanning [0, 1], the shorter one centred
    span = max(rows, cols) - 1
    r, c = np.divmod(np.arange(n, dtype=np.float64), cols)
    if span == 0:
        positions = np.full((n, 2), 0.5)
    else:
        positions = np.column_stack(
            [(c + (span - (cols - 1)) / 2) / span, (r + (span - (rows - 1)) / 2) / span]
        )
    return np.concatenate(src), np.concatenate(dst), positions


@dataclass(frozen=True, slots=True, kw_only=True)
class Grid(TopologyParams):
    """``rows x cols`` lattice, 4 neighbours (fewer on the border); node ``r * cols + c``."""

    name: ClassVar[str] = "grid"
    summary: ClassVar[str] = "2-d lattice, 4 neighbours, no wrap-around"
    wrap: ClassVar[bool] = False

    rows: int | None = param(
        None, min=1, help="rows of the lattice (must divide nodes); none: the largest "
        "divisor of nodes that is <= sqrt(nodes)",
    )

    def check(self, nodes: int) -> None:
        _check_grid_rows(self.rows, nodes)

    def build(self, n: int, rng: np.random.Generator) -> Topology:
        src, dst, positions = _lattice(n, _grid_rows(self.rows, n), wrap=self.wrap)
        return from_edges(n, src, dst, name=self.name, positions=positions)


@dataclass(frozen=True, slots=True, kw_only=True)
class Torus(Grid):
    """``rows x cols`` lattice that wraps around both ways (degree 4 when both >= 3)."""

    name: ClassVar[str] = "torus"
    summary: ClassVar[str] = "2-d lattice, 4 neighbours, wrapping around both ways"
    wrap: ClassVar[bool] = True


def geometric_radius(nodes: int) -> float:
    """The default radius ``sqrt(2 ln n / (pi n))`` (above the connectivity threshold
    ``sqrt(ln n / (pi n))``, Penrose 1997), capped at 1.0; 1.0 for a single node."""
    if nodes < 2:
        return 1.0
    return min(1.0, math.sqrt(2.0 * math.log(nodes) / (math.pi * nodes)))


@dataclass(frozen=True, slots=True, kw_only=True)
class Geometric(TopologyParams):
    """Random geometric graph: uniform points in the unit square, joined within ``radius``."""

    name: ClassVar[str] = "geometric"
    summary: ClassVar[str] = "uniform points in the unit square, joined within a radius"

    radius: float | None = param(
        None, min=0.0, help="connection radius; none: sqrt(2 ln n / (pi n)), capped at 1",
        units="unit-square lengths",
    )

    def check(self, nodes: int) -> None:
        radius = geometric_radius(nodes) if self.radius is None else self.radius
        share = min(1.0, math.pi * radius * radius)
        _check_edge_budget("radius", self.radius, nodes, share * nodes * (nodes - 1) / 2)

    def build(self, n: int, rng: np.random.Generator) -> Topology:
        radius = geometric_radius(n) if self.radius is None else self.radius
        positions = rng.random((n, 2))
        limit = math.isqrt(n) + 1
        # cells of side 1/cells >= radius (with a margin for rounding), at most ~n cells
        cells = limit if radius <= 0 else max(1, min(limit, int(1.0 / (radius * (1 + 1e-9)))))
        x = np.ascontiguousarray(positions[:, 0])
        y = np.ascontiguousarray(positions[:, 1])
        src, dst = kernels.geometric_edges(x, y, float(radius), cells)
        return from_edges(n, src, dst, name=self.name, positions=positions)


@dataclass(frozen=True, slots=True, kw_only=True)
class EdgeList(TopologyParams):
    """A graph read from a text file of ``u v`` lines (see :func:`read_edge_list`)."""

    name: ClassVar[str] = "edgelist"
    summary: ClassVar[str] = "read from a text file of 'u v' node-id pairs"

    path: str = param("", help="text file, one 'u v' pair of node ids (0..nodes-1) per line; "
                      "'#' starts a comment")

    def check(self, nodes: int) -> None:
        if not self.path:
            raise ConfigError("topology.path", self.path, "is required: a file of 'u v' lines")
        if os.path.isdir(self.path):
            raise ConfigError("topology.path", self.path, "is a directory, not a file of "
                              "'u v' lines")
        if not os.path.isfile(self.path):
            raise ConfigError("topology.path", self.path, "no such file")

    def build(self, n: int, rng: np.random.Generator) -> Topology:
        src, dst = read_edge_list(self.path, n)
        if src.size == 0 and n > 1:  # every node would be isolated: a wrong or empty file
            raise ConfigError("topology.path", self.path, "holds no edge (a file of 'u v' "
                              "node-id pairs, one per line)")
        return from_edges(n, src, dst, name=self.name)


_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Given(TopologyParams):
    """A graph given to the run (``simulate(..., topology=graph)``), not generated: what the
    scenario of such a run records in place of the generator it did not use. It cannot be
    built again from the scenario (it holds no edges); pass the graph again, and its hash
    must match. Not in ``swarm.registry.TOPOLOGIES`` (nothing to choose), but a scenario
    reads it."""

    name: ClassVar[str] = "given"
    summary: ClassVar[str] = "a graph passed to the run; recorded by name, edges and hash"

    source: str = param("custom", help="the given Topology's name (e.g. 'networkx')")
    edges: int = param(0, min=0, help="number of undirected edges of the given graph")
    sha256: str = param("0" * 64, help="sha256 of the graph's CSR arrays "
                        "(swarm.Topology.sha256)")

    def __post_init__(self) -> None:
        TopologyParams.__post_init__(self)
        if not _SHA256.fullmatch(self.sha256):
            raise ConfigError("topology.sha256", self.sha256, "must be 64 lowercase hex digits")

    def build(self, n: int, rng: np.random.Generator) -> Topology:
        raise ConfigError("topology", "given", f"the scenario ran on a given graph "
                          f"({self.source!r}, {self.edges} edges, sha256 {self.sha256[:12]}...) "
                          "that it does not store; pass the graph again: "
                          "simulate(scenario, topology=graph)")


def given_params(topology: Topology) -> TopologyParams:
    """The scenario's record of a topology given to a run: :class:`Given` (name, edges,
    hash), or :class:`Complete` for the implicit complete graph, which is exactly what that
    generator builds."""
    if topology.complete:
        return Complete()
    return Given(source=topology.name, edges=topology.n_edges, sha256=topology.sha256())


def build_topology(params: TopologyParams, n: int, rng: np.random.Generator) -> Topology:
    """Check ``params`` against ``n`` nodes, then build the graph from ``rng``."""
    params.check(n)
    return params.build(n, rng)  # type: ignore[attr-defined]
