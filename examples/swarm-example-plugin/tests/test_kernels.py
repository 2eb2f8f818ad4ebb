# examples/swarm-example-plugin/tests/test_kernels.py
"""The Numba kernels compute what their plain-Python references say, on random states over
several topologies (the references are the readable spec; the kernels are the fast path)."""

import numpy as np
import pytest

import swarm
from swarm_example import kernels

TOPOLOGIES = [("complete", {}), ("k-out", {"k": 3}), ("ring", {"k": 2}), ("torus", {})]


def random_case(name, kw, seed, n=60):
    rng = np.random.default_rng(seed)
    topo = swarm.TOPOLOGIES[name](**kw).build(n, rng)
    t = int(rng.integers(1, 6))
    informed_round = rng.integers(-1, 6, n).astype(np.int32)  # -1: not informed
    live = rng.random(n) < 0.8
    return topo, t, informed_round, live, rng


@pytest.mark.parametrize("name,kw", TOPOLOGIES, ids=[t[0] for t in TOPOLOGIES])
@pytest.mark.parametrize("seed", range(20))
def test_send_matches_the_reference(name, kw, seed):
    topo, t, informed_round, live, rng = random_case(name, kw, seed)
    k, p = int(rng.integers(0, 4)), float(rng.random())
    coins, most = kernels.count_sends(informed_round, live, topo.indptr, topo.complete, t, k)
    u = rng.random(coins)
    src, dst = np.empty(most, np.int32), np.empty(most, np.int32)
    m = kernels.send(informed_round, live, topo.indptr, topo.indices, topo.complete, t, k, p,
                     u, src, dst)
    neighbours = [topo.neighbours(i).tolist() for i in range(topo.n)]
    expected = kernels.send_reference(informed_round, live, neighbours, t, k, p, u)
    assert list(zip(src[:m].tolist(), dst[:m].tolist(), strict=True)) == expected
    deciders = live & (informed_round == t - 1)
    assert coins == np.count_nonzero(deciders & (informed_round >= k))


@pytest.mark.parametrize("seed", range(20))
def test_receive_matches_the_reference(seed):
    rng = np.random.default_rng(seed)
    n, m = 30, int(rng.integers(0, 80))
    dst = rng.integers(0, n, m).astype(np.int32)
    informed = rng.random(n) < 0.3
    informed_next = (rng.random(n) < 0.2) & ~informed
    want_useful, want_next = kernels.receive_reference(dst, informed, informed_next)
    useful = np.empty(m, np.bool_)
    kernels.receive(dst, informed, informed_next, useful)
    assert np.array_equal(useful, want_useful) and np.array_equal(informed_next, want_next)
