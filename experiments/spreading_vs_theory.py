"""Push, pull and push-pull on the complete graph, 10^3 to 10^6 nodes, against theory.

For each protocol and size: K seeds (from SeedSequence(root).spawn(K)), the mean and sd of
rounds_to_full and messages per node, beside the exact expectation of the Markov chain
(swarm.theory.exact_rounds_to_full, where it is cheap) and the leading-order formulas of
Pittel (push: log2 n + ln n), Karp et al. (push-pull: log3 n) and the pull doubling /
squaring argument (log2 n + log2 ln n).

    python experiments/spreading_vs_theory.py            # the full table, ~1 minute
    python experiments/spreading_vs_theory.py --quick    # seconds (used by the tests)

Writes one row per run to data/spreading_vs_theory.parquet (scenario, seed, summary) with
provenance metadata and a figure (rounds to full coverage against n, 95% CI bands, the
leading-order formulas dashed) to data/spreading_vs_theory.png, and prints the table.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

import swarm
from swarm import theory
from swarm.cli import experiment_parser
from swarm.rng import replicate_seeds
from swarm.store import versions, write_frame

MODES = ("push", "pull", "push-pull")
FORMULAS = {
    "push": ("log2 n + ln n", theory.pittel_push_rounds),
    "pull": ("log2 n + log2 ln n", theory.pull_rounds),
    "push-pull": ("log3 n", theory.karp_push_pull_rounds),
}
EXACT_MAX_N = 2000  # the exact chain is O(n^3): ~0.5 s at 2000, ~20 s at 10^4


def run(sizes: list[int], seeds: int, root: int, out: Path) -> pd.DataFrame:
    rows = []
    total = len(MODES) * sum(1 for _ in sizes)
    done = 0
    for mode in MODES:
        for n in sizes:
            started = time.perf_counter()
            k = seeds if n < 10**6 else max(3, seeds // 4)
            for seed in replicate_seeds(root, k):
                scenario = swarm.Scenario(nodes=n, protocol=mode, seed=seed)
                result = swarm.simulate(scenario)
                rows.append({"protocol": mode, "nodes": n, "seed": seed, **result.summary})
            done += 1
            print(f"[{done}/{total}] {mode} n={n}: {k} runs in "
                  f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
    runs = pd.DataFrame(rows)
    write_frame(out, runs, {"experiment": "spreading_vs_theory", "root_seed": root,
                            "versions": versions()})
    return runs


def table(runs: pd.DataFrame) -> pd.DataFrame:
    out = []
    for (mode, n), group in runs.groupby(["protocol", "nodes"], sort=False):
        full = group["rounds_to_full"].astype(float)
        exact = theory.exact_rounds_to_full(n, mode)[0] if n <= EXACT_MAX_N else float("nan")
        name, formula = FORMULAS[mode]
        out.append({
            "protocol": mode, "nodes": n, "runs": len(group),
            "rounds_to_full": full.mean(), "sd": full.std(ddof=1),
            "exact_chain": exact, "leading_terms": formula(n), "formula": name,
            "messages_per_node": group["messages_per_node"].mean(),
        })
    return pd.DataFrame(out)


def main(argv: list[str] | None = None) -> int:
    parser = experiment_parser(__doc__, out="data/spreading_vs_theory.parquet",
                               quick="n up to 10^4, 5 seeds", root_seed=2026,
                               seeds="runs per size (default 40)", min_seeds=2)
    args = parser.parse_args(argv)
    sizes = [1000, 10_000] if args.quick else [1000, 10_000, 100_000, 1_000_000]
    seeds = args.seeds or (5 if args.quick else 40)
    runs = run(sizes, seeds, args.root_seed, args.out)
    print(table(runs).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    from swarm.plot import metric_vs_param, save

    ax = metric_vs_param(runs, "nodes", "rounds_to_full", hue="protocol", logx=True,
                         theory=lambda x, mode: FORMULAS[mode][1](x),
                         theory_label="leading terms")
    png = save(ax, args.out.with_suffix(".png"), "rounds to full coverage, complete graph")
    print(f"figure: {png}", file=sys.stderr)
    print(f"\n{len(runs)} runs written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
