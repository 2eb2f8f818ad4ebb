"""Kernels of aggregation: push-pull averaging (Jelasity, Montresor & Babaoglu 2005) and
push-sum (Kempe, Dobra & Gehrke 2003).

The same rules as ``swarm.protocols.aggregation``'s agents, over arrays. The send phase is
``swarm.kernels.antientropy.store_send`` (every live node calls one random neighbour, one
double per pick, callers in node order); receiving draws nothing.

Float arithmetic is written in the order the agent rule writes it (``(a + b) * 0.5``,
``x + y * 0.5``), so both paths give the same bits.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from swarm.kernels.antientropy import PULL, PUSH, REPLY

# message kinds (uint8), shared with anti-entropy's codes
REQUEST = PULL  # averaging: the caller's value to the callee, which answers (no update flag)
SHARE = PUSH  # push-sum: half of the sender's (s, w), added by the receiver
ANSWER = REPLY  # averaging: the callee's value back to the caller; the exchange commits

__all__ = ["REQUEST", "SHARE", "ANSWER", "exchange_receive", "share_receive", "halve_senders",
           "estimate_metrics", "potential", "error_bands"]


@njit(cache=True)
def exchange_receive(src, dst, kind, value, useful, reply_src, reply_dst):
    """Deliver a batch of averaging messages in order. A REQUEST is answered (one ANSWER per
    request, callee to caller) and changes nothing; an ANSWER commits the exchange of its pair:
    both ends take ``(value[caller] + value[callee]) * 0.5`` of their current values. The
    answer is useful iff that changed a value. Returns the number of answers written."""
    m = src.shape[0]
    r = 0
    for i in range(m):
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
    start of the round to its next (s, w). Every delivered share is useful (it moves mass)."""
    for i in range(src.shape[0]):
        j = src[i]
        d = dst[i]
        s_next[d] = s_next[d] + s[j] * 0.5
        w_next[d] = w_next[d] + w[j] * 0.5
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
