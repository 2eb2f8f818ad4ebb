"""Faults injected while a run goes on (what the dashboard does), cuts along a line and crashes
of a region of the layout, and the layout itself."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import swarm
from swarm import ConfigError, Scenario
from swarm.engine import Engine
from swarm.faults.crash import CrashParams
from swarm.faults.latency import LatencyParams
from swarm.faults.loss import LossParams
from swarm.faults.partition import PartitionParams
from swarm.layout import layout
from swarm.model import SwarmModel
from swarm.rng import stream
from swarm.topology import build_topology


def drive(engine_name: str, scenario: Scenario) -> SwarmModel:
    """Three rounds, then a crash of a fifth of the nodes (state lost), a cut along the
    vertical mid-line and 5% loss; two rounds later the cut heals and the crashed recover."""
    model = SwarmModel(scenario, engine=engine_name)
    engine = model.engine
    for _ in range(3):
        model.step()
    crash = engine.inject(CrashParams(fraction=0.2, keep_state=False))
    cut = engine.inject(PartitionParams(by="line", line="0.5,0,0.5,1"))
    engine.inject(LossParams(rate=0.05))
    for _ in range(2):
        model.step()
    engine.end_fault(cut)
    engine.end_fault(crash)
    while engine.step():
        pass
    return model


@pytest.mark.parametrize("engine_name", ["kernels", "agents"])
def test_a_run_with_live_faults_is_the_run_of_the_scenario_it_leaves(engine_name):
    base = Scenario.from_dict({"nodes": 400, "protocol": "push-pull", "seed": 5,
                               "max_rounds": 200})
    model = drive(engine_name, base)
    live = model.engine
    assert [name for name, _ in live.scenario.faults] == ["crash-r4", "loss-r4", "partition-r4"]
    assert set(live.events_frame()["event"]) == {"crash", "split", "heal", "recover"}
    replay = swarm.simulate(live.scenario, engine=engine_name)
    pd.testing.assert_frame_equal(replay.rounds, live.rounds_frame())
    pd.testing.assert_frame_equal(replay.events, live.events_frame())
    # the injected faults really acted: drops by both causes, and the state was lost
    rounds = replay.rounds
    assert rounds["dropped_partition"].sum() > 0 and rounds["dropped_loss"].sum() > 0
    assert rounds["live"].min() == 320


def test_inject_moves_a_past_start_to_the_next_round_and_labels_are_unique():
    engine = Engine(Scenario(nodes=50, protocol="push", max_rounds=50))
    engine.step()
    engine.step()
    first = engine.inject(LossParams(rate=0.1, start=1, end=3))
    assert first == "loss-r3"
    assert engine.faults.get(first).params.start == 3
    assert engine.faults.get(first).params.end == 3
    second = engine.inject(CrashParams(fraction=0.1))
    third = engine.inject(CrashParams(fraction=0.1))
    assert (second, third) == ("crash-r3", "crash-r3-2")
    assert engine.active_faults("crash") == ["crash-r3", "crash-r3-2"]


def test_overlapping_losses_are_refused_until_the_first_is_ended():
    engine = Engine(Scenario(nodes=50, protocol="push", max_rounds=50))
    engine.step()
    old = engine.inject(LossParams(rate=0.1))
    engine.step()
    with pytest.raises(ConfigError, match="two loss faults may not be active"):
        engine.inject(LossParams(rate=0.3))
    assert [name for name, _ in engine.scenario.faults] == [old]  # nothing half-added
    engine.end_fault(old)
    engine.inject(LossParams(rate=0.3))
    assert engine.active_faults("loss") == ["loss-r3"]


def test_ending_a_fault_before_it_starts_drops_it_and_unknown_labels_are_named():
    engine = Engine(Scenario(nodes=50, protocol="push", max_rounds=50))
    label = engine.inject(LatencyParams(start=10))
    engine.end_fault(label)
    assert engine.scenario.faults == () and not engine.faults
    with pytest.raises(ConfigError, match="no fault has this label"):
        engine.end_fault("nope")


def test_a_cut_along_a_line_splits_by_side_of_the_layout():
    s = Scenario.from_dict({"nodes": 400, "topology": "geometric", "seed": 3,
                            "faults.partition.by": "line", "faults.partition.line": "0.5,0,0.5,1"})
    engine = Engine(s)
    groups = engine.faults.get("partition").assignment
    x = engine.topology.positions[:, 0]
    # walking up the line x = 0.5, the left side is x < 0.5: group 0
    assert np.array_equal(groups == 0, x <= 0.5)
    assert 0 < np.count_nonzero(groups) < 400


def test_a_region_crash_takes_down_exactly_the_live_nodes_inside():
    s = Scenario.from_dict({"nodes": 300, "protocol": "push", "seed": 2,
                            "faults.crash.select": "region",
                            "faults.crash.region": "0.6,0.6,0.1,0.1"})
    run = swarm.simulate(s)
    xy = layout(run_topology(s))
    inside = np.all((xy >= 0.1) & (xy <= 0.6), axis=1)
    assert not run.state.live[inside].any() and run.state.live[~inside].all()
    assert run.events["nodes"].iloc[0] == np.count_nonzero(inside) > 0


def run_topology(s: Scenario):
    return build_topology(s.topology, s.nodes, stream(s.seed, "topology"))


@pytest.mark.parametrize("key, value, message", [
    ("faults.partition.line", "0.5,0,0.5", "four numbers"),
    ("faults.partition.line", "0.5,0.5,0.5,0.5", "must differ"),
    ("faults.crash.region", "a,b,c,d", "four numbers"),
])
def test_bad_lines_and_regions_are_named(key, value, message):
    kind = key.split(".")[1]
    extra = {"faults.partition.by": "line"} if kind == "partition" else \
        {"faults.crash.select": "region"}
    with pytest.raises(ConfigError, match=message) as info:
        Scenario.from_dict({"nodes": 10, key: value, **extra})
    assert info.value.field == key


def test_line_and_region_are_required_exactly_with_their_mode():
    with pytest.raises(ConfigError, match="required with by = 'line'"):
        Scenario.from_dict({"nodes": 10, "faults.partition.by": "line"})
    with pytest.raises(ConfigError, match="only used with it"):
        Scenario.from_dict({"nodes": 10, "faults.crash.region": "0,0,1,1"})


@pytest.mark.parametrize("topo, n", [("complete", 1000), ("ring", 100), ("k-out", 300),
                                     ("grid", 100), ("erdos-renyi", 3000), ("complete", 1)])
def test_layouts_are_deterministic_inside_the_unit_square(topo, n):
    t1 = build_topology(swarm.TOPOLOGIES[topo](), n, stream(1, "topology"))
    t2 = build_topology(swarm.TOPOLOGIES[topo](), n, stream(1, "topology"))
    a, b = layout(t1), layout(t2)
    assert a.shape == (n, 2) and np.array_equal(a, b)
    assert layout(t1) is a  # computed once
    assert np.all((a >= 0) & (a <= 1))
    if n > 1:  # nodes do not sit on top of each other
        assert len(np.unique(np.round(a, 6), axis=0)) == n
    if topo == "ring":
        centre = a.mean(axis=0)
        radius = np.linalg.norm(a - centre, axis=1)
        assert np.ptp(radius) < 1e-9
