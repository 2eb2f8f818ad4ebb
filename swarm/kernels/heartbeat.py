"""Kernels of gossip-style failure detection (van Renesse, Minsky & Hayden 1998).

The same rules as ``swarm.protocols.heartbeat.HeartbeatAgent``, over arrays. Tables are
``(n, W)`` (row = observer, column = a member it tracks: ``swarm.protocols.membership``, full
view ``W = n`` with column j = member j, or a partial view of the node's peers with its own
entry last): ``hb`` (int32 heartbeat counter, -1 = not in the list: forgotten), ``hb_next``
(what round t's gossip brought, committed at its end: C1) and ``last`` (int32 round of the
last increase of ``hb``). The send phase is the shared call phase
(``swarm.protocols.calls.call_neighbours`` over the node's peers: one double per partner,
senders in node order), every call of kind ``GOSSIP``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from swarm.kernels.memory import prefetch

GOSSIP = 0  # a node's table of heartbeat counters (the members it holds alive)

# per-round tallies
T_DECLARATIONS = 0  # an observer's entry of a member became failed (no increase for t_fail)
T_FALSE_POS = 1  # ... of which the member was live
T_CLEANUPS = 2  # failed entries forgotten (t_cleanup)
T_READDS = 3  # forgotten members put back in a list by a gossiped counter
N_TALLY = 4


@njit(cache=True)
def heartbeat_beat(live, hb, hb_next, last, t, partial):
    """Start of round t: every live node increments its own counter."""
    width = hb.shape[1]
    for i in range(live.shape[0]):
        if live[i]:
            c = width - 1 if partial else i
            hb[i, c] += 1
            hb_next[i, c] = hb[i, c]
            last[i, c] = t


#: messages ahead whose rows heartbeat_receive prefetches (their CSR offsets twice as far):
#: at 10^6 nodes the rows a message reads are a dozen cache misses in random places
AHEAD = 8


@njit(cache=True)
def heartbeat_receive(src, dst, hb, hb_next, last, t, t_fail, useful, pindptr, pindices,
                      partial):
    """Deliver gossip in batch order: the receiver takes, member by member, the larger of
    its counter and the sender's (as at the start of the round, ``hb``), for the members
    the sender holds alive (in its list, increased within the last t_fail rounds) and the
    receiver tracks. Useful: some counter grew.

    A full view maps column c to column c. A partial view merges the two sorted peer rows
    (one pass over both, ``deg(s) + deg(r)`` steps, instead of a binary search in the
    receiver's row per sender entry) into a list of (sender column, receiver column) pairs,
    then adds the two entries the merge cannot see: the sender's entry about the receiver
    (to the receiver's own column) and the sender's own entry (a binary search). A counter
    is taken at most once per (message, receiver column) and max is order-free, so the
    result is the same as member by member in column order. The rows of the message
    ``AHEAD`` on are prefetched (their CSR offsets twice as far).

    Written flat on purpose: the same steps as inline helpers taking the arrays cost an
    atomic reference count per array per call (60 ``NRT_decref`` in the loop, 2.4x slower
    with every row in cache)."""
    width = hb.shape[1]
    nm = src.shape[0]
    own = width - 1
    cols_s = np.empty(width + 1, np.int64)  # the pairs of one message
    cols_r = np.empty(width + 1, np.int64)
    for e in range(nm):
        s = src[e]
        r = dst[e]
        if not partial:
            grew = False
            for c in range(width):
                h = hb[s, c]
                if h >= 0 and t - last[s, c] < t_fail and h > hb_next[r, c]:
                    hb_next[r, c] = h
                    grew = True
            useful[e] = grew
            continue
        if e + 2 * AHEAD < nm:  # prefetch: CSR offsets, then rows
            prefetch(pindptr, src[e + 2 * AHEAD])
            prefetch(pindptr, dst[e + 2 * AHEAD])
        if e + AHEAD < nm:
            sa = src[e + AHEAD]
            ra = dst[e + AHEAD]
            for c in range(0, width + 15, 16):  # every line of 4-byte rows
                q = c if c < width else own
                prefetch(hb, (sa, q))
                prefetch(last, (sa, q))
                prefetch(hb_next, (ra, q))
            prefetch(pindices, pindptr[sa])
            prefetch(pindices, pindptr[sa + 1] - 1)
            prefetch(pindices, pindptr[ra])
            prefetch(pindices, pindptr[ra + 1] - 1)
        a = pindptr[s]
        a_end = pindptr[s + 1]
        b = pindptr[r]
        b_end = pindptr[r + 1]
        a0 = a
        b0 = b
        k = 0
        while a < a_end and b < b_end:  # branch-free merge of the sorted rows
            x = pindices[a]
            y = pindices[b]
            cols_s[k] = a - a0
            cols_r[k] = b - b0
            k += np.int64(x == y)
            a += np.int64(x <= y)
            b += np.int64(y <= x)
        # the sender's entry about r (r is not in its own row) and its own entry
        lo = a0
        hi = a_end
        while lo < hi:
            mid = (lo + hi) >> 1
            if pindices[mid] < r:
                lo = mid + 1
            else:
                hi = mid
        if lo < a_end and pindices[lo] == r:
            cols_s[k] = lo - a0
            cols_r[k] = own
            k += 1
        lo = b0
        hi = b_end
        while lo < hi:
            mid = (lo + hi) >> 1
            if pindices[mid] < s:
                lo = mid + 1
            else:
                hi = mid
        if s == r:  # (never sent: C2; mapped as slot_of would, own entry to own entry)
            cols_s[k] = own
            cols_r[k] = own
            k += 1
        elif lo < b_end and pindices[lo] == s:
            cols_s[k] = own
            cols_r[k] = lo - b0
            k += 1
        grew = False
        for q in range(k):
            c = cols_s[q]
            rc = cols_r[q]
            h = hb[s, c]
            if h >= 0 and t - last[s, c] < t_fail and h > hb_next[r, rc]:
                hb_next[r, rc] = h
                grew = True
        useful[e] = grew


@njit(cache=True)
def heartbeat_commit(live, hb, hb_next, last, t, t_fail, t_cleanup, dead_count, tally,
                     pindptr, pindices, partial, all_live):
    """End of round t, every entry of every live observer in one pass:

    - a counter that grew: ``hb = hb_next``, ``last = t`` (a forgotten member comes back);
    - age ``t - last`` reaching ``t_fail``: the member is declared failed; reaching
      ``t_cleanup``: forgotten (``hb = -1``).

    Returns (pairs in agreement, failed-or-forgotten entries, the largest age of a live
    member's entry): an entry agrees when it holds a live member alive or a down member
    failed or forgotten; ``dead_count[j]`` = live observers holding member j failed or
    forgotten (from which the caller records when a down member was first detected:
    ``Episodes.record_detected``). The largest age is how close the detector is to a false
    detection (one at t_fail). ``all_live`` (every node live) skips reading ``live`` at
    random members: the tables are then read in order only. Written flat (no helper taking
    arrays: a reference count per call)."""
    n = live.shape[0]
    width = hb.shape[1]
    agree = 0
    failed = 0
    oldest = 0
    readds = 0
    dead_count[:] = 0
    for i in range(n):
        if not live[i]:
            continue
        base = pindptr[i] if partial else 0
        cols = pindptr[i + 1] - base if partial else n  # the tracked columns
        if partial and all_live:
            # A pass without branches on the data over the peers (the compiler vectorizes
            # it): the commit, and the metrics of the entries held alive with nothing due.
            # A row with any other entry (failed, forgotten, due) is then counted again by
            # the general loop below, on which the commit is a no-op (hb = max(hb,
            # hb_next) already) and the largest age a max: only ``agree`` is left to it.
            row_agree = 0
            other = 0
            for c in range(cols):
                h = hb[i, c]
                hn = hb_next[i, c]
                grew = hn > h
                readds += grew and h < 0
                h = hn if grew else h
                hb[i, c] = h
                at = t if grew else last[i, c]
                last[i, c] = at
                age = t - at
                ok = h >= 0 and age < t_fail
                row_agree += ok
                other += not ok
                age = age if ok else 0
                oldest = age if age > oldest else oldest
            c = width - 1  # the own entry: the commit only
            if hb_next[i, c] > hb[i, c]:
                readds += hb[i, c] < 0
                hb[i, c] = hb_next[i, c]
                last[i, c] = t
            if other == 0:
                agree += row_agree
                continue
        for q in range(cols + 1 if partial else cols):  # partial: the own entry last
            c = q if q < cols else width - 1
            h = hb[i, c]
            hn = hb_next[i, c]
            age = t - last[i, c]
            if hn > h:  # the counter grew (a forgotten member comes back)
                readds += h < 0
                h = hn
                hb[i, c] = h
                last[i, c] = t
                age = 0
            if q == cols or (not partial and q == i):  # the own entry
                continue
            if h >= 0 and age < t_fail:  # held alive, nothing due
                if all_live:
                    agree += 1
                    oldest = age if age > oldest else oldest
                else:
                    j = pindices[base + q] if partial else q
                    if live[j]:
                        agree += 1
                        oldest = age if age > oldest else oldest
                continue
            j = pindices[base + q] if partial else q
            alive = h >= 0
            if alive:
                if age > oldest and live[j]:
                    oldest = age
                alive = False
                if age == t_fail:
                    tally[T_DECLARATIONS] += 1
                    if live[j]:
                        tally[T_FALSE_POS] += 1
                if age >= t_cleanup:
                    hb[i, c] = -1
                    hb_next[i, c] = -1
                    tally[T_CLEANUPS] += 1
            failed += 1
            dead_count[j] += 1
            agree += not live[j]
    tally[T_READDS] += readds
    return agree, failed, oldest
