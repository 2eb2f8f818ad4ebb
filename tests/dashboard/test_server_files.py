"""Issue 12: a page parameter never names a file on the server. The address (and every
control) may choose any scenario except one that would make the server open a file: a file
parameter (``topology.path``) or a kind that reads one (``topology=edgelist``) is refused on
the page, with the defaults kept, before any Scenario is built (building one already looks at
the file).

The fast tests call the rule directly; the browser test loads the hostile address in Chromium
against a server whose every ``open`` is watched by an audit hook."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import dashboards
from dashboards import app
from swarm import PROTOCOLS
from swarm.errors import ConfigError
from swarm.faults.base import SelectionParams
from swarm.registry import FAULTS, TOPOLOGIES

SECRET = "swarm-secret-7f3a9c1e-do-not-show"
DEFAULTS = app.Scenario.from_dict(app.DEFAULT_SCENARIO).to_dict()
#: free-text string parameters that are not file names (ids, coordinates): a new free-text
#: parameter must be added here or named like a file, so the rule never misses one
NOT_FILES = {("faults", "crash", "ids"), ("faults", "crash", "region"),
             ("faults", "partition", "ids"), ("faults", "partition", "line"),
             ("faults", "byzantine", "ids"), ("faults", "byzantine", "region")}


@pytest.fixture(autouse=True)
def fresh_state():
    app.settings.value = dict(DEFAULTS)
    app.engine_name.value = "kernels"
    app.live.value = None
    app.error.value = ""
    yield


@pytest.fixture
def secret_file(tmp_path) -> Path:
    """A file whose first line is a secret (and not an edge list)."""
    path = tmp_path / "secret.txt"
    path.write_text(f"{SECRET}:x:0:0:root:/root:/bin/bash\n0 1\n")
    return path


def all_params():
    kinds = {"protocol": {n: p.Params for n, p in PROTOCOLS.items()}, "topology": TOPOLOGIES,
             "faults": {n: f.Params for n, f in FAULTS.items()}}
    for kind, registry in kinds.items():
        for name, cls in registry.items():
            yield kind, name, cls


def test_the_only_file_parameter_is_the_edge_list_path_and_every_free_text_one_is_known():
    files = {(kind, name, f) for kind, name, cls in all_params() for f in app.file_fields(cls)}
    assert files == {("topology", "edgelist", "path")}
    free_text = {(kind, name, f.name) for kind, name, cls in all_params()
                 for f in dataclasses.fields(cls)
                 if f.metadata["type"] is str and not f.metadata["choices"]}
    # the node selection's ids and region (SelectionParams) are not files in whichever fault
    # brings them, a plugin's too (examples/swarm-example-plugin's slow-nodes)
    selection = {("faults", name, f) for name, fault in FAULTS.items()
                 if issubclass(fault.Params, SelectionParams) for f in ("ids", "region")}
    assert free_text - files - selection == NOT_FILES - selection, \
        "a new free-text parameter: a file or not?"
    assert app.file_backed("topology") == ["edgelist"]
    assert app.file_backed("protocol") == [] and app.file_backed("faults") == []


@pytest.mark.parametrize("query, field", [
    ("topology=edgelist&topology.path={path}", "topology"),
    ("topology.path={path}&topology=edgelist&nodes=10", "topology.path"),
    ("nodes=10&topology=edgelist", "topology"),
    ("topology.path={path}", "topology.path"),
    ("faults.x.path={path}", "faults.x.path"),
    ("topology.edges_file={path}", "topology.edges_file"),
])
def test_the_address_may_not_name_a_file_and_the_defaults_are_kept(secret_file, query, field):
    app.settings_from_query(query.format(path=secret_file))
    assert app.error.value.startswith(f"{field} = ")
    assert "the page may not name a file on the server" in app.error.value
    assert SECRET not in app.error.value
    assert app.settings.value == DEFAULTS


def test_the_rule_passes_every_other_address():
    app.settings_from_query("nodes=300&topology=ring&protocol=pull&timeline=5: crash "
                            "fraction=0.1")
    assert app.error.value == ""
    assert app.settings.value["topology"] == "ring" and app.settings.value["nodes"] == 300
    app.refuse_server_files({"faults.a.kind": "loss", "faults.a.rate": 0.1,
                             "protocol": "swim", "topology.k": 4})


def test_a_timeline_entry_of_a_file_backed_fault_is_refused(monkeypatch):
    monkeypatch.setattr(app, "file_backed", lambda kind: ["loss"] if kind == "faults" else [])
    monkeypatch.setattr(app, "file_fields", lambda cls: ["trace_file"])
    with pytest.raises(ConfigError, match=r"^timeline = 'loss'.*may not name a file"):
        app.refuse_server_files({"timeline": "5: crash fraction=0.1; loss rate=0.2"})
    with pytest.raises(ConfigError, match=r"^faults\.a = 'loss'"):
        app.refuse_server_files({"faults.a": "loss"})


def test_the_controls_do_not_offer_a_file_backed_topology_nor_take_one(secret_file):
    import ipyvuetify as v
    import solara

    box, rc = solara.render(app.ScenarioControls(), handle_error=False)
    offered = rc.find(v.Select, label="topology").widget.items
    assert "edgelist" not in offered and "ring" in offered
    app.set_setting("topology", "edgelist")
    assert app.error.value.startswith("topology = 'edgelist': reads a file (its path)")
    app.set_setting("topology.path", str(secret_file))
    assert app.error.value.startswith("topology.path = ")
    assert app.settings.value == DEFAULTS


# ------------------------------------------------------------------------------ in Chromium
APP = Path(dashboards.__file__).with_name("app.py")

#: installed in the server through sitecustomize: every open() / os.open() of a path with the
#: watched text is written to the watch log, so the test sees whether the server opened it
WATCH_HOOK = textwrap.dedent("""
    import os, sys
    _watched = os.environ.get("SWARM_WATCH_TEXT")
    _log = os.environ.get("SWARM_WATCH_LOG")
    if _watched and _log:
        _fd = os.open(_log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

        def _hook(event, args):
            if event == "open" and args and _watched in os.fsdecode(str(args[0])):
                os.write(_fd, f"{event} {args[0]}\\n".encode())

        sys.addaudithook(_hook)
""")


@pytest.fixture
def watched_env(tmp_path, offline_solara_env, secret_file):
    """The servers' environment plus the audit hook watching ``secret_file``'s name."""
    hook_dir = tmp_path / "hook"
    hook_dir.mkdir()
    (hook_dir / "sitecustomize.py").write_text(WATCH_HOOK)
    env = dict(offline_solara_env)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(hook_dir), env.get("PYTHONPATH")]))
    env["SWARM_WATCH_TEXT"] = secret_file.name
    env["SWARM_WATCH_LOG"] = str(tmp_path / "opened.log")
    # the hook works: a python that opens the file is seen doing it
    subprocess.run([sys.executable, "-c", f"open({str(secret_file)!r}).close()"], env=env,
                   check=True)
    watch_log = Path(env["SWARM_WATCH_LOG"])
    assert str(secret_file) in watch_log.read_text()
    watch_log.unlink()
    return env


@pytest.mark.browser
def test_a_hostile_address_is_refused_on_the_page_and_the_file_never_opened(
        page, network, watched_env, secret_file):
    from browser_harness import SolaraServer

    server = SolaraServer(str(APP), env=watched_env)
    try:
        server.start()
        frames: list[str] = []
        page.on("websocket", lambda ws: ws.on(
            "framereceived", lambda data: frames.append(data if isinstance(data, str)
                                                        else data.decode("latin-1"))))
        page.goto(f"{server.url}?topology=edgelist&topology.path={secret_file}&nodes=50")
        page.locator(".swarm-round").wait_for(timeout=60_000)
        refusal = page.get_by_text("the page may not name a file on the server")
        refusal.wait_for()
        assert refusal.inner_text().startswith("topology = 'edgelist': reads a file")
        # the defaults ran instead: 5,000 nodes, not the 50 of the address
        status = page.locator(".swarm-status").inner_text()
        assert sum(int(n.replace(",", "")) for n in re.findall(r"[\d,]+", status)) == 5000
        page.get_by_role("button", name="Step").click()
        page.locator('.swarm-round[data-round="1"]').wait_for()

        seen = [page.content(), page.locator("body").inner_text(), *frames, server.log()]
        assert frames and all(SECRET not in text for text in seen)
        server.stop()
        opened = Path(watched_env["SWARM_WATCH_LOG"])
        assert opened.exists()  # the hook ran in the server (it creates its log at start)
        assert opened.read_text() == "", "the server opened the file the address named"
        assert SECRET not in server.log()
        network.assert_clean()
    finally:
        server.cleanup()
