"""Push-pull averaging (and push-sum) on a random k-out graph: 30 rounds, 10^5 and 10^6 nodes.

Run from the repository root::

    .venv/bin/python benchmarks/bench_aggregation.py            # the issue's table (~1 min)
    .venv/bin/python benchmarks/bench_aggregation.py --quick    # 10^4 nodes, a smoke test

The issue's setting: ``averaging`` on ``k-out`` with k = 20, values uniform in 1..100, 30
rounds (``tolerance = 0``, so no run stops early). Every row runs in its own subprocess (this
script with ``--worker``) so that its peak memory is its own. In the worker:

1. a small untimed run (n = 1000, every code path) loads the Numba cache;
2. ``base_MiB``: the peak resident set size (``resource.getrusage(RUSAGE_SELF).ru_maxrss``,
   the OS's high-water mark of the whole process) after that warm-up: interpreter, numpy,
   numba, the compiled kernels;
3. ``graph_s``: building the k-out topology (``swarm.topology.build_topology``, timed
   alone); ``graph_MiB``: its CSR arrays (``indptr`` + ``indices``);
4. ``setup_s``: building the engine (state arrays, initial values from the ``init`` stream);
5. ``rounds_s``: wall time of the 30 rounds (``engine.step()`` x 30: partner picks, the
   request and answer phases through the transport's counting point, the metrics row), best
   of ``--reps`` runs on fresh engines over the same graph; ``ms/round`` its thirtieth;
   ``send_ms`` / ``receive_ms``: per round, in the protocol's send and receive (the rest is
   the transport and the metric scan, ``other_ms``), from one extra instrumented run;
6. ``peak_MiB``: the peak RSS of the worker at the end (graph, state, message buffers,
   transport); ``peak_MiB - base_MiB`` is what the run added to the process.

``error``: the max relative error of the live estimates after round 30.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench_antientropy import Timed, print_table  # benchmarks/ is sys.path[0]

ROUNDS = 30
K = 20
SEED = 1
PROTOCOLS = ("averaging", "push-sum")


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def scenario(n: int, protocol: str) -> Any:
    import swarm

    return swarm.Scenario.from_dict({
        "nodes": n, "seed": SEED, "max_rounds": ROUNDS, "protocol": protocol,
        "protocol.value_min": 1, "protocol.value_max": 100, "protocol.tolerance": 0.0,
        "topology": "k-out", "topology.k": K,
    })


def worker(n: int, protocol: str, reps: int) -> dict[str, Any]:
    import swarm
    from swarm.engine import Engine
    from swarm.rng import Streams
    from swarm.topology import build_topology

    for name in PROTOCOLS:
        swarm.simulate(scenario(1000, name))
    base = rss_mib()
    s = scenario(n, protocol)
    t0 = time.perf_counter()
    topology = build_topology(s.topology, n, Streams(SEED)["topology"])
    graph_s = time.perf_counter() - t0
    best = float("inf")
    setup_s = float("inf")
    error = float("nan")
    for _ in range(reps):
        t0 = time.perf_counter()
        engine = Engine(s, topology=topology)
        setup_s = min(setup_s, time.perf_counter() - t0)
        t0 = time.perf_counter()
        engine.run()
        best = min(best, time.perf_counter() - t0)
        assert engine.state.round == ROUNDS, "the run stopped early"
        error = engine.rows[-1]["max_rel_error"]
    engine = Engine(s, topology=topology)
    timed = Timed(engine.protocol)
    engine.driver = timed
    t0 = time.perf_counter()
    engine.run()
    total = time.perf_counter() - t0
    return {
        "protocol": protocol, "nodes": n, "graph_s": graph_s,
        "graph_MiB": (topology.indptr.nbytes + topology.indices.nbytes) / 2**20,
        "setup_s": setup_s, "rounds_s": best, "ms/round": 1e3 * best / ROUNDS,
        "send_ms": 1e3 * timed.send_s / ROUNDS, "receive_ms": 1e3 * timed.receive_s / ROUNDS,
        "other_ms": 1e3 * (total - timed.send_s - timed.receive_s) / ROUNDS,
        "base_MiB": base, "peak_MiB": rss_mib(), "error": f"{error:.1e}",
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated n")
    parser.add_argument("--protocols", default=",".join(PROTOCOLS))
    parser.add_argument("--reps", type=int, default=3, help="timed runs per row; best kept")
    parser.add_argument("--quick", action="store_true", help="n = 10^4, 1 repetition")
    parser.add_argument("--worker", nargs=2, metavar=("N", "PROTOCOL"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(int(args.worker[0]), args.worker[1], args.reps)))
        return
    sizes = [10_000] if args.quick else [int(v) for v in args.sizes.split(",")]
    reps = 1 if args.quick else args.reps
    rows = []
    for protocol in args.protocols.split(","):
        for n in sizes:
            print(f"{protocol}, n = {n}, k-out k = {K}, {ROUNDS} rounds ...", file=sys.stderr)
            done = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--worker", str(n), protocol,
                 "--reps", str(reps)],
                capture_output=True, text=True, check=True,
            )
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print_table(rows)


if __name__ == "__main__":
    main()
