"""Rounds per second and memory per node of the failure detectors (kernel path).

Run from the repository root::

    .venv/bin/python benchmarks/bench_membership.py              # 10^3 and 10^4 nodes
    .venv/bin/python benchmarks/bench_membership.py --nodes 1000 # one size

SWIM (LAN profile) and heartbeat (fanout 1, default t_fail) on the complete graph, in three
conditions: ``steady`` (no fault: SWIM's quiet state, nothing to gossip), ``loss 10%``
(SWIM: a steady trickle of false suspicions and refutations to gossip; heartbeat is the same
O(n^2) work either way) and ``crash 1%`` (1% of the nodes crash as timing starts: detection,
gossip of the suspicions and deaths). The Numba JIT is warmed by an untimed small run; the
engine is built outside the timed loop (``setup_s``) and run for WARM rounds first; the
table reports the best of REPS loops of ROUNDS rounds. ``bytes/node`` is the protocol's state
arrays (the dense n x n views dominate: SWIM 8 bytes per pair, heartbeat 12) over n.
"""

from __future__ import annotations

import argparse
import sys
import time

import pandas as pd

from swarm import Scenario
from swarm.engine import Engine

ROUNDS = 10
WARM = 5
REPS = 2
CONDITIONS = {"steady": {}, "loss 10%": {"faults.loss.rate": 0.1},
              "crash 1%": {"faults.crash.fraction": 0.01, "faults.crash.start": WARM + 1}}
PROTOCOLS = {"swim": {}, "heartbeat": {}}


def scenario(protocol: str, n: int, extra: dict) -> Scenario:
    return Scenario.from_dict({"nodes": n, "protocol": protocol, "seed": 1,
                               "max_rounds": WARM + ROUNDS, "protocol.min_periods": 10**6,
                               **PROTOCOLS[protocol], **extra})


def measure(s: Scenario) -> tuple[float, float, int]:
    """(best seconds per round, setup seconds, state bytes)."""
    best, setup = float("inf"), float("inf")
    size = 0
    for _ in range(REPS):
        started = time.perf_counter()
        engine = Engine(s)
        setup = min(setup, time.perf_counter() - started)
        size = sum(a.nbytes for a in engine.state.arrays().values())
        for _ in range(WARM):
            engine.step()
        t0 = time.perf_counter()
        for _ in range(ROUNDS):
            engine.step()
        assert engine.round == WARM + ROUNDS, "the run ended before the measured rounds"
        best = min(best, (time.perf_counter() - t0) / ROUNDS)
        del engine
    return best, setup, size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, nargs="*", default=[1000, 10_000])
    args = parser.parse_args()
    for protocol in PROTOCOLS:  # JIT warm-up of every path
        for extra in CONDITIONS.values():
            Engine(scenario(protocol, 200, extra)).run()
    rows = []
    for n in args.nodes:
        for protocol in PROTOCOLS:
            for condition, extra in CONDITIONS.items():
                print(f"{protocol} n={n} {condition} ...", file=sys.stderr)
                per_round, setup, size = measure(scenario(protocol, n, extra))
                rows.append({"protocol": protocol, "nodes": n, "condition": condition,
                             "rounds/s": 1 / per_round, "ms/round": per_round * 1e3,
                             "bytes/node": size / n, "state_MiB": size / 2**20,
                             "setup_s": setup})
    frame = pd.DataFrame(rows)
    print(frame.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
