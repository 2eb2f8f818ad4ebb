"""Invariants of every protocol on random scenarios (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import swarm
from swarm import Scenario

TOPOLOGIES = [
    {"topology": "complete"},
    {"topology": "k-out", "topology.k": 2},
    {"topology": "ring", "topology.k": 2},
    {"topology": "erdos-renyi", "topology.p": 0.05},
]


@st.composite
def scenarios(draw):
    nodes = draw(st.integers(1, 120))
    protocol = draw(st.sampled_from(["push", "pull", "push-pull"]))
    fanout = draw(st.integers(1, max(1, min(nodes - 1, 4))))
    topo = draw(st.sampled_from(TOPOLOGIES)) if nodes >= 4 else TOPOLOGIES[0]
    seed = draw(st.integers(0, 2**32))
    return Scenario.from_dict({"nodes": nodes, "protocol": protocol, "protocol.fanout": fanout,
                               "seed": seed, "max_rounds": 60, **topo})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_invariants(s):
    run = swarm.simulate(s)
    r = run.rounds
    informed = r["informed"].to_numpy()
    # the informed set never shrinks without faults, and grows by exactly the useful messages
    assert np.all(np.diff(informed) >= 0)
    assert np.array_equal(np.diff(informed), r["useful"].to_numpy()[1:])
    assert np.all((r["coverage"] >= 0) & (r["coverage"] <= 1))
    assert np.array_equal(r["messages"], r["delivered"] + r["dropped"])
    assert np.all(r["useful"] + r["redundant"] <= r["delivered"])
    assert np.all(r["useful"] + r["redundant"] <= r["update_messages"])
    assert np.all(r["update_messages"] <= r["messages"])
    # the final state agrees with the last row; informed_round is consistent with the rows
    state = run.state
    assert int(state.informed.sum()) == informed[-1]
    rounds_of = state.informed_round[state.informed]
    assert np.all(rounds_of >= 0)
    counts = np.bincount(rounds_of, minlength=len(r))
    assert np.array_equal(np.cumsum(counts)[: len(r)], informed)
    assert np.all(state.informed_round[~state.informed] == -1)
