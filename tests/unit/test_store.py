"""Parquet round trip: the frames, the summary and the scenario come back equal."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq

import swarm
from swarm import Scenario


def test_run_round_trips_through_parquet(tmp_path):
    s = Scenario.from_dict({"nodes": 500, "protocol": "push-pull", "seed": 3,
                            "topology": "k-out", "topology.k": 4})
    run = swarm.simulate(s)
    path = run.to_parquet(tmp_path / "deep" / "run.parquet")
    back = swarm.read_run(path)
    pd.testing.assert_frame_equal(back.rounds, run.rounds)
    assert back.summary == run.summary
    assert back.scenario == s
    assert back.run_id == run.run_id and back.engine == "kernels"
    meta = pq.read_schema(path).metadata[b"swarm"].decode()
    for name in ("numpy", "numba", "mesa", "versions"):
        assert name in meta
    assert not list(tmp_path.glob("deep/.*tmp"))  # no temporary file left behind


def test_summary_with_none_survives(tmp_path):
    s = Scenario.from_dict({"nodes": 200, "protocol": "push", "max_rounds": 2, "seed": 1})
    run = swarm.simulate(s)
    assert run.summary["rounds_to_full"] is None
    back = swarm.read_run(run.to_parquet(tmp_path / "r.parquet"))
    assert back.summary == run.summary


def test_events_survive_parquet(tmp_path):
    s = Scenario.from_dict({"nodes": 300, "protocol": "push-pull", "seed": 2,
                            "timeline": "2-5: partition groups=2; 3-9: crash fraction=0.2"})
    run = swarm.simulate(s)
    assert len(run.events) == 4
    back = swarm.read_run(run.to_parquet(tmp_path / "f.parquet"))
    pd.testing.assert_frame_equal(back.events, run.events)
    assert back.scenario == s
