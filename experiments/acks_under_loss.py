"""Acknowledgements and retries under message loss: what they cost and what they buy.

Push and push-pull on the complete graph with the ``loss`` fault at several rates, each with
and without ``ack`` (retry after 1 round, at most 3 retries). For every combination, K seeds:
mean rounds to full coverage, the residue (fraction still uninformed) at a fixed deadline —
the lossless expectation of rounds_to_full, so the columns compare like with like — and
messages per node.

    python experiments/acks_under_loss.py            # n = 10^4, 20 seeds (~1 minute)
    python experiments/acks_under_loss.py --quick    # n = 10^3, 4 seeds (seconds)

Writes one row per run to data/acks_under_loss.parquet (data/quick/ with --quick) with
provenance metadata, a figure beside it, and prints the table.
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

LOSSES = (0.0, 0.1, 0.3, 0.5)
MODES = ("push", "push-pull")


def figure(runs: pd.DataFrame) -> Any:
    """Rounds to full coverage against loss, push and push-pull, with and without acks."""
    from swarm.plot import integer_ticks, metric_vs_param

    n = int(runs["nodes"].iloc[0])
    runs = runs.assign(series=[f"{p}, {'acks + retries' if a else 'no acks'}"
                               for p, a in zip(runs["protocol"], runs["ack"], strict=True)])
    ax = metric_vs_param(runs, "loss", "rounds_to_full", hue="series",
                         hue_label=lambda s: s)
    integer_ticks(ax, "y")
    ax.set_title(f"complete graph, n = {n}: retry after 1 round, at most 3 retries",
                 fontsize="medium")
    return ax.get_figure()


def main(argv: list[str] | None = None) -> int:
    parser = experiment_parser(__doc__, out="data/acks_under_loss.parquet",
                               quick="n = 10^3, 4 seeds", root_seed=2026)
    args = parser.parse_args(argv)
    n, k = (1000, 4) if args.quick else (10_000, 20)
    rows = []
    for mode in MODES:
        deadline = math.ceil(theory.pittel_push_rounds(n) if mode == "push"
                             else theory.karp_push_pull_rounds(n) + 3)
        for loss in LOSSES:
            for ack in (False, True):
                base = swarm.Scenario.from_dict({
                    "nodes": n, "protocol": mode, "protocol.ack": ack,
                    "protocol.retry_after_rounds": 1, "protocol.max_retries": 3,
                    "faults.loss.rate": loss, "max_rounds": 500,
                })
                for seed in replicate_seeds(args.root_seed, k):
                    run = swarm.simulate(base.replace({"seed": seed}))
                    cov = run.rounds.set_index("round")["coverage"]
                    at_deadline = float(cov.get(deadline, cov.iloc[-1]))
                    rows.append({"nodes": n, "protocol": mode, "loss": loss, "ack": ack,
                                 "seed": seed,
                                 "deadline": deadline, "residue_at_deadline": 1 - at_deadline,
                                 **run.summary})
            print(f"{mode} loss={loss} done", file=sys.stderr)
    runs = pd.DataFrame(rows)
    write_frame(args.out, runs, {"experiment": "acks_under_loss", "nodes": n,
                                 "root_seed": args.root_seed, "versions": versions()})
    table = (runs.groupby(["protocol", "loss", "ack"], sort=False)
             .agg(runs=("seed", "size"), rounds_to_full=("rounds_to_full", "mean"),
                  deadline=("deadline", "first"),
                  residue_at_deadline=("residue_at_deadline", "mean"),
                  messages_per_node=("messages_per_node", "mean"),
                  traffic=("traffic", "mean"))
             .reset_index())
    print(f"n = {n}, {k} seeds per row, complete graph")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    from swarm.plot import save_figure

    png = save_figure(figure(runs), args.out.with_suffix(".png"))
    print(f"\n{len(runs)} runs written to {args.out}, figure {png}", file=sys.stderr)
    assert np.isfinite(table["messages_per_node"]).all()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
