"""Sweep overhead and scale-out: 1,000 runs of 10^4-node push-pull on this machine.

    .venv/bin/python benchmarks/bench_sweep.py            # 1,000 runs, 5 pairs each (~3 minutes)
    .venv/bin/python benchmarks/bench_sweep.py --runs 200

Rows: the sum of the single-run times (each ``simulate()`` timed on its own, in-process), then
the wall time of ``swarm.sweep`` over the same runs in-process and on a Dask LocalCluster of 1
and of 2 worker processes (one thread each, on 127.0.0.1). For the clusters, start-up and the
workers' first Numba cache load (a one-off ~1 s per worker process, paid by its first sweep)
are excluded by a small warm-up sweep before timing; planning, task overhead, result transfer
and the Parquet writes are included. Overhead = wall / (sum of single runs / workers) - 1.
Speed-up = wall with 1 worker / wall with 2 workers. Goals (issue 15, quiet machine): overhead
<= 10% and 2 workers >= 1.8x one worker; the table says whether each is met.

Each sweep is timed right after its own sum of single runs, ``--repeats`` times (default
5), and the table gives the median overhead of these pairs with its range: on this shared
2-core machine the same 1,000 runs take anywhere from 4.6 to 5.8 s from one minute to the
next, so timings taken minutes apart can be off by 20% either way; a pair taken seconds apart
is not.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time

import pandas as pd

import swarm
from swarm.rng import replicate_seeds

OVERHEAD_GOAL = 0.10  # issue 15: a sweep's wall time within 10% of its runs' own time
SPEEDUP_GOAL = 1.8  # issue 15: 2 workers against 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    base = swarm.Scenario(nodes=args.nodes, protocol="push-pull", seed=1)
    swarm.simulate(base)  # JIT cache warm in this process

    def single_runs() -> float:
        total = 0.0
        for seed in replicate_seeds(base.seed, args.runs):
            started = time.perf_counter()
            swarm.simulate(base.replace({"seed": seed}))
            total += time.perf_counter() - started
        return total

    rows = []

    def timed(executor, workers: int, label: str) -> float:
        pairs = []
        for _ in range(args.repeats):
            single = single_runs()
            with tempfile.TemporaryDirectory() as out:
                started = time.perf_counter()
                frame = swarm.sweep(base, seeds=args.runs, out=out, executor=executor,
                                    progress=False)
                wall = time.perf_counter() - started
            assert len(frame) == args.runs and (frame["status"] == "ok").all()
            pairs.append((single, wall, wall / (single / workers) - 1))
        overheads = [o for _, _, o in pairs]
        rows.append({"executor": label, "workers": workers,
                     "single_s": statistics.median(p[0] for p in pairs),
                     "wall_s": statistics.median(p[1] for p in pairs),
                     "overhead": statistics.median(overheads),
                     "lowest": min(overheads), "highest": max(overheads)})
        print(f"{label}: overheads {', '.join(f'{o:+.1%}' for o in overheads)}",
              file=sys.stderr)
        return statistics.median(p[1] for p in pairs)

    timed("inprocess", 1, "in-process")
    from distributed import Client

    from swarm.sweep import local_cluster

    walls = {}
    for workers in (1, 2):
        with local_cluster(workers) as cluster, Client(cluster) as client:
            with tempfile.TemporaryDirectory() as warm:  # start-up and JIT load, untimed
                swarm.sweep(base.replace({"nodes": 100}), seeds=2 * workers, out=warm,
                            executor=client, batch_size=1, progress=False)
            walls[workers] = timed(client, workers, f"LocalCluster {workers} worker(s)")
    for row in rows:
        row["goal"] = f"<= {OVERHEAD_GOAL:.0%}: " + (
            "met" if row["overhead"] <= OVERHEAD_GOAL else "NOT met")
    frame = pd.DataFrame(rows)
    print(f"{args.runs} runs of {args.nodes}-node push-pull, kernel path; medians of "
          f"{args.repeats} pairs (single runs, then the sweep)")
    print(frame.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    speedup = walls[1] / walls[2]
    print(f"\nspeed-up 1 -> 2 workers: {speedup:.2f}x (goal >= {SPEEDUP_GOAL}x: "
          f"{'met' if speedup >= SPEEDUP_GOAL else 'NOT met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
