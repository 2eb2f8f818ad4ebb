"""A saved run says what it ran on: the topology's name, nodes, edges and the sha256 of its
CSR arrays, in ``Run.topology``, the repr and the Parquet metadata (read back with pyarrow
and with ``read_run``). A run on a given graph records ``topology = "given"`` in its
scenario (so its run id names the graph), never the generator it did not use."""

from __future__ import annotations

import hashlib
import json

import networkx as nx
import numpy as np
import pyarrow.parquet as pq
import pytest

import swarm
from swarm import Scenario, Topology, from_edges, from_networkx, read_run, simulate
from swarm.errors import ConfigError
from swarm.store import read_frame, write_frame

KARATE = nx.karate_club_graph()


def csr_sha(topology: Topology) -> str:
    """The reference: sha256 of indptr (int64 LE) then indices (int32 LE)."""
    digest = hashlib.sha256()
    digest.update(topology.indptr.astype("<i8").tobytes())
    digest.update(topology.indices.astype("<i4").tobytes())
    return digest.hexdigest()


def stored_meta(path) -> dict:
    return json.loads(pq.read_schema(path).metadata[b"swarm"])


@pytest.mark.parametrize("engine", ["kernels", "agents"])
def test_a_run_on_a_networkx_graph_records_it_not_the_complete_graph(tmp_path, engine):
    graph = from_networkx(KARATE)
    run = simulate(Scenario(nodes=34, protocol="pull", seed=3), topology=graph, engine=engine)
    expected = {"name": "networkx", "nodes": 34, "edges": 78, "sha256": csr_sha(graph)}
    assert run.topology == expected
    assert run.scenario.topology.name == "given"
    recorded = {k: v for k, v in run.scenario.to_dict().items() if k.startswith("topology")}
    assert recorded == {"topology": "given", "topology.source": "networkx",
                        "topology.edges": 78, "topology.sha256": csr_sha(graph)}
    assert "complete" not in repr(run)
    assert repr(run).startswith(f"Run(pull on given networkx (78 edges, sha256 "
                                f"{csr_sha(graph)[:12]}), nodes=34, seed=3, engine={engine}")
    path = run.to_parquet(tmp_path / "karate.parquet")
    meta = stored_meta(path)
    assert meta["topology"] == expected
    assert meta["scenario"]["topology"] == "given"
    assert meta["scenario"]["topology.sha256"] == csr_sha(graph)
    back = read_run(path)
    assert back.topology == expected and back.scenario == run.scenario
    assert back.run_id == run.run_id and repr(back) == repr(run)


def test_generated_topologies_record_name_size_and_hash(tmp_path):
    run = simulate(Scenario(nodes=500, topology="k-out", seed=4))
    rebuilt = swarm.topology.build_topology(run.scenario.topology, 500,
                                            swarm.rng.Streams(4)["topology"])
    assert run.topology == {"name": "k-out", "nodes": 500, "edges": rebuilt.n_edges,
                            "sha256": csr_sha(rebuilt)}
    assert f"on k-out ({rebuilt.n_edges:,} edges, sha256 {csr_sha(rebuilt)[:12]})" in repr(run)
    assert stored_meta(run.to_parquet(tmp_path / "r.parquet"))["topology"] == run.topology
    complete = simulate(Scenario(nodes=100))
    assert complete.topology == {"name": "complete", "nodes": 100, "edges": 4950,
                                 "sha256": hashlib.sha256(b"complete 100").hexdigest()}


def test_the_hash_is_of_the_edges_whatever_built_them():
    src, dst = np.array(list(KARATE.edges())).T
    a = from_edges(34, src, dst)
    b = from_edges(34, dst[::-1], src[::-1], name="other name")  # reversed, swapped
    assert a.sha256() == b.sha256() == from_networkx(KARATE).sha256()
    assert a.sha256() != from_edges(34, src[1:], dst[1:]).sha256()


def test_the_run_id_names_the_graph():
    base = Scenario(nodes=34, protocol="pull")
    on_karate = simulate(base, topology=from_networkx(KARATE))
    on_path = simulate(base, topology=from_networkx(nx.path_graph(34)))
    on_complete = simulate(base)
    assert len({on_karate.run_id, on_path.run_id, on_complete.run_id}) == 3
    again = simulate(base, topology=from_networkx(KARATE.copy()))
    assert again.run_id == on_karate.run_id


def test_a_given_run_replays_with_its_graph_and_only_with_it(tmp_path):
    run = simulate(Scenario(nodes=34, protocol="push-pull", seed=9),
                   topology=from_networkx(KARATE))
    back = read_run(run.to_parquet(tmp_path / "k.parquet"))
    replay = simulate(back.scenario, topology=from_networkx(KARATE))
    assert replay.run_id == run.run_id
    assert replay.rounds.equals(run.rounds)
    with pytest.raises(ConfigError) as no_graph:
        simulate(back.scenario)
    assert str(no_graph.value).startswith("topology = 'given': the scenario ran on a given "
                                          "graph ('networkx', 78 edges, sha256 ")
    with pytest.raises(ConfigError, match="is not the graph the scenario ran on"):
        simulate(back.scenario, topology=from_networkx(nx.path_graph(34)))


def test_a_given_complete_graph_is_recorded_as_the_complete_generator():
    run = simulate(Scenario(nodes=50, topology="k-out"), topology=Topology.complete_graph(50))
    assert run.scenario.topology.name == "complete"
    assert run.run_id == simulate(Scenario(nodes=50)).run_id


def test_a_file_from_before_has_no_topology(tmp_path):
    run = simulate(Scenario(nodes=30))
    path = run.to_parquet(tmp_path / "r.parquet")
    frame, meta = read_frame(path)
    del meta["topology"]
    write_frame(path, frame, meta)
    back = read_run(path)
    assert back.topology is None
    assert repr(back).startswith("Run(push on complete, nodes=30")


def test_a_given_record_is_checked():
    with pytest.raises(ConfigError, match=r"^topology.sha256 = 'abc': must be 64 lowercase"):
        Scenario.from_dict({"nodes": 5, "topology": "given", "topology.sha256": "abc"})
    assert "given" not in swarm.TOPOLOGIES  # nothing to choose on a page or in `swarm topologies`
