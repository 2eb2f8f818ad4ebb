"""Kernels of the CAP register (``swarm.protocols.register``): one replicated register,
``ap`` (anti-entropy, last writer wins, a G-counter beside it) or ``cp`` (majority quorums).

The same rules as ``swarm.protocols.register.RegisterAgent``, over arrays. A replica's
register is a pair (``tag``, ``val``): ``tag`` packs (seq, writer) into an int64 with the same
order (:func:`make_tag`), ``val`` is the id of the client write it holds (0: the initial
value). Pairs are compared lexicographically (:func:`newer`), the larger wins — in ``ap``'s
merges, in ``cp``'s stores and in the quorum's "highest version".

Randomness: none here. ``ap``'s partner draws go through ``swarm.protocols.calls``; client
operations are drawn by the protocol's shared code.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# message kinds (uint8)
QUERY = 0  # cp phase 0, coordinator -> replica: "your register?" (no data)
ANSWER = 1  # cp phase 1, replica -> coordinator: carries the replica's register
STORE = 2  # cp phase 2, coordinator -> replica: carries the coordinator's proposal
ACK = 3  # cp phase 3, replica -> coordinator: "I hold it (or newer)"
PUSH_PULL = 4  # ap call: carries the caller's register and counter; the callee replies
REPLY = 5  # ap: the callee's register and counter back to the caller

#: a coordinator decides after the answers (phase 1) and counts acks in phase 3
DECIDE_PHASE = 1
ACK_PHASE = 3


@njit(cache=True, inline="always")
def make_tag(seq, writer):
    """(seq, writer) as one int64 with the same lexicographic order: seq in the high 32
    bits, writer + 1 (0 for the initial value's writer -1) in the low 32 bits."""
    return (np.int64(seq) << 32) | np.int64(writer + 1)


@njit(cache=True, inline="always")
def tag_seq(tag):
    return tag >> 32


@njit(cache=True, inline="always")
def newer(t1, v1, t2, v2):
    """(t1, v1) > (t2, v2), lexicographically."""
    return t1 > t2 or (t1 == t2 and v1 > v2)


@njit(cache=True, inline="always")
def adopt(tag, val, tag_next, val_next, d, t, v):
    """cp: replica ``d`` takes the pair (t, v) at once if it is newer than its register, and
    into its next register if newer there (so next >= current always; anti-entropy merges go
    to next only). True if the register changed."""
    if newer(t, v, tag_next[d], val_next[d]):
        tag_next[d] = t
        val_next[d] = v
    if newer(t, v, tag[d], val[d]):
        tag[d] = t
        val[d] = v
        return True
    return False


# -- anti-entropy (both modes) ------------------------------------------------------------------
@njit(cache=True)
def ap_merge(tag, val, cnt, tag_next, val_next, cnt_next, src, dst):
    """Merge replica ``src`` at the start of the round into ``dst``'s next state: the larger
    register pair, and the counter entry by entry (max). True if anything changed."""
    hit = False
    if newer(tag[src], val[src], tag_next[dst], val_next[dst]):
        tag_next[dst] = tag[src]
        val_next[dst] = val[src]
        hit = True
    row_s = cnt[src]
    row_d = cnt_next[dst]
    for j in range(row_s.shape[0]):
        if row_s[j] > row_d[j]:
            row_d[j] = row_s[j]
            hit = True
    return hit


@njit(cache=True)
def ap_receive(src, dst, kind, tag, val, cnt, tag_next, val_next, cnt_next, changed, useful,
               reply_src, reply_dst):
    """Deliver a batch of PUSH_PULL / REPLY messages in order: each carries its sender's
    register and counter at the start of the round, merged into the receiver's next state
    (useful iff that changed something); a PUSH_PULL is answered by a REPLY. Returns the
    number of replies (their src / dst written)."""
    r = 0
    for i in range(src.shape[0]):
        d = dst[i]
        hit = ap_merge(tag, val, cnt, tag_next, val_next, cnt_next, src[i], d)
        if hit:
            changed[d] = True
        if kind[i] == PUSH_PULL:
            reply_src[r] = d
            reply_dst[r] = src[i]
            r += 1
        useful[i] = hit
    return r


@njit(cache=True)
def merge_by_sender(a_src, a_dst, a_kind, a_update, b_src, b_dst, b_kind, b_update, src, dst,
                    kind, update):
    """Two batches each in sender order into one, sender by sender (a stable merge; of one
    sender, batch a's messages first): what the agents send when each node in node order
    sends its anti-entropy calls (a), then its queries (b). Returns the length."""
    i = 0
    j = 0
    m = 0
    na = a_src.shape[0]
    nb = b_src.shape[0]
    while i < na or j < nb:
        if j >= nb or (i < na and a_src[i] <= b_src[j]):
            src[m] = a_src[i]
            dst[m] = a_dst[i]
            kind[m] = a_kind[i]
            update[m] = a_update[i]
            i += 1
        else:
            src[m] = b_src[j]
            dst[m] = b_dst[j]
            kind[m] = b_kind[j]
            update[m] = b_update[j]
            j += 1
        m += 1
    return m


@njit(cache=True)
def ap_commit(tag, val, cnt, tag_next, val_next, cnt_next, changed):
    """End of the round: the merged rows become the replicas' state (next >= current, so
    the rows cp's stores raised meanwhile keep the larger pair); flags cleared."""
    for i in range(tag.shape[0]):
        if changed[i]:
            changed[i] = False
            tag[i] = tag_next[i]
            val[i] = val_next[i]
            cnt[i] = cnt_next[i]


@njit(cache=True)
def ap_writes(tag, val, cnt, tag_next, val_next, cnt_next, nodes, writes, pred):
    """Client writes at distinct nodes, in order: write ``writes[j]`` at node c = nodes[j]
    gets the tag (c's seq + 1, c) — a Lamport clock: larger than anything c holds — and is
    applied at once (both buffers); with a counter, it also increments c's own entry.
    ``pred[j]`` := the value it overwrote at c."""
    for j in range(nodes.shape[0]):
        c = nodes[j]
        pred[j] = val[c]
        t = make_tag(tag_seq(tag[c]) + 1, c)
        tag[c] = t
        tag_next[c] = t
        val[c] = writes[j]
        val_next[c] = writes[j]
        if cnt.shape[1] > 0:
            cnt[c, c] += 1
            cnt_next[c, c] = cnt[c, c]


# -- cp ---------------------------------------------------------------------------------------
@njit(cache=True)
def cp_send(op_nodes, voter, n, src, dst, kind, update):
    """Phase 0: every coordinator (op order = node order) that may vote sends a QUERY to
    every other replica, in id order. Returns the number of messages."""
    m = 0
    for j in range(op_nodes.shape[0]):
        c = op_nodes[j]
        if not voter[c]:
            continue
        for r in range(n):
            if r != c:
                src[m] = c
                dst[m] = r
                kind[m] = QUERY
                update[m] = False
                m += 1
    return m


@njit(cache=True, inline="always")
def _reply(rs, rd, rk, ru, r, s, d, k, u):
    rs[r] = s
    rd[r] = d
    rk[r] = k
    ru[r] = u


@njit(cache=True)
def cp_receive(phase, src, dst, kind, tag, val, tag_next, val_next, cnt, cnt_next, changed,
               voter, slot, heard, votes, best_tag, best_val, prop_tag, prop_val, acks,
               proposed, useful, rs, rd, rk, ru):
    """Deliver a batch in order (any kind at any phase: late messages of the latency fault
    arrive in phase 0):

    - QUERY: a voting replica answers (ANSWER);
    - ANSWER: counted for the receiver's operation only in phase 1 and once per replica
      (``heard``); it raises the coordinator's best pair (useful iff it did);
    - STORE: the replica adopts the sender's proposal if it is newer (useful iff adopted);
      a voting replica acknowledges (ACK) either way — it now holds that pair or a newer one;
    - ACK: counted in phase 3 for a coordinator that proposed this round;
    - PUSH_PULL / REPLY: anti-entropy, as in ``ap_receive``.

    Returns the number of replies written to rs / rd / rk / ru."""
    r = 0
    for i in range(src.shape[0]):
        s = src[i]
        d = dst[i]
        k = kind[i]
        hit = False
        if k == QUERY:
            if voter[d]:
                _reply(rs, rd, rk, ru, r, d, s, ANSWER, True)
                r += 1
        elif k == ANSWER:
            o = slot[d]
            if phase == DECIDE_PHASE and o >= 0 and not heard[o, s]:
                heard[o, s] = True
                votes[d] += 1
                if newer(tag[s], val[s], best_tag[d], best_val[d]):
                    best_tag[d] = tag[s]
                    best_val[d] = val[s]
                    hit = True
        elif k == STORE:
            hit = adopt(tag, val, tag_next, val_next, d, prop_tag[s], prop_val[s])
            if voter[d]:
                _reply(rs, rd, rk, ru, r, d, s, ACK, False)
                r += 1
        elif k == ACK:
            if phase == ACK_PHASE and slot[d] >= 0 and proposed[d]:
                acks[d] += 1
        else:  # PUSH_PULL or REPLY
            hit = ap_merge(tag, val, cnt, tag_next, val_next, cnt_next, s, d)
            if hit:
                changed[d] = True
            if k == PUSH_PULL:
                _reply(rs, rd, rk, ru, r, d, s, REPLY, True)
                r += 1
        useful[i] = hit
    return r


@njit(cache=True)
def cp_decide(n, op_nodes, op_kind, op_write, write_kind, voter, votes, best_tag, best_val,
              tag, val, tag_next, val_next, prop_tag, prop_val, acks, proposed,
              rs, rd, rk, ru, r):
    """End of phase 1, coordinators in node order: a write whose coordinator has a strict
    majority of answers (itself included) proposes (best seq + 1, coordinator) with its value,
    adopts it itself (one ack) and sends a STORE to every other replica in id order, written
    to the reply buffer from index ``r``. Returns the new end of the buffer."""
    for j in range(op_nodes.shape[0]):
        c = op_nodes[j]
        if op_kind[j] != write_kind or not voter[c] or 2 * votes[c] <= n:
            continue
        prop_tag[c] = make_tag(tag_seq(best_tag[c]) + 1, c)
        prop_val[c] = op_write[j]
        proposed[c] = True
        adopt(tag, val, tag_next, val_next, c, prop_tag[c], prop_val[c])
        acks[c] = 1  # it holds the proposal or newer (a late STORE may have brought newer)
        for q in range(n):
            if q != c:
                _reply(rs, rd, rk, ru, r, c, q, STORE, True)
                r += 1
    return r


# -- metrics ----------------------------------------------------------------------------------
@njit(cache=True)
def register_scan(tag, val, live, counts, cnt):
    """One pass over the live replicas. ``counts`` (int64, zeros, one entry per value id) is
    filled with how many live replicas hold each value. Returns
    ``(newest_tag, newest_val, holders, n_live, distinct, plurality, counter_lo, counter_hi)``:
    the largest pair held and how many hold it, the number of distinct values and of replicas
    holding the most common one, and the smallest / largest counter total (row sums of
    ``cnt``; -1 / -1 without a counter). With no live replica: (-1, -1, 0, 0, 0, 0, -1, -1)."""
    newest_t = np.int64(-1)
    newest_v = np.int64(-1)
    holders = 0
    n_live = 0
    lo = np.int64(-1)
    hi = np.int64(-1)
    with_counter = cnt.shape[1] > 0
    for i in range(tag.shape[0]):
        if not live[i]:
            continue
        n_live += 1
        t = tag[i]
        v = val[i]
        if newer(t, v, newest_t, newest_v):
            newest_t = t
            newest_v = v
            holders = 1
        elif t == newest_t and v == newest_v:
            holders += 1
        counts[v] += 1
        if with_counter:
            total = np.int64(0)
            for j in range(cnt.shape[1]):
                total += cnt[i, j]
            if lo < 0 or total < lo:
                lo = total
            if total > hi:
                hi = total
    distinct = 0
    plurality = 0
    for v in range(counts.shape[0]):
        c = counts[v]
        if c > 0:
            distinct += 1
            if c > plurality:
                plurality = c
    return newest_t, newest_v, holders, n_live, distinct, plurality, lo, hi


@njit(cache=True)
def lost_writes(pred, rounds, acked, newest):
    """Acknowledged writes the register's current winner ``newest`` overwrote without being
    concurrent with them. Write ``w`` (ids 1..; 0 is the initial value) built on ``pred[w]``,
    was issued in round ``rounds[w]`` and acknowledged iff ``acked[w]``. The history of
    ``newest`` is it, what it built on, and so on back to 0. A write is lost iff it was
    acknowledged, is not in that history, and no write of the history is concurrent with it:

    - a write issued in the same round (writes of one round are concurrent, so ordering one
      after another that it never saw is a legal order — a linearizable register may do it);
    - a write never acknowledged and issued in its round or earlier: a pending write may take
      effect at any time after its invocation, so it may be linearized after it (ABD's
      refused write, stored at a minority, may come back later through a quorum or
      anti-entropy and win).

    Otherwise the write was acknowledged before any pending write of the history was
    issued, and the history has no write of its round: the winner skipped it, or is older
    than it — lost."""
    count = pred.shape[0]
    on = np.zeros(count, np.bool_)
    top = 0
    for w in range(count):
        if rounds[w] > top:
            top = rounds[w]
    chain_round = np.zeros(top + 1, np.bool_)
    pending = top + 1  # the earliest round of a never acknowledged write of the history
    v = newest
    while v >= 0:
        on[v] = True
        chain_round[rounds[v]] = True
        if v > 0 and not acked[v] and rounds[v] < pending:
            pending = rounds[v]
        v = pred[v]
    lost = 0
    for w in range(1, count):
        if acked[w] and not on[w] and not chain_round[rounds[w]] and rounds[w] < pending:
            lost += 1
    return lost
