"""Sweeps on a Dask scheduler at an address (``executor="tcp://..."``, ``swarm sweep
--scheduler``): nothing listening fails fast in one line naming the address; a real
``dask scheduler`` and ``dask worker`` started as processes on 127.0.0.1, as docs/cluster.md
says, run the sweep and its Parquet parts read back. No sleeps: readiness is a Client that
connects (Dask retries until its timeout) and ``wait_for_workers``."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from swarm import Scenario
from swarm.errors import ConfigError
from swarm.sweep import read_sweep, sweep

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SWEEP_TOML = """
seeds = 2
[base]
nodes = 200
protocol = "push"
[grid]
"protocol.fanout" = [1, 2]
"""


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT))


@pytest.mark.parametrize("timeout_s, limit_s", [(None, 10), (1, 5)], ids=["default", "1s"])
def test_nothing_listening_fails_in_one_line_within_the_timeout(tmp_path, timeout_s, limit_s):
    """The default wait is 5 s (Dask's own 30 s): under 10 s for the call, in one line."""
    address = f"tcp://127.0.0.1:{free_port()}"
    started = time.perf_counter()
    with pytest.raises(ConfigError) as caught:
        sweep(Scenario(nodes=50), grid={"protocol.fanout": [1, 2]}, seeds=5,
              executor=address, out=tmp_path / "s", progress=False,
              connect_timeout_s=timeout_s)
    assert time.perf_counter() - started < limit_s
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"executor = {address!r}: no Dask scheduler answered within "
                              f"{timeout_s or 5} s")
    assert not list((tmp_path / "s").glob("part-*.parquet"))


@pytest.mark.parametrize("value", ["0", "-1", "soon", "inf"])
def test_a_bad_timeout_in_the_environment_is_one_line(tmp_path, monkeypatch, value):
    monkeypatch.setenv("SWARM_CONNECT_TIMEOUT_S", value)
    with pytest.raises(ConfigError, match="^SWARM_CONNECT_TIMEOUT_S = .*: must be a number of "
                       "seconds > 0$"):
        sweep(Scenario(nodes=50), grid={"protocol.fanout": [1, 2]}, seeds=5,
              executor=f"tcp://127.0.0.1:{free_port()}", out=tmp_path / "s", progress=False)


def test_the_cli_against_nothing_fails_in_under_10_s_with_one_line(tmp_path):
    """The default timeout (5 s), through ``swarm sweep --scheduler``: exit 2, one line. The
    process's wall time includes starting Python and importing swarm (~4 s on a loaded
    2-core machine), so its bound is looser than the call's (the test above): still well
    under Dask's own 30 s wait."""
    spec = tmp_path / "sweep.toml"
    spec.write_text(SWEEP_TOML)
    address = f"tcp://127.0.0.1:{free_port()}"
    started = time.perf_counter()
    done = subprocess.run([str(BIN / "swarm"), "sweep", str(spec), "--scheduler", address,
                           "--out", str(tmp_path / "out")], env=env(), capture_output=True,
                          text=True, timeout=60)
    elapsed = time.perf_counter() - started
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"swarm: error: executor = {address!r}: no Dask scheduler answered within 5 s "
        f"(Timed out trying to connect to {address} after 5 s); start one with `dask "
        "scheduler` and workers with `dask worker ADDRESS --nthreads 1` (docs/cluster.md)"]
    assert elapsed < 20, elapsed


@pytest.mark.slow
def test_a_sweep_runs_on_a_real_scheduler_and_worker(tmp_path, dask_scheduler):
    spec = tmp_path / "sweep.toml"
    spec.write_text(SWEEP_TOML)
    out = tmp_path / "out"
    done = subprocess.run([str(BIN / "swarm"), "sweep", str(spec), "--scheduler", dask_scheduler,
                           "--out", str(out), "--format", "csv"], env=env(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    frame = read_sweep(out)
    assert len(frame) == 4 and set(frame["status"]) == {"ok"}
    assert sorted(frame["protocol.fanout"].tolist()) == [1, 1, 2, 2]
    assert frame["rounds_to_full"].gt(0).all()
    # the same sweep from Python, with executor= the address: resumes, runs nothing again
    again = sweep(Scenario(nodes=200, protocol="push"), grid={"protocol.fanout": [1, 2]},
                  seeds=2, executor=dask_scheduler, out=out, progress=False)
    assert again.attrs["sweep"]["skipped"] == 4 and again.attrs["sweep"]["done"] == 0
