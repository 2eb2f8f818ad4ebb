"""Anti-entropy (``protocol = "anti-entropy"``): each kernel against a small plain-Python
reference, the last-writer-wins merge as a table, hand-checked runs on two nodes, client
writes (live nodes only, their own stream), ``finished``, and agent path == kernel path for
every mode (the contract tests run the default mode only).
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pandas as pd
import pytest
from references import ref_partners  # tests/unit/references.py

import swarm
from swarm import Scenario
from swarm.errors import ConfigError
from swarm.faults.crash import CrashParams
from swarm.faults.latency import LatencyParams
from swarm.kernels import antientropy as k
from swarm.model import SwarmModel
from swarm.protocols.antientropy import WRITES_STREAM, merge_into_next
from swarm.registry import TOPOLOGIES
from swarm.rng import Streams
from swarm.state import SwarmState
from swarm.topology import Topology, from_edges

MODES = ("push", "pull", "push-pull")
CALL_KIND = {"push": k.PUSH, "pull": k.PULL, "push-pull": k.PUSH_PULL}


def ae(nodes: int, seed: int = 3, max_rounds: int = 400, faults=(), **params) -> Scenario:
    base = Scenario.from_dict({"nodes": nodes, "protocol": "anti-entropy", "seed": seed,
                               "max_rounds": max_rounds,
                               **{f"protocol.{key}": v for key, v in params.items()}})
    return dataclasses.replace(base, faults=list(faults)) if faults else base


# ------------------------------------------------------------------------ plain references


def ref_newer(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Last-writer-wins: pair a beats pair b iff a is larger, version first, then writer."""
    return a > b


def ref_merge(store_src: list[tuple[int, int]], store_dst: list[tuple[int, int]]) -> bool:
    changed = False
    for key, pair in enumerate(store_src):
        if ref_newer(pair, store_dst[key]):
            store_dst[key] = pair
            changed = True
    return changed


def stores(version: np.ndarray, writer: np.ndarray) -> list[list[tuple[int, int]]]:
    return [list(zip(v.tolist(), w.tolist(), strict=True))
            for v, w in zip(version, writer, strict=True)]


def split(stores_: list[list[tuple[int, int]]]) -> tuple[np.ndarray, np.ndarray]:
    version = np.array([[p[0] for p in row] for row in stores_], np.int32)
    writer = np.array([[p[1] for p in row] for row in stores_], np.int32)
    return version, writer


def ref_send(live, topo: Topology, fanout, mode, rng):
    """Every live node, in node order, calls its partners; every call but a pull request
    carries the caller's store."""
    kind = CALL_KIND[mode]
    msgs = []
    for i in range(topo.n):
        if live[i]:
            nbrs = [topo.neighbour(i, r) for r in range(topo.degree(i))]
            for r in ref_partners(rng, len(nbrs), fanout):
                msgs.append((i, nbrs[r], kind, kind != k.PULL))
    return msgs


def ref_receive(msgs, start, nxt, changed):
    """The rules of docs/protocols.md: a store-carrying message merges its sender's store at
    the start of the round (``start``) into the receiver's next store; PULL and PUSH_PULL
    are answered by a REPLY."""
    useful, replies = [], []
    for src, dst, kind in msgs:
        hit = False
        if kind != k.PULL:
            hit = ref_merge(start[src], nxt[dst])
            changed[dst] = changed[dst] or hit
        if kind in (k.PULL, k.PUSH_PULL):
            replies.append((dst, src))
        useful.append(hit)
    return useful, replies


def ref_metrics(start, live):
    """(up_to_date, live, fresh_total, behind_total) straight from the definitions."""
    rows = [row for row, up in zip(start, live, strict=True) if up]
    if not rows:
        return 0, 0, 0, 0
    keys = len(rows[0])
    newest = [max(row[key] for row in rows) for key in range(keys)]
    up_to_date = sum(all(row[key] == newest[key] for key in range(keys)) for row in rows)
    fresh = sum(row[key] == newest[key] for row in rows for key in range(keys))
    behind = sum(newest[key][0] - row[key][0] for row in rows for key in range(keys))
    return up_to_date, len(rows), fresh, behind


def random_stores(n, keys, rng, top=4):
    """Random stores whose pairs are consistent: (0, -1) or (version >= 1, writer)."""
    version = rng.integers(0, top, (n, keys)).astype(np.int32)
    writer = np.where(version > 0, rng.integers(0, 3, (n, keys)), -1).astype(np.int32)
    return version, writer


def small_topologies():
    yield from_edges(7, np.array([0, 0, 1, 2, 3, 4, 5]), np.array([1, 2, 2, 3, 4, 5, 6]),
                     name="chain")
    yield TOPOLOGIES["complete"]().build(9, np.random.default_rng(0))


# --------------------------------------------------------------------- last-writer-wins table

MERGE_TABLE = [
    # (sender's pair, receiver's pair, receiver's pair after, changed)
    ((0, -1), (0, -1), (0, -1), False),  # both empty
    ((1, 4), (0, -1), (1, 4), True),  # any write beats the empty key
    ((0, -1), (1, 4), (1, 4), False),  # the empty key never overwrites
    ((2, 0), (1, 9), (2, 0), True),  # higher version wins, whatever the writers
    ((1, 9), (2, 0), (2, 0), False),
    ((3, 5), (3, 2), (3, 5), True),  # same version: the larger writer id wins
    ((3, 2), (3, 5), (3, 5), False),
    ((3, 5), (3, 5), (3, 5), False),  # the same pair: nothing new
]


@pytest.mark.parametrize(("sent", "held", "after", "changed"), MERGE_TABLE)
def test_last_writer_wins_table(sent, held, after, changed):
    version = np.array([[sent[0]], [held[0]]], np.int32)
    writer = np.array([[sent[1]], [held[1]]], np.int32)
    vn, wn = version.copy(), writer.copy()
    assert k.merge_store(version, writer, vn, wn, 0, 1) == changed
    assert (int(vn[1, 0]), int(wn[1, 0])) == after
    assert (int(vn[0, 0]), int(wn[0, 0])) == sent  # the sender is untouched
    assert ref_newer(sent, held) == changed


def test_packed_order_is_the_pair_order():
    pairs = [(0, -1), (0, 0), (1, -1), (1, 0), (1, 7), (2, 0), (2**31 - 1, 2**31 - 2)]
    for a, b in itertools.product(pairs, repeat=2):
        assert (k.packed(*a) > k.packed(*b)) == (a > b), (a, b)


def test_merge_matches_reference_and_agent_merge():
    rng = np.random.default_rng(1)
    for _ in range(200):
        n, keys = 4, int(rng.integers(1, 9))
        version, writer = random_stores(n, keys, rng)
        vn, wn = random_stores(n, keys, rng)
        src, dst = (int(x) for x in rng.integers(0, n, 2))
        want_next = stores(vn, wn)
        want = ref_merge(stores(version, writer)[src], want_next[dst])
        got_vn, got_wn = vn.copy(), wn.copy()
        assert k.merge_store(version, writer, got_vn, got_wn, src, dst) == want
        assert stores(got_vn, got_wn) == want_next

        state = SwarmState(n)
        for name, arr in (("version", version), ("writer", writer), ("version_next", vn.copy()),
                          ("writer_next", wn.copy()), ("store_changed", np.zeros(n, np.bool_))):
            state.add(name, arr)
        assert merge_into_next(state, src, dst) == want
        assert stores(state.version_next, state.writer_next) == want_next
        assert bool(state.store_changed[dst]) == want


# ----------------------------------------------------------------------- kernels vs reference


@pytest.mark.parametrize("topo", list(small_topologies()), ids=lambda t: t.name)
@pytest.mark.parametrize("fanout", [1, 2, 8])
@pytest.mark.parametrize("mode", MODES)
def test_send_matches_reference(topo, fanout, mode):
    for trial in range(5):
        live = np.random.default_rng(trial).random(topo.n) < 0.8
        want = ref_send(live, topo, fanout, mode, np.random.default_rng(99 + trial))
        total = k.store_count(live, topo.indptr, topo.complete, fanout)
        assert total == len(want)
        u = np.random.default_rng(99 + trial).random(total)
        src, dst = np.empty(total, np.int32), np.empty(total, np.int32)
        kind, upd = np.empty(total, np.uint8), np.empty(total, np.bool_)
        m = k.store_send(live, topo.indptr, topo.indices, topo.complete, fanout,
                         CALL_KIND[mode], u, src, dst, kind, upd)
        assert m == total
        got = list(zip(src.tolist(), dst.tolist(), kind.tolist(), upd.tolist(), strict=True))
        assert got == want


def test_receive_matches_reference():
    for trial in range(40):
        rng = np.random.default_rng(trial)
        n, keys, m = 10, int(rng.integers(1, 6)), 30
        version, writer = random_stores(n, keys, rng)
        vn, wn = version.copy(), writer.copy()  # between rounds next == start
        kinds = rng.integers(0, 4, m).astype(np.uint8)
        src = rng.integers(0, n, m).astype(np.int32)
        dst = rng.integers(0, n, m).astype(np.int32)
        changed = np.zeros(n, np.bool_)

        want_next, want_changed = stores(vn, wn), changed.tolist()
        msgs = list(zip(src.tolist(), dst.tolist(), kinds.tolist(), strict=True))
        want_useful, want_replies = ref_receive(msgs, stores(version, writer), want_next,
                                                want_changed)

        useful = np.empty(m, np.bool_)
        r_src, r_dst = np.empty(m, np.int32), np.empty(m, np.int32)
        r = k.store_receive(src, dst, kinds, version, writer, vn, wn, changed, useful, r_src,
                            r_dst)
        assert useful.tolist() == want_useful
        assert list(zip(r_src[:r].tolist(), r_dst[:r].tolist(), strict=True)) == want_replies
        assert stores(vn, wn) == want_next
        assert changed.tolist() == want_changed


def test_commit_copies_exactly_the_changed_rows():
    rng = np.random.default_rng(5)
    version, writer = random_stores(12, 3, rng)
    vn, wn = version + 1, np.where(version + 1 > 0, 2, -1).astype(np.int32)
    changed = rng.random(12) < 0.5
    want_v = np.where(changed[:, None], vn, version)
    want_w = np.where(changed[:, None], wn, writer)
    assert k.store_commit(version, writer, vn, wn, changed.copy()) == int(changed.sum())
    flags = changed.copy()
    version2, writer2 = random_stores(12, 3, np.random.default_rng(5))
    k.store_commit(version2, writer2, vn, wn, flags)
    assert np.array_equal(version2, want_v) and np.array_equal(writer2, want_w)
    assert not flags.any()


def test_apply_writes_matches_reference():
    rng = np.random.default_rng(2)
    version, writer = random_stores(6, 4, rng)
    before = version.copy()
    nodes = np.array([0, 3, 3, 5, 0], np.int64)
    keys = np.array([1, 2, 2, 0, 1], np.int64)
    want = stores(version, writer)
    for v, key in zip(nodes.tolist(), keys.tolist(), strict=True):
        want[v][key] = (want[v][key][0] + 1, v)  # larger than anything v holds for the key
    vn, wn = version.copy(), writer.copy()
    k.apply_writes(version, writer, vn, wn, nodes, keys)
    assert stores(version, writer) == want
    assert stores(vn, wn) == want
    assert version[3, 2] == before[3, 2] + 2 and version[0, 1] == before[0, 1] + 2


def test_metrics_match_reference():
    for trial in range(60):
        rng = np.random.default_rng(trial)
        n, keys = int(rng.integers(1, 12)), int(rng.integers(1, 6))
        version, writer = random_stores(n, keys, rng, top=int(rng.integers(1, 4)))
        if trial % 5 == 0:  # some all-agreeing stores
            version[:], writer[:] = version[0], writer[0]
        live = rng.random(n) < (0.0 if trial % 7 == 0 else 0.8)
        newest, fresh = np.empty(keys, np.int64), np.empty(keys, np.int64)
        got = k.store_metrics(version, writer, live, newest, fresh)
        assert tuple(int(x) for x in got) == ref_metrics(stores(version, writer), live)


def test_metrics_hand_checked():
    # 3 nodes, 2 keys. Newest: key 0 (2, 1), key 1 (1, 0).
    version = np.array([[2, 1], [2, 0], [1, 1]], np.int32)
    writer = np.array([[1, 0], [1, -1], [0, 0]], np.int32)
    model = SwarmModel(ae(3, keys=2, write_rate=0.0, initial_writes=0), engine="kernels")
    state = model.state
    for name, arr in (("version", version), ("writer", writer), ("version_next", version),
                      ("writer_next", writer)):
        getattr(state, name)[:] = arr
    model.protocol._counts = None  # the cached scan is of the stores before the edit
    row = model.protocol.round_metrics(state)
    assert row["up_to_date"] == 1 and row["coverage"] == pytest.approx(1 / 3)
    # fresh: key 0 held by nodes 0, 1 (2/3); key 1 by nodes 0, 2 (2/3)
    assert row["fresh"] == pytest.approx(2 / 3)
    # behind: key 0: 0 + 0 + 1; key 1: 0 + 1 + 0 -> 2 over 6 cells
    assert row["versions_behind"] == pytest.approx(2 / 6)


# ----------------------------------------------------------------------------- whole runs


@pytest.mark.parametrize("engine", ["kernels", "agents"])
@pytest.mark.parametrize("mode", MODES)
def test_two_nodes_hand_checked(mode, engine):
    """n = 2, one write, no more: each node calls the other every round, so the write
    reaches the other node in round 1. push-pull: 2 calls (stores) + 2 replies (stores), of
    which only the writer's call is news; pull: 2 requests + 2 replies; push: 2 calls."""
    run = swarm.simulate(ae(2, mode=mode, keys=1, write_rate=0.0), engine=engine)
    r = run.rounds
    assert len(r) == 2 and run.summary["rounds_to_full"] == 1
    assert r["coverage"].tolist() == [0.5, 1.0]
    assert r["up_to_date"].tolist() == [1, 2]
    assert r["fresh"].tolist() == [0.5, 1.0]
    assert r["versions_behind"].tolist() == [0.5, 0.0]
    assert r["writes"].tolist() == [1, 0]
    messages, updates = {"push": (2, 2), "pull": (4, 2), "push-pull": (4, 4)}[mode]
    assert r["messages"].iloc[1] == messages and r["update_messages"].iloc[1] == updates
    assert r["useful"].iloc[1] == 1 and r["redundant"].iloc[1] == updates - 1
    writer = int(run.state.writer[0, 0])
    assert run.state.version.tolist() == [[1], [1]] and run.state.writer.tolist() == [[writer]] * 2
    assert run.summary["writes_total"] == 1


@pytest.mark.parametrize("engine", ["kernels", "agents"])
@pytest.mark.parametrize("mode", MODES)
def test_concurrent_writes_resolve_by_last_writer_wins(mode, engine):
    """Two nodes with conflicting stores agree after one round on the larger pair of every
    key (push: each pushes to the other; pull: each pulls from the other)."""
    model = SwarmModel(ae(2, mode=mode, keys=3, write_rate=0.0, initial_writes=0),
                       engine=engine)
    state = model.state
    start = [[(2, 0), (1, 1), (0, -1)], [(2, 1), (0, -1), (5, 0)]]
    version, writer = split(start)
    for name, arr in (("version", version), ("writer", writer), ("version_next", version),
                      ("writer_next", writer)):
        getattr(state, name)[:] = arr
    model.step()
    assert stores(state.version, state.writer) == [[(2, 1), (1, 1), (5, 0)]] * 2
    assert stores(state.version_next, state.writer_next) == [[(2, 1), (1, 1), (5, 0)]] * 2
    assert model.engine.rows[-1]["coverage"] == 1.0
    assert not model.running  # no more writes and every node agrees


def test_writes_go_only_to_live_nodes():
    """Nodes 0-9 are down from round 1 on (crash-stop): no write lands on them, and they
    receive nothing, so their stores stay empty; all writes land on nodes 10-19."""
    s = ae(20, write_rate=25.0, writes_until=6, initial_writes=0,
           faults=[CrashParams(select="ids", ids="0-9", fraction=0.0)])
    for engine in ("kernels", "agents"):
        run = swarm.simulate(s, engine=engine)
        st = run.state
        assert run.summary["writes_total"] > 100
        assert np.all(st.version[:10] == 0) and np.all(st.writer[:10] == -1)
        written = st.writer[st.writer >= 0]
        assert written.size and written.min() >= 10


def test_apply_writes_draws_only_live_nodes():
    model = SwarmModel(ae(50, keys=4, write_rate=0.0, initial_writes=0), engine="kernels")
    state, proto = model.state, model.protocol
    state.live[:] = False
    state.live[[3, 17, 40]] = True
    state.n_live = 3
    assert proto._apply_writes(state, 3000) == 3000
    hit = np.flatnonzero((state.writer >= 0).any(axis=1))
    assert hit.tolist() == [3, 17, 40]
    assert state.version.sum() == 3000 and np.array_equal(state.version, state.version_next)
    state.live[:] = False
    state.n_live = 0
    before = proto._writes_rng.bit_generator.state
    assert proto._apply_writes(state, 10) == 0  # nobody to write to: the writes are lost
    assert proto._writes_rng.bit_generator.state == before  # and nothing is drawn


def test_no_live_node_means_no_writes():
    s = ae(10, write_rate=5.0, writes_until=5, initial_writes=0,
           faults=[CrashParams(fraction=1.0)])
    run = swarm.simulate(s)
    assert run.rounds["writes"].sum() == 0 and run.rounds["live"].iloc[-1] == 0


def test_writes_come_from_their_own_named_stream():
    """The writes stream is the run's ``Streams(seed)["writes"]``; writes never touch the
    protocol stream: the same scenario with and without writes draws the same partners."""
    engine = SwarmModel(ae(20, write_rate=0.0, initial_writes=0), engine="kernels").engine
    assert engine.protocol.streams is engine.streams
    want = Streams(engine.scenario.seed)[WRITES_STREAM].random(4)
    assert np.array_equal(engine.protocol.streams[WRITES_STREAM].random(4), want)
    # (a tiny write rate keeps ``a`` running until writes_until like ``b``)
    a = SwarmModel(ae(80, write_rate=1e-12, initial_writes=1, writes_until=8), engine="kernels")
    b = SwarmModel(ae(80, write_rate=6.0, initial_writes=5, writes_until=8), engine="kernels")
    for _ in range(8):
        a.step()
        b.step()
        assert a.engine.rng.bit_generator.state == b.engine.rng.bit_generator.state
    assert b.engine.rounds_frame()["writes"].sum() > a.engine.rounds_frame()["writes"].sum()


def test_finished_semantics():
    # write_rate 0: finished as soon as every live node agrees
    run = swarm.simulate(ae(50, write_rate=0.0, writes_until=100))
    assert run.summary["rounds"] == run.summary["rounds_to_full"] < 100
    # no writes at all: every store is empty and equal, finished at round 0
    run = swarm.simulate(ae(50, write_rate=0.0, initial_writes=0))
    assert run.summary["rounds"] == 0 and run.summary["coverage_final"] == 1.0
    # writes until round 12: never finished before it, even when the stores agree
    run = swarm.simulate(ae(1, writes_until=12, write_rate=3.0))
    assert run.summary["rounds"] == 12 and run.rounds["coverage"].eq(1.0).all()
    run = swarm.simulate(ae(60, writes_until=12, write_rate=0.5))
    assert run.summary["rounds"] >= 12 and run.summary["coverage_final"] == 1.0
    r = run.rounds
    last = r[r["round"] >= 12]
    assert (last["coverage"].iloc[:-1] < 1).all()  # it stops at the first agreement after
    proto = SwarmModel(ae(60, writes_until=12), engine="kernels")
    assert not proto.protocol.finished(proto.state, proto.engine.rows[-1])


def test_summary_columns():
    run = swarm.simulate(ae(100, write_rate=2.0, writes_until=5))
    s, r = run.summary, run.rounds
    assert s["writes_total"] == int(r["writes"].sum()) >= 1
    assert s["fresh_final"] == 1.0 and s["versions_behind_final"] == 0.0
    assert s["coverage_final"] == 1.0 and s["rounds_to_full"] is not None
    assert list(r.columns[1:6]) == ["up_to_date", "coverage", "fresh", "versions_behind",
                                    "writes"]
    assert r["fresh"].dtype == np.float64 and r["writes"].dtype == np.int64
    # every delivered store-carrying message is useful or redundant (no faults: all delivered)
    assert np.array_equal(r["useful"] + r["redundant"], r["update_messages"])


def test_reset_nodes_empties_the_store():
    model = SwarmModel(ae(30, write_rate=4.0, writes_until=5), engine="kernels")
    for _ in range(5):
        model.step()
    state = model.state
    assert (state.writer >= 0).any()
    nodes = np.array([2, 7])
    model.protocol.reset_nodes(state, nodes)
    assert np.all(state.version[nodes] == 0) and np.all(state.writer[nodes] == -1)
    assert np.all(state.version_next[nodes] == 0) and np.all(state.writer_next[nodes] == -1)
    assert not state.store_changed[nodes].any()


def test_crash_without_state_catches_up():
    s = ae(60, write_rate=2.0, writes_until=4,
           faults=[CrashParams(fraction=0.3, start=3, end=8, keep_state=False)])
    run = swarm.simulate(s)
    assert run.summary["coverage_final"] == 1.0
    assert run.summary["reconverge_rounds"] is not None
    assert len(np.unique(run.state.version, axis=0)) == 1


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fanout", [1, 3])
def test_agent_path_equals_kernel_path_every_mode(mode, fanout):
    for faults in ([], [LatencyParams(dist="uniform", rounds=2.0, end=8)]):
        s = ae(60, mode=mode, fanout=fanout, keys=5, write_rate=3.0, writes_until=6,
               faults=faults)
        s = s.replace({"topology": "k-out", "topology.k": 3})
        a = swarm.simulate(s, engine="kernels")
        b = swarm.simulate(s, engine="agents")
        pd.testing.assert_frame_equal(a.rounds, b.rounds)
        for key, value in a.state.arrays().items():
            assert np.array_equal(value, b.state.arrays()[key]), key


def test_params_are_checked():
    with pytest.raises(ConfigError, match="protocol.fanout"):
        ae(5, fanout=5)
    with pytest.raises(ConfigError, match="protocol.keys"):
        ae(5, keys=0)
    with pytest.raises(ConfigError, match="protocol.mode"):
        ae(5, mode="gossip")
    with pytest.raises(ConfigError, match="protocol.write_rate"):
        ae(5, write_rate=-1.0)
    assert ae(1).protocol.fanout == 1  # a lone node may keep fanout 1
