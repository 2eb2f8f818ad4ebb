"""Topologies: CSR invariants, degrees, references, seeds, edge lists, parameter errors.

Where a generator is random, a plain-Python replay of the same algorithm drawing from the
same Generator (``rng.random()`` for every draw, as the kernels do) must give exactly the same
edges; a separate statistical check compares the kernel's output with theory, with the
tolerance derived in the test's docstring.
"""

from __future__ import annotations

import dataclasses
import math

import networkx as nx
import numpy as np
import pytest
from references import ref_uniform  # tests/unit/references.py

from swarm.errors import ConfigError
from swarm.kernels import topology as kernels
from swarm.kernels.parallel import CHUNK
from swarm.params import TopologyParams
from swarm.registry import TOPOLOGIES
from swarm.rng import stream
from swarm.topology import (
    MAX_EDGES,
    BarabasiAlbert,
    Complete,
    EdgeList,
    ErdosRenyi,
    Geometric,
    Grid,
    KOut,
    Regular,
    Ring,
    Topology,
    Torus,
    WattsStrogatz,
    _read_edge_list_slow,
    build_topology,
    from_edges,
    from_networkx,
    geometric_radius,
    read_edge_list,
)

# -- helpers ------------------------------------------------------------------------------


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def edge_set(topo: Topology) -> set[tuple[int, int]]:
    """Every edge once as ``(small, large)``, read row by row (independent of edges())."""
    out = set()
    for i in range(topo.n):
        for j in topo.neighbours(i).tolist():
            out.add((min(i, j), max(i, j)))
    return out


def assert_simple_symmetric(topo: Topology) -> None:
    """The CSR invariants, checked in plain Python (and by Topology.validate)."""
    assert topo.indptr.dtype == np.int64 and topo.indices.dtype == np.int32
    assert topo.indptr.shape == (topo.n + 1,)
    rows = {i: topo.neighbours(i).tolist() for i in range(topo.n)}
    for i, row in rows.items():
        assert i not in row, f"self-loop at {i}"
        assert row == sorted(set(row)), f"row {i} unsorted or repeated"
        for j in row:
            assert 0 <= j < topo.n
            assert i in rows[j], f"edge {i}-{j} not symmetric"
    assert topo.n_edges == len(edge_set(topo))
    topo.validate()


def n_components(topo: Topology) -> int:
    """Connected components by breadth-first search over the CSR arrays."""
    label = np.full(topo.n, -1, np.int64)
    count = 0
    for s in range(topo.n):
        if label[s] >= 0:
            continue
        label[s] = count
        frontier = np.array([s])
        while frontier.size:
            starts = topo.indptr[frontier]
            lens = topo.indptr[frontier + 1] - starts
            offsets = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(lens.sum())
            nbrs = np.unique(topo.indices[offsets])
            frontier = nbrs[label[nbrs] < 0]
            label[frontier] = count
        count += 1
    return count


def same_arrays(a: Topology, b: Topology) -> bool:
    pos_same = (a.positions is None and b.positions is None) or (
        a.positions is not None and b.positions is not None
        and np.array_equal(a.positions, b.positions)
    )
    return (
        a.n == b.n and np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices) and pos_same
    )


def nx_edge_set(graph: nx.Graph, relabel=None) -> set[tuple[int, int]]:
    out = set()
    for u, v in graph.edges():
        if relabel is not None:
            u, v = relabel(u), relabel(v)
        if u != v:
            out.add((min(u, v), max(u, v)))
    return out


# Small instances of every generator (edgelist aside), for the shared invariants.
SMALL = {
    "complete": (Complete(), 40),
    "k-out": (KOut(k=3), 300),
    "regular": (Regular(d=5), 300),
    "erdos-renyi": (ErdosRenyi(p=0.03), 300),
    "watts-strogatz": (WattsStrogatz(k=6, p=0.3), 300),
    "barabasi-albert": (BarabasiAlbert(m=3), 300),
    "ring": (Ring(k=4), 300),
    "grid": (Grid(), 300),
    "torus": (Torus(), 300),
    "geometric": (Geometric(), 300),
}
RANDOM = ["k-out", "regular", "erdos-renyi", "watts-strogatz", "barabasi-albert", "geometric"]


# -- registry and params ------------------------------------------------------------------


def test_registry_names_and_params_classes():
    assert set(TOPOLOGIES) == {
        "complete", "k-out", "regular", "erdos-renyi", "watts-strogatz", "barabasi-albert",
        "ring", "grid", "torus", "geometric", "edgelist",
    }
    for name, cls in TOPOLOGIES.items():
        assert issubclass(cls, TopologyParams)
        assert cls.name == name and cls.kind == "topology"
        assert cls.summary and "\n" not in cls.summary
        params = cls()
        for f in dataclasses.fields(cls):
            assert f.metadata["help"], f"{name}.{f.name} has no help"
            with pytest.raises(dataclasses.FrozenInstanceError):
                setattr(params, f.name, f.default)
        assert params.to_dict()["topology"] == name


@pytest.mark.parametrize(
    "make, field",
    [
        (lambda: KOut(k=0), "topology.k"),
        (lambda: KOut(k=5).check(5), "topology.k"),
        (lambda: Regular(d=3).check(7), "topology.d"),  # n * d odd
        (lambda: Regular(d=10).check(10), "topology.d"),  # d > n - 1
        (lambda: Regular(d=-1), "topology.d"),
        (lambda: ErdosRenyi(p=1.5), "topology.p"),
        (lambda: ErdosRenyi(p=-0.1), "topology.p"),
        (lambda: ErdosRenyi(p=1.0).check(10**6), "topology.p"),  # beyond MAX_EDGES
        (lambda: WattsStrogatz(k=3), "topology.k"),  # odd
        (lambda: WattsStrogatz(k=4).check(4), "topology.k"),  # k > n - 1
        (lambda: WattsStrogatz(p=2.0), "topology.p"),
        (lambda: BarabasiAlbert(m=0), "topology.m"),
        (lambda: BarabasiAlbert(m=5).check(5), "topology.m"),
        (lambda: Ring(k=3), "topology.k"),
        (lambda: Ring(k=0), "topology.k"),
        (lambda: Ring(k=10).check(10), "topology.k"),
        (lambda: Grid(rows=3).check(10), "topology.rows"),
        (lambda: Torus(rows=4).check(10), "topology.rows"),
        (lambda: Grid(rows=0), "topology.rows"),
        (lambda: Geometric(radius=-0.1), "topology.radius"),
        (lambda: EdgeList().check(10), "topology.path"),
        (lambda: EdgeList(path="/no/such/file.txt").check(10), "topology.path"),
    ],
)
def test_bad_params_name_the_field(make, field):
    with pytest.raises(ConfigError) as info:
        make()
    assert info.value.field == field
    assert str(info.value).startswith(field)
    assert "\n" not in str(info.value)


def test_n_dependent_errors_state_the_node_count():
    with pytest.raises(ConfigError, match="nodes = 7"):
        Regular(d=3).check(7)
    with pytest.raises(ConfigError, match="nodes = 10"):
        Grid(rows=3).check(10)


def test_build_topology_checks_before_building():
    with pytest.raises(ConfigError, match="topology.k"):
        build_topology(KOut(k=5), 3, rng())
    topo = build_topology(KOut(k=2), 3, rng())
    assert edge_set(topo) == {(0, 1), (0, 2), (1, 2)}


def test_edge_budget_constant_is_enforced_at_the_boundary():
    KOut(k=10).check(MAX_EDGES // 10)
    with pytest.raises(ConfigError, match="limit"):
        KOut(k=10).check(MAX_EDGES // 10 + 1)


# -- shared invariants --------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SMALL))
def test_csr_invariants(name):
    params, n = SMALL[name]
    topo = build_topology(params, n, rng(3))
    assert topo.name == name and topo.n == n
    if topo.complete:
        assert topo.indptr.shape == (0,) and topo.indices.shape == (0,)
        return
    assert_simple_symmetric(topo)
    degrees = topo.degrees()
    assert degrees.dtype == np.int64 and np.array_equal(degrees, np.diff(topo.indptr))
    for i in (0, n // 2, n - 1):
        assert topo.degree(i) == degrees[i]
        row = topo.neighbours(i)
        assert [topo.neighbour(i, k) for k in range(len(row))] == row.tolist()


@pytest.mark.parametrize("name", RANDOM)
def test_same_seed_same_arrays_different_seed_different(name):
    params, n = SMALL[name]
    a = build_topology(params, n, stream(11, "topology"))
    b = build_topology(params, n, stream(11, "topology"))
    c = build_topology(params, n, stream(12, "topology"))
    assert same_arrays(a, b)
    assert not same_arrays(a, c)


@pytest.mark.parametrize("name", ["complete", "ring", "grid", "torus"])
def test_deterministic_topologies_ignore_the_seed(name):
    params, n = SMALL[name]
    assert same_arrays(build_topology(params, n, rng(1)), build_topology(params, n, rng(2)))


@pytest.mark.parametrize(
    "params",
    [Complete(), ErdosRenyi(p=0.5), Grid(), Torus(), Geometric(), Regular(d=0)],
)
def test_single_node(params):
    topo = build_topology(params, 1, rng())
    assert topo.n == 1 and topo.n_edges == 0 and topo.degrees().tolist() == [0]


# -- Topology and complete ----------------------------------------------------------------


def test_complete_is_implicit_even_for_ten_million_nodes():
    n = 10**7
    topo = build_topology(Complete(), n, rng())
    assert topo.complete and topo.positions is None
    assert topo.indptr.shape == (0,) and topo.indices.shape == (0,)
    assert topo.degree(123) == n - 1 and topo.n_edges == n * (n - 1) // 2
    assert topo.neighbour(5, 4) == 4 and topo.neighbour(5, 5) == 6
    assert topo.neighbour(0, 0) == 1 and topo.neighbour(n - 1, n - 2) == n - 2


def test_complete_small_matches_networkx():
    topo = Complete().build(7, rng())
    assert topo.degrees().tolist() == [6] * 7
    for i in range(7):
        assert topo.neighbours(i).tolist() == [j for j in range(7) if j != i]
        assert [topo.neighbour(i, k) for k in range(6)] == topo.neighbours(i).tolist()
    assert edge_set(topo) == nx_edge_set(nx.complete_graph(7))
    src, dst = topo.edges()
    assert set(zip(src.tolist(), dst.tolist(), strict=True)) == edge_set(topo)


def test_neighbour_index_out_of_range():
    topo = Ring(k=2).build(5, rng())
    with pytest.raises(IndexError):
        topo.neighbour(0, 2)
    with pytest.raises(IndexError):
        Complete().build(5, rng()).neighbour(0, 4)


def test_validate_rejects_broken_arrays():
    with pytest.raises(ValueError, match="symmetric"):
        Topology(2, [0, 1, 1], [1]).validate()
    with pytest.raises(ValueError, match="self-loop"):
        Topology(2, [0, 1, 2], [0, 0]).validate()
    with pytest.raises(ValueError, match="ascending"):
        Topology(3, [0, 2, 3, 4], [2, 1, 0, 0]).validate()
    with pytest.raises(ValueError):
        Topology(3, [0, 1], [1])  # wrong indptr shape


# -- from_edges ---------------------------------------------------------------------------


def test_from_edges_symmetrises_dedupes_drops_loops_sorts():
    gen = rng(5)
    n = 50
    src = gen.integers(0, n, 400)
    dst = gen.integers(0, n, 400)
    topo = from_edges(n, src, dst, name="x")
    expected = {(min(u, v), max(u, v)) for u, v in zip(src.tolist(), dst.tolist(),
                                                        strict=True) if u != v}
    assert topo.name == "x"
    assert edge_set(topo) == expected
    assert_simple_symmetric(topo)


def test_from_edges_edge_cases():
    empty = from_edges(4, [], [])
    assert empty.n_edges == 0 and empty.degrees().tolist() == [0, 0, 0, 0]
    assert from_edges(0, [], []).indptr.tolist() == [0]
    assert from_edges(3, [1, 1, 2], [1, 2, 1]).n_edges == 1
    with pytest.raises(ConfigError, match="0..2"):
        from_edges(3, [0], [3])
    with pytest.raises(ConfigError):
        from_edges(3, [-1], [0])
    with pytest.raises(ValueError):
        from_edges(3, [0, 1], [1])
    with pytest.raises(ValueError):
        from_edges(3, [0.0], [1.0])


# -- ring, grid, torus: equal to networkx -------------------------------------------------


@pytest.mark.parametrize("n, k", [(3, 2), (10, 2), (11, 4), (30, 6), (9, 8)])
def test_ring_equals_networkx_circulant(n, k):
    topo = Ring(k=k).build(n, rng())
    assert edge_set(topo) == nx_edge_set(nx.circulant_graph(n, range(1, k // 2 + 1)))
    assert (topo.degrees() == k).all()
    assert n_components(topo) == 1
    assert topo.positions is None


@pytest.mark.parametrize("n, rows", [(12, None), (12, 2), (13, None), (7, 7), (36, None),
                                     (20, 5)])
@pytest.mark.parametrize("wrap", [False, True])
def test_grid_and_torus_equal_networkx(n, rows, wrap):
    params = Torus(rows=rows) if wrap else Grid(rows=rows)
    topo = build_topology(params, n, rng())
    r = rows if rows is not None else max(d for d in range(1, math.isqrt(n) + 1) if n % d == 0)
    cols = n // r
    ref = nx.grid_2d_graph(r, cols, periodic=wrap)
    assert edge_set(topo) == nx_edge_set(ref, relabel=lambda rc: rc[0] * cols + rc[1])
    assert_simple_symmetric(topo)
    assert n_components(topo) == 1
    degrees = topo.degrees()
    if wrap and r >= 3 and cols >= 3:
        assert (degrees == 4).all()
    elif not wrap and r >= 2 and cols >= 2:
        assert degrees.min() == 2 and degrees.max() <= 4
        assert (degrees == 2).sum() == 4  # the corners


def test_grid_default_rows_and_positions():
    assert Grid().build(12, rng()).n_edges == nx.grid_2d_graph(3, 4).number_of_edges()
    topo = Grid().build(12, rng())  # 3 rows x 4 columns, node r * 4 + c
    pos = topo.positions
    assert pos is not None and pos.shape == (12, 2)
    assert pos.min() >= 0.0 and pos.max() <= 1.0
    assert pos[:, 0].min() == 0.0 and pos[:, 0].max() == 1.0  # the long side spans [0, 1]
    step = 1.0 / 3
    for u, v in edge_set(topo):  # neighbours are one cell apart, cells square
        assert math.dist(pos[u], pos[v]) == pytest.approx(step)
    assert Torus().build(13, rng()).degrees().tolist() == [2] * 13  # 1 row: a cycle


# -- k-out --------------------------------------------------------------------------------


def _below(gen: np.random.Generator, m: int) -> int:
    return min(int(gen.random() * m), m - 1)


def ref_k_out(n: int, k: int, gen: np.random.Generator) -> set[tuple[int, int]]:
    """Floyd's sampling of k of the n - 1 others per node, node i's pick jj drawn from the
    counter-based stream keyed by two words of ``gen`` (as KOut.build does)."""
    key = tuple(int(x) for x in gen.integers(0, 2**32, size=2, dtype=np.uint64))
    edges = set()
    for i in range(n):
        chosen: set[int] = set()
        for jj, j in enumerate(range(n - 1 - k, n - 1)):
            t = min(int(ref_uniform(key, 0, i, jj) * (j + 1)), j)
            chosen.add(j if t in chosen else t)
        assert len(chosen) == k
        for t in chosen:
            w = t if t < i else t + 1
            edges.add((min(i, w), max(i, w)))
    return edges


def test_k_out_equals_reference():
    assert edge_set(KOut(k=4).build(60, rng(2))) == ref_k_out(60, 4, rng(2))
    n = 2 * CHUNK + 9  # several chunks of nodes, the last ending mid-pair
    assert edge_set(KOut(k=2).build(n, rng(3))) == ref_k_out(n, 2, rng(3))


def test_k_out_degrees():
    """Mean degree: a node has its k picks plus the nodes that picked it unasked, so
    E[deg] = 2k - k^2/(n-1). Mutual pairs M ~ Binomial(n(n-1)/2, (k/(n-1))^2) so the
    mean degree 2(nk - M)/n has sd 2 sqrt(E[M]) / n; tolerance 5 sd."""
    n, k = 2000, 8
    topo = KOut(k=k).build(n, rng(4))
    degrees = topo.degrees()
    assert degrees.min() >= k
    expected_mutual = n * k * k / (2 * (n - 1))
    assert abs(degrees.mean() - (2 * k - k * k / (n - 1))) < 5 * 2 * math.sqrt(expected_mutual) / n
    assert n_components(topo) == 1


def test_k_out_picks_are_uniform_subsets():
    """Node 0 of n = 5 picking k = 2: each of the 6 pairs of others with probability 1/6.
    6000 draws: each count ~ Binomial(6000, 1/6), sd ~ 29; tolerance 5 sd."""
    counts: dict[tuple[int, ...], int] = {}
    for key in range(6000):
        picks = tuple(sorted(kernels.k_out_picks(5, 2, key, 7)[:2].tolist()))
        counts[picks] = counts.get(picks, 0) + 1
    assert set(counts) == {(a, b) for a in range(1, 5) for b in range(a + 1, 5)}
    assert all(abs(c - 1000) < 5 * 29 for c in counts.values())


@pytest.mark.parametrize("n, k", [(2, 1), (3, 2), (5, 4), (40, 1), (60, 3), (3000, 7),
                                  (20_000, 20), (9000, 40)])
def test_k_out_csr_equals_the_general_builder(n, k):
    """The k-out builder (``k_out_csr``) gives exactly the arrays of ``csr_from_edges`` on
    the same picks: sorted rows, a mutual pick merged into one edge, same dtypes. 20,000 and
    9,000 nodes span several buckets of destinations (``CHUNK`` = 4096 each, the last one
    partial); k = 40 takes the long-row sort."""
    targets = kernels.k_out_picks(n, k, n, k)
    sources = np.repeat(np.arange(n, dtype=np.int32), k)
    want_ptr, want_idx = kernels.csr_from_edges(n, sources, targets)
    for parts in (1, 2, 3):  # source ranges of the bucket scatter: the same arrays
        ptr, idx = kernels.k_out_csr(n, k, targets.copy(), parts)
        assert ptr.dtype == want_ptr.dtype and idx.dtype == want_idx.dtype
        assert np.array_equal(ptr, want_ptr) and np.array_equal(idx, want_idx)


def test_k_out_all_others_is_complete():
    topo = KOut(k=9).build(10, rng())
    assert (topo.degrees() == 9).all()


# -- regular ------------------------------------------------------------------------------


def test_regular_degrees_and_connectivity():
    topo = Regular(d=8).build(3000, rng(1))
    assert (topo.degrees() == 8).all()
    topo.validate()
    # random d-regular graphs with d >= 3 are connected w.h.p.; fixed seed
    sparse = Regular(d=3).build(2000, rng(2))
    assert (sparse.degrees() == 3).all()
    assert n_components(sparse) == 1


def test_regular_every_small_case():
    """Every feasible (n, d) with n <= 12, including the dense ones built as complements."""
    for n in range(1, 13):
        for d in range(n):
            if n * d % 2:
                continue
            topo = Regular(d=d).build(n, rng(n * 100 + d))
            assert (topo.degrees() == d).all(), (n, d)
            topo.validate()


def test_regular_is_nearly_uniform_on_a_tiny_case():
    """2-regular graphs on 6 labelled nodes: 60 hexagons and 10 pairs of triangles, so
    P(two triangles) = 1/7 under the uniform law. 4000 builds: sd sqrt(p(1-p)/4000) = 0.0055;
    tolerance 4 sd = 0.022 (the repair without mixing gave 0.09, far outside)."""
    gen = rng(5)
    triangles = 0
    for _ in range(4000):
        topo = Regular(d=2).build(6, gen)
        a, b = topo.neighbours(0).tolist()
        triangles += b in topo.neighbours(a)
    assert abs(triangles / 4000 - 1 / 7) < 0.022


def test_regular_repair_fixes_a_bad_pairing():
    """A pairing full of self-loops and repeats comes out simple with the same degrees."""
    n, d = 8, 3
    eu = np.array([0, 1, 2, 3, 4, 4, 5, 6, 0, 4, 7, 7], np.int32)
    ev = np.array([0, 1, 2, 3, 5, 5, 6, 7, 1, 2, 3, 6], np.int32)  # 4 loops; 4-5, 6-7 twice
    assert sorted(np.concatenate([eu, ev]).tolist()) == sorted(list(range(n)) * d)
    assert kernels.regular_repair(n, d, eu, ev, rng(1), 10**6)
    topo = from_edges(n, eu, ev)
    assert (topo.degrees() == d).all() and topo.n_edges == n * d // 2
    # only self-loops, d = 2: every swap would join the same pair twice, so no swap is ever
    # taken; the kernel gives up after max_attempts (the caller then re-pairs the stubs)
    loops = np.arange(6, dtype=np.int32)
    assert not kernels.regular_repair(6, 2, loops, loops.copy(), rng(1), 1000)


# -- Erdos-Renyi --------------------------------------------------------------------------


def ref_erdos_renyi(n: int, p: float, gen: np.random.Generator) -> set[tuple[int, int]]:
    """Batagelj & Brandes (2005), algorithm 1, drawing as the kernel does."""
    edges = set()
    if p <= 0 or n < 2:
        return edges
    log_q = math.log1p(-p) if p < 1 else 0.0
    v, w = 1, -1
    while v < n:
        skip = int(math.log1p(-gen.random()) / log_q) if p < 1 else 0
        w += 1 + skip
        while w >= v and v < n:
            w -= v
            v += 1
        if v < n:
            edges.add((w, v))
    return edges


@pytest.mark.parametrize("n, p", [(80, 0.1), (200, 0.01), (30, 0.9), (30, 1.0)])
def test_erdos_renyi_equals_reference(n, p):
    assert edge_set(ErdosRenyi(p=p).build(n, rng(6))) == ref_erdos_renyi(n, p, rng(6))


def test_erdos_renyi_mean_degree():
    """The edge count is Binomial(N = n(n-1)/2, p), so the mean degree 2M/n has mean
    p(n-1) and sd 2 sqrt(N p (1-p)) / n = 0.141 for n = 2000, p = 0.01; tolerance 5 sd."""
    n, p = 2000, 0.01
    degrees = ErdosRenyi(p=p).build(n, rng(7)).degrees()
    pairs = n * (n - 1) / 2
    assert abs(degrees.mean() - p * (n - 1)) < 5 * 2 * math.sqrt(pairs * p * (1 - p)) / n


def test_erdos_renyi_extremes():
    assert ErdosRenyi(p=0.0).build(100, rng()).n_edges == 0
    assert ErdosRenyi(p=1.0).build(30, rng()).n_edges == 30 * 29 // 2


# -- Watts-Strogatz -----------------------------------------------------------------------


def ref_watts_strogatz(n: int, k: int, p: float, gen: np.random.Generator) -> nx.Graph:
    """networkx.watts_strogatz_graph's code, with seed.random() and seed.choice(nodes)
    both drawn as the kernel draws them."""
    graph = nx.empty_graph(n)
    nodes = list(range(n))
    for j in range(1, k // 2 + 1):
        targets = nodes[j:] + nodes[0:j]
        graph.add_edges_from(zip(nodes, targets, strict=True))
    for j in range(1, k // 2 + 1):
        targets = nodes[j:] + nodes[0:j]
        for u, v in zip(nodes, targets, strict=True):
            if gen.random() < p:
                w = nodes[_below(gen, n)]
                while w == u or graph.has_edge(u, w):
                    w = nodes[_below(gen, n)]
                    if graph.degree(u) >= n - 1:
                        break
                else:
                    graph.remove_edge(u, v)
                    graph.add_edge(u, w)
    return graph


@pytest.mark.parametrize("n, k, p", [(100, 4, 0.2), (40, 6, 1.0), (7, 4, 0.9), (5, 4, 1.0)])
def test_watts_strogatz_equals_networkx_code(n, k, p):
    topo = WattsStrogatz(k=k, p=p).build(n, rng(8))
    assert edge_set(topo) == nx_edge_set(ref_watts_strogatz(n, k, p, rng(8)))
    assert topo.n_edges == n * k // 2


def test_watts_strogatz_zero_p_is_the_ring():
    assert same_arrays(WattsStrogatz(k=6, p=0.0).build(50, rng()), Ring(k=6).build(50, rng()))


def test_watts_strogatz_rewired_share():
    """Each of the m = nk/2 lattice edges is rewired with probability p (rewired edges
    landing back on the lattice are negligible here), so the number of non-lattice edges is
    ~Binomial(m, p): 400 +- 19 for n = 2000, k = 4, p = 0.1; tolerance 5 sd."""
    n, k, p = 2000, 4, 0.1
    topo = WattsStrogatz(k=k, p=p).build(n, rng(9))
    lattice = edge_set(Ring(k=k).build(n, rng()))
    m = n * k // 2
    rewired = len(edge_set(topo) - lattice)
    assert abs(rewired - m * p) < 5 * math.sqrt(m * p * (1 - p))
    assert topo.degrees().min() >= k // 2  # a node keeps its own k/2 forward edges


# -- Barabasi-Albert ----------------------------------------------------------------------


def ref_barabasi_albert(n: int, m: int, gen: np.random.Generator) -> set[tuple[int, int]]:
    """networkx.barabasi_albert_graph's code (star start, repeated-nodes list), drawing
    seed.choice as the kernel does. networkx extends the list by a set of targets; here the
    targets keep their draw order (the list's order does not change the distribution)."""
    graph = nx.star_graph(m)
    repeated = [node for node, deg in graph.degree() for _ in range(deg)]
    for source in range(m + 1, n):
        targets: dict[int, None] = {}
        while len(targets) < m:
            targets[repeated[_below(gen, len(repeated))]] = None
        graph.add_edges_from((source, t) for t in targets)
        repeated.extend(targets)
        repeated.extend([source] * m)
    return nx_edge_set(graph)


@pytest.mark.parametrize("n, m", [(200, 3), (50, 1), (30, 29)])
def test_barabasi_albert_equals_networkx_code(n, m):
    assert edge_set(BarabasiAlbert(m=m).build(n, rng(10))) == ref_barabasi_albert(n, m, rng(10))


def test_barabasi_albert_edges_and_degree_law():
    """Edge count m(n - m) (networkx's convention: a star on m + 1 nodes, then m per node).
    Degree law P(k) = 2m(m+1) / (k(k+1)(k+2)) (Bollobás et al. 2001), so P(m) = 2/(m+2)
    = 0.4 for m = 3; sd of the share over n = 20000 nodes ~ sqrt(0.24/n) = 0.0035;
    tolerance 0.02 covers 5 sd plus the O(1/n) finite-size correction."""
    n, m = 20000, 3
    topo = BarabasiAlbert(m=m).build(n, rng(11))
    degrees = topo.degrees()
    assert topo.n_edges == m * (n - m)
    assert degrees.min() >= m
    assert abs((degrees == m).mean() - 2 / (m + 2)) < 0.02
    assert n_components(topo) == 1


# -- geometric ----------------------------------------------------------------------------


@pytest.mark.parametrize("radius", [0.1, None, 0.0, 0.02, 2.0])
def test_geometric_equals_brute_force(radius):
    n = 300
    topo = Geometric(radius=radius).build(n, rng(12))
    pos = topo.positions
    assert pos is not None and pos.shape == (n, 2)
    assert pos.min() >= 0.0 and pos.max() < 1.0
    r = geometric_radius(n) if radius is None else radius
    expected = set()
    for i in range(n):
        for j in range(i + 1, n):
            dx = pos[i, 0] - pos[j, 0]
            dy = pos[i, 1] - pos[j, 1]
            if dx * dx + dy * dy <= r * r:
                expected.add((i, j))
    assert edge_set(topo) == expected
    if radius == 2.0:
        assert topo.n_edges == n * (n - 1) // 2


def test_geometric_default_radius():
    n = 10_000
    assert geometric_radius(n) == pytest.approx(math.sqrt(2 * math.log(n) / (math.pi * n)))
    assert geometric_radius(1) == 1.0
    degrees = Geometric().build(n, rng(13)).degrees()
    # mean degree ~ n pi r^2 = 2 ln n = 18.4, less the border loss (<= 4r/1 share ~ 4%)
    assert 0.9 * 2 * math.log(n) < degrees.mean() < 2 * math.log(n)


# -- from_networkx ------------------------------------------------------------------------


def test_from_networkx_round_trip():
    topo = ErdosRenyi(p=0.05).build(120, rng(14))
    back = from_networkx(topo.to_networkx())
    assert same_arrays(topo, back)
    geo = Geometric().build(200, rng(15))
    back = from_networkx(geo.to_networkx())
    assert same_arrays(geo, back)  # positions travel as the "pos" attribute


def test_from_networkx_relabelling_direction_loops_and_positions():
    g = nx.Graph([("b", "a"), ("c", "b"), ("c", "c")])
    topo = from_networkx(g)
    assert edge_set(topo) == {(0, 1), (1, 2)}  # a=0, b=1, c=2; the self-loop dropped
    assert topo.positions is None

    mixed = nx.Graph()
    mixed.add_edge("x", 1)  # unsortable labels: iteration order, x=0, 1=1
    mixed.add_edge(1, 2.5)
    assert edge_set(from_networkx(mixed)) == {(0, 1), (1, 2)}

    d = nx.DiGraph([(0, 1), (1, 0), (2, 1)])
    assert edge_set(from_networkx(d)) == {(0, 1), (1, 2)}
    multi = nx.MultiGraph([(0, 1), (0, 1), (1, 2)])
    assert from_networkx(multi).n_edges == 2

    geo = nx.random_geometric_graph(50, 0.2, seed=1)
    topo = from_networkx(geo)
    assert np.allclose(topo.positions, [geo.nodes[i]["pos"] for i in range(50)])
    assert edge_set(topo) == nx_edge_set(geo)
    del geo.nodes[3]["pos"]
    assert from_networkx(geo).positions is None  # not every node has one


# -- edge lists ---------------------------------------------------------------------------


def test_edge_list_good_file(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("# a comment\n0 1\n1 2  # trailing comment\n\n   \n2 0\n1 0\n3\t4\n")
    topo = build_topology(EdgeList(path=str(path)), 6, rng())
    assert topo.name == "edgelist"
    assert edge_set(topo) == {(0, 1), (1, 2), (0, 2), (3, 4)}
    assert topo.degree(5) == 0
    src, dst = read_edge_list(path, 6)
    slow_src, slow_dst = _read_edge_list_slow(str(path), 6)
    assert src.tolist() == slow_src.tolist() == [0, 1, 2, 1, 3]
    assert dst.tolist() == slow_dst.tolist() == [1, 2, 0, 0, 4]


def test_edge_list_empty_file(tmp_path):
    """A file with no edge leaves every node isolated: refused as a wrong file (issue 12),
    except for a single node, which has no edge to list."""
    path = tmp_path / "empty.txt"
    path.write_text("# nothing here\n")
    with pytest.raises(ConfigError, match="topology.path = .*holds no edge"):
        EdgeList(path=str(path)).build(3, rng())
    assert EdgeList(path=str(path)).build(1, rng()).n_edges == 0


SECRET = "s3cr3t-Zq7"


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("0 1\nfoo bar\n", 2, "the first field is not an integer"),
        ("0 1\n# c\n0 1 2\n", 3, "not two integer node ids 'u v' (it has 3 fields)"),
        ("1.5 2\n", 1, "the first field is not an integer"),
        ("0\n", 1, "(it has 1 field)"),
        ("0 1\n1 2\n2 5\n", 3, "the second node id is out of range 0..4"),
        ("-1 2\n", 1, "the first node id is out of range 0..4"),
        ("0 1\n\n3 3\n", 3, "self-loop"),
        (f"root:x:0:0:{SECRET}:/root:/bin/bash\n", 1, "(it has 1 field)"),
        (f"0 1\n{SECRET} 1\n", 2, "the first field is not an integer"),
        (f"0 1\n# {SECRET}\n1 {SECRET}\n", 3, "the second field is not an integer"),
        (f"0 1 {SECRET}\n", 1, "(it has 3 fields)"),
        ("0 1\n4 918273645\n", 2, "the second node id is out of range 0..4"),
    ],
)
def test_edge_list_errors_name_file_and_line_and_never_quote_it(tmp_path, text, line, words):
    """An edge-list error names the file, the line number and what is wrong, and never
    quotes the line: the file may be one the reader of the message must not see (issue 12)."""
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        EdgeList(path=str(path)).build(5, rng())
    message = str(info.value)
    assert info.value.field == "topology.path"
    assert f"{path}:{line}" in message and words in message, message
    bad_line = text.splitlines()[line - 1]
    for token in bad_line.split():
        if len(token) > 2:  # short ids may appear in the path or the range 0..4 anyway
            assert token not in message, message
    assert SECRET not in message and "918273645" not in message
    assert "\n" not in message


def test_edge_list_missing_file_names_the_path(tmp_path):
    missing = tmp_path / "absent.txt"
    with pytest.raises(ConfigError, match="absent.txt"):
        EdgeList(path=str(missing)).build(5, rng())
    with pytest.raises(ConfigError, match="absent.txt"):
        build_topology(EdgeList(path=str(missing)), 5, rng())
    with pytest.raises(ConfigError, match="topology.path"):
        read_edge_list(tmp_path, 5)  # a directory


# -- scale (slow) -------------------------------------------------------------------------


@pytest.mark.slow
def test_million_node_generators():
    n = 10**6
    k_out = KOut(k=20).build(n, rng(1))
    assert k_out.degrees().min() >= 20
    assert abs(k_out.degrees().mean() - 40) < 0.01
    regular = Regular(d=8).build(n, rng(2))
    assert (regular.degrees() == 8).all()
    regular.validate()
    assert n_components(regular) == 1
