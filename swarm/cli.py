"""The ``swarm`` command.

    swarm simulate --nodes 100000 --protocol push-pull --seeds 20
    swarm simulate --scenario examples.toml --set protocol.fanout=2 --out data/run.parquet
    swarm simulate -n 10000 --fault "loss rate=0.1" --fault "10-40: partition groups=2"
    swarm lesson heal                 # a ready lesson: its paragraph, then the run
    swarm protocols
    swarm topologies
    swarm dashboard --port 8765

Bad input prints one line, ``swarm: error: <field> = <value>: <what is allowed>``, and exits
with code 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd

from swarm.config import Scenario
from swarm.errors import ConfigError, SwarmError, did_you_mean
from swarm.params import describe_param, parse_value

__all__ = ["main", "experiment_parser"]

EXIT_BAD_INPUT = 2
QUANTILES = (("q05", 0.05), ("q25", 0.25), ("median", 0.5), ("q75", 0.75), ("q95", 0.95))
#: what `swarm sweep` tabulates when --metrics is not given (those the protocol reports)
DEFAULT_METRICS = ("rounds_to_full", "messages_per_node", "coverage_final")
_BOOKKEEPING = {"point", "replicate", "seed", "run_id", "status", "error", "attempt"}


def _fail(message: str) -> None:
    click.echo(f"swarm: error: {message}", err=True)
    sys.exit(EXIT_BAD_INPUT)


class _Group(click.Group):
    """The ``swarm`` group: every usage error (a bad option, a bad value, no such command)
    and every ConfigError raised while a command runs is one line, ``swarm: error: ...``, and
    exit code 2 -- never Click's three-line usage block or a traceback."""

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except SwarmError as exc:  # ConfigError, or a cluster that would not start
            _fail(str(exc))
        except click.UsageError as exc:
            _fail(self._one_line(exc))
        except click.ClickException as exc:
            _fail(" ".join(exc.format_message().split()))
        except click.Abort:
            click.echo("swarm: aborted", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)

    def _one_line(self, exc: click.UsageError) -> str:
        message = " ".join(exc.format_message().split()).rstrip(".")
        if isinstance(exc, click.BadParameter) and exc.param is not None:
            param = exc.param
            name = (param.opts[0] if isinstance(param, click.Option) and param.opts
                    else (param.name or "").upper())
            return f"{name}: {' '.join(exc.message.split()).rstrip('.')}"
        if message.startswith("No such command"):
            word = message.split("'")[1] if message.count("'") >= 2 else ""
            return (f"command = {word!r}: no such command; one of "
                    + ", ".join(sorted(self.commands)) + did_you_mean(word, self.commands))
        return message


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="swarm")
def main() -> None:
    """Simulate gossip and failure recovery in swarms of thousands to millions of nodes."""


def _scenario_from_cli(
    scenario_file: str | Scenario | None, flags: dict[str, Any], settings: tuple[str, ...],
    faults: tuple[str, ...] = (),
) -> Scenario:
    """The scenario of the flags and --set values over a scenario file (or a Scenario: a
    lesson's, from `swarm lesson`)."""
    data: dict[str, Any] = {}
    if isinstance(scenario_file, Scenario):
        data.update(scenario_file.to_dict())
    elif scenario_file:
        data.update(Scenario.from_toml(scenario_file).to_dict())
    updates = {key: parse_value(value) if key in _TEXT_FLAGS else value
               for key, value in flags.items() if value is not None}
    for item in settings:
        key, eq, text = item.partition("=")
        if not eq or not key.strip():
            raise ConfigError("--set", item, "must look like key=value, e.g. protocol.fanout=2")
        updates[key.strip()] = parse_value(text.strip())
    if faults:
        updates["timeline"] = list(faults)
    if not data:
        return Scenario.from_dict(updates)
    return Scenario.from_dict(data).replace(updates)


#: flags given as text and parsed like a --set value, so the Scenario's own check names the
#: field, the value and its range (Click's int type would answer in its own words)
_TEXT_FLAGS = ("nodes", "protocol.fanout", "seed", "max_rounds")


def _summary_table(summaries: pd.DataFrame) -> pd.DataFrame:
    """mean, sd, min, quantiles and max of every numeric summary metric over the seeds."""
    rows = {}
    for col in summaries.columns:
        if col == "seed":
            continue
        values = pd.to_numeric(summaries[col], errors="coerce").astype(float)
        finite = values.dropna()
        row: dict[str, Any] = {"runs": int(finite.size), "mean": np.nan, "sd": np.nan,
                               "min": np.nan}
        row.update({name: np.nan for name, _ in QUANTILES})
        row["max"] = np.nan
        if finite.size:
            row.update(mean=finite.mean(), sd=finite.std(ddof=1) if finite.size > 1 else 0.0,
                       min=finite.min(), max=finite.max())
            for name, q in QUANTILES:
                row[name] = finite.quantile(q)
        rows[col] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def _emit(frame: pd.DataFrame, fmt: str, index_label: str) -> None:
    if fmt == "json":
        click.echo(frame.to_json(orient="index", indent=2))
    elif fmt == "csv":
        click.echo(frame.to_csv(index_label=index_label), nl=False)
    else:
        click.echo(frame.to_string(float_format=lambda v: f"{v:.4g}"))


@main.command()
@click.option("--scenario", "scenario_file", type=click.Path(dir_okay=False),
              help="Scenario TOML file; flags and --set override it.")
@click.option("--nodes", "-n", metavar="N", help="Number of nodes.")
@click.option("--protocol", "-p", help="Protocol name (see `swarm protocols`).")
@click.option("--topology", "-t", help="Topology name (see `swarm topologies`).")
@click.option("--fanout", "-f", metavar="K", help="Partners per node per round (protocol.fanout).")
@click.option("--seed", "-s", metavar="SEED", help="Seed of the run (root seed with --seeds).")
@click.option("--max-rounds", metavar="ROUNDS", help="Stop after this many rounds.")
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE",
              help="Any dotted scenario key, e.g. --set topology.k=20 (repeatable).")
@click.option("--fault", "faults", multiple=True, metavar="ENTRY",
              help="A fault timeline entry, e.g. 'loss rate=0.1', '10-40: partition groups=2', "
              "'20: crash fraction=0.05' (repeatable; see `swarm faults`).")
@click.option("--engine", type=click.Choice(["kernels", "agents"]), default="kernels",
              show_default=True, help="Numba kernels or Mesa agents (same result).")
@click.option("--seeds", type=click.IntRange(min=1), default=1, show_default=True,
              help="Run this many seeds, from SeedSequence(seed).spawn(K), and tabulate.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True)
@click.option("--rounds", "show_rounds", is_flag=True,
              help="Print the per-round frame (single seed) instead of the summary.")
@click.option("--out", type=click.Path(dir_okay=False),
              help="Write Parquet: the run's round frame (one seed) or one row per seed.")
def simulate(
    scenario_file: str | None, nodes: str | None, protocol: str | None, topology: str | None,
    fanout: str | None, seed: str | None, max_rounds: str | None, settings: tuple[str, ...],
    faults: tuple[str, ...], engine: str, seeds: int, fmt: str, show_rounds: bool,
    out: str | None,
) -> None:
    """Run a scenario and print its summary (or a table over --seeds K runs)."""
    from swarm.rng import replicate_seeds
    from swarm.run import simulate as run_simulation
    from swarm.store import check_writable, versions, write_frame

    flags = {"nodes": nodes, "protocol": protocol, "topology": topology,
             "protocol.fanout": fanout, "seed": seed, "max_rounds": max_rounds}
    scenario = _scenario_from_cli(scenario_file, flags, settings, faults)
    if out:  # refused before the runs, not after them
        if not out.endswith(".parquet"):
            raise ConfigError("--out", out, "must be a file name ending in .parquet")
        check_writable(out)

    started = time.perf_counter()
    if seeds == 1:
        run = _run_with_progress(run_simulation, scenario, engine)
        if show_rounds:
            _emit(run.rounds.set_index("round"), fmt, "round")
        elif fmt == "json":
            events = run.events.astype(object).where(run.events.notna(), None)
            click.echo(json.dumps({"summary": run.summary, "events": events.to_dict("records"),
                                   "run_id": run.run_id, "scenario": scenario.to_dict()},
                                  indent=2))
        else:
            _emit(pd.DataFrame({"value": pd.Series(run.summary, dtype=object)}), fmt, "metric")
        if len(run.events) and not (fmt == "json" and not show_rounds):
            click.echo("# events", err=fmt != "table")
            click.echo(run.events.to_string(index=False), err=fmt != "table")
        click.echo(f"# {scenario.protocol.name} on {scenario.topology.name}, "
                   f"nodes={scenario.nodes}, seed={scenario.seed}, engine={engine}, "
                   f"run_id={run.run_id}, {time.perf_counter() - started:.2f} s", err=True)
        if out:  # after the output, so a folder that fills up meanwhile loses no result
            run.to_parquet(out)
        return

    run_seeds = replicate_seeds(scenario.seed, seeds)
    rows = []
    from tqdm import tqdm

    with tqdm(run_seeds, desc=f"{seeds} seeds", unit="run", file=sys.stderr,
              disable=not sys.stderr.isatty(), leave=False) as bar:
        for s in bar:
            run = run_simulation(scenario.replace({"seed": s}), engine=engine)
            rows.append({"seed": s, **run.summary})
    summaries = pd.DataFrame(rows)
    _emit(_summary_table(summaries), fmt, "metric")
    click.echo(f"# {seeds} seeds of {scenario.protocol.name} on {scenario.topology.name}, "
               f"nodes={scenario.nodes}, root seed={scenario.seed}, engine={engine}, "
               f"{time.perf_counter() - started:.2f} s", err=True)
    if out:
        meta = {"scenario": scenario.to_dict(), "root_seed": scenario.seed,
                "seeds": run_seeds, "engine": engine, "versions": versions()}
        write_frame(out, summaries, meta)


@main.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("name", required=False)
@click.option("--toml", "show_toml", is_flag=True,
              help="Print the lesson's scenario file (for `swarm simulate --scenario`) and "
              "stop.")
@click.pass_context
def lesson(ctx: click.Context, name: str | None, show_toml: bool, **options: Any) -> None:
    """List the lessons, or print lesson NAME's paragraph and run it as `swarm simulate`
    does (its options override the lesson, e.g. --set protocol.mode=ap)."""
    from swarm.lessons import LESSONS
    from swarm.lessons import lesson as find_lesson

    if name is None:
        width = max(map(len, LESSONS))
        for key, item in LESSONS.items():
            click.echo(f"{key:{width}s}  {item.title}")
        click.echo("\nswarm lesson NAME runs one; the dashboard opens it at /?lesson=NAME.",
                   err=True)
        return
    chosen = find_lesson(name)
    if show_toml:
        click.echo(chosen.scenario_toml(), nl=False)
        return
    import textwrap

    wrap = textwrap.TextWrapper(88, break_on_hyphens=False).fill
    text = "\n".join([chosen.title, "", wrap(chosen.text), "", wrap(chosen.paper), ""])
    click.echo(text, err=options["fmt"] != "table")  # json / csv: stdout stays data
    ctx.invoke(simulate, scenario_file=chosen.scenario, **options)


#: `swarm lesson NAME` takes every option of `swarm simulate` but --scenario (the lesson is)
lesson.params.extend(p for p in simulate.params if p.name != "scenario_file")


#: a single run shows its bar once it has taken this long (a quick run prints nothing extra)
PROGRESS_DELAY_S = 0.5


def _run_with_progress(run_simulation: Any, scenario: Scenario, engine: str) -> Any:
    """One run; on a terminal, a progress bar (round k / max_rounds, tqdm) on stderr once the
    run has taken ``PROGRESS_DELAY_S``, or at once when numba starts compiling a kernel (the
    first run after an install or a change: the bar says so until the compile ends). When
    stderr is not a terminal, nothing is printed."""
    if not sys.stderr.isatty():
        return run_simulation(scenario, engine=engine)
    from numba.core import event
    from tqdm import tqdm

    started = time.perf_counter()
    state: dict[str, Any] = {"bar": None, "round": 0, "compiling": 0}

    def bar() -> Any:
        if state["bar"] is None:
            state["bar"] = tqdm(total=scenario.max_rounds, initial=state["round"],
                                desc="round", unit="round", file=sys.stderr, leave=False,
                                dynamic_ncols=True)
        return state["bar"]

    def note() -> None:
        b = bar()
        b.set_postfix_str("compiling numba kernels (first run; cached after)"
                          if state["compiling"] else "", refresh=True)

    class Compiling(event.Listener):
        def on_start(self, ev: Any) -> None:
            state["compiling"] += 1
            if state["compiling"] == 1:
                note()

        def on_end(self, ev: Any) -> None:
            state["compiling"] -= 1
            if state["compiling"] == 0:
                note()

    def progress(t: int) -> None:
        if state["bar"] is None and time.perf_counter() - started < PROGRESS_DELAY_S:
            state["round"] = t
            return
        b = bar()
        b.update(t - b.n)

    try:
        with event.install_listener("numba:compile", Compiling()):
            return run_simulation(scenario, engine=engine, progress=progress)
    finally:
        if state["bar"] is not None:
            state["bar"].close()


def _describe_registry(kind: str, registry: Any, params_of: Any = None) -> None:
    """Every entry of a ``swarm.registry`` registry with its parameters; a plugin's line says
    where it came from."""
    for name, entry in registry.items():
        params_cls = entry if params_of is None else params_of(entry)
        source = registry.source(name)
        origin = "" if source == "built-in" else f"  [plugin: {source}]"
        click.echo(f"{name}: {params_cls.summary}{origin}")
        fields = dataclasses.fields(params_cls)
        if not fields:
            click.echo("    (no parameters)")
        for f in fields:
            d = describe_param(f)
            if d["choices"]:
                allowed = "{" + ", ".join(map(str, d["choices"])) + "}"
            else:
                lo = "" if d["min"] is None else d["min"]
                hi = "" if d["max"] is None else d["max"]
                allowed = f"[{lo}..{hi}]" if (lo != "" or hi != "") else ""
            default = "auto" if d["default"] is None else d["default"]
            units = f" {d['units']}" if d["units"] else ""
            click.echo(f"    {kind}.{d['name']} ({d['type']}{units}, default {default}) "
                       f"{allowed}\n        {d['help']}")


@main.command()
def protocols() -> None:
    """List the protocols and their parameters, with ranges and help."""
    from swarm.registry import PROTOCOLS

    _describe_registry("protocol", PROTOCOLS, lambda p: p.Params)


@main.command("sweep")
@click.argument("sweep_file", type=click.Path(dir_okay=False))
@click.option("--seeds", type=click.IntRange(min=1), help="Seeds per point (overrides the file).")
@click.option("--executor", type=click.Choice(["auto", "inprocess", "local"]), default=None,
              help="Where runs execute (default: the file's, else auto).")
@click.option("--scheduler", metavar="ADDRESS", help="An existing Dask scheduler, e.g. "
              "tcp://127.0.0.1:8786 (overrides --executor).")
@click.option("--out", type=click.Path(file_okay=False), help="Result directory.")
@click.option("--metrics", default=None, help="Summary metrics to tabulate (comma-separated; "
              "default: " + ",".join(DEFAULT_METRICS) + ", those the protocol reports, led by "
              "the protocol's own first metrics if one is missing).")
@click.option("--retry-failed", is_flag=True,
              help="Run the runs stored as failed again (their new rows replace the old).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True)
def sweep_command(sweep_file: str, seeds: int | None, executor: str | None,
                  scheduler: str | None, out: str | None, metrics: str | None,
                  retry_failed: bool, fmt: str) -> None:
    """Run a sweep described by a TOML file and print mean, sd and 95% CI per point, with
    the failed runs of each point and the first one's error.

    The file has a [base] table (a scenario, as in `swarm simulate --scenario`), a [grid]
    table of dotted keys (lists expand, scalars stay), and optional seeds, root_seed,
    executor and out. Results stream to Parquet; running it again resumes.
    """
    from swarm.analysis import aggregate
    from swarm.config import flatten_tables, read_toml
    from swarm.sweep import summary_metrics
    from swarm.sweep import sweep as run_sweep

    try:
        raw = read_toml(sweep_file, "sweep file")
        known = {"base", "grid", "seeds", "root_seed", "executor", "out"}
        for key in raw:
            if key not in known:
                raise ConfigError(key, raw[key], "unknown key in a sweep file; known: "
                                  + ", ".join(sorted(known)))
        base = Scenario.from_dict(flatten_tables(raw.get("base", {})))
        grid = raw.get("grid")  # absent: the base alone over the seeds; empty: refused
        if grid is not None and not isinstance(grid, dict):
            raise ConfigError("grid", grid, "must be a table of dotted keys")
        wanted = [m.strip() for m in metrics.split(",") if m.strip()] if metrics else None
        if wanted is not None:  # checked before anything runs, when a tiny run can tell
            known = summary_metrics(base, grid=grid)
            if known is not None:
                _check_metrics(wanted, known)
        where = scheduler or executor or raw.get("executor", "auto")
        frame = run_sweep(base, grid=grid, seeds=seeds or raw.get("seeds", 1),
                          root_seed=raw.get("root_seed"),
                          executor=None if where == "auto" else where,
                          out=out or raw.get("out"), progress=True, retry_failed=retry_failed)
        if wanted is None:
            wanted = _default_metrics(frame)
        else:
            _check_metrics(wanted, set(_summary_columns(frame)))
    except SwarmError as exc:
        _fail(str(exc))
        return
    table = aggregate(frame, metrics=wanted)
    drop = {"q05", "q25", "q75", "q95"} | ({"error"} if not table["failed"].any() else set())
    cols = [c for c in table.columns if c not in drop]
    table = table[cols]
    if "error" in table and fmt == "table":
        table = table.assign(error=table["error"].map(
            lambda e: "" if not isinstance(e, str) else e if len(e) <= 60 else e[:57] + "..."))
    _emit(table.set_index(cols[0]), fmt, cols[0])


def _summary_columns(frame: pd.DataFrame) -> list[str]:
    """The summary metrics in a sweep frame, in the order runs report them."""
    return [c for c in frame.columns if c not in _BOOKKEEPING and "." not in c
            and c not in {"nodes", "protocol", "topology", "max_rounds"}]


def _default_metrics(frame: pd.DataFrame) -> list[str]:
    """DEFAULT_METRICS that the runs report; if one is missing (a failure detector has no
    rounds_to_full), the protocol's own first three numeric metrics lead."""
    from swarm.metrics import DROP_CAUSES, message_summary

    counters = ("round", "messages", "update_messages", *DROP_CAUSES)
    shared = set(message_summary(pd.DataFrame({c: [0] for c in counters}), 1))
    present = [m for m in DEFAULT_METRICS if m in frame.columns]
    if len(present) == len(DEFAULT_METRICS):
        return present
    ok = frame[frame["status"] == "ok"] if "status" in frame else frame
    own = [c for c in _summary_columns(frame) if c not in shared
           and c not in present and pd.to_numeric(ok[c], errors="coerce").notna().any()]
    return own[:3] + present or ["messages_per_node"]  # every run failed: still a table


def _check_metrics(wanted: list[str], known: set[str]) -> None:
    missing = [m for m in wanted if m not in known]
    if missing:
        raise ConfigError("--metrics", ",".join(missing), "not summary metrics of this sweep; "
                          "available: " + ", ".join(sorted(known)))


#: ``swarm reproduce NAME`` -> the script in experiments/ (each has --quick and --out)
EXPERIMENTS = {
    "rounds": ("spreading_vs_theory.py", "push, pull, push-pull rounds to full coverage vs n "
               "(Pittel 1987; Karp et al. 2000; exact chain)"),
    "demers": ("demers_tables.py", "Demers et al. 1987 Tables 1 and 2 (residue, traffic, "
               "t_last)"),
    "fanout": ("fanout_reliability.py", "one-shot gossip, fanout ln n + c reaches all with "
               "probability exp(-e^-c) (Kermarrec et al. 2003)"),
    "acks": ("acks_under_loss.py", "acknowledgements and retries under loss: cost and gain"),
    "aggregation": ("aggregation.py", "push-pull averaging and push-sum convergence beside "
                    "theory (Jelasity et al. 2005; Kempe et al. 2003), under loss and Byzantine "
                    "nodes; majority consensus time vs n and vs zealots"),
    "swim": ("swim.py", "SWIM detection time and false suspicions vs loss and k, beside "
             "theory (Das et al. 2002)"),
    "cap": ("cap.py", "availability and consistency of the register, ap vs cp, over "
            "partition length (Gilbert & Lynch 2002)"),
    "byzantine": ("byzantine.py", "push-pull: honest nodes accepting a forged update vs the "
                  "Byzantine fraction, per defence (Malkhi et al. 2001)"),
}


class _OneLineParser(argparse.ArgumentParser):
    """argparse for experiments: a bad argument is one line, ``swarm: error: ...``, exit 2."""

    #: an experiment's --out when not given (set by experiment_parser)
    default_out: Path | None = None

    def error(self, message: str) -> None:  # type: ignore[override]
        _fail(f"{self.prog}: {' '.join(message.split())} (--help lists the options)")

    def parse_args(self, args: Any = None, namespace: Any = None) -> Any:  # type: ignore[override]
        """As argparse, and a missing ``--out`` becomes the default, under ``quick/`` beside
        it with ``--quick`` (a quick run never overwrites a full run's outputs)."""
        ns = super().parse_args(args, namespace)
        if self.default_out is not None and getattr(ns, "out", None) is None:
            out = self.default_out
            if getattr(ns, "quick", False):
                out = out.parent / "quick" / out.name
            try:
                ns.out = _writable(str(out))
            except argparse.ArgumentTypeError as exc:
                self.error(f"argument --out: {exc}")
        return ns


def _count(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} must be at least {minimum}")
        return value

    parse.__name__ = "integer"
    return parse


def experiment_parser(doc: str, *, out: str, quick: str, root_seed: int,
                      seeds: str | None = None, min_seeds: int = 1) -> argparse.ArgumentParser:
    """The options every experiment in experiments/ takes: ``--quick`` (what it cuts),
    ``--root-seed`` (>= 0), ``--out`` (default ``out``; with ``--quick``, ``quick/`` beside
    it, e.g. ``data/quick/swim.parquet``, so a quick run never overwrites a full run's
    outputs; a given ``--out`` always wins) and, when ``seeds`` is its help, ``--seeds``
    (>= ``min_seeds``). A script adds its own options to the parser it gets."""
    parser = _OneLineParser(description=doc.splitlines()[0])
    parser.default_out = Path(out)
    parser.add_argument("--quick", action="store_true", help=quick)
    if seeds is not None:
        parser.add_argument("--seeds", type=_count(min_seeds), default=None, help=seeds)
    parser.add_argument("--root-seed", type=_count(0), default=root_seed)
    quick_out = Path(out).parent / "quick" / Path(out).name
    parser.add_argument("--out", type=_writable, default=None,
                        help=f"Parquet file (a PNG figure beside it); default {out}, "
                        f"with --quick {quick_out}")
    return parser


def _writable(text: str) -> Path:
    """An --out path whose folder can be written, checked before the experiment runs."""
    from swarm.store import check_writable

    try:
        check_writable(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {exc.allowed}") from None
    return Path(text)


def experiments_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "experiments"


@main.command(context_settings={"ignore_unknown_options": True})
@click.argument("name", required=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def reproduce(name: str | None, args: tuple[str, ...]) -> None:
    """Run the experiment NAME (see the list with no NAME); ARGS go to it, e.g. --quick."""
    import runpy

    if name is None:
        for key, (script, what) in EXPERIMENTS.items():
            click.echo(f"{key:8s} {what}  [experiments/{script}]")
        return
    if name not in EXPERIMENTS:
        _fail(f"experiment = {name!r}: must be one of " + ", ".join(EXPERIMENTS))
    path = experiments_dir() / EXPERIMENTS[name][0]
    if not path.is_file():
        _fail(f"experiment = {name!r}: {path} not found (swarm reproduce needs a source "
              "checkout of swarm, with its experiments/ folder)")
    saved = sys.argv
    sys.argv = [str(path), *args]
    try:
        runpy.run_path(str(path), run_name="__main__")
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise
    finally:
        sys.argv = saved


@main.command()
def faults() -> None:
    """List the faults and their parameters, with ranges and help."""
    from swarm.registry import FAULTS

    _describe_registry("faults.<label>", FAULTS, lambda f: f.Params)
    click.echo("\nA timeline entry: [START[-END]:] KIND [key=value ...], e.g. "
               "'10-40: partition groups=2'; '40: heal' and '40: recover' close the last open "
               "partition or crash.")


def _check_can_serve(host: str, port: int) -> None:
    """Raise a ConfigError unless ``(host, port)`` can be bound now: the dashboard says so in
    one line before it starts Solara, instead of Solara's traceback after it started.
    SO_REUSEADDR as the server's own socket (uvicorn) has it: a port a closed connection
    still holds (TIME_WAIT) is free, a port something listens on is not."""
    import errno
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise ConfigError("--host", host, f"cannot be resolved ({exc.strerror})") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ConfigError("--port", port, f"{host}:{port} is already in use (another "
                                  "dashboard?); stop it or choose another --port") from None
            raise ConfigError("--host", host, f"cannot serve on it ({exc.strerror})") from None


@main.command()
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True,
              help="Port to serve the dashboard on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; 0.0.0.0 serves every interface (anyone who can reach "
              "this machine can then drive it).")
def dashboard(port: int, host: str) -> None:
    """Start the live dashboard (Solara) and print its address; Ctrl-C stops it."""
    import importlib.util
    import subprocess

    spec = importlib.util.find_spec("dashboards")
    if spec is None or importlib.util.find_spec("solara") is None:
        _fail("the dashboard needs the project's dashboards/ and solara: run "
              "`bash scripts/run.sh` once, or `pip install -e .[dashboard]` in a checkout")
    from dashboards.offline import environ

    try:
        _check_can_serve(host, port)
    except ConfigError as exc:
        _fail(str(exc))
        return
    app = Path(spec.origin).parent / "app.py"  # type: ignore[arg-type]
    command = [sys.executable, "-m", "solara", "run", str(app), "--host", host,
               "--port", str(port), "--production", "--no-open", "--no-check-version"]
    import signal

    def stop(signum: int, frame: Any) -> None:  # SIGTERM (kill, a service manager): as Ctrl-C
        raise KeyboardInterrupt

    click.echo(f"swarm dashboard: http://{host}:{port}/  (Ctrl-C stops it)", err=True)
    server = subprocess.Popen(command, env=environ())
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        code = server.wait()
    except KeyboardInterrupt:  # pass it on (a terminal's Ctrl-C reaches both already)
        server.send_signal(signal.SIGINT)
        try:
            code = server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            code = server.wait()
        click.echo("swarm dashboard: stopped", err=True)
        return
    finally:
        signal.signal(signal.SIGTERM, previous)
    if code != 0:
        _fail(f"the dashboard server exited with code {code}")


@main.command()
def topologies() -> None:
    """List the topologies and their parameters, with ranges and help."""
    from swarm.registry import TOPOLOGIES

    _describe_registry("topology", TOPOLOGIES)


if __name__ == "__main__":  # pragma: no cover
    main()
