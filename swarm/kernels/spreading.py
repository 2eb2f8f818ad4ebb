"""Kernels of the rumour-spreading family (push, pull, push-pull).

The same rules as ``swarm.protocols.spreading.SpreadingAgent``, over arrays. Partner choices
use one double per partner from the counter-based generator (``swarm.kernels.philox``): the
j-th draw of node i in round t is a function of (key, t, i, j) alone, so the send kernel runs
CHUNK nodes per parallel task and the agent path, which computes the same draws one node at a
time, makes the same choices bit for bit, on any number of threads. Honest runs without
acknowledgements deliver in parallel too (``spreading_receive_parallel``); runs with
acknowledgements or Byzantine nodes deliver in batch order on one thread.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from swarm.kernels.memory import AHEAD, prefetch
from swarm.kernels.parallel import CHUNK, chunk_range
from swarm.kernels.philox import fill_pairs, uniform

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


@njit(cache=True, parallel=True)
def send_offsets(informed, live, indptr, complete, fanout, push, pull, t, ack, max_retries,
                 pend_dst, pend_due, pend_tries, offsets):
    """How many messages each CHUNK of nodes sends (its due resends, then its calls: a live
    node calls iff (push and informed) or (pull and not informed), min(fanout, degree)
    neighbours), as offsets: offsets[c] is where chunk c's messages start, offsets[-1] the
    total, which is returned. ``offsets`` has one more entry than there are chunks."""
    n = informed.shape[0]
    chunks = offsets.shape[0] - 1
    slots = pend_dst.shape[1]
    for c in prange(chunks):
        lo, hi = chunk_range(c, n)
        total = 0
        for i in range(lo, hi):
            if ack and live[i]:
                for s in range(slots):
                    if pend_dst[i, s] >= 0 and pend_due[i, s] <= t and \
                            pend_tries[i, s] < max_retries:
                        total += 1
            if sends(live[i], informed[i], push, pull):
                d = degree(indptr, complete, n, i)
                total += fanout if fanout < d else d
        offsets[c + 1] = total
    offsets[0] = 0
    for c in range(chunks):
        offsets[c + 1] += offsets[c]
    return offsets[chunks]


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
def send_chunk(
    lo, hi, m, calls, informed, live, indptr, indices, complete, fanout, push, pull, key0,
    key1, src, dst, kind, update, t, ack, retry_after, max_retries, pend_dst, pend_due,
    pend_tries,
):
    """The messages of nodes lo..hi-1 (``calls`` of them), written from position m
    (``spreading_send``'s task). Returns the number of resends.

    Where the draws come from matters (10^6 nodes, one thread): a Philox block computed inside
    the send loop waits for its own 10 dependent rounds (~18 ns), while a loop that does
    nothing else vectorises (``fill_pairs``, ~0.6 ns a node). So the draws are
    computed first, in loops of their own — for every node of the chunk when most of them
    send (fanout 1), else for the senders only."""
    n = informed.shape[0]
    if fanout == 1 and not ack:
        # the common case, unswitched by hand (as the serial kernel was: 1.4-1.8x faster
        # than the general loop below): one call per sender, no slots, no list of ranks
        if 4 * calls > hi - lo:
            u = np.empty(hi - lo + 1, np.float64)  # lo is even: whole pairs
            fill_pairs(key0, key1, t, lo, 0, 0, u)
            for i in range(lo, hi):
                if not complete and i + AHEAD < hi:  # the entry a later node will pick
                    a = i + AHEAD
                    prefetch(indices, indptr[a] + int(u[a - lo] * (indptr[a + 1] - indptr[a])))
                if sends(live[i], informed[i], push, pull):
                    d = degree(indptr, complete, n, i)
                    if d == 0:
                        continue
                    r = int(u[i - lo] * d)
                    src[m] = i
                    dst[m] = neighbour(indptr, indices, complete, i, r if r < d else d - 1)
                    kind[m] = CALL
                    update[m] = informed[i]
                    m += 1
        else:
            for i in range(lo, hi):
                if sends(live[i], informed[i], push, pull):
                    d = degree(indptr, complete, n, i)
                    if d == 0:
                        continue
                    r = int(uniform(key0, key1, t, i, 0, 0) * d)
                    src[m] = i
                    dst[m] = neighbour(indptr, indices, complete, i, r if r < d else d - 1)
                    kind[m] = CALL
                    update[m] = informed[i]
                    m += 1
        return 0
    slots = pend_dst.shape[1]
    senders = np.empty(hi - lo, np.int64)
    ns = 0
    for i in range(lo, hi):
        if sends(live[i], informed[i], push, pull):
            senders[ns] = i
            ns += 1
    u = np.empty(ns * fanout, np.float64)
    for j in range(fanout):  # senders in the inner loop: that one vectorises
        for q in range(ns):
            u[q * fanout + j] = uniform(key0, key1, t, senders[q], j, 0)
    chosen = np.empty(fanout, np.int64)
    scratch = np.empty(fanout, np.int64)
    done = 0
    q = 0
    for i in range(lo, hi):
        if ack and live[i]:
            for s in range(slots):
                if pend_dst[i, s] >= 0 and pend_due[i, s] <= t:
                    if pend_tries[i, s] < max_retries:
                        src[m] = i
                        dst[m] = pend_dst[i, s]
                        kind[m] = CALL
                        update[m] = True
                        m += 1
                        done += 1
                        pend_tries[i, s] += 1
                        pend_due[i, s] = t + retry_after
                    else:
                        pend_dst[i, s] = -1
        if q == ns or senders[q] != i:
            continue
        base = q * fanout
        q += 1
        d = degree(indptr, complete, n, i)
        k = fanout if fanout < d else d
        if k == 1:
            r = int(u[base] * d)
            chosen[0] = r if r < d else d - 1
        else:
            choose_partners(u, base, d, k, chosen, scratch)
        for j in range(k):
            partner = neighbour(indptr, indices, complete, i, chosen[j])
            src[m] = i
            dst[m] = partner
            kind[m] = CALL
            update[m] = informed[i]
            m += 1
            if ack and informed[i]:
                track(pend_dst, pend_due, pend_tries, i, partner, t + retry_after)
    return done


@njit(cache=True, parallel=True)
def spreading_send(
    informed, live, indptr, indices, complete, fanout, push, pull, key0, key1, offsets,
    src, dst, kind, update, t, ack, retry_after, max_retries, pend_dst, pend_due, pend_tries,
):
    """Fill the send phase's messages into src/dst/kind/update (``offsets`` from
    ``send_offsets``): senders in node order, CHUNK nodes per parallel task; each first resends
    its due unacknowledged pushes (slot order; a push out of retries is forgotten), then, if it
    sends this round, calls min(fanout, degree) distinct neighbours (``choose_partners``) with
    its draws 0, 1, ... of round t (``philox.uniform(key0, key1, t, node, j, 0)``: the same
    bits on any number of threads, and on the agent path); a call carries the update iff the
    sender is informed, and with ack such a push is remembered until acknowledged. Returns
    (messages, resends)."""
    n = informed.shape[0]
    chunks = offsets.shape[0] - 1
    resent = np.zeros(chunks, np.int64)
    for c in prange(chunks):
        lo, hi = chunk_range(c, n)
        resent[c] = send_chunk(
            lo, hi, offsets[c], offsets[c + 1] - offsets[c], informed, live, indptr, indices,
            complete, fanout, push, pull, key0, key1, src, dst, kind, update, t, ack,
            retry_after, max_retries, pend_dst, pend_due, pend_tries)
    return offsets[chunks], resent.sum()


@njit(cache=True, parallel=True)
def spreading_receive_parallel(src, dst, kind, update, informed, informed_next, pull,
                               reply_src, reply_dst, reply_kind, counts):
    """``spreading_receive`` without acknowledgements, CHUNK messages per parallel task: an
    update informs its receiver (``informed_next``, the same value whichever task writes it
    first); with pull a call without the update, received by a node informed at the start of
    the round, is answered by a REPLY. Replies keep batch order (each task writes at its own
    messages' offsets, then they are moved together). Returns the number of replies; the
    useful messages are counted from ``informed_next`` (one per newly informed node), not
    marked per message. ``counts`` has one entry per chunk."""
    m = src.shape[0]
    chunks = counts.shape[0]
    for c in prange(chunks):
        lo, hi = chunk_range(c, m)
        r = lo
        for i in range(lo, hi):
            if i + AHEAD < hi:  # the line of a later receiver, in flight while this one waits
                prefetch(informed, dst[i + AHEAD])
                prefetch(informed_next, dst[i + AHEAD])
            d = dst[i]
            if update[i]:
                if not informed[d]:
                    informed_next[d] = True
            elif pull and kind[i] == CALL and informed[d]:
                reply_src[r] = d
                reply_dst[r] = src[i]
                reply_kind[r] = REPLY
                r += 1
        counts[c] = r - lo
    r = 0
    for c in range(chunks):
        lo = c * CHUNK
        if r != lo:
            for q in range(counts[c]):
                reply_src[r + q] = reply_src[lo + q]
                reply_dst[r + q] = reply_dst[lo + q]
                reply_kind[r + q] = reply_kind[lo + q]
        r += counts[c]
    return r


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


@njit(cache=True, parallel=True)
def commit_informed(informed, informed_next, informed_round, live, t):
    """End of round t: newly informed nodes become informed. Returns (live informed nodes,
    live nodes), the round's coverage counts, from the same pass (parallel; integer sums, so
    the same on any number of threads)."""
    hits = 0
    n_live = 0
    for i in prange(informed.shape[0]):
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
