"""Invariants under random fault mixes (hypothesis)."""

from __future__ import annotations

import numpy as np
from fault_mixes import fault_mixes  # tests/property/fault_mixes.py (on sys.path in pytest)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from swarm import Scenario
from swarm.model import SwarmModel


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nodes=st.integers(2, 150), protocol=st.sampled_from(["push", "pull", "push-pull"]),
       seed=st.integers(0, 2**32), data=st.data())
def test_books_balance_nothing_is_forgotten_and_full_coverage_returns(nodes, protocol, seed,
                                                                       data):
    """Per round: messages + late == delivered + dropped + delayed, drops add up by cause;
    with keep_state (the default) no node ever forgets the rumour; on the complete graph,
    once every fault's window has closed, the rumour reaches every node."""
    faults = data.draw(fault_mixes(nodes))
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
