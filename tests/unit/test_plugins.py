"""Protocols, faults and topologies from outside the package (``swarm.registry``).

In code (``swarm.register_*``), by entry point (a real distribution on ``sys.path`` of a
subprocess: ``importlib.metadata`` finds its ``entry_points.txt`` as it finds an installed
package's), and on Dask workers (a script whose protocol lives in its ``__main__``). The
installable example of docs/tutorial_protocol.md is tested in tests/examples.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

import swarm
from swarm.errors import ConfigError
from swarm.faults.base import Fault, FaultParams
from swarm.faults.loss import Loss, LossParams
from swarm.params import TopologyParams, param
from swarm.protocols.base import Protocol
from swarm.protocols.spreading import Push, PushParams
from swarm.registry import FAULTS, PROTOCOLS, TOPOLOGIES, Registry, install, shipped
from swarm.topology import Complete

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@dataclass(frozen=True, slots=True, kw_only=True)
class EchoParams(PushParams):
    name: ClassVar[str] = "echo"
    summary: ClassVar[str] = "push under another name (a test plugin)"


class Echo(Push):
    name = "echo"
    Params = EchoParams


@pytest.fixture
def clean_registries():
    """Each test's registrations are undone (the registries are process-wide)."""
    saved = [(r, dict(r._entries), dict(r._sources)) for r in (PROTOCOLS, FAULTS, TOPOLOGIES)]
    yield
    for registry, entries, sources in saved:
        registry._entries, registry._sources = entries, sources


def test_every_built_in_meets_the_contract_the_registry_checks():
    """The checker passes what the package ships (so it does not refuse a working class)."""
    for registry in (PROTOCOLS, FAULTS, TOPOLOGIES):
        for name, cls in registry.items():
            assert registry._check(name, cls) == [], (registry.kind, name)


def test_a_protocol_registered_in_code_runs_by_name_and_equals_its_original(clean_registries):
    assert swarm.register_protocol(Echo) is Echo
    assert "echo" in swarm.PROTOCOLS and PROTOCOLS.source("echo") == "registered in code"
    echo = swarm.simulate(swarm.Scenario(nodes=500, protocol="echo", seed=3))
    push = swarm.simulate(swarm.Scenario(nodes=500, protocol="push", seed=3))
    assert echo.summary == push.summary  # the same rule under a new name
    assert swarm.Scenario.from_dict({"protocol": "echo", "protocol.fanout": 2}).protocol.fanout == 2
    assert shipped() == [("protocol", "echo", Echo)]


def test_a_name_clash_is_refused_naming_both(clean_registries):
    class Push2(Push):
        name = "push"

    with pytest.raises(ConfigError) as err:
        swarm.register_protocol(Push2)
    msg = str(err.value)
    assert "protocol plugin = 'push'" in msg and "swarm.protocols.spreading.Push (built-in)" in msg
    with pytest.raises(ConfigError, match="built-in"):
        swarm.register_protocol(Push2, replace=True)  # a built-in is never replaced
    swarm.register_protocol(Echo)
    with pytest.raises(ConfigError, match="replace=True"):
        swarm.register_protocol(type("Echo2", (Echo,), {}), "echo")
    other = type("Echo3", (Echo,), {})
    swarm.register_protocol(other, "echo", replace=True)
    assert PROTOCOLS["echo"] is other
    assert "\n" not in msg


def test_a_protocol_that_breaks_the_contract_is_told_what_is_missing(clean_registries):
    class Half(Protocol):
        name = "half"

    with pytest.raises(ConfigError) as err:
        swarm.register_protocol(Half)
    msg = str(err.value)
    for missing in ("Half.Params", "Half.Agent", "Half.init_state", "Half.send", "Half.receive"):
        assert missing in msg, missing
    with pytest.raises(ConfigError, match="not a subclass of swarm.protocols.base.Protocol"):
        swarm.register_protocol(object, "thing")

    class Misnamed(Push):
        name = "misnamed"  # Params still says 'push'

    with pytest.raises(ConfigError, match=r"Misnamed.Params.name is 'push', not the registry"):
        swarm.register_protocol(Misnamed)
    with pytest.raises(ConfigError, match="lowercase letters"):
        swarm.register_protocol(Echo, "Has Spaces")
    assert "half" not in PROTOCOLS and "misnamed" not in PROTOCOLS


def test_a_params_class_must_be_a_frozen_dataclass_of_param_fields(clean_registries):
    class Loose(TopologyParams):  # not a dataclass at all
        name: ClassVar[str] = "loose"

    with pytest.raises(ConfigError, match="is not decorated with @dataclass"):
        swarm.register_topology(Loose)

    @dataclass(frozen=True, kw_only=True)
    class Bare(TopologyParams):
        name: ClassVar[str] = "bare"
        k: int = 3  # not swarm.param(...)

        def build(self, n, rng):
            return Complete().build(n, rng)

    with pytest.raises(ConfigError, match=r"fields k are not declared with swarm.param"):
        swarm.register_topology(Bare)


def test_a_topology_and_a_fault_register_and_run(clean_registries):
    @dataclass(frozen=True, slots=True, kw_only=True)
    class Star(TopologyParams):
        name: ClassVar[str] = "star"
        summary: ClassVar[str] = "node 0 linked to every other"
        hub: int = param(0, min=0, help="the hub's id")

        def build(self, n, rng):
            others = np.array([i for i in range(n) if i != self.hub], dtype=np.int64)
            return swarm.from_edges(n, np.full(others.size, self.hub), others, name="star")

    @dataclass(frozen=True, slots=True, kw_only=True)
    class DropParams(LossParams):
        name: ClassVar[str] = "drop"

    class Drop(Loss):
        Params = DropParams

    swarm.register_topology(Star)
    swarm.register_fault(Drop)
    run = swarm.simulate(swarm.Scenario(nodes=50, topology="star", faults="drop rate=0.2"))
    assert run.summary["rounds_to_full"] > 0 and run.summary["dropped_loss_total"] > 0
    assert run.scenario.faults[0][0] == "drop"
    # under the same label (its random stream is named by the label) it is the loss fault
    same = swarm.Scenario(nodes=50, topology="star", faults={"loss": DropParams(rate=0.2)})
    lost = swarm.Scenario(nodes=50, topology="star", faults="loss rate=0.2")
    assert swarm.simulate(same).summary == swarm.simulate(lost).summary
    assert sorted(k for k, _, _ in shipped()) == ["fault", "topology"]


def test_a_fault_that_breaks_the_contract_is_told_what_is_missing(clean_registries):
    @dataclass(frozen=True, slots=True, kw_only=True)
    class IdleParams(FaultParams):
        name: ClassVar[str] = "idle"
        ZERO: ClassVar[dict] = {"nonsense": 1}

    class Idle(Fault):
        Params = IdleParams

    with pytest.raises(ConfigError) as err:
        swarm.register_fault(Idle)
    assert "overrides neither perturb" in str(err.value)

    class Busy(Idle):
        def perturb(self, state, t, protocol, log):
            pass

    with pytest.raises(ConfigError, match=r"Busy.Params.ZERO does not build"):
        swarm.register_fault(Busy)


def test_a_name_field_instead_of_a_class_variable_is_explained(clean_registries):
    @dataclass(frozen=True, slots=True, kw_only=True)
    class Fielded(PushParams):
        name: str = "fielded"  # a dataclass field, not ClassVar[str]

    class Uses(Push):
        name = "fielded"
        Params = Fielded

    with pytest.raises(ConfigError, match=r"Uses.Params.name is a dataclass field: declare it as "
                       r"`name: ClassVar\[str\] = ...`"):
        swarm.register_protocol(Uses)


def test_only_a_name_registered_in_code_can_be_unregistered(clean_registries):
    swarm.register_protocol(Echo)
    PROTOCOLS.unregister("echo")
    assert "echo" not in PROTOCOLS
    with pytest.raises(ConfigError, match=r"was not registered in code \(built-in\)"):
        PROTOCOLS.unregister("push")


def test_install_replaces_what_a_worker_held_from_an_earlier_sweep(clean_registries):
    swarm.register_protocol(Echo)
    newer = type("Echo", (Echo,), {})
    install([("protocol", "echo", newer)])
    assert PROTOCOLS["echo"] is newer


def _fake_distribution(root: Path, entry_points: str, module: str) -> None:
    """A distribution as pip leaves it: a module and a ``*.dist-info`` with
    ``entry_points.txt`` (what ``importlib.metadata`` reads)."""
    (root / "swarm_fake_plugin.py").write_text(textwrap.dedent(module))
    info = root / "swarm_fake_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: swarm-fake-plugin\n"
                                   "Version: 0.1\n")
    (info / "entry_points.txt").write_text(textwrap.dedent(entry_points))


PLUGIN_MODULE = """
    from dataclasses import dataclass
    from typing import ClassVar

    from swarm.protocols.spreading import PushPull, PushPullParams


    @dataclass(frozen=True, slots=True, kw_only=True)
    class EchoPullParams(PushPullParams):
        name: ClassVar[str] = "echo-pull"
        summary: ClassVar[str] = "push-pull under another name"


    class EchoPull(PushPull):
        name = "echo-pull"
        Params = EchoPullParams
"""


def _swarm(args: list[str], path: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(path), str(ROOT)]))
    return subprocess.run([str(BIN / "swarm"), *args], env=env, capture_output=True, text=True,
                          timeout=300)


def test_an_entry_point_plugin_is_known_to_the_command_line(tmp_path):
    _fake_distribution(tmp_path, """
        [swarm.protocols]
        echo-pull = swarm_fake_plugin:EchoPull
    """, PLUGIN_MODULE)
    listed = _swarm(["protocols"], tmp_path)
    assert listed.returncode == 0, listed.stderr
    line = next(x for x in listed.stdout.splitlines() if x.startswith("echo-pull:"))
    assert "[plugin: entry point swarm_fake_plugin:EchoPull (swarm-fake-plugin)]" in line
    done = _swarm(["simulate", "-n", "2000", "-p", "echo-pull", "--format", "json"], tmp_path)
    assert done.returncode == 0, done.stderr
    same = _swarm(["simulate", "-n", "2000", "-p", "push-pull", "--format", "json"], tmp_path)
    assert json.loads(done.stdout)["summary"] == json.loads(same.stdout)["summary"]


def test_a_broken_entry_point_is_one_line_naming_it(tmp_path):
    _fake_distribution(tmp_path, """
        [swarm.protocols]
        gone = swarm_fake_plugin:Missing
    """, PLUGIN_MODULE)
    done = _swarm(["simulate", "-n", "100"], tmp_path)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("swarm: error: protocol plugin = 'gone': entry point "
                           "swarm_fake_plugin:Missing (swarm-fake-plugin) does not load"), line


def test_an_entry_point_that_takes_a_built_in_name_is_refused(tmp_path):
    _fake_distribution(tmp_path, """
        [swarm.protocols]
        push = swarm_fake_plugin:EchoPull
    """, PLUGIN_MODULE)
    done = _swarm(["protocols"], tmp_path)
    assert done.returncode == 2
    assert "protocol plugin = 'push': is already taken by swarm.protocols.spreading.Push " \
           "(built-in)" in done.stderr


@pytest.mark.slow
def test_a_protocol_registered_in_a_script_runs_on_dask_workers(tmp_path):
    """The sweep ships what ``__main__`` registered to a real LocalCluster's workers, which
    never import the script (its class travels by value)."""
    script = tmp_path / "my_sweep.py"
    script.write_text(textwrap.dedent("""
        from dataclasses import dataclass
        from typing import ClassVar

        import swarm
        from swarm.protocols.spreading import Push, PushParams


        @dataclass(frozen=True, slots=True, kw_only=True)
        class MineParams(PushParams):
            name: ClassVar[str] = "mine"


        class Mine(Push):
            name = "mine"
            Params = MineParams


        if __name__ == "__main__":
            swarm.register_protocol(Mine)
            frame = swarm.sweep(swarm.Scenario(nodes=300, protocol="mine"),
                                grid={"protocol.fanout": [1, 2]}, seeds=3, out="out",
                                executor="local", progress=False)
            print("STATUS", sorted(set(frame["status"])), len(frame))
    """))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "STATUS ['ok'] 6" in done.stdout, (done.stdout, done.stderr[-2000:])


def test_registry_is_a_read_only_mapping():
    assert isinstance(PROTOCOLS, Registry)
    with pytest.raises(TypeError):
        PROTOCOLS["x"] = Echo  # type: ignore[index]
    assert list(PROTOCOLS)[:3] == ["push", "pull", "push-pull"]
