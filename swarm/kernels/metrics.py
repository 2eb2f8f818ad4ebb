"""Network-wide metric kernels: one pass over the node arrays."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def count_flag_live(flag, live):
    """(number of live nodes with flag set, number of live nodes)."""
    hits = 0
    n_live = 0
    for i in range(flag.shape[0]):
        if live[i]:
            n_live += 1
            if flag[i]:
                hits += 1
    return hits, n_live


@njit(cache=True)
def _find(parent, x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


@njit(cache=True)
def largest_live_component(indptr, indices, complete, live, groups, has_groups):
    """Size of the largest connected component of live nodes, using only edges whose ends
    are both live and (with has_groups) in the same group. Union-find with path halving over
    the CSR edges; the complete graph is the largest live group (or all live nodes)."""
    n = live.shape[0]
    if complete:
        if not has_groups:
            count = 0
            for i in range(n):
                if live[i]:
                    count += 1
            return count
        sizes = np.zeros(groups.max() + 1, np.int64)
        for i in range(n):
            if live[i]:
                sizes[groups[i]] += 1
        return sizes.max()
    parent = np.arange(n)
    for u in range(n):
        if not live[u]:
            continue
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            if v <= u or not live[v]:
                continue
            if has_groups and groups[u] != groups[v]:
                continue
            ru = _find(parent, u)
            rv = _find(parent, v)
            if ru != rv:
                parent[ru] = rv
    sizes = np.zeros(n, np.int64)
    best = 0
    for u in range(n):
        if live[u]:
            r = _find(parent, u)
            sizes[r] += 1
            if sizes[r] > best:
                best = sizes[r]
    return best
