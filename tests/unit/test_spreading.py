"""Spreading-specific behaviour beyond the generic contract."""

from __future__ import annotations

import numpy as np
import pytest

import swarm
from swarm import Scenario
from swarm.model import SwarmModel

MODES = ("push", "pull", "push-pull")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("engine", ["kernels", "agents"])
def test_single_node_is_full_at_round_zero(mode, engine):
    run = swarm.simulate(Scenario(nodes=1, protocol=mode), engine=engine)
    assert len(run.rounds) == 1 and run.summary["rounds_to_full"] == 0


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("engine", ["kernels", "agents"])
def test_two_nodes_finish_in_one_round(mode, engine):
    """With n = 2 the only partner is the other node, so one round always suffices."""
    run = swarm.simulate(Scenario(nodes=2, protocol=mode, seed=3), engine=engine)
    assert run.summary["rounds_to_full"] == 1
    assert run.rounds["coverage"].tolist() == [0.5, 1.0]
    assert run.rounds["useful"].tolist() == [0, 1]


@pytest.mark.parametrize("mode", MODES)
def test_agents_are_views_of_the_state(mode):
    model = SwarmModel(Scenario(nodes=150, protocol=mode, seed=2), engine="agents")
    agents = model.node_agents
    assert [a.idx for a in agents] == list(range(150))
    while model.running:
        model.step()
    assert all(a.informed for a in agents)
    model.state.informed[7] = False
    assert not agents[7].informed


def test_fanout_larger_than_degree_calls_every_neighbour():
    """On a ring (degree 2) with fanout 3 every sender calls both neighbours each round."""
    s = Scenario.from_dict({"nodes": 50, "protocol": "push", "protocol.fanout": 3,
                            "protocol.origin": 0, "topology": "ring", "topology.k": 2})
    run = swarm.simulate(s)
    informed = run.rounds["informed"].to_numpy()
    # the informed arc grows by exactly two nodes a round until it closes
    assert informed[:5].tolist() == [1, 3, 5, 7, 9]
    assert np.array_equal(run.rounds["messages"].to_numpy()[1:], 2 * informed[:-1])
