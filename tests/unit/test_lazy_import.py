"""``import swarm`` loads no heavy library, and a run loads only what it needs (issue 15,
start-up): Numba, pandas, pyarrow, Mesa, Dask and matplotlib come in when something uses
them. Checked on ``sys.modules`` of a fresh interpreter (what is loaded, not how long it
takes: the time is benchmarks/bench_startup.py's job)."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("numba", "pandas", "pyarrow", "mesa", "dask", "distributed", "matplotlib", "scipy",
         "networkx", "solara")


def loaded_after(code: str) -> dict[str, list[str]]:
    probe = (f"import sys, json\n{code}\n"
             f"print(json.dumps({{'heavy': [m for m in {HEAVY!r} if m in sys.modules], "
             "'swarm': sorted(m for m in sys.modules if m.startswith('swarm'))}))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_import_swarm_loads_no_heavy_library():
    seen = loaded_after("import swarm")
    assert seen["heavy"] == []
    assert not any(m.startswith(("swarm.protocols.", "swarm.kernels")) for m in seen["swarm"])


def test_the_public_names_still_resolve():
    seen = loaded_after("import swarm\nfrom swarm import SwarmModel, simulate, Topology, "
                        "NodeAgent, Protocol, Fault, PushParams, read_run\n"
                        "assert swarm.sweep.__name__ == 'sweep' and callable(swarm.simulate)")
    assert "mesa" in seen["heavy"]  # SwarmModel asked for it


def test_a_kernel_run_loads_its_own_protocol_and_no_mesa():
    seen = loaded_after("import swarm\n"
                        "swarm.simulate(swarm.Scenario(nodes=200, protocol='push-pull'))\n"
                        "import swarm.sweep")
    assert "numba" in seen["heavy"] and "mesa" not in seen["heavy"]
    protocols = {m for m in seen["swarm"] if m.startswith("swarm.protocols.")}
    assert protocols == {"swarm.protocols.base", "swarm.protocols.spreading"}
    assert "swarm.kernels.swim" not in seen["swarm"]
