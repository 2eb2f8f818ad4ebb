# examples/swarm-example-plugin/tests/test_slow.py
"""slow-nodes does what it says, exactly."""

import numpy as np

import swarm

RING = {"nodes": 101, "topology": "ring", "protocol": "gossip1", "protocol.p": 1.0,
        "protocol.origin": 0, "seed": 1}


def test_when_every_node_is_slow_the_flood_takes_rounds_plus_one_per_hop():
    """With p = 1 gossip1 is a flood: the node at hop distance d from the origin hears it in
    round d. When every node is slow by L rounds, each hop takes L + 1 rounds (sent in
    round t, delivered in t + L, forwarded in t + L + 1), so it hears it in round
    (L + 1) d."""
    n = RING["nodes"]
    hops = np.minimum(np.arange(n), n - np.arange(n))  # distance from node 0 on the ring
    plain = swarm.simulate(swarm.Scenario.from_dict(RING))
    assert np.array_equal(plain.state.informed_round, hops)
    for late in (1, 3):
        run = swarm.simulate(swarm.Scenario.from_dict(
            {**RING, "faults.slow-nodes.fraction": 1.0, "faults.slow-nodes.rounds": late}))
        assert np.array_equal(run.state.informed_round, (late + 1) * hops)
        assert run.rounds["delayed"].sum() == run.rounds["late"].sum() == run.rounds[
            "messages"].sum()
        assert run.events["event"].tolist() == ["slow"] and run.events["nodes"][0] == n


def test_only_the_chosen_nodes_are_slow_and_only_in_the_window():
    s = swarm.Scenario.from_dict({**RING, "nodes": 400, "topology": "torus",
                                  "faults.slow-nodes.fraction": 0.25,
                                  "faults.slow-nodes.rounds": 2,
                                  "faults.slow-nodes.start": 3, "faults.slow-nodes.end": 6})
    run = swarm.simulate(s)
    r = run.rounds.set_index("round")
    assert r.loc[[1, 2], "delayed"].sum() == 0 and r.loc[7:, "delayed"].sum() == 0
    assert r.loc[3:6, "delayed"].sum() > 0
    assert r["late"].sum() == r["delayed"].sum()  # each delayed message arrives, 2 later
    assert run.events["nodes"].tolist() == [100]
