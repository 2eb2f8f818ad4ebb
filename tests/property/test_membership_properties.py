"""SWIM invariants (hypothesis): no false positive without loss, latency or crashes; a crash
is eventually known by every live node on a connected topology; incarnations never fall."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import swarm
from swarm import Scenario
from swarm.kernels import swim as ks
from swarm.model import SwarmModel

TOPOLOGIES = st.sampled_from([{"topology": "complete"},
                              {"topology": "k-out", "topology.k": 4},
                              {"topology": "ring", "topology.k": 4}])
PROFILES = st.sampled_from(["lan", "wan", "local"])


#: partial views of V peers; VIEW_SIZES adds the full view (0)
PARTIAL_VIEW_SIZES = st.sampled_from([2, 4, 6, 10])
VIEW_SIZES = st.sampled_from([0, 0, 2, 4, 6, 10])


@settings(max_examples=55, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nodes=st.integers(8, 120), seed=st.integers(0, 2**32), topo=TOPOLOGIES,
       profile=PROFILES, lifeguard=st.booleans(), view_size=VIEW_SIZES)
def test_no_loss_no_latency_no_crash_never_a_false_positive(nodes, seed, topo, profile,
                                                           lifeguard, view_size):
    """Every ping and every ack arrives in its own period, so no probe fails: no suspicion,
    no death, every view accurate in every round — with the full view or a partial one
    (each node probes and gossips among its view_size peers)."""
    s = Scenario.from_dict({"nodes": nodes, "protocol": "swim", "seed": seed,
                            "max_rounds": 40, "protocol.min_periods": 40,
                            "protocol.profile": profile, "protocol.lifeguard": lifeguard,
                            "protocol.view_size": view_size, **topo})
    run = swarm.simulate(s)
    r = run.rounds
    assert (r["suspicions"] == 0).all() and (r["declarations"] == 0).all()
    assert (r["false_positives"] == 0).all() and (r["agreement"] == 1.0).all()
    assert (run.state.view == ks.ALIVE).all()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nodes=st.integers(8, 120), seed=st.integers(0, 2**32),
       topo=st.sampled_from([{"topology": "complete"}, {"topology": "k-out", "topology.k": 6}]),
       crash_round=st.integers(1, 30), loss=st.sampled_from([0.0, 0.1]),
       data=st.data())
def test_a_crash_is_eventually_declared_dead_by_every_live_node(nodes, seed, topo,
                                                                crash_round, loss, data):
    """Crash-stop of one node at a random round (with or without loss): once the run has
    settled, every live node holds it DEAD; incarnations never decrease meanwhile. (k-out
    with k = 6 minus one node is connected for these sizes; the test checks it.)"""
    victim = data.draw(st.integers(0, nodes - 1))
    s = Scenario.from_dict({"nodes": nodes, "protocol": "swim", "seed": seed,
                            "max_rounds": crash_round + 150, **topo,
                            "timeline": f'{crash_round}: crash select=ids ids="{victim}"',
                            **({"faults.loss.rate": loss} if loss else {})})
    model = SwarmModel(s, engine="kernels")
    topology = model.engine.topology
    if not topology.complete:
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import connected_components

        keep = np.flatnonzero(np.arange(nodes) != victim)
        adj = csr_matrix((np.ones(topology.indices.size), topology.indices, topology.indptr),
                         shape=(nodes, nodes))[keep][:, keep]
        if connected_components(adj, directed=False)[0] != 1:
            return
    inc = model.state.inc.copy()
    while model.running:
        model.step()
        assert (model.state.inc >= inc).all()
        inc = model.state.inc.copy()
    live = np.flatnonzero(model.state.live)
    assert (model.state.view[live, victim] == ks.DEAD).all()
    run_summary = model.engine.summary(model.engine.rounds_frame(), model.engine.events_frame())
    assert run_summary["all_know_periods"] is not None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nodes=st.integers(8, 120), seed=st.integers(0, 2**32),
       topo=st.sampled_from([{"topology": "complete"}, {"topology": "k-out", "topology.k": 6},
                             {"topology": "barabasi-albert", "topology.m": 3}]),
       crash_round=st.integers(1, 30), loss=st.sampled_from([0.0, 0.1]),
       view_size=PARTIAL_VIEW_SIZES, data=st.data())
def test_partial_views_a_crash_is_eventually_declared_dead_by_every_live_tracker(
        nodes, seed, topo, crash_round, loss, view_size, data):
    """Crash-stop of one node with a partial view: once the run has settled, every live node
    that tracks it holds it DEAD (the others never hear of it); the all-know time is set when
    some live node tracks it; incarnations never decrease."""
    victim = data.draw(st.integers(0, nodes - 1))
    s = Scenario.from_dict({"nodes": nodes, "protocol": "swim", "seed": seed,
                            "max_rounds": crash_round + 150, **topo,
                            "protocol.view_size": view_size,
                            "timeline": f'{crash_round}: crash select=ids ids="{victim}"',
                            **({"faults.loss.rate": loss} if loss else {})})
    model = SwarmModel(s, engine="kernels")
    views = model.protocol.views
    inc = model.state.inc.copy()
    while model.running:
        model.step()
        assert (model.state.inc >= inc).all()
        inc = model.state.inc.copy()
    trackers = [i for i in np.flatnonzero(model.state.live).tolist()
                if views.col(i, victim) >= 0]
    for i in trackers:
        assert model.state.view[i, views.col(i, victim)] == ks.DEAD
    run_summary = model.engine.summary(model.engine.rounds_frame(), model.engine.events_frame())
    assert (run_summary["all_know_periods"] is not None) == bool(trackers)
