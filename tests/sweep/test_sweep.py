"""Sweeps: grids x seeds, in-process and on real Dask clusters, streamed to Parquet, resumable,
surviving a run that raises, a worker killed with SIGKILL and a sweep killed half-way."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

import swarm
from swarm import ConfigError, Scenario
from swarm.sweep import expand_grid, read_sweep, sweep, sweep_metadata

BASE = Scenario(nodes=400, protocol="push-pull", seed=11)
GRID = {"protocol.fanout": [1, 2], "faults.loss.rate": [0.0, 0.2], "max_rounds": 200}


def test_grid_expands_lists_and_keeps_scalars():
    points = expand_grid({"a": [1, 2], "b": [3, 4, 5], "c": 7})
    assert len(points) == 6 and all(p["c"] == 7 for p in points)
    assert {(p["a"], p["b"]) for p in points} == {(a, b) for a in (1, 2) for b in (3, 4, 5)}
    assert expand_grid(points=[{"x": 1}, {"x": 2}]) == [{"x": 1}, {"x": 2}]
    assert expand_grid() == [{}]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"grid": {"protocol.fanout": []}}, "grid.protocol.fanout"),
        ({"grid": {"protocol.speed": [1, 2]}}, "protocol.speed"),
        ({"grid": {"protocol.fanout": [1, 500]}}, "protocol.fanout"),
        ({"grid": {"seed": [1, 2]}}, "grid.seed"),
        ({"grid": {"a": [1]}, "points": [{"a": 1}]}, "grid"),
        ({"seeds": 0}, "seeds"),
        ({"executor": "carrier-pigeon", "seeds": 20}, "executor"),
    ],
)
def test_bad_input_is_one_error_before_any_run(kwargs, field, tmp_path):
    out = tmp_path / "s"
    with pytest.raises(ConfigError) as info:
        sweep(BASE, out=out, progress=False, **kwargs)
    assert info.value.field == field and "\n" not in str(info.value)
    assert not list(out.glob("part-*.parquet"))


def test_rows_are_the_runs_and_parquet_reads_back(tmp_path):
    frame = sweep(BASE, grid=GRID, seeds=3, out=tmp_path / "s", executor="inprocess",
                  progress=False)
    assert len(frame) == 12 and frame["run_id"].is_unique
    assert (frame["status"] == "ok").all() and frame["error"].isna().all()
    for col in ("protocol.fanout", "faults.loss.rate", "seed", "rounds_to_full",
                "messages_per_node"):
        assert col in frame
    row = frame.iloc[7]
    scenario = BASE.replace({"protocol.fanout": row["protocol.fanout"],
                             "faults.loss.rate": row["faults.loss.rate"], "max_rounds": 200,
                             "seed": int(row["seed"])})
    run = swarm.simulate(scenario)
    assert row["run_id"] == run.run_id
    assert row["rounds_to_full"] == run.summary["rounds_to_full"]
    assert row["messages_total"] == run.summary["messages_total"]
    pd.testing.assert_frame_equal(read_sweep(tmp_path / "s"), frame.reset_index(drop=True),
                                  check_like=False)
    meta = sweep_metadata(tmp_path / "s")
    assert meta["seeds"] == 3 and meta["root_seed"] == 11
    assert meta["versions"]["numpy"] and "base" in meta


def test_same_sweep_twice_gives_identical_results_and_rerun_skips(tmp_path):
    a = sweep(BASE, grid=GRID, seeds=2, out=tmp_path / "a", executor="inprocess",
              progress=False)
    b = sweep(BASE, grid=GRID, seeds=2, out=tmp_path / "b", executor="inprocess",
              progress=False)
    pd.testing.assert_frame_equal(a, b)
    again = sweep(BASE, grid=GRID, seeds=2, out=tmp_path / "a", executor="inprocess",
                  progress=False)
    assert again.attrs["sweep"]["done"] == 0 and again.attrs["sweep"]["skipped"] == 8
    pd.testing.assert_frame_equal(again, a)


def test_a_run_that_raises_is_recorded_and_the_rest_complete(tmp_path):
    """Partition by position needs positions: on the complete graph it fails when the run
    starts, on the grid it runs."""
    base = Scenario.from_dict({"nodes": 100, "protocol": "push", "faults.partition.by": "position",
                               "faults.partition.end": 3})
    frame = sweep(base, grid={"topology": ["complete", "grid"]}, seeds=2,
                  out=tmp_path / "e", executor="inprocess", progress=False)
    bad = frame[frame["topology"] == "complete"]
    assert (bad["status"] == "error").all()
    assert bad["error"].str.contains("needs a topology with positions").all()
    good = frame[frame["topology"] == "grid"]
    assert (good["status"] == "ok").all() and good["rounds_to_full"].notna().all()
    assert frame.attrs["sweep"]["failed"] == 2


@pytest.mark.parametrize("runs, workers", [(1, 1), (10, 2), (1000, 1), (1000, 2), (5000, 8)])
def test_default_batches_cover_every_run_once_and_shrink(runs, workers):
    """Guided self-scheduling: every run in exactly one batch, in plan order; sizes at most
    100 and never growing, so the last batches are the small ones."""
    from swarm.sweep import _batches

    tasks = list(range(runs))
    sizes = [len(b) for b in _batches(tasks, workers, None)]
    assert [t for b in _batches(tasks, workers, None) for t in b] == tasks
    assert max(sizes) <= 100
    assert all(a >= b for a, b in zip(sizes, sizes[1:], strict=False))
    if runs >= 1000:
        assert sizes[0] > 4 * sizes[-2]  # large first, small last


def test_round_frames_when_asked(tmp_path):
    frame, rounds = sweep(BASE, grid={"protocol.fanout": [1, 2]}, seeds=2,
                          out=tmp_path / "r", executor="inprocess", rounds=True, progress=False)
    assert set(rounds["run_id"]) == set(frame["run_id"])
    per_run = rounds.groupby("run_id")["round"].max()
    assert (per_run.loc[frame["run_id"]].to_numpy() == frame["rounds"].to_numpy()).all()


def test_local_cluster_gives_the_same_results(tmp_path):
    here = sweep(BASE, grid=GRID, seeds=3, out=tmp_path / "here", executor="inprocess",
                 progress=False)
    cluster = sweep(BASE, grid=GRID, seeds=3, out=tmp_path / "dask", executor="local",
                    progress=False)
    pd.testing.assert_frame_equal(cluster, here)


# ------------------------------------------------------------------ real processes, killed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dask_bin() -> str:
    return str(Path(sys.executable).with_name("dask"))


def start(args: list[str]) -> subprocess.Popen:
    env = dict(os.environ, DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED="False")
    return subprocess.Popen([dask_bin(), *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True, env=env)


def wait_for_workers(address: str, count: int, timeout: float = 60) -> None:
    from distributed import Client

    with Client(address, timeout=timeout) as client:
        client.wait_for_workers(count, timeout=timeout)


@pytest.fixture
def scheduler_and_workers():
    """A `dask scheduler` and two `dask worker --no-nanny` processes on 127.0.0.1."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [start(["scheduler", "--host", "127.0.0.1", "--port", str(port),
                    "--no-dashboard"])]
    workers = [start(["worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                      "--host", "127.0.0.1"]) for _ in range(2)]
    procs += workers
    try:
        wait_for_workers(address, 2)
        yield address, workers
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


@pytest.mark.slow
def test_scheduler_by_address_and_a_worker_killed_mid_sweep(scheduler_and_workers, tmp_path):
    """SIGKILL one of two workers while the sweep runs: Dask retries its tasks on the other,
    the sweep completes, and every run appears exactly once, equal to an in-process sweep."""
    address, workers = scheduler_and_workers
    base = Scenario(nodes=30_000, protocol="push", seed=5)
    grid = {"protocol.fanout": [1, 2, 3]}
    out = tmp_path / "killed"
    result: dict = {}

    def run() -> None:
        result["frame"] = sweep(base, grid=grid, seeds=12, out=out, executor=address,
                                batch_size=1, progress=False)

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 120
    while len(list(out.glob("part-*.parquet"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(workers[0].pid, signal.SIGKILL)
    thread.join(timeout=300)
    assert not thread.is_alive()
    frame = result["frame"]
    assert len(frame) == 36 and frame["run_id"].is_unique
    assert (frame["status"] == "ok").all()
    assert workers[0].wait(timeout=10) == -signal.SIGKILL
    reference = sweep(base, grid=grid, seeds=12, out=tmp_path / "ref", executor="inprocess",
                      progress=False)
    pd.testing.assert_frame_equal(frame, reference)


SWEEP_SCRIPT = """
import sys
from swarm import Scenario
from swarm.sweep import sweep
sweep(Scenario(nodes=20_000, protocol="pull", seed=3), grid={"protocol.fanout": [1, 2, 3, 4]},
      seeds=10, out=sys.argv[1], executor="inprocess", batch_size=1, progress=False)
"""


@pytest.mark.slow
def test_a_sweep_killed_with_sigkill_resumes_without_redoing_runs(tmp_path):
    out = tmp_path / "resume"
    proc = subprocess.Popen([sys.executable, "-c", SWEEP_SCRIPT, str(out)])
    deadline = time.monotonic() + 120
    while len(list(out.glob("part-*.parquet"))) < 5 and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    finished = len(list(out.glob("part-*.parquet")))
    assert 5 <= finished < 40, "kill the sweep half-way"
    frame = sweep(Scenario(nodes=20_000, protocol="pull", seed=3),
                  grid={"protocol.fanout": [1, 2, 3, 4]}, seeds=10, out=out,
                  executor="inprocess", batch_size=1, progress=False)
    stats = frame.attrs["sweep"]
    assert stats["skipped"] == finished and stats["done"] == 40 - finished
    assert len(frame) == 40 and frame["run_id"].is_unique
    assert len(list(out.glob("part-*.parquet"))) == 40  # no run redone, none lost
    fresh = sweep(Scenario(nodes=20_000, protocol="pull", seed=3),
                  grid={"protocol.fanout": [1, 2, 3, 4]}, seeds=10, out=tmp_path / "fresh",
                  executor="inprocess", progress=False)
    pd.testing.assert_frame_equal(frame, fresh)


def test_aggregate_is_tidy_with_a_normal_ci():
    from swarm.analysis import aggregate

    frame = pd.DataFrame({"protocol.fanout": [1, 1, 1, 2, 2, 2], "seed": range(6),
                          "status": ["ok"] * 5 + ["error"], "run_id": list("abcdef"),
                          "rounds_to_full": [10, 12, 14, 7, 9, None]})
    table = aggregate(frame, metrics=["rounds_to_full"]).set_index("protocol.fanout")
    one = table.loc[1]
    assert (one["runs"], one["mean"], one["sd"]) == (3, 12.0, 2.0)
    assert one["ci95_low"] == pytest.approx(12 - 1.96 * 2 / 3 ** 0.5)
    assert one["median"] == 12 and table.loc[2, "runs"] == 2  # the failed run is left out


def test_sweep_command_runs_a_toml_sweep_and_resumes(tmp_path):
    from click.testing import CliRunner

    from swarm.cli import main

    spec = tmp_path / "s.toml"
    spec.write_text('seeds = 3\nexecutor = "inprocess"\n[base]\nnodes = 300\n'
                    '[base.protocol]\nname = "push"\n[grid]\n"protocol.fanout" = [1, 3]\n')
    out = tmp_path / "out"
    first = CliRunner().invoke(main, ["sweep", str(spec), "--out", str(out), "--format", "csv"])
    assert first.exit_code == 0, first.output
    lines = first.stdout.strip().splitlines()
    assert lines[0].startswith("protocol.fanout,metric,runs,mean,sd,ci95_low,ci95_high")
    assert len(lines) == 1 + 2 * 3
    assert "6 run, 0 failed, 0 skipped" in first.stderr
    second = CliRunner().invoke(main, ["sweep", str(spec), "--out", str(out)])
    assert "0 run, 0 failed, 6 skipped" in second.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text('[grid]\n"protocol.fanout" = []\n')
    r = CliRunner().invoke(main, ["sweep", str(bad), "--out", str(tmp_path / "x")])
    assert r.exit_code == 2 and "grid.protocol.fanout = []" in r.stderr


def test_plot_draws_the_aggregated_means(tmp_path):
    from swarm.analysis import aggregate
    from swarm.plot import metric_vs_param, save

    frame = sweep(BASE, grid={"protocol.fanout": [1, 2, 3], "faults.loss.rate": [0.0, 0.3]},
                  seeds=3, out=tmp_path / "p", executor="inprocess", progress=False)
    ax = metric_vs_param(frame, "protocol.fanout", "rounds_to_full", hue="faults.loss.rate",
                         theory=lambda x, loss: 10 - x, theory_label="a line")
    means = aggregate(frame, metrics=["rounds_to_full"],
                      by=["protocol.fanout", "faults.loss.rate"])
    # data lines carry a marker (series_style); theory curves have none (THEORY)
    data_lines = [line for line in ax.get_lines() if line.get_marker() not in (None, "None")]
    assert len(data_lines) == 2 and len(ax.get_lines()) == 4
    assert data_lines[0].get_linestyle() != data_lines[1].get_linestyle()
    assert data_lines[0].get_color() != data_lines[1].get_color()
    for line, loss in zip(data_lines, (0.0, 0.3), strict=True):
        want = means[means["faults.loss.rate"] == loss].sort_values("protocol.fanout")["mean"]
        assert list(line.get_ydata()) == list(want)
    png = save(ax, tmp_path / "fig" / "p.png", "title")
    assert png.read_bytes()[:4] == b"\x89PNG"
