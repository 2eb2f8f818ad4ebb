"""docs/tutorial_protocol.md is a test: its code is the example package's, the package is
installed and passes its own tests and swarm's contract tests, and the page's commands run.

- **Blocks == files**: a fenced block whose first line is ``# examples/<path>`` is that file
  from its first line; one whose first line is ``# examples/<path> (continued)`` is a run of
  whole lines of it (after that header). Every non-blank line of the files in ``SHOWN`` is in
  some block, so the page shows all of them and a newcomer can write the package from it;
  and every ``.py`` or ``.toml`` file of the package is in ``SHOWN``.
- **Installed**: ``importlib.metadata`` finds the package's entry points (``scripts/setup.sh``
  installs it: ``pip install -e examples/swarm-example-plugin``), they load this checkout's
  code, and ``swarm protocols`` / ``swarm faults`` list both names as plugins.
- **Its tests**: the package's own tests (kernels, theory, the fault) run in a subprocess;
  its contract cases also run in-process in tests/contract (they parametrize over every
  installed name). Slow: the package's whole suite, and ``pytest --pyargs swarm.contract -k
  NAME`` for both names, as the page says to run them.
- **Commands**: ``try_gossip1.py`` prints what the page shows; every ``swarm ...`` line of
  the page's bash blocks runs (slow); an in-process sweep with the fault (fast) and the
  page's two sweep scripts on a local Dask cluster (slow), their tables as the page shows.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import swarm

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "tutorial_protocol.md"
TEXT = PAGE.read_text(encoding="utf-8")
PLUGIN = ROOT / "examples" / "swarm-example-plugin"
BIN = Path(sys.executable).parent
DIST = "swarm-example-plugin"
PROTOCOL, FAULT = "gossip1", "slow-nodes"
#: the files the page shows in full: all of the package's code and tests
SHOWN = ("pyproject.toml", "swarm_example/__init__.py", "swarm_example/gossip1.py",
         "swarm_example/kernels.py", "swarm_example/slow.py", "try_gossip1.py",
         "sweep_gossip1.py", "sweep_slow.py", "tests/conftest.py", "tests/test_contract.py",
         "tests/test_kernels.py", "tests/test_theory.py", "tests/test_slow.py")
HEADER = re.compile(r"# (examples/\S+)( \(continued\))?")


def fenced(lang: str | None = None) -> list[tuple[str, str]]:
    """(language, text) of every fenced block of the page, in order."""
    return [(m[1], m[2]) for m in re.finditer(r"^```(\w*)\n(.*?)^```", TEXT, flags=re.M | re.S)
            if lang is None or m[1] == lang]


def tagged_blocks() -> list[tuple[str, bool, list[str]]]:
    """(path under the repo, continued?, the block's lines after the header) of every block
    that names a file."""
    out = []
    for _, text in fenced():
        first, _, rest = text.partition("\n")
        m = HEADER.fullmatch(first)
        if m:
            out.append((m[1], bool(m[2]), rest.splitlines() if m[2] else text.splitlines()))
    return out


def find_run(lines: list[str], run: list[str]) -> int:
    """Where ``run`` starts in ``lines`` as whole consecutive lines (-1: nowhere)."""
    for i in range(len(lines) - len(run) + 1):
        if lines[i:i + len(run)] == run:
            return i
    return -1


def test_every_tagged_block_is_its_file_verbatim_and_the_shown_files_are_shown_whole():
    blocks = tagged_blocks()
    assert len(blocks) >= 15, "the page lost its tagged code blocks"
    covered: dict[str, set[int]] = {}
    for path, continued, lines in blocks:
        file = ROOT / path
        assert file.is_file(), f"the page shows {path}, which does not exist"
        have = file.read_text(encoding="utf-8").splitlines()
        at = find_run(have, lines) if continued else (0 if have[:len(lines)] == lines else -1)
        where = "a run of its lines" if continued else "its first lines"
        assert at >= 0, f"a block of docs/tutorial_protocol.md headed {path} is not {where}: " \
            f"copy the file's text into the page (it starts {lines[:2]!r})"
        covered.setdefault(path, set()).update(range(at, at + len(lines)))
    for rel in SHOWN:
        path = f"examples/swarm-example-plugin/{rel}"
        have = (ROOT / path).read_text(encoding="utf-8").splitlines()
        missing = [i + 1 for i, line in enumerate(have)
                   if line.strip() and i not in covered.get(path, set())]
        assert not missing, f"docs/tutorial_protocol.md does not show lines {missing} of {path}"
    files = {str(f.relative_to(PLUGIN)) for ext in ("py", "toml") for f in PLUGIN.rglob(f"*.{ext}")
             if "data" not in f.parts and not any(p.endswith(".egg-info") for p in f.parts)}
    assert files == set(SHOWN), "a file of the package that the page does not show (or SHOWN " \
        f"names one that is gone): {sorted(files ^ set(SHOWN))}"


def test_the_example_package_is_installed_and_swarm_lists_it():
    eps = {(ep.group, ep.name): ep for group in ("swarm.protocols", "swarm.faults")
           for ep in importlib.metadata.entry_points(group=group)}
    hint = f"pip install -e {PLUGIN} (scripts/setup.sh does)"
    assert ("swarm.protocols", PROTOCOL) in eps and ("swarm.faults", FAULT) in eps, hint
    for key, value in ((("swarm.protocols", PROTOCOL), "swarm_example.gossip1:Gossip1"),
                       (("swarm.faults", FAULT), "swarm_example.slow:SlowNodes")):
        assert eps[key].value == value and eps[key].dist.name == DIST
        module = importlib.import_module(value.split(":")[0])
        assert Path(module.__file__).resolve().is_relative_to(PLUGIN), \
            f"{value} loads from {module.__file__}, not this checkout's {PLUGIN}: {hint}"
    assert swarm.PROTOCOLS.source(PROTOCOL).endswith(f"({DIST})")
    assert swarm.FAULTS.source(FAULT).endswith(f"({DIST})")
    for command, name, value in (("protocols", PROTOCOL, "swarm_example.gossip1:Gossip1"),
                                 ("faults", FAULT, "swarm_example.slow:SlowNodes")):
        done = run_swarm([command])
        line = next((x for x in done.stdout.splitlines() if x.startswith(f"{name}:")), "")
        assert f"[plugin: entry point {value} ({DIST})]" in line, done.stdout[-2000:]


def run_swarm(args: list[str], cwd: Path = ROOT) -> subprocess.CompletedProcess:
    done = subprocess.run([str(BIN / "swarm"), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, (args, done.stderr[-3000:])
    return done


def run_pytest(args: list[str], cwd: Path) -> int:
    """Run pytest in a subprocess; assert it passed; return how many tests passed."""
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           *args], cwd=cwd, capture_output=True, text=True, timeout=1800)
    tail = done.stdout[-3000:] + done.stderr[-2000:]
    assert done.returncode == 0, tail
    last = done.stdout.strip().splitlines()[-1]
    assert not re.search(r"\d+ (failed|error)", last), tail
    passed = re.search(r"(\d+) passed", last)
    assert passed and int(passed[1]) > 0, tail
    return int(passed[1])


def test_the_example_package_passes_its_own_tests_but_the_contract():
    """Its kernel, theory and fault tests (its contract cases run in tests/contract)."""
    assert run_pytest(["tests", "--ignore", "tests/test_contract.py"], PLUGIN) >= 40


@pytest.mark.slow
def test_the_example_package_passes_all_its_tests():
    assert run_pytest(["tests"], PLUGIN) > 150


@pytest.mark.slow
@pytest.mark.parametrize("name", [PROTOCOL, FAULT])
def test_swarms_contract_tests_pass_on_the_plugin_by_pyargs(name, tmp_path):
    assert run_pytest(["--pyargs", "swarm.contract", "-k", name], tmp_path) > 20


def text_after(marker: str, last: bool = False) -> str:
    """The first ``text`` block after (the first or the last) ``marker`` in the page."""
    at = TEXT.rindex(marker) if last else TEXT.index(marker)
    return re.search(r"^```text\n(.*?)^```", TEXT[at:], flags=re.M | re.S)[1]


def tokens(text: str) -> list[list[str]]:
    return [line.split() for line in text.strip().splitlines()]


def test_try_gossip1_prints_what_the_page_shows(tmp_path):
    """Its output after step 4, the page's last ``python try_gossip1.py``."""
    done = subprocess.run([sys.executable, str(PLUGIN / "try_gossip1.py")], cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert tokens(done.stdout) == tokens(text_after("python try_gossip1.py", last=True))


def test_simulate_by_name_and_a_small_sweep_with_the_fault(tmp_path):
    args = ["simulate", "-p", PROTOCOL, "-t", "torus", "-n", "2500", "--set",
            "protocol.p=0.8", "--fault", f"{FAULT} fraction=0.2", "--format", "json"]
    kernels = json.loads(run_swarm(args).stdout)["summary"]
    agents = json.loads(run_swarm([*args, "--engine", "agents"]).stdout)["summary"]
    assert kernels == agents and kernels["coverage_final"] > 0.9
    base = swarm.Scenario.from_dict({"nodes": 1000, "protocol": "push-pull"})
    frame = swarm.sweep(base, grid={f"faults.{FAULT}.fraction": [0.0, 1.0],
                                    f"faults.{FAULT}.rounds": [2]},
                        seeds=2, executor="inprocess", out=tmp_path / "sweep", progress=False)
    assert set(frame["status"]) == {"ok"} and len(frame) == 4
    full = frame.groupby(f"faults.{FAULT}.fraction")["rounds_to_full"].mean()
    assert full[1.0] > full[0.0]  # every node 2 rounds slow: every exchange takes 3 rounds


def page_commands() -> list[list[str]]:
    """The ``swarm ...`` lines of the page's bash blocks (comments dropped), as arguments."""
    out = []
    for _, text in fenced("bash"):
        for line in text.replace("\\\n", " ").splitlines():
            args = shlex.split(line, comments=True)
            if args and args[0] == "swarm":
                out.append(args[1:])
    return out


@pytest.mark.slow
def test_every_swarm_command_of_the_page_runs(tmp_path):
    commands = page_commands()
    assert len(commands) >= 6 and ["protocols"] in commands and ["faults"] in commands
    for args in commands:
        run_swarm(args, cwd=tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("script,marker", [("sweep_gossip1.py", "python sweep_gossip1.py"),
                                           ("sweep_slow.py", "python sweep_slow.py")])
def test_the_sweep_scripts_run_on_a_local_cluster_and_print_the_pages_table(
        script, marker, tmp_path):
    done = subprocess.run([sys.executable, str(PLUGIN / script)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    assert tokens(done.stdout) == tokens(text_after(marker))
    assert (tmp_path / "data" / "sweeps").is_dir()
