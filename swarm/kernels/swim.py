"""Kernels of SWIM (Das, Gupta & Motivala 2002), with optional Lifeguard (Dadgar et al. 2018).

The same rules as ``swarm.protocols.swim.SwimAgent``, over arrays. Membership views are
``(n, W)`` tables (row = observer, column = a member it tracks, ``swarm.protocols.membership``:
a full view has ``W = n`` and column j = member j; a partial view's columns are the node's
peers, its own entry last): ``view`` (int8 ALIVE / SUSPECT / DEAD), ``inc`` (int32
incarnation), ``since`` (uint16: the round a suspicion started, modulo 2^16), ``tx`` (uint8:
transmissions left of the observer's update about the member) and, with Lifeguard,
``confirm`` (uint8: suspicions of the same incarnation heard since, counted per message, where
memberlist counts distinct confirming nodes). Every kernel that reads a view takes the view
geometry ``pindptr, pindices, pcomplete, partial, width`` (``Views.args``): the peers (full
view: the topology's neighbours) and the column <-> member mapping.

Randomness, drawn by the caller with ``Generator.random(out=...)`` and consumed in order:

- send: live nodes in node order; a node starting a probe cycle draws two doubles (stride,
  offset of its shuffled probe order); in a reconnect round a node with a member it holds
  dead then draws one double (which dead member to sync with);
- end of phase 1: probers whose probe is unanswered, in node order, pick their ``k``
  helpers (``pick_helpers``: one double per rejection try, then one per pick from the list
  of eligible peers; a variable number, at most ``helper_doubles``: the caller draws that
  many and rewinds the Generator to the number used, ``swarm.rng.rewind``);
- accusations (``byzantine`` fault, behaviour ``accuse``; ``byzantine`` stream, start of the
  round): each live accuser, in node order, draws one double (which of the live members it
  tracks it accuses).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from swarm.kernels.memory import prefetch
from swarm.kernels.spreading import choose_partners, degree, neighbour
from swarm.kernels.views import member_at, slot_of, tracked_columns

# status of a member in an observer's view (int8)
ALIVE = 0
SUSPECT = 1
DEAD = 2

# message kinds (uint8); every message piggybacks its sender's updates of the round
PING = 0  # phase 0: the prober pings its target
ACK = 1  # phase 1: the target answers
PING_REQ = 2  # phase 2: no ack by the end of phase 1 -> the prober asks k helpers
PING_FWD = 3  # phase 3: a helper pings the target on the prober's behalf
ACK_FWD = 4  # phase 4: the target answers the helper
ACK_RELAY = 5  # phase 5: the helper relays the ack to the prober
SYNC = 6  # phase 0, reconnect rounds: full view to a member the sender holds dead
SYNC_REPLY = 7  # phase 1: the full view back
GOSSIP = 8  # phase 0, with gossip_nodes: updates only, to random members (memberlist's gossip)
#: the phase in which each kind acts (a message arriving in another phase was delayed by the
#: latency fault: its piggyback is merged, but it answers nothing)
KIND_PHASE = np.array([0, 1, 2, 3, 4, 5, 0, 1, 0], np.int64)

# per-round tallies (a protocol-owned int64 array, both paths add to it)
T_CHANGES = 0  # view entries changed (any cause)
T_SUSPICIONS = 1  # suspicions raised by a node's own failed probe
T_REFUTATIONS = 2  # a node refuted a suspicion (or death) about itself
T_DECLARATIONS = 3  # suspicion timeouts: an honest node declared a member dead
T_FALSE_POS = 4  # ... of which the member was live
T_PROBES = 5  # probes sent
T_PROBES_LIVE = 6  # ... of which the target was live
T_FAILED_LIVE = 7  # ... and got no ack (direct or indirect) by the end of the period
T_PROBED = 8  # distinct live members probed by at least one node in the period
T_ACCUSATIONS = 9  # false suspicions / deaths asserted by Byzantine accusers
N_TALLY = 10

SINCE_MASK = 0xFFFF

#: messages ahead whose rows swim_receive prefetches (the sender's snapshot, the receiver's
#: view rows and counters; the snapshot count and CSR offset twice as far)
AHEAD = 8


@njit(cache=True, inline="always")
def set_status(view, n_suspect, counts, live, r, c, m, status):
    """view[r, c] = status (column c of row r holds member m), keeping n_suspect[r] (suspects
    in row r) and, for a live observer r != m, ``counts[ALIVE or DEAD, m]`` (live observers
    holding m alive / dead) right."""
    old = view[r, c]
    if old == SUSPECT and status != SUSPECT:
        n_suspect[r] -= 1
    elif old != SUSPECT and status == SUSPECT:
        n_suspect[r] += 1
    if live[r] and r != m:
        if old != SUSPECT:
            counts[old // 2, m] -= 1  # ALIVE -> row 0, DEAD -> row 1
        if status != SUSPECT:
            counts[status // 2, m] += 1
    view[r, c] = status


@njit(cache=True, inline="always")
def queue(tx, n_pending, r, c, limit):
    """Observer r will piggyback its entry in column c on its next ``limit`` messages."""
    if tx[r, c] == 0:
        n_pending[r] += 1
    tx[r, c] = limit


@njit(cache=True, inline="always")
def holds(view, pindptr, pindices, partial, width, r, m, status):
    """Whether observer r tracks member m and holds it ``status``."""
    c = slot_of(pindptr, pindices, partial, width, r, m)
    return c >= 0 and view[r, c] == status


@njit(cache=True)
def stride(u, d):
    """A step coprime with d: 1 + floor(u (d - 1)), moved up (cyclically in 1..d-1) to the
    first value coprime with d. Ranks ``(stride * s + offset) mod d`` for s = 0..d-1 visit
    every rank once."""
    if d <= 2:
        return 1
    a = 1 + int(u * (d - 1))
    if a >= d:
        a = d - 1
    while True:
        x, y = a, d
        while y:
            x, y = y, x % y
        if x == 1:
            return a
        a = a + 1 if a + 1 < d else 1


@njit(cache=True)
def apply_update(view, inc, since, tx, confirm, n_suspect, counts, live, n_pending, health,
                 pindptr, pindices, partial, width, r, m, s, x, t, limit, lifeguard,
                 health_max, tally):
    """Observer r hears "member m is s with incarnation x"; True if r's view changed. A
    member r does not track (partial view) is ignored. (``apply_at`` with r's column of
    m, found by ``slot_of``.)"""
    c = slot_of(pindptr, pindices, partial, width, r, m)
    return apply_at(view, inc, since, tx, confirm, n_suspect, counts, live, n_pending, health,
                    r, c, m, s, x, t, limit, lifeguard, health_max, tally)


# what an update does to an observer's entry (``decide``)
IGNORE = 0  # no change
CONFIRM = 1  # a SUSPECT of the same incarnation: a Lifeguard confirmation, no change
REFUTE = 2  # about the observer itself: incarnation x + 1, ALIVE
SUSPECT_FROM = 3  # a new suspicion: since = t, confirmations 0, then as TAKE
TAKE = 4  # status s, incarnation x


@njit(cache=True, inline="always")
def decide(cur, cx, own, s, x):
    """What "member m is s with incarnation x" does to an entry holding status cur and
    incarnation cx (``own``: m is the observer itself). About itself: a suspicion or death
    with x >= own incarnation is refuted. About another member (SWIM section 4.2,
    memberlist's guards): ALIVE x overrides anything with a smaller incarnation; SUSPECT x
    overrides ALIVE x' <= x and SUSPECT x' < x (a SUSPECT of the same incarnation is a
    confirmation), never DEAD; DEAD x overrides ALIVE / SUSPECT with x' <= x. Scalars only:
    no reference counts in the per-update loop."""
    if own:
        return REFUTE if s != ALIVE and x >= cx else IGNORE
    if s == ALIVE:
        return TAKE if x > cx else IGNORE
    if s == SUSPECT:
        if cur == SUSPECT and x == cx:
            return CONFIRM
        if (cur == ALIVE and x >= cx) or (cur == SUSPECT and x > cx):
            return SUSPECT_FROM
        return IGNORE
    return IGNORE if cur == DEAD or x < cx else TAKE


@njit(cache=True, inline="always")
def apply_at(view, inc, since, tx, confirm, n_suspect, counts, live, n_pending, health, r, c,
             m, s, x, t, limit, lifeguard, health_max, tally):
    """Observer r hears "member m is s with incarnation x", m in column c of r's view (-1:
    r does not track m, ignored); True if r's view changed (``decide``): a refutation sets
    the incarnation to x + 1 and ALIVE (Lifeguard: health + 1), an accepted update sets
    status and incarnation (a new suspicion also starts its timer); a change is queued for
    retransmission. (``swim_receive`` writes the same steps out in its snapshot loop.)"""
    if c < 0:
        return False
    act = decide(view[r, c], inc[r, c], m == r, s, x)
    if act == IGNORE:
        return False
    if act == CONFIRM:
        if lifeguard and confirm[r, c] < 255:
            confirm[r, c] += 1
        return False
    if act == REFUTE:
        inc[r, c] = x + 1
        set_status(view, n_suspect, counts, live, r, c, m, ALIVE)
        if lifeguard and health[r] < health_max:
            health[r] += 1
        tally[T_REFUTATIONS] += 1
    else:
        if act == SUSPECT_FROM:
            since[r, c] = t & SINCE_MASK
            if lifeguard:
                confirm[r, c] = 0
        inc[r, c] = x
        set_status(view, n_suspect, counts, live, r, c, m, s)
    queue(tx, n_pending, r, c, limit)
    tally[T_CHANGES] += 1
    return True


@njit(cache=True)
def swim_send_count(live, probe_pos, next_probe, view, snap_count, pindptr, pindices,
                    pcomplete, partial, width, t, lifeguard, gossip_nodes, reconnect):
    """(messages at most, doubles) of the send phase."""
    n = live.shape[0]
    msgs = 0
    doubles = 0
    for i in range(n):
        if not live[i]:
            continue
        d = degree(pindptr, pcomplete, n, i)
        if d > 0 and not (lifeguard and t < next_probe[i]):
            msgs += 1
            if probe_pos[i] == 0:
                doubles += 2
        if gossip_nodes and snap_count[i] > 0:
            c = gossip_nodes if gossip_nodes < d else d
            msgs += c
            doubles += c
        if reconnect:
            for c in range(tracked_columns(pindptr, partial, n, i)):
                if view[i, c] == DEAD and member_at(pindptr, pindices, partial, width, i,
                                                    c) != i:
                    msgs += 1
                    doubles += 1
                    break
    return msgs, doubles


@njit(cache=True)
def swim_send(live, probe_pos, probe_a, probe_b, probe_target, next_probe, view, snap_count,
              sent, pindptr, pindices, pcomplete, partial, width, t, lifeguard, gossip_nodes,
              reconnect, u, src, dst, kind, update):
    """Live nodes in node order: the next target of the node's probe cycle over its peers
    (skipping members it holds dead; a cycle that runs out skips the period); with
    ``gossip_nodes`` and something to gossip, GOSSIP to that many distinct random peers (C2
    draws) except those it holds dead; then, in a reconnect round, a SYNC to a uniformly
    chosen tracked member it holds dead. Returns the number of messages. (The peer of rank q
    sits in column q of a partial view, in column = its id in a full one.)"""
    # Kept as one loop (issue 14): the same steps as helper functions made it 4.5-12x slower
    # (numba kept a reference count per array argument per node; benchmarks in the commit).
    # Steps per live node, in order:
    #   1. probe (lines 262-290): a new cycle draws its stride and offset (two doubles); the
    #      cycle's next peer not held dead gets a PING (none left: the period is skipped);
    #   2. gossip (lines 291-304): GOSSIP to min(gossip_nodes, d) random peers not held dead;
    #   3. sync (lines 305-328): in a reconnect round, a SYNC to a random member held dead.
    n = live.shape[0]
    chosen = np.empty(max(gossip_nodes, 1), np.int64)
    scratch = np.empty(max(gossip_nodes, 1), np.int64)
    m = 0
    pos = 0
    for i in range(n):
        if not live[i]:
            continue
        base = 0 if pcomplete else pindptr[i]  # (degree and neighbour written out: as
        d = n - 1 if pcomplete else pindptr[i + 1] - base  # helpers, reference counts)
        if d > 0 and not (lifeguard and t < next_probe[i]):  # 1. probe
            s = probe_pos[i]
            if s == 0:
                probe_a[i] = stride(u[pos], d)
                b = int(u[pos + 1] * d)
                probe_b[i] = b if b < d else d - 1
                pos += 2
            a = np.int64(probe_a[i])  # the cycle's next peer not held dead
            b = np.int64(probe_b[i])
            target = -1
            tc = -1
            while s < d:
                q = (a * s + b) % d
                j = (q if q < i else q + 1) if pcomplete else pindices[base + q]
                c = q if partial else j
                s += 1
                if view[i, c] != DEAD:
                    target = j
                    tc = c
                    break
            probe_pos[i] = s if s < d else 0
            if target >= 0:
                probe_target[i] = target
                src[m] = i
                dst[m] = target
                kind[m] = PING
                update[m] = snap_count[i] > 0 or (lifeguard and view[i, tc] == SUSPECT)
                sent[i] += 1
                m += 1
        if gossip_nodes and snap_count[i] > 0:  # 2. gossip
            c = gossip_nodes if gossip_nodes < d else d
            choose_partners(u, pos, d, c, chosen, scratch)
            pos += c
            for q in range(c):
                h = neighbour(pindptr, pindices, pcomplete, i, chosen[q])
                if view[i, chosen[q] if partial else h] == DEAD:
                    continue
                src[m] = i
                dst[m] = h
                kind[m] = GOSSIP
                update[m] = True
                sent[i] += 1
                m += 1
        if reconnect:  # 3. sync
            cols = tracked_columns(pindptr, partial, n, i)
            dead = 0
            for c in range(cols):
                if view[i, c] == DEAD and member_at(pindptr, pindices, partial, width, i,
                                                    c) != i:
                    dead += 1
            if dead:
                r = int(u[pos] * dead)
                if r >= dead:
                    r = dead - 1
                pos += 1
                for c in range(cols):
                    j = member_at(pindptr, pindices, partial, width, i, c)
                    if view[i, c] == DEAD and j != i:
                        if r == 0:
                            src[m] = i
                            dst[m] = j
                            kind[m] = SYNC
                            update[m] = True
                            sent[i] += 1
                            m += 1
                            break
                        r -= 1
    return m


@njit(cache=True)
def swim_receive(src, dst, kind, update, phase, t, view, inc, since, tx, confirm, n_suspect,
                 counts, live, n_pending, health, snap_member, snap_status, snap_inc, snap_count,
                 probe_target, acked, sent, rec_prober, rec_target, rec_next, rec_head,
                 rec_tail, rec_used, limit, lifeguard, health_max, tally, useful, out_src,
                 out_dst, out_kind, out_update, pindptr, pindices, pcomplete, partial, width):
    """Deliver a batch in order; write useful[0:m] and the replies; return their number.

    Every message first hands over its piggyback: the sender's snapshot of the round (SYNC
    and SYNC_REPLY: the members the sender holds alive, read now, and what it holds of the
    receiver, a death taken as a suspicion so that the receiver refutes it); with Lifeguard
    a PING / PING_FWD also tells a target the sender suspects that it is suspected (the
    "buddy system"). A message is useful when it changed its receiver's view (and carried
    something: the update flag says whether a piggyback or a buddy suspicion rode on it).
    Then, in its own phase only: PING -> ACK; ACK from the probe target -> acked; PING_REQ
    -> the helper records (prober, target) and sends PING_FWD to the prober's target;
    PING_FWD -> ACK_FWD; ACK_FWD -> the helper relays ACK_RELAY to the first prober recorded
    for that target and not yet relayed; ACK_RELAY -> acked; SYNC -> SYNC_REPLY.
    ``rec_used[0]`` counts the relay records (rec_* arrays sized by the caller)."""
    # Kept as one loop (issue 14): its steps as helper functions made it 1.1-59x slower
    # (numba kept a reference count per array argument per message; benchmarks in the
    # commit). Steps per message, in order (0. prefetch the rows of message e + AHEAD):
    #   1. piggyback (lines 392-476): a SYNC / SYNC_REPLY hands over the sender's alive
    #      members (1a), any other message the sender's snapshot (1b), then with Lifeguard a
    #      PING / PING_FWD the buddy suspicion (1c); then ``useful``;
    #   2. the answer (lines 477-514), in the kind's own phase only: PING -> ACK, ACK ->
    #      acked, PING_REQ -> a relay record and a PING_FWD, PING_FWD -> ACK_FWD, ACK_FWD ->
    #      ACK_RELAY to the first prober not yet relayed to, ACK_RELAY -> acked, SYNC ->
    #      SYNC_REPLY;
    #   3. the reply (lines 515-524).
    nm = src.shape[0]
    r = 0
    for e in range(nm):
        if e + 3 * AHEAD < nm:  # 0. prefetch what message e + AHEAD reads, in three steps:
            prefetch(snap_count, src[e + 3 * AHEAD])  # the sender's snapshot count,
        if e + 2 * AHEAD < nm and snap_count[src[e + 2 * AHEAD]] > 0:
            prefetch(pindptr, dst[e + 2 * AHEAD])  # the receiver's CSR offset if needed,
        if e + AHEAD < nm:  # then the rows
            sa = src[e + AHEAD]
            da = dst[e + AHEAD]
            prefetch(sent, da)  # every answer: sent and snap_count of the answerer
            prefetch(snap_count, da)
            if snap_count[sa] > 0:
                last_q = snap_member.shape[1] - 1
                prefetch(snap_member, (sa, 0))
                prefetch(snap_member, (sa, last_q))
                prefetch(snap_inc, (sa, 0))
                prefetch(snap_inc, (sa, last_q))
                prefetch(snap_status, (sa, 0))
                prefetch(view, (da, 0))
                prefetch(tx, (da, 0))
                for c in range(0, width + 15, 16):
                    prefetch(inc, (da, c if c < width else width - 1))
                if partial:
                    prefetch(pindices, pindptr[da])
                    prefetch(pindices, pindptr[da + 1] - 1)
        s = src[e]
        d = dst[e]
        k = kind[e]
        changed = False
        if k == SYNC or k == SYNC_REPLY:  # 1a. piggyback: the sender's alive members
            for c in range(width):  # the sender's columns in order (own entry included)
                mm = member_at(pindptr, pindices, partial, width, s, c)
                if mm < 0:
                    continue
                heard = view[s, c]
                if heard != ALIVE:
                    if mm != d:
                        continue  # third parties: only the sender's alive members
                    heard = SUSPECT  # about me: a death is taken as a suspicion, refuted
                if apply_at(view, inc, since, tx, confirm, n_suspect, counts, live,
                            n_pending, health, d,
                            slot_of(pindptr, pindices, partial, width, d, mm), mm, heard,
                            inc[s, c], t, limit, lifeguard, health_max, tally):
                    changed = True
        else:  # 1b. piggyback: the sender's snapshot
            # (in member order, a partial view's own entry last: d's columns by one forward
            # scan of its sorted peers, restarted for the out-of-order own entry)
            cnt = snap_count[s]
            lo = pindptr[d] if partial and cnt else 0
            b = lo
            b_end = pindptr[d + 1] if partial and cnt else 0
            prev = -1
            for q in range(cnt):
                mm = snap_member[s, q]
                if not partial:
                    c = mm
                elif mm == d:
                    c = width - 1
                else:
                    if mm < prev:
                        b = lo
                    prev = mm
                    while b < b_end and pindices[b] < mm:
                        b += 1
                    c = b - lo if b < b_end and pindices[b] == mm else -1
                if c < 0:  # (apply_at written out: no reference counts per update)
                    continue
                us = snap_status[s, q]
                ux = snap_inc[s, q]
                cur = view[d, c]
                act = decide(cur, inc[d, c], mm == d, us, ux)
                if act == IGNORE:
                    continue
                if act == CONFIRM:
                    if lifeguard and confirm[d, c] < 255:
                        confirm[d, c] += 1
                    continue
                if act == REFUTE:
                    inc[d, c] = ux + 1
                    us = ALIVE
                    if lifeguard and health[d] < health_max:
                        health[d] += 1
                    tally[T_REFUTATIONS] += 1
                else:
                    if act == SUSPECT_FROM:
                        since[d, c] = t & SINCE_MASK
                        if lifeguard:
                            confirm[d, c] = 0
                    inc[d, c] = ux
                if cur == SUSPECT and us != SUSPECT:  # set_status
                    n_suspect[d] -= 1
                elif cur != SUSPECT and us == SUSPECT:
                    n_suspect[d] += 1
                if live[d] and d != mm:
                    if cur != SUSPECT:
                        counts[cur // 2, mm] -= 1
                    if us != SUSPECT:
                        counts[us // 2, mm] += 1
                view[d, c] = us
                if tx[d, c] == 0:  # queue
                    n_pending[d] += 1
                tx[d, c] = limit
                tally[T_CHANGES] += 1
                changed = True
            if lifeguard and (k == PING or k == PING_FWD):  # 1c. buddy suspicion
                cs = slot_of(pindptr, pindices, partial, width, s, d)
                if cs >= 0 and view[s, cs] == SUSPECT:
                    if apply_at(view, inc, since, tx, confirm, n_suspect, counts, live,
                                n_pending, health, d, width - 1 if partial else d, d,
                                SUSPECT, inc[s, cs], t, limit, lifeguard, health_max, tally):
                        changed = True
        useful[e] = changed and update[e]
        if KIND_PHASE[k] != phase:
            continue
        reply = -1  # 2. the answer, in the kind's own phase
        to = s
        if k == PING:
            reply = ACK
        elif k == ACK:
            if probe_target[d] == s:
                acked[d] = True
        elif k == PING_REQ:
            target = probe_target[s]
            if target >= 0 and target != d:
                c = rec_used[0]
                rec_used[0] = c + 1
                rec_prober[c] = s
                rec_target[c] = target
                rec_next[c] = -1
                if rec_head[d] < 0:
                    rec_head[d] = c
                else:
                    rec_next[rec_tail[d]] = c
                rec_tail[d] = c
                reply = PING_FWD
                to = target
        elif k == PING_FWD:
            reply = ACK_FWD
        elif k == ACK_FWD:
            c = rec_head[d]
            while c >= 0:
                if rec_target[c] == s:
                    reply = ACK_RELAY
                    to = rec_prober[c]
                    rec_target[c] = -1  # relayed
                    break
                c = rec_next[c]
        elif k == ACK_RELAY:
            if probe_target[d] >= 0:
                acked[d] = True
        elif k == SYNC:
            reply = SYNC_REPLY
        if reply >= 0:  # 3. the reply
            out_src[r] = d
            out_dst[r] = to
            out_kind[r] = reply
            out_update[r] = (reply == SYNC_REPLY or snap_count[d] > 0
                             or (lifeguard and reply == PING_FWD
                                 and holds(view, pindptr, pindices, partial, width, d, to,
                                           SUSPECT)))
            sent[d] += 1
            r += 1
    return r


#: rejection tries per wanted helper before a prober lists its eligible peers
HELPER_TRIES = 4


@njit(cache=True, inline="always")
def helper_doubles(d, k):
    """Doubles at most that a prober with d peers uses to pick k helpers: HELPER_TRIES * k
    rejection tries and up to k picks from the list of eligible peers; with at most
    HELPER_TRIES * k peers it lists them at once (min(k, d) picks)."""
    tries = HELPER_TRIES * k
    if d <= tries:
        return k if k < d else d
    return tries + k


@njit(cache=True)
def swim_helpers_count(live, probe_target, acked, pindptr, pcomplete, k):
    """(PING_REQ messages at most, doubles at most) at the end of phase 1: every live prober
    without an ack picks up to k helpers among its d peers (``helper_doubles``)."""
    n = live.shape[0]
    msgs = 0
    doubles = 0
    if k == 0:
        return msgs, doubles
    for i in range(n):
        if live[i] and probe_target[i] >= 0 and not acked[i]:
            doubles += helper_doubles(degree(pindptr, pcomplete, n, i), k)
            msgs += k
    return msgs, doubles


@njit(cache=True, inline="always")
def helper_ok(view, partial, i, rank, h, target, out, taken):
    """Whether peer h (rank ``rank`` among i's peers) may help i probe ``target``: not the
    target, held ALIVE by i, not chosen yet (out[0:taken])."""
    if h == target or view[i, rank if partial else h] != ALIVE:
        return False
    for q in range(taken):
        if out[q] == h:
            return False
    return True


@njit(cache=True, inline="always")
def pick_helpers(view, pindptr, pindices, pcomplete, partial, i, target, d, k, u, pos, out,
                 pool, ranks, scratch):
    """memberlist's ``kRandomNodes``: min(k, e) distinct helpers, uniformly among the e peers
    of i it holds ALIVE other than ``target``, into out[0:count] in pick order; returns
    (count, next double). Up to HELPER_TRIES * k tries of a uniform peer (rank floor(u d),
    one double each; a try rejected by ``helper_ok`` is lost), stopping at k; if fewer were
    found, the eligible peers not chosen are listed in rank order and the rest picked among
    them as ``choose_partners`` does (one double each). A node with at most HELPER_TRIES * k
    peers lists them at once. Every accepted try is uniform among the eligible peers not yet
    chosen, and how many tries it took does not depend on which one it was, so the set is a
    uniform min(k, e)-subset whichever way it was completed. ``pool`` holds d ids."""
    taken = 0
    tries = HELPER_TRIES * k
    if d > tries:
        for _ in range(tries):
            if taken == k:
                break
            r = int(u[pos] * d)
            if r >= d:
                r = d - 1
            pos += 1
            h = neighbour(pindptr, pindices, pcomplete, i, r)
            if helper_ok(view, partial, i, r, h, target, out, taken):
                out[taken] = h
                taken += 1
        if taken == k:
            return taken, pos
    e = 0
    for r in range(d):
        h = neighbour(pindptr, pindices, pcomplete, i, r)
        if helper_ok(view, partial, i, r, h, target, out, taken):
            pool[e] = h
            e += 1
    more = k - taken if k - taken < e else e
    choose_partners(u, pos, e, more, ranks, scratch)
    for j in range(more):
        out[taken + j] = pool[ranks[j]]
    return taken + more, pos + more


@njit(cache=True)
def swim_helpers(live, probe_target, acked, view, snap_count, sent, pindptr, pindices,
                 pcomplete, partial, k, u, at, src, dst, kind, update):
    """PING_REQs of unanswered probers (node order) into src/dst/kind/update from index
    ``at``, to the helpers of ``pick_helpers``. Returns (the new end index, doubles used)."""
    n = live.shape[0]
    m = at
    pos = 0
    if k == 0:
        return m, pos
    out = np.empty(k, np.int64)
    ranks = np.empty(k, np.int64)
    scratch = np.empty(k, np.int64)
    pool = np.empty(0, np.int64)
    for i in range(n):
        if not (live[i] and probe_target[i] >= 0 and not acked[i]):
            continue
        d = degree(pindptr, pcomplete, n, i)
        if pool.shape[0] < d:
            pool = np.empty(n if pcomplete else max(d, 2 * pool.shape[0]), np.int64)
        c, pos = pick_helpers(view, pindptr, pindices, pcomplete, partial, i,
                              probe_target[i], d, k, u, pos, out, pool, ranks, scratch)
        for q in range(c):
            src[m] = i
            dst[m] = out[q]
            kind[m] = PING_REQ
            update[m] = snap_count[i] > 0
            sent[i] += 1
            m += 1
    return m, pos


def padded(n):
    """Columns of the ``tx`` table: the view width n rounded up to a multiple of 8, so that a
    row can be read as uint64 words (``swim_snapshot`` skips eight empty entries at a
    time)."""
    return (n + 7) // 8 * 8


@njit(cache=True)
def swim_snapshot(live, tx, tx_words, view, inc, n_pending, max_piggyback, snap_member,
                  snap_status, snap_inc, snap_count, pindptr, pindices, partial):
    """Start of a round: what each live node piggybacks on its messages of the round — its
    queued entries with the most transmissions left (memberlist sends the least-sent
    broadcasts first), at most ``max_piggyback``, ties by member id; written in member order
    with the status and incarnation they have now. ``tx_words`` is ``tx`` seen as uint64
    (rows padded to a multiple of 8 columns, the padding 0): a word of 0 is eight entries with
    nothing queued. Ties by column: by member id in a full view, peers before the own entry
    in a partial one."""
    n = live.shape[0]
    width = view.shape[1]
    words = tx_words.shape[1]
    hist = np.zeros(256, np.int64)
    for i in range(n):
        snap_count[i] = 0
        if not live[i] or n_pending[i] == 0:
            continue
        level = 0
        room = 0
        if n_pending[i] > max_piggyback:  # (else every queued entry goes)
            hist[:] = 0
            for q in range(words):
                if tx_words[i, q] == 0:
                    continue
                for j in range(8 * q, min(8 * q + 8, width)):
                    x = tx[i, j]
                    if x:
                        hist[x] += 1
            # the lowest level whose entries (with all above) still fit
            above = 0
            level = 255
            while level > 0 and above + hist[level] <= max_piggyback:
                above += hist[level]
                level -= 1
            # entries with tx > level all go; of those with tx == level, the first ones by id
            room = max_piggyback - above if level > 0 else 0
        c = 0
        for q in range(words):
            if tx_words[i, q] == 0:
                continue
            for j in range(8 * q, min(8 * q + 8, width)):
                x = tx[i, j]
                if x == 0:
                    continue
                if x > level or (x == level and room > 0):
                    if x == level:
                        room -= 1
                    if not partial:  # member_at, written out
                        snap_member[i, c] = j
                    elif j == width - 1:
                        snap_member[i, c] = i
                    else:
                        snap_member[i, c] = pindices[pindptr[i] + j]
                    snap_status[i, c] = view[i, j]
                    snap_inc[i, c] = inc[i, j]
                    c += 1
        snap_count[i] = c


@njit(cache=True)
def suspicion_timeout(c, t_min, t_max, k_expected):
    """Lifeguard's dynamic suspicion timeout in periods (memberlist ``suspicion.go``): from
    t_max with no confirmation down to t_min with ``k_expected`` independent ones,
    logarithmically: max(t_min, t_max - (t_max - t_min) log(c + 1) / log(k + 1))."""
    if k_expected < 1:
        return t_min
    frac = math.log(c + 1.0) / math.log(k_expected + 1.0)
    value = t_max - (t_max - t_min) * frac
    return value if value > t_min else t_min


# The three passes of swim_commit. Inline: as separate (called) functions swim_commit
# measured 2-4% slower at 10^5 nodes under loss (issue 14), inline within noise.


@njit(cache=True, inline="always")
def spend_transmissions(view, inc, tx, n_pending, sent, snap_member, snap_status, snap_inc,
                        snap_count, pindptr, pindices, partial, width):
    """swim_commit, step 1: each snapshot entry still current loses one transmission per
    message its node sent this round (an entry at 0 is no longer piggybacked)."""
    for i in range(snap_count.shape[0]):
        c = snap_count[i]
        if c == 0 or sent[i] == 0:
            continue
        # the snapshot is in column order: its columns by one forward scan of the row
        # (written out: slot_of per entry cost a binary search and reference counts)
        lo = pindptr[i] if partial else 0
        b = lo
        for q in range(c):
            m = snap_member[i, q]
            if not partial:
                j = m
            elif m == i:
                j = width - 1
            else:
                while pindices[b] != m:
                    b += 1
                j = b - lo
            if view[i, j] == snap_status[i, q] and inc[i, j] == snap_inc[i, q] and tx[i, j]:
                left = np.int64(tx[i, j]) - sent[i]
                if left <= 0:
                    tx[i, j] = 0
                    n_pending[i] -= 1
                else:
                    tx[i, j] = left


@njit(cache=True, inline="always")
def judge_probes(live, view, since, tx, confirm, n_suspect, counts, n_pending, health,
                 next_probe, probe_target, acked, t, limit, lifeguard, health_max, tally,
                 probed, pindptr, pindices, partial, width):
    """swim_commit, step 2: a probe with no ack (direct or relayed) by the end of the period
    makes the prober suspect its target if it held it ALIVE (Lifeguard: health + 1; an ack:
    - 1; the next probe comes 1 + health periods later). Counts T_PROBES, T_PROBES_LIVE,
    T_PROBED (``probed``: scratch), T_FAILED_LIVE, T_SUSPICIONS."""
    probed[:] = False
    probes = 0  # the tallies in locals: a store to tally per node cannot stay in a register
    probes_live = 0
    n_probed = 0
    failed_live = 0
    for i in range(live.shape[0]):
        j = probe_target[i]
        if not live[i] or j < 0:
            continue
        probes += 1
        if live[j]:
            probes_live += 1
            if not probed[j]:
                probed[j] = True
                n_probed += 1
        if acked[i]:
            if lifeguard and health[i] > 0:
                health[i] -= 1
        else:
            if live[j]:
                failed_live += 1
            if lifeguard and health[i] < health_max:
                health[i] += 1
            cj = slot_of(pindptr, pindices, partial, width, i, j)  # (only unanswered probes)
            if view[i, cj] == ALIVE:
                set_status(view, n_suspect, counts, live, i, cj, j, SUSPECT)
                since[i, cj] = t & SINCE_MASK
                if lifeguard:
                    confirm[i, cj] = 0
                queue(tx, n_pending, i, cj, limit)
                tally[T_SUSPICIONS] += 1
                tally[T_CHANGES] += 1
        if lifeguard:
            next_probe[i] = t + 1 + health[i]
    tally[T_PROBES] += probes
    tally[T_PROBES_LIVE] += probes_live
    tally[T_PROBED] += n_probed
    tally[T_FAILED_LIVE] += failed_live


@njit(cache=True, inline="always")
def expire_suspicions(live, view, since, tx, confirm, n_suspect, counts, n_pending, t, limit,
                      t_min, t_max, k_expected, lifeguard, tally, next_check, byzantine,
                      pindptr, pindices, partial, width):
    """swim_commit, step 3: a SUSPECT entry older than the timeout (t_min periods;
    Lifeguard: from t_max down to t_min with confirmations) becomes DEAD and is queued;
    counted in T_DECLARATIONS / T_FALSE_POS only in an honest row. Row i is scanned only
    from round ``next_check[i]`` on, which this step moves to its oldest suspicion's start
    + ceil(t_min)."""
    n = live.shape[0]
    wait = math.ceil(t_min)
    for i in range(n):
        if not live[i] or n_suspect[i] == 0 or t < next_check[i]:
            continue
        oldest = t + 1
        for c in range(tracked_columns(pindptr, partial, n, i)):
            if view[i, c] != SUSPECT:
                continue
            j = member_at(pindptr, pindices, partial, width, i, c)
            age = (t - np.int64(since[i, c])) & SINCE_MASK
            timeout = t_min
            if lifeguard:
                timeout = suspicion_timeout(confirm[i, c], t_min, t_max, k_expected)
            if age < timeout:
                if t - age < oldest:
                    oldest = t - age
            else:
                set_status(view, n_suspect, counts, live, i, c, j, DEAD)
                queue(tx, n_pending, i, c, limit)
                tally[T_CHANGES] += 1
                if byzantine[i] == 0:
                    tally[T_DECLARATIONS] += 1
                    if live[j]:
                        tally[T_FALSE_POS] += 1
        next_check[i] = oldest + wait


@njit(cache=True)
def swim_commit(live, view, inc, since, tx, confirm, n_suspect, counts, n_pending, health,
                next_probe, probe_target, acked, sent, snap_member, snap_status, snap_inc,
                snap_count, t, limit, t_min, t_max, k_expected,
                lifeguard, health_max, tally, probed, next_check, byzantine, pindptr, pindices,
                partial, width):
    """End of round t (both paths):

    1. transmissions (``spend_transmissions``): each snapshot entry still current loses one
       transmission per message its node sent this round (an entry at 0 is no longer
       piggybacked);
    2. probes (``judge_probes``): a probe with no ack (direct or relayed) by the end of the
       period makes the prober suspect its target if it held it ALIVE (Lifeguard: health +
       1; an ack: - 1; the next probe comes 1 + health periods later);
    3. suspicion timeouts (``expire_suspicions``): a SUSPECT entry older than the timeout
       (t_min periods; Lifeguard: from t_max down to t_min with confirmations) becomes DEAD
       and is queued; counted in T_DECLARATIONS / T_FALSE_POS only in an honest row
       (``byzantine[i] == 0``: an accuser's own accusations time out in its view too, and
       are not honest timeouts).

    ``probed`` is scratch (the members probed this period, counted in T_PROBED). (When a
    down member is first detected / held dead is recorded by the caller from ``counts``,
    ``Episodes.record_detected``.) ``next_check[i]`` is a lower bound of
    the first round in which one of row i's suspicions can time out (its oldest suspicion's
    start + ceil(t_min): every timeout is at least t_min, and a suspicion started later
    expires later); a row is scanned only from that round on, which keeps a busy row from
    being scanned every period."""
    spend_transmissions(view, inc, tx, n_pending, sent, snap_member, snap_status, snap_inc,
                        snap_count, pindptr, pindices, partial, width)
    judge_probes(live, view, since, tx, confirm, n_suspect, counts, n_pending, health,
                 next_probe, probe_target, acked, t, limit, lifeguard, health_max, tally,
                 probed, pindptr, pindices, partial, width)
    expire_suspicions(live, view, since, tx, confirm, n_suspect, counts, n_pending, t, limit,
                      t_min, t_max, k_expected, lifeguard, tally, next_check, byzantine,
                      pindptr, pindices, partial, width)


@njit(cache=True)
def member_counts(view, live, counts, pindptr, pindices, partial, width):
    """From scratch: ``counts[0, j]`` / ``counts[1, j]`` = live observers i != j holding
    member j ALIVE / DEAD (``set_status`` keeps them up to date between live-set changes)."""
    n = live.shape[0]
    counts[:] = 0
    for i in range(n):
        if not live[i]:
            continue
        for c in range(tracked_columns(pindptr, partial, n, i)):
            j = member_at(pindptr, pindices, partial, width, i, c)
            v = view[i, c]
            if j != i and v != SUSPECT:
                counts[v // 2, j] += 1


@njit(cache=True)
def swim_accuse_count(live, byzantine, code):
    """Doubles the accusations of a round use: one per live accuser."""
    total = 0
    for i in range(live.shape[0]):
        if live[i] and byzantine[i] == code:
            total += 1
    return total


@njit(cache=True)
def swim_accuse(live, byzantine, code, status, view, inc, since, tx, confirm, n_suspect,
                counts, n_pending, pindptr, pindices, partial, width, u, t, limit, lifeguard,
                tally):
    """Start of round t, before the snapshot: every live node with ``byzantine == code``, in
    node order, draws one double and picks with it one of the live members it tracks
    (uniform among them, in column order; if there is none, the double is unused) and
    asserts ``status`` (SUSPECT or DEAD) about it at the member's current incarnation, in its
    own view, queued with fresh transmissions, so that it is piggybacked like any update
    (``since`` = t, Lifeguard confirmations 0)."""
    n = live.shape[0]
    pos = 0
    for i in range(n):
        if not (live[i] and byzantine[i] == code):
            continue
        cols = tracked_columns(pindptr, partial, n, i)
        targets = 0
        for c in range(cols):
            j = member_at(pindptr, pindices, partial, width, i, c)
            if j != i and live[j]:
                targets += 1
        pos += 1
        if targets == 0:
            continue
        r = int(u[pos - 1] * targets)
        if r >= targets:
            r = targets - 1
        for c in range(cols):
            j = member_at(pindptr, pindices, partial, width, i, c)
            if j == i or not live[j]:
                continue
            if r > 0:
                r -= 1
                continue
            own = width - 1 if partial else j
            set_status(view, n_suspect, counts, live, i, c, j, status)
            inc[i, c] = inc[j, own]
            since[i, c] = t & SINCE_MASK
            if lifeguard:
                confirm[i, c] = 0
            queue(tx, n_pending, i, c, limit)
            tally[T_ACCUSATIONS] += 1
            break
