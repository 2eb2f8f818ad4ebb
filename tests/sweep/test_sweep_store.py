"""The sweep store: each batch committed atomically, one writer at a time, the folder cleaned
up after a kill, failed runs retried without duplicates, and write errors (a full,
read-only or impossible folder) as one ConfigError with nothing stored lost.

Kills are real (a child process SIGKILLs itself at a chosen point, so the point is exact
without timing); folders are real (a small tmpfs for "full" and "read-only", mounted here,
or the test is skipped where mounting is not allowed); every check reads the files back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import swarm
from swarm import ConfigError, Scenario
from swarm.sweep import read_sweep, sweep
from swarm.sweepstore import SweepStore

BASE = Scenario(nodes=300, protocol="push", seed=4)
GRID = {"protocol.fanout": [1, 2, 3]}
ROOT = Path(__file__).resolve().parents[2]


def raw_rows(out: Path) -> pd.DataFrame:
    """Every row of every committed summary part, as the files hold them (no dedup)."""
    return pd.concat([pq.read_table(p).to_pandas() for p in sorted(out.glob("part-*.parquet"))],
                     ignore_index=True)


def run_child(code: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], env=env,
                          capture_output=True, text=True, timeout=300)


#: a child that SIGKILLs itself right after its N-th write of a file whose folder is KIND
KILL_AFTER_WRITE = """
    import os, signal, sys
    import swarm.sweepstore as store
    from swarm import Scenario
    from swarm.sweep import sweep
    out, kind, nth, batch = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    real, count = store.write_frame, [0]
    def write_frame(path, frame, meta):
        done = real(path, frame, meta)
        if (path.parent.name == "rounds") == (kind == "rounds"):
            count[0] += 1
            if count[0] == nth:
                os.kill(os.getpid(), signal.SIGKILL)
        return done
    store.write_frame = write_frame
    sweep(Scenario(nodes=300, protocol="push", seed=4), grid={"protocol.fanout": [1, 2, 3]},
          seeds=4, out=out, executor="inprocess", batch_size=batch, rounds=True, progress=False)
"""


def test_a_kill_between_the_rounds_part_and_the_summary_part_leaves_no_duplicates(tmp_path):
    """Killed after the 3rd batch's rounds part and before its summary part, then resumed
    with another batching: every run's rounds appear once (before the fix: 151 round rows
    for 132, 19 duplicated). A reader in between sees only the two committed batches."""
    out = tmp_path / "s"
    child = run_child(KILL_AFTER_WRITE, str(out), "rounds", "3", "2")
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert len(list(out.glob("part-*.parquet"))) == 2
    assert len(list((out / "rounds").glob("part-*.parquet"))) == 3  # one orphan
    frame, rounds = read_sweep(out, rounds=True)  # no lock: a reader during the outage
    assert len(frame) == 4 and set(rounds["run_id"]) == set(frame["run_id"])

    frame, rounds = sweep(BASE, grid=GRID, seeds=4, out=out, executor="inprocess",
                          batch_size=5, rounds=True, progress=False)
    assert len(frame) == 12 and frame["run_id"].is_unique
    assert len(rounds) == int((frame["rounds"] + 1).sum())
    assert not rounds.duplicated(["run_id", "round"]).any()
    summary_names = {p.name for p in out.glob("part-*.parquet")}
    assert {p.name for p in (out / "rounds").glob("part-*.parquet")} == summary_names
    fresh, fresh_rounds = sweep(BASE, grid=GRID, seeds=4, out=tmp_path / "fresh",
                                executor="inprocess", rounds=True, progress=False)
    pd.testing.assert_frame_equal(frame, fresh)
    key = ["run_id", "round"]
    pd.testing.assert_frame_equal(rounds.sort_values(key).reset_index(drop=True),
                                  fresh_rounds.sort_values(key).reset_index(drop=True))


TEMP_KILL = """
    import os, signal, sys
    import pyarrow.parquet as pq  # what swarm.store writes with
    from swarm import Scenario
    from swarm.sweep import sweep
    real, count = pq.write_table, [0]
    def write_table(table, where, **kw):  # killed with the 3rd file half-written
        count[0] += 1
        if count[0] == 3:
            with open(where, "wb") as f:
                f.write(b"PAR1 half a file")
            os.kill(os.getpid(), signal.SIGKILL)
        return real(table, where, **kw)
    pq.write_table = write_table
    sweep(Scenario(nodes=300, protocol="push", seed=4), grid={"protocol.fanout": [1, 2, 3]},
          seeds=4, out=sys.argv[1], executor="inprocess", batch_size=2, progress=False)
"""


def test_temporary_files_of_a_killed_sweep_go_on_the_next_open(tmp_path):
    out = tmp_path / "t"
    child = run_child(TEMP_KILL, str(out))
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert len(list(out.glob(".*.tmp"))) == 1 and len(list(out.glob("part-*.parquet"))) == 2
    assert len(read_sweep(out)) == 4  # the reader skips the temporary file
    frame = sweep(BASE, grid=GRID, seeds=4, out=out, executor="inprocess", progress=False)
    assert not list(out.glob(".*.tmp"))
    assert len(frame) == 12 and frame.attrs["sweep"]["skipped"] == 4


# ------------------------------------------------------------------------- one writer

HOLD = """
    import sys
    from swarm import Scenario
    from swarm.sweep import sweep
    sweep(Scenario(nodes=20_000, protocol="pull", seed=3), grid={"protocol.fanout": [1, 2]},
          seeds=200, out=sys.argv[1], executor="inprocess", batch_size=1, progress=False)
"""


def test_a_second_sweep_on_the_same_folder_is_refused_until_the_first_dies(tmp_path):
    """Two real processes: the first sweeps; the command line on the same folder exits 2
    with one line naming the first one's pid; after the first is SIGKILLed (the OS drops
    its lock) the second runs, and the store holds every run once."""
    out = tmp_path / "shared"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    first = subprocess.Popen([sys.executable, "-c", textwrap.dedent(HOLD), str(out)], env=env)
    try:
        deadline = time.monotonic() + 120
        while not list(out.glob("part-*.parquet")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert first.poll() is None, "the first sweep should still be running"
        spec = tmp_path / "s.toml"
        spec.write_text('seeds = 2\nexecutor = "inprocess"\n[base]\nnodes = 300\n'
                        '[base.protocol]\nname = "push"\n[grid]\n"protocol.fanout" = [1, 3]\n')
        command = [sys.executable, "-m", "swarm.cli", "sweep", str(spec), "--out", str(out)]
        second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert second.returncode == 2
        assert second.stderr.strip().splitlines() == [
            f"swarm: error: out = {str(out)!r}: another sweep (pid {first.pid}) is writing to "
            "this folder; wait for it to finish, or give another out"]
        stored = len(raw_rows(out))
    finally:
        first.kill()
        first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    rows = raw_rows(out)
    assert rows["run_id"].is_unique and len(rows) >= stored + 4


def test_the_lock_is_per_folder_and_released_on_close(tmp_path):
    with SweepStore(tmp_path / "a"):
        with pytest.raises(ConfigError, match=rf"another sweep \(pid {os.getpid()}\)"):
            SweepStore(tmp_path / "a").open()
        with SweepStore(tmp_path / "b"):
            pass
    with SweepStore(tmp_path / "a"):
        pass


# ------------------------------------------------------------------------- retry failed


def test_failed_runs_are_kept_unless_retried_and_a_retry_supersedes_them(tmp_path,
                                                                        monkeypatch):
    """The first sweep's fanout-2 runs fail (a fault injected into simulate, in this
    process); a plain resume keeps them; retry_failed runs them again, and the store then
    holds one row per run: the new one, attempt 2, with its rounds."""
    import swarm.run

    real = swarm.run.simulate

    def flaky(scenario, **kw):
        if scenario.protocol.fanout == 2:
            raise RuntimeError("transient trouble")
        return real(scenario, **kw)

    out = tmp_path / "retry"
    monkeypatch.setattr(swarm.run, "simulate", flaky)
    first = sweep(BASE, grid=GRID, seeds=3, out=out, executor="inprocess", rounds=True,
                  progress=False)[0]
    assert first.attrs["sweep"]["failed"] == 3
    monkeypatch.setattr(swarm.run, "simulate", real)
    kept = sweep(BASE, grid=GRID, seeds=3, out=out, executor="inprocess", progress=False)
    assert kept.attrs["sweep"]["done"] == 0 and kept.attrs["sweep"]["failed"] == 3
    frame, rounds = sweep(BASE, grid=GRID, seeds=3, out=out, executor="inprocess",
                          rounds=True, progress=False, retry_failed=True)
    assert frame.attrs["sweep"]["retried"] == 3 and frame.attrs["sweep"]["failed"] == 0
    rows = raw_rows(out)
    assert len(rows) == 9 and rows["run_id"].is_unique and (rows["status"] == "ok").all()
    assert sorted(rows["attempt"]) == [1] * 6 + [2] * 3
    assert set(rounds["run_id"]) == set(frame["run_id"])
    fresh = sweep(BASE, grid=GRID, seeds=3, out=tmp_path / "fresh", executor="inprocess",
                  progress=False)
    cols = [c for c in fresh.columns if c != "attempt"]
    pd.testing.assert_frame_equal(frame[cols], fresh[cols])


RETRY_KILL = """
    import os, signal, sys
    import swarm.sweepstore as store
    from swarm import Scenario
    from swarm.sweep import sweep
    real, calls = store.SweepStore.compact, [0]
    def compact(self):  # the first call is the clean-up on open; the second follows the retry
        calls[0] += 1
        if calls[0] == 2:
            os.kill(os.getpid(), signal.SIGKILL)
        real(self)
    store.SweepStore.compact = compact
    sweep(Scenario.from_dict({"nodes": 100, "protocol": "push",
                              "faults.partition.by": "position", "faults.partition.end": 3}),
          grid={"topology": ["complete", "grid"]}, seeds=2, out=sys.argv[1],
          executor="inprocess", progress=False, retry_failed=True)
"""


def test_a_kill_between_a_retry_and_the_clean_up_is_invisible_to_readers(tmp_path):
    """Retried runs that fail again, killed after their new rows are committed and before
    the old ones are removed: the files hold both, a reader sees the new one only, and the
    next open removes the old."""
    base = Scenario.from_dict({"nodes": 100, "protocol": "push",
                               "faults.partition.by": "position", "faults.partition.end": 3})
    grid = {"topology": ["complete", "grid"]}
    out = tmp_path / "k"
    sweep(base, grid=grid, seeds=2, out=out, executor="inprocess", progress=False)
    child = run_child(RETRY_KILL, str(out))
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert len(raw_rows(out)) == 6  # 4 runs, 2 of them twice
    frame = read_sweep(out)
    assert len(frame) == 4 and frame["run_id"].is_unique
    assert sorted(frame["attempt"]) == [1, 1, 2, 2]
    sweep(base, grid=grid, seeds=2, out=out, executor="inprocess", progress=False)
    rows = raw_rows(out)
    assert len(rows) == 4 and rows["run_id"].is_unique


# ------------------------------------------------------------------------- write errors


@pytest.fixture
def small_tmpfs(tmp_path):
    """A real tmpfs of 96 KiB (and a read-only one), or skip where mount is not allowed."""
    mounts = []

    def mount(name: str, options: str) -> Path:
        where = tmp_path / name
        where.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()})")
        mounts.append(where)
        return where

    yield mount
    for where in reversed(mounts):
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_full_folder_stops_the_sweep_with_one_error_and_keeps_what_was_stored(small_tmpfs):
    out = small_tmpfs("full", "size=96k") / "s"
    base = Scenario(nodes=2000, protocol="push", seed=1)
    with pytest.raises(ConfigError) as info:
        sweep(base, grid={"protocol.fanout": [1, 2, 3, 4]}, seeds=20, out=out,
              executor="inprocess", batch_size=1, rounds=True, progress=False)
    message = str(info.value)
    assert info.value.field == "out" and "\n" not in message
    assert message.endswith("cannot be written (No space left on device)")
    assert str(out) in message
    assert not list(out.rglob(".*.tmp"))
    stored = list(out.glob("part-*.parquet"))
    assert 1 <= len(stored) < 80
    frame, rounds = read_sweep(out, rounds=True)
    assert len(frame) == len(stored) and (frame["status"] == "ok").all()
    assert len(rounds) == int((frame["rounds"] + 1).sum())


def test_a_read_only_folder_is_one_error_before_anything_runs(small_tmpfs):
    ro = small_tmpfs("ro", "ro,size=64k")
    with pytest.raises(ConfigError) as info:
        sweep(BASE, grid=GRID, out=ro / "s", executor="inprocess", progress=False)
    assert info.value.field == "out"
    assert str(info.value) == f"out = {str(ro / 's')!r}: cannot be written (Read-only file system)"
    run = swarm.simulate(Scenario(nodes=100, seed=1))
    with pytest.raises(ConfigError, match=r"cannot be written \(Read-only file system\)"):
        run.to_parquet(ro / "r.parquet")


def test_a_path_under_a_file_is_one_error_for_sweep_run_and_cli(tmp_path):
    from click.testing import CliRunner

    from swarm.cli import main

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError) as info:
        sweep(BASE, grid=GRID, out=blocker / "s", executor="inprocess", progress=False)
    assert str(info.value) == (f"out = {str(blocker / 's')!r}: cannot be written "
                               "(Not a directory)")
    run = swarm.simulate(Scenario(nodes=100, seed=1))
    with pytest.raises(ConfigError, match=r"^out = .*: cannot be written \(Not a directory\)$"):
        run.to_parquet(blocker / "deep" / "r.parquet")
    for seeds in ("1", "3"):
        r = CliRunner().invoke(main, ["simulate", "-n", "100", "--seeds", seeds, "--out",
                                      str(blocker / "r.parquet")])
        assert r.exit_code == 2
        assert r.stderr.strip().splitlines()[-1] == (
            f"swarm: error: out = {str(blocker / 'r.parquet')!r}: cannot be written "
            "(Not a directory)")
    assert blocker.read_text() == "not a folder"
