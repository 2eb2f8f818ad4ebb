"""Kernels of the rumour-spreading family (push, pull, push-pull).

The same rules as ``swarm.protocols.spreading.SpreadingAgent``, over arrays. Partner choices
use one double per partner, senders in node order: the caller draws them all at once with
``Generator.random(out=...)`` (1.6 ns a double, against ~4 ns for ``rng.random()`` inside a
numba loop) and the kernel consumes them in order, so the agent path, which draws the same
doubles one at a time, makes the same choices bit for bit.
"""

from __future__ import annotations

import numpy as np
from numba import njit

CALL = 0  # a request: a push (update=True) or a pull request (update=False)
REPLY = 1  # the answer to a pull request: always carries the update
ACK = 2  # with ack: the receipt of a push, back to its sender


@njit(cache=True, inline="always")
def neighbour(indptr, indices, complete, i, k):
    """The k-th neighbour of node i (ascending order); complete graph implicit."""
    if complete:
        return k if k < i else k + 1
    return indices[indptr[i] + k]


@njit(cache=True, inline="always")
def degree(indptr, complete, n, i):
    if complete:
        return n - 1
    return indptr[i + 1] - indptr[i]


@njit(cache=True, inline="always")
def sends(live, informed, push, pull):
    """A node sends iff live and ((push and informed) or (pull and not informed)). With push
    and pull both on, informed is not read: a branch on it (a coin flip per node mid-run)
    mispredicts half the time and doubled the cost of the send loop."""
    return live and ((push and pull) or informed == push)


@njit(cache=True)
def choose_partners(u, base, d, k, chosen, out_pos):
    """k distinct ranks in 0..d-1, uniformly, from the doubles u[base:base+k]; written to
    chosen[0:k] in pick order (out_pos is scratch for the sorted ranks). Rank r of pick j:
    floor(u * (d - j)), then mapped to the r-th rank not yet chosen."""
    for j in range(k):
        r = int(u[base + j] * (d - j))
        if r >= d - j:
            r = d - j - 1
        # map r to the r-th unchosen rank; out_pos[0:j] holds chosen ranks ascending
        p = 0
        while p < j and out_pos[p] <= r:
            r += 1
            p += 1
        # insert r at position p keeping out_pos sorted
        q = j
        while q > p:
            out_pos[q] = out_pos[q - 1]
            q -= 1
        out_pos[p] = r
        chosen[j] = r


@njit(cache=True)
def spreading_count(informed, live, indptr, complete, fanout, push, pull):
    """How many calls the send phase makes — and so how many doubles it uses: a live node
    sends iff (push and informed) or (pull and not informed), to min(fanout, degree)
    neighbours."""
    n = informed.shape[0]
    total = 0
    for i in range(n):
        if sends(live[i], informed[i], push, pull):
            d = degree(indptr, complete, n, i)
            total += fanout if fanout < d else d
    return total


@njit(cache=True)
def count_resends(pend_dst, pend_due, pend_tries, live, t, max_retries):
    """How many unacknowledged pushes live nodes resend at the start of round t."""
    total = 0
    for i in range(pend_dst.shape[0]):
        if live[i]:
            for s in range(pend_dst.shape[1]):
                if pend_dst[i, s] >= 0 and pend_due[i, s] <= t and pend_tries[i, s] < max_retries:
                    total += 1
    return total


@njit(cache=True, inline="always")
def track(pend_dst, pend_due, pend_tries, i, partner, due):
    """Remember a push from i to partner in i's first free slot (untracked if none is free)."""
    for s in range(pend_dst.shape[1]):
        if pend_dst[i, s] < 0:
            pend_dst[i, s] = partner
            pend_due[i, s] = due
            pend_tries[i, s] = 0
            return


@njit(cache=True)
def spreading_send(
    informed, live, indptr, indices, complete, fanout, push, pull, u, src, dst, kind, update,
    t, ack, retry_after, max_retries, pend_dst, pend_due, pend_tries,
):
    """Fill the send phase's messages into src/dst/kind/update (sized by spreading_count plus
    count_resends): senders in node order; each first resends its due unacknowledged pushes
    (slot order; a push out of retries is forgotten), then, if it sends this round, calls
    min(fanout, degree) distinct neighbours using the next doubles of u (one per call); a call
    carries the update iff the sender is informed, and with ack such a push is remembered
    until acknowledged. Returns (messages, resends)."""
    n = informed.shape[0]
    m = 0
    if fanout == 1 and not ack:
        # the common case, unswitched by hand: 1.4-1.8x faster than the general loop below
        for i in range(n):
            if sends(live[i], informed[i], push, pull):
                d = degree(indptr, complete, n, i)
                if d == 0:
                    continue
                r = int(u[m] * d)
                if r >= d:
                    r = d - 1
                src[m] = i
                dst[m] = neighbour(indptr, indices, complete, i, r)
                kind[m] = CALL
                update[m] = informed[i]
                m += 1
        return m, 0
    chosen = np.empty(fanout, np.int64)
    scratch = np.empty(fanout, np.int64)
    drawn = 0
    resends = 0
    slots = pend_dst.shape[1]
    for i in range(n):
        if not live[i]:
            continue
        for s in range(slots):
            if pend_dst[i, s] >= 0 and pend_due[i, s] <= t:
                if pend_tries[i, s] < max_retries:
                    src[m] = i
                    dst[m] = pend_dst[i, s]
                    kind[m] = CALL
                    update[m] = True
                    m += 1
                    resends += 1
                    pend_tries[i, s] += 1
                    pend_due[i, s] = t + retry_after
                else:
                    pend_dst[i, s] = -1
        if sends(True, informed[i], push, pull):
            d = degree(indptr, complete, n, i)
            k = fanout if fanout < d else d
            choose_partners(u, drawn, d, k, chosen, scratch)
            drawn += k
            for j in range(k):
                partner = neighbour(indptr, indices, complete, i, chosen[j])
                src[m] = i
                dst[m] = partner
                kind[m] = CALL
                update[m] = informed[i]
                m += 1
                if ack and informed[i]:
                    track(pend_dst, pend_due, pend_tries, i, partner, t + retry_after)
    return m, resends


@njit(cache=True)
def spreading_receive(
    src, dst, kind, update, informed, informed_next, pull, ack, pend_dst,
    useful, reply_src, reply_dst, reply_kind,
):
    """Deliver a batch in order. An update informs its receiver (useful iff the receiver was
    not informed at the start of the round nor earlier in it); with ack, a push (a call with
    the update) is answered by an ACK, and an ACK clears its receiver's first remembered push
    to the acknowledging node. With pull, a call that carries no update, received by a node
    informed at the start of the round, is answered by a REPLY carrying the update. Writes
    useful[0:m] and the replies' src/dst/kind (a REPLY carries the update, an ACK does not);
    returns the number of replies."""
    m = src.shape[0]
    r = 0
    for i in range(m):
        d = dst[i]
        hit = False
        if kind[i] == ACK:
            for s in range(pend_dst.shape[1]):
                if pend_dst[d, s] == src[i]:
                    pend_dst[d, s] = -1
                    break
        elif update[i]:
            if not informed[d] and not informed_next[d]:
                informed_next[d] = True
                hit = True
            if ack and kind[i] == CALL:
                reply_src[r] = d
                reply_dst[r] = src[i]
                reply_kind[r] = ACK
                r += 1
        elif pull and kind[i] == CALL and informed[d]:
            reply_src[r] = d
            reply_dst[r] = src[i]
            reply_kind[r] = REPLY
            r += 1
        useful[i] = hit
    return r


@njit(cache=True)
def commit_informed(informed, informed_next, informed_round, live, t):
    """End of round t: newly informed nodes become informed. Returns (live informed nodes,
    live nodes), the round's coverage counts, from the same pass."""
    hits = 0
    n_live = 0
    for i in range(informed.shape[0]):
        if informed_next[i]:
            informed_next[i] = False
            if not informed[i]:
                informed[i] = True
                informed_round[i] = t
        if live[i]:
            n_live += 1
            if informed[i]:
                hits += 1
    return hits, n_live
