"""Aggregation invariants (hypothesis): conservation of the sum.

- **push-sum without loss**: ``sum s`` and ``sum w`` are conserved every round (Kempe et al.
  2003's mass conservation), on any topology, up to float rounding (each share is an exact
  half; only the additions round: relative 1e-12 after <= 60 rounds);
- **averaging under any fault mix** (loss, partitions, crash, churn, latency; states kept): an
  exchange is atomic (both ends take the mean, or neither does) and down nodes keep their
  value, so the sum of the values is conserved whatever happens, up to rounding; and once
  every fault's window has closed, every node converges to the true mean (complete and k-out
  topologies);
- **push-sum under loss**: mass and weight only decrease (a lost share takes both with it).
"""

from __future__ import annotations

import dataclasses

import numpy as np
from fault_mixes import fault_mixes  # tests/property/fault_mixes.py (on sys.path in pytest)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from swarm import Scenario
from swarm.engine import Engine
from swarm.faults.loss import LossParams

TOPOLOGIES = [{"topology": "complete"}, {"topology": "ring", "topology.k": 2},
              {"topology": "k-out", "topology.k": 3},
              {"topology": "barabasi-albert", "topology.m": 2}]


@st.composite
def scenarios(draw, protocol: str, lossy: bool):
    nodes = draw(st.integers(4, 150))
    topo = draw(st.sampled_from(TOPOLOGIES))
    loss = draw(st.floats(0.05, 0.9)) if lossy else 0.0
    s = Scenario.from_dict({"nodes": nodes, "protocol": protocol,
                            "seed": draw(st.integers(0, 10**6)),
                            "max_rounds": draw(st.integers(1, 60)), **topo})
    return Scenario(nodes=s.nodes, protocol=s.protocol, topology=s.topology, seed=s.seed,
                    max_rounds=s.max_rounds, faults=[LossParams(rate=loss)] if lossy else [])


def sums_each_round(s: Scenario, names: tuple[str, ...]) -> np.ndarray:
    engine = Engine(s)
    out = [[getattr(engine.state, a).sum() for a in names]]
    while engine.step():
        out.append([getattr(engine.state, a).sum() for a in names])
    return np.array(out)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios("push-sum", lossy=False))
def test_push_sum_conserves_mass_and_weight(s):
    sums = sums_each_round(s, ("s", "w"))
    np.testing.assert_allclose(sums, np.broadcast_to(sums[0], sums.shape), rtol=1e-12)
    assert sums[0, 1] == s.nodes


@st.composite
def averaging_under_faults(draw):
    nodes = draw(st.integers(4, 100))
    topo = draw(st.sampled_from(TOPOLOGIES[::2]))  # complete, k-out: converge within 200
    base = Scenario.from_dict({"nodes": nodes, "protocol": "averaging", "max_rounds": 250,
                               "seed": draw(st.integers(0, 10**6)),
                               "protocol.tolerance": 1e-9, **topo})
    return dataclasses.replace(base, faults=draw(fault_mixes(nodes)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(averaging_under_faults())
def test_averaging_conserves_the_sum_under_faults_and_reaches_the_mean(s):
    engine = Engine(s)
    total = engine.state.value.sum()
    while engine.step():
        np.testing.assert_allclose(engine.state.value.sum(), total, rtol=1e-12)
    assert engine.state.round < s.max_rounds, "did not converge"
    assert engine.state.live.all()
    np.testing.assert_allclose(engine.state.value, total / s.nodes, rtol=1e-8)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios("push-sum", lossy=True))
def test_push_sum_under_loss_only_loses_mass(s):
    sums = sums_each_round(s, ("s", "w"))
    assert np.all(np.diff(sums, axis=0) <= 1e-9 * sums[0])
