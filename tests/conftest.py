"""Fixtures shared by the suites: a real Dask scheduler and worker as processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dask_scheduler(tmp_path):
    """The address of a ``dask scheduler`` with one ``dask worker --nthreads 1``, processes on
    127.0.0.1 started as docs/cluster.md says (with the worker config swarm's own clusters
    use), ready (the worker registered); stopped by PID afterwards."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    worker_env = dict(env, DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED="False",
                      DASK_DISTRIBUTED__ADMIN__TICK__INTERVAL="1s", NUMBA_NUM_THREADS="1")
    procs = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1",
                               "--port", str(port), "--no-dashboard"], env=env,
                              stdout=subprocess.DEVNULL, stderr=open(tmp_path / "sched.log", "w"),
                              start_new_session=True)]
    procs.append(subprocess.Popen([str(BIN / "dask"), "worker", address, "--nthreads", "1",
                                   "--nworkers", "1", "--host", "127.0.0.1", "--no-dashboard"],
                                  env=worker_env, stdout=subprocess.DEVNULL,
                                  stderr=open(tmp_path / "worker.log", "w"),
                                  start_new_session=True))
    try:
        from distributed import Client

        with Client(address, timeout=60) as client:  # retries until the scheduler listens
            client.wait_for_workers(1, timeout=120)
        yield address
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in reversed(procs):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


