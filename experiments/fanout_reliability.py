"""Fanout and reliability: one-shot gossip reaches everyone with probability exp(-e^-c)
for fanout = ln n + c (Kermarrec, Massoulié & Ganesh 2003).

Every node that first receives the message forwards it once to ``fanout`` distinct uniformly
random nodes — in swarm, ``rumor`` with blind feedback, coin stop and k = 1 — on the complete
graph. For each fanout, K seeds: the fraction of runs that reached every node, beside the
asymptotic ``swarm.theory.kermarrec_reach_all`` and its binomial standard error.

    python experiments/fanout_reliability.py            # n = 10^4, 300 seeds per fanout
    python experiments/fanout_reliability.py --quick    # n = 10^3, 40 seeds

Writes one row per run to data/fanout_reliability.parquet (data/quick/ with --quick), a
figure beside it, and prints the table.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np
import pandas as pd

import swarm
from swarm import theory
from swarm.cli import experiment_parser
from swarm.rng import replicate_seeds
from swarm.store import versions, write_frame


def figure(runs: pd.DataFrame) -> Any:
    """The fraction of runs that reached every node against the fanout (95% CI), beside
    Kermarrec et al.'s asymptotic exp(-e^-c)."""
    from swarm.plot import metric_vs_param

    n = int(runs["nodes"].iloc[0])
    runs = runs.assign(reached_all=runs["reached_all"].astype(float))
    ax = metric_vs_param(runs, "fanout", "reached_all", ylabel="P(every node reached)",
                         hue_label=lambda _: "simulated (mean, 95% CI)",
                         theory=lambda x: theory.kermarrec_reach_all(n, x),
                         theory_label="exp(-e^-c), c = fanout - ln n (Kermarrec et al. 2003)")
    ax.set_xlabel("fanout (partners per forwarding node)")
    ax.set_title(f"one-shot gossip, complete graph, n = {n}", fontsize="medium")
    return ax.get_figure()


def main(argv: list[str] | None = None) -> int:
    parser = experiment_parser(__doc__, out="data/fanout_reliability.parquet",
                               quick="n = 10^3, 40 seeds", root_seed=2003)
    args = parser.parse_args(argv)
    n, k = (1000, 40) if args.quick else (10_000, 300)
    lnn = math.log(n)
    fanouts = list(range(max(1, math.floor(lnn) - 2), math.floor(lnn) + 5))
    rows = []
    for fanout in fanouts:
        base = swarm.Scenario.from_dict({
            "nodes": n, "protocol": "rumor", "protocol.feedback": False,
            "protocol.stop": "coin", "protocol.k": 1, "protocol.fanout": fanout,
        })
        for seed in replicate_seeds(args.root_seed, k):
            run = swarm.simulate(base.replace({"seed": seed}))
            rows.append({"nodes": n, "fanout": fanout, "c": fanout - lnn, "seed": seed,
                         "reached_all": run.summary["residue"] == 0.0, **run.summary})
        print(f"fanout {fanout} done", file=sys.stderr)
    runs = pd.DataFrame(rows)
    write_frame(args.out, runs, {"experiment": "fanout_reliability", "nodes": n,
                                 "root_seed": args.root_seed, "versions": versions()})
    table = runs.groupby("fanout").agg(c=("c", "first"), runs=("seed", "size"),
                                       reached_all=("reached_all", "mean"),
                                       residue=("residue", "mean"),
                                       messages_per_node=("messages_per_node", "mean"))
    table["theory"] = theory.kermarrec_reach_all(n, table.index.to_numpy())
    table["se"] = np.sqrt(table["theory"] * (1 - table["theory"]) / table["runs"])
    print(f"n = {n}, complete graph, one-shot gossip (Kermarrec et al. 2003)")
    print(table.reset_index().to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    from swarm.plot import save_figure

    png = save_figure(figure(runs), args.out.with_suffix(".png"))
    print(f"\n{len(runs)} runs written to {args.out}, figure {png}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
