"""Start-up: what ``import swarm`` and a first small run cost a fresh process (issue 15).

Run from the repository root::

    .venv/bin/python benchmarks/bench_startup.py            # best of 7 fresh interpreters
    .venv/bin/python benchmarks/bench_startup.py --reps 3

Each figure is measured in its own fresh ``python -c`` process (nothing cached in memory;
the Numba on-disk cache warm, as after any first run):

- ``import swarm``: wall time of the import (``time.perf_counter`` around it) and the
  process's peak resident set size after it (``ru_maxrss``), with the heavy libraries it
  loaded (none, by design: Numba, pandas, Mesa, ... load when something uses them);
- ``import + first run``: the same plus ``simulate`` of a 10^4-node push-pull run to full
  coverage (loads Numba, the push-pull kernels from the cache, pandas for the frame);
- ``import numpy`` alone, the floor any swarm process pays.

The goal column is issue 15's: ``import swarm`` <= 0.3 s and <= 120 MiB. Best (minimum) of
``--reps`` processes for the time, the maximum for memory.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

HEAVY = ("numba", "pandas", "pyarrow", "mesa", "dask", "matplotlib", "scipy", "networkx")

PROBE = """
import json, resource, sys, time
t0 = time.perf_counter()
{code}
dt = time.perf_counter() - t0
print(json.dumps({{"s": dt, "MiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "heavy": [m for m in {heavy!r} if m in sys.modules]}}))
"""

CASES = [
    ("import numpy", "import numpy", None),
    ("import swarm", "import swarm", (0.3, 120.0)),
    ("import + first run", "import swarm\nswarm.simulate(swarm.Scenario(nodes=10_000, "
     "protocol='push-pull'))", None),
]


def measure(code: str) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE.format(code=code, heavy=HEAVY)],
                          capture_output=True, text=True, timeout=600, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=7, help="fresh processes per row")
    args = parser.parse_args()
    measure(CASES[-1][1])  # the Numba cache on disk is warm for every row
    print(f"{'what':20s} {'seconds':>8s} {'peak MiB':>9s}  {'goal':27s} heavy libraries loaded")
    for label, code, goal in CASES:
        runs = [measure(code) for _ in range(args.reps)]
        best = min(r["s"] for r in runs)
        mib = max(r["MiB"] for r in runs)
        text = "" if goal is None else (f"<= {goal[0]} s, {goal[1]:.0f} MiB: "
                                        + ("met" if best <= goal[0] and mib <= goal[1]
                                           else "NOT met"))
        print(f"{label:20s} {best:8.3f} {mib:9.1f}  {text:27s} "
              f"{', '.join(runs[-1]['heavy']) or 'none'}")


if __name__ == "__main__":
    main()
