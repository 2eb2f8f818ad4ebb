"""How parallel kernels split their work so that the result never depends on the number of
threads: fixed chunks of ``CHUNK`` items (nodes or messages), each written by one task at an
offset counted beforehand, in item order (docs/design.md, "Counter-based draws and parallel
kernels")."""

from __future__ import annotations

from numba import njit

__all__ = ["CHUNK", "chunk_range", "chunks_of"]

#: items per parallel task; even, so a chunk of nodes holds whole pairs (one Philox block
#: serves nodes 2p and 2p + 1, ``swarm.kernels.philox.pair_uniforms``)
CHUNK = 1 << 12


@njit(cache=True, inline="always")
def chunk_range(c, total):
    """Items ``lo..hi-1`` of chunk ``c`` of ``total``."""
    lo = c * CHUNK
    hi = lo + CHUNK
    return lo, (hi if hi < total else total)


@njit(cache=True, inline="always")
def chunks_of(total):
    """The number of chunks of ``total`` items."""
    return (total + CHUNK - 1) // CHUNK
