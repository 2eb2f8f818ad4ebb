"""Demers et al. 1987, Tables 1 and 2: push rumour mongering on 1,000 sites.

Table 1 is feedback + counter, Table 2 blind + coin, k = 1..5; for each row, K seeds of the
``rumor`` protocol (semantics: docs/protocols.md, rumor) beside the printed residue s,
traffic m and t_last (t_ave is printed too; ours is about 10 rounds where Demers print
11-14 — an open question documented there).

    python experiments/demers_tables.py            # 500 seeds per row (~1 minute)
    python experiments/demers_tables.py --quick    # 20 seeds per row

Writes one row per run to data/demers_tables.parquet (data/quick/ with --quick), a figure
beside it, and prints the table.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pandas as pd

import swarm
from swarm.cli import experiment_parser
from swarm.literature import DEMERS_COLUMNS, DEMERS_TABLE1, DEMERS_TABLE2
from swarm.rng import replicate_seeds
from swarm.store import versions, write_frame

TABLES = {
    "1 feedback+counter": ({}, DEMERS_TABLE1),
    "2 blind+coin": ({"protocol.feedback": False, "protocol.stop": "coin"}, DEMERS_TABLE2),
}


def figure(runs: pd.DataFrame) -> Any:
    """Residue against k per table (mean, 5-95% of the runs), beside Demers' printed values."""
    from swarm.plot import metric_vs_param

    printed = {name: [float(t[k][0]) for k in range(1, 6)] for name, (_, t) in TABLES.items()}
    words = {"1 feedback+counter": "Table 1: feedback, counter",
             "2 blind+coin": "Table 2: blind, coin"}
    ax = metric_vs_param(runs, "k", "residue", hue="table", band="quantiles",
                         hue_label=lambda name: f"{words[name]}, simulated",
                         theory=lambda x, name: (np.arange(1.0, 6.0), np.array(printed[name])),
                         theory_label="printed by Demers et al. 1987")
    ax.set_yscale("log")
    ax.set_xlabel("k (counter limit, or 1/k the chance to stop)")
    ax.set_title("residue of push rumour mongering, n = 1000 (band: 5-95% of runs)",
                 fontsize="medium")
    return ax.get_figure()


def main(argv: list[str] | None = None) -> int:
    parser = experiment_parser(__doc__, out="data/demers_tables.parquet",
                               quick="20 seeds per row", root_seed=1987)
    args = parser.parse_args(argv)
    k_runs = 20 if args.quick else 500
    rows, table = [], []
    for name, (keys, printed) in TABLES.items():
        for k in range(1, 6):
            base = swarm.Scenario.from_dict({"nodes": 1000, "protocol": "rumor",
                                             "protocol.k": k, "max_rounds": 10_000, **keys})
            runs = []
            for seed in replicate_seeds(args.root_seed, k_runs):
                summary = swarm.simulate(base.replace({"seed": seed})).summary
                runs.append({"table": name, "k": k, "seed": seed, **summary})
            rows.extend(runs)
            frame = pd.DataFrame(runs)
            line = {"table": name, "k": k, "runs": k_runs}
            for col, value in zip(DEMERS_COLUMNS, printed[k], strict=True):
                line[f"{col}"] = frame[col].mean()
                line[f"{col}_demers"] = float(value)
            table.append(line)
        print(f"table {name} done", file=sys.stderr)
    write_frame(args.out, pd.DataFrame(rows), {"experiment": "demers_tables",
                                               "root_seed": args.root_seed,
                                               "versions": versions()})
    print("n = 1000, push rumour mongering; ours (mean of runs) beside Demers et al. 1987")
    print(pd.DataFrame(table).to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    from swarm.plot import save_figure

    png = save_figure(figure(pd.DataFrame(rows)), args.out.with_suffix(".png"))
    print(f"\n{len(rows)} runs written to {args.out}, figure {png}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
