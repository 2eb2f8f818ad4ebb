"""Contract tests over every registered protocol: no new test code for a new protocol (see
``swarm.contract`` for running them on a plugin).

They assume nothing about what a protocol computes — only the contract of
``swarm/protocols/base.py``: same seed same run, the agent path equals the kernel path (frames,
final arrays, generator states), the agent rule runs without the kernel path, n = 1 and n = 2
work, dtypes and shapes are kept.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import swarm
from swarm import PROTOCOLS, Scenario
from swarm.model import SwarmModel
from swarm.transport import COUNTER_NAMES

PROTOCOL_NAMES = sorted(PROTOCOLS)
TOPOLOGY_CASES = [
    {"topology": "complete"},
    {"topology": "k-out", "topology.k": 3},
    {"topology": "ring", "topology.k": 2},
    {"topology": "barabasi-albert", "topology.m": 2},
]


def has_param(name: str, param: str) -> bool:
    return param in {f.name for f in dataclasses.fields(PROTOCOLS[name].Params)}


def scenario(protocol: str, nodes: int = 300, seed: int = 17, **extra) -> Scenario:
    return Scenario.from_dict({"nodes": nodes, "protocol": protocol, "seed": seed,
                               "max_rounds": 400, **extra})


def assert_same_state(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert a.keys() == b.keys()
    for key, value in a.items():
        assert value.dtype == b[key].dtype, key
        assert np.array_equal(value, b[key]), key


@pytest.mark.parametrize("name", PROTOCOL_NAMES)
@pytest.mark.parametrize("topo", TOPOLOGY_CASES, ids=lambda t: t["topology"])
@pytest.mark.parametrize("fanout", [1, 3])
def test_agent_path_equals_kernel_path(name, topo, fanout):
    extra = dict(topo)
    if has_param(name, "fanout"):
        extra["protocol.fanout"] = fanout
    elif fanout != 1:
        pytest.skip(f"{name} has no fanout")
    s = scenario(name, **extra)
    a = swarm.simulate(s, engine="kernels")
    b = swarm.simulate(s, engine="agents")
    pd.testing.assert_frame_equal(a.rounds, b.rounds)
    assert a.summary == b.summary
    assert_same_state(a.state.arrays(), b.state.arrays())


@pytest.mark.parametrize("name", PROTOCOL_NAMES)
def test_same_bits_on_one_thread_and_on_two(name):
    """Parallel kernels split nodes and messages into fixed chunks (``swarm.kernels.parallel
    .CHUNK``) and draw counter-based randomness, so the run cannot depend on the number of
    threads: over three chunks of nodes, 1 and 2 Numba threads give the same frames and
    arrays."""
    import numba

    from swarm.kernels.parallel import CHUNK

    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("Numba has one thread here (NUMBA_NUM_THREADS)")
    extra: dict = {"max_rounds": 8}
    if has_param(name, "view_size"):
        extra["protocol.view_size"] = 16
    s = scenario(name, nodes=3 * CHUNK + 5, **extra)
    before = numba.get_num_threads()
    runs = []
    try:
        for threads in (1, 2):
            numba.set_num_threads(threads)
            runs.append(swarm.simulate(s))
    finally:
        numba.set_num_threads(before)
    pd.testing.assert_frame_equal(runs[0].rounds, runs[1].rounds)
    assert_same_state(runs[0].state.arrays(), runs[1].state.arrays())


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
    extra = {"protocol.fanout": 2} if has_param(name, "fanout") else {}
    s = scenario(name, nodes=120, **extra)
    models = [SwarmModel(s, engine=engine) for engine in ("kernels", "agents")]
    while models[0].running or models[1].running:
        for m in models:
            m.step()
        states = [m.engine.rng.bit_generator.state for m in models]
        assert states[0] == states[1]
        assert_same_state(models[0].state.arrays(), models[1].state.arrays())


@pytest.mark.parametrize("name", PROTOCOL_NAMES)
def test_same_seed_same_run_and_different_seed_differs(name):
    a = swarm.simulate(scenario(name))
    b = swarm.simulate(scenario(name))
    c = swarm.simulate(scenario(name, seed=18))
    pd.testing.assert_frame_equal(a.rounds, b.rounds)
    assert_same_state(a.state.arrays(), b.state.arrays())
    assert a.run_id == b.run_id != c.run_id
    # another seed, another run: its frame differs, or (a frame of a few counts can repeat
    # by chance, e.g. a flood on the complete graph: 3 rows) its final state does
    assert not a.rounds.equals(c.rounds) or any(
        not np.array_equal(v, c.state.arrays()[k]) for k, v in a.state.arrays().items())


@pytest.mark.parametrize("name", PROTOCOL_NAMES)
@pytest.mark.parametrize("engine", ["kernels", "agents"])
def test_single_node_sends_nothing_and_finishes(name, engine):
    run = swarm.simulate(scenario(name, nodes=1), engine=engine)
    assert run.rounds["messages"].sum() == 0
    assert run.summary["rounds"] < 400, "a lone node must finish before max_rounds"


@pytest.mark.parametrize("name", PROTOCOL_NAMES)
@pytest.mark.parametrize("engine", ["kernels", "agents"])
def test_two_nodes_finish(name, engine):
    run = swarm.simulate(scenario(name, nodes=2), engine=engine)
    assert run.summary["rounds"] < 400
    assert run.rounds["messages"].sum() > 0


@pytest.mark.parametrize("name", PROTOCOL_NAMES)
def test_dtypes_shapes_and_columns_kept(name):
    s = scenario(name, nodes=200)
    model = SwarmModel(s, engine="kernels")
    before = {k: (v.dtype, v.shape) for k, v in model.state.arrays().items()}
    while model.running:
        model.step()
    after = {k: (v.dtype, v.shape) for k, v in model.state.arrays().items()}
    assert before == after
    run = swarm.simulate(s)
    assert list(run.rounds.columns[:1]) == ["round"]
    assert set(COUNTER_NAMES) | {"live"} <= set(run.rounds.columns)
    for col in ("round", "live", *COUNTER_NAMES):
        assert run.rounds[col].dtype == np.int64, col
    assert np.array_equal(run.rounds["round"], np.arange(len(run.rounds)))
    assert np.array_equal(run.rounds["messages"], run.rounds["delivered"] + run.rounds["dropped"])


@pytest.mark.parametrize("name", PROTOCOL_NAMES)
def test_node_codes_are_one_byte_per_node_naming_a_state(name):
    """What a viewer colours: uint8, one per node, each an index into ``node_states``; and
    every state named is a distinct non-empty word."""
    model = SwarmModel(scenario(name, nodes=200), engine="kernels")
    states = model.protocol.node_states
    assert len(set(states)) == len(states) >= 2 and all(states)
    for _ in range(6):
        codes = model.protocol.node_codes(model.state)
        assert codes.dtype == np.uint8 and codes.shape == (200,)
        assert codes.max() < len(states)
        model.step()


@pytest.mark.parametrize("name", PROTOCOL_NAMES)
def test_expected_coverage_when_given_is_a_coverage_curve(name):
    model = SwarmModel(scenario(name, nodes=200), engine="kernels")
    curve = model.protocol.expected_coverage(200, 30)
    if curve is None:
        pytest.skip(f"{name} has no coverage theory")
    assert curve.shape == (31,)
    assert np.all(np.diff(curve) >= 0) and 0 < curve[0] <= curve[-1] <= 1
