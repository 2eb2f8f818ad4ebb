"""Kernels of membership views (``swarm.protocols.membership.Views``): the column of a member
in a node's view and back. A full view (``partial`` False) has ``width = n`` columns, column j
= member j; a partial view holds node i's peers sorted in ``pindices[pindptr[i]:pindptr[i+1]]``
(column c = its c-th peer) and its own entry in column ``width - 1``.
"""

from __future__ import annotations

from numba import njit

from swarm.kernels.memory import prefetch


@njit(cache=True, inline="always")
def prefetch_row(a, i):
    """Prefetch every cache line of row i of a partial view's table (a few lines: 33 int32
    are 132 bytes; a full view's rows are read in order, the hardware prefetches them)."""
    w = a.shape[1]
    step = max(1, 64 // a.itemsize)
    for c in range(0, w, step):
        prefetch(a, (i, c))
    prefetch(a, (i, w - 1))


@njit(cache=True, inline="always")
def prefetch_peers(pindptr, pindices, i):
    """Prefetch node i's sorted peers (first and last line; its CSR offset should be in
    cache already)."""
    lo = pindptr[i]
    hi = pindptr[i + 1]
    if hi > lo:
        prefetch(pindices, lo)
        prefetch(pindices, hi - 1)


@njit(cache=True, inline="always")
def slot_of(pindptr, pindices, partial, width, i, m):
    """The column of member m in node i's view, -1 if i does not track m."""
    if not partial:
        return m
    if m == i:
        return width - 1
    lo = pindptr[i]
    end = pindptr[i + 1]
    hi = end
    while lo < hi:
        mid = (lo + hi) >> 1
        if pindices[mid] < m:
            lo = mid + 1
        else:
            hi = mid
    if lo < end and pindices[lo] == m:
        return lo - pindptr[i]
    return -1


@njit(cache=True, inline="always")
def member_at(pindptr, pindices, partial, width, i, c):
    """The member in column c of node i's view, -1 for an unused column (a row shorter
    than the widest)."""
    if not partial:
        return c
    if c == width - 1:
        return i
    if c < pindptr[i + 1] - pindptr[i]:
        return pindices[pindptr[i] + c]
    return -1


@njit(cache=True, inline="always")
def tracked_columns(pindptr, partial, n, i):
    """Columns 0..c-1 of row i hold the members it tracks (full view: all n, its own entry at
    column i among them; partial view: its peers, its own entry apart at width - 1)."""
    if partial:
        return pindptr[i + 1] - pindptr[i]
    return n


@njit(cache=True)
def count_trackers(live, pindptr, pindices, partial, trackers):
    """trackers[j] = live nodes other than j that track j."""
    n = live.shape[0]
    trackers[:] = 0
    if not partial:
        n_live = 0
        for i in range(n):
            if live[i]:
                n_live += 1
        for j in range(n):
            trackers[j] = n_live - (1 if live[j] else 0)
        return
    for i in range(n):
        if live[i]:
            for e in range(pindptr[i], pindptr[i + 1]):
                trackers[pindices[e]] += 1
