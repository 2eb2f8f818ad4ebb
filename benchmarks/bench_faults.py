"""Cost of a round under each fault, beside the same round without faults.

    .venv/bin/python benchmarks/bench_faults.py           # 10^6 nodes, complete and k-out
    .venv/bin/python benchmarks/bench_faults.py --nodes 100000

Push-pull from one informed node. For every (topology, fault) rounds SKIP+1 .. SKIP+ROUNDS are
timed with ``Engine.step``; the run is built (topology included) and its first SKIP rounds run
before timing, so one-time costs (a churn fault drawing every node's first session when its
window opens) are left out of the rate and shown in their own column. Best of REPS. The ratio
column is the time per round over the no-fault time on the same topology; the goal is that no
single fault more than doubles it. Faults act over the whole measured window: loss 10%,
latency uniform on 0..2 rounds, a crash of 10% of the nodes at round 2, churn of every node
(mean session 20, downtime 5), a partition into 2 groups.
"""

from __future__ import annotations

import argparse
import sys
import time

import pandas as pd

from swarm import Scenario
from swarm.engine import Engine
from swarm.rng import stream
from swarm.topology import build_topology

ROUNDS = 10
SKIP = 2
REPS = 3
FAULTS = {
    "none": "",
    "loss": "loss rate=0.1",
    "latency": "latency dist=uniform rounds=2",
    "crash": "2: crash fraction=0.1",
    "churn": "churn",
    "partition": "partition groups=2",
}
TOPOLOGY_CASES = {"complete": {}, "k-out k=8": {"topology": "k-out", "topology.k": 8}}


def time_rounds(scenario: Scenario, topology) -> tuple[float, float]:
    """(best steady time per round, best time of the first SKIP rounds)."""
    best, first = float("inf"), float("inf")
    for _ in range(REPS):
        engine = Engine(scenario, topology=topology)
        started = time.perf_counter()
        for _ in range(SKIP):
            engine.step()
        middle = time.perf_counter()
        for _ in range(ROUNDS):
            engine.step()
        assert engine.round == SKIP + ROUNDS, "the run ended before the measured rounds"
        best = min(best, (time.perf_counter() - middle) / ROUNDS)
        first = min(first, middle - started)
    return best, first


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1_000_000)
    args = parser.parse_args()
    n = args.nodes
    rows = []
    for text in FAULTS.values():  # JIT warm-up of every path
        Engine(Scenario(nodes=1000, protocol="push-pull", faults=text)).run()
    for topo_name, topo_keys in TOPOLOGY_CASES.items():
        base = Scenario.from_dict({"nodes": n, "protocol": "push-pull", "seed": 1,
                                   "max_rounds": SKIP + ROUNDS, **topo_keys})
        topology = build_topology(base.topology, n, stream(base.seed, "topology"))
        plain = None
        for fault, text in FAULTS.items():
            s = Scenario(nodes=n, protocol=base.protocol, topology=base.topology, seed=1,
                         max_rounds=SKIP + ROUNDS, faults=text)
            print(f"{topo_name}, {fault} ...", file=sys.stderr)
            per_round, first = time_rounds(s, topology)
            plain = per_round if fault == "none" else plain
            rows.append({"topology": topo_name, "fault": fault, "nodes": n,
                         "ms_per_round": per_round * 1e3, "x_no_fault": per_round / plain,
                         f"first_{SKIP}_rounds_ms": first * 1e3})
    frame = pd.DataFrame(rows)
    print(frame.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    worst = frame[frame["fault"] != "none"]["x_no_fault"].max()
    verdict = "PASS" if worst <= 2 else "FAIL"
    print(f"\nworst fault / no fault: {worst:.2f}x (goal <= 2x): {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
