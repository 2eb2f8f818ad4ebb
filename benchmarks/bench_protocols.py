"""Time per round of rumour mongering, aggregation and anti-entropy against push-pull's, on
the kernel path, same nodes, same topology (issue 15).

Run from the repository root::

    .venv/bin/python benchmarks/bench_protocols.py                  # 10^6 nodes, complete
    .venv/bin/python benchmarks/bench_protocols.py --topology k-out # k-out, k = 20
    .venv/bin/python benchmarks/bench_protocols.py --quick          # 10^4 nodes, a smoke test

Each row is one protocol in its default configuration (``anti-entropy``: 16 keys, one client
write per round, writes never stop) on ``--nodes`` nodes, run from round 1 for ``--rounds``
rounds or until it finishes (push-pull and rumour mongering stop when nobody more can learn
the rumour; ``tolerance = 0`` keeps the aggregations running). The Numba JIT is warmed first
by small untimed runs; the topology is built once, outside the timed loop; every row is the
best of ``--reps`` runs on fresh engines over the same graph. A whole run is timed (the
engine's round loop: faults, send, the transport's counting point, receive, ``end_round``,
the metrics row), so a protocol's per-round cost includes its quiet rounds, as a sweep sees
it.

Columns: ``rounds`` run; ``ms/round`` wall time of the run / rounds; ``send_ms``,
``receive_ms``, ``end_ms`` the split per round (the rest is the counting point and the metrics
row); ``x push-pull`` ms/round over push-pull's ms/round in the same table; ``goal`` the
issue's bound for that ratio (push-pull is the reference; anti-entropy's goal is absolute,
40 ms a round at 10^6 nodes, and is shown scaled to ``--nodes``).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from bench_antientropy import Timed, print_table  # benchmarks/ is sys.path[0]

SEED = 1
K_OUT = 20
#: (label, protocol, extra scenario keys, goal: ratio to push-pull or ms/round at 10^6)
ROWS: tuple[tuple[str, str, dict[str, Any], str], ...] = (
    ("push-pull", "push-pull", {}, "reference"),
    ("rumor push (feedback, counter k=3)", "rumor", {}, "<= 3x"),
    ("rumor push-pull", "rumor", {"protocol.mode": "push-pull"}, "<= 3x"),
    ("averaging", "averaging", {"protocol.tolerance": 0.0}, "<= 3x"),
    ("push-sum", "push-sum", {"protocol.tolerance": 0.0}, "<= 3x"),
    ("anti-entropy push-pull, 16 keys", "anti-entropy",
     {"protocol.write_rate": 1.0, "protocol.writes_until": 10**6}, "<= 40 ms"),
)


def scenario(n: int, label: str, topology: str, rounds: int) -> Any:
    import swarm

    _, protocol, extra, _ = next(r for r in ROWS if r[0] == label)
    topo: dict[str, Any] = {"topology": topology}
    if topology == "k-out":
        topo["topology.k"] = K_OUT
    return swarm.Scenario.from_dict({"nodes": n, "seed": SEED, "max_rounds": rounds,
                                     "protocol": protocol, **extra, **topo})


def measure(n: int, label: str, topology: Any, topo_name: str, rounds: int, reps: int
            ) -> dict[str, float]:
    from swarm.engine import Engine

    s = scenario(n, label, topo_name, rounds)
    best: dict[str, float] | None = None
    for _ in range(reps):
        engine = Engine(s, topology=topology)
        timed = Timed.attach(engine)
        t0 = time.perf_counter()
        engine.run()
        loop = time.perf_counter() - t0
        done = engine.state.round
        row = {"rounds": done, "loop": loop / done, "send": timed.send_s / done,
               "receive": timed.receive_s / done, "end": timed.end_s / done}
        if best is None or row["loop"] < best["loop"]:
            best = row
    assert best is not None
    return best


def warm_up(topo_name: str) -> None:
    import swarm

    for label, *_ in ROWS:
        swarm.simulate(scenario(300, label, topo_name, 5))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--topology", choices=("complete", "k-out"), default="complete")
    parser.add_argument("--rounds", type=int, default=30, help="at most this many rounds")
    parser.add_argument("--reps", type=int, default=3, help="runs per row; the best is kept")
    parser.add_argument("--only", default="", help="comma-separated labels' first words")
    parser.add_argument("--quick", action="store_true", help="10^4 nodes, 1 repetition")
    args = parser.parse_args(argv)
    if args.quick:
        args.nodes, args.reps = 10_000, 1
    from swarm.rng import Streams
    from swarm.topology import build_topology

    print("warming up the JIT ...", file=sys.stderr)
    warm_up(args.topology)
    topo_params = scenario(args.nodes, ROWS[0][0], args.topology, 1).topology
    topology = build_topology(topo_params, args.nodes, Streams(SEED)["topology"])
    wanted = [w for w in args.only.split(",") if w]
    rows: list[dict[str, Any]] = []
    reference = None
    for label, _, _, goal in ROWS:
        if wanted and label != "push-pull" and not any(label.startswith(w) for w in wanted):
            continue
        print(f"{label}, n = {args.nodes}, {args.topology} ...", file=sys.stderr)
        got = measure(args.nodes, label, topology, args.topology, args.rounds, args.reps)
        if reference is None:
            reference = got["loop"]
        ratio = got["loop"] / reference
        if goal.endswith("ms"):
            scaled = 40.0 * args.nodes / 1e6
            goal_text = f"<= {scaled:.3g} ms" + (" (10^6: 40)" if args.nodes != 10**6 else "")
            met = 1e3 * got["loop"] <= scaled
        elif goal == "reference":
            goal_text, met = "reference", True
        else:
            goal_text, met = goal, ratio <= 3.0
        rows.append({
            "protocol": label, "topology": args.topology, "n": args.nodes,
            "rounds": int(got["rounds"]), "ms/round": 1e3 * got["loop"],
            "send_ms": 1e3 * got["send"], "receive_ms": 1e3 * got["receive"],
            "end_ms": 1e3 * got["end"], "x push-pull": ratio, "goal": goal_text,
            "met": "yes" if met else "NO",
        })
    print_table(rows)


if __name__ == "__main__":
    main()
