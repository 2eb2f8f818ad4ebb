"""Parallel push-pull: the same run on 1 and 2 Numba threads, to full coverage (issue 15).

Run from the repository root::

    .venv/bin/python benchmarks/bench_parallel.py               # 10^6 and 10^7, ~1 min
    .venv/bin/python benchmarks/bench_parallel.py --big         # also 10^8 on 2 threads
    .venv/bin/python benchmarks/bench_parallel.py --nodes 3e7   # one size

Push-pull, fanout 1, complete graph, kernel path, seed 1, run until every node is informed.
Each row is a fresh subprocess (peak memory is the process's ``ru_maxrss``) that warms the
JIT on a small run, then times ``Engine`` construction (state) and the rounds apart,
best of ``--reps`` runs. ``ns/node-round`` is the rounds' time over nodes x rounds. The
same seed gives the same rounds and the same final coverage on every thread count
(counter-based draws, fixed chunks; docs/design.md), which the table shows.

Goals (issue 15): 10^7 nodes on 2 threads >= 1.7x faster than on 1; 10^8 nodes <= 60 s and
<= 8 GiB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

WORKER = """
import json, resource, sys, time
import numba
numba.set_num_threads({threads})
import swarm
from swarm.config import Scenario
from swarm.engine import Engine
swarm.simulate({{"nodes": 5000, "protocol": "push-pull", "seed": 2}})  # JIT warm
best = None
for _ in range({reps}):
    t0 = time.perf_counter()
    engine = Engine(Scenario.from_dict({{"nodes": {n}, "protocol": "push-pull", "seed": 1}}))
    t1 = time.perf_counter()
    while engine.step():
        pass
    t2 = time.perf_counter()
    row = {{"setup_s": t1 - t0, "rounds_s": t2 - t1, "rounds": engine.round,
           "informed": engine.rows[-1]["informed"]}}
    if best is None or row["rounds_s"] < best["rounds_s"]:
        best = row
    del engine
best["peak_MiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(best))
"""


def measure(n: int, threads: int, reps: int) -> dict:
    code = WORKER.format(n=n, threads=threads, reps=reps)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=3600)
    if done.returncode:
        raise SystemExit(f"bench_parallel: n = {n}, {threads} threads failed:\n"
                         f"{done.stderr[-2000:]}")
    return json.loads(done.stdout.splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=float, action="append",
                        help="node counts (default 10^6 and 10^7)")
    parser.add_argument("--big", action="store_true", help="add 10^8 nodes on 2 threads")
    parser.add_argument("--reps", type=int, default=2, help="runs per row (best kept)")
    args = parser.parse_args(argv)
    sizes = [int(x) for x in (args.nodes or [1e6, 1e7])]
    cases = [(n, th) for n in sizes for th in (1, 2)]
    if args.big:
        cases.append((10**8, 2))
    print(f"{'nodes':>11s} {'threads':>7s} {'rounds':>6s} {'setup_s':>8s} {'rounds_s':>9s} "
          f"{'ns/node-round':>13s} {'peak_MiB':>9s} {'speed-up':>8s}  goal")
    one: dict[int, float] = {}
    for n, th in cases:
        reps = 1 if n >= 10**8 else args.reps
        row = measure(n, th, reps)
        assert row["informed"] == n, row
        per = row["rounds_s"] / (n * row["rounds"]) * 1e9
        speed, goal = "", ""
        if th == 1:
            one[n] = row["rounds_s"]
        elif n in one:
            ratio = one[n] / row["rounds_s"]
            speed = f"{ratio:.2f}x"
            if n == 10**7:
                goal = f">= 1.7x on 2 threads: {'met' if ratio >= 1.7 else 'NOT met'}"
        if n == 10**8:
            total = row["setup_s"] + row["rounds_s"]
            ok = total <= 60 and row["peak_MiB"] <= 8 * 1024
            goal = f"<= 60 s, <= 8 GiB: {'met' if ok else 'NOT met'} ({total:.1f} s)"
        print(f"{n:>11d} {th:>7d} {row['rounds']:>6d} {row['setup_s']:>8.3f} "
              f"{row['rounds_s']:>9.3f} {per:>13.1f} {row['peak_MiB']:>9.0f} {speed:>8s}  "
              f"{goal}", flush=True)


if __name__ == "__main__":
    main()
