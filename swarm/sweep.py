"""Parameter sweeps: a grid of scenarios x seeds, run in-process or on Dask, streamed to
Parquet as runs finish, resumable.

    import swarm
    base = swarm.Scenario(nodes=10_000, protocol="push-pull")
    frame = swarm.sweep(base, grid={"protocol.fanout": [1, 2, 3], "faults.loss.rate": [0, 0.1]},
                        seeds=20)

- **Grid**: list values expand (cartesian product), scalars stay; or ``points=[{...}, ...]``,
  an explicit list of dotted-key dicts. Every point is validated (its Scenario built) before
  anything runs, so a bad key or value is one clear error and nothing starts.
- **Seeds**: replicate ``i`` of a point has seed ``replicate_seeds(root_seed, seeds)[i]``
  (``SeedSequence(root_seed).spawn(seeds)``; ``root_seed`` defaults to the base's seed).
- **Runs**: each has a ``run_id`` (the hash of its scenario, seed included). A run that raises
  is recorded with ``status = "error"`` and its message; the others go on.
- **Storage** (``swarm.sweepstore``): batches of results are written as Parquet parts to
  ``out`` (a directory; default ``data/sweeps/<sweep id>``) as they complete, with the
  sweep's provenance in the file metadata. A batch's summary part is its commit record (its
  rounds part, written first, counts only once the summary part exists), so a reader never
  sees half a run. One sweep writes to a folder at a time (a lock; a second one is refused
  with a ConfigError naming the first one's pid); opening the folder removes what a killed
  sweep left (temporary files, uncommitted parts). A folder that cannot be written is a
  ConfigError on ``out`` with the OS reason, and the parts stored before stay readable.
- **Resume**: re-running the same sweep skips the run ids already stored, so a sweep killed
  half-way resumes without redoing finished runs. Failed runs stay failed unless
  ``retry_failed=True``: their new row (``attempt`` + 1) then supersedes the old one, and the
  store keeps one row per run at every moment.
- **Executors**: ``"inprocess"``; ``"local"`` (a Dask ``LocalCluster`` of processes with one
  thread each, on 127.0.0.1, dashboard off); a scheduler address ``"tcp://host:8786"``; or a
  ``distributed.Client``. Default: in-process for tiny sweeps, a local cluster otherwise.
  A scheduler address that does not answer within 5 s (``connect_timeout_s``, or the
  environment's ``SWARM_CONNECT_TIMEOUT_S``) is a one-line ConfigError naming it; how to
  start a scheduler and workers on several machines is in ``docs/cluster.md``.
  Small runs are batched into one task; Dask retries the tasks of a worker that dies, and
  swarm retries the start of its local cluster and the warm-up of the workers (3 tries each)
  when a worker dies then, with one clear error if it still fails. A local cluster spawns
  worker processes that re-import the main script: called from a script's top level without
  ``if __name__ == "__main__":``, the sweep stops with a one-line ConfigError saying so before
  any process starts.

Returns the summary frame, one row per run: the varying parameters, ``seed``, ``run_id``,
every summary metric, ``status``, ``error`` and ``attempt`` (and, with ``rounds=True``, also the
per-round frame of every run, keyed by ``run_id``).
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import itertools
import json
import math
import os
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from swarm.config import Scenario
from swarm.errors import ConfigError, SwarmError
from swarm.params import check_value
from swarm.registry import shipped
from swarm.rng import replicate_seeds
from swarm.store import run_id, versions
from swarm.sweepstore import SweepStore, read_sweep, sweep_metadata

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["sweep", "expand_grid", "read_sweep", "sweep_metadata", "local_cluster",
           "summary_metrics", "EXECUTORS"]

EXECUTORS = ("inprocess", "local")
TINY_SWEEP_RUNS = 8  # at most this many runs: in-process by default
STATUS_OK, STATUS_ERROR = "ok", "error"


# ----------------------------------------------------------------------------- the plan


def expand_grid(grid: Mapping[str, Any] | None = None,
                points: Sequence[Mapping[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The points of a sweep: the cartesian product of the grid's list values (scalars stay),
    or the explicit ``points``; one point (no change) when neither is given. A grid given
    but empty (``{}``, an empty ``[grid]`` table) is refused as a mistake."""
    if grid and points:
        raise ConfigError("grid", "grid and points", "give a grid or a list of points, not both")
    if grid is not None and not isinstance(grid, Mapping):
        raise ConfigError("grid", grid, "must be a dict of dotted keys, e.g. "
                          "{'protocol.fanout': [1, 2, 3]}")
    if grid is not None and not grid and points is None:
        raise ConfigError("grid", {}, "is empty: give at least one dotted key, or leave the "
                          "grid out to run the base scenario alone")
    if points is not None:
        out = []
        for i, point in enumerate(points):
            if not isinstance(point, Mapping):
                raise ConfigError(f"points[{i}]", point, "must be a dict of dotted keys")
            out.append(dict(point))
        if not out:
            raise ConfigError("points", [], "must list at least one point")
        return out
    grid = dict(grid or {})
    axes: list[tuple[str, list[Any]]] = []
    fixed: dict[str, Any] = {}
    for key, value in grid.items():
        if isinstance(value, (list, tuple)):
            if not value:
                raise ConfigError(f"grid.{key}", list(value), "must list at least one value")
            axes.append((key, list(value)))
        else:
            fixed[key] = value
    combos = itertools.product(*(values for _, values in axes)) if axes else [()]
    return [{**fixed, **dict(zip([k for k, _ in axes], combo, strict=True))} for combo in combos]


def _plan(base: Scenario, points: list[dict[str, Any]], seeds: int,
          root_seed: int) -> list[dict[str, Any]]:
    """One task per (point, seed), each with its scenario dict and run id; validated."""
    if not isinstance(seeds, int) or isinstance(seeds, bool) or seeds < 1:
        raise ConfigError("seeds", seeds, "must be an integer >= 1")
    run_seeds = replicate_seeds(root_seed, seeds)
    tasks = []
    for p, point in enumerate(points):
        if "seed" in point:
            raise ConfigError("grid.seed", point["seed"], "seeds come from seeds= and root_seed=")
        try:
            scenario = base.replace(point)
        except ConfigError as exc:
            raise ConfigError(exc.field, exc.value,
                              f"{exc.allowed} (in sweep point {p}: {point})") from None
        base_data = scenario.to_dict()  # a seed changes nothing else: one scenario per point
        for s, seed in enumerate(run_seeds):
            data = {**base_data, "seed": seed}
            tasks.append({"point": p, "replicate": s, "seed": seed, "params": point,
                          "scenario": data, "run_id": run_id(data)})
    return tasks


def _sweep_id(base: Scenario, points: list[dict[str, Any]], seeds: int, root_seed: int) -> str:
    text = json.dumps({"base": base.to_dict(), "points": points, "seeds": seeds,
                       "root_seed": root_seed}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


PROBE_NODES = 64  # a probe run's nodes (fewer if the scenario has fewer)
PROBE_POINTS = 16  # distinct points probed at most


def summary_metrics(base: Scenario | Mapping[str, Any], *,
                    grid: Mapping[str, Any] | None = None,
                    points: Sequence[Mapping[str, Any]] | None = None) -> set[str] | None:
    """The summary metrics the runs of a sweep report, known before it runs: the union of
    the summary keys of one tiny run per distinct point (its scenario with at most
    ``PROBE_NODES`` nodes; faults, protocol parameters and rounds kept, so metrics that
    depend on them appear). None when that cannot be known: a point has no tiny version
    (fewer nodes make it invalid, or the tiny run raises) or there are more than
    ``PROBE_POINTS`` distinct points. Costs a few milliseconds per point once the kernels
    are compiled."""
    from swarm.run import simulate

    if not isinstance(base, Scenario):
        base = Scenario.from_dict(base)
    seen: list[dict[str, Any]] = []
    for point in expand_grid(grid, points):
        data = base.replace(point).to_dict()
        data.pop("seed", None)
        if data not in seen:
            seen.append(data)
    if len(seen) > PROBE_POINTS:
        return None
    keys: set[str] = set()
    for data in seen:
        try:
            tiny = Scenario.from_dict({**data, "nodes": min(int(data["nodes"]), PROBE_NODES)})
            keys.update(simulate(tiny).summary)
        except Exception:  # no tiny version of this point: unknown until the sweep runs
            return None
    return keys


# ----------------------------------------------------------------------- running a batch


def run_batch(tasks: list[dict[str, Any]], keep_rounds: bool,
              plugins: list[tuple[str, str, Any]] = ()) -> tuple[list[dict], list]:
    """Run a batch of tasks (on a worker or in-process): one summary row each, and the round
    frames when asked. A run that raises becomes a row with status "error". ``plugins``: the
    components the sweeping process registered in code (``swarm.registry.shipped``), which a
    worker registers before it runs anything (entry points it loads itself)."""
    from swarm.registry import install
    from swarm.run import simulate

    install(plugins)

    rows, rounds = [], []
    for task in tasks:
        row: dict[str, Any] = {"point": task["point"], "replicate": task["replicate"],
                               **task["params"], "seed": task["seed"], "run_id": task["run_id"],
                               "attempt": task.get("attempt", 1)}
        try:
            run = simulate(Scenario.from_dict(task["scenario"]))
        except Exception as exc:  # recorded, the sweep goes on
            row.update(status=STATUS_ERROR, error=f"{type(exc).__name__}: {exc}")
        else:
            row.update(run.summary)
            row.update(status=STATUS_OK, error=None)
            if keep_rounds:
                frame = run.rounds.copy()
                frame.insert(0, "run_id", task["run_id"])
                rounds.append(frame)
        rows.append(row)
    return rows, rounds


_WARM: set[str] = set()  # protocols whose kernels this process has loaded


def _warm_up(protocols: list[str], plugins: list[tuple[str, str, Any]] = ()) -> None:
    """Load the Numba cache in this process: a tiny run of each protocol the sweep uses that
    this process has not run yet (a worker's later sweeps pay only the round trip)."""
    from swarm.registry import install
    from swarm.run import simulate

    install(plugins)

    for name in protocols:
        if name not in _WARM:
            simulate(Scenario(nodes=20, protocol=name, max_rounds=3))
            _WARM.add(name)


# ---------------------------------------------------------------------------- progress


class _Progress:
    """Progress of a sweep on stderr: on a terminal a bar with ETA (tqdm); otherwise (a log
    file, a pipe) a line per ~10% of the runs, so a log stays short."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.enabled = total, enabled and total > 0
        self.done = self.failed = 0
        self.started = time.perf_counter()
        self.tty = sys.stderr.isatty()
        self._next_report = 0.1
        self._bar = None
        if self.enabled and self.tty:
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc="sweep", unit="run", file=sys.stderr,
                             dynamic_ncols=True)
            self._bar.set_postfix_str("0 failed", refresh=False)

    def update(self, done: int, failed: int) -> None:
        self.done += done
        self.failed += failed
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.set_postfix_str(f"{self.failed} failed", refresh=False)
            self._bar.update(done)
            return
        frac = self.done / self.total
        elapsed = time.perf_counter() - self.started
        eta = elapsed / frac * (1 - frac) if frac > 0 else float("nan")
        if frac >= self._next_report or self.done == self.total:
            print(f"sweep: {self.done}/{self.total} runs ({self.failed} failed), "
                  f"{elapsed:.0f} s, ETA {eta:.0f} s", file=sys.stderr, flush=True)
            self._next_report = math.floor(frac * 10 + 1) / 10

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


# ---------------------------------------------------------------------------- executors


#: Dask settings for swarm's clusters. The worker's statistical profiler samples the task
#: thread every 10 ms, which made simulate() about 14% slower inside a worker (5% without
#: it). The event-loop tick (20 ms), the system monitor (500 ms) and the worker memory
#: monitor (100 ms) kept an idle 2-worker LocalCluster at ~9% of a core; at 1 s / 5 s / 1 s
#: it is ~3%, CPU the workers get back on a machine with no spare core (a memory limit is
#: then enforced within 1 s instead of 0.1 s).
WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
}


#: The environment of a local cluster's worker processes: one Numba thread each. The
#: parallel kernels (push-pull's) would otherwise start a thread per core in every worker,
#: two workers on two cores running four threads; a sweep parallelises across runs instead.
WORKER_ENV = {"NUMBA_NUM_THREADS": "1"}

START_TRIES = 3  # starts of a local cluster, and warm-ups of the workers, before giving up


def local_cluster(n_workers: int | None = None, *, tries: int = START_TRIES) -> Any:
    """A Dask ``LocalCluster`` as swarm uses it: worker processes with one thread each, on
    127.0.0.1, no dashboard, the per-task profiler off and the background monitors slowed
    (``WORKER_CONFIG``), one Numba thread per worker (``WORKER_ENV``). For workers you start
    yourself, set the same in their Dask config and environment, e.g.
    ``DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False NUMBA_NUM_THREADS=1``.

    The scheduler's HTTP server (Dask starts one even with the dashboard off, on port 8787 by
    default) gets a free port on 127.0.0.1 instead, so two clusters never compete for 8787.
    A start that fails (a worker killed while it starts) is retried ``tries`` times; then a
    :class:`~swarm.errors.SwarmError` says so in one line."""
    import dask
    from distributed import LocalCluster

    last: BaseException | None = None
    for _ in range(max(1, tries)):
        try:
            with dask.config.set(WORKER_CONFIG):
                return LocalCluster(
                    n_workers=n_workers or os.cpu_count() or 1, threads_per_worker=1,
                    processes=True, host="127.0.0.1", dashboard_address=None,
                    scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
                    env=WORKER_ENV)
        except Exception as exc:  # a worker (or its nanny) died while the cluster started
            last = exc
    raise SwarmError(f"the local Dask cluster did not start in {tries} tries (last error: "
                     f"{type(last).__name__}: {last})") from last


def _warm_up_workers(client: Any, protocols: list[str], workers: int,
                     plugins: list[tuple[str, str, Any]] = (),
                     tries: int = START_TRIES) -> None:
    """``_warm_up`` on every worker; retried (after waiting for the workers to be back) when
    a worker dies during it, at most ``tries`` times, then one clear error."""
    last: BaseException | None = None
    for _ in range(max(1, tries)):
        try:
            client.wait_for_workers(workers, timeout=120)
            client.run(_warm_up, protocols, plugins)
            return
        except Exception as exc:  # a worker died (or did not come back) while warming up
            last = exc
    raise SwarmError(f"the Dask workers did not warm up in {tries} tries (last error: "
                     f"{type(last).__name__}: {last})") from last


def _is_main_test(node: ast.expr) -> bool:
    """``__name__ == "__main__"`` (either way round)."""
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1
            and isinstance(node.ops[0], ast.Eq)):
        return False
    sides = [node.left, node.comparators[0]]
    return (any(isinstance(x, ast.Name) and x.id == "__name__" for x in sides)
            and any(isinstance(x, ast.Constant) and x.value == "__main__" for x in sides))


def _unguarded_main_call() -> str | None:
    """``path:line`` when this call comes from the top-level code of the main script outside
    ``if __name__ == "__main__":``, which a spawned worker process would run again; None
    otherwise (a guarded call, a function called from a guarded block, -c, a notebook)."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or not path or not os.path.isfile(path):
        return None
    frame = sys._getframe(1)
    while frame is not None and not (frame.f_globals is vars(main)
                                     and frame.f_code.co_name == "<module>"):
        frame = frame.f_back
    if frame is None:
        return None
    line = frame.f_lineno
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return None
    for node in ast.walk(tree):
        if (isinstance(node, ast.If) and _is_main_test(node.test)
                and node.lineno <= line <= (node.end_lineno or node.lineno)):
            return None
    return f"{path}:{line}"


CONNECT_TIMEOUT_S = 5.0  # default wait for a scheduler at an address (Dask's own is 30 s)


def _connect_timeout(value: float | None = None) -> float:
    """The wait for a scheduler at an address: ``value`` if given, else the environment's
    ``SWARM_CONNECT_TIMEOUT_S`` (how ``swarm sweep --scheduler`` is told), else 5 s."""
    field = "connect_timeout_s"
    if value is None:
        text = os.environ.get("SWARM_CONNECT_TIMEOUT_S")
        if text is None or not text.strip():
            return CONNECT_TIMEOUT_S
        field = "SWARM_CONNECT_TIMEOUT_S"
        try:
            value = float(text)
        except ValueError:
            raise ConfigError(field, text, "must be a number of seconds > 0") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            0 < value < math.inf):
        raise ConfigError(field, value, "must be a number of seconds > 0")
    return float(value)


def connect(address: str, timeout_s: float | None = None) -> Any:
    """A ``distributed.Client`` of the scheduler at ``address``, or, when none answers within
    ``timeout_s`` (see :func:`_connect_timeout`), a one-line ConfigError naming the address
    (Dask alone waits 30 s and raises a traceback)."""
    from distributed import Client

    timeout = _connect_timeout(timeout_s)
    try:
        return Client(address, timeout=timeout)
    except (OSError, TimeoutError) as exc:  # nothing listening, refused, unreachable
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError("executor", address, f"no Dask scheduler answered within "
                          f"{timeout:g} s ({reason}); start one with `dask scheduler` and "
                          "workers with `dask worker ADDRESS --nthreads 1` "
                          "(docs/cluster.md)") from None
    except ValueError as exc:  # a malformed address
        raise ConfigError("executor", address, f"is not a scheduler address like "
                          f"'tcp://127.0.0.1:8786' ({exc})") from None


def _client(executor: Any, n_runs: int,
            timeout_s: float | None = None) -> tuple[Any, Any, bool]:
    """(client or None for in-process, cluster to close or None, close the client?)."""
    if executor is None:
        executor = "inprocess" if n_runs <= TINY_SWEEP_RUNS else "local"
        where = _unguarded_main_call() if executor == "local" else None
        if where is not None:  # the default must not start workers that re-run the script
            print(f"sweep: running in-process: called at {where} outside `if __name__ == "
                  "\"__main__\":`, where a local Dask cluster's workers would re-run the "
                  "script; put it under that guard to use the cluster", file=sys.stderr)
            executor = "inprocess"
    if executor == "inprocess":
        return None, None, False
    from distributed import Client

    if executor == "local":
        where = _unguarded_main_call()
        if where is not None:
            raise ConfigError("executor", "local", f"a local Dask cluster starts worker "
                              f"processes that re-run the main script; the sweep is called "
                              f"at {where} outside `if __name__ == \"__main__\":` - put it "
                              "under that guard, or pass executor=\"inprocess\"")
        cluster = local_cluster()
        return Client(cluster), cluster, True
    if isinstance(executor, str) and executor.startswith(("tcp://", "tls://")):
        return connect(executor, timeout_s), None, True
    if isinstance(executor, Client):
        return executor, None, False
    raise ConfigError("executor", executor, "must be 'inprocess', 'local', a scheduler address "
                      "like 'tcp://127.0.0.1:8786', or a distributed.Client")


def _batches(tasks: list[dict], workers: int, batch_size: int | None) -> list[list[dict]]:
    """Runs per task. By default guided self-scheduling (Polychronopoulos & Kuck 1987): each
    batch takes a 1/(4 x workers) share of the runs not yet batched, at most 100 and at least
    1/(64 x workers) of the sweep, so the first batches are large (little per-task overhead)
    and the last are small (the workers finish together instead of one waiting on a long
    batch). A batch is also the unit written to disk: a killed sweep loses at most the
    batches in flight."""
    if batch_size is not None:
        return [tasks[i:i + batch_size] for i in range(0, len(tasks), batch_size)]
    workers = max(1, workers)
    smallest = max(1, math.ceil(len(tasks) / (64 * workers)))
    out, start = [], 0
    while start < len(tasks):
        size = min(100, max(smallest, math.ceil((len(tasks) - start) / (4 * workers))))
        out.append(tasks[start:start + size])
        start += size
    return out


# ------------------------------------------------------------------------------- sweep


def sweep(
    base: Scenario | Mapping[str, Any],
    *,
    grid: Mapping[str, Any] | None = None,
    points: Sequence[Mapping[str, Any]] | None = None,
    seeds: int = 1,
    root_seed: int | None = None,
    executor: Any = None,
    out: str | Path | None = None,
    batch_size: int | None = None,
    rounds: bool = False,
    progress: bool = True,
    retry_failed: bool = False,
    connect_timeout_s: float | None = None,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Run ``base`` over a grid (or points) x ``seeds``; see the module docstring.
    ``connect_timeout_s``: the wait for a scheduler address (default 5 s, or the
    environment's ``SWARM_CONNECT_TIMEOUT_S``)."""
    if not isinstance(base, Scenario):
        base = Scenario.from_dict(base)
    seed_meta = next(f.metadata for f in dataclasses.fields(Scenario) if f.name == "seed")
    root = base.seed if root_seed is None else check_value("root_seed", root_seed, seed_meta)
    if batch_size is not None and (not isinstance(batch_size, int) or isinstance(
            batch_size, bool) or batch_size < 1):
        raise ConfigError("batch_size", batch_size, "must be an integer >= 1 (or none for "
                          "guided self-scheduling)")
    point_list = expand_grid(grid, points)
    tasks = _plan(base, point_list, seeds, root)
    sweep_key = _sweep_id(base, point_list, seeds, root)
    out = Path(out) if out is not None else Path("data") / "sweeps" / sweep_key
    meta = {"sweep_id": sweep_key, "base": base.to_dict(), "points": point_list,
            "seeds": seeds, "root_seed": root, "versions": versions()}
    with SweepStore(out) as store:  # the lock: one writer; what a killed one left is gone
        stored = store.stored()
        failed_before = dict(zip(stored["run_id"][stored["status"] == STATUS_ERROR],
                                 stored["attempt"][stored["status"] == STATUS_ERROR],
                                 strict=True))
        done_ids = set(stored["run_id"])
        todo = []
        for task in tasks:
            if task["run_id"] not in done_ids:
                todo.append(task)
            elif retry_failed and task["run_id"] in failed_before:
                todo.append({**task, "attempt": int(failed_before[task["run_id"]]) + 1})
        retried = sum(1 for t in todo if t.get("attempt", 1) > 1)
        skipped = len(tasks) - len(todo)

        started = time.perf_counter()
        bar = _Progress(len(todo), progress)
        client, cluster, close = (_client(executor, len(todo), connect_timeout_s) if todo
                                  else (None, None, False))
        try:
            if client is None:
                for batch in _batches(todo, 1, batch_size):
                    rows, frames = run_batch(batch, rounds)
                    store.write_batch(rows, frames, meta)
                    bar.update(len(rows), sum(r["status"] == STATUS_ERROR for r in rows))
            else:
                from distributed import as_completed

                workers = max(1, len(client.scheduler_info().get("workers", {})))
                if cluster is not None:
                    workers = len(cluster.workers)
                plugins = shipped()  # registered in code here: the workers need them too
                _warm_up_workers(client, sorted({t["scenario"]["protocol"] for t in todo}),
                                 workers, plugins)
                futures = [client.submit(run_batch, batch, rounds, plugins, retries=3,
                                         pure=False)
                           for batch in _batches(todo, workers, batch_size)]
                for future in as_completed(futures):
                    rows, frames = future.result()
                    store.write_batch(rows, frames, meta)
                    bar.update(len(rows), sum(r["status"] == STATUS_ERROR for r in rows))
        finally:
            bar.close()
            if close:
                client.close()
            if cluster is not None:
                cluster.close()
        if retried:
            store.compact()  # the retried runs' old rows go (readers already skip them)
        result = read_sweep(out, rounds=rounds)

    frame = result[0] if rounds else result
    wanted = {t["run_id"] for t in tasks}
    frame = frame[frame["run_id"].isin(wanted)].reset_index(drop=True)
    failed = int((frame["status"] == STATUS_ERROR).sum())
    stats = {"runs": len(tasks), "done": len(todo), "failed": failed, "skipped": skipped,
             "retried": retried, "wall_s": time.perf_counter() - started, "out": str(out)}
    frame.attrs["sweep"] = stats
    if progress:
        again = f", {retried} retried" if retried else ""
        print(f"sweep: {len(todo)} run, {failed} failed, {skipped} skipped (already stored)"
              f"{again}, {stats['wall_s']:.1f} s -> {out}", file=sys.stderr)
    if rounds:
        round_frame = result[1]
        return frame, round_frame[round_frame["run_id"].isin(wanted)].reset_index(drop=True)
    return frame
