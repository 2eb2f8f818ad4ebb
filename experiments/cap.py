"""CAP in numbers: availability and consistency of the ``register`` protocol, ``ap`` against
``cp``, over the length of a partition (Brewer 2000; Gilbert & Lynch 2002).

Every run: ``n`` replicas on the complete graph, client operations at rate 1 per round (half
reads), push-pull anti-entropy every round in both modes; 5 rounds without a fault, then a
clean 60/40 split (``partition by=ids``) for ``L`` rounds, healed after round 5 + L; the
operations stop at the heal, so that the rounds the replicas take to agree again are
measured. ``L = 0``: no split at all.

Per run: ``availability_split`` (operations served / attempted during the split; the theory
beside it is ``theory.cp_availability`` = 0.6 for cp, 1 for ap), ``availability`` (whole
run), ``stale_reads`` (served reads that returned a version older than a write
acknowledged in an earlier round, per served read), ``divergence_max`` (largest fraction of
replicas not holding the most common value), ``lost_updates`` (acknowledged writes the final
value's history skipped without a concurrent write in it — one of their round, or one never
acknowledged and issued no later: docs/protocols.md; per acknowledged write:
last-writer-wins overwrote them unseen),
``reconverge_rounds`` (rounds after the heal until every replica holds the same value) and,
for ap, ``counter_behind`` (acknowledged increments the G-counter is missing at the end: 0).

    python experiments/cap.py            # n = 1000, L = 0, 5, 10, 20, 40, 20 seeds (~30 s)
    python experiments/cap.py --quick    # n = 200, L = 0, 5, 10, 2 seeds (seconds)

Writes one row per run to a Parquet file (default data/cap.parquet, data/quick/ with
--quick) with provenance metadata, a figure next to it (PNG),
and prints the means per mode and L.
"""

from __future__ import annotations

import dataclasses
import sys
from typing import Any

import pandas as pd

import swarm
from swarm import theory
from swarm.cli import experiment_parser
from swarm.faults.partition import PartitionParams
from swarm.rng import replicate_seeds
from swarm.store import versions, write_frame

WARMUP = 5  # rounds before the split
MAJORITY = 0.6  # share of the replicas on the larger side
RATE = 1.0
READ_FRACTION = 0.5
SETTLE = 200  # rounds allowed after the heal


def scenario(mode: str, n: int, length: int, seed: int) -> swarm.Scenario:
    heal = WARMUP + length
    s = swarm.Scenario.from_dict({
        "nodes": n, "protocol": "register", "seed": seed, "max_rounds": heal + SETTLE,
        "protocol.mode": mode, "protocol.rate": RATE,
        "protocol.read_fraction": READ_FRACTION, "protocol.ops_until": heal,
    })
    if length == 0:
        return s
    big = int(MAJORITY * n)
    split = PartitionParams(start=WARMUP + 1, end=heal, by="ids",
                            ids=f"0-{big - 1};{big}-{n - 1}")
    return dataclasses.replace(s, faults=(("split", split),))


def measure(mode: str, n: int, length: int, seed: int) -> dict:
    run = swarm.simulate(scenario(mode, n, length, seed))
    r, summary = run.rounds, run.summary
    heal = WARMUP + length
    during = r[(r["round"] > WARMUP) & (r["round"] <= heal)]
    ops_split = int(during["ops"].sum())
    agreed = r[(r["round"] >= heal) & (r["distinct_values"] <= 1)]["round"]
    acked = summary["writes_acked_total"]
    big = int(MAJORITY * n)
    return {
        "mode": mode, "nodes": n, "split_rounds": length, "seed": seed,
        "ops": summary["ops_total"], "ops_split": ops_split,
        "availability_split": (during["served"].sum() / ops_split if ops_split
                               else float("nan")),
        "availability_theory": (float("nan") if length == 0 else
                                1.0 if mode == "ap" else
                                theory.cp_availability([big, n - big], n)),
        "availability": summary["availability"],
        "stale_reads": summary["stale_read_fraction"],
        "divergence_max": summary["divergence_max"],
        "writes_acked": acked,
        "lost_updates": summary["lost_updates"] / acked if acked else 0.0,
        "reconverge_rounds": int(agreed.iloc[0] - heal) if len(agreed) else None,
        "counter_behind": summary["counter_behind_final"],
    }


COLUMNS = ["availability_split", "availability_theory", "availability", "stale_reads",
           "divergence_max", "lost_updates", "reconverge_rounds", "counter_behind"]


def table(rows: pd.DataFrame) -> pd.DataFrame:
    g = rows.groupby(["mode", "split_rounds"], sort=True)
    out = g[COLUMNS].mean(numeric_only=False)
    out.insert(0, "runs", g.size())
    return out.reset_index()


def figure(rows: pd.DataFrame) -> Any:
    from swarm.plot import THEORY, _pyplot, integer_ticks, legend, series_style

    plt = _pyplot()
    t = table(rows)
    panels = [("availability_split", "availability during the split",
               "operations served (fraction)"),
              ("stale_reads", "stale reads", "stale reads per served read"),
              ("lost_updates", "lost updates", "lost updates per acknowledged write"),
              ("reconverge_rounds", "agreement after the heal", "rounds to agree")]
    fig, axes = plt.subplots(1, 4, figsize=(15, 3.9))
    modes = {"ap": "ap (available)", "cp": "cp (majority quorum)"}
    for ax, (col, title, ylabel) in zip(axes, panels, strict=True):
        for i, (mode, g) in enumerate(t.groupby("mode")):
            ax.plot(g["split_rounds"], g[col].astype(float), label=modes[mode],
                    **series_style(i))
            if col == "availability_split":
                ax.plot(g["split_rounds"], g["availability_theory"], label=f"theory ({mode})",
                        color=series_style(i)["color"], **THEORY)
        ax.set_title(title, fontsize="medium")
        ax.set_xlabel("partition length (rounds)")
        ax.set_ylabel(ylabel)
        integer_ticks(ax, "both" if col == "reconverge_rounds" else "x")
        ax.grid(True, alpha=0.3)
    legend(axes[0])
    n = int(rows["nodes"].iloc[0])
    fig.suptitle(f"register, n = {n}, 60/40 split: ap stays available and diverges, "
                 "cp refuses the minority and stays consistent", fontsize="medium")
    return fig


def main(argv: list[str] | None = None) -> int:
    parser = experiment_parser(__doc__, out="data/cap.parquet",
                               quick="n = 200, L <= 10, 2 seeds", root_seed=2026,
                               seeds="runs per setting")
    args = parser.parse_args(argv)
    n = 200 if args.quick else 1000
    lengths = [0, 5, 10] if args.quick else [0, 5, 10, 20, 40]
    seeds = args.seeds or (2 if args.quick else 20)
    rows = []
    for mode in ("ap", "cp"):
        for length in lengths:
            for seed in replicate_seeds(args.root_seed, seeds):
                rows.append(measure(mode, n, length, seed))
            print(f"{mode}, split {length} rounds: {seeds} runs", file=sys.stderr)
    frame = pd.DataFrame(rows)
    frame["reconverge_rounds"] = frame["reconverge_rounds"].astype("Float64")
    frame["counter_behind"] = frame["counter_behind"].astype("Float64")
    write_frame(args.out, frame, {"experiment": "cap", "root_seed": args.root_seed,
                                  "versions": versions()})
    with pd.option_context("display.width", 200):
        print(table(frame).to_string(index=False, float_format=lambda v: f"{v:.3g}",
                                     na_rep="-"))
    from swarm.plot import save_figure

    png = save_figure(figure(frame), args.out.with_suffix(".png"))
    print(f"figure: {png}", file=sys.stderr)
    print(f"\n{len(frame)} rows written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
