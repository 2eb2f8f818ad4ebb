"""Network-wide metric kernels: one pass over the node arrays."""

from __future__ import annotations

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
