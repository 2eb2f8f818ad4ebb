"""Faults: parsing, validation, each model's effect, the component kernel vs networkx."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

import swarm
from swarm import ConfigError, Scenario
from swarm.engine import Engine
from swarm.faults.churn import draw_durations
from swarm.faults.crash import CrashParams
from swarm.faults.latency import delay_args
from swarm.faults.loss import LossParams
from swarm.faults.partition import PartitionParams, group_ids
from swarm.kernels.faults import draw_delays
from swarm.kernels.metrics import largest_live_component
from swarm.registry import TOPOLOGIES
from swarm.timeline import parse_timeline
from swarm.topology import Topology


def test_timeline_text_with_heal_and_recover():
    faults = parse_timeline("loss rate=0.05\n10: partition groups=3; 50: heal\n"
                            "20-30: crash fraction=0.1 keep_state=false # comment\n"
                            "round 40: crash select=ids ids=0-4; 45: recover")
    kinds = [(f.name, f.start, f.end) for f in faults]
    assert kinds == [("loss", 1, None), ("partition", 10, 49), ("crash", 20, 30),
                     ("crash", 40, 44)]
    assert faults[2].keep_state is False and faults[1].groups == 3


def test_labels_are_unique_and_dotted_keys_address_them():
    s = Scenario(nodes=100, faults="5: crash fraction=0.1; 9: crash fraction=0.2")
    assert [label for label, _ in s.faults] == ["crash", "crash-2"]
    t = s.replace({"faults.crash-2.fraction": 0.3, "faults.split.kind": "partition",
                   "faults.split.groups": 4})
    params = dict(t.faults)
    assert params["crash-2"].fraction == 0.3 and params["split"].groups == 4


@pytest.mark.parametrize(
    ("data", "field", "fragment"),
    [
        ({"faults.loss.rate": 1.5}, "faults.loss.rate", "0.0..1.0"),
        ({"faults.loss.start": 10, "faults.loss.end": 5}, "faults.loss.end",
         "cannot end before it starts"),
        ({"faults.churn.session_rounds": -3}, "faults.churn.session_rounds", ">= 1.0"),
        ({"faults.churn.dist": "pareto", "faults.churn.shape": 0.8}, "faults.churn.shape",
         "must be > 1"),
        ({"faults.churn.dist": "lognormal"}, "faults.churn.dist", "exponential"),
        ({"faults.partition.by": "ids", "faults.partition.ids": "0-49;60-99"},
         "faults.partition.ids", "cover every node"),
        ({"faults.partition.by": "ids", "faults.partition.ids": "0-59;50-99"},
         "faults.partition.ids", "overlaps"),
        ({"faults.crash.select": "ids", "faults.crash.ids": "0-200"}, "faults.crash.ids",
         "within 0..99"),
        ({"faults.crash.ids": "3"}, "faults.crash.ids", "only used with select"),
        ({"faults.quake.rate": 1}, "faults.quake.kind", "must be a fault kind"),
        ({"faults.loss.speed": 1}, "faults.loss.speed", "unknown key"),
        ({"timeline": "10: heal"}, "timeline", "no earlier open partition"),
        ({"timeline": "10-20: partition; 15: partition groups=3"}, "faults.partition-2",
         "two partition faults may not be active in the same round"),
        ({"timeline": "10 partition"}, "timeline", "must look like"),
        ({"timeline": "partition groups"}, "timeline", "key=value"),
        ({"faults.partition.groups": 500}, "faults.partition.groups", "at most nodes = 100"),
    ],
)
def test_bad_fault_input_is_one_clear_line(data, field, fragment):
    with pytest.raises(ConfigError) as info:
        Scenario.from_dict({"nodes": 100, **data})
    assert info.value.field == field, str(info.value)
    assert fragment in str(info.value) and "\n" not in str(info.value)


def test_partition_by_position_needs_positions():
    s = Scenario(nodes=100, faults=[PartitionParams(by="position")])
    with pytest.raises(ConfigError, match="needs a topology with positions"):
        swarm.simulate(s)
    g = Scenario.from_dict({"nodes": 100, "topology": "grid", "faults.partition.by": "position",
                            "faults.partition.groups": 2})
    run = swarm.simulate(g)
    assert run.events["detail"].iloc[0] == "2 groups of 50, 50"


def test_group_ids_are_balanced_and_cover_everyone():
    p = PartitionParams(groups=3)
    g = group_ids(p, Topology.complete_graph(100), np.random.default_rng(1))
    assert sorted(np.bincount(g).tolist()) == [33, 33, 34]
    ranges = group_ids(PartitionParams(groups=4, by="ids"), Topology.complete_graph(10), None)
    assert ranges.tolist() == [0, 0, 0, 1, 1, 2, 2, 2, 3, 3]


def test_split_groups_exchange_nothing_until_healed():
    """Origin 0 in group 0..49; while split nobody in 50..99 may learn the rumour."""
    s = Scenario.from_dict({"nodes": 100, "protocol": "push-pull", "protocol.origin": 0,
                            "seed": 3, "timeline": "1-20: partition by=ids groups=2"})
    run = swarm.simulate(s)
    informed_round = run.state.informed_round
    assert np.all(informed_round[50:] > 20)
    assert run.rounds["informed"].iloc[20] == 50
    assert run.summary["coverage_final"] == 1.0
    heal = run.events[run.events["event"] == "heal"]
    assert heal["round"].tolist() == [21]
    assert heal["reconverge_rounds"].iloc[0] == run.summary["rounds_to_full"] - 21


def test_oneway_partition_lets_messages_flow_upward_only():
    """Push from group 1 (ids 50..99) reaches group 0, but nothing goes from 0 to 1."""
    for origin, spreads in ((0, False), (99, True)):
        s = Scenario.from_dict({"nodes": 100, "protocol": "push", "protocol.origin": origin,
                                "seed": 1, "max_rounds": 80,
                                "timeline": "partition by=ids oneway=true"})
        run = swarm.simulate(s)
        informed = run.state.informed
        assert not informed[50:].any() if not spreads else informed.all()
        if not spreads:
            assert informed[:50].all()


@pytest.mark.parametrize("engine", ["kernels", "agents"])
def test_down_nodes_neither_send_nor_receive(engine, monkeypatch):
    """Every batch entering the transport comes from live nodes; every batch leaving it goes
    to live nodes; calls to down nodes are counted as dropped_down."""
    from swarm.transport import Transport

    seen = {"in": 0, "out": 0}
    original = Transport.deliver

    def watching(self, msgs, state, counters, t=0, phase=0):
        assert state.live[msgs.src].all(), "a down node sent"
        out = original(self, msgs, state, counters, t, phase)
        assert state.live[out.dst].all(), "a down node received"
        seen["in"] += len(msgs)
        seen["out"] += len(out)
        return out

    monkeypatch.setattr(Transport, "deliver", watching)
    s = Scenario.from_dict({"nodes": 200, "protocol": "push-pull", "protocol.origin": 199,
                            "seed": 2, "faults.crash.select": "ids", "faults.crash.ids": "0-99"})
    run = swarm.simulate(s, engine=engine)
    assert not run.state.informed[:100].any()
    assert run.state.informed[100:].all()
    assert (run.rounds["live"].iloc[1:] == 100).all()
    assert run.rounds["dropped_down"].sum() == seen["in"] - seen["out"] > 0


def test_crash_selection_modes():
    topo = TOPOLOGIES["barabasi-albert"](m=2).build(300, np.random.default_rng(0))
    s = Scenario(nodes=300, protocol="push", faults=[CrashParams(fraction=0.1,
                                                                   select="highest-degree")])
    run = swarm.simulate(s, topology=topo)
    down = np.flatnonzero(~run.state.live)
    assert down.size == 30
    degrees = topo.degrees()
    assert degrees[down].min() >= np.sort(degrees)[-30]


def test_recovery_without_state_forgets_the_rumour():
    s = Scenario.from_dict({"nodes": 100, "protocol": "push-pull", "seed": 4,
                            "timeline": "8-12: crash fraction=0.3 keep_state=false"})
    run = swarm.simulate(s)
    row = run.rounds.set_index("round")
    assert row.loc[12, "live"] == 70 and row.loc[13, "live"] == 100
    assert row.loc[12, "informed"] == 70  # everyone live knew by then
    assert row.loc[13, "coverage"] < 1.0  # the 30 came back without it
    assert run.summary["coverage_final"] == 1.0
    assert run.events["event"].tolist() == ["crash", "recover"]


def test_loss_rate_matches_the_drop_fraction():
    """Loss 0.3 on ~n*rounds messages: the dropped fraction is Binomial(m, 0.3)/m, sd
    sqrt(0.21/m) < 0.005 for m > 8,400; we allow 4 sd = 0.02."""
    s = Scenario(nodes=2000, protocol="push-pull", seed=9, faults=[LossParams(rate=0.3)])
    r = swarm.simulate(s).rounds
    m = r["messages"].sum()
    assert m > 8_400
    assert abs(r["dropped_loss"].sum() / m - 0.3) < 0.02


@pytest.mark.parametrize("dist", ["constant", "uniform", "geometric"])
def test_delay_distributions(dist):
    """Mean delay 3 (constant, geometric) or uniform on 0..3 (mean 1.5); 200,000 draws: the
    sample mean's sd is below sqrt(12/200000) = 0.008; we allow 0.05."""
    u = np.random.default_rng(0).random(200_000)
    d = np.empty(u.size, np.int32)
    draw_delays(u, *delay_args(dist, 3.0), d)
    assert d.min() >= 0
    expected = {"constant": 3.0, "uniform": 1.5, "geometric": 3.0}[dist]
    assert abs(d.mean() - expected) < 0.05
    if dist == "uniform":
        assert set(np.unique(d)) == {0, 1, 2, 3}


def test_latency_delivers_late_and_keeps_the_books():
    s = Scenario.from_dict({"nodes": 500, "protocol": "push", "seed": 1,
                            "timeline": "latency dist=constant rounds=2"})
    run = swarm.simulate(s)
    r = run.rounds
    assert (r["delivered"].iloc[1:3] == 0).all()  # nothing arrives before round 3
    # a constant delay holds back every message; those of the last two rounds never arrive
    assert r["delayed"].sum() == r["messages"].sum() > r["late"].sum()
    assert run.summary["coverage_final"] == 1.0
    plain = swarm.simulate(Scenario(nodes=500, protocol="push", seed=1))
    assert run.summary["rounds_to_full"] > plain.summary["rounds_to_full"]


@pytest.mark.parametrize("dist", ["exponential", "weibull", "pareto"])
def test_churn_durations_have_the_requested_mean(dist):
    """Mean 20 after rounding up: ceil adds ~0.5 on average, so we expect 20..21. 200,000
    draws; the heaviest tail (Pareto, index 2.5) has sd ~ 25, so the mean's sd ~ 0.06 and we
    allow 0.5 beyond the interval."""
    u = np.random.default_rng(1).random(200_000)
    d = draw_durations(dist, 20.0, 2.5, u)
    assert d.min() >= 1
    assert 19.5 < d.mean() < 21.5


def test_churn_keeps_about_the_stationary_fraction_up():
    """Alternating renewal: the long-run fraction up is E[up] / (E[up] + E[down]) =
    20.5 / (20.5 + 5.5) ~ 0.79 (whole rounds add ~0.5 to each mean). Averaged over rounds
    40..200 of 2,000 nodes the sampling error is well below 0.02; we allow 0.03."""
    s = Scenario.from_dict({"nodes": 2000, "protocol": "push-pull", "seed": 1,
                            "max_rounds": 200, "timeline": "churn"})
    r = swarm.simulate(s).rounds
    up = r["live"].iloc[40:].mean() / 2000
    assert abs(up - 20.5 / 26.0) < 0.03


def nx_largest(topo, live, groups):
    g = nx.Graph()
    g.add_nodes_from(np.flatnonzero(live).tolist())
    for u, v in zip(*topo.edges(), strict=True):
        if live[u] and live[v] and (groups is None or groups[u] == groups[v]):
            g.add_edge(int(u), int(v))
    return max((len(c) for c in nx.connected_components(g)), default=0)


@pytest.mark.parametrize("name", ["k-out", "ring", "geometric", "erdos-renyi"])
def test_largest_component_kernel_matches_networkx(name):
    rng = np.random.default_rng(7)
    params = {"k-out": {"k": 1}, "ring": {"k": 2}, "geometric": {"radius": 0.08},
              "erdos-renyi": {"p": 0.004}}[name]
    topo = TOPOLOGIES[name](**params).build(400, rng)
    for trial in range(4):
        live = rng.random(400) < 0.8
        groups = rng.integers(0, 2, 400).astype(np.int32) if trial % 2 else None
        got = largest_live_component(topo.indptr, topo.indices, topo.complete, live,
                                     groups if groups is not None else np.zeros(1, np.int32),
                                     groups is not None)
        assert got == nx_largest(topo, live, groups)


def test_largest_component_column_on_the_complete_graph():
    s = Scenario.from_dict({"nodes": 100, "protocol": "push", "seed": 1,
                            "largest_component": True,
                            "timeline": "3-6: partition by=ids groups=4; 4: crash select=ids "
                                        "ids=0-9"})
    r = swarm.simulate(s).rounds.set_index("round")["largest_component"]
    assert r.loc[1] == 100 and r.loc[3] == 25 and r.loc[4] == 25 and r.loc[7] == 90


def test_two_byzantine_faults_on_the_same_nodes_the_later_label_decides_while_both_act():
    """'a' forges on nodes 1-5 in rounds 1-2, 'b' censors them from round 3 on: while both
    act 'b' (the later label) decides; when 'a' ends its nodes keep following 'b', and nodes
    only 'a' marked are honest again."""
    from swarm.faults.byzantine import CENSOR, FORGE, ByzantineParams

    s = Scenario(nodes=50, protocol="averaging", seed=1, max_rounds=10, faults=[
        ("a", ByzantineParams(select="ids", ids="1-8", behaviour="forge", start=1, end=4)),
        ("b", ByzantineParams(select="ids", ids="1-5", behaviour="censor", start=3)),
    ])
    engine = Engine(s)
    seen = []
    for _ in range(6):
        engine.step()
        seen.append(engine.state.byzantine[[1, 6, 9]].tolist())
    assert seen == [[FORGE, FORGE, 0], [FORGE, FORGE, 0],          # rounds 1-2: 'a' alone
                    [CENSOR, FORGE, 0], [CENSOR, FORGE, 0],        # rounds 3-4: 'b' decides
                    [CENSOR, 0, 0], [CENSOR, 0, 0]]                # 'a' ended: 'b' still acts
