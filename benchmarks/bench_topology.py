"""Time and peak memory to generate topologies at scale, one fresh subprocess per row.

    .venv/bin/python benchmarks/bench_topology.py          # 10^6-node rows (~30 s)
    .venv/bin/python benchmarks/bench_topology.py --quick  # 10^5-node rows

Each worker builds a small graph of the same kind first (Numba cache warm), then times one
build from the ``topology`` stream of seed 1 and reports its peak RSS. The ``goal`` column is
issue 15's for k-out (k = 20, 10^6 nodes: <= 0.5 s); k-out builds on every Numba thread.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

ROWS = [
    ("k-out", {"k": 20}),
    ("regular", {"d": 8}),
    ("erdos-renyi", {"p": 1e-5}),
    ("watts-strogatz", {"k": 10, "p": 0.1}),
    ("barabasi-albert", {"m": 4}),
    ("geometric", {}),
    ("torus", {}),
]


def worker(name: str, params: dict, n: int) -> dict:
    from swarm.registry import TOPOLOGIES
    from swarm.rng import stream
    from swarm.topology import build_topology

    spec = TOPOLOGIES[name](**params)
    build_topology(spec, 1000, stream(0, "topology"))  # warm the JIT cache
    started = time.perf_counter()
    topo = build_topology(spec, n, stream(1, "topology"))
    seconds = time.perf_counter() - started
    degrees = topo.degrees()
    return {"topology": name, "params": ",".join(f"{k}={v}" for k, v in params.items()) or "-",
            "n": n, "edges": topo.n_edges, "mean_degree": float(degrees.mean()),
            "seconds": seconds,
            "peak_MiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        name, params, n = json.loads(args.worker)
        print(json.dumps(worker(name, params, n)))
        return 0
    import pandas as pd

    n = 10**5 if args.quick else 10**6
    rows = []
    for name, params in ROWS:
        print(f"{name} n={n} ...", file=sys.stderr)
        done = subprocess.run([sys.executable, __file__, "--worker",
                               json.dumps([name, params, n])],
                              capture_output=True, text=True, check=True)
        rows.append(json.loads(done.stdout))
    for row in rows:
        row["goal"] = ""
        if row["topology"] == "k-out" and row["n"] == 10**6:
            row["goal"] = f"<= 0.5 s: {'met' if row['seconds'] <= 0.5 else 'NOT met'}"
    frame = pd.DataFrame(rows)
    print(frame.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
