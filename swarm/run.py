"""``simulate()`` and the ``Run`` it returns: tidy data plus what it takes to reproduce it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from swarm.config import Scenario
from swarm.errors import ConfigError
from swarm.faults.base import EventLog
from swarm.state import SwarmState
from swarm.store import read_frame, run_id, versions, write_frame
from swarm.topology import Topology

__all__ = ["Run", "simulate", "read_run", "run_of"]


@dataclass(eq=False)
class Run:
    """The result of one run.

    ``rounds``: one row per round (round 0 is the initial state), see ``swarm.metrics``.
    ``summary``: one flat dict. ``events``: what the faults did, one row per event.
    ``topology``: what the run ran on, ``{"name", "nodes", "edges", "sha256"}`` (the hash of
    the CSR arrays, :meth:`swarm.Topology.sha256`), generated or given.
    ``state``: the final SwarmState (not stored in Parquet).
    """

    scenario: Scenario
    engine: str
    rounds: pd.DataFrame
    summary: dict[str, Any]
    run_id: str
    events: pd.DataFrame = field(default_factory=pd.DataFrame)
    topology: Mapping[str, Any] | None = None
    state: SwarmState | None = field(default=None, repr=False)

    def to_parquet(self, path: str | Path) -> Path:
        """Write the round frame with summary, scenario, run id and versions as metadata."""
        meta = {
            "scenario": self.scenario.to_dict(),
            "summary": self.summary,
            "engine": self.engine,
            "run_id": self.run_id,
            "events": self.events.astype(object).where(self.events.notna(), None)
            .to_dict(orient="records"),
            "event_columns": list(self.events.columns),  # the records' keys come back sorted
            "topology": None if self.topology is None else dict(self.topology),
            "versions": versions(),
        }
        return write_frame(path, self.rounds, meta)

    def __repr__(self) -> str:
        s = self.scenario
        on = s.topology.name
        if self.topology is not None:
            t = self.topology
            name = f"given {t['name']}" if s.topology.name == "given" else t["name"]
            on = f"{name} ({t['edges']:,} edges, sha256 {t['sha256'][:12]})"
        return (f"Run({s.protocol.name} on {on}, nodes={s.nodes}, seed={s.seed}, "
                f"engine={self.engine}, rounds={self.summary.get('rounds')})")


def read_run(path: str | Path) -> Run:
    """Read a file written by :meth:`Run.to_parquet` back into a Run (without state)."""
    frame, meta = read_frame(path, "run file")
    return Run(
        scenario=Scenario.from_dict(meta["scenario"]),
        engine=meta["engine"],
        rounds=frame,
        summary=meta["summary"],
        run_id=meta["run_id"],
        events=EventLog.frame(meta.get("events", []), meta.get("event_columns")),
        topology=meta.get("topology"),  # None in files written before it was recorded
    )


def simulate(
    scenario: Scenario | dict[str, Any],
    *,
    engine: str = "kernels",
    topology: Topology | None = None,
    progress: Callable[[int], None] | None = None,
) -> Run:
    """Run one scenario to the end and return its :class:`Run`.

    ``engine="kernels"`` (default) runs the Numba kernels and builds no Mesa agents;
    ``engine="agents"`` runs every node's agent rule through ``SwarmModel``. For the same
    seed both give the same run. ``topology`` replaces the scenario's generated topology
    (e.g. ``swarm.topology.from_networkx(G)``); the run's scenario then records it as
    ``topology = "given"`` with its name, edges and hash (``swarm.topology.Given``), so its
    ``run_id`` names the graph, not the unused generator. ``progress(round)`` is called per
    round.
    """
    from swarm.engine import ENGINES, Engine

    if isinstance(scenario, dict):
        scenario = Scenario.from_dict(scenario)
    if engine not in ENGINES:
        raise ConfigError("engine", engine, "must be one of " + ", ".join(ENGINES))
    if engine == "agents":
        from swarm.model import SwarmModel  # Mesa, only for the agent path

        run_engine = SwarmModel(scenario, engine="agents", topology=topology).engine
    else:
        run_engine = Engine(scenario, topology=topology)
    run_engine.run(progress)
    return run_of(run_engine, engine)


def run_of(run_engine: Any, engine: str) -> Run:
    """The :class:`Run` of an engine as it stands (finished or not): its scenario, with any
    fault injected while it ran, is what reproduces it."""
    rounds = run_engine.rounds_frame()
    events = run_engine.events_frame()
    scenario = run_engine.scenario
    return Run(
        scenario=scenario,
        engine=engine,
        rounds=rounds,
        summary=run_engine.summary(rounds, events),
        run_id=run_id(scenario.to_dict()),
        events=events,
        topology=_Provenance(run_engine.topology),
        state=run_engine.state,
    )


class _Provenance(Mapping[str, Any]):
    """``Run.topology`` of a run just made: :meth:`Topology.provenance`, computed when first
    read (by ``repr``, ``to_parquet`` or the user). Hashing the edges costs ~0.2 s for a
    10^6-node k-out graph, which a sweep that never reads the record should not pay."""

    def __init__(self, topology: Topology) -> None:
        self._topology: Topology | None = topology
        self._record: dict[str, Any] | None = None

    def _get(self) -> dict[str, Any]:
        if self._record is None:
            assert self._topology is not None
            self._record, self._topology = self._topology.provenance(), None
        return self._record

    def __getitem__(self, key: str) -> Any:
        return self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())

    def __repr__(self) -> str:
        return repr(self._get())
