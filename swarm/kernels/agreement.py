"""Kernels of agreement from local rules: majority dynamics and the voter model.

The same rules as ``swarm.protocols.agreement``'s agents, over arrays. The send phase is
``swarm.kernels.antientropy.store_send`` with PULL calls (every live node asks ``k`` distinct
random neighbours, one double per pick, callers in node order). A called node answers with
its opinion at the start of the round (C1: opinions change only in ``commit_opinions``, at
the end of the round); the caller tallies the answers in ``votes`` / ``ones``.

Byzantine nodes (``byzantine[i]`` a code of ``swarm.faults.byzantine``): answers go through
``opinion_receive_byzantine`` in rounds with a Byzantine node (an equivocator's answer takes
the next double of ``coins``, pre-drawn from the ``byzantine`` stream; ``tell_coins`` says
how many); ``count_ties`` / ``commit_opinions`` with ``liars`` leave Byzantine nodes'
opinions alone (their tallies are cleared).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from swarm.kernels.antientropy import PULL, REPLY
from swarm.kernels.byzantine import CENSOR, EQUIVOCATE, FORGE

ASK = PULL  # a request for the callee's opinion
TELL = REPLY  # the callee's opinion at the start of the round

__all__ = ["ASK", "TELL", "opinion_receive", "count_ties", "commit_opinions",
           "opinion_receive_byzantine", "tell_coins"]


@njit(cache=True)
def opinion_receive(src, dst, kind, opinion, votes, ones, useful, reply_src, reply_dst):
    """Deliver a batch in order: an ASK is answered by a TELL (callee to caller); a TELL adds
    one vote, and the sender's opinion, to the receiver's tally. A TELL is useful iff its
    opinion differs from the receiver's. Returns the number of answers written."""
    r = 0
    for i in range(src.shape[0]):
        s = src[i]
        d = dst[i]
        if kind[i] == ASK:
            reply_src[r] = d
            reply_dst[r] = s
            r += 1
            useful[i] = False
        else:
            votes[d] += 1
            ones[d] += opinion[s]
            useful[i] = opinion[s] != opinion[d]
    return r


@njit(cache=True)
def tell_coins(src, kind, byzantine):
    """The coins ``opinion_receive_byzantine`` takes from this batch: one per TELL from an
    equivocator."""
    c = 0
    for i in range(src.shape[0]):
        c += kind[i] != ASK and byzantine[src[i]] == EQUIVOCATE
    return c


@njit(cache=True)
def opinion_receive_byzantine(src, dst, kind, opinion, votes, ones, byzantine, forged, coins,
                              useful, reply_src, reply_dst):
    """``opinion_receive`` with Byzantine nodes: a censor answers no ASK (and a TELL from one
    counts for nothing); a TELL from a forger (a zealot) reports ``forged``, one from an
    equivocator 1 if the next coin is < 0.5, else 0; an honest one the sender's opinion."""
    r = 0
    c = 0
    for i in range(src.shape[0]):
        s = src[i]
        d = dst[i]
        useful[i] = False
        if kind[i] == ASK:
            if byzantine[d] != CENSOR:
                reply_src[r] = d
                reply_dst[r] = s
                r += 1
            continue
        code = byzantine[s]
        if code == CENSOR:
            continue
        if code == FORGE:
            x = forged
        elif code == EQUIVOCATE:
            x = 1 if coins[c] < 0.5 else 0
            c += 1
        else:
            x = opinion[s]
        votes[d] += 1
        ones[d] += x
        useful[i] = x != opinion[d]
    return r


@njit(cache=True, inline="always")
def _balance(opinion, votes, ones, count_own, i):
    """2 * (votes for 1) - (all votes) of node i: > 0 adopt 1, < 0 adopt 0, 0 a tie."""
    own = np.int64(1) if count_own else np.int64(0)
    return 2 * (np.int64(ones[i]) + own * opinion[i]) - (np.int64(votes[i]) + own)


@njit(cache=True)
def count_ties(opinion, votes, ones, count_own, byzantine, liars):
    """Nodes that heard at least one answer this round and whose vote is tied (honest ones
    only, with ``liars``)."""
    ties = 0
    for i in range(opinion.shape[0]):
        if votes[i] > 0 and _balance(opinion, votes, ones, count_own, i) == 0 \
                and not (liars and byzantine[i] != 0):
            ties += 1
    return ties


@njit(cache=True)
def commit_opinions(opinion, votes, ones, count_own, coins, live, byzantine, liars):
    """End of the round, nodes in node order: a node that heard at least one answer adopts the
    majority of its votes (the answers, plus its own opinion with ``count_own``); a tie takes
    the next double of ``coins`` (opinion 1 iff it is < 0.5). Tallies are cleared. With
    ``liars``, Byzantine nodes keep their opinion and are not counted. Returns (live (honest)
    nodes with opinion 1, live (honest) nodes)."""
    c = 0
    ones_live = 0
    n_live = 0
    for i in range(opinion.shape[0]):
        liar = liars and byzantine[i] != 0
        if votes[i] > 0 and liar:
            votes[i] = 0
            ones[i] = 0
        elif votes[i] > 0:
            b = _balance(opinion, votes, ones, count_own, i)
            if b > 0:
                opinion[i] = 1
            elif b < 0:
                opinion[i] = 0
            else:
                opinion[i] = 1 if coins[c] < 0.5 else 0
                c += 1
            votes[i] = 0
            ones[i] = 0
        if live[i] and not liar:
            n_live += 1
            ones_live += opinion[i]
    return ones_live, n_live
