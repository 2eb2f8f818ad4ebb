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
- **Byzantine forgers and equivocators** (averaging, push-sum): every honest estimate is a
  convex combination of honest initial values and reported lies, so it stays within
  [min, max] of the honest initial values and the reported values (``byzantine_value``, and
  its mirror for equivocators), and a Byzantine node's own value never changes. Averaging's
  means of two values in the range are exactly in it (round to nearest is monotone);
  push-sum's ratio ``s / w`` rounds, hence a relative 1e-12.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from fault_mixes import fault_mixes  # tests/property/fault_mixes.py (on sys.path in pytest)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from swarm import Scenario
from swarm.engine import Engine
from swarm.faults.byzantine import ByzantineParams
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


@st.composite
def liars(draw):
    protocol = draw(st.sampled_from(["averaging", "push-sum"]))
    nodes = draw(st.integers(4, 120))
    topo = draw(st.sampled_from(TOPOLOGIES))
    base = Scenario.from_dict({"nodes": nodes, "protocol": protocol, "max_rounds": 40,
                               "seed": draw(st.integers(0, 10**6)), "protocol.tolerance": 0.0,
                               "protocol.byzantine_value": draw(st.floats(-1e4, 1e4)),
                               **topo})
    faults = [ByzantineParams(fraction=draw(st.floats(0.0, 0.6)), start=1,
                              behaviour=draw(st.sampled_from(["forge", "equivocate"])))]
    if draw(st.booleans()):
        faults.append(LossParams(rate=draw(st.floats(0.0, 0.5))))
    return dataclasses.replace(base, faults=faults)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(liars())
def test_honest_estimates_stay_in_the_hull_of_honest_values_and_lies(s):
    engine = Engine(s)
    engine.step()  # round 1 chooses the liars, before anyone sends
    state, p = engine.state, s.protocol
    byz = state.byzantine != 0
    told = [p.byzantine_value]
    if s.faults[0][1].behaviour == "equivocate":
        told.append(p.value_min + p.value_max - p.byzantine_value)
    honest = state.initial[~byz]
    lo, hi = min(honest.min(initial=np.inf), *told), max(honest.max(initial=-np.inf), *told)
    ratio = s.protocol.name == "push-sum"
    own = (state.s if ratio else state.value)[byz].copy()
    slack = 1e-12 * max(abs(lo), abs(hi)) if ratio else 0.0
    while True:
        est = state.s / state.w if ratio else state.value
        assert (est[~byz] >= lo - slack).all() and (est[~byz] <= hi + slack).all()
        assert np.array_equal((state.s if ratio else state.value)[byz], own)
        if not engine.step():
            break
