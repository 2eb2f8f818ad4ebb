"""Kernels of the message-level faults: decide and compact a batch in one pass, in place.

Each takes the batch's arrays (src, dst, kind, update), keeps the surviving messages at the
front, in order, and returns how many survived; the caller takes views of that prefix. Batches
are the protocol's reusable buffers or fresh arrays, never shared, so compaction in place is
safe (a batch is not read again after it has been delivered).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, inline="always")
def _move(src, dst, kind, update, to, frm):
    src[to] = src[frm]
    dst[to] = dst[frm]
    kind[to] = kind[frm]
    update[to] = update[frm]


@njit(cache=True)
def keep_live_receivers(live, src, dst, kind, update):
    """Drop messages whose receiver is down."""
    m = 0
    for i in range(src.shape[0]):
        if live[dst[i]]:
            _move(src, dst, kind, update, m, i)
            m += 1
    return m


@njit(cache=True)
def keep_unlost(u, rate, src, dst, kind, update):
    """Drop message i when u[i] < rate (u uniform on [0, 1))."""
    m = 0
    for i in range(src.shape[0]):
        if u[i] >= rate:
            _move(src, dst, kind, update, m, i)
            m += 1
    return m


@njit(cache=True)
def keep_uncut(groups, oneway, rate, u, src, dst, kind, update):
    """Drop a message between groups (oneway: only from a lower to a higher group) — always
    when rate >= 1, else when u[i] < rate."""
    m = 0
    certain = rate >= 1.0
    for i in range(src.shape[0]):
        gs = groups[src[i]]
        gd = groups[dst[i]]
        cut = gs < gd if oneway else gs != gd
        if cut and (certain or u[i] < rate):
            continue
        _move(src, dst, kind, update, m, i)
        m += 1
    return m


DELAY_CONSTANT, DELAY_UNIFORM, DELAY_GEOMETRIC = 0, 1, 2


@njit(cache=True, inline="always")
def delay_of(u, code, rounds, log1m_p):
    """A delay in whole rounds from one uniform double: constant ``rounds``; uniform on
    0..``rounds``; geometric (failures before the first success, log1m_p = log(1 - p),
    p = 1 / (1 + rounds): mean ``rounds``)."""
    if code == DELAY_CONSTANT:
        return int(rounds)
    if code == DELAY_UNIFORM:
        top = int(rounds)
        d = int(u * (top + 1))
        return d if d <= top else top
    if log1m_p == 0.0:
        return 0
    return int(np.floor(np.log1p(-u) / log1m_p))


@njit(cache=True)
def draw_delays(u, code, rounds, log1m_p, out):
    """``delay_of`` for every double of u, into out[:len(u)]; returns the largest delay."""
    top = 0
    for i in range(u.shape[0]):
        d = delay_of(u[i], code, rounds, log1m_p)
        out[i] = d
        if d > top:
            top = d
    return top


@njit(cache=True)
def split_by_delay(delays, top, src, dst, kind, update, o_src, o_dst, o_kind, o_update):
    """Counting sort of a batch by delay into the o_* arrays (capacity >= the batch), stable
    within each delay: o_*[0:m_now] are the messages with delay 0, then the later ones grouped
    by delay. Returns (m_now, delay values >= 1 present, their group starts; the last start is
    the batch size). Branch-free placement: the delay of a message is a coin flip, and a
    branch on it mispredicts."""
    n = src.shape[0]
    counts = np.zeros(top + 2, np.int64)
    for i in range(n):
        counts[delays[i] + 1] += 1
    fill = np.cumsum(counts)  # fill[d]: next slot for delay d
    for i in range(n):
        d = delays[i]
        j = fill[d]
        fill[d] = j + 1
        o_src[j] = src[i]
        o_dst[j] = dst[i]
        o_kind[j] = kind[i]
        o_update[j] = update[i]
    m_now = counts[1]
    present = 0
    for d in range(1, top + 1):
        if counts[d + 1]:
            present += 1
    values = np.empty(present, np.int64)
    starts = np.empty(present + 1, np.int64)
    k = 0
    offset = m_now
    for d in range(1, top + 1):
        if counts[d + 1]:
            values[k] = d
            starts[k] = offset
            k += 1
        offset += counts[d + 1]
    starts[present] = n
    return m_now, values, starts
