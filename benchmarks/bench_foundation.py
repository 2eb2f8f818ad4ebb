"""Speed side by side: swarm's kernel path, swarm's Mesa agent path, an idiomatic Mesa model.

Run from the repository root::

    .venv/bin/python benchmarks/bench_foundation.py            # full run (a few minutes)
    .venv/bin/python benchmarks/bench_foundation.py --quick    # n <= 10^4, a smoke test
    .venv/bin/python benchmarks/bench_foundation.py --max-n 100000

Every row is measured in its own fresh subprocess (this file run with ``--worker``), so its
peak RSS is that configuration's own; the worker warms the Numba JIT (a small untimed run)
before it times anything. The tables go to stdout, progress to stderr. benchmarks/README.md
says what each column means.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import time
from typing import Any

SEED = 1
DEGREE = 8
ROUNDS = 10  # rounds measured on the regular topology (swarm stops earlier at full coverage)
SMALL_SIZES = (10**3, 10**4, 10**5)  # all three paths
KERNEL_SIZES = (10**6, 10**7)  # kernel path only
COMPLETE_SIZES = (10**6, 10**7)  # headline: kernel push-pull on the complete graph
WORKER_TIMEOUT_S = 1800

PATHS = {
    "kernels": "swarm kernels",
    "agents": "swarm Mesa agents",
    "mesa": "idiomatic Mesa 3.5",
}

GIB = 1024.0  # MiB


def reps_for(n: int) -> int:
    """Repetitions per configuration; the table reports the best (fastest) of them."""
    if n <= 10**4:
        return 5
    if n <= 10**6:
        return 3
    return 2


# -- the idiomatic Mesa model ---------------------------------------------------------------


def _mesa_model_classes() -> tuple[type, type]:
    """The rumour model written the usual Mesa 3.5 way (cf. mesa's virus_on_network)."""
    import mesa
    from mesa.discrete_space import CellAgent, Network

    class RumourAgent(CellAgent):
        """One node: every step it pushes its rumour flag to one random neighbouring cell."""

        def __init__(self, model: mesa.Model, cell: Any) -> None:
            super().__init__(model)
            self.cell = cell
            self.informed = False

        def step(self) -> None:
            target = self.cell.neighborhood.select_random_cell()
            for agent in target.agents:
                agent.informed = agent.informed or self.informed

    class RumourModel(mesa.Model):
        """Push gossip on a ``mesa.discrete_space.Network`` built from a networkx graph."""

        def __init__(self, graph: Any, seed: int) -> None:
            super().__init__(rng=seed)
            # layout=None: a purely topological network. The default (nx.spring_layout) is
            # O(n^2) per iteration and alone would take hours at n = 10^5.
            self.grid = Network(graph, capacity=1, random=self.random, layout=None)
            RumourAgent.create_agents(self, graph.number_of_nodes(), list(self.grid.all_cells))
            self.random.choice(self.agents).informed = True  # the rumour's origin
            self.running = True

        def step(self) -> None:
            self.agents.shuffle_do("step")

    return RumourAgent, RumourModel


# -- the worker: one configuration in a fresh process ----------------------------------------


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def _scenario(n: int, topology: str, max_rounds: int) -> Any:
    import swarm

    data: dict[str, Any] = {"nodes": n, "protocol": "push-pull", "seed": SEED,
                            "max_rounds": max_rounds, "topology": topology}
    if topology == "regular":
        data["topology.d"] = DEGREE
    return swarm.Scenario.from_dict(data)


def _warm_up(path: str, topology: str) -> None:
    """A small untimed run of the same path: loads the Numba cache, imports, first calls."""
    import swarm

    if path == "mesa":
        from swarm.registry import TOPOLOGIES
        from swarm.rng import stream

        graph = TOPOLOGIES["regular"](d=DEGREE).build(1000, stream(SEED, "topology"))
        _, model_cls = _mesa_model_classes()
        model = model_cls(graph.to_networkx(), SEED)
        for _ in range(3):
            model.step()
        return
    swarm.simulate(_scenario(1000, topology, 50), engine=path)


def measure(cfg: dict[str, Any]) -> dict[str, Any]:
    """Time one configuration: ``path``, ``topology``, ``n``, ``rounds``, ``reps``."""
    path, topology, n = cfg["path"], cfg["topology"], cfg["n"]
    rounds_wanted, reps = cfg["rounds"], cfg["reps"]
    import swarm
    from swarm.engine import Engine
    from swarm.model import SwarmModel
    from swarm.registry import TOPOLOGIES
    from swarm.rng import stream

    _warm_up(path, topology)
    gc.collect()
    base_rss = _peak_rss_mib()

    # The topology: the same graph the scenario's seed would give (built from the run's own
    # "topology" stream), shared by all three paths; not part of any other timing.
    t0 = time.perf_counter()
    topo = graph = None
    if topology == "regular":
        topo = TOPOLOGIES["regular"](d=DEGREE).build(n, stream(SEED, "topology"))
        if path == "mesa":
            graph = topo.to_networkx()
    topology_s = time.perf_counter() - t0

    scenario = _scenario(n, topology, rounds_wanted)
    setup_best = loop_best = wall_best = float("inf")
    rounds_run = 0
    coverage = float("nan")
    for _ in range(reps):
        gc.collect()
        if path == "mesa":
            _, model_cls = _mesa_model_classes()
            t0 = time.perf_counter()
            model = model_cls(graph, SEED)
            # Mesa caches each cell's neighbourhood on first use; fill the cache here (counted
            # in setup) so the round rate is Mesa's steady state, the favourable case for it.
            for cell in model.grid.all_cells:
                cell.neighborhood  # noqa: B018
            t1 = time.perf_counter()
            for _ in range(rounds_wanted):
                model.step()
            t2 = time.perf_counter()
            rounds_run = rounds_wanted
            coverage = sum(a.informed for a in model.agents) / n
            setup_best = min(setup_best, t1 - t0)
            loop_best = min(loop_best, t2 - t1)
            wall_best = min(wall_best, t2 - t0)
            del model
            continue
        # swarm: the round loop alone (Engine / SwarmModel as simulate() builds them) ...
        t0 = time.perf_counter()
        if path == "kernels":
            engine = Engine(scenario, topology=topo)
        else:
            engine = SwarmModel(scenario, engine="agents", topology=topo).engine
        t1 = time.perf_counter()
        while engine.step():
            pass
        t2 = time.perf_counter()
        rounds_run = engine.state.round
        setup_best = min(setup_best, t1 - t0)
        loop_best = min(loop_best, t2 - t1)
        del engine
        gc.collect()
        # ... and the whole simulate() call (topology given, except the implicit complete).
        t0 = time.perf_counter()
        run = swarm.simulate(scenario, engine=path, topology=topo)
        wall_best = min(wall_best, time.perf_counter() - t0)
        if int(run.summary["rounds"]) != rounds_run:
            raise RuntimeError(f"simulate ran {run.summary['rounds']} rounds, loop {rounds_run}")
        coverage = float(run.rounds["coverage"].iloc[-1])
        del run
    return {
        "path": path, "topology": topology, "n": n, "rounds": rounds_run, "reps": reps,
        "topology_s": topology_s, "setup_s": setup_best, "loop_s": loop_best,
        "wall_s": wall_best, "coverage": coverage,
        "base_rss_mib": base_rss, "peak_rss_mib": _peak_rss_mib(),
    }


# -- the parent: plan, run workers, print tables --------------------------------------------


def plan(max_n: int) -> list[dict[str, Any]]:
    configs: list[dict[str, Any]] = []
    for n in SMALL_SIZES:
        for path in PATHS:
            configs.append({"path": path, "topology": "regular", "n": n, "rounds": ROUNDS})
    for n in KERNEL_SIZES:
        configs.append({"path": "kernels", "topology": "regular", "n": n, "rounds": ROUNDS})
    for n in COMPLETE_SIZES:
        # to full coverage: max_rounds is only a safety net (it takes ~log3 n + ln n rounds)
        configs.append({"path": "kernels", "topology": "complete", "n": n, "rounds": 200})
    configs = [c for c in configs if c["n"] <= max_n]
    for c in configs:
        c["reps"] = reps_for(c["n"])
    return configs


def run_worker(cfg: dict[str, Any]) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--worker", json.dumps(cfg)],
        capture_output=True, text=True, timeout=WORKER_TIMEOUT_S, check=False,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise RuntimeError(f"worker failed for {cfg} (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _sig(x: float, digits: int = 3) -> str:
    return "-" if x != x else f"{x:.{digits}g}"


def results_table(results: list[dict[str, Any]]) -> Any:
    import pandas as pd

    frame = pd.DataFrame(results)
    frame["node_rounds_per_s"] = frame["n"] * frame["rounds"] / frame["loop_s"]
    frame["ms_per_round"] = 1e3 * frame["loop_s"] / frame["rounds"]
    mesa_rate = {
        r["n"]: r["node_rounds_per_s"] for _, r in frame.iterrows() if r["path"] == "mesa"
    }
    frame["x_mesa"] = [
        r["node_rounds_per_s"] / mesa_rate[r["n"]]
        if r["topology"] == "regular" and r["n"] in mesa_rate else float("nan")
        for _, r in frame.iterrows()
    ]
    return frame


def format_table(frame: Any) -> str:
    import pandas as pd

    out = pd.DataFrame({
        "path": [PATHS[p] for p in frame["path"]],
        "topology": [
            f"regular d={DEGREE}" if t == "regular" else "complete, to full"
            for t in frame["topology"]
        ],
        "n": [f"{n:,}" for n in frame["n"]],
        "rounds": frame["rounds"],
        "best_of": frame["reps"],
        "node_rounds/s": [f"{x:.3g}" for x in frame["node_rounds_per_s"]],
        "x_mesa": [_sig(x) for x in frame["x_mesa"]],
        "ms/round": [_sig(x) for x in frame["ms_per_round"]],
        "setup_s": [_sig(x) for x in frame["setup_s"]],
        "wall_s": [_sig(x) for x in frame["wall_s"]],
        "topology_s": [_sig(x) for x in frame["topology_s"]],
        "coverage": [f"{x:.4f}" for x in frame["coverage"]],
        "peak_MiB": [f"{x:.0f}" for x in frame["peak_rss_mib"]],
        "base_MiB": [f"{x:.0f}" for x in frame["base_rss_mib"]],
    })
    return out.to_string(index=False)


def targets_table(frame: Any) -> str:
    import pandas as pd

    def pick(path: str, topology: str, n: int) -> Any:
        rows = frame[(frame["path"] == path) & (frame["topology"] == topology)
                     & (frame["n"] == n)]
        return None if rows.empty else rows.iloc[0]

    rows: list[tuple[str, str, str, str]] = []

    def add(what: str, value: float | None, target: str, ok: bool | None, unit: str) -> None:
        if value is None:
            rows.append((what, "not measured", target, "SKIP"))
        else:
            rows.append((what, f"{value:.3g} {unit}".strip(), target, "PASS" if ok else "FAIL"))

    c6 = pick("kernels", "complete", 10**6)
    add("kernels, complete, n=10^6: simulate() to full",
        None if c6 is None else c6["wall_s"], "<= 0.25 s",
        c6 is not None and c6["wall_s"] <= 0.25, "s")
    c7 = pick("kernels", "complete", 10**7)
    add("kernels, complete, n=10^7: simulate() to full",
        None if c7 is None else c7["wall_s"], "<= 4 s",
        c7 is not None and c7["wall_s"] <= 4.0, "s")
    add("kernels, complete, n=10^7: peak RSS",
        None if c7 is None else c7["peak_rss_mib"], "<= 2048 MiB",
        c7 is not None and c7["peak_rss_mib"] <= 2 * GIB, "MiB")
    a4 = pick("agents", "regular", 10**4)
    m4 = pick("mesa", "regular", 10**4)
    add("Mesa agent path, n=10^4: ms per round",
        None if a4 is None else a4["ms_per_round"], "<= 40 ms",
        a4 is not None and a4["ms_per_round"] <= 40.0, "ms")
    add("Mesa agent path / idiomatic Mesa, n=10^4: time per round",
        None if a4 is None or m4 is None else a4["ms_per_round"] / m4["ms_per_round"],
        "<= 1 (no slower)",
        a4 is not None and m4 is not None and a4["ms_per_round"] <= m4["ms_per_round"], "x")
    k5 = pick("kernels", "regular", 10**5)
    m5 = pick("mesa", "regular", 10**5)
    ratio = None if k5 is None or m5 is None else (
        k5["node_rounds_per_s"] / m5["node_rounds_per_s"])
    add("kernels / idiomatic Mesa, n=10^5: node-rounds/s", ratio, ">= 300 x",
        ratio is not None and ratio >= 300.0, "x")
    return pd.DataFrame(rows, columns=["target", "measured", "goal", "result"]).to_string(
        index=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n up to 10^4 only (smoke test)")
    parser.add_argument("--max-n", type=int, default=None, help="skip configurations above n")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        print(json.dumps(measure(json.loads(args.worker))))
        return 0

    max_n = args.max_n if args.max_n is not None else 10**7
    if args.quick:
        max_n = min(max_n, 10**4)
    configs = plan(max_n)
    results = []
    start = time.perf_counter()
    for i, cfg in enumerate(configs, 1):
        label = f"{PATHS[cfg['path']]}, {cfg['topology']}, n={cfg['n']:,}"
        print(f"[{i}/{len(configs)}] {label} ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        res = run_worker(cfg)
        results.append(res)
        print(f"    {res['rounds']} rounds, loop {res['loop_s']:.4f} s, "
              f"peak {res['peak_rss_mib']:.0f} MiB ({time.perf_counter() - t0:.1f} s)",
              file=sys.stderr, flush=True)
    print(f"done in {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)

    import mesa
    import numba
    import numpy

    frame = results_table(results)
    print(f"# swarm push-pull, seed {SEED}; python {platform.python_version()}, "
          f"numpy {numpy.__version__}, numba {numba.__version__}, mesa {mesa.__version__}, "
          f"{os.cpu_count()} cpus")
    print(format_table(frame))
    print()
    print("targets")
    print(targets_table(frame))
    return 0


if __name__ == "__main__":
    sys.exit(main())
