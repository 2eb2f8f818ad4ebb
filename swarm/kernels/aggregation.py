"""Kernels of aggregation: push-pull averaging (Jelasity, Montresor & Babaoglu 2005) and
push-sum (Kempe, Dobra & Gehrke 2003).

The same rules as ``swarm.protocols.aggregation``'s agents, over arrays. The send phase is
``swarm.kernels.antientropy.store_send`` (every live node calls one random neighbour, one
double per pick, callers in node order); receiving draws nothing.

Float arithmetic is written in the order the agent rule writes it (``(a + b) * 0.5``,
``x + y * 0.5``), so both paths give the same bits.

Byzantine nodes (``byzantine[i]`` a code of ``swarm.faults.byzantine``) go through the
``*_byzantine`` kernels, which the protocols call only in rounds with a Byzantine node: they
do what the honest kernels do for honest nodes (same arithmetic, same bits) and apply the
behaviours for the others. An equivocating report takes the next double of ``coins``
(pre-drawn from the ``byzantine`` stream; ``*_coins`` says how many a batch takes).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from swarm.kernels.antientropy import PULL, PUSH, REPLY
from swarm.kernels.byzantine import CENSOR, EQUIVOCATE, FORGE
from swarm.kernels.memory import AHEAD, prefetch

# message kinds (uint8), shared with anti-entropy's codes
REQUEST = PULL  # averaging: the caller's value to the callee, which answers (no update flag)
SHARE = PUSH  # push-sum: half of the sender's (s, w), added by the receiver
ANSWER = REPLY  # averaging: the callee's value back to the caller; the exchange commits

__all__ = ["REQUEST", "SHARE", "ANSWER", "exchange_receive", "share_receive", "halve_senders",
           "estimate_metrics", "potential", "error_bands", "reported",
           "exchange_receive_byzantine", "exchange_coins", "share_receive_byzantine",
           "share_coins"]


@njit(cache=True)
def exchange_receive(src, dst, kind, value, useful, reply_src, reply_dst):
    """Deliver a batch of averaging messages in order. A REQUEST is answered (one ANSWER per
    request, callee to caller) and changes nothing; an ANSWER commits the exchange of its pair:
    both ends take ``(value[caller] + value[callee]) * 0.5`` of their current values. The
    answer is useful iff that changed a value. Returns the number of answers written."""
    m = src.shape[0]
    r = 0
    for i in range(m):
        # the values the answer AHEAD places on will read (no effect on any value, see
        # swarm.kernels.memory): several random reads in flight instead of one
        j = i + AHEAD
        if j < m and kind[j] != REQUEST:
            prefetch(value, src[j])
            prefetch(value, dst[j])
        s = src[i]
        d = dst[i]
        if kind[i] == REQUEST:
            reply_src[r] = d
            reply_dst[r] = s
            r += 1
            useful[i] = False
        else:
            a = value[d]
            b = value[s]
            mean = (a + b) * 0.5
            value[d] = mean
            value[s] = mean
            useful[i] = mean != a or mean != b
    return r


@njit(cache=True)
def halve_senders(src, s, w, s_next, w_next):
    """Push-sum's send: every sender keeps half its (s, w) (``s_next`` = ``s * 0.5``)."""
    for i in range(src.shape[0]):
        j = src[i]
        s_next[j] = s[j] * 0.5
        w_next[j] = w[j] * 0.5


@njit(cache=True)
def share_receive(src, dst, s, w, s_next, w_next, useful):
    """Deliver push-sum shares in order: the receiver adds half the sender's (s, w) at the
    start of the round to its next (s, w). Every delivered share is useful (it moves mass).
    The receivers' entries of the share AHEAD places on are prefetched."""
    m = src.shape[0]
    for i in range(m):
        a = i + AHEAD
        if a < m:
            prefetch(s_next, dst[a])
            prefetch(w_next, dst[a])
        j = src[i]
        d = dst[i]
        s_next[d] = s_next[d] + s[j] * 0.5
        w_next[d] = w_next[d] + w[j] * 0.5
        useful[i] = True


@njit(cache=True, inline="always")
def reported(code, own, forged, mirror, coins, c):
    """(the value a node with Byzantine code ``code`` reports, the next coin index): its own
    value if honest; ``forged`` if it forges; if it equivocates, ``forged`` when the next
    coin is < 0.5, else ``mirror``."""
    if code == FORGE:
        return forged, c
    if code == EQUIVOCATE:
        return (forged if coins[c] < 0.5 else mirror), c + 1
    return own, c


@njit(cache=True)
def exchange_coins(src, dst, kind, byzantine):
    """The coins ``exchange_receive_byzantine`` takes from this batch: one per equivocating
    end of every ANSWER with no censor at either end."""
    c = 0
    for i in range(src.shape[0]):
        if kind[i] != REQUEST:
            a = byzantine[dst[i]]
            b = byzantine[src[i]]
            if a != CENSOR and b != CENSOR:
                c += (a == EQUIVOCATE) + (b == EQUIVOCATE)
    return c


@njit(cache=True)
def exchange_receive_byzantine(src, dst, kind, value, byzantine, forged, mirror, coins, useful,
                               reply_src, reply_dst):
    """``exchange_receive`` with Byzantine nodes. A censor answers no REQUEST and commits no
    ANSWER (an exchange with a censor at either end never happens). Otherwise an ANSWER
    commits: each end reports a value (``reported``, the caller's first), both means are
    ``(told_caller + told_callee) * 0.5``, and only the honest ends take it (a Byzantine
    node's own value never changes). Useful iff an honest value changed."""
    m = src.shape[0]
    r = 0
    c = 0
    for i in range(m):
        s = src[i]
        d = dst[i]
        useful[i] = False
        if kind[i] == REQUEST:
            if byzantine[d] != CENSOR:
                reply_src[r] = d
                reply_dst[r] = s
                r += 1
            continue
        cd = byzantine[d]
        cs = byzantine[s]
        if cd == CENSOR or cs == CENSOR:
            continue
        a, c = reported(cd, value[d], forged, mirror, coins, c)
        b, c = reported(cs, value[s], forged, mirror, coins, c)
        mean = (a + b) * 0.5
        changed = False
        if cd == 0:
            changed = changed or mean != value[d]
            value[d] = mean
        if cs == 0:
            changed = changed or mean != value[s]
            value[s] = mean
        useful[i] = changed
    return r


@njit(cache=True)
def share_coins(src, byzantine):
    """The coins ``share_receive_byzantine`` takes from this batch: one per equivocator's
    share."""
    c = 0
    for i in range(src.shape[0]):
        c += byzantine[src[i]] == EQUIVOCATE
    return c


@njit(cache=True)
def share_receive_byzantine(src, dst, s, w, s_next, w_next, byzantine, forged, mirror, coins,
                            useful):
    """``share_receive`` with Byzantine nodes (their senders kept their whole (s, w): the
    caller restores it after ``halve_senders``). A censor's share is empty; a forger's is
    ``(forged * 0.5, 0.5)`` and an equivocator's ``(reported * 0.5, 0.5)`` (as if it held
    (value, 1)); an honest sender's is half its (s, w). A Byzantine receiver drops what it
    gets (its own (s, w) never change). Useful iff an honest node received mass."""
    c = 0
    for i in range(src.shape[0]):
        j = src[i]
        d = dst[i]
        useful[i] = False
        code = byzantine[j]
        if code == CENSOR:
            continue
        if code == 0:
            x = s[j] * 0.5
            y = w[j] * 0.5
        else:
            v, c = reported(code, 0.0, forged, mirror, coins, c)
            x = v * 0.5
            y = 0.5
        if byzantine[d] != 0:
            continue
        s_next[d] = s_next[d] + x
        w_next[d] = w_next[d] + y
        useful[i] = True


@njit(cache=True, inline="always")
def _estimate(num, den, ratio, i):
    return num[i] / den[i] if ratio else num[i]


@njit(cache=True)
def estimate_metrics(num, den, ratio, live, target):
    """Over live nodes, of the estimates ``num[i]`` (or ``num[i] / den[i]`` with ``ratio``):
    ``(n_live, mean, variance, max_rel_error, disagreement)`` where ``variance`` is the
    population variance (two passes, so a converged swarm reads ~0, not a cancellation error),
    ``max_rel_error = max |estimate - target| / |target|`` and
    ``disagreement = max |estimate - mean| / |target|``. No live node: all zeros."""
    n_live = 0
    total = 0.0
    for i in range(live.shape[0]):
        if live[i]:
            n_live += 1
            total += _estimate(num, den, ratio, i)
    if n_live == 0:
        return 0, 0.0, 0.0, 0.0, 0.0
    mean = total / n_live
    squares = 0.0
    worst = 0.0
    apart = 0.0
    for i in range(live.shape[0]):
        if live[i]:
            x = _estimate(num, den, ratio, i)
            dev = x - mean
            squares += dev * dev
            if abs(dev) > apart:
                apart = abs(dev)
            err = abs(x - target)
            if err > worst:
                worst = err
    scale = abs(target)
    return n_live, mean, squares / n_live, worst / scale, apart / scale


@njit(cache=True)
def potential(s, w, target):
    """Push-sum's potential ``sum_i (s_i - target * w_i)^2`` over all nodes."""
    total = 0.0
    for i in range(s.shape[0]):
        y = s[i] - target * w[i]
        total += y * y
    return total


@njit(cache=True)
def error_bands(num, den, ratio, target, cuts):
    """Per node (uint8): 0 if its estimate is off the target by more than ``cuts[0]``
    (relative), 1 if by more than ``cuts[1]``, else 2."""
    n = num.shape[0]
    out = np.empty(n, np.uint8)
    scale = abs(target)
    for i in range(n):
        err = abs(_estimate(num, den, ratio, i) - target) / scale
        out[i] = 0 if err > cuts[0] else (1 if err > cuts[1] else 2)
    return out
