"""Invariants under random fault mixes (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from swarm import Scenario
from swarm.faults.churn import ChurnParams
from swarm.faults.crash import CrashParams
from swarm.faults.latency import LatencyParams
from swarm.faults.loss import LossParams
from swarm.faults.partition import PartitionParams
from swarm.model import SwarmModel


def window(draw, last: int = 30) -> dict:
    start = draw(st.integers(1, last))
    return {"start": start, "end": draw(st.integers(start, last))}


@st.composite
def fault_mixes(draw):
    faults = []
    if draw(st.booleans()):
        faults.append(LossParams(rate=draw(st.floats(0.0, 0.6)), **window(draw)))
    if draw(st.booleans()):
        faults.append(PartitionParams(groups=draw(st.integers(1, 4)),
                                      oneway=draw(st.booleans()),
                                      rate=draw(st.sampled_from([1.0, 0.5])), **window(draw)))
    if draw(st.booleans()):
        faults.append(CrashParams(fraction=draw(st.floats(0.0, 0.5)), **window(draw)))
    if draw(st.booleans()):
        faults.append(ChurnParams(session_rounds=draw(st.floats(1.0, 10.0)),
                                  downtime_rounds=draw(st.floats(1.0, 5.0)),
                                  dist=draw(st.sampled_from(["exponential", "weibull"])),
                                  **window(draw)))
    if draw(st.booleans()):
        faults.append(LatencyParams(dist=draw(st.sampled_from(["constant", "uniform",
                                                               "geometric"])),
                                    rounds=float(draw(st.integers(0, 3))), **window(draw)))
    return faults


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nodes=st.integers(2, 150), protocol=st.sampled_from(["push", "pull", "push-pull"]),
       seed=st.integers(0, 2**32), faults=fault_mixes())
def test_books_balance_nothing_is_forgotten_and_full_coverage_returns(nodes, protocol, seed,
                                                                       faults):
    """Per round: messages + late == delivered + dropped + delayed, drops add up by cause;
    with keep_state (the default) no node ever forgets the rumour; on the complete graph,
    once every fault's window has closed, the rumour reaches every node."""
    s = Scenario(nodes=nodes, protocol=protocol, seed=seed, max_rounds=500, faults=faults)
    model = SwarmModel(s, engine="kernels")
    informed = model.state.informed.copy()
    while model.running:
        model.step()
        now = model.state.informed
        assert np.all(now[informed]), "a node forgot the rumour"
        informed = now.copy()
    r = model.engine.rounds_frame()
    assert np.array_equal(r["messages"] + r["late"],
                          r["delivered"] + r["dropped"] + r["delayed"])
    assert np.array_equal(r["dropped"],
                          r["dropped_down"] + r["dropped_partition"] + r["dropped_loss"])
    assert np.all((r["coverage"] >= 0) & (r["coverage"] <= 1))
    assert r["coverage"].iloc[-1] == 1.0
    assert r["live"].iloc[-1] == nodes
