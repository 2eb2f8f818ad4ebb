"""`swarm sweep` on the command line: default metrics follow the protocol, an unknown
metric is refused before anything runs, failed points stay in the table, --retry-failed."""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner

from swarm.cli import main
from swarm.sweep import read_sweep

SWIM = ('seeds = 2\nexecutor = "inprocess"\n[base]\nnodes = 40\nmax_rounds = 30\n'
        '[base.protocol]\nname = "swim"\n[grid]\n"faults.loss.rate" = [0.0, 0.1]\n')
FAILING = ('seeds = 2\nexecutor = "inprocess"\n[base]\nnodes = 100\n[base.protocol]\n'
           'name = "push"\n[base.faults.partition]\nby = "position"\nend = 3\n'
           '[grid]\ntopology = ["complete", "grid"]\n')


def invoke(*args: str):
    return CliRunner().invoke(main, ["sweep", *args])


def test_a_swim_sweep_tabulates_the_metrics_swim_reports(tmp_path):
    spec = tmp_path / "swim.toml"
    spec.write_text(SWIM)
    r = invoke(str(spec), "--out", str(tmp_path / "o"), "--format", "csv")
    assert r.exit_code == 0, r.output
    lines = r.stdout.strip().splitlines()
    assert lines[0] == ("faults.loss.rate,metric,runs,mean,sd,ci95_low,ci95_high,median,"
                        "failed")
    metrics = [line.split(",")[1] for line in lines[1:]]
    assert metrics[:4] == ["agreement_final", "suspicions_total", "refutations_total",
                           "messages_per_node"] and len(metrics) == 8
    assert "rounds_to_full" not in r.stdout


def test_an_explicit_missing_metric_is_refused_before_the_sweep_runs(tmp_path):
    spec = tmp_path / "swim.toml"
    spec.write_text(SWIM)
    out = tmp_path / "never"
    r = invoke(str(spec), "--out", str(out), "--metrics", "agreement_final,rounds_to_full")
    assert r.exit_code == 2
    line = r.stderr.strip().splitlines()[-1]
    assert line.startswith("swarm: error: --metrics = 'rounds_to_full': not summary metrics "
                           "of this sweep; available: ")
    assert "agreement_final" in line and "false_positive_rate" in line
    assert not out.exists()  # nothing computed in vain
    ok = invoke(str(spec), "--out", str(out), "--metrics", "false_positive_rate",
                "--format", "csv")
    assert ok.exit_code == 0 and ok.stdout.count("false_positive_rate") == 2


def test_a_failed_point_is_in_the_table_with_its_first_error(tmp_path):
    spec = tmp_path / "bad.toml"
    spec.write_text(FAILING)
    out = tmp_path / "o"
    r = invoke(str(spec), "--out", str(out), "--format", "csv", "--metrics", "rounds_to_full")
    assert r.exit_code == 0, r.output
    table = pd.read_csv(pd.io.common.StringIO(r.stdout)).set_index("topology")
    assert table.loc["complete", "runs"] == 0 and table.loc["complete", "failed"] == 2
    assert "needs a topology with positions" in table.loc["complete", "error"]
    assert table.loc["grid", "runs"] == 2 and table.loc["grid", "failed"] == 0
    assert "2 failed" in r.stderr
    again = invoke(str(spec), "--out", str(out), "--retry-failed")
    assert again.exit_code == 0 and "2 run, 2 failed, 2 skipped (already stored), 2 retried" \
        in again.stderr
    frame = read_sweep(out)
    assert len(frame) == 4 and frame["run_id"].is_unique
    assert sorted(frame["attempt"]) == [1, 1, 2, 2]
