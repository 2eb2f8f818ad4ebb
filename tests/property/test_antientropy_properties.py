"""Anti-entropy invariants under random fault mixes (hypothesis).

With ``keep_state = true`` (crash and churn keep their stores):

- **versions never decrease**: at every node and key the pair (version, writer) after a
  round is >= the pair before it (merges keep the larger pair, writes increase it; a message
  carries no data of its own, so a late one cannot bring anything older);
- **nothing is lost, everyone agrees**: on a connected topology, once every fault's window
  has closed and the writes have stopped, every node is back and holds, for every key, the
  largest pair ever written anywhere (the last writer wins everywhere), so coverage is 1;
- **catching up**: every recovery, node coming back and healed partition is followed by full
  agreement again (``reconverge_rounds`` is set).
"""

from __future__ import annotations

import dataclasses

import numpy as np
from fault_mixes import fault_mixes  # tests/property/fault_mixes.py (on sys.path in pytest)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from swarm import Scenario
from swarm.faults.partition import PartitionParams
from swarm.model import SwarmModel

LAST_FAULT_ROUND = 30
CONNECTED = [{"topology": "complete"}, {"topology": "ring", "topology.k": 2}]


def pairs(state) -> np.ndarray:
    """Every node's store as packed pairs: int64, ordered as the (version, writer) pairs
    (``swarm.kernels.antientropy.packed``)."""
    return (state.version.astype(np.int64) << 32) | (state.writer.astype(np.int64) + 1)


@st.composite
def scenarios(draw):
    nodes = draw(st.integers(2, 100))
    topo = draw(st.sampled_from(CONNECTED)) if nodes >= 5 else CONNECTED[0]
    base = Scenario.from_dict({
        "nodes": nodes, "seed": draw(st.integers(0, 2**32)), "max_rounds": 1000,
        "protocol": "anti-entropy",
        "protocol.mode": draw(st.sampled_from(["push", "pull", "push-pull"])),
        "protocol.fanout": draw(st.integers(1, max(1, min(nodes - 1, 3)))),
        "protocol.keys": draw(st.integers(1, 8)),
        "protocol.write_rate": draw(st.floats(0.0, 6.0)),
        "protocol.writes_until": draw(st.integers(0, LAST_FAULT_ROUND)),
        "protocol.initial_writes": draw(st.integers(0, 3)),
        **topo,
    })
    return dataclasses.replace(base, faults=draw(fault_mixes(nodes)))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_versions_never_decrease_and_everyone_catches_up(s):
    model = SwarmModel(s, engine="kernels")
    before = pairs(model.state)
    ever = before.max(axis=0)  # the largest pair of each key ever held by any node
    while model.running:
        model.step()
        now = pairs(model.state)
        assert np.all(now >= before), "a node's pair went back"
        ever = np.maximum(ever, now.max(axis=0))
        before = now
        st_ = model.state
        assert np.array_equal(st_.version, st_.version_next)  # between rounds: next == start
        assert np.array_equal(st_.writer, st_.writer_next) and not st_.store_changed.any()
    engine = model.engine
    assert engine.round < s.max_rounds, "the run never settled"
    r = engine.rounds_frame()
    assert r["live"].iloc[-1] == s.nodes and r["coverage"].iloc[-1] == 1.0
    assert r["fresh"].iloc[-1] == 1.0 and r["versions_behind"].iloc[-1] == 0.0
    # every node holds the newest pair ever written of every key: the last writer won
    assert np.all(before == ever[None, :])
    # the books balance; every delivered message is counted once
    assert np.array_equal(r["messages"] + r["late"], r["delivered"] + r["dropped"] + r["delayed"])
    assert np.all(r["useful"] + r["redundant"] <= r["delivered"])
    # every recovery, return and heal is followed by full agreement again
    events = engine.events_frame()
    back = events[events["event"].isin(["heal", "recover", "up"])]
    assert back["reconverge_rounds"].notna().all()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nodes=st.integers(10, 80), seed=st.integers(0, 2**32),
       mode=st.sampled_from(["push", "pull", "push-pull"]), heal=st.integers(5, 20))
def test_a_healed_partition_merges_both_sides_writes(nodes, seed, mode, heal):
    """Two groups written separately until the heal disagree at the heal (each has writes the
    other lacks) and afterwards agree on the larger pair of every key."""
    base = Scenario.from_dict({"nodes": nodes, "seed": seed, "max_rounds": 500,
                               "protocol": "anti-entropy", "protocol.mode": mode,
                               "protocol.keys": 4, "protocol.write_rate": 8.0,
                               "protocol.writes_until": heal, "protocol.initial_writes": 0})
    s = dataclasses.replace(base, faults=[PartitionParams(groups=2, by="ids", end=heal)])
    model = SwarmModel(s, engine="kernels")
    half = nodes // 2
    while model.running and model.engine.round < heal:
        model.step()
    p = pairs(model.state)
    left, right = p[:half].max(axis=0), p[half:].max(axis=0)
    assert not np.array_equal(left, right), "8 writes a round on both sides: they differ"
    newest = np.maximum(left, right)
    while model.running:
        model.step()
    assert np.all(pairs(model.state) == newest[None, :])
    events = model.engine.events_frame()
    healed = events[events["event"] == "heal"]
    assert len(healed) == 1 and healed["reconverge_rounds"].notna().all()
