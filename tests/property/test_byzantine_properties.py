"""Safety of the defences against Byzantine nodes in push / pull / push-pull (hypothesis):
random protocol, overlay, Byzantine nodes and transport faults (loss, partitions, crashes,
churn, latency), kernel path."""

from __future__ import annotations

import dataclasses

import numpy as np
from fault_mixes import fault_mixes  # tests/property/fault_mixes.py (on sys.path in pytest)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import swarm
from swarm import Scenario
from swarm.faults.byzantine import ByzantineParams

TOPOLOGIES = [
    {"topology": "complete"},
    {"topology": "k-out", "topology.k": 2},
    {"topology": "ring", "topology.k": 2},
    {"topology": "erdos-renyi", "topology.p": 0.1},
]


def honest_never_forged(run: swarm.Run) -> None:
    """No live honest node held the forged value at the end of any round, none accepted it
    in any round (``false_new``), and none holds it at the end (down nodes included)."""
    assert (run.rounds["false_accepted"] == 0).all()
    assert (run.rounds["false_new"] == 0).all()
    state = run.state
    assert not state.forged[state.byzantine == 0].any()


@st.composite
def base(draw, nodes_min: int = 4):
    nodes = draw(st.integers(nodes_min, 80))
    return {
        "nodes": nodes,
        "protocol": draw(st.sampled_from(["push", "pull", "push-pull"])),
        "protocol.fanout": draw(st.integers(1, 3)),
        "protocol.origin": 0,
        "seed": draw(st.integers(0, 2**32)),
        "max_rounds": 40,
        **draw(st.sampled_from(TOPOLOGIES)),
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base(), st.floats(0.0, 0.6), st.sampled_from(["forge", "equivocate", "censor"]),
       st.booleans(), st.booleans(), st.integers(1, 3), st.data())
def test_with_signatures_no_honest_node_ever_accepts_forged_content(
        params, fraction, behaviour, reputation, ack, quorum, data):
    """Any fraction of any behaviour (the origin included), any other defences on top."""
    s = Scenario.from_dict({**params, "protocol.signatures": True,
                            "protocol.reputation": reputation,
                            "protocol.quorum": min(quorum, params["nodes"] - 1),
                            **({"protocol.ack": ack} if params["protocol"] != "pull" else {})})
    faults = [ByzantineParams(fraction=fraction, behaviour=behaviour,
                              start=data.draw(st.integers(1, 5))),
              *data.draw(fault_mixes(s.nodes, last=20))]
    run = swarm.simulate(dataclasses.replace(s, faults=tuple(faults)))
    honest_never_forged(run)
    # every update read is verified: each delivered update-carrying message, unless dropped
    # unread from an ignored peer (reputation)
    r = run.rounds
    read = r["useful"] + r["redundant"]
    if reputation:
        assert (r["verifications"] <= read).all()
    else:
        assert np.array_equal(r["verifications"], read)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base(nodes_min=6), st.integers(2, 5), st.sampled_from(["forge", "equivocate"]),
       st.booleans(), st.data())
def test_a_quorum_larger_than_the_colluding_liars_stops_the_forgery(
        params, quorum, behaviour, reputation, data):
    """q - 1 liars at most (never the origin, node 0), colluding: each offers the forged
    value to every peer it calls (equivocators: to the odd-numbered ones). A forged value is
    accepted only from q distinct peers, and honest nodes forward only what they accepted,
    so by induction no honest node ever accepts it — whatever the overlay and the transport
    do. Reputation only lowers the liars' weights further."""
    n = params["nodes"]
    q = min(quorum, n - 1)
    liars = data.draw(st.lists(st.integers(1, n - 1), min_size=1, max_size=q - 1,
                               unique=True)) if q > 1 else []
    s = Scenario.from_dict({**params, "protocol.quorum": q, "protocol.reputation": reputation})
    faults = [*data.draw(fault_mixes(n, last=20))]
    if liars:
        faults.append(ByzantineParams(select="ids", ids=",".join(map(str, liars)),
                                      behaviour=behaviour,
                                      start=data.draw(st.integers(1, 5))))
    run = swarm.simulate(dataclasses.replace(s, faults=tuple(faults)))
    honest_never_forged(run)
