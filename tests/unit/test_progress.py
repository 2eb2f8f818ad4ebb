"""Progress on long work: a bar (tqdm) when stderr is a terminal, nothing extra otherwise.

The terminal is a real pseudo-terminal (``pty``): the command runs in a child process whose
stderr is the pty's slave end, and the test reads what a user would see from the master end.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")

#: `swarm simulate` in a child process, with the bar shown from the first round (a test run
#: is too short for the 0.5 s delay)
SIMULATE = ("import sys, swarm.cli as c; c.PROGRESS_DELAY_S = 0.0; "
            "sys.argv = ['swarm', *sys.argv[1:]]; c.main()")
#: a 20-run in-process sweep
SWEEP = ("import swarm; swarm.sweep(swarm.Scenario(nodes=50, protocol='push'), "
         "grid={'protocol.fanout': [1, 2]}, seeds=10, executor='inprocess', "
         "out=sys.argv[1], progress=True)")


def run(code: str, *args: str, tty: bool) -> tuple[str, str]:
    """Run ``python -c code args``; stderr is a pseudo-terminal if ``tty``, else a pipe.
    Returns (stdout, stderr) as text."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"}
    argv = [sys.executable, "-c", "import sys\n" + code, *args]
    if not tty:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env,
                              cwd=ROOT)
        assert done.returncode == 0, done.stderr
        return done.stdout, done.stderr
    master, slave = pty.openpty()
    # a terminal 100 columns wide (a fresh pty reports 0 x 0, and a bar fits in no columns)
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=slave, env=env, cwd=ROOT)
    os.close(slave)
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            proc.kill()
            raise AssertionError("no output for 120 s")
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the child closed the terminal (Linux: EIO)
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    out = proc.stdout.read().decode()
    assert proc.wait(timeout=60) == 0, seen.decode(errors="replace")
    return out, seen.decode(errors="replace")


def test_simulate_shows_a_bar_on_a_terminal():
    out, err = run(SIMULATE, "simulate", "-n", "300", "-p", "push", tty=True)
    assert "rounds_to_full" in out
    assert "round" in err and "/1000" in err.replace(" ", "")  # k/max_rounds
    assert "\r" in err  # redrawn in place, not a line per round


def test_simulate_prints_nothing_extra_into_a_pipe():
    out, err = run(SIMULATE, "simulate", "-n", "300", "-p", "push", tty=False)
    assert "rounds_to_full" in out
    assert err.splitlines() and len(err.splitlines()) == 1 and err.startswith("# push")
    assert "\r" not in err and "it/s" not in err and "round/s" not in err


def test_seeds_bar_on_a_terminal_and_nothing_into_a_pipe():
    _, err = run(SIMULATE, "simulate", "-n", "200", "--seeds", "4", tty=True)
    assert "4 seeds" in err and "/4" in err.replace(" ", "")
    _, err = run(SIMULATE, "simulate", "-n", "200", "--seeds", "4", tty=False)
    assert len(err.splitlines()) == 1 and err.startswith("# 4 seeds")


def test_sweep_bar_on_a_terminal_lines_into_a_pipe(tmp_path):
    _, err = run(SWEEP, str(tmp_path / "a"), tty=True)
    assert "sweep" in err and "20/20" in err.replace(" ", "") and "\r" in err
    _, err = run(SWEEP, str(tmp_path / "b"), tty=False)
    lines = [line for line in err.splitlines() if line.startswith("sweep: ")]
    # a line per ~10% of the runs (2 runs here), then the closing line; no bar
    assert 5 <= len(lines) <= 12 and lines[-2].startswith("sweep: 20/20 runs (0 failed)")
    assert "\r" not in err and "|" not in err


def test_a_compile_is_announced(monkeypatch):
    """The bar names a numba compile while one runs (a fresh jit function forces one)."""
    import io

    import numba

    import swarm.cli as cli

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)

    @numba.njit  # not cached: compiled when first called
    def twice(x):
        return 2 * x

    class Fake:
        max_rounds = 3

    def fake_run(scenario, engine, progress):
        for t in (1, 2, 3):
            twice(t)
            progress(t)
        return "done"

    assert cli._run_with_progress(fake_run, Fake(), "kernels") == "done"
    assert "compiling numba kernels" in screen.getvalue()
