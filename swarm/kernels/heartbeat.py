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

from numba import njit

from swarm.kernels.views import member_at, slot_of

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


@njit(cache=True)
def heartbeat_receive(src, dst, hb, hb_next, last, t, t_fail, useful, pindptr, pindices,
                      partial):
    """Deliver gossip in batch order: the receiver takes, member by member, the larger of
    its counter and the sender's (as at the start of the round, ``hb``), for the members
    the sender holds alive (in its list, increased within the last t_fail rounds) and the
    receiver tracks. Useful: some counter grew."""
    width = hb.shape[1]
    for e in range(src.shape[0]):
        s = src[e]
        r = dst[e]
        grew = False
        for c in range(width):
            h = hb[s, c]
            if h < 0 or t - last[s, c] >= t_fail:
                continue
            j = member_at(pindptr, pindices, partial, width, s, c)
            if j < 0:
                continue
            rc = slot_of(pindptr, pindices, partial, width, r, j)
            if rc >= 0 and h > hb_next[r, rc]:
                hb_next[r, rc] = h
                grew = True
        useful[e] = grew


@njit(cache=True)
def heartbeat_commit(live, hb, hb_next, last, t, t_fail, t_cleanup, dead_count, tally,
                     pindptr, pindices, partial):
    """End of round t, every entry of every live observer in one pass:

    - a counter that grew: ``hb = hb_next``, ``last = t`` (a forgotten member comes back);
    - age ``t - last`` reaching ``t_fail``: the member is declared failed; reaching
      ``t_cleanup``: forgotten (``hb = -1``).

    Returns (pairs in agreement, failed-or-forgotten entries, the largest age of a live
    member's entry): an entry agrees when it holds a live member alive or a down member
    failed or forgotten; ``dead_count[j]`` = live observers holding member j failed or
    forgotten (from which the caller records when a down member was first detected:
    ``Episodes.record_detected``). The largest age is how close the detector is to a false
    detection (one at t_fail)."""
    n = live.shape[0]
    width = hb.shape[1]
    agree = 0
    failed = 0
    oldest = 0
    dead_count[:] = 0
    for i in range(n):
        if not live[i]:
            continue
        for c in range(width):
            j = member_at(pindptr, pindices, partial, width, i, c)
            if j < 0:
                continue
            if hb_next[i, c] > hb[i, c]:
                if hb[i, c] < 0:
                    tally[T_READDS] += 1
                hb[i, c] = hb_next[i, c]
                last[i, c] = t
            if j == i:
                continue
            alive = hb[i, c] >= 0
            if alive:
                age = t - last[i, c]
                if live[j] and age > oldest:
                    oldest = age
                if age >= t_fail:
                    alive = False
                    if age == t_fail:
                        tally[T_DECLARATIONS] += 1
                        if live[j]:
                            tally[T_FALSE_POS] += 1
                    if age >= t_cleanup:
                        hb[i, c] = -1
                        hb_next[i, c] = -1
                        tally[T_CLEANUPS] += 1
            if alive:
                if live[j]:
                    agree += 1
            else:
                failed += 1
                dead_count[j] += 1
                if not live[j]:
                    agree += 1
    return agree, failed, oldest
