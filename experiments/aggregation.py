"""Aggregation convergence beside theory: push-pull averaging and push-sum, with and without
loss; majority dynamics' consensus time against n; and both under Byzantine nodes.

1. **Convergence** (complete graph, values uniform in 1..100, 25 rounds, K seeds): per round
   the variance of the averaging values over its initial value, against Jelasity et al.'s
   ``E[2^-phi]^t`` (``theory.averaging_variance_factor``, with ``p_exchange = (1 - loss)^2``
   under loss), and push-sum's potential against ``theory.push_sum_potential_factor^t``
   (Kempe et al.); the max relative error of both. Loss rates 0, 0.1, 0.3.
2. **Consensus** (complete graph, defaults): mean rounds to consensus against n for
   majority (own opinion + 2 sampled, the 3-majority map), beside the mean-field
   ``theory.majority_consensus_rounds`` shifted to the smallest n (the constant offset is
   not predicted, the growth is: ln n / (2 ln 3/2) + O(log log n)); and for the lazy voter
   model (n to 10^3), beside its diffusion time ``theory.voter_consensus_rounds`` (linear).
3. **Byzantine aggregation** (complete graph, same n, 25 rounds, K seeds): a fraction
   0, 1, 5, 10 % of the nodes forge (report ``byzantine_value`` = 1000 against honest values
   1..100), equivocate (1000 or its mirror -899 by a coin) or censor, from round 1; per
   protocol, behaviour and fraction, the honest nodes' ``bias`` ((mean estimate - honest
   target) / honest target), ``max_rel_error`` and ``disagreement`` after round 25, and
   push-sum's honest ``mass``.
4. **Zealots** (majority, complete graph, n = 10^4, honest nodes 35 % for opinion 1): a
   fraction 0, 1, 5, 10, 20, 30 % of zealots for opinion 1 (``forge``); per fraction, the
   share of runs in which the honest nodes reached consensus, in which they agreed on the
   zealots' opinion (flipped), the mean consensus round, and the final honest fraction of 1.

    python experiments/aggregation.py            # n = 10^5 convergence, n to 10^5 (~2 min)
    python experiments/aggregation.py --quick    # n = 10^4 / to 10^4, few seeds (seconds)

Writes the per-round rows of part 1 and the per-run rows of parts 2-4 to one Parquet file
(``part`` column: "convergence" / "consensus" / "byzantine" / "zealots") with provenance
metadata (default data/aggregation.parquet, data/quick/ with --quick), a three-panel figure
next to it (PNG), and prints four tables: per protocol and
loss, the measured factor per round (geometric mean over rounds 1..10) beside theory; per
protocol and n, the mean consensus time beside theory; the Byzantine aggregation table; the
zealot table.
"""

from __future__ import annotations

import dataclasses
import sys
from typing import Any

import numpy as np
import pandas as pd

import swarm
from swarm import theory
from swarm.cli import experiment_parser
from swarm.faults.byzantine import ByzantineParams
from swarm.faults.loss import LossParams
from swarm.rng import replicate_seeds
from swarm.store import versions, write_frame

LOSSES = (0.0, 0.1, 0.3)
ROUNDS = 25
FIT_ROUNDS = 10  # rounds whose factors are averaged in the table (well above rounding)
#: the column each protocol's convergence is read from, and its theory per round
MEASURE = {"averaging": "variance", "push-sum": "potential"}
BYZANTINE_FRACTIONS = (0.0, 0.01, 0.05, 0.1)
BEHAVIOURS = ("forge", "equivocate", "censor")
ZEALOT_FRACTIONS = (0.0, 0.01, 0.05, 0.1, 0.2, 0.3)
#: the honest nodes' initial share of the zealots' opinion (they start as a minority)
HONEST_FRACTION_ONE = 0.35


def predicted_factor(protocol: str, n: int, loss: float) -> float:
    if protocol == "averaging":
        return theory.averaging_variance_factor(n, (1.0 - loss) ** 2)
    return theory.push_sum_potential_factor(n) if loss == 0 else float("nan")


def convergence(n: int, seeds: int, root: int) -> pd.DataFrame:
    frames = []
    for protocol in MEASURE:
        for loss in LOSSES:
            for seed in replicate_seeds(root, seeds):
                s = swarm.Scenario(nodes=n, protocol=protocol, seed=seed, max_rounds=ROUNDS,
                                   faults=[LossParams(rate=loss)] if loss else [])
                r = swarm.simulate(s).rounds
                col = r[MEASURE[protocol]].to_numpy()
                frames.append(pd.DataFrame({
                    "part": "convergence", "protocol": protocol, "nodes": n, "loss": loss,
                    "seed": seed, "round": r["round"], "measure": col / col[0],
                    "max_rel_error": r["max_rel_error"],
                }))
            print(f"{protocol}, loss {loss}: {seeds} runs", file=sys.stderr)
    return pd.concat(frames, ignore_index=True)


def consensus(protocol: str, sizes: list[int], seeds: int, root: int) -> pd.DataFrame:
    rows = []
    for n in sizes:
        for seed in replicate_seeds(root + 1, seeds):
            run = swarm.simulate(swarm.Scenario(nodes=n, protocol=protocol, seed=seed,
                                                max_rounds=100 * n))
            rows.append({"part": "consensus", "protocol": protocol, "nodes": n, "seed": seed,
                         "consensus_round": run.summary["consensus_round"],
                         "winner": run.summary["winner"]})
        print(f"{protocol} n={n}: {seeds} runs", file=sys.stderr)
    return pd.DataFrame(rows)


def byzantine(n: int, seeds: int, root: int) -> pd.DataFrame:
    """Part 3: one row per run, the honest metrics after round ``ROUNDS``."""
    rows = []
    for protocol in MEASURE:
        for behaviour in BEHAVIOURS:
            for fraction in BYZANTINE_FRACTIONS:
                for seed in replicate_seeds(root + 2, seeds):
                    s = swarm.Scenario(
                        nodes=n, protocol=protocol, seed=seed, max_rounds=ROUNDS,
                        faults=[ByzantineParams(fraction=fraction, behaviour=behaviour,
                                                start=1)])
                    last = swarm.simulate(s).rounds.iloc[-1]
                    rows.append({"part": "byzantine", "protocol": protocol, "nodes": n,
                                 "behaviour": behaviour, "fraction": fraction, "seed": seed,
                                 "round": int(last["round"]), "bias": last["bias"],
                                 "max_rel_error": last["max_rel_error"],
                                 "disagreement": last["disagreement"],
                                 "mass": last.get("mass", np.nan)})
            print(f"{protocol}, {behaviour}: {len(BYZANTINE_FRACTIONS) * seeds} runs",
                  file=sys.stderr)
    return pd.DataFrame(rows)


def zealots(n: int, seeds: int, root: int, max_rounds: int) -> pd.DataFrame:
    """Part 4: majority dynamics with zealots for opinion 1, one row per run."""
    rows = []
    for fraction in ZEALOT_FRACTIONS:
        for seed in replicate_seeds(root + 3, seeds):
            s = swarm.Scenario.from_dict({
                "nodes": n, "protocol": "majority", "seed": seed, "max_rounds": max_rounds,
                "protocol.initial_fraction": HONEST_FRACTION_ONE,
                "protocol.byzantine_opinion": 1})
            run = swarm.simulate(dataclasses.replace(
                s, faults=[ByzantineParams(fraction=fraction, behaviour="forge", start=1)]))
            rows.append({"part": "zealots", "protocol": "majority", "nodes": n,
                         "behaviour": "forge", "fraction": fraction, "seed": seed,
                         "consensus_round": run.summary["consensus_round"],
                         "winner": run.summary["winner"],
                         "fraction_one_final": run.summary["fraction_one_final"]})
        print(f"majority, zealots {fraction}: {seeds} runs", file=sys.stderr)
    out = pd.DataFrame(rows)
    out["consensus_round"] = pd.to_numeric(out["consensus_round"])  # None -> NaN
    return out


def byzantine_table(byz: pd.DataFrame) -> pd.DataFrame:
    """Per protocol, behaviour and fraction: means over seeds after the last round."""
    cols = ["bias", "max_rel_error", "disagreement", "mass"]
    t = byz.groupby(["protocol", "behaviour", "fraction"], sort=False)[cols].mean()
    t.insert(0, "runs", byz.groupby(["protocol", "behaviour", "fraction"], sort=False).size())
    t = t.reset_index()
    t.loc[t["protocol"] != "push-sum", "mass"] = np.nan
    return t.rename(columns={c: f"{c}_r{ROUNDS}" for c in cols})


def zealot_table(zeal: pd.DataFrame) -> pd.DataFrame:
    """Per zealot fraction: runs, share reaching honest consensus, share flipped to the
    zealots' opinion, mean consensus round (of the runs that reached it), final honest
    fraction of the zealots' opinion."""
    g = zeal.groupby("fraction")
    return pd.DataFrame({
        "runs": g.size(),
        "consensus": g["consensus_round"].apply(lambda c: c.notna().mean()),
        "flipped": g["winner"].apply(lambda w: (w == 1).mean()),
        "consensus_round": g["consensus_round"].mean(),
        "fraction_one_final": g["fraction_one_final"].mean(),
    }).reset_index()


def factor_table(conv: pd.DataFrame) -> pd.DataFrame:
    out = []
    for (protocol, n, loss), g in conv.groupby(["protocol", "nodes", "loss"], sort=False):
        wide = g.pivot(index="seed", columns="round", values="measure").to_numpy()
        ratios = wide[:, 1:FIT_ROUNDS + 1] / wide[:, :FIT_ROUNDS]
        last = g[g["round"] == g["round"].max()]["max_rel_error"]
        out.append({"protocol": protocol, "nodes": n, "loss": loss,
                    "measure": MEASURE[protocol], "factor": float(np.exp(np.log(ratios).mean())),
                    "round1": float(ratios[:, 0].mean()),
                    "theory": predicted_factor(protocol, n, loss),
                    f"error_r{ROUNDS}": float(last.mean())})
    return pd.DataFrame(out)


def consensus_table(cons: pd.DataFrame) -> pd.DataFrame:
    """Per protocol and n: mean consensus time; ``theory`` is majority's mean-field time
    shifted to agree at the smallest n (its offset is not predicted, its growth is) and the
    voter's diffusion time (absolute)."""
    out = []
    for protocol, g in cons.groupby("protocol", sort=False):
        t = g.groupby("nodes")["consensus_round"].agg(["count", "mean", "std"]).reset_index()
        t.insert(0, "protocol", protocol)
        n = t["nodes"].to_numpy()
        if protocol == "majority":
            mf = theory.majority_consensus_rounds(n, 2)
            t["theory"] = mf - mf[0] + t["mean"].iloc[0]
        else:
            t["theory"] = theory.voter_consensus_rounds(n)
        t["winner_1"] = g.groupby("nodes")["winner"].mean().to_numpy()
        out.append(t)
    return pd.concat(out, ignore_index=True)


def figure(rows: pd.DataFrame) -> Any:
    """Three panels: convergence per round beside theory; consensus time against n beside
    theory; honest error against the Byzantine fraction. ``rows``: the experiment's frame."""
    from swarm.plot import THEORY, _pyplot, integer_ticks, legend, series_style

    conv, cons, byz = (rows[rows["part"] == p] for p in ("convergence", "consensus",
                                                         "byzantine"))
    plt = _pyplot()
    fig, (left, right, third) = plt.subplots(1, 3, figsize=(17, 4.6))
    t = np.arange(ROUNDS + 1)
    for i, ((protocol, loss), g) in enumerate(conv.groupby(["protocol", "loss"], sort=False)):
        mean = g.groupby("round")["measure"].mean()
        style = series_style(i)
        style["markevery"] = 3
        label = f"{protocol} ({MEASURE[protocol]}), loss {loss:g}"
        left.semilogy(mean.index, mean.to_numpy(), label=label, **style)
        f = predicted_factor(protocol, int(g["nodes"].iloc[0]), loss)
        if np.isfinite(f):
            left.semilogy(t, f ** t, color=style["color"], **THEORY)
    left.plot([], [], color="grey", label="theory (same colour)", **THEORY)
    left.set_ylim(1e-16, 2)
    left.set_xlabel("round")
    left.set_ylabel("variance or potential, relative to round 0")
    integer_ticks(left, "x")
    left.grid(True, alpha=0.3)
    legend(left, fontsize="x-small")
    labels = {"majority": ("majority (own + 2)", "mean field, shifted to the smallest n"),
              "voter": ("lazy voter", "diffusion (2n / c) ln 2, c = 3/4")}
    for i, (protocol, ct) in enumerate(consensus_table(cons).groupby("protocol", sort=False)):
        data, model = labels[protocol]
        style = series_style(i)
        right.errorbar(ct["nodes"], ct["mean"], label=f"{data}, mean, 95% CI",
                       yerr=2 * ct["std"] / np.sqrt(ct["count"]), capsize=3, **style)
        right.plot(ct["nodes"], ct["theory"], color=style["color"], label=model, **THEORY)
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xlabel("nodes, n")
    right.set_ylabel("rounds to consensus")
    right.grid(True, alpha=0.3)
    legend(right)
    left.set_title("aggregation, complete graph", fontsize="medium")
    right.set_title("consensus time: majority ~ log n, voter ~ n", fontsize="medium")
    combos = [(b, p) for b in BEHAVIOURS for p in MEASURE]
    for i, (behaviour, protocol) in enumerate(combos):
        g = byz[(byz["protocol"] == protocol) & (byz["behaviour"] == behaviour)]
        mean = g.groupby("fraction")["max_rel_error"].mean()
        third.semilogy(100 * mean.index.to_numpy(), mean.to_numpy(),
                       label=f"{protocol}, {behaviour}", **series_style(i))
    third.set_xlabel("Byzantine nodes (% of n)")
    third.set_ylabel(f"honest max relative error after round {ROUNDS}")
    third.grid(True, alpha=0.3)
    legend(third, fontsize="x-small")
    third.set_title("aggregation under Byzantine nodes, complete graph", fontsize="medium")
    return fig


def main(argv: list[str] | None = None) -> int:
    parser = experiment_parser(__doc__, out="data/aggregation.parquet",
                               quick="n = 10^4, few seeds", root_seed=2026,
                               seeds="runs per setting")
    args = parser.parse_args(argv)
    n = 10_000 if args.quick else 100_000
    sizes = [100, 1000, 10_000] if args.quick else [100, 1000, 10_000, 100_000]
    voter_sizes = [30, 100, 300] if args.quick else [30, 100, 300, 1000]
    seeds = args.seeds or (3 if args.quick else 10)
    cons_seeds = 4 * seeds
    conv = convergence(n, seeds, args.root_seed)
    cons = pd.concat([consensus("majority", sizes, cons_seeds, args.root_seed),
                      consensus("voter", voter_sizes, cons_seeds, args.root_seed)],
                     ignore_index=True)
    byz = byzantine(n, seeds, args.root_seed)
    zeal = zealots(1000 if args.quick else 10_000, cons_seeds, args.root_seed,
                   200 if args.quick else 500)
    write_frame(args.out, pd.concat([conv, cons, byz, zeal], ignore_index=True),
                {"experiment": "aggregation", "root_seed": args.root_seed,
                 "versions": versions()})
    table = factor_table(conv)
    fmt = {"float_format": lambda v: f"{v:.4g}"}
    print(table.to_string(index=False, **fmt))
    print()
    print(consensus_table(cons).to_string(index=False, **fmt))
    print()
    print(byzantine_table(byz).to_string(index=False, **fmt))
    print()
    print(zealot_table(zeal).to_string(index=False, **fmt))
    from swarm.plot import save_figure

    png = save_figure(figure(pd.concat([conv, cons, byz], ignore_index=True)),
                      args.out.with_suffix(".png"))
    print(f"figure: {png}", file=sys.stderr)
    rows = len(conv) + len(cons) + len(byz) + len(zeal)
    print(f"\n{rows} rows written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
