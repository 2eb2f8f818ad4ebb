"""Contract tests over every registered protocol: no new test code for a new protocol."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import swarm
from swarm import PROTOCOLS, Scenario
from swarm.model import SwarmModel

PROTOCOL_NAMES = sorted(PROTOCOLS)
TOPOLOGY_CASES = [
    {"topology": "complete"},
    {"topology": "k-out", "topology.k": 3},
    {"topology": "ring", "topology.k": 2},
    {"topology": "barabasi-albert", "topology.m": 2},
]


def scenario(protocol: str, nodes: int = 300, seed: int = 17, **extra) -> Scenario:
    return Scenario.from_dict({"nodes": nodes, "protocol": protocol, "seed": seed, **extra})


def final_arrays(run: swarm.Run) -> dict[str, np.ndarray]:
    return run.state.arrays()


@pytest.mark.parametrize("name", PROTOCOL_NAMES)
@pytest.mark.parametrize("topo", TOPOLOGY_CASES, ids=lambda t: t["topology"])
@pytest.mark.parametrize("fanout", [1, 3])
def test_agent_path_equals_kernel_path(name, topo, fanout):
    s = scenario(name, **topo, **{"protocol.fanout": fanout, "max_rounds": 400})
    a = swarm.simulate(s, engine="kernels")
    b = swarm.simulate(s, engine="agents")
    pd.testing.assert_frame_equal(a.rounds, b.rounds)
    assert a.summary == b.summary
    for key, value in final_arrays(a).items():
        assert np.array_equal(value, final_arrays(b)[key]), key


@pytest.mark.parametrize("name", PROTOCOL_NAMES)
def test_agent_rule_does_not_call_the_kernel_path(name, monkeypatch):
    """The agent path must run on the agent rule alone: with the protocol's kernel-path
    send / receive made to fail, it still runs, and still equals the kernel path."""
    expected = swarm.simulate(scenario(name, nodes=100))

    def refuse(*args, **kwargs):
        raise AssertionError("the agent path called the kernel path")

    monkeypatch.setattr(PROTOCOLS[name], "send", refuse)
    monkeypatch.setattr(PROTOCOLS[name], "receive", refuse)
    run = swarm.simulate(scenario(name, nodes=100), engine="agents")
    pd.testing.assert_frame_equal(run.rounds, expected.rounds)


@pytest.mark.parametrize("name", PROTOCOL_NAMES)
def test_both_paths_leave_every_stream_in_the_same_state_each_round(name):
    s = scenario(name, nodes=120, **{"protocol.fanout": 2})
    models = [SwarmModel(s, engine=engine) for engine in ("kernels", "agents")]
    while models[0].running or models[1].running:
        for m in models:
            m.step()
        states = [m.engine.rng.bit_generator.state for m in models]
        assert states[0] == states[1]
        assert np.array_equal(models[0].state.informed, models[1].state.informed)


@pytest.mark.parametrize("name", PROTOCOL_NAMES)
def test_same_seed_same_run_and_different_seed_differs(name):
    a = swarm.simulate(scenario(name))
    b = swarm.simulate(scenario(name))
    c = swarm.simulate(scenario(name, seed=18))
    pd.testing.assert_frame_equal(a.rounds, b.rounds)
    assert a.run_id == b.run_id != c.run_id
    assert not np.array_equal(a.state.informed_round, c.state.informed_round)


@pytest.mark.parametrize("name", PROTOCOL_NAMES)
@pytest.mark.parametrize("engine", ["kernels", "agents"])
def test_single_node(name, engine):
    run = swarm.simulate(scenario(name, nodes=1), engine=engine)
    assert len(run.rounds) == 1
    assert run.summary["rounds_to_full"] == 0
    assert run.summary["messages_total"] == 0


@pytest.mark.parametrize("name", PROTOCOL_NAMES)
@pytest.mark.parametrize("engine", ["kernels", "agents"])
def test_two_nodes_finish_in_one_round(name, engine):
    """With n = 2 the only partner is the other node, so one round always suffices."""
    run = swarm.simulate(scenario(name, nodes=2), engine=engine)
    assert run.summary["rounds_to_full"] == 1
    assert run.rounds["coverage"].tolist() == [0.5, 1.0]
    assert run.rounds["useful"].tolist() == [0, 1]


@pytest.mark.parametrize("name", PROTOCOL_NAMES)
def test_dtypes_and_shapes_kept(name):
    s = scenario(name, nodes=200)
    model = SwarmModel(s, engine="kernels")
    before = {k: (v.dtype, v.shape) for k, v in model.state.arrays().items()}
    while model.running:
        model.step()
    after = {k: (v.dtype, v.shape) for k, v in model.state.arrays().items()}
    assert before == after
    run = swarm.simulate(s)
    for col in run.rounds.columns:
        expected = np.float64 if col == "coverage" else np.int64
        assert run.rounds[col].dtype == expected, col


@pytest.mark.parametrize("name", PROTOCOL_NAMES)
def test_mesa_model_steps_either_path_to_the_same_state(name):
    s = scenario(name, nodes=150)
    runs = {}
    for engine in ("kernels", "agents"):
        model = SwarmModel(s, engine=engine)
        while model.running:
            model.step()
        runs[engine] = model
    assert np.array_equal(runs["kernels"].state.informed_round,
                          runs["agents"].state.informed_round)
    agents = runs["agents"].node_agents
    assert len(agents) == 150 and [a.idx for a in agents] == list(range(150))
    assert all(a.informed for a in agents)
