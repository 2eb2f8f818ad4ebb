"""Each spreading / metric kernel against a small plain-Python reference."""

from __future__ import annotations

import numpy as np
import pytest
from references import RefDraws, ref_partners, ref_uniform  # tests/unit/references.py

from swarm.kernels import spreading as k
from swarm.kernels.metrics import count_flag_live
from swarm.topology import Topology, from_edges

KEY = (12345, 678)  # a counter-stream key (key0, key1)


def ref_send(informed, live, topo: Topology, fanout, push, pull, t):
    """Senders in node order; node i's picks use its draws 0, 1, ... of round t."""
    src, dst, upd = [], [], []
    for i in range(topo.n):
        if live[i] and ((push and informed[i]) or (pull and not informed[i])):
            for r in ref_partners(RefDraws(KEY, t, i), topo.degree(i), fanout):
                src.append(i)
                dst.append(topo.neighbour(i, r))
                upd.append(bool(informed[i]))
    return src, dst, upd


def kernel_send(informed, live, topo, fanout, push, pull, t):
    none = np.full((topo.n, 0), -1, np.int32)
    offsets = np.empty(-(-topo.n // k.CHUNK) + 1, np.int64)
    total = k.send_offsets(informed, live, topo.indptr, topo.complete, fanout, push, pull, t,
                           False, 0, none, none, none.astype(np.int16), offsets)
    src = np.empty(total, np.int32)
    dst = np.empty(total, np.int32)
    kind = np.empty(total, np.uint8)
    upd = np.empty(total, np.bool_)
    m, resends = k.spreading_send(informed, live, topo.indptr, topo.indices, topo.complete,
                                  fanout, push, pull, KEY[0], KEY[1], offsets, src, dst, kind,
                                  upd, t, False, 1, 0, none, none.copy(), none.astype(np.int16))
    assert m == total and resends == 0
    assert np.all(kind == k.CALL)
    return src.tolist(), dst.tolist(), upd.tolist()


def small_topologies():
    yield from_edges(7, np.array([0, 0, 1, 2, 3, 4, 5]), np.array([1, 2, 2, 3, 4, 5, 6]),
                     name="chain")
    from swarm.registry import TOPOLOGIES

    yield TOPOLOGIES["complete"]().build(9, np.random.default_rng(0))


@pytest.mark.parametrize("topo", list(small_topologies()), ids=lambda t: t.name)
@pytest.mark.parametrize("fanout", [1, 2, 3, 8])
@pytest.mark.parametrize(("push", "pull"), [(True, False), (False, True), (True, True)])
def test_send_matches_reference(topo, fanout, push, pull):
    base = np.random.default_rng(5)
    informed = base.random(topo.n) < 0.4
    live = base.random(topo.n) < 0.9
    a = kernel_send(informed, live, topo, fanout, push, pull, 3)
    b = ref_send(informed, live, topo, fanout, push, pull, 3)
    assert a == b


@pytest.mark.parametrize("fanout", [1, 2])
@pytest.mark.parametrize("informed_share", [0.1, 0.9])
def test_send_over_many_chunks_matches_reference(fanout, informed_share):
    """More nodes than three CHUNKs and an odd count (a chunk ends mid-pair); few senders
    (push, 10% informed: each draw on its own) and many (the chunk's draws in pairs)."""
    from swarm.registry import TOPOLOGIES

    n = 3 * k.CHUNK + 7
    topo = TOPOLOGIES["k-out"](k=3).build(n, np.random.default_rng(2))
    base = np.random.default_rng(8)
    informed = base.random(n) < informed_share
    live = base.random(n) < 0.95
    for push, pull in [(True, False), (True, True)]:
        a = kernel_send(informed, live, topo, fanout, push, pull, 11)
        b = ref_send(informed, live, topo, fanout, push, pull, 11)
        assert a == b


def test_partners_are_uniform_over_ordered_pairs():
    """d = 5, fanout 2: each of the 20 ordered pairs has probability 1/20. With 40,000 draws
    each count is Binomial(40000, 0.05): sd = sqrt(40000*0.05*0.95) = 43.6; we allow 5 sd
    (218) around the mean 2000 for every pair."""
    u = np.random.default_rng(3).random(80_000)
    chosen = np.empty(2, np.int64)
    scratch = np.empty(2, np.int64)
    counts = np.zeros((5, 5), np.int64)
    for trial in range(40_000):
        k.choose_partners(u, 2 * trial, 5, 2, chosen, scratch)
        counts[chosen[0], chosen[1]] += 1
    assert np.all(np.diag(counts) == 0)
    off = counts[~np.eye(5, dtype=bool)]
    assert np.all(np.abs(off - 2000) < 5 * 43.6)


def ref_receive(src, dst, kind, upd, informed, informed_next, pull):
    useful, replies = [], []
    for s, d, kd, u in zip(src, dst, kind, upd, strict=False):
        hit = False
        if u:
            if not informed[d] and not informed_next[d]:
                informed_next[d] = True
                hit = True
        elif pull and kd == k.CALL and informed[d]:
            replies.append((d, s))
        useful.append(hit)
    return useful, replies


@pytest.mark.parametrize("pull", [False, True])
def test_receive_matches_reference(pull):
    rng = np.random.default_rng(11)
    n, m = 30, 200
    informed = rng.random(n) < 0.5
    src = rng.integers(0, n, m).astype(np.int32)
    dst = rng.integers(0, n, m).astype(np.int32)
    kind = rng.integers(0, 2, m).astype(np.uint8)
    upd = rng.random(m) < 0.5
    nxt_a = np.zeros(n, np.bool_)
    nxt_b = np.zeros(n, np.bool_)
    useful = np.empty(m, np.bool_)
    rs = np.empty(m, np.int32)
    rd = np.empty(m, np.int32)
    rk = np.empty(m, np.uint8)
    none = np.full((n, 0), -1, np.int32)
    r = k.spreading_receive(src, dst, kind, upd, informed, nxt_a, pull, False, none, useful,
                            rs, rd, rk)
    assert np.all(rk[:r] == k.REPLY)
    ref_useful, ref_replies = ref_receive(src, dst, kind, upd, informed, nxt_b, pull)
    assert useful.tolist() == ref_useful
    assert list(zip(rs[:r].tolist(), rd[:r].tolist(), strict=False)) == ref_replies
    assert np.array_equal(nxt_a, nxt_b)
    if not pull:
        assert r == 0


@pytest.mark.parametrize("pull", [False, True])
def test_parallel_receive_matches_reference(pull):
    """Over more than three CHUNKs of messages: the same informed_next and the same replies
    in batch order as the reference; useful messages are not marked but equal in number to
    the nodes newly informed."""
    rng = np.random.default_rng(12)
    n, m = 5000, 3 * k.CHUNK + 11
    informed = rng.random(n) < 0.5
    src = rng.integers(0, n, m).astype(np.int32)
    dst = rng.integers(0, n, m).astype(np.int32)
    kind = np.zeros(m, np.uint8)
    upd = rng.random(m) < 0.5
    nxt_a = np.zeros(n, np.bool_)
    nxt_b = np.zeros(n, np.bool_)
    rs, rd, rk = np.empty(m, np.int32), np.empty(m, np.int32), np.empty(m, np.uint8)
    counts = np.empty(-(-m // k.CHUNK), np.int64)
    r = k.spreading_receive_parallel(src, dst, kind, upd, informed, nxt_a, pull, rs, rd, rk,
                                     counts)
    ref_useful, ref_replies = ref_receive(src, dst, kind, upd, informed, nxt_b, pull)
    assert np.array_equal(nxt_a, nxt_b)
    assert int(nxt_a.sum()) == sum(ref_useful)
    assert np.all(rk[:r] == k.REPLY)
    assert list(zip(rs[:r].tolist(), rd[:r].tolist(), strict=True)) == ref_replies
    assert (r > 0) == pull


def test_commit_and_counts_match_reference():
    rng = np.random.default_rng(2)
    n = 100
    informed = rng.random(n) < 0.3
    nxt = rng.random(n) < 0.3
    live = rng.random(n) < 0.8
    rounds = np.where(informed, 0, -1).astype(np.int32)
    expect_informed = informed | nxt
    expect_rounds = np.where(nxt & ~informed, 4, rounds)
    hits, n_live = k.commit_informed(informed, nxt, rounds, live, 4)
    assert np.array_equal(informed, expect_informed)
    assert np.array_equal(rounds, expect_rounds)
    assert not nxt.any()
    assert (hits, n_live) == (int((expect_informed & live).sum()), int(live.sum()))
    assert count_flag_live(informed, live) == (hits, n_live)


def test_ack_kernels_match_reference():
    """Resend due pushes in slot order (forget those out of retries), remember new pushes in
    the first free slot, acknowledge pushes, clear the first matching slot on an ACK."""
    n, slots = 6, 3
    informed = np.array([1, 1, 0, 0, 1, 0], np.bool_)
    live = np.ones(n, np.bool_)
    pend_dst = np.full((n, slots), -1, np.int32)
    pend_due = np.zeros((n, slots), np.int32)
    pend_tries = np.zeros((n, slots), np.int16)
    pend_dst[0] = [3, -1, 5]
    pend_due[0] = [4, 0, 9]      # slot 0 due at round 4, slot 2 not yet
    pend_tries[0] = [1, 0, 0]
    pend_dst[1, 1] = 2
    pend_due[1, 1] = 2
    pend_tries[1, 1] = 2          # out of retries (max 2): forgotten, not resent
    topo = __import__("swarm").TOPOLOGIES["complete"]().build(n, None)
    t, retry, max_retries = 4, 3, 2
    offsets = np.empty(2, np.int64)
    total = k.send_offsets(informed, live, topo.indptr, True, 1, True, False, t, True,
                           max_retries, pend_dst, pend_due, pend_tries, offsets)
    assert total == 4  # one resend (node 0's slot 0) and the pushes of nodes 0, 1, 4
    src, dst = np.empty(total, np.int32), np.empty(total, np.int32)
    kind, upd = np.empty(total, np.uint8), np.empty(total, np.bool_)
    m, done = k.spreading_send(informed, live, topo.indptr, topo.indices, True, 1, True, False,
                               KEY[0], KEY[1], offsets, src, dst, kind, upd, t, True, retry,
                               max_retries, pend_dst, pend_due, pend_tries)
    assert (m, done) == (4, 1)
    # each pusher's partner: rank floor(u * 5) of its first draw of round t, skipping itself
    p0, p1, p4 = (topo.neighbour(i, int(ref_uniform(KEY, t, i, 0) * 5)) for i in (0, 1, 4))
    assert list(zip(src.tolist(), dst.tolist(), strict=True)) == [(0, 3), (0, p0), (1, p1),
                                                                   (4, p4)]
    assert upd.all() and (kind == k.CALL).all()
    assert pend_dst[0].tolist() == [3, p0, 5] and pend_due[0].tolist() == [7, 7, 9]
    assert pend_tries[0].tolist() == [2, 0, 0]
    assert pend_dst[1].tolist() == [p1, -1, -1] and pend_dst[4].tolist() == [p4, -1, -1]
    # node 3 acknowledges the push of node 0; node 0 gets the ACK and forgets slot 0 only
    useful = np.empty(2, np.bool_)
    rs, rd, rk = np.empty(2, np.int32), np.empty(2, np.int32), np.empty(2, np.uint8)
    nxt = np.zeros(n, np.bool_)
    r = k.spreading_receive(np.array([0, 3], np.int32), np.array([3, 0], np.int32),
                            np.array([k.CALL, k.ACK], np.uint8), np.array([True, False]),
                            informed, nxt, False, True, pend_dst, useful, rs, rd, rk)
    assert r == 1 and (rs[0], rd[0], rk[0]) == (3, 0, k.ACK)
    assert useful.tolist() == [True, False] and nxt[3]
    assert pend_dst[0].tolist() == [-1, p0, 5]
