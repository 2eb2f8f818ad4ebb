"""The README's code runs as written: the test parses README.md, so a snippet changed there
is tested as changed.

- The first ``python`` block of "Quick start: Python" runs as a script in a subprocess (fast).
- The sweep block runs as a plain script (``python sweep.py``, under its own
  ``if __name__ == "__main__":``) in a subprocess, on the local Dask cluster (slow).
- Every ``swarm ...`` line of the "Quick start: command line" bash block (continuations
  joined, comments dropped) runs in a subprocess (slow), in a temporary folder holding the
  README's ``my.toml`` and ``my_sweep.toml`` blocks (found by their first-line comment).
  ``--scheduler tcp://...`` gets the address of a real ``dask scheduler`` + ``dask worker``
  the test starts on a free 127.0.0.1 port; ``swarm dashboard --port P`` gets a free port, is
  asked for its page, then stopped with SIGINT (Ctrl-C) by PID.

Sizes are shrunk so the runs stay short, by rewriting literals in the snippet text, never the
README: in Python, every integer literal >= 10,000 is divided by 10 and ``seeds=N`` becomes at
most 2; on the command line and in the TOML files, a node count >= 100,000 (``--nodes``,
``-n``, ``nodes =``) becomes 10,000 and ``seeds = N`` at most 2. Nothing else changes.
Not run: the set-up block (``bash scripts/run.sh`` / ``scripts/test.sh``: the whole main job
and every test suite, this one included) and the dashboard section's ``.venv/bin/swarm
dashboard`` line (the same command as the quick start's, which runs here).
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import swarm

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BIN = Path(sys.executable).parent


def section(title: str) -> str:
    """The README text under ``## title`` up to the next ``## ``."""
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end if end >= 0 else None]


def blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", text, flags=re.M | re.S)


def shrink_python(code: str) -> str:
    code = re.sub(r"\bseeds=(\d+)", lambda m: f"seeds={min(int(m[1]), 2)}", code)

    def smaller(m: re.Match) -> str:
        value = int(m[0].replace("_", ""))
        return f"{value // 10:_}" if value >= 10_000 else m[0]

    return re.sub(r"(?<![\w.])\d[\d_]*(?![\w.])", smaller, code)


def shrink_nodes(value: str) -> str:
    return "10000" if int(value.replace("_", "")) >= 100_000 else value


def shrink_toml(text: str) -> str:
    text = re.sub(r"^nodes = (\d+)", lambda m: f"nodes = {shrink_nodes(m[1])}", text, flags=re.M)
    return re.sub(r"^seeds = (\d+)", lambda m: f"seeds = {min(int(m[1]), 2)}", text, flags=re.M)


def cli_lines() -> list[list[str]]:
    """The ``swarm ...`` commands of the command-line quick start, as argument lists."""
    (bash,) = blocks(section("Quick start: command line"), "bash")
    commands = []
    for line in bash.replace("\\\n", " ").splitlines():
        args = shlex.split(line, comments=True)
        if args:
            commands.append(args)
    return commands


def shrink_args(args: list[str]) -> list[str]:
    out = list(args)
    for i, arg in enumerate(out[:-1]):
        if arg in ("--nodes", "-n"):
            out[i + 1] = shrink_nodes(out[i + 1])
        if arg == "--seeds":
            out[i + 1] = str(min(int(out[i + 1]), 2))
    return out


def env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")


def run_python(path: Path, cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(path)], cwd=cwd, env=env(),
                          capture_output=True, text=True, timeout=timeout)


def test_the_readme_is_what_this_test_expects():
    """Every block and command this test runs is found, and every command is one it knows
    how to run (a new kind of line fails here, not silently)."""
    python = blocks(section("Quick start: Python"), "python")
    assert len(python) == 2 and 'if __name__ == "__main__":' in python[1]
    tomls = {b.splitlines()[0] for b in blocks(section("Quick start: command line"), "toml")}
    assert tomls == {"# my.toml", "# my_sweep.toml"}
    kinds = {args[1] for args in cli_lines()}
    assert all(args[0] == "swarm" for args in cli_lines())
    assert kinds <= {"simulate", "sweep", "reproduce", "protocols", "topologies", "faults",
                     "dashboard", "lesson"}
    assert shrink_python("Scenario(nodes=100_000, seeds=20, x=1000)") == (
        "Scenario(nodes=10_000, seeds=2, x=1000)")


def test_analysis_is_there_after_a_bare_import():
    done = subprocess.run([sys.executable, "-c", "import sys, swarm; "
                           "print(callable(swarm.analysis.aggregate), 'matplotlib' in "
                           "sys.modules)"], env=env(), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False"]


def test_the_python_quick_start_runs_as_a_script(tmp_path):
    code = shrink_python(blocks(section("Quick start: Python"), "python")[0])
    script = tmp_path / "quick_start.py"
    script.write_text(code + "\nprint('ROWS', len(rows))\n")
    done = run_python(script, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "ROWS 6" in done.stdout  # batch_run: 2 fanouts x 3 seeds, one row each
    back = swarm.read_run(tmp_path / "data" / "run.parquet")
    assert back.scenario.nodes == 10_000 and back.summary["rounds_to_full"] > 0
    assert back.topology["name"] == "complete"


@pytest.mark.slow
def test_the_sweep_example_runs_as_a_plain_script(tmp_path):
    code = shrink_python(blocks(section("Quick start: Python"), "python")[1])
    script = tmp_path / "sweep.py"
    script.write_text(code)
    done = run_python(script, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "running in-process" not in done.stderr  # guarded: the local cluster ran it
    assert (tmp_path / "data" / "fanout.png").stat().st_size > 0
    (folder,) = (tmp_path / "data" / "sweeps").iterdir()
    frame = swarm.read_sweep(folder)
    assert len(frame) == 3 * 3 * 2 and set(frame["status"]) == {"ok"}


@pytest.fixture
def cli_folder(tmp_path) -> Path:
    for block in blocks(section("Quick start: command line"), "toml"):
        name = block.splitlines()[0].removeprefix("# ")
        (tmp_path / name).write_text(shrink_toml(block))
    return tmp_path


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_dashboard(args: list[str], cwd: Path) -> None:
    """Serve on a free port, fetch the page, then Ctrl-C it (by PID); exit code 0."""
    sys.path.insert(0, str(ROOT))
    from dashboards.offline import environ

    port = _free_port()
    args = [str(port) if a == "8765" else a for a in args]
    proc = subprocess.Popen([str(BIN / args[0]), *args[1:]], cwd=cwd,
                            env=dict(environ(), PYTHONPATH=str(ROOT)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        page = None
        while page is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    page = r.read().decode()
            except OSError:
                time.sleep(0.2)  # polling for the server, with a deadline
        assert page is not None and "solara" in page.lower()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err


@pytest.mark.slow
@pytest.mark.parametrize("args", cli_lines(), ids=lambda a: " ".join(a)[:60])
def test_every_command_line_of_the_quick_start_runs(args, cli_folder, request):
    args = shrink_args(args)
    if args[1] == "dashboard":
        pytest.importorskip("solara")
        _run_dashboard(args, cli_folder)
        return
    if "--scheduler" in args:
        address = request.getfixturevalue("dask_scheduler")
        i = args.index("--scheduler")
        args[i + 1] = address
    done = subprocess.run([str(BIN / args[0]), *args[1:]], cwd=cli_folder, env=env(),
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
    if "--out" in args:
        back = swarm.read_run(cli_folder / args[args.index("--out") + 1])
        assert back.scenario.topology.name == "regular" and back.scenario.topology.d == 8
    if args[1] == "sweep":
        (folder,) = (cli_folder / "data" / "sweeps").iterdir()
        frame = swarm.read_sweep(folder)
        assert len(frame) == 3 * 2 * 2 and set(frame["status"]) == {"ok"}
