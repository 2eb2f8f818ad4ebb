"""The bad-input corpus (issue 12): every input a user can get wrong, at the command line and
through the API, gives one line that names the field, the value and what is allowed.

- CLI: ``swarm ...`` exits with code 2 and prints exactly one line on stderr,
  ``swarm: error: <field> ...``; no traceback, no Click usage block.
- API: a :class:`swarm.ConfigError` whose message is one line and names the field.

Each case names the field its line must contain. A case is one line here so the corpus is easy
to extend: add a row, nothing else. Nothing in it runs a simulation to the end: every input is
refused before (or, for files, while) the run is built.
"""

from __future__ import annotations

import math
import shlex

import networkx as nx
import pytest
from click.testing import CliRunner

import swarm
from swarm.cli import main
from swarm.errors import ConfigError

#: the files the cases name, written once into a temporary folder ({d} in a case)
FILES: dict[str, bytes] = {
    "malformed.toml": b"nodes = \n",
    "empty.toml": b"",
    "comments.toml": b"# only a comment\n",
    "nonutf8.toml": b'nodes = 10\nprotocol = "p\xff\xfe"\n',
    "unknown.toml": b"nodes = 100\nfoo = 3\n",
    "misspelt.toml": b'nodes = 100\n[protocol]\nname = "push-pul"\n',
    "badtype.toml": b'nodes = "many"\n',
    "badfault.toml": b'nodes = 100\n[faults.split]\nkind = "partition"\ngroups = 0\n',
    "garbage.txt": b"0 1\nhello world\n",
    "neg.txt": b"0 1\n-1 2\n",
    "range.txt": b"0 1\n5 200\n",
    "selfloop.txt": b"0 1\n2 2\n",
    "emptyedges.txt": b"# no edges\n",
    "binary.txt": b"\x00\xff\xfe\x01\n",
    "bad.parquet": b"not parquet",
    "sweep_empty.toml": b"",
    "sweep_bad.toml": b"[base\n",
    "sweep_unknown_key.toml": b"[base]\nnodes = 100\n[grd]\nx = 1\n",
    "sweep_badgrid.toml": b'[base]\nnodes = 100\n[grid]\n"protocol.fanot" = [1, 2]\n',
    "sweep_emptylist.toml": b'[base]\nnodes = 100\n[grid]\n"protocol.fanout" = []\n',
    "sweep_seeds0.toml": b'seeds = 0\n[base]\nnodes = 100\n',
    "sweep_badbase.toml": b"[base]\nnodes = -3\n",
    "sweep_gridseed.toml": b"[base]\nnodes = 100\n[grid]\nseed = [1, 2]\n",
    "sweep_nonutf8.toml": b"[base]\nnodes = \xff\n",
    "sweep_emptygrid.toml": b"[base]\nnodes = 100\n[grid]\n",
    "sweep_gridscalar.toml": b"grid = 3\n[base]\nnodes = 100\n",
    "sweep_badroot.toml": b"root_seed = -4\n[base]\nnodes = 100\n",
    "a-file": b"not a folder\n",
}

# (id, arguments after `swarm`, the field the line must name)
CLI_CASES = [
    # scenario files
    ("toml-malformed", "simulate --scenario {d}/malformed.toml", "scenario file"),
    ("toml-empty", "simulate --scenario {d}/empty.toml", "scenario file"),
    ("toml-only-comments", "simulate --scenario {d}/comments.toml", "scenario file"),
    ("toml-non-utf8", "simulate --scenario {d}/nonutf8.toml", "scenario file"),
    ("toml-directory", "simulate --scenario {d}", "--scenario"),
    ("toml-missing", "simulate --scenario {d}/nonexistent.toml", "scenario file"),
    ("toml-unknown-key", "simulate --scenario {d}/unknown.toml", "foo"),
    ("toml-misspelt-protocol", "simulate --scenario {d}/misspelt.toml", "protocol"),
    ("toml-wrong-type", "simulate --scenario {d}/badtype.toml", "nodes"),
    ("toml-bad-fault", "simulate --scenario {d}/badfault.toml", "faults.split.groups"),
    # names
    ("misspelt-protocol", "simulate -p push-pul", "did you mean 'push-pull'"),
    ("misspelt-topology", "simulate -t k-ot", "did you mean 'k-out'"),
    ("misspelt-fault", "simulate --fault 'los rate=0.1'", "did you mean 'loss'"),
    ("misspelt-key", "simulate -n 100 --set protocol.fanot=2", "did you mean 'protocol.fanout'"),
    ("misspelt-choice", "simulate -n 100 -p swim --set protocol.profile=lann",
     "did you mean 'lan'"),
    ("unknown-top-key", "simulate -n 100 --set foo=1", "foo"),
    ("unknown-command", "simulat -n 100", "did you mean 'simulate'"),
    ("unknown-option", "simulate --nosuchflag", "--nosuchflag"),
    ("unknown-engine", "simulate -n 100 --engine foo", "--engine"),
    ("unknown-experiment", "reproduce nosuch", "experiment"),
    ("experiment-bad-flag", "reproduce demers --nosuchflag", "--nosuchflag"),
    ("experiment-negative-seed", "reproduce swim --root-seed -3", "--root-seed"),
    ("experiment-out-under-file", "reproduce swim --quick --out {d}/a-file/x.parquet", "--out"),
    ("experiment-seeds-zero", "reproduce cap --seeds 0", "--seeds"),
    # numbers
    ("nodes-text", "simulate -n abc", "nodes = 'abc'"),
    ("nodes-zero", "simulate -n 0", "nodes = 0"),
    ("nodes-negative", "simulate -n -5", "nodes = -5"),
    ("nodes-1e12", "simulate -n 1000000000000", "nodes = 1000000000000"),
    ("nodes-1e30", "simulate -n 1e30", "nodes = 1e+30"),
    ("nodes-bool", "simulate --set nodes=true", "nodes = True"),
    ("nodes-past-memory", "simulate -n 2000000000 -p anti-entropy --max-rounds 1", "nodes"),
    ("fanout-above-nodes", "simulate -n 10 --fanout 20", "protocol.fanout = 20"),
    ("fanout-bool", "simulate -n 100 --set protocol.fanout=true", "protocol.fanout = True"),
    ("fanout-nan", "simulate -n 100 --set protocol.fanout=nan", "protocol.fanout = nan"),
    ("loss-nan", "simulate -n 100 --set faults.loss.rate=nan", "faults.loss.rate = nan"),
    ("loss-inf", "simulate -n 100 --set faults.loss.rate=inf", "faults.loss.rate = inf"),
    ("loss-1e30", "simulate -n 100 --set faults.loss.rate=1e30", "faults.loss.rate"),
    ("seed-negative", "simulate -n 100 --seed -1", "seed = -1"),
    ("max-rounds-negative", "simulate -n 100 --max-rounds -1", "max_rounds = -1"),
    ("seeds-zero", "simulate -n 100 --seeds 0", "--seeds"),
    ("set-no-equals", "simulate -n 100 --set noequals", "--set"),
    ("topology-k-zero", "simulate -n 100 -t k-out --set topology.k=0", "topology.k = 0"),
    ("topology-k-above-nodes", "simulate -n 100 -t k-out --set topology.k=1000", "topology.k"),
    ("regular-odd", "simulate -n 101 -t regular --set topology.d=3", "topology.d"),
    ("view-size-one", "simulate -n 100 -p swim --set protocol.view_size=1", "protocol.view_size"),
    ("full-view-too-big", "simulate -n 100000000 -p swim --set protocol.view_size=0", "nodes"),
    # fault specs
    ("fault-window-reversed", "simulate -n 100 --fault '40-10: partition groups=2'",
     "faults.partition.end"),
    ("fault-window-garbage", "simulate -n 100 --fault 'x-10: partition groups=2'", "timeline"),
    ("fault-window-open", "simulate -n 100 --fault '10-: partition groups=2'", "timeline"),
    ("fault-window-negative", "simulate -n 100 --fault '-5: crash fraction=0.1'", "timeline"),
    ("fault-unknown-field", "simulate -n 100 --fault 'partition grups=2'",
     "faults.partition.grups"),
    ("fault-no-value", "simulate -n 100 --fault 'partition groups'", "timeline"),
    ("fault-groups-above-nodes", "simulate -n 100 --fault 'partition groups=200'",
     "faults.partition.groups"),
    ("fault-heal-nothing", "simulate -n 100 --fault '40: heal'", "timeline"),
    ("fault-rate-above-one", "simulate -n 100 --fault 'loss rate=2'", "faults.loss.rate"),
    ("fault-fraction-text", "simulate -n 100 --fault '5: crash fraction=abc'",
     "faults.crash.fraction"),
    ("fault-ids-out-of-range", "simulate -n 100 --fault 'crash select=ids ids=500'",
     "faults.crash.ids"),
    ("fault-behaviour", "simulate -n 100 --fault 'byzantine fraction=0.1 behaviour=lie'",
     "faults.byzantine.behaviour"),
    # edge lists
    ("edges-garbage", "simulate -n 100 -t edgelist --set topology.path={d}/garbage.txt",
     "topology.path"),
    ("edges-negative", "simulate -n 100 -t edgelist --set topology.path={d}/neg.txt",
     "topology.path"),
    ("edges-out-of-range", "simulate -n 100 -t edgelist --set topology.path={d}/range.txt",
     "topology.path"),
    ("edges-self-loop", "simulate -n 100 -t edgelist --set topology.path={d}/selfloop.txt",
     "topology.path"),
    ("edges-empty", "simulate -n 100 -t edgelist --set topology.path={d}/emptyedges.txt",
     "topology.path"),
    ("edges-binary", "simulate -n 100 -t edgelist --set topology.path={d}/binary.txt",
     "topology.path"),
    ("edges-directory", "simulate -n 100 -t edgelist --set topology.path={d}", "topology.path"),
    ("edges-missing", "simulate -n 100 -t edgelist --set topology.path={d}/none.txt",
     "topology.path"),
    ("edges-no-path", "simulate -n 100 -t edgelist", "topology.path"),
    # output
    ("out-not-parquet", "simulate -n 100 --out {d}/x.csv", "--out"),
    # sweeps
    ("sweep-empty", "sweep {d}/sweep_empty.toml", "sweep file"),
    ("sweep-malformed", "sweep {d}/sweep_bad.toml", "sweep file"),
    ("sweep-non-utf8", "sweep {d}/sweep_nonutf8.toml", "sweep file"),
    ("sweep-missing", "sweep {d}/nonexistent.toml", "sweep file"),
    ("sweep-directory", "sweep {d}", "SWEEP_FILE"),
    ("sweep-unknown-table", "sweep {d}/sweep_unknown_key.toml", "grd"),
    ("sweep-unknown-grid-key", "sweep {d}/sweep_badgrid.toml", "protocol.fanot"),
    ("sweep-empty-list", "sweep {d}/sweep_emptylist.toml", "grid.protocol.fanout"),
    ("sweep-seeds-zero-file", "sweep {d}/sweep_seeds0.toml", "seeds = 0"),
    ("sweep-seeds-zero-flag", "sweep {d}/sweep_badgrid.toml --seeds 0", "--seeds"),
    ("sweep-bad-base", "sweep {d}/sweep_badbase.toml", "nodes = -3"),
    ("sweep-grid-seed", "sweep {d}/sweep_gridseed.toml", "grid.seed"),
    ("sweep-executor", "sweep {d}/sweep_badgrid.toml --executor foo", "--executor"),
    ("sweep-empty-grid", "sweep {d}/sweep_emptygrid.toml", "grid"),
    ("sweep-grid-not-table", "sweep {d}/sweep_gridscalar.toml", "grid"),
    ("sweep-negative-root-seed", "sweep {d}/sweep_badroot.toml", "root_seed = -4"),
    ("sweep-out-under-file", "sweep {d}/sweep_badgrid.toml --out {d}/a-file/s", "out"),
    ("simulate-out-under-file", "simulate -n 100 --out {d}/a-file/r.parquet", "out"),
    ("simulate-seeds-out-under-file", "simulate -n 100 --seeds 3 --out {d}/a-file/r.parquet",
     "out"),
    # the dashboard (a port in use: tests/dashboard/test_dashboard_command.py)
    ("dashboard-port-zero", "dashboard --port 0", "--port"),
    ("dashboard-port-high", "dashboard --port 99999", "--port"),
]


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("corpus")
    for name, content in FILES.items():
        (d / name).write_bytes(content)
    return d


@pytest.mark.parametrize("args, field", [c[1:] for c in CLI_CASES],
                         ids=[c[0] for c in CLI_CASES])
def test_cli_bad_input_is_one_line_and_exit_2(corpus_dir, args, field):
    result = CliRunner().invoke(main, shlex.split(args.format(d=corpus_dir)))
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, (result.exit_code, result.stderr, result.exception)
    assert isinstance(result.exception, SystemExit)  # not an exception from inside
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("swarm: error: ")
    assert field in lines[0]
    assert "Traceback" not in result.stderr and "Usage:" not in result.stderr


def _scenario(**kw):
    return lambda d: swarm.Scenario(**kw)


def _from_dict(data):
    return lambda d: swarm.Scenario.from_dict(data)


def _run_file(name):
    return lambda d: swarm.read_run(d / name)


def _truncated(d):
    path = d / "good.parquet"
    swarm.simulate(swarm.Scenario(nodes=50, max_rounds=3)).to_parquet(path)
    data = path.read_bytes()
    (d / "truncated.parquet").write_bytes(data[: len(data) // 2])
    return swarm.read_run(d / "truncated.parquet")


def _foreign_parquet(d):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"a": [1, 2]}), d / "foreign.parquet")
    return swarm.read_run(d / "foreign.parquet")


def _sweep(**kw):
    def call(d):
        options = {"executor": "inprocess", "progress": False,
                   "out": d / "sweep-never-written", **kw}
        return swarm.sweep(swarm.Scenario(nodes=20, max_rounds=3), **options)

    return call


# (id, a call of the corpus folder that must raise, the field its message must name)
API_CASES = [
    ("nodes-bool", _scenario(nodes=True), "nodes"),
    ("nodes-float", _scenario(nodes=10.5), "nodes"),
    ("nodes-text", _scenario(nodes="100"), "nodes"),
    ("nodes-nan", _from_dict({"nodes": math.nan}), "nodes"),
    ("nodes-zero", _scenario(nodes=0), "nodes"),
    ("nodes-1e12", _scenario(nodes=10**12), "nodes"),
    ("fanout-above-nodes", _from_dict({"nodes": 10, "protocol.fanout": 11}), "protocol.fanout"),
    ("loss-inf", _from_dict({"nodes": 10, "faults.loss.rate": math.inf}), "faults.loss.rate"),
    ("fault-kind", _from_dict({"nodes": 10, "faults.x.kind": "los"}), "faults.x.kind"),
    ("protocol-number", _scenario(nodes=10, protocol=3), "protocol"),
    ("faults-number", _scenario(nodes=10, faults=3), "faults"),
    ("faults-garbage-item", _scenario(nodes=10, faults=[3]), "faults"),
    ("from-dict-list", lambda d: swarm.Scenario.from_dict([1, 2]), "scenario"),
    ("key-not-text", _from_dict({1: 2}), "1"),
    ("replace-bad", lambda d: swarm.Scenario(nodes=10).replace({"protocol.fanout": 0}),
     "protocol.fanout"),
    ("engine", lambda d: swarm.simulate(swarm.Scenario(nodes=10), engine="x"), "engine"),
    ("model-engine", lambda d: swarm.SwarmModel(swarm.Scenario(nodes=10), engine="x"), "engine"),
    ("toml-non-utf8", lambda d: swarm.Scenario.from_toml(d / "nonutf8.toml"), "scenario file"),
    ("toml-directory", lambda d: swarm.Scenario.from_toml(d), "scenario file"),
    ("nx-empty", lambda d: swarm.from_networkx(nx.Graph()), "graph"),
    ("nx-not-a-graph", lambda d: swarm.from_networkx([1, 2]), "graph"),
    ("nx-size-mismatch", lambda d: swarm.simulate(
        swarm.Scenario(nodes=10), topology=swarm.from_networkx(nx.path_graph(5))), "nodes"),
    ("edges-shapes", lambda d: swarm.topology.from_edges(3, [0, 1], [1]), "edges"),
    ("edges-floats", lambda d: swarm.topology.from_edges(3, [0.5], [1.0]), "edges"),
    ("edges-out-of-range", lambda d: swarm.topology.from_edges(3, [0], [7]), "edges"),
    ("read-run-not-parquet", _run_file("bad.parquet"), "run file"),
    ("read-run-missing", _run_file("none.parquet"), "run file"),
    ("read-run-directory", lambda d: swarm.read_run(d), "run file"),
    ("read-run-truncated", _truncated, "run file"),
    ("read-run-foreign", _foreign_parquet, "run file"),
    ("sweep-seeds-zero", _sweep(seeds=0), "seeds"),
    ("sweep-seeds-bool", _sweep(seeds=True), "seeds"),
    ("sweep-unknown-grid-key", _sweep(grid={"protocol.fanot": [1, 2]}), "protocol.fanot"),
    ("sweep-empty-list", _sweep(grid={"protocol.fanout": []}), "grid.protocol.fanout"),
    ("sweep-executor", _sweep(grid={"protocol.fanout": [1, 2]}, executor="x"), "executor"),
    ("sweep-bad-base", lambda d: swarm.sweep({"nodes": -1}), "nodes"),
    ("sweep-empty-grid", _sweep(grid={}), "grid"),
    ("sweep-grid-list", _sweep(grid=[1, 2]), "grid"),
    ("sweep-root-seed-text", _sweep(root_seed="abc"), "root_seed"),
    ("sweep-root-seed-negative", _sweep(root_seed=-5), "root_seed"),
    ("sweep-batch-size-zero", _sweep(seeds=3, batch_size=0), "batch_size"),
    ("sweep-out-is-a-file", lambda d: swarm.sweep(
        swarm.Scenario(nodes=20), executor="inprocess", progress=False, out=d / "a-file"),
     "out"),
    ("to-parquet-under-a-file", lambda d: swarm.simulate(swarm.Scenario(nodes=20, max_rounds=2))
     .to_parquet(d / "a-file" / "r.parquet"), "out"),
]


@pytest.mark.parametrize("call, field", [c[1:] for c in API_CASES],
                         ids=[c[0] for c in API_CASES])
def test_api_bad_input_is_one_line_config_error(corpus_dir, call, field):
    with pytest.raises(ConfigError) as caught:
        call(corpus_dir)
    message = str(caught.value)
    assert "\n" not in message
    assert field in message


def test_corpus_size():
    """The issue asks for at least 60 cases across the CLI and the API."""
    assert len(CLI_CASES) + len(API_CASES) >= 60
    assert len({c[0] for c in CLI_CASES}) == len(CLI_CASES)
    assert len({c[0] for c in API_CASES}) == len(API_CASES)
