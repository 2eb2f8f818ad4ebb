"""Push, pull and push-pull on the complete graph, 10^3 to 10^6 nodes, against theory.

For each protocol and size: K seeds (from SeedSequence(root).spawn(K)), the mean and sd of
rounds_to_full and messages per node, beside the exact expectation of the Markov chain
(swarm.theory.exact_rounds_to_full, where it is cheap) and the leading-order formulas of
Pittel (push: log2 n + ln n), Karp et al. (push-pull: log3 n) and the pull doubling /
squaring argument (log2 n + log2 ln n).

    python experiments/spreading_vs_theory.py            # the full table, ~1 minute
    python experiments/spreading_vs_theory.py --quick    # seconds (used by the tests)

Writes one row per run to data/spreading_vs_theory.parquet (data/quick/ with --quick)
(scenario, seed, summary) with provenance metadata and a figure beside it (rounds to full
coverage against n, 95% CI bands, the exact chain's expectation dotted, the leading-order
formulas as thin dashed references), and prints the table.

The exact chain is O(n^3) at worst (push-pull at 10^4 nodes: ~30 s), so its values at the
sizes above ``EXACT_MAX_N`` come from ``EXACT_TABLE``, computed once with
``theory.exact_rounds_to_full`` (``python experiments/spreading_vs_theory.py --exact N`` prints
the three for one N; tests/examples checks the table's smallest entries against the chain).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
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
EXACT_MAX_N = 2000  # computed on the spot up to here: ~1 s at 2000, ~30 s at 10^4
#: theory.exact_rounds_to_full(n, mode)[0] (the mean), computed once (swarm 0.1.0, numba
#: 0.6x, tol 1e-30; push-pull at 2 * 10^4 took 7 minutes); larger n is out of reach
EXACT_TABLE = {
    "push": {2000: 19.739515563561206, 5000: 21.98315719740856, 10_000: 23.678231417213627,
             20_000: 25.372604368804144},
    "pull": {2000: 14.906638615818053, 5000: 16.391112619356488, 10_000: 17.50136420872291,
             20_000: 18.602993851271016, 100_000: 21.13508324482841},
    "push-pull": {2000: 9.907535164121555, 5000: 10.885100062777052,
                  10_000: 11.60376646644181, 20_000: 12.322019291478703},
}


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


def exact_mean(mode: str, n: int) -> float:
    """The exact chain's mean rounds to full coverage: from ``EXACT_TABLE``, computed when
    ``n <= EXACT_MAX_N``, else NaN (out of reach)."""
    if n in EXACT_TABLE[mode]:
        return EXACT_TABLE[mode][n]
    return theory.exact_rounds_to_full(n, mode)[0] if n <= EXACT_MAX_N else float("nan")


def exact_curve(mode: str, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """The exact chain's mean at the sizes in ``[lo, hi]`` where it is known: ``lo``, the
    tabulated sizes and ``hi`` when they are within reach."""
    sizes = sorted({n for n in (lo, hi, *EXACT_TABLE[mode]) if lo <= n <= hi})
    points = [(n, exact_mean(mode, n)) for n in sizes]
    points = [(n, v) for n, v in points if np.isfinite(v)]
    return (np.array([n for n, _ in points], float), np.array([v for _, v in points]))


def table(runs: pd.DataFrame) -> pd.DataFrame:
    out = []
    for (mode, n), group in runs.groupby(["protocol", "nodes"], sort=False):
        full = group["rounds_to_full"].astype(float)
        exact = exact_mean(mode, int(n))
        name, formula = FORMULAS[mode]
        out.append({
            "protocol": mode, "nodes": n, "runs": len(group),
            "rounds_to_full": full.mean(), "sd": full.std(ddof=1),
            "exact_chain": exact, "leading_terms": formula(n), "formula": name,
            "messages_per_node": group["messages_per_node"].mean(),
        })
    return pd.DataFrame(out)


def figure(runs: pd.DataFrame) -> Any:
    """Mean rounds to full coverage against n per protocol (95% CI bands), the exact chain's
    expectation (dotted, where known) and the leading-order formulas (thin dashed)."""
    from swarm.plot import integer_ticks, metric_vs_param

    ax = metric_vs_param(
        runs, "nodes", "rounds_to_full", hue="protocol", logx=True,
        theory=lambda x, mode: exact_curve(mode, int(x.min()), int(x.max())),
        theory_label="exact chain",
        reference=lambda x, mode: FORMULAS[mode][1](x), reference_label="leading terms",
        hue_label=lambda mode: f"{mode}, simulated", legend_outside=True)
    ax.get_figure().set_size_inches(8.6, 4.4)
    integer_ticks(ax, "y")
    ax.set_title("rounds to full coverage, complete graph, fanout 1", fontsize="medium")
    return ax.get_figure()


def main(argv: list[str] | None = None) -> int:
    parser = experiment_parser(__doc__, out="data/spreading_vs_theory.parquet",
                               quick="n up to 10^4, 5 seeds", root_seed=2026,
                               seeds="runs per size (default 40)", min_seeds=2)
    parser.add_argument("--exact", type=int, metavar="N",
                        help="print the exact chain's mean rounds for N nodes and stop")
    args = parser.parse_args(argv)
    if args.exact:
        for mode in MODES:
            print(f"{mode} {args.exact}: {theory.exact_rounds_to_full(args.exact, mode)[0]!r}")
        return 0
    sizes = [1000, 10_000] if args.quick else [1000, 10_000, 100_000, 1_000_000]
    seeds = args.seeds or (5 if args.quick else 40)
    runs = run(sizes, seeds, args.root_seed, args.out)
    print(table(runs).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    from swarm.plot import save_figure

    png = save_figure(figure(runs), args.out.with_suffix(".png"))
    print(f"figure: {png}", file=sys.stderr)
    print(f"\n{len(runs)} runs written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
