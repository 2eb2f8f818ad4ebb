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


# -- Byzantine nodes and defences (the guarded path) ------------------------------------------
#
# Used only once a node is Byzantine or a defence is on (``Spreading.guarded``); the honest,
# undefended run never enters these kernels. Values: a node holds nothing, the true update or
# the forged one; a message carries the forged value iff its kind has the FORGED bit.

FORGED = 4  # kind flag: CALL | FORGED is a forged push, REPLY | FORGED a forged answer
BASE = 3  # kind & BASE: CALL, REPLY or ACK
NO_VALUE, TRUE_VALUE, FORGED_VALUE = 0, 1, 2
#: the codes of ``state.byzantine`` (``swarm.faults.byzantine``; a unit test checks they agree)
BZ_FORGE, BZ_EQUIVOCATE, BZ_CENSOR = 1, 2, 3


@njit(cache=True, inline="always")
def offer(informed, forged, byzantine, i, peer):
    """The value node i sends to peer, from the state at the start of the round: a forger the
    forged value, an equivocator the forged value to odd-numbered peers and the true one to
    even-numbered peers, a censor nothing; an honest node what it accepted."""
    b = byzantine[i]
    if b == BZ_FORGE:
        return FORGED_VALUE
    if b == BZ_EQUIVOCATE:
        return FORGED_VALUE if peer & 1 else TRUE_VALUE
    if b == BZ_CENSOR:
        return NO_VALUE
    if informed[i]:
        return TRUE_VALUE
    if forged[i]:
        return FORGED_VALUE
    return NO_VALUE


@njit(cache=True)
def holders(informed, forged, byzantine, pend_dst, out):
    """out[i]: node i has a value to offer this round (it then sends as an informed node
    does: pushes, answers pulls, pulls no more). A node with nothing to offer forgets its
    unacknowledged pushes (a censor resends nothing)."""
    slots = pend_dst.shape[1]
    for i in range(informed.shape[0]):
        b = byzantine[i]
        h = b == BZ_FORGE or b == BZ_EQUIVOCATE or (
            b != BZ_CENSOR and (informed[i] or forged[i]))
        out[i] = h
        if not h:
            for s in range(slots):
                pend_dst[i, s] = -1


@njit(cache=True)
def mark_forged(src, dst, kind, update, informed, forged, byzantine):
    """Set the FORGED bit of every update-carrying message whose sender offers its receiver
    the forged value (the send phase filled them from ``holders`` as if every value were
    true)."""
    for i in range(src.shape[0]):
        if update[i] and offer(informed, forged, byzantine, src[i], dst[i]) == FORGED_VALUE:
            kind[i] |= FORGED


@njit(cache=True, inline="always")
def offences(rep_ids, rep_count, d, s):
    """Offences node d holds against node s (0 if s is not in d's table)."""
    for j in range(rep_ids.shape[1]):
        if rep_ids[d, j] == s:
            return rep_count[d, j]
    return 0


@njit(cache=True)
def offend(rep_ids, rep_count, d, s, strikes):
    """Node d caught node s: one more offence (at most ``strikes``). A peer not in d's table
    takes the first free slot, else the slot with the fewest offences (the first such)."""
    slots = rep_ids.shape[1]
    for j in range(slots):
        if rep_ids[d, j] == s:
            if rep_count[d, j] < strikes:
                rep_count[d, j] += 1
            return
    best = -1
    for j in range(slots):
        if rep_ids[d, j] < 0:
            best = j
            break
    if best < 0:
        best = 0
        for j in range(1, slots):
            if rep_count[d, j] < rep_count[d, best]:
                best = j
    rep_ids[d, best] = s
    rep_count[d, best] = 1


# Steps of guarded_receive, one message each. Numba gives every array a helper takes a
# reference count (an atomic increment and decrement per call) unless its pruning pass can
# prove the pair useless: it could not for a first version of these steps (guarded_receive
# 1.7-3.9x slower, issue 14), and it can for them as written here (inline, early returns,
# the quorum weight computed by the caller). After changing one, check that
# guarded_receive's LLVM (``inspect_llvm``, on a fresh cache) has no more ``NRT_incref``
# calls than the flat loop's 19, and time it.


@njit(cache=True, inline="always")
def reply_to(reply_src, reply_dst, reply_kind, r, d, s, what):
    """Reply r: d -> s of kind ``what``. Returns r + 1."""
    reply_src[r] = d
    reply_dst[r] = s
    reply_kind[r] = what
    return r + 1


@njit(cache=True, inline="always")
def forget_push(pend_dst, d, s):
    """An ACK from s at d: d forgets its first remembered push to s."""
    for j in range(pend_dst.shape[1]):
        if pend_dst[d, j] == s:
            pend_dst[d, j] = -1
            return


@njit(cache=True, inline="always")
def vote(q_ids, q_weight, d, row, s, weight, need):
    """guarded_receive, a quorum: s counts once, with ``weight``, towards the value of
    ``row`` at d. Returns whether that value's weight reached ``need``."""
    free = -1
    for j in range(q_ids.shape[2]):
        other = q_ids[d, row, j]
        if other == s:
            return False  # counted already
        if other < 0 and free < 0:
            free = j
    if free < 0:  # cannot happen: sized to reach the quorum
        return False
    q_ids[d, row, free] = s
    q_weight[d, row] += weight
    return q_weight[d, row] >= need


@njit(cache=True)
def guarded_receive(
    src, dst, kind, update, informed, informed_next, forged, forged_next, byzantine, pull, ack,
    pend_dst, origin, quorum, signatures, reputation, strikes, q_ids, q_weight, rep_ids,
    rep_count, tally, useful, reply_src, reply_dst, reply_kind,
):
    """``spreading_receive`` with values and defences, messages in batch order.

    A message from a peer its receiver ignores (reputation: ``strikes`` offences) is dropped
    unread (tally[1] += 1). An ACK clears a remembered push. A pull request is answered with
    the callee's offer at the start of the round, if any. An update (value v from s at d) is
    acknowledged if it is a push and ack is on, then judged; it is useful iff d accepts v:

    - with signatures v is verified (tally[0] += 1); a forged value is rejected, s caught;
    - a node that holds a value keeps it; a different value catches s;
    - else v is accepted if s is the origin or quorum == 1; otherwise s counts once towards v
      with weight 2^(strikes - 1 - offences) units (1 without reputation), and v is accepted
      when its weight reaches quorum * 2^(strikes - 1) units (quorum without reputation).

    Returns the number of replies (kinds written; a REPLY carries a value, an ACK does not).
    Steps per message: the ignore check, ``forget_push`` (an ACK), the pull answer
    (``reply_to``), the ACK of a push (``reply_to``), the judgement (signature, value held),
    ``vote`` (quorum), the acceptance."""
    m = src.shape[0]
    r = 0
    verified = 0
    ignored = 0
    unit = 1 << (strikes - 1) if reputation else 1
    need = quorum * unit
    for i in range(m):
        s = src[i]
        d = dst[i]
        base = kind[i] & BASE
        useful[i] = False
        if reputation and offences(rep_ids, rep_count, d, s) >= strikes:
            ignored += 1
            continue
        if base == ACK:
            forget_push(pend_dst, d, s)
            continue
        if not update[i]:
            if pull and base == CALL:
                v = offer(informed, forged, byzantine, d, s)
                if v != NO_VALUE:
                    r = reply_to(reply_src, reply_dst, reply_kind, r, d, s,
                                 REPLY | FORGED if v == FORGED_VALUE else REPLY)
            continue
        if ack and base == CALL:
            r = reply_to(reply_src, reply_dst, reply_kind, r, d, s, ACK)
        v = FORGED_VALUE if kind[i] & FORGED else TRUE_VALUE
        # judged in the loop, not in a helper: that cost 10-28% on a push run with ack
        if signatures:
            verified += 1
            if v == FORGED_VALUE:
                if reputation:
                    offend(rep_ids, rep_count, d, s, strikes)
                continue
        if informed[d] or informed_next[d]:
            if v != TRUE_VALUE and reputation:
                offend(rep_ids, rep_count, d, s, strikes)
            continue
        if forged[d] or forged_next[d]:
            if v != FORGED_VALUE and reputation:
                offend(rep_ids, rep_count, d, s, strikes)
            continue
        if quorum > 1 and s != origin:
            weight = unit >> offences(rep_ids, rep_count, d, s) if reputation else 1
            if not vote(q_ids, q_weight, d, v - 1, s, weight, need):
                continue
        if v == TRUE_VALUE:
            informed_next[d] = True
        else:
            forged_next[d] = True
        useful[i] = True
    tally[0] += verified
    tally[1] += ignored
    return r


@njit(cache=True)
def count_values(informed, forged, live, byzantine):
    """(live honest nodes holding the true value, holding the forged value, live honest
    nodes)."""
    hits = 0
    false_hits = 0
    honest = 0
    for i in range(informed.shape[0]):
        if live[i] and byzantine[i] == 0:
            honest += 1
            if informed[i]:
                hits += 1
            elif forged[i]:
                false_hits += 1
    return hits, false_hits, honest


@njit(cache=True)
def commit_values(informed, informed_next, forged, forged_next, informed_round, byzantine, t):
    """End of round t on the guarded path: accepted values become held. Returns the number
    of honest nodes (not Byzantine now) that accepted the forged value in round t — new
    acceptances only, unlike a difference of ``count_values``, which also moves when nodes
    go down or come back and when Byzantine nodes holding the forged value turn honest."""
    false_new = 0
    # commit_informed's first lines, written out again on purpose: a shared inline helper
    # returning "newly set" made commit_informed's loop 3.4x slower (push-pull on 10^6 nodes
    # to full: 0.17 -> 0.57 s), and that loop is on every honest run's hot path
    for i in range(informed.shape[0]):
        if informed_next[i]:
            informed_next[i] = False
            if not informed[i]:
                informed[i] = True
                informed_round[i] = t
        if forged_next[i]:
            forged_next[i] = False
            if not forged[i]:
                forged[i] = True
                if byzantine[i] == 0:
                    false_new += 1
    return false_new
