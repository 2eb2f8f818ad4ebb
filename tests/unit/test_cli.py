"""The `swarm` command: flags, --set, TOML, seeds tables, formats, Parquet, errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pandas as pd
import pytest
from click.testing import CliRunner

import swarm
from swarm.cli import main


def invoke(*args):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result


def test_simulate_prints_summary():
    r = invoke("simulate", "--nodes", "300", "--protocol", "push-pull", "--seed", "4")
    assert r.exit_code == 0, r.output
    expect = swarm.simulate({"nodes": 300, "protocol": "push-pull", "seed": 4}).summary
    line = next(x for x in r.stdout.splitlines() if x.startswith("rounds_to_full"))
    assert line.split()[-1] == str(expect["rounds_to_full"])


def test_json_and_csv_formats():
    r = invoke("simulate", "-n", "200", "--fanout", "2", "--format", "json")
    data = json.loads(r.stdout)
    expect = swarm.simulate({"nodes": 200, "protocol.fanout": 2}).summary
    assert data["summary"] == expect
    assert data["events"] == [] and data["scenario"]["protocol.fanout"] == 2
    r = invoke("simulate", "-n", "200", "--rounds", "--format", "csv")
    lines = r.stdout.splitlines()
    assert lines[0].startswith("round,informed,coverage,live,messages")
    assert len(lines) == 1 + len(swarm.simulate({"nodes": 200}).rounds)


def test_seeds_table_and_parquet(tmp_path):
    out = tmp_path / "seeds.parquet"
    r = invoke("simulate", "-n", "500", "-p", "pull", "--seeds", "6", "--out", str(out))
    assert r.exit_code == 0, r.output
    header = r.stdout.splitlines()[0].split()
    assert header == ["runs", "mean", "sd", "min", "q05", "q25", "median", "q75", "q95", "max"]
    frame = pd.read_parquet(out)
    assert len(frame) == 6 and frame["seed"].nunique() == 6
    row = next(x for x in r.stdout.splitlines() if x.startswith("rounds_to_full"))
    # the table prints two decimals: equal to half a unit of the last digit
    assert float(row.split()[2]) == pytest.approx(frame["rounds_to_full"].mean(), abs=0.005)


def test_toml_scenario_with_set_override(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('nodes = 400\nseed = 2\n[protocol]\nname = "push"\nfanout = 3\n')
    out = tmp_path / "run.parquet"
    r = invoke("simulate", "--scenario", str(path), "--set", "protocol.fanout=2",
               "--set", "topology=k-out", "--set", "topology.k=5", "--out", str(out))
    assert r.exit_code == 0, r.output
    run = swarm.read_run(out)
    assert run.scenario.protocol.fanout == 2 and run.scenario.topology.k == 5
    assert run.scenario.nodes == 400


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--nodes", "0"], "nodes = 0"),
        (["--nodes", "10", "--fanout", "10"], "protocol.fanout = 10"),
        (["--protocol", "telepathy"], "protocol = 'telepathy'"),
        (["--set", "topology=erdos-renyi", "--set", "topology.p=2"], "topology.p = 2"),
        (["--set", "bogus.key=1"], "bogus.key"),
        (["--set", "novalue"], "--set = 'novalue'"),
        (["--out", "x.csv"], "--out"),
    ],
)
def test_bad_input_is_one_line_exit_2(args, fragment):
    r = CliRunner().invoke(main, ["simulate", *args])
    assert r.exit_code == 2
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("swarm: error: ") and fragment in lines[0]


def test_bad_toml_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[protocol\n")
    r = CliRunner().invoke(main, ["simulate", "--scenario", str(path)])
    assert r.exit_code == 2 and "is not valid TOML" in r.stderr


def test_protocols_lists_parameters_with_ranges():
    r = invoke("protocols")
    for name in swarm.PROTOCOLS:
        assert f"{name}:" in r.stdout
    assert "protocol.fanout (int partners, default 1) [1..2147483647]" in r.stdout
    r = invoke("topologies")
    assert "topology.p" in r.stdout and "k-out:" in r.stdout


def test_installed_console_script_runs():
    exe = shutil.which("swarm", path=str(__import__("pathlib").Path(sys.executable).parent))
    assert exe, "the swarm console script is not installed next to this Python"
    done = subprocess.run([exe, "simulate", "-n", "100", "--format", "json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "rounds_to_full" in json.loads(done.stdout)["summary"]


def test_faults_from_the_command_line_show_events(tmp_path):
    out = tmp_path / "f.parquet"
    r = invoke("simulate", "-n", "400", "-p", "push-pull", "--fault", "loss rate=0.1",
               "--fault", "2-6: partition groups=2", "--fault", "3: crash fraction=0.1",
               "--out", str(out))
    assert r.exit_code == 0, r.output
    assert "# events" in r.stdout and "heal" in r.stdout and "crash" in r.stdout
    run = swarm.read_run(out)
    assert run.events["event"].tolist() == ["split", "crash", "heal"]
    assert run.summary["dropped_loss_total"] > 0
    assert dict(run.scenario.faults)["partition"].end == 6


def test_bad_fault_entry_is_one_line_exit_2():
    r = CliRunner().invoke(main, ["simulate", "--fault", "2-1: loss rate=0.1"])
    assert r.exit_code == 2
    assert r.stderr.strip().startswith("swarm: error: faults.loss.end = 1")


def test_faults_command_lists_parameters():
    r = invoke("faults")
    assert "partition:" in r.stdout and "faults.<label>.rate" in r.stdout
    assert "10-40: partition groups=2" in r.stdout
