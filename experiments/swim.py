"""SWIM under message loss: detection time and false suspicions against loss and k, beside
theory.

SWIM (memberlist's LAN profile, k indirect probes) on the complete graph with the ``loss``
fault at several rates; 1% of the nodes crash at round 20. For every (loss, k), K seeds:
periods to the first detection of each crash (theory: ``swim_first_detection``, which loss
does not change as long as views are accurate: a crashed target never answers), periods until
every live node holds it dead, the fraction of probes of live members that end in a
suspicion (theory: ``swim_false_suspicion_probability``), live members declared dead per node
per period (false positives: flapping), and messages per member per period.

Then, at k = 3, what keeps suspicions from turning into false deaths: the paper's SWIM
(updates only piggybacked) against memberlist's extra gossip (15 messages per period, its LAN
rate), Lifeguard, and both.

    python experiments/swim.py            # n = 1000, 8 seeds (a few minutes)
    python experiments/swim.py --quick    # n = 200, 2 seeds (seconds)

Writes one row per run to data/swim.parquet (data/quick/ with --quick) with provenance
metadata, a figure beside it, and prints the table.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pandas as pd

import swarm
from swarm import theory
from swarm.cli import experiment_parser
from swarm.rng import replicate_seeds
from swarm.store import versions, write_frame

LOSSES = (0.0, 0.05, 0.1, 0.2, 0.3)
KS = (0, 1, 3)
CRASH_ROUND = 20
#: at k = 3: the paper's SWIM and what memberlist adds ("swim" rows come from the k grid)
VARIANTS = {
    "swim": {},
    "+gossip": {"protocol.gossip_nodes": 15},
    "+lifeguard": {"protocol.lifeguard": True},
    "+both": {"protocol.gossip_nodes": 15, "protocol.lifeguard": True},
}


def main(argv: list[str] | None = None) -> int:
    parser = experiment_parser(__doc__, out="data/swim.parquet",
                               quick="n = 200, 2 seeds", root_seed=2026)
    args = parser.parse_args(argv)
    n, seeds, rounds = (200, 2, 60) if args.quick else (1000, 8, 100)
    rows = []
    cases = [(k, "swim") for k in KS] + [(3, v) for v in VARIANTS if v != "swim"]
    for k, variant in cases:
        for loss in LOSSES:
            base = swarm.Scenario.from_dict({
                "nodes": n, "protocol": "swim", "protocol.indirect_checks": k,
                "max_rounds": rounds, "faults.loss.rate": loss,
                "faults.crash.start": CRASH_ROUND, "faults.crash.fraction": 0.01,
                **VARIANTS[variant],
            })
            for seed in replicate_seeds(args.root_seed, seeds):
                run = swarm.simulate(base.replace({"seed": seed}))
                rows.append({"nodes": n, "variant": variant, "k": k, "loss": loss, "seed": seed,
                             **run.summary})
            print(f"{variant} k={k} loss={loss} done", file=sys.stderr)
    runs = pd.DataFrame(rows)
    runs["false_suspicion_theory"] = [
        float(theory.swim_false_suspicion_probability(p, k))
        for p, k in zip(runs["loss"], runs["k"], strict=True)]
    runs["first_detection_theory"] = theory.swim_first_detection(n)[0]
    write_frame(args.out, runs, {"experiment": "swim", "nodes": n,
                                 "root_seed": args.root_seed, "versions": versions()})
    table = (runs[runs["variant"] == "swim"].groupby(["k", "loss"], sort=False)
             .agg(runs=("seed", "size"),
                  first_detection=("first_detection_periods", "mean"),
                  first_detection_theory=("first_detection_theory", "first"),
                  all_know=("all_know_periods", "mean"),
                  false_suspicion=("false_suspicion_per_probe", "mean"),
                  false_suspicion_theory=("false_suspicion_theory", "first"),
                  false_positive_rate=("false_positive_rate", "mean"),
                  messages=("messages_per_member_period", "mean"))
             .reset_index())
    print(f"n = {n}, {seeds} seeds per row, complete graph, LAN profile, 1% crash at round "
          f"{CRASH_ROUND}")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    flapping = (runs[runs["k"] == 3].groupby(["variant", "loss"], sort=False)
                .agg(false_positive_rate=("false_positive_rate", "mean"),
                     all_know=("all_know_periods", "mean"),
                     agreement_final=("agreement_final", "mean"),
                     messages=("messages_per_member_period", "mean"))
                .reset_index())
    print("\nk = 3: live members declared dead per node per period (false positives)")
    print(flapping.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    from swarm.plot import save_figure

    png = save_figure(figure(runs), args.out.with_suffix(".png"))
    print(f"\n{len(runs)} runs written to {args.out}, figure {png}", file=sys.stderr)
    assert np.isfinite(table["messages"]).all()
    return 0


def figure(runs: pd.DataFrame) -> Any:
    """Three panels against loss: false suspicions per probe and periods to first detection
    per k (beside theory), and false positives at k = 3 per variant."""
    from swarm.plot import THEORY, _pyplot, legend, metric_vs_param

    n = int(runs["nodes"].iloc[0])
    fig, (left, middle, right) = _pyplot().subplots(1, 3, figsize=(17, 4.6))
    paper = runs[runs["variant"] == "swim"]
    probes = {0: "k = 0 (no indirect probes)", 1: "k = 1 indirect probe",
              3: "k = 3 indirect probes"}
    metric_vs_param(paper, "loss", "false_suspicion_per_probe", hue="k", ax=left,
                    hue_label=lambda k: probes.get(int(k), f"k = {k}"),
                    ylabel="probes of live members ending in suspicion",
                    theory=lambda p, k: theory.swim_false_suspicion_probability(p, int(k)),
                    theory_label="theory")
    left.set_yscale("symlog", linthresh=1e-4)
    left.set_title("false suspicions per probe", fontsize="medium")
    metric_vs_param(paper, "loss", "first_detection_periods", hue="k", ax=middle,
                    hue_label=lambda k: probes.get(int(k), f"k = {k}"),
                    ylabel="protocol periods to first detection")
    middle.axhline(theory.swim_first_detection(n)[0], color="grey",
                   label="theory, every k (views accurate)", **THEORY)
    legend(middle)
    middle.set_title(f"SWIM, n = {n}: first detection of a crash", fontsize="medium")
    metric_vs_param(runs[runs["k"] == 3], "loss", "false_positive_rate", hue="variant", ax=right,
                    hue_label={"swim": "SWIM (piggyback only)", "+gossip": "+ gossip (15/period)",
                               "+lifeguard": "+ Lifeguard", "+both": "+ gossip + Lifeguard"},
                    ylabel="live members declared dead (per node per period)")
    right.set_yscale("symlog", linthresh=1e-4)
    right.set_title("k = 3: false positives", fontsize="medium")
    return fig


if __name__ == "__main__":
    raise SystemExit(main())
