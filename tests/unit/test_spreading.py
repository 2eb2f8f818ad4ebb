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


@pytest.mark.parametrize("mode", ["push", "push-pull"])
def test_acks_and_retries_are_the_same_on_both_paths(mode):
    s = Scenario.from_dict({"nodes": 200, "protocol": mode, "protocol.ack": True,
                            "protocol.fanout": 2, "seed": 6,
                            "timeline": "loss rate=0.3; 3-7: crash fraction=0.2"})
    a, b = swarm.simulate(s), swarm.simulate(s, engine="agents")
    assert a.rounds.equals(b.rounds)
    for key, value in a.state.arrays().items():
        assert np.array_equal(value, b.state.arrays()[key]), key
    assert a.rounds["resends"].sum() > 0


def test_acks_repair_loss_at_a_price():
    """Push under 40% loss: with ack and retries every lost push is tried again, so the
    rumour spreads in fewer rounds and more messages; without loss nothing is resent.
    30 seeds each: rounds_to_full has a per-run sd of about 2 (so the difference of the two
    means has a standard error of about 0.5); we require a gain of more than 1 round and any
    increase in messages, both far inside what acks give (about 6 rounds, 2.3x messages)."""
    def mean(key, ack, loss, seeds=30):
        values = []
        for seed in range(seeds):
            s = Scenario.from_dict({"nodes": 1000, "protocol": "push", "protocol.ack": ack,
                                    "protocol.retry_after_rounds": 1, "protocol.max_retries": 3,
                                    "seed": seed, "faults.loss.rate": loss})
            values.append(swarm.simulate(s).summary[key])
        return float(np.mean(values))

    assert mean("rounds_to_full", True, 0.4) < mean("rounds_to_full", False, 0.4) - 1
    assert mean("messages_per_node", True, 0.4) > mean("messages_per_node", False, 0.4)
    lossless = swarm.simulate(Scenario.from_dict({"nodes": 500, "protocol": "push",
                                                  "protocol.ack": True, "seed": 1}))
    assert lossless.rounds["resends"].sum() == 0


def test_pull_has_no_ack():
    with pytest.raises(swarm.ConfigError, match="unknown key"):
        Scenario.from_dict({"protocol": "pull", "protocol.ack": True})
