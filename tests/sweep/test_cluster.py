"""swarm's local Dask cluster: it survives a worker SIGKILLed while the cluster starts or
while the workers warm up (bounded retries, then one clear error), its scheduler opens no
fixed HTTP port, and a plain script that would make the spawned workers re-run the sweep
stops with one line saying what to do. Real LocalClusters on 127.0.0.1, real kills."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import psutil
import pytest

from swarm import Scenario
from swarm.errors import SwarmError
from swarm.sweep import local_cluster, sweep

ROOT = Path(__file__).resolve().parents[2]
BASE = Scenario(nodes=300, protocol="push", seed=2)
GRID = {"protocol.fanout": [1, 2, 3]}


def preload(tmp_path: Path, once: bool) -> Path:
    """A Dask worker preload that SIGKILLs its worker process as it starts: once (marked by
    a file) or always."""
    marker = tmp_path / "killed"
    script = tmp_path / "kill_at_start.py"
    guard = f"if not os.path.exists({str(marker)!r}):" if once else "if True:"
    script.write_text(textwrap.dedent(f"""
        import os, signal
        {guard}
            open({str(marker)!r}, "w").write(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)
    """))
    return script


def test_a_worker_killed_while_the_cluster_starts_is_retried(tmp_path, monkeypatch):
    import dask
    import distributed  # noqa: F401 - its config must exist before dask.config.set, or
    # leaving the `with` removes the whole "distributed" section

    monkeypatch.setattr(os, "cpu_count", lambda: 1)  # one worker: a small cluster
    with dask.config.set({"distributed.worker.preload": [str(preload(tmp_path, once=True))]}):
        frame = sweep(BASE, grid=GRID, seeds=4, out=tmp_path / "s", executor="local",
                      progress=False)
    assert (tmp_path / "killed").exists()  # the first start really lost its worker
    here = sweep(BASE, grid=GRID, seeds=4, out=tmp_path / "here", executor="inprocess",
                 progress=False)
    pd.testing.assert_frame_equal(frame, here)


def test_a_cluster_that_never_starts_is_one_clear_error(tmp_path):
    import dask
    import distributed  # noqa: F401 - see above

    with dask.config.set({"distributed.worker.preload": [str(preload(tmp_path, once=False))]}):
        with pytest.raises(SwarmError) as info:
            local_cluster(1, tries=2)
    assert str(info.value).startswith("the local Dask cluster did not start in 2 tries")
    assert "\n" not in str(info.value)


def test_a_worker_killed_while_warming_up_is_retried(tmp_path, monkeypatch):
    """The warm-up kills its own worker process once (marked by a file); the nanny starts a
    new worker, the warm-up is run again, and the sweep completes. The replacement is a
    closure, so Dask pickles it by value and the workers run it."""
    sweep_module = sys.modules["swarm.sweep"]
    real = sweep_module._warm_up
    marker = str(tmp_path / "killed-in-warm-up")

    def warm_up_that_dies_once(protocols, plugins=()):
        if not os.path.exists(marker):
            with open(marker, "w") as f:
                f.write(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)
        real(protocols, plugins)

    monkeypatch.setattr(sweep_module, "_warm_up", warm_up_that_dies_once)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    frame = sweep(BASE, grid=GRID, seeds=4, out=tmp_path / "w", executor="local",
                  progress=False)
    assert os.path.exists(marker)
    assert len(frame) == 12 and (frame["status"] == "ok").all()


def listening_ports(proc: psutil.Process) -> set[tuple[str, int]]:
    return {(c.laddr.ip, c.laddr.port) for c in proc.net_connections("inet")
            if c.status == psutil.CONN_LISTEN}


def test_the_scheduler_opens_no_fixed_http_port():
    """The LocalCluster's scheduler lives in this process; it listens on its comm port and an
    HTTP port Dask insists on, now a free one on 127.0.0.1 rather than 8787."""
    me = psutil.Process()
    before = listening_ports(me)
    cluster = local_cluster(1)
    try:
        opened = listening_ports(me) - before
        http_port = cluster.scheduler.http_server._sockets  # tornado: fd -> socket
        http = {s.getsockname()[1] for s in http_port.values()}
        assert http and 8787 not in http
        assert all(port != 8787 for _, port in opened)
        assert {ip for ip, _ in opened} == {"127.0.0.1"}
        for child in me.children(recursive=True):
            assert all(port != 8787 for _, port in listening_ports(child))
    finally:
        cluster.close()


def _numba_threads() -> int:
    import numba

    return numba.get_num_threads()


def test_each_worker_runs_one_numba_thread():
    """Two worker processes on two cores must not each start a thread per core for the
    parallel kernels: the cluster's workers run with NUMBA_NUM_THREADS=1."""
    from distributed import Client

    cluster = local_cluster(2)
    try:
        with Client(cluster) as client:
            threads = client.run(_numba_threads)
        assert len(threads) == 2 and set(threads.values()) == {1}
    finally:
        cluster.close()


UNGUARDED = """
import swarm
frame = swarm.sweep(swarm.Scenario(nodes=200, protocol="push-pull"),
                    grid={"protocol.fanout": [1, 2, 3]}, seeds=4, out=OUT)
print(len(frame))
"""


def _run_script(script: Path, timeout: int = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_an_unguarded_script_runs_in_process_by_default_and_says_why(tmp_path):
    """The README's sweep as a plain script: the default executor would be a local cluster,
    whose spawned workers re-run the unguarded script (~200 lines of multiprocessing errors
    before); it runs in-process instead, with one line saying why."""
    script = tmp_path / "my_sweep.py"
    script.write_text(UNGUARDED.replace("OUT", repr(str(tmp_path / "u"))))
    done = _run_script(script)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "12"
    notes = [line for line in done.stderr.splitlines() if "running in-process" in line]
    assert notes == [f"sweep: running in-process: called at {script}:3 outside `if __name__ "
                     "== \"__main__\":`, where a local Dask cluster's workers would re-run "
                     "the script; put it under that guard to use the cluster"]
    assert "bootstrapping" not in done.stderr
    assert len(list((tmp_path / "u").glob("part-*.parquet"))) >= 1


def test_an_unguarded_script_asking_for_the_local_cluster_stops_with_one_line(tmp_path):
    script = tmp_path / "my_sweep.py"
    script.write_text(UNGUARDED.replace("out=OUT", "out=OUT, executor='local'")
                      .replace("OUT", repr(str(tmp_path / "u"))))
    done = _run_script(script)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last == (f"swarm.errors.ConfigError: executor = 'local': a local Dask cluster starts "
                    f"worker processes that re-run the main script; the sweep is called at "
                    f"{script}:3 outside `if __name__ == \"__main__\":` - put it under that "
                    "guard, or pass executor=\"inprocess\"")
    assert len(done.stderr.splitlines()) < 20 and "bootstrapping" not in done.stderr
    assert not list((tmp_path / "u").glob("part-*.parquet"))


def test_the_same_script_guarded_runs_on_the_local_cluster(tmp_path):
    body = textwrap.indent(UNGUARDED.replace("OUT", repr(str(tmp_path / "g"))), "    ")
    script = tmp_path / "guarded.py"
    script.write_text('if __name__ == "__main__":\n' + body)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "12"
