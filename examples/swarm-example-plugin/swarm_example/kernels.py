# examples/swarm-example-plugin/swarm_example/kernels.py
"""The kernel path of gossip1: Numba functions over the state arrays, and a plain-Python
reference of each that tests/test_kernels.py checks them against.

The topology is CSR: the neighbours of node ``i`` are ``indices[indptr[i]:indptr[i + 1]]``
in ascending order; on the complete graph (``complete``) both arrays are empty and the
neighbours of ``i`` are the ``n - 1`` other nodes.
"""

import numpy as np
from numba import njit

# swarm's own CSR helpers (a kernel may call another package's @njit functions): the degree
# of node i, and its neighbour of rank r in ascending ids, on the implicit complete graph too
from swarm.kernels.spreading import degree, neighbour


@njit(cache=True)
def count_sends(informed_round, live, indptr, complete, t, k):
    """(coins, most) for round ``t``: the deciders are the live nodes first informed in
    round ``t - 1``; ``coins`` is how many of them flip a coin (those informed in round
    ``k`` or later), ``most`` the messages they send if every one forwards."""
    n = informed_round.shape[0]
    coins = 0
    most = 0
    for i in range(n):
        if live[i] and informed_round[i] == t - 1:
            if informed_round[i] >= k:
                coins += 1
            most += degree(indptr, complete, n, i)
    return coins, most


@njit(cache=True)
def send(informed_round, live, indptr, indices, complete, t, k, p, u, src, dst):
    """Fill round ``t``'s messages into src/dst; return how many. Deciders in node order;
    one that flips a coin takes the next double of ``u`` and forwards iff it is below
    ``p``; a forwarder sends the message to every neighbour, in ascending order."""
    n = informed_round.shape[0]
    m = 0
    c = 0
    for i in range(n):
        if not live[i] or informed_round[i] != t - 1:
            continue
        if informed_round[i] >= k:
            declined = u[c] >= p
            c += 1
            if declined:
                continue
        for r in range(degree(indptr, complete, n, i)):
            src[m] = i
            dst[m] = neighbour(indptr, indices, complete, i, r)
            m += 1
    return m


@njit(cache=True)
def receive(dst, informed, informed_next, useful):
    """Deliver a batch: a receiver not informed at the start of the round, nor earlier in
    it, is informed next (useful); every other copy is redundant."""
    for j in range(dst.shape[0]):
        d = dst[j]
        useful[j] = not informed[d] and not informed_next[d]
        if useful[j]:
            informed_next[d] = True


# -- the plain-Python references (what the kernels must compute) ---------------------------
def send_reference(informed_round, live, neighbours, t, k, p, u):
    """``send`` written plainly: ``neighbours[i]`` is node i's neighbour list; returns the
    messages as a list of (src, dst) pairs."""
    out = []
    coins = iter(u)
    for i in range(len(informed_round)):
        if live[i] and informed_round[i] == t - 1:
            if informed_round[i] >= k and next(coins) >= p:
                continue
            out.extend((i, j) for j in sorted(neighbours[i]))
    return out


def receive_reference(dst, informed, informed_next):
    """``receive`` written plainly: returns (useful mask, informed_next after)."""
    nxt = np.array(informed_next, copy=True)
    useful = []
    for d in dst:
        useful.append(bool(not informed[d] and not nxt[d]))
        nxt[d] |= useful[-1]
    return np.array(useful, dtype=np.bool_), nxt
