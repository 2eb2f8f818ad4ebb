"""Contract tests over every registered fault (and every protocol): no new test code for a
new fault."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import swarm
from swarm import PROTOCOLS, Scenario
from swarm.registry import FAULTS

FAULT_NAMES = sorted(FAULTS)
PROTOCOL_NAMES = sorted(PROTOCOLS)
TOPOLOGIES = [{"topology": "complete"}, {"topology": "k-out", "topology.k": 3}]


def scenario(protocol: str, faults=(), nodes: int = 100, **extra) -> Scenario:
    base = Scenario.from_dict({"nodes": nodes, "protocol": protocol, "seed": 5,
                               "max_rounds": 60, **extra})
    return dataclasses.replace(base, faults=faults)


def same_run(a: swarm.Run, b: swarm.Run) -> None:
    pd.testing.assert_frame_equal(a.rounds, b.rounds)
    assert a.summary == b.summary
    for key, value in a.state.arrays().items():
        assert np.array_equal(value, b.state.arrays()[key]), key


@pytest.mark.parametrize("fault", FAULT_NAMES)
@pytest.mark.parametrize("protocol", PROTOCOL_NAMES)
@pytest.mark.parametrize("topo", TOPOLOGIES, ids=lambda t: t["topology"])
def test_zero_strength_is_bit_identical_to_no_fault(fault, protocol, topo):
    params_cls = FAULTS[fault].Params
    zero = params_cls(**params_cls.ZERO)
    assert zero.is_zero()
    plain = swarm.simulate(scenario(protocol, **topo))
    faulty = swarm.simulate(scenario(protocol, faults=[zero], **topo))
    same_run(plain, faulty)
    assert faulty.events.empty


def examples(fault: str, protocol: str) -> list:
    """The fault's EXAMPLE; for ``byzantine``, one per behaviour the protocol implements
    (none: the protocol refuses every behaviour, which ``test_unsupported_behaviour...``
    checks)."""
    params_cls = FAULTS[fault].Params
    example = params_cls(**params_cls.EXAMPLE)
    if fault != "byzantine":
        return [example]
    return [dataclasses.replace(example, behaviour=b)
            for b in PROTOCOLS[protocol].byzantine_behaviours]


def example_protocol(fault: str) -> str:
    """A protocol the fault's EXAMPLE applies to: push-pull, or the first that implements
    the Byzantine EXAMPLE's behaviour."""
    params_cls = FAULTS[fault].Params
    behaviour = params_cls.EXAMPLE.get("behaviour")
    if behaviour is None or behaviour in PROTOCOLS["push-pull"].byzantine_behaviours:
        return "push-pull"
    able = [p for p in PROTOCOL_NAMES if behaviour in PROTOCOLS[p].byzantine_behaviours]
    assert able, f"no protocol implements {fault}'s EXAMPLE behaviour {behaviour!r}"
    return able[0]


@pytest.mark.parametrize("fault", FAULT_NAMES)
@pytest.mark.parametrize("protocol", PROTOCOL_NAMES)
def test_agent_path_equals_kernel_path_under_the_fault(fault, protocol):
    cases = examples(fault, protocol)
    if not cases:
        pytest.skip(f"{protocol} implements no Byzantine behaviour")
    for example in cases:
        assert not example.is_zero()
        s = scenario(protocol, faults=[example], **{"topology": "k-out", "topology.k": 3})
        a = swarm.simulate(s, engine="kernels")
        b = swarm.simulate(s, engine="agents")
        same_run(a, b)
        pd.testing.assert_frame_equal(a.events, b.events)


@pytest.mark.parametrize("protocol", PROTOCOL_NAMES)
def test_unsupported_byzantine_behaviour_is_refused_when_the_scenario_is_built(protocol):
    from swarm.faults.byzantine import BEHAVIOURS, ByzantineParams

    for behaviour in BEHAVIOURS:
        if behaviour in PROTOCOLS[protocol].byzantine_behaviours:
            continue
        with pytest.raises(swarm.ConfigError, match="faults.byzantine.behaviour") as err:
            scenario(protocol, faults=[ByzantineParams(fraction=0.1, behaviour=behaviour)])
        assert repr(behaviour) in str(err.value) and repr(protocol) in str(err.value)


@pytest.mark.parametrize("fault", FAULT_NAMES)
def test_fault_changes_the_run_and_keeps_the_books(fault):
    params_cls = FAULTS[fault].Params
    protocol = example_protocol(fault)
    s = scenario(protocol, faults=[params_cls(**params_cls.EXAMPLE)])
    run = swarm.simulate(s)
    assert not run.rounds.equals(swarm.simulate(scenario(protocol)).rounds)
    r = run.rounds
    assert np.array_equal(r["messages"] + r["late"], r["delivered"] + r["dropped"] + r["delayed"])
    assert np.array_equal(r["dropped"],
                          r["dropped_down"] + r["dropped_partition"] + r["dropped_loss"])
    assert r["delayed"].sum() >= r["late"].sum()


@pytest.mark.parametrize("fault", FAULT_NAMES)
def test_fault_round_trips_through_dict_and_toml(fault, tmp_path):
    params_cls = FAULTS[fault].Params
    s = scenario(example_protocol(fault), faults=[("x1", params_cls(**params_cls.EXAMPLE))])
    assert Scenario.from_dict(s.to_dict()) == s
    path = tmp_path / "s.toml"
    path.write_text(s.to_toml())
    assert Scenario.from_toml(path) == s
