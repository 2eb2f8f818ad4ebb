"""False rumours against defences: how many honest nodes accept a forged update, as the
fraction of Byzantine nodes grows, under each defence of the dissemination protocols
(Malkhi, Mansour & Reiter 2001, "Diffusion without false rumors").

Push-pull on the complete graph, the true update at node 0 (an honest origin, as in Malkhi et
al.); Byzantine nodes drawn uniformly among the others from round 1, forging (the forged value
to everyone) or equivocating (forged to odd-numbered peers, true to even-numbered ones). For
every behaviour, defence and fraction, K seeds: the final false acceptance (fraction of honest
nodes holding the forged value), coverage (honest nodes holding the true one), rounds to
contain (the last round in which an honest node accepted the forged value), rounds run,
messages and signature verifications per node, and the extra messages per node against no
defence at the same fraction. Fractions 0, 0.5, 1, 2, 5, 10, 20 % and 1, 2, 3 or 10 liars
(quorum q protects only against fewer than q colluding liars: an absolute count, not a
fraction). Defences: none; signatures;
quorum q = 2, 3; reputation (2 strikes); quorum 2 + reputation; signatures + reputation
(1 strike).

    python experiments/byzantine.py            # n = 10^4, 5 seeds (~1 minute)
    python experiments/byzantine.py --quick    # n = 10^3, 2 seeds (seconds)

Writes one row per run to data/byzantine.parquet (data/quick/ with --quick) with provenance
metadata, a figure (false
acceptance vs the number of liars, one line per defence, a panel per behaviour) next to it,
and prints the tables.
"""

from __future__ import annotations

import dataclasses
import sys
from typing import Any

import numpy as np
import pandas as pd

import swarm
from swarm.cli import experiment_parser
from swarm.faults.byzantine import ByzantineParams
from swarm.rng import Streams, replicate_seeds
from swarm.store import versions, write_frame

FRACTIONS = (0.0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2)
#: also 1, 2, 3 and 10 liars (fractions k/n): a quorum of q holds against fewer than q
LIAR_COUNTS = (1, 2, 3, 10)
BEHAVIOURS = ("forge", "equivocate")
DEFENCES = {
    "none": {},
    "signatures": {"protocol.signatures": True},
    "quorum 2": {"protocol.quorum": 2},
    "quorum 3": {"protocol.quorum": 3},
    "reputation": {"protocol.reputation": True},
    "quorum 2 + reputation": {"protocol.quorum": 2, "protocol.reputation": True},
    "signatures + reputation": {"protocol.signatures": True, "protocol.reputation": True,
                                "protocol.reputation_strikes": 1},
}
MAX_ROUNDS = 100


def liars(n: int, fraction: float, seed: int) -> str:
    """``round(fraction * n)`` node ids drawn among 1..n-1 (never the origin, node 0) from
    the run seed's ``experiment.byzantine`` stream, as an ``ids`` list."""
    k = int(round(fraction * n))
    ids = Streams(seed)["experiment.byzantine"].choice(np.arange(1, n), size=k, replace=False)
    return ",".join(map(str, np.sort(ids)))


def run_one(n: int, behaviour: str, defence: str, fraction: float, seed: int) -> dict:
    s = swarm.Scenario.from_dict({"nodes": n, "protocol": "push-pull", "protocol.origin": 0,
                                  "seed": seed, "max_rounds": MAX_ROUNDS, **DEFENCES[defence]})
    if fraction > 0:
        s = dataclasses.replace(s, faults=(ByzantineParams(
            select="ids", ids=liars(n, fraction, seed), behaviour=behaviour),))
    summary = swarm.simulate(s).summary
    return {"nodes": n, "behaviour": behaviour, "defence": defence, "fraction": fraction,
            "seed": seed,
            "false_acceptance": summary.get("false_acceptance_final", 0.0),
            "coverage": summary["coverage_final"],
            "rounds_to_contain": summary.get("rounds_to_contain", 0),
            "rounds": summary["rounds"], "messages_per_node": summary["messages_per_node"],
            "verifications_per_node": summary.get("verifications_per_node", 0.0),
            "ignored_per_node": summary.get("ignored_total", 0) / n}


def tables(runs: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per behaviour, means over seeds, defences x fractions: one wide table per measure;
    ``extra messages`` is messages per node minus the undefended run's at the same
    fraction."""
    mean = runs.groupby(["behaviour", "defence", "fraction"], sort=False).mean(
        numeric_only=True).reset_index()
    none = mean[mean["defence"] == "none"].set_index(["behaviour", "fraction"])
    mean["extra_messages_per_node"] = mean["messages_per_node"].to_numpy() - none.loc[
        list(zip(mean["behaviour"], mean["fraction"], strict=True)),
        "messages_per_node"].to_numpy()
    out = {}
    for measure in ("false_acceptance", "coverage", "rounds_to_contain",
                    "extra_messages_per_node", "verifications_per_node"):
        for behaviour in runs["behaviour"].unique():
            part = mean[mean["behaviour"] == behaviour]
            wide = part.pivot(index="defence", columns="fraction", values=measure)
            out[f"{measure}, {behaviour}"] = wide.loc[list(dict.fromkeys(part["defence"]))]
    return out


#: horizontal offset of each defence's points (a factor on the liar count, symlog axis):
#: defences whose values coincide (none and reputation at few liars) stay side by side
DODGE = 0.04


def figure(runs: pd.DataFrame) -> Any:
    """False acceptance vs the number of liars (symmetric-log axis: 0, 1, 2 liars and the
    percentages all show), one panel per behaviour, one line per defence (the shared series
    styles, and each defence's points dodged sideways: defences that coincide stay
    visible)."""
    from swarm.plot import _pyplot, legend, series_style

    n = int(runs["nodes"].iloc[0])
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(BEHAVIOURS), figsize=(12, 4.6), sharey=True)
    middle = (len(DEFENCES) - 1) / 2
    for ax, behaviour in zip(axes, BEHAVIOURS, strict=True):
        part = runs[runs["behaviour"] == behaviour]
        for i, defence in enumerate(DEFENCES):
            mean = (part[part["defence"] == defence].groupby("fraction")["false_acceptance"]
                    .mean())
            liars = mean.index.to_numpy() * n
            x = np.where(liars > 0, liars * (1 + DODGE) ** (i - middle), (i - middle) * 0.05)
            ax.plot(x, mean.to_numpy(), label=defence, alpha=0.9, **series_style(i))
        ax.set_xscale("symlog", linthresh=1)
        ax.set_xlabel(f"Byzantine nodes (of n = {n})")
        ax.set_title(f"{behaviour}", fontsize="medium")
        ax.grid(True, alpha=0.3)
    axes[0].set_ylabel("honest nodes accepting the forged update (fraction)")
    legend(axes[-1], fontsize="x-small")
    fig.suptitle(f"push-pull, n = {n}, complete graph: false acceptance per defence",
                 fontsize="medium")
    return fig


def main(argv: list[str] | None = None) -> int:
    parser = experiment_parser(__doc__, out="data/byzantine.parquet",
                               quick="n = 10^3, 2 seeds", root_seed=2026)
    args = parser.parse_args(argv)
    n, k = (1000, 2) if args.quick else (10_000, 5)
    rows = []
    fractions = sorted({*FRACTIONS, *(c / n for c in LIAR_COUNTS)})
    for behaviour in BEHAVIOURS:
        for defence in DEFENCES:
            for fraction in fractions:
                for seed in replicate_seeds(args.root_seed, k):
                    rows.append(run_one(n, behaviour, defence, fraction, seed))
            print(f"{behaviour}, {defence}: done", file=sys.stderr)
    runs = pd.DataFrame(rows)
    write_frame(args.out, runs, {"experiment": "byzantine", "nodes": n,
                                 "root_seed": args.root_seed, "versions": versions()})
    print(f"push-pull, n = {n}, complete graph, {k} seeds per cell, columns: Byzantine "
          "fraction")
    for title, wide in tables(runs).items():
        print(f"\n{title}")
        print(wide.to_string(float_format=lambda v: f"{v:.3g}"))
    from swarm.plot import save_figure

    png = save_figure(figure(runs), args.out.with_suffix(".png"))
    print(f"\n{len(runs)} runs written to {args.out}, figure {png}", file=sys.stderr)
    assert runs["false_acceptance"].between(0, 1).all()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
