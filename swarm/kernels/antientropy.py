"""Kernels of anti-entropy (Demers et al. 1987, section 1.3): a replicated key-value store
reconciled with random partners.

The same rules as ``swarm.protocols.antientropy.AntiEntropyAgent``, over arrays. A node's
store is row ``i`` of ``version`` and ``writer`` (int32, shape ``(n, keys)``); the pair
``(version, writer)`` of a key is ordered lexicographically and the larger pair wins
(last-writer-wins, ties of version broken by the writer's id). An empty key is ``(0, -1)``,
smaller than every written pair.

Round conventions (C1): a message carries its sender's store as it was at the start of the
round, so merges go into ``version_next`` / ``writer_next`` (equal to ``version`` /
``writer`` between rounds), the receiver is flagged in ``changed``, and ``store_commit``
copies the flagged rows back at the end of the round.

Randomness: one double per partner pick, callers in node order, exactly as
``swarm.kernels.spreading`` (the caller draws them all with ``Generator.random(out=...)``);
receiving draws nothing. Client writes are drawn by the protocol's shared code, not here.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from swarm.kernels.memory import AHEAD, prefetch
from swarm.kernels.spreading import choose_partners, degree, neighbour

# message kinds (uint8)
PUSH = 0  # push call: carries the caller's store; the callee merges it
PULL = 1  # pull call: a request, no store; the callee replies with its store
PUSH_PULL = 2  # push-pull call: carries the caller's store; the callee merges and replies
REPLY = 3  # the callee's store back to the caller

EMPTY_WRITER = -1  # writer of a key never written


@njit(cache=True, inline="always")
def packed(v, w):
    """The pair (version, writer) as one int64 with the same order: version in the high 32
    bits, writer + 1 (0 for 'none') in the low 32 bits. Both are >= 0 resp. >= -1."""
    return (np.int64(v) << 32) | np.int64(w + 1)


@njit(cache=True, inline="always")
def merge_store(version, writer, version_next, writer_next, src, dst):
    """Merge row ``src`` of the stores at the start of the round into row ``dst`` of the next
    stores, key by key, keeping the larger pair. True if it changed at least one pair.

    First a read-only pass (is any pair of ``src`` larger?), then, only if so, the merge.
    Most merges of a running store change nothing (at 10^6 nodes, 16 keys, one write a
    round: ~13 % change a pair), and a merge that writes nothing leaves the receiver's
    cache lines clean: store_receive 1.5x faster (issue 15). Both passes are branch-free
    over the keys (a select per key, on int32 lanes: 3.5x faster than a branch on each key
    when the outcomes are mixed, measured, 10^5 merges of 100 keys). Inline and indexed in
    two dimensions: a call with row views cost a row view and a reference count per array
    per merge."""
    keys = version.shape[1]
    newer_any = False
    for k in range(keys):
        v = version[src, k]
        a = version_next[dst, k]
        newer_any |= (v > a) | ((v == a) & (writer[src, k] > writer_next[dst, k]))
    if not newer_any:
        return False
    for k in range(keys):
        v = version[src, k]
        w = writer[src, k]
        a = version_next[dst, k]
        b = writer_next[dst, k]
        newer = (v > a) | ((v == a) & (w > b))
        version_next[dst, k] = v if newer else a
        writer_next[dst, k] = w if newer else b
    return True


@njit(cache=True)
def store_count(live, indptr, complete, fanout):
    """How many calls the send phase makes (and doubles it uses): every live node calls
    min(fanout, degree) partners."""
    n = live.shape[0]
    total = 0
    for i in range(n):
        if live[i]:
            d = degree(indptr, complete, n, i)
            total += fanout if fanout < d else d
    return total


@njit(cache=True)
def store_send(live, indptr, indices, complete, fanout, call_kind, u, src, dst, kind, update):
    """Fill the send phase (sized by store_count): every live node, in node order, calls
    min(fanout, degree) distinct partners using the next doubles of u (one per pick, as
    ``spreading.choose_partners``). Every call has kind ``call_kind``; it carries a store
    (update) unless it is a PULL request. Returns the number of messages."""
    n = live.shape[0]
    carries = call_kind != PULL
    m = 0
    if fanout == 1:
        # the same hand-unswitched loop as spreading_send's: an inlined helper for the pick
        # measured 4x slower here (numba), so the six lines are repeated on purpose
        for i in range(n):
            if live[i]:
                d = degree(indptr, complete, n, i)
                if d == 0:
                    continue
                r = int(u[m] * d)
                if r >= d:
                    r = d - 1
                src[m] = i
                dst[m] = neighbour(indptr, indices, complete, i, r)
                kind[m] = call_kind
                update[m] = carries
                m += 1
        return m
    chosen = np.empty(fanout, np.int64)
    scratch = np.empty(fanout, np.int64)
    for i in range(n):
        if live[i]:
            d = degree(indptr, complete, n, i)
            c = fanout if fanout < d else d
            choose_partners(u, m, d, c, chosen, scratch)
            for j in range(c):
                src[m] = i
                dst[m] = neighbour(indptr, indices, complete, i, chosen[j])
                kind[m] = call_kind
                update[m] = carries
                m += 1
    return m


@njit(cache=True)
def store_receive(src, dst, kind, version, writer, version_next, writer_next, changed, useful,
                  reply_src, reply_dst):
    """Deliver a batch in order. PUSH, PUSH_PULL and REPLY carry their sender's store (at the
    start of the round): it is merged into the receiver's next store; the message is useful
    iff that changed at least one pair (so of several messages bringing the same pair in one
    round the first in batch order gets the credit). PULL and PUSH_PULL are answered by a
    REPLY (one per call). Writes useful[0:m] and the replies' src / dst; returns the number
    of replies."""
    m = src.shape[0]
    r = 0
    for i in range(m):
        # the rows of the message AHEAD places on (no effect on any value, see
        # swarm.kernels.memory): several merges' cache misses in flight instead of one
        j = i + AHEAD
        if j < m and kind[j] != PULL:
            s_ahead = src[j]
            d_ahead = dst[j]
            prefetch(version, s_ahead)
            prefetch(writer, s_ahead)
            prefetch(version_next, d_ahead)
            prefetch(writer_next, d_ahead)
        s = src[i]
        d = dst[i]
        k = kind[i]
        hit = False
        if k != PULL:
            hit = merge_store(version, writer, version_next, writer_next, s, d)
            if hit:
                changed[d] = True
        if k == PULL or k == PUSH_PULL:
            reply_src[r] = d
            reply_dst[r] = s
            r += 1
        useful[i] = hit
    return r


@njit(cache=True)
def store_commit(version, writer, version_next, writer_next, changed):
    """End of the round: the rows merged into this round become the stores; flags cleared.
    Returns the number of nodes whose store changed."""
    count = 0
    for i in range(version.shape[0]):
        if changed[i]:
            changed[i] = False
            count += 1
            for k in range(version.shape[1]):  # 2-d indexing: no row views
                version[i, k] = version_next[i, k]
                writer[i, k] = writer_next[i, k]
    return count


@njit(cache=True)
def apply_writes(version, writer, version_next, writer_next, nodes, keys):
    """Client writes, in order (between rounds: next == current): write j at node v = nodes[j]
    on key k = keys[j] sets the pair to (v's version of k + 1, v) in both buffers: larger than
    anything v holds for k (a Lamport clock per key)."""
    for j in range(nodes.shape[0]):
        v = nodes[j]
        k = keys[j]
        x = version[v, k] + 1
        version[v, k] = x
        writer[v, k] = v
        version_next[v, k] = x
        writer_next[v, k] = v


@njit(cache=True)
def store_metrics(version, writer, live, newest, fresh):
    """The round's metrics from the live stores, in one pass. Fills ``newest[k]`` (the
    largest pair of key k over live nodes, packed) and ``fresh[k]`` (live nodes holding it)
    and returns ``(up_to_date, n_live, fresh_total, behind_total)``: live nodes holding the
    newest pair of every key, live nodes, the sum of ``fresh``, and the sum over live nodes
    and keys of (newest version - the node's version). With no live node everything is 0.

    One pass (issue 15; a second pass that compared every node with the final newest pairs
    was a third of the scan): a running max per key whose count restarts at 1 when a larger
    pair appears, and a running count of the nodes holding the running max of every key. A
    node whose row raises some key's max ends every earlier holder (they are below it on that
    key) and is the only holder iff its row is at least the max on every key; a node that
    raises nothing is one more holder iff it equals the max on every key. Most rows raise
    nothing, so a read-only test comes first (the scan 1.2x faster, 10^6 x 16 keys)."""
    n, keys = version.shape
    for k in range(keys):
        newest[k] = packed(0, EMPTY_WRITER)
        fresh[k] = 0
    n_live = 0
    version_sum = np.int64(0)
    holders = 0
    for i in range(n):
        if not live[i]:
            continue
        n_live += 1
        # read-only first: does the row raise some key's max? (rarely: only new pairs do)
        raises = False
        row_sum = np.int64(0)
        for k in range(keys):
            v = version[i, k]
            row_sum += v
            raises |= packed(v, writer[i, k]) > newest[k]
        version_sum += row_sum
        if raises:
            at_least = True  # the row is >= the running max on every key
            for k in range(keys):
                p = packed(version[i, k], writer[i, k])
                top = newest[k]
                up = p > top
                fresh[k] = 1 if up else fresh[k] + (p == top)
                newest[k] = p if up else top
                at_least &= p >= top
            holders = 1 if at_least else 0
        else:  # one more holder of every key it equals; of the whole row iff all are equal
            equal = 0
            for k in range(keys):
                e = packed(version[i, k], writer[i, k]) == newest[k]
                fresh[k] += e
                equal += e
            holders += equal == keys
    if n_live == 0:
        return 0, 0, 0, 0
    fresh_total = np.int64(0)
    newest_sum = np.int64(0)
    for k in range(keys):
        fresh_total += fresh[k]
        newest_sum += newest[k] >> 32
    return holders, n_live, fresh_total, newest_sum * n_live - version_sum


@njit(cache=True)
def holds_newest(version, writer, newest):
    """Per node (uint8): 1 if it holds the pair ``newest[k]`` of every key k, else 0."""
    n, keys = version.shape
    out = np.zeros(n, np.uint8)
    for i in range(n):
        ok = 1
        for k in range(keys):
            if packed(version[i, k], writer[i, k]) != newest[k]:
                ok = 0
                break
        out[i] = ok
    return out
