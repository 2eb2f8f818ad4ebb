"""Counter-based random numbers: Philox4x32-10 (Salmon et al., "Parallel random numbers: as
easy as 1, 2, 3", SC 2011).

A draw is a pure function of its key and counter, so it does not depend on which thread draws
it, in which order, or how many draws came before: a parallel kernel and the one-node-at-a-time
agent rule get the same bits. swarm's layout (``swarm.rng.CounterStream``): the key is two
32-bit words derived from (seed, stream name); the counter is ``(draw, node // 2, round,
sub)``, and one Philox block gives two doubles (53 bits each, from words 0-1 and 2-3), the
first for the even node of the pair, the second for the odd one. So draw ``j`` of ``node`` in
round ``t`` is

    uniform(k0, k1, t, node, j, sub)

and a kernel that needs draw ``j`` of every node computes one block per pair of nodes
(``pair_uniforms``). ``sub`` separates the draws of one node in one round that serve
different purposes (0 for partner choices). Checked against Random123's known-answer vectors
and a pure-Python reference (tests/unit/test_philox.py).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["philox4x32", "uniform", "pair_uniforms", "fill_pairs", "uniform_table", "to_double"]

_M0 = np.uint64(0xD2511F53)
_M1 = np.uint64(0xCD9E8D57)
_W0 = np.uint64(0x9E3779B9)
_W1 = np.uint64(0xBB67AE85)
_MASK = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)
_S11 = np.uint64(11)
_ONE = np.uint64(1)
_2M53 = 1.0 / 9007199254740992.0  # 2^-53


@njit(cache=True, inline="always")
def philox4x32(c0, c1, c2, c3, k0, k1):
    """The 10-round Philox4x32 block of counter (c0, c1, c2, c3) under key (k0, k1): four
    32-bit words (as uint64 values below 2^32). Arguments are uint64 values below 2^32."""
    for _ in range(10):
        p0 = _M0 * c0
        p1 = _M1 * c2
        n0 = (p1 >> _S32) ^ c1 ^ k0
        n2 = (p0 >> _S32) ^ c3 ^ k1
        c1 = p1 & _MASK
        c3 = p0 & _MASK
        c0 = n0
        c2 = n2
        k0 = (k0 + _W0) & _MASK
        k1 = (k1 + _W1) & _MASK
    return c0, c1, c2, c3


@njit(cache=True, inline="always")
def to_double(hi, lo):
    """A double in [0, 1) from two 32-bit words: their top 53 bits times 2^-53."""
    return np.float64(((hi << _S32) | lo) >> _S11) * _2M53


@njit(cache=True, inline="always")
def uniform(k0, k1, t, node, j, sub):
    """Draw ``j`` of ``node`` in round ``t`` (purpose ``sub``): a double in [0, 1), a multiple
    of 2^-53. Integer arguments of any integer type, each in 0..2^32 - 1 (``node`` up to
    2^33)."""
    nn = np.uint64(node)
    w0, w1, w2, w3 = philox4x32(np.uint64(j), nn >> _ONE, np.uint64(t), np.uint64(sub),
                                np.uint64(k0), np.uint64(k1))
    if nn & _ONE:
        return to_double(w2, w3)
    return to_double(w0, w1)


@njit(cache=True, inline="always")
def pair_uniforms(k0, k1, t, pair, j, sub):
    """Draw ``j`` of nodes ``2 * pair`` and ``2 * pair + 1`` in round ``t``: one block."""
    w0, w1, w2, w3 = philox4x32(np.uint64(j), np.uint64(pair), np.uint64(t), np.uint64(sub),
                                np.uint64(k0), np.uint64(k1))
    return to_double(w0, w1), to_double(w2, w3)


@njit(cache=True)
def fill_pairs(k0, k1, t, first, j, sub, out):
    """``out[2q]``, ``out[2q + 1]`` = draw ``j`` of nodes ``first + 2q`` and ``first + 2q + 1``
    in round ``t``, for ``q < len(out) // 2`` (``first`` even): one block per pair of nodes.
    A loop that does nothing else vectorises, if its indices count from 0: written as
    ``out[2p - first]`` over the pairs' own numbers the same loop runs ~6x slower (a possibly
    negative index is wrapped around, a branch per store)."""
    p0 = first >> 1
    for q in range(out.shape[0] >> 1):
        a, b = pair_uniforms(k0, k1, t, p0 + q, j, sub)
        out[2 * q] = a
        out[2 * q + 1] = b


@njit(cache=True)
def uniform_table(k0, k1, t, sub, out):
    """out[j, i] = uniform(k0, k1, t, i, j, sub): draws 0..width-1 of every node in round t
    (the agent path takes a round's draws this way, one call for all nodes). ``out`` has an
    even number of columns."""
    for j in range(out.shape[0]):
        fill_pairs(k0, k1, t, 0, j, sub, out[j])
