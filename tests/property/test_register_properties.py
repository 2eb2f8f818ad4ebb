"""CAP register invariants under random fault mixes (hypothesis).

``cp`` (ABD quorums), under any mix of partition, loss, crash (with or without state),
churn and latency:

- **one value per version**: no two different values ever carry the same tag (seq,
  writer), neither among the pairs served (reads returned, writes acknowledged) nor among the
  pairs any replica holds — a coordinator's proposal is always above everything it holds, and
  a replica that lost its state never votes or coordinates again;
- **no stale read**: a served read never returns a tag older than a write acknowledged in an
  earlier round (a read's majority meets the write's majority in a replica that still holds
  it: voting replicas only move up);
- a voting replica's pair never goes back;
- **no lost update**: the history of the newest pair held by any replica (down ones
  included) holds every acknowledged write, or a write concurrent with it that overwrote it:
  one of its round, or one never acknowledged and issued no later
  (``kernels.register.lost_writes``).

``ap`` (anti-entropy), on a connected topology with no loss, crashes keeping their state:

- **reconvergence**: once the partition has healed, the nodes are back and the operations
  have stopped, every replica holds the same pair — the largest ever written — within a
  bounded number of rounds;
- **the G-counter loses nothing**: then every replica's counter total equals the number of
  acknowledged writes (increments), while last-writer-wins may have lost some.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from fault_mixes import fault_mixes  # tests/property/fault_mixes.py (on sys.path in pytest)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from swarm import Scenario
from swarm.faults.crash import CrashParams
from swarm.faults.partition import PartitionParams
from swarm.model import SwarmModel

LAST = 30


def base(draw, mode: str, nodes: int, topology: dict) -> Scenario:
    return Scenario.from_dict({
        "nodes": nodes, "seed": draw(st.integers(0, 2**32)), "max_rounds": 400,
        "protocol": "register", "protocol.mode": mode,
        "protocol.rate": draw(st.floats(0.0, 8.0)),
        "protocol.read_fraction": draw(st.floats(0.0, 1.0)),
        "protocol.ops_until": draw(st.integers(0, LAST)),
        "protocol.fanout": draw(st.integers(1, max(1, min(nodes - 1, 3)))),
        "protocol.period_rounds": draw(st.integers(0, 3)),
        **topology,
    })


@st.composite
def cp_scenarios(draw):
    nodes = draw(st.integers(1, 50))
    topo = draw(st.sampled_from([{"topology": "complete"},
                                 {"topology": "k-out", "topology.k": 3}]))
    s = base(draw, "cp", nodes, topo if nodes >= 5 else {"topology": "complete"})
    faults = draw(fault_mixes(nodes, LAST))
    if draw(st.booleans()):
        start = draw(st.integers(1, LAST))
        faults.append(CrashParams(fraction=draw(st.floats(0.0, 0.5)), start=start,
                                  end=draw(st.integers(start, LAST)), keep_state=False))
    return dataclasses.replace(s, faults=tuple(
        (f"f{i}", f) for i, f in enumerate(faults)))


def check_function(seen: dict[int, int], tags: np.ndarray, vals: np.ndarray, what: str) -> None:
    for t, v in zip(tags.tolist(), vals.tolist(), strict=True):
        assert seen.setdefault(t, v) == v, f"{what}: tag {t} with values {seen[t]} and {v}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cp_scenarios())
def test_cp_never_gives_two_values_one_version_nor_a_stale_read(s):
    model = SwarmModel(s, engine="kernels")
    st_, proto = model.state, model.protocol
    served: dict[int, int] = {}
    held: dict[int, int] = {}
    before = (st_.reg_tag.copy(), st_.reg_val.copy())
    while model.running:
        model.step()
        check_function(served, *proto.served_pairs, "served")
        check_function(held, st_.reg_tag, st_.reg_val, "held")
        assert model.engine.rows[-1]["stale_reads"] == 0
        assert model.engine.rows[-1]["lost_updates"] == 0
        voters = st_.voter
        tag, val = st_.reg_tag, st_.reg_val
        back = (tag < before[0]) | ((tag == before[0]) & (val < before[1]))
        assert not (back & voters).any(), "a voting replica's pair went back"
        before = (tag.copy(), val.copy())


@st.composite
def ap_scenarios(draw):
    nodes = draw(st.integers(2, 60))
    topo = draw(st.sampled_from([{"topology": "complete"},
                                 {"topology": "ring", "topology.k": 2}]))
    s = base(draw, "ap", nodes, topo if nodes >= 5 else {"topology": "complete"})
    s = dataclasses.replace(s, protocol=dataclasses.replace(
        s.protocol, period_rounds=draw(st.integers(1, 3))))
    faults = []
    start = draw(st.integers(1, LAST))
    faults.append(PartitionParams(groups=draw(st.integers(1, min(4, nodes))), start=start,
                                  end=draw(st.integers(start, LAST))))
    if draw(st.booleans()):
        start = draw(st.integers(1, LAST))
        faults.append(CrashParams(fraction=draw(st.floats(0.0, 0.5)), start=start,
                                  end=draw(st.integers(start, LAST)), keep_state=True))
    return dataclasses.replace(s, faults=tuple(faults))


#: rounds after the last change (heal, recovery, last operation) within which every replica
#: must agree: on the complete graph a pair spreads like a push-pull rumour (log3 n + O(log
#: log n) exchanges, and once half the replicas hold it each other replica misses it with
#: probability <= 1/2 per exchange: 60 * 60 * 2^-40 for 60 counter entries after 40 more),
#: on the ring of 4 neighbours it must walk n / 4 hops, each taken with probability >= 1/4
#: per exchange; times period_rounds <= 3
BOUND = {"complete": 3 * 60, "ring": 3 * 400}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ap_scenarios())
def test_ap_reconverges_after_the_heal_and_the_counter_loses_nothing(s):
    s = dataclasses.replace(s, max_rounds=LAST + BOUND[s.topology.name])
    model = SwarmModel(s, engine="kernels")
    st_ = model.state
    largest = (0, 0)
    while model.running:
        model.step()
        largest = max(largest, max(zip(st_.reg_tag.tolist(), st_.reg_val.tolist(),
                                       strict=True)))
    engine = model.engine
    assert engine.round < s.max_rounds, "the replicas never agreed"
    assert st_.live.all()
    assert np.all(st_.reg_tag == largest[0]) and np.all(st_.reg_val == largest[1]), \
        "every replica holds the largest pair ever written (the last writer won)"
    r = engine.rounds_frame()
    assert r["coverage"].iloc[-1] == 1.0 and r["divergence"].iloc[-1] == 0.0
    acked = int(r["writes_acked"].sum())
    assert acked == int(r["writes"].sum()), "ap acknowledges every write"
    assert np.all(st_.counter.sum(axis=1) == acked)
    assert r["counter_behind"].iloc[-1] == 0
    assert 0 <= r["lost_updates"].iloc[-1] <= max(acked - 1, 0)
