"""Kernels of rumour mongering (Demers et al. 1987, section 1.4): push, pull, push-pull with
feedback or blind stop rules, counters or coins, optionally backed by periodic anti-entropy
(their section 1.5, "Backing up a complex epidemic with anti-entropy").

The same rules as ``swarm.protocols.rumor.RumorAgent``, over arrays. Randomness is drawn by
the caller with ``Generator.random(out=...)`` and consumed here in order, in exactly the order
the agents draw it one double at a time:

- send: senders in node order; per sender its partner picks (one double each, as
  ``swarm.kernels.spreading.choose_partners``), then, for a blind coin push, one coin per
  partner, then, in a backup round, the pick of its anti-entropy partner (one double);
- receive: messages in batch order; one coin per delivered ``KNEW`` feedback (feedback +
  coin) and one per request answered by an infective node (blind coin pull).

Status codes, message kinds and the per-round contact flags are module constants shared with
the agent rule.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from swarm.kernels.spreading import choose_partners, degree, neighbour

# node status (state.status, uint8)
SUSCEPTIBLE = 0
INFECTIVE = 1
REMOVED = 2

# message kinds (uint8)
PUSH = 0  # an infective caller sends the rumour (update)
REQUEST = 1  # a pull request (no update)
ANSWER = 2  # an infective callee answers a request with the rumour (update)
KNEW = 3  # feedback: the receiver of the rumour knew it at the start of the round
NEW = 4  # feedback: it did not
BACKUP_CALL = 5  # backup anti-entropy: the call (update iff the caller knows the rumour)
BACKUP_REPLY = 6  # its answer (update iff the callee knows it and the call did not carry it)

# per-round contact flags of a spreading node (state.contact, uint8), cleared by end_round
NECESSARY = 1  # a contact told its partner something new
UNNECESSARY = 2  # a contact did not (blind: any contact)
LOSE = 4  # a coin came up: the node loses interest at the end of the round
# how a node not informed at the start of the round heard the rumour in it (backup runs only)
VIA_BACKUP = 8  # an anti-entropy message carrying the rumour reached it
VIA_RUMOR = 16  # a push or an answer reached it (marked only when it matters: backup_cold)


@njit(cache=True, inline="always")
def _calls(status_i, push, pull):
    """(pushes, requests): what a live node calls its partners with. Push mode: infective
    nodes push. Pull mode: every node requests. Push-pull: infective nodes push, the others
    request."""
    pushes = push and status_i == INFECTIVE
    requests = pull and not pushes
    return pushes, requests


@njit(cache=True)
def rumor_send_count(status, live, indptr, complete, fanout, push, pull, blind_coin, backup):
    """(messages, doubles) of the send phase: each calling node calls min(fanout, degree)
    partners (one double each); a blind coin push adds one coin per partner; in a backup
    round (``backup``) every live node with a neighbour makes one anti-entropy call (one
    double)."""
    n = status.shape[0]
    msgs = 0
    doubles = 0
    for i in range(n):
        if not live[i]:
            continue
        pushes, requests = _calls(status[i], push, pull)
        if not (pushes or requests or backup):
            continue
        d = degree(indptr, complete, n, i)
        if pushes or requests:
            c = fanout if fanout < d else d
            msgs += c
            doubles += c
            if pushes and blind_coin:
                doubles += c
        if backup and d > 0:
            msgs += 1
            doubles += 1
    return msgs, doubles


@njit(cache=True)
def rumor_send(
    status, live, indptr, indices, complete, fanout, push, pull, blind, coin, p_lose, backup,
    u, contact, src, dst, kind, update,
):
    """Fill the send phase into src/dst/kind/update (sized by rumor_send_count), senders in
    node order, consuming u in order. A blind push is a contact the sender cannot judge:
    counter -> UNNECESSARY; coin -> one coin per partner, LOSE if any is below p_lose.
    In a backup round (``backup``) every live node with a neighbour then calls one uniformly
    random neighbour (BACKUP_CALL, carrying the update iff the caller knows the rumour, i.e.
    is not susceptible) after its own rumour calls. Returns the number of messages."""
    n = status.shape[0]
    chosen = np.empty(max(fanout, 1), np.int64)
    scratch = np.empty(max(fanout, 1), np.int64)
    m = 0
    pos = 0
    for i in range(n):
        if not live[i]:
            continue
        pushes, requests = _calls(status[i], push, pull)
        if not (pushes or requests or backup):
            continue
        d = degree(indptr, complete, n, i)
        c = fanout if fanout < d else d
        if (pushes or requests) and c == 1:
            # one partner: choose_partners with k = 1, written out (a call per sender, with
            # its array arguments, made the send 1.5x slower at fanout 1; issue 15)
            r = int(u[pos] * d)
            if r >= d:
                r = d - 1
            pos += 1
            src[m] = i
            dst[m] = neighbour(indptr, indices, complete, i, r)
            kind[m] = PUSH if pushes else REQUEST
            update[m] = pushes
            m += 1
        elif (pushes or requests) and c > 0:
            choose_partners(u, pos, d, c, chosen, scratch)
            pos += c
            for j in range(c):
                src[m] = i
                dst[m] = neighbour(indptr, indices, complete, i, chosen[j])
                kind[m] = PUSH if pushes else REQUEST
                update[m] = pushes
                m += 1
        if pushes and blind and c > 0:
            if coin:
                for _ in range(c):
                    if u[pos] < p_lose:
                        contact[i] |= LOSE
                    pos += 1
            else:
                contact[i] |= UNNECESSARY
        if backup and d > 0:
            r = int(u[pos] * d)  # one partner: choose_partners with k = 1
            if r >= d:
                r = d - 1
            pos += 1
            src[m] = i
            dst[m] = neighbour(indptr, indices, complete, i, r)
            kind[m] = BACKUP_CALL
            update[m] = status[i] != SUSCEPTIBLE
            m += 1
    return m


@njit(cache=True)
def rumor_receive_count(kind, dst, status, feedback_coin, blind_coin):
    """Doubles the receive phase uses: one coin per KNEW feedback (feedback + coin), one per
    request that reaches an infective node (blind coin: answering is a contact)."""
    draws = 0
    for i in range(kind.shape[0]):
        k = kind[i]
        if feedback_coin and k == KNEW:
            draws += 1
        elif blind_coin and k == REQUEST and status[dst[i]] == INFECTIVE:
            draws += 1
    return draws


# The steps of rumor_receive, one message each. Numba gives every array a helper takes a
# reference count (an atomic increment and decrement per call) unless its pruning pass can
# prove the pair useless: it could not for a first version of these steps (a conditional
# store followed by more code: rumor_receive 2-2.6x slower, issue 14), and it can for them
# as written here (inline, early returns, the VIA_* flags set by the caller). After changing
# one, check that rumor_receive's LLVM (``inspect_llvm``, on a fresh cache) still has no
# ``NRT_incref`` call, and time it.


@njit(cache=True, inline="always")
def reply(reply_src, reply_dst, reply_kind, reply_update, r, d, s, what, carries):
    """Reply r: d -> s of kind ``what`` (``carries``: the update flag). Returns r + 1."""
    reply_src[r] = d
    reply_dst[r] = s
    reply_kind[r] = what
    reply_update[r] = carries
    return r + 1


@njit(cache=True, inline="always")
def learn(informed, informed_next, d):
    """The rumour reaches node d: informed unless it was at the start of the round or
    earlier in it. Returns whether it was newly informed (useful)."""
    if informed[d] or informed_next[d]:
        return False
    informed_next[d] = True
    return True


@njit(cache=True, inline="always")
def toss(contact, d, u, pos, p_lose):
    """One coin of node d (the next double): LOSE below p_lose. Returns the next pos."""
    if u[pos] >= p_lose:
        return pos + 1
    contact[d] |= LOSE
    return pos + 1


@njit(cache=True)
def rumor_receive(
    src, dst, kind, update, status, informed, informed_next, contact, feedback, blind, coin,
    p_lose, mark_rumor, u, useful, reply_src, reply_dst, reply_kind, reply_update,
):
    """Deliver a batch in order; write useful[0:m] and the replies; return the number of
    replies (at most one per message).

    - PUSH / ANSWER (the rumour): informs a receiver not informed at the start of the round
      nor earlier in it (useful); with feedback, the receiver answers KNEW if it was informed
      at the start of the round, else NEW (C1: two rumours reaching a susceptible node in
      the same round both get NEW).
    - REQUEST: an infective receiver (status at the start of the round) answers with the
      rumour; blind, the answer is a contact (counter: UNNECESSARY; coin: one coin).
    - KNEW: UNNECESSARY for the receiver (the node that spread); coin: one coin, LOSE below
      p_lose. NEW: NECESSARY.
    - BACKUP_CALL / BACKUP_REPLY carrying the update (anti-entropy): informs a receiver not
      informed at the start of the round nor earlier in it (useful) and flags it VIA_BACKUP;
      the callee of a BACKUP_CALL always replies, carrying the update iff it was informed at
      the start of the round and the call did not carry it. Not a rumour contact: no flags
      for the stop rules, no coins.
    - ``mark_rumor``: a PUSH / ANSWER reaching a node not informed at the start of the round
      flags it VIA_RUMOR (so that the commit can tell who heard the rumour only through
      anti-entropy).

    Steps: ``learn`` (a rumour or a backup update reaches its receiver), ``toss`` (a coin),
    ``reply``.
    """
    m = src.shape[0]
    r = 0
    pos = 0
    for i in range(m):
        d = dst[i]
        k = kind[i]
        hit = False
        if k == PUSH or k == ANSWER:
            if mark_rumor and not informed[d]:
                contact[d] |= VIA_RUMOR
            hit = learn(informed, informed_next, d)
            if feedback:
                r = reply(reply_src, reply_dst, reply_kind, reply_update, r, d, src[i],
                          KNEW if informed[d] else NEW, False)
        elif k == REQUEST:
            if status[d] == INFECTIVE:
                r = reply(reply_src, reply_dst, reply_kind, reply_update, r, d, src[i],
                          ANSWER, True)
                if blind:
                    if coin:
                        pos = toss(contact, d, u, pos, p_lose)
                    else:
                        contact[d] |= UNNECESSARY
        elif k == KNEW:
            contact[d] |= UNNECESSARY
            if coin:
                pos = toss(contact, d, u, pos, p_lose)
        elif k == NEW:
            contact[d] |= NECESSARY
        elif k == BACKUP_CALL or k == BACKUP_REPLY:
            if update[i] and not informed[d]:
                contact[d] |= VIA_BACKUP
                hit = learn(informed, informed_next, d)
            if k == BACKUP_CALL:
                r = reply(reply_src, reply_dst, reply_kind, reply_update, r, d, src[i],
                          BACKUP_REPLY, informed[d] and not update[i])
        useful[i] = hit
    return r


@njit(cache=True)
def rumor_commit(status, counter, contact, informed, informed_next, informed_round, live, t,
                 use_counter, k, backup_cold):
    """End of round t, every node in one pass.

    A node infective at the start of the round applies its contact flags: counter -> the
    counter resets to 0 if the round had a necessary contact, else grows by 1 if it had an
    unnecessary one (blind: any contact), and the node is removed when it reaches k; coin ->
    the node is removed if a coin came up (LOSE). Then newly informed nodes become informed
    (informed_round = t) and infective with counter 0 — except, with ``backup_cold``, a node
    that heard the rumour in this round only through anti-entropy (VIA_BACKUP without
    VIA_RUMOR), which becomes removed: it knows the rumour but does not spread it.

    Returns (live informed, live, live infective) after the commit.
    """
    hits = 0
    n_live = 0
    inf_live = 0
    for i in range(status.shape[0]):
        flags = contact[i]
        if flags != 0:
            contact[i] = 0
            if status[i] == INFECTIVE:
                if use_counter:
                    if flags & NECESSARY:
                        counter[i] = 0
                    elif flags & UNNECESSARY:
                        counter[i] += 1
                    if counter[i] >= k:
                        status[i] = REMOVED
                elif flags & LOSE:
                    status[i] = REMOVED
        if informed_next[i]:
            informed_next[i] = False
            if not informed[i]:
                informed[i] = True
                informed_round[i] = t
                if backup_cold and (flags & (VIA_BACKUP | VIA_RUMOR)) == VIA_BACKUP:
                    status[i] = REMOVED
                else:
                    status[i] = INFECTIVE
                counter[i] = 0
        if live[i]:
            n_live += 1
            if informed[i]:
                hits += 1
            if status[i] == INFECTIVE:
                inf_live += 1
    return hits, n_live, inf_live


@njit(cache=True)
def rumor_frontier(informed, live, indptr, indices, complete, hits, n_live):
    """True iff some live uninformed node has a live informed neighbour: what anti-entropy
    could still spread to (``hits``, ``n_live``: live informed and live nodes). The complete
    graph needs no scan; otherwise the first such edge ends the scan."""
    if hits == 0 or hits == n_live:
        return False
    if complete:
        return True
    for i in range(informed.shape[0]):
        if live[i] and not informed[i]:
            for e in range(indptr[i], indptr[i + 1]):
                j = indices[e]
                if live[j] and informed[j]:
                    return True
    return False
