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

Then the **whole process**, what a user's script pays: a fresh ``python -c "import swarm;
swarm.simulate(...)"`` per row (same scenario), timed from before the interpreter starts to
after it exits (``whole_s``), its peak RSS from ``os.wait4`` (``whole_MiB``), and the child's
own split: ``import_s`` (``import swarm``), ``run_s`` (``simulate``: JIT cache loads, graph,
state, 30 rounds, the result frames). The goal column is issue 15's, at 10^6 nodes averaging:
<= 2.6 s and <= 450 MiB (>= 20x PeerSim 1.0.5's averaging example end to end).
"""

from __future__ import annotations

import argparse
import json
import os
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


WHOLE = """
import time
t0 = time.perf_counter()
import swarm
t1 = time.perf_counter()
run = swarm.simulate(swarm.Scenario.from_dict({scenario!r}))
t2 = time.perf_counter()
assert run.summary["rounds"] == {rounds}, run.summary
print(t1 - t0, t2 - t1)
"""

WHOLE_GOAL = {("averaging", 1_000_000): (2.6, 450.0)}


def whole_process(n: int, protocol: str) -> dict[str, Any]:
    """One fresh interpreter running the scenario as a user's script would."""
    data = scenario(n, protocol).to_dict()
    code = WHOLE.format(scenario=data, rounds=ROUNDS)
    t0 = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    out = child.stdout.read() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    whole = time.perf_counter() - t0
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"bench_aggregation: the whole-process run of {protocol}, n = {n} "
                         f"failed (exit {child.returncode})")
    import_s, run_s = (float(v) for v in out.split())
    row = {"protocol": protocol, "nodes": n, "whole_s": whole, "whole_MiB":
           usage.ru_maxrss / 1024.0, "import_s": import_s, "run_s": run_s}
    goal = WHOLE_GOAL.get((protocol, n))
    if goal:
        ok = whole <= goal[0] and row["whole_MiB"] <= goal[1]
        row["goal"] = f"<= {goal[0]} s, <= {goal[1]:.0f} MiB: {'met' if ok else 'NOT met'}"
    else:
        row["goal"] = ""
    return row


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
    print()
    print("whole process (a fresh interpreter: import swarm, simulate, exit)")
    whole = []
    for protocol in args.protocols.split(","):
        for n in sizes:
            whole.append(min((whole_process(n, protocol) for _ in range(reps)),
                             key=lambda r: r["whole_s"]))
    print_table(whole)


if __name__ == "__main__":
    main()
