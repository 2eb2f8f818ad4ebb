"""Numba kernels that generate overlay graphs and build their CSR arrays.

Functions of arrays and scalars (and a numpy ``Generator``) only: no objects, no I/O, no
validation. :mod:`swarm.topology` checks the parameters, calls these, and wraps the result.

Randomness: every draw is ``rng.random()`` (a float in [0, 1) from the caller's Generator,
the same stream numpy would give), turned into an integer in ``0..m-1`` by
:func:`uniform_below` — except k-out's picks, which are counter-based
(``swarm.kernels.philox``, keyed from the caller's Generator) so that they are drawn in
parallel. The tests replay each generator in plain Python with the same draws and
compare the edges exactly.

Node ids are int32 (``swarm.config.MAX_NODES`` is 2**31 - 1); offsets and counts are int64.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from swarm.kernels.parallel import CHUNK, chunk_range, chunks_of
from swarm.kernels.philox import fill_pairs

__all__ = [
    "uniform_below",
    "csr_from_edges",
    "csr_complement",
    "k_out_picks",
    "k_out_csr",
    "regular_repair",
    "erdos_renyi_edges",
    "watts_strogatz_edges",
    "barabasi_albert_edges",
    "geometric_edges",
]


@njit(cache=True)
def uniform_below(rng, m):
    """A uniform integer in ``0..m-1`` from one ``rng.random()`` draw (``m >= 1``)."""
    t = np.int64(rng.random() * m)
    if t >= m:  # guards the (theoretical) rounding of random() * m up to m
        t = m - 1
    return t


# -- CSR ----------------------------------------------------------------------------------


@njit(cache=True)
def csr_from_edges(n, src, dst):
    """Symmetric CSR of the undirected graph with edges ``(src[e], dst[e])``.

    Self-loops are dropped and repeated edges merged; each row comes out sorted ascending.
    Two counting-sort passes, O(n + m): the first scatters both directions of every edge into
    rows (in input order); the second transposes that matrix, which, being symmetric, gives
    the same rows with their entries visited in increasing order. Ids must be in ``0..n-1``
    (the caller checks).

    Returns ``(indptr int64 (n+1,), indices int32)``.
    """
    m = src.shape[0]
    start = np.zeros(n + 1, np.int64)
    for e in range(m):
        u = src[e]
        v = dst[e]
        if u != v:
            start[u + 1] += 1
            start[v + 1] += 1
    for i in range(n):
        start[i + 1] += start[i]
    total = start[n]

    pos = start[:n].copy()
    rows = np.empty(total, np.int32)
    for e in range(m):
        u = src[e]
        v = dst[e]
        if u != v:
            rows[pos[u]] = v
            pos[u] += 1
            rows[pos[v]] = u
            pos[v] += 1

    pos[:] = start[:n]
    indices = np.empty(total, np.int32)
    for v in range(n):
        for t in range(start[v], start[v + 1]):
            u = rows[t]
            indices[pos[u]] = v
            pos[u] += 1

    indptr = np.empty(n + 1, np.int64)
    indptr[0] = 0
    w = 0
    for u in range(n):
        last = -1
        for t in range(start[u], start[u + 1]):
            x = indices[t]
            if x != last:
                indices[w] = x
                w += 1
                last = x
        indptr[u + 1] = w
    if w < total:
        return indptr, indices[:w].copy()
    return indptr, indices


@njit(cache=True)
def csr_complement(n, indptr, indices):
    """CSR of the complement (no self-loops) of a graph given as sorted CSR."""
    out_ptr = np.empty(n + 1, np.int64)
    out_ptr[0] = 0
    for u in range(n):
        out_ptr[u + 1] = out_ptr[u] + (n - 1) - (indptr[u + 1] - indptr[u])
    out = np.empty(out_ptr[n], np.int32)
    w = 0
    for u in range(n):
        t = indptr[u]
        end = indptr[u + 1]
        for v in range(n):
            if t < end and indices[t] == v:
                t += 1
            elif v != u:
                out[w] = v
                w += 1
    return out_ptr, out


# -- k-out --------------------------------------------------------------------------------


@njit(cache=True)
def _k_out_chunk(lo, hi, n, k, key0, key1, out):
    """Floyd's algorithm for nodes lo..hi-1 (``k_out_picks``' task): the chunk's draws first,
    in a loop that vectorises (one Philox block per pair of nodes and pick), then the picks."""
    u = np.empty((k, hi - lo + 1), np.float64)
    for jj in range(k):
        fill_pairs(key0, key1, 0, lo, jj, 0, u[jj])
    raw = np.empty(k, np.int64)
    first = n - 1 - k
    for i in range(lo, hi):
        base = i * k
        for jj in range(k):
            j = first + jj
            t = np.int64(u[jj, i - lo] * (j + 1))
            if t > j:
                t = j
            for q in range(jj):
                if raw[q] == t:
                    t = j
                    break
            raw[jj] = t
            out[base + jj] = t if t < i else t + 1


@njit(cache=True, parallel=True)
def k_out_picks(n, k, key0, key1):
    """For each node, ``k`` distinct uniform others (``k <= n - 1``), in parallel.

    Floyd's algorithm over the ``n - 1`` others (indices ``0..n-2``, index ``t`` meaning node
    ``t`` if ``t < i`` else ``t + 1``): for ``j = n-1-k .. n-2`` draw ``t`` uniform in ``0..j``
    and take ``j`` instead if ``t`` was already taken. Node ``i``'s draw for ``j = n-1-k+jj``
    is the counter-based ``philox.uniform(key0, key1, 0, i, jj, 0)``, so the picks are the
    same on any number of threads. Exactly ``k`` draws per node, a uniform ``k``-subset.
    Returns int32 ``(n * k,)``: node ``i``'s picks at ``[i*k, (i+1)*k)``.
    """
    out = np.empty(n * k, np.int32)
    for c in prange(chunks_of(n)):
        lo, hi = chunk_range(c, n)
        _k_out_chunk(lo, hi, n, k, key0, key1, out)
    return out


@njit(cache=True, parallel=True)
def k_out_csr(n, k, targets, parts):
    """Symmetric CSR of the k-out graph whose node ``i`` picked ``targets[i*k:(i+1)*k]``:
    the same arrays as ``csr_from_edges`` of the edges ``(i, pick)``, built knowing their
    shape, in parallel. No pick is a self-loop and a node's picks are distinct, so row ``i``
    is the sorted union of its own ``k`` picks and the nodes that picked it: those come out
    of a stable sort by destination already in increasing order (sources scanned in order),
    and a merge drops a pair that picked each other.

    The pickers are sorted by destination in two cache-friendly steps (``_k_out_pickers``):
    ``parts`` source ranges scatter their picks into one bucket per chunk of ``CHUNK``
    destinations, then each bucket is counting-sorted on its own. Rows are sorted (each
    node's own picks, in place in ``targets``, ``_sort_distinct``) and merged in chunks of
    nodes: once to count each row's length, once to write it. The arrays do not depend on
    ``parts`` or the number of threads.

    Returns ``(indptr int64 (n+1,), indices int32)``.
    """
    in_start, pickers = _k_out_pickers(n, k, targets, parts)
    chunks = chunks_of(n)
    lengths = np.empty(n + 1, np.int64)
    lengths[0] = 0
    for c in prange(chunks):
        lo, hi = chunk_range(c, n)
        scratch = np.empty(k, np.int32)
        for i in range(lo, hi):
            row = targets[i * k:(i + 1) * k]
            _sort_distinct(row, scratch)
            lengths[i + 1] = _k_out_merge(row, pickers, in_start[i], in_start[i + 1],
                                          row, 0, False)
    indptr = np.empty(n + 1, np.int64)
    indptr[0] = 0
    for i in range(n):
        indptr[i + 1] = indptr[i] + lengths[i + 1]
    indices = np.empty(indptr[n], np.int32)
    for c in prange(chunks):
        lo, hi = chunk_range(c, n)
        for i in range(lo, hi):
            _k_out_merge(targets[i * k:(i + 1) * k], pickers, in_start[i], in_start[i + 1],
                         indices, indptr[i], True)
    return indptr, indices


@njit(cache=True, inline="always")
def _sort_distinct(row, scratch):
    """Sort ``row`` (distinct values) in place. Up to 32 values by rank (each value's place
    is the number of values below it: compares without a branch, which vectorise, ~2.5x an
    insertion sort's speed on 20 random picks); longer rows by ``ndarray.sort``."""
    k = row.shape[0]
    if k > 32:
        row.sort()
        return
    scratch[:] = row
    for a in range(k):
        x = scratch[a]
        r = 0
        for b in range(k):
            r += scratch[b] < x
        row[r] = x


@njit(cache=True, inline="always")
def _k_out_merge(own, pickers, b, b_end, out, w, write):
    """Merge a node's sorted picks ``own`` with its pickers ``pickers[b:b_end]`` (sorted),
    a node in both once, written to ``out[w:]`` if ``write``; returns the merged length. No
    branch on the values: take the smaller, advance the side(s) it came from."""
    end = np.int32(2**31 - 1)  # above every id: an exhausted side
    k = own.shape[0]
    a = 0
    n_out = 0
    while a < k or b < b_end:
        x = own[a] if a < k else end
        y = pickers[b] if b < b_end else end
        if write:
            out[w + n_out] = x if x < y else y
        n_out += 1
        a += x <= y
        b += y <= x  # both advance on a pair that picked each other: one edge
    return n_out


@njit(cache=True, parallel=True)
def _k_out_pickers(n, k, targets, parts):
    """The nodes that picked each node, in increasing order: ``pickers[in_start[t]:
    in_start[t + 1]]`` for node ``t``. A stable sort of the picks by destination in two
    steps that each touch a few cache lines at a time (a one-step counting sort over ``n``
    counters misses the cache on every pick): (1) the sources, split into ``parts``
    ranges, scatter ``(source, destination within its chunk)`` into one bucket per
    destination chunk, each range at an offset counted beforehand; (2) each bucket is
    counting-sorted over its ``CHUNK`` destinations. Both steps keep source order, so the
    result is the same for any ``parts``."""
    m = n * k
    buckets = chunks_of(n)
    hist = np.zeros((parts, buckets), np.int64)
    for r in prange(parts):
        for e in range(n * r // parts * k, n * (r + 1) // parts * k):
            hist[r, targets[e] // CHUNK] += 1
    start = np.empty(buckets + 1, np.int64)  # bucket b at start[b]..start[b + 1]
    offset = np.empty((parts, buckets), np.int64)  # where range r writes into bucket b
    start[0] = 0
    for b in range(buckets):
        at = start[b]
        for r in range(parts):
            offset[r, b] = at
            at += hist[r, b]
        start[b + 1] = at
    source = np.empty(m, np.int32)
    local = np.empty(m, np.uint16)  # destination - its chunk's first node (CHUNK <= 2**16)
    for r in prange(parts):
        at = offset[r]
        for i in range(n * r // parts, n * (r + 1) // parts):
            for e in range(i * k, (i + 1) * k):
                t = targets[e]
                b = t // CHUNK
                q = at[b]
                source[q] = i
                local[q] = t - b * CHUNK
                at[b] = q + 1
    in_start = np.empty(n + 1, np.int64)
    in_start[n] = m
    pickers = np.empty(m, np.int32)
    for b in prange(buckets):
        lo, hi = chunk_range(b, n)
        first = start[b]
        count = np.zeros(CHUNK + 1, np.int64)
        for q in range(first, start[b + 1]):
            count[local[q] + 1] += 1
        for j in range(hi - lo):  # exclusive prefix: count[j] is node lo + j's first place
            count[j + 1] += count[j]
            in_start[lo + j] = first + count[j]
        for q in range(first, start[b + 1]):
            j = local[q]
            pickers[first + count[j]] = source[q]
            count[j] += 1
    return in_start, pickers


# -- random regular -----------------------------------------------------------------------


@njit(cache=True)
def _multiplicity(a, b, d, other):
    """Number of edges between ``a`` and ``b != a``: a scan of ``a``'s ``d`` edge ends."""
    c = 0
    for s in range(a * d, a * d + d):
        if other[s] == b:
            c += 1
    return c


@njit(cache=True)
def _is_bad(e, d, other, eu, ev):
    u = eu[e]
    v = ev[e]
    return u == v or _multiplicity(u, v, d, other) > 1


@njit(cache=True)
def _set_end(node, d, edge, other, old_edge, new_edge, new_other):
    """Point the first end of ``old_edge`` at ``node`` to ``new_edge`` / ``new_other``."""
    for s in range(node * d, node * d + d):
        if edge[s] == old_edge:
            edge[s] = new_edge
            other[s] = new_other
            return


@njit(cache=True)
def regular_repair(n, d, eu, ev, rng, max_attempts):
    """Make a configuration-model pairing simple, in place, by random double-edge swaps.

    ``eu, ev`` (int32, length ``n*d/2``) are the paired stubs: every node appears exactly
    ``d`` times. A bad edge ``e = (u, v)`` (a self-loop, or one of several copies of an edge)
    is swapped with a uniform edge ``f = (x, y)``, in a uniform orientation, into ``(u, x)``
    and ``(v, y)``; the swap is taken only if neither new edge is a self-loop or already
    present, so degrees never change and the number of bad edges never grows. Then, if any
    edge was bad, ``min(100 m, 1000 b)`` uniform random swap attempts (``b`` = bad edges
    found first) mix the graph. Returns False if ``max_attempts`` repair swaps were tried
    without finishing (the caller re-pairs).
    """
    m = eu.shape[0]
    # the d edge ends at node u: edge[u*d + s] (edge id) and other[u*d + s] (far endpoint)
    edge = np.empty(n * d, np.int64)
    other = np.empty(n * d, np.int32)
    fill = np.zeros(n, np.int64)
    for e in range(m):
        u = eu[e]
        v = ev[e]
        edge[u * d + fill[u]] = e
        other[u * d + fill[u]] = v
        fill[u] += 1
        edge[v * d + fill[v]] = e
        other[v * d + fill[v]] = u
        fill[v] += 1

    bad = np.empty(2 * m, np.int64)  # a self-loop is listed at both its ends
    seen = np.full(n, -1, np.int32)  # seen[v] == u: v already met among u's ends
    attempts = 0
    n_mix = -1
    while True:
        # node by node (sequential memory): self-loops, and every repeat of an edge (u, v)
        # after its first, seen from its smaller endpoint u
        n_bad = 0
        for u in range(n):
            for s in range(u * d, u * d + d):
                v = other[s]
                if v == u:
                    bad[n_bad] = edge[s]
                    n_bad += 1
                elif v > u:
                    if seen[v] == u:
                        bad[n_bad] = edge[s]
                        n_bad += 1
                    seen[v] = u
        if n_mix < 0:
            n_mix = min(100 * m, 1000 * n_bad)
        if n_bad == 0:
            break
        seen[:] = -1
        for b in range(n_bad):
            e = bad[b]
            while _is_bad(e, d, other, eu, ev):
                attempts += 1
                if attempts > max_attempts:
                    return False
                _try_swap(e, uniform_below(rng, m), rng.random() < 0.5, d, edge, other, eu, ev)
    # Mixing: uniform random swaps, a chain whose stationary law is uniform on simple
    # d-regular graphs. None if the first pairing was simple (then the result is exactly
    # uniform); otherwise enough to blur the repairs' footprint on small graphs.
    for _ in range(n_mix):
        e = uniform_below(rng, m)
        _try_swap(e, uniform_below(rng, m), rng.random() < 0.5, d, edge, other, eu, ev)
    return True


@njit(cache=True)
def _try_swap(e, f, flip, d, edge, other, eu, ev):
    """Swap ``e = (u, v)``, ``f = (x, y)`` (``(y, x)`` if ``flip``) into ``(u, x), (v, y)``
    unless that makes a self-loop or a repeated edge. Returns whether it swapped."""
    if f == e:
        return False
    u = eu[e]
    v = ev[e]
    x = eu[f]
    y = ev[f]
    if flip:
        x, y = y, x
    if u == x or v == y:
        return False
    if (u == v and x == y) or (u == y and v == x):
        return False  # the two new edges would be the same pair
    if _multiplicity(u, x, d, other) > 0 or _multiplicity(v, y, d, other) > 0:
        return False
    # the ends at x and v move first, so that for a self-loop the remaining end is the other
    _set_end(x, d, edge, other, f, e, u)
    _set_end(v, d, edge, other, e, f, y)
    _set_end(u, d, edge, other, e, e, x)
    _set_end(y, d, edge, other, f, f, v)
    eu[e] = u
    ev[e] = x
    eu[f] = v
    ev[f] = y
    return True


# -- Erdos-Renyi --------------------------------------------------------------------------


@njit(cache=True)
def erdos_renyi_edges(n, p, rng, capacity):
    """G(n, p) by geometric skipping (Batagelj & Brandes 2005, algorithm 1), O(n + m).

    Walks the pairs ``(v, w), w < v`` in order, jumping over ``floor(log(1-r) / log(1-p))``
    absent pairs per draw ``r``. ``p >= 1`` draws nothing and takes every pair. ``capacity``
    is the first allocation; it grows by doubling if needed. Returns ``(src, dst)`` int32.
    """
    src = np.empty(max(capacity, 16), np.int32)
    dst = np.empty(max(capacity, 16), np.int32)
    m = 0
    if n < 2 or p <= 0.0:
        return src[:0].copy(), dst[:0].copy()
    log_q = np.log1p(-p) if p < 1.0 else 0.0
    v = np.int64(1)
    w = np.int64(-1)
    while v < n:
        skip = np.int64(0)
        if p < 1.0:
            s = np.log1p(-rng.random()) / log_q
            skip = np.int64(1e18) if s > 1e18 else np.int64(s)
        w += 1 + skip
        while w >= v and v < n:
            w -= v
            v += 1
        if v < n:
            if m == src.shape[0]:
                src2 = np.empty(2 * m, np.int32)
                dst2 = np.empty(2 * m, np.int32)
                src2[:m] = src
                dst2[:m] = dst
                src = src2
                dst = dst2
            src[m] = v
            dst[m] = w
            m += 1
    return src[:m].copy(), dst[:m].copy()


# -- Watts-Strogatz -----------------------------------------------------------------------

_EMPTY = -1
_GONE = -2


@njit(cache=True)
def _hash_slot(key, shift):
    h = np.uint64(key) * np.uint64(11400714819323198485)  # Fibonacci hashing
    return np.int64(h >> np.uint64(shift))


@njit(cache=True)
def _set_find(table, key, shift):
    """Index of ``key`` in the open-addressing table, or -1."""
    mask = table.shape[0] - 1
    i = _hash_slot(key, shift)
    while True:
        x = table[i]
        if x == key:
            return i
        if x == _EMPTY:
            return -1
        i = (i + 1) & mask


@njit(cache=True)
def _set_add(table, key, shift):
    """Insert ``key`` (known absent) into the first free or deleted slot."""
    mask = table.shape[0] - 1
    i = _hash_slot(key, shift)
    while table[i] >= 0:
        i = (i + 1) & mask
    table[i] = key


@njit(cache=True)
def _pair_key(u, w, n):
    if u < w:
        return np.int64(u) * n + w
    return np.int64(w) * n + u


@njit(cache=True)
def watts_strogatz_edges(n, k, p, rng):
    """Watts-Strogatz small world with networkx's semantics (``watts_strogatz_graph``).

    Ring lattice (each node joined to its ``k/2`` nearest on each side, ``k < n``); then for
    ``j = 1..k/2`` and for ``u`` in node order the edge ``(u, u+j)`` is rewired with
    probability ``p`` to ``(u, w)``, ``w`` uniform, redrawn while ``w == u`` or ``(u, w)``
    exists, skipped if ``u`` is already joined to every other node. The draws are those of
    networkx with ``seed.random()`` and ``seed.choice(nodes)`` both replaced by ``rng.random()``.
    Returns ``(src, dst)`` int32 of length ``n * k / 2``.
    """
    half = k // 2
    m = n * half
    eu = np.empty(m, np.int32)
    ev = np.empty(m, np.int32)
    deg = np.full(n, 2 * half, np.int64)
    size = 16
    while size < 4 * m:
        size *= 2
    shift = 64 - int(np.log2(size))
    table = np.full(size, _EMPTY, np.int64)
    for j in range(1, half + 1):
        for u in range(n):
            e = (j - 1) * n + u
            v = (u + j) % n
            eu[e] = u
            ev[e] = v
            _set_add(table, _pair_key(u, v, n), shift)
    for j in range(1, half + 1):
        for u in range(n):
            if rng.random() < p:
                e = (j - 1) * n + u
                w = uniform_below(rng, n)
                skipped = False
                while w == u or _set_find(table, _pair_key(u, w, n), shift) >= 0:
                    w = uniform_below(rng, n)
                    if deg[u] >= n - 1:
                        skipped = True
                        break
                if skipped:
                    continue
                v = ev[e]
                table[_set_find(table, _pair_key(u, v, n), shift)] = _GONE
                _set_add(table, _pair_key(u, w, n), shift)
                ev[e] = w
                deg[v] -= 1
                deg[w] += 1
    return eu, ev


# -- Barabasi-Albert ----------------------------------------------------------------------


@njit(cache=True)
def barabasi_albert_edges(n, m, rng):
    """Preferential attachment with networkx's semantics (``barabasi_albert_graph``).

    Start from the star on ``m + 1`` nodes (centre 0); each new node ``source = m+1 .. n-1``
    joins ``m`` distinct targets drawn uniformly from the list of edge ends so far (each node
    repeated once per edge end), redrawing repeats. ``m * (n - m)`` edges in all.
    Returns ``(src, dst)`` int32.
    """
    n_edges = m * (n - m)
    src = np.empty(n_edges, np.int32)
    dst = np.empty(n_edges, np.int32)
    ends = np.empty(2 * n_edges, np.int32)
    chosen = np.full(n, -1, np.int32)  # chosen[x] == source: already a target of source
    ends[:m] = 0  # the star, in networkx's degree-list order: centre first
    n_ends = m
    for i in range(1, m + 1):
        ends[n_ends] = i
        n_ends += 1
        src[i - 1] = 0
        dst[i - 1] = i
    e = m
    for source in range(m + 1, n):
        first = e
        picked = 0
        while picked < m:
            x = ends[uniform_below(rng, n_ends)]
            if chosen[x] != source:
                chosen[x] = source
                src[e] = source
                dst[e] = x
                e += 1
                picked += 1
        for t in range(first, e):
            ends[n_ends] = dst[t]
            n_ends += 1
        ends[n_ends : n_ends + m] = source
        n_ends += m
    return src, dst


# -- random geometric ---------------------------------------------------------------------


@njit(cache=True)
def geometric_edges(x, y, radius, cells):
    """Pairs ``i < j`` of points within Euclidean distance ``radius`` (inclusive).

    Points in ``[0, 1)^2`` are binned into ``cells x cells`` squares of side ``1/cells >=
    radius``, so each point is compared only with the points of its own and the 8 adjacent
    squares. Two passes (count, then fill). Returns ``(src, dst)`` int32.
    """
    n = x.shape[0]
    n_cells = cells * cells
    cell = np.empty(n, np.int64)
    start = np.zeros(n_cells + 1, np.int64)
    for i in range(n):
        cx = min(np.int64(x[i] * cells), cells - 1)
        cy = min(np.int64(y[i] * cells), cells - 1)
        c = cy * cells + cx
        cell[i] = c
        start[c + 1] += 1
    for c in range(n_cells):
        start[c + 1] += start[c]
    order = np.empty(n, np.int32)
    pos = start[:n_cells].copy()
    for i in range(n):
        order[pos[cell[i]]] = i
        pos[cell[i]] += 1

    r2 = radius * radius
    src = np.empty(0, np.int32)
    dst = np.empty(0, np.int32)
    count = np.int64(0)
    for fill in range(2):
        if fill == 1:
            src = np.empty(count, np.int32)
            dst = np.empty(count, np.int32)
        count = 0
        for t in range(n):
            i = order[t]
            cx = cell[i] % cells
            cy = cell[i] // cells
            for ny in range(max(cy - 1, 0), min(cy + 2, cells)):
                for nx in range(max(cx - 1, 0), min(cx + 2, cells)):
                    c = ny * cells + nx
                    for s in range(start[c], start[c + 1]):
                        j = order[s]
                        if j > i:
                            dx = x[i] - x[j]
                            dy = y[i] - y[j]
                            if dx * dx + dy * dy <= r2:
                                if fill == 1:
                                    src[count] = i
                                    dst[count] = j
                                count += 1
    return src, dst
