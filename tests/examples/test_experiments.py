"""Every experiment runs in quick mode and writes a Parquet file that reads back, and its
figure, rebuilt from that file, has the shared form: labels in words, distinct series
styles, integer ticks on integer axes, the exact theory where there is one. (A plot is never
a test of the numbers; these check the figure's form.)"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[2]


def assert_png(path: Path) -> None:
    """The experiment wrote its figure: a PNG file of some size."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5_000


def experiment(script: str):
    """The experiment's module, imported from experiments/ (not run)."""
    path = ROOT / "experiments" / script
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_figure(script: str, runs: pd.DataFrame, integer_x: tuple[int, ...] = ()) -> list:
    """Rebuild the experiment's figure from its rows and check its form; returns its Axes.
    ``integer_x``: the panels whose x axis counts something (integer ticks only)."""
    import matplotlib.pyplot as plt

    fig = experiment(script).figure(runs)
    fig.canvas.draw()
    axes = [ax for ax in fig.axes if ax.get_lines()]
    assert axes
    for i, ax in enumerate(axes):
        for text in (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()):
            assert "_" not in text, f"a column name, not words: {text!r}"
        assert ax.get_xlabel() and (ax.get_ylabel() or i > 0)  # shared y: the first has it
        data = [line for line in ax.get_lines()
                if line.get_marker() not in (None, "None", "") and len(line.get_xdata())
                and line.get_linestyle() not in ("None", "")]  # not error-bar caps
        pairs = [(line.get_color(), str(line.get_linestyle())) for line in data]
        assert len(set(pairs)) == len(pairs), f"two series look alike: {pairs}"
        if i in integer_x:
            lo, hi = ax.get_xlim()
            ticks = [t for t in ax.get_xticks() if lo <= t <= hi]
            assert ticks and all(float(t).is_integer() for t in ticks), ticks
    plt.close(fig)
    return axes


def run_quick(script: str, tmp_path: Path) -> tuple[subprocess.CompletedProcess, pd.DataFrame,
                                                     Path]:
    """Run an experiment in quick mode as a user would; it must succeed and write its
    Parquet file (read back here) and its PNG figure."""
    out = tmp_path / (Path(script).stem + ".parquet")
    done = subprocess.run(
        [sys.executable, str(ROOT / "experiments" / script), "--quick", "--out", str(out)],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert_png(out.with_suffix(".png"))
    return done, pd.read_parquet(out), out


def test_spreading_vs_theory_quick(tmp_path):
    done, runs, out = run_quick("spreading_vs_theory.py", tmp_path)
    assert len(runs) == 3 * 2 * 5
    assert set(runs["protocol"]) == {"push", "pull", "push-pull"}
    assert runs["coverage_final"].eq(1.0).all()
    assert b"swarm" in pq.read_schema(out).metadata
    lines = done.stdout.splitlines()
    assert lines[0].split()[:4] == ["protocol", "nodes", "runs", "rounds_to_full"]
    # push-pull is the fastest of the three at every size (Karp et al.: log3 n vs log2 n)
    means = runs.groupby(["nodes", "protocol"])["rounds_to_full"].mean().unstack()
    assert (means["push-pull"] < means["pull"]).all() and (means["pull"] < means["push"]).all()
    (ax,) = check_figure("spreading_vs_theory.py", runs)
    from swarm import theory

    lines = {line.get_label(): line for line in ax.get_lines()}
    for mode in ("push", "pull", "push-pull"):
        # the theory line is the exact chain's expectation, not the leading terms
        exact = lines[f"exact chain ({mode})"]
        x, y = exact.get_xdata(), exact.get_ydata()
        assert x[0] == 1000 and x[-1] == 10_000
        assert y[0] == theory.exact_rounds_to_full(1000, mode)[0]
        assert f"leading terms ({mode})" in lines
    ticks = [t for t in ax.get_yticks() if ax.get_ylim()[0] <= t <= ax.get_ylim()[1]]
    assert all(float(t).is_integer() for t in ticks)  # rounds: integer ticks


def test_exact_table_is_the_chain():
    """The tabulated exact means (sizes too slow to compute on the spot) are the chain's: the
    smallest tabulated size of each protocol, recomputed (~1 s)."""
    from swarm import theory

    table = experiment("spreading_vs_theory.py").EXACT_TABLE
    for mode, values in table.items():
        n = min(values)
        assert values[n] == theory.exact_rounds_to_full(n, mode)[0]


def test_acks_under_loss_quick(tmp_path):
    done, runs, out = run_quick("acks_under_loss.py", tmp_path)
    assert len(runs) == 2 * 4 * 2 * 4
    mean = runs.groupby(["protocol", "loss", "ack"])["messages_per_node"].mean()
    # acks always cost messages (one ACK per push, plus resends under loss)
    for mode in ("push", "push-pull"):
        for loss in (0.0, 0.1, 0.3, 0.5):
            assert mean[(mode, loss, True)] > mean[(mode, loss, False)]
    lossy = runs[(runs["protocol"] == "push") & (runs["loss"] == 0.5)]
    assert (lossy[lossy["ack"]]["rounds_to_full"].mean()
            < lossy[~lossy["ack"]]["rounds_to_full"].mean())
    check_figure("acks_under_loss.py", runs)


def test_fanout_reliability_quick(tmp_path):
    done, runs, out = run_quick("fanout_reliability.py", tmp_path)
    assert runs["fanout"].nunique() == 7 and (runs.groupby("fanout").size() == 40).all()
    # one-shot gossip: every informed node pushes exactly once, to `fanout` partners
    assert (runs["traffic"] <= runs["fanout"]).all()
    reached = runs.groupby("fanout")["reached_all"].mean()
    assert reached.iloc[0] < reached.iloc[-1]
    check_figure("fanout_reliability.py", runs, integer_x=(0,))


def test_demers_tables_quick(tmp_path):
    done, runs, out = run_quick("demers_tables.py", tmp_path)
    assert len(runs) == 2 * 5 * 20
    assert "residue_demers" in done.stdout.splitlines()[1]
    check_figure("demers_tables.py", runs, integer_x=(0,))


def test_aggregation_quick(tmp_path):
    done, rows, out = run_quick("aggregation.py", tmp_path)
    conv = rows[rows["part"] == "convergence"]
    assert set(conv["protocol"]) == {"averaging", "push-sum"}
    assert len(conv) == 2 * 3 * 3 * 26  # protocols x losses x seeds x rounds 0..25
    lines = done.stdout.splitlines()
    assert lines[0].split()[:5] == ["protocol", "nodes", "loss", "measure", "factor"]
    # lossless averaging converges; push-sum under loss keeps an error (lost mass)
    last = conv[conv["round"] == 25].groupby(["protocol", "loss"])["max_rel_error"].mean()
    assert last[("averaging", 0.0)] < 1e-5 < last[("push-sum", 0.3)]
    cons = rows[rows["part"] == "consensus"]
    assert cons["consensus_round"].notna().all()
    assert set(cons["protocol"]) == {"majority", "voter"}
    means = cons.groupby(["protocol", "nodes"])["consensus_round"].mean()
    # majority ~ log n: 100x the nodes, far less than 2x the time; voter ~ n: 10x, > 3x
    assert means["majority"].iloc[-1] < 2 * means["majority"].iloc[0]
    assert means["voter"].iloc[-1] > 3 * means["voter"].iloc[0]
    # Byzantine nodes: forgers drag the honest mean further the more there are; censors
    # leave averaging's honest mean exact and swallow push-sum's mass
    byz = rows[rows["part"] == "byzantine"]
    assert len(byz) == 2 * 3 * 4 * 3  # protocols x behaviours x fractions x seeds
    table = byz.groupby(["protocol", "behaviour", "fraction"])[["bias", "mass"]].mean()
    for protocol in ("averaging", "push-sum"):
        assert table.loc[(protocol, "forge"), "bias"].is_monotonic_increasing
    assert table.loc[("averaging", "censor"), "bias"].abs().max() < 1e-12
    assert table.loc[("push-sum", "censor"), "mass"].is_monotonic_decreasing
    # zealots: none never flip the honest majority; 30% always do
    zeal = rows[rows["part"] == "zealots"]
    flipped = zeal.assign(flip=zeal["winner"] == 1).groupby("fraction")["flip"].mean()
    assert flipped.loc[0.0] == 0.0 and flipped.loc[0.3] == 1.0
    check_figure("aggregation.py", rows, integer_x=(0,))  # rounds


def test_swarm_reproduce_lists_and_runs(tmp_path):
    from click.testing import CliRunner

    from swarm.cli import EXPERIMENTS, main

    listing = CliRunner().invoke(main, ["reproduce"])
    assert all(name in listing.stdout for name in EXPERIMENTS)
    for name, (script, _) in EXPERIMENTS.items():
        assert (ROOT / "experiments" / script).is_file(), name
    out = tmp_path / "r.parquet"
    r = CliRunner().invoke(main, ["reproduce", "fanout", "--quick", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "one-shot gossip" in r.stdout and out.is_file()
    bad = CliRunner().invoke(main, ["reproduce", "alchemy"])
    assert bad.exit_code == 2 and "experiment = 'alchemy'" in bad.stderr


def test_swim_quick(tmp_path):
    done, runs, out = run_quick("swim.py", tmp_path)
    assert len(runs) == (3 + 3) * 5 * 2
    assert {"false_suspicion_per_probe", "false_suspicion_theory",
            "first_detection_periods"} <= set(runs.columns)
    lossless = runs[runs["loss"] == 0.0]
    assert (lossless["false_suspicion_per_probe"] == 0).all()
    assert (lossless["false_positive_rate"] == 0).all()
    assert lossless["first_detection_periods"].notna().all()
    # more indirect probes, fewer false suspicions under the same loss
    paper = runs[(runs["variant"] == "swim") & (runs["loss"] == 0.2)]
    assert paper.groupby("k")["false_suspicion_per_probe"].mean().is_monotonic_decreasing
    assert "false_suspicion_theory" in done.stdout.splitlines()[1]
    # memberlist's gossip and Lifeguard together cut the false positives of the paper's SWIM
    flap = runs[(runs["k"] == 3) & (runs["loss"] == 0.2)].groupby("variant")[
        "false_positive_rate"].mean()
    assert flap["+both"] < flap["swim"]
    check_figure("swim.py", runs)


def test_cap_quick(tmp_path):
    done, runs, out = run_quick("cap.py", tmp_path)
    assert len(runs) == 2 * 3 * 2  # modes x split lengths x seeds
    assert done.stdout.splitlines()[0].split()[:4] == ["mode", "split_rounds", "runs",
                                                        "availability_split"]
    ap, cp = runs[runs["mode"] == "ap"], runs[runs["mode"] == "cp"]
    # ap serves everything; cp refuses the minority side during a split, never reads stale
    assert (ap["availability"] == 1.0).all()
    split = cp[cp["split_rounds"] > 0]
    assert (split["availability_split"] < 1.0).all() and (cp["stale_reads"] == 0).all()
    assert (ap["counter_behind"] == 0).all(), "the G-counter loses no increment"
    assert ap["reconverge_rounds"].notna().all() and cp["reconverge_rounds"].notna().all()
    check_figure("cap.py", runs, integer_x=(0, 1, 2, 3))  # partition length in rounds


def test_byzantine_quick(tmp_path):
    done, runs, out = run_quick("byzantine.py", tmp_path)
    # behaviours x defences x fractions (0, 0.5 .. 20 %, and 1, 2, 3 liars of 1000) x seeds
    assert len(runs) == 2 * 7 * 10 * 2
    mean = runs.groupby(["behaviour", "defence", "fraction"])["false_acceptance"].mean()
    for behaviour in ("forge", "equivocate"):
        # no Byzantine node, no false acceptance; forgers without a defence fool many
        assert mean[(behaviour, "none", 0.0)] == 0.0
        assert mean[(behaviour, "none", 0.05)] > 0.2
        # signatures: never, whatever the fraction
        assert (mean[(behaviour, "signatures")] == 0.0).all()
        # a quorum of 3 against 1 or 2 colluding liars: never
        assert mean[(behaviour, "quorum 3", 0.001)] == mean[(behaviour, "quorum 3", 0.002)] == 0
    assert (runs[runs["defence"].str.startswith("signatures")]["coverage"] == 1.0).all()
    assert "false_acceptance, forge" in done.stdout
    axes = check_figure("byzantine.py", runs)
    # "none" and "reputation" coincide at few liars: dodged sideways, both stay visible
    lines = {line.get_label(): line for line in axes[0].get_lines()}
    assert (lines["none"].get_xdata() != lines["reputation"].get_xdata()).all()


def test_quick_runs_write_under_data_quick(tmp_path):
    """--quick never overwrites a full run's outputs: its default --out is data/quick/...;
    a given --out still wins."""
    from swarm.cli import experiment_parser

    parser = experiment_parser("x", out="data/x.parquet", quick="q", root_seed=1)
    assert parser.parse_args([]).out == Path("data/x.parquet")
    assert parser.parse_args(["--quick"]).out == Path("data/quick/x.parquet")
    given = tmp_path / "y.parquet"
    assert parser.parse_args(["--quick", "--out", str(given)]).out == given
