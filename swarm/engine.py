"""The round loop. It knows no protocol by name: it wires scenario, topology, state,
protocol, transport and a driver (kernel path or Mesa agents) and runs rounds.

Every round ``t`` (see ``swarm.protocols.base`` and ``swarm.faults.base``)::

    faults.perturb(state, t)                                 # crash, recover, churn
    protocol.begin_round(state, t)                           # shared, e.g. client writes
    msgs = driver.send(state, t, rng)
    while phase == 0 or (msgs and phase < protocol.max_phases):
        delivered = transport.deliver(msgs, state, counters, t, phase)   # counting point,
        msgs, useful = driver.receive(state, delivered, phase)          # faults on messages
        transport.count_receipt(delivered, useful, counters)
    # (a protocol with phase_timers, e.g. SWIM's probe timeouts, gets every phase up to
    # max_phases, even with nothing delivered in it)
    protocol.end_round(state, t)
    row = {round, protocol metrics, live, [largest_component], counters}

A run is done after ``max_rounds``, or when the protocol has finished and no fault will change
anything any more (a crash still to come, a partition still to heal, messages in flight).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable
from typing import Any
from typing import Protocol as TypingProtocol

import numpy as np
import pandas as pd

from swarm.config import Scenario
from swarm.errors import ConfigError, format_bytes
from swarm.faults.base import EventLog, Fault, FaultParams
from swarm.kernels.metrics import largest_live_component
from swarm.messages import Messages
from swarm.metrics import message_summary
from swarm.registry import FAULTS, PROTOCOLS
from swarm.rng import Streams
from swarm.state import SwarmState
from swarm.topology import Given, Topology, build_topology, given_params
from swarm.transport import COUNTER_NAMES, Counters, Transport

__all__ = ["Engine", "Driver", "FaultSet", "ENGINES", "bytes_per_node", "check_memory"]

#: the two paths through one state: the Numba kernels, or every node's agent rule (Mesa)
ENGINES = ("kernels", "agents")

#: above this many nodes an Engine first checks that the run's arrays fit in memory
MEMORY_CHECK_NODES = 2**22


class Driver(TypingProtocol):
    """What the engine needs of a path: the kernel path is the protocol object itself;
    the agent path is ``swarm.model.AgentDriver``."""

    def send(self, state: SwarmState, t: int, rng: np.random.Generator) -> Messages: ...

    def receive(
        self, state: SwarmState, msgs: Messages, phase: int
    ) -> tuple[Messages | None, np.ndarray]: ...


class Engine:
    """One run in progress. ``step()`` runs a round; ``rounds_frame()`` is the tidy result."""

    def __init__(self, scenario: Scenario, *, topology: Topology | None = None) -> None:
        self.scenario = scenario
        self.streams = Streams(scenario.seed)
        n = scenario.nodes
        if topology is None and n > MEMORY_CHECK_NODES:
            check_memory(scenario)
        if topology is None:
            topology = build_topology(scenario.topology, n, self.streams["topology"])
        else:
            if topology.n != n:
                raise ConfigError("nodes", n,
                                  f"must equal the given topology's {topology.n} nodes")
            recorded = scenario.topology
            if isinstance(recorded, Given) and recorded.sha256 != topology.sha256():
                raise ConfigError("topology", topology.name, f"is not the graph the scenario "
                                  f"ran on (its sha256 is {topology.sha256()[:12]}..., the "
                                  f"scenario's {recorded.sha256[:12]}...)")
            # the scenario says what the run ran on: the given graph, not the generator
            scenario = dataclasses.replace(scenario, topology=given_params(topology))
            self.scenario = scenario
        self.topology = topology
        self.protocol = PROTOCOLS[scenario.protocol.name](scenario.protocol, topology)
        self.protocol.streams = self.streams
        self.state = SwarmState(n)
        self.protocol.init_state(self.state, self.streams["init"])
        self.faults = FaultSet(scenario.faults, topology, self.streams)
        self.transport = Transport(self.faults)
        self.rng = self.streams["protocol"]
        self.driver: Driver = self.protocol
        self.rows: list[dict[str, Any]] = []
        self._component_key: tuple[np.ndarray, Any] | None = None
        self._component = 0
        self._record(Counters())

    @property
    def round(self) -> int:
        return self.state.round

    @property
    def done(self) -> bool:
        t = self.state.round
        if t >= self.scenario.max_rounds:
            return True
        return self.protocol.finished(self.state, self.rows[-1]) and not self.faults.pending(t)

    def step(self) -> bool:
        """Run one round unless the run is done; True if a round was run."""
        if self.done:
            return False
        state, protocol, transport, driver = self.state, self.protocol, self.transport, self.driver
        t = state.round + 1
        counters = Counters()
        if self.faults:
            self.faults.perturb(state, t, protocol)
        protocol.begin_round(state, t)
        msgs: Messages | None = driver.send(state, t, self.rng)
        phase = 0
        timers = protocol.phase_timers
        while msgs is not None and (phase == 0 or len(msgs) or timers) \
                and phase < protocol.max_phases:
            delivered = transport.deliver(msgs, state, counters, t, phase)
            if len(delivered) or timers:
                msgs, useful = driver.receive(state, delivered, phase)
                transport.count_receipt(delivered, useful, counters)
            else:
                msgs = None
            phase += 1
        protocol.end_round(state, t)
        state.round = t
        self._record(counters)
        return True

    def run(self, progress: Callable[[int], None] | None = None) -> None:
        """Step until done; ``progress(round)`` after each round."""
        while self.step():
            if progress is not None:
                progress(self.state.round)

    # -- changes while the run goes on (the dashboard, scripts) ------------------------------
    def inject(self, params: FaultParams, label: str | None = None) -> str:
        """Add a fault that acts from the next round on (a ``start`` in the past is moved
        there) and return its label (default: ``<kind>-r<round>``). ``scenario`` gains the
        fault, so ``simulate(engine.scenario)`` replays the run, injections included; the
        scenario's checks apply (e.g. two losses may not overlap: end the old one first)."""
        t = self.state.round + 1
        if params.start < t:
            end = params.end if params.end is None else max(params.end, t)
            params = dataclasses.replace(params, start=t, end=end)
        if label is None:
            used = {name for name, _ in self.scenario.faults}
            label, k = f"{params.name}-r{t}", 2
            while label in used:
                label, k = f"{params.name}-r{t}-{k}", k + 1
        self.scenario = dataclasses.replace(
            self.scenario, faults=(*self.scenario.faults, (label, params)))
        self.faults.add(label, params)
        return label

    def end_fault(self, label: str) -> None:
        """End a fault's window with the round just run: at the next round its crashed nodes
        recover, its partition heals, its loss or latency stops. A fault that has not started
        yet is dropped; one that has ended already is left alone."""
        fault = self.faults.get(label)
        t, p = self.state.round, fault.params
        if p.end is not None and p.end <= t:
            return
        if p.start > t:
            self.faults.remove(label)
            pairs = tuple(pair for pair in self.scenario.faults if pair[0] != label)
        else:
            fault.params = dataclasses.replace(p, end=t)
            pairs = tuple((name, fault.params if name == label else old)
                          for name, old in self.scenario.faults)
        self.scenario = dataclasses.replace(self.scenario, faults=pairs)

    def active_faults(self, kind: str | None = None) -> list[str]:
        """Labels of the faults acting in the coming round (of one kind, if given)."""
        t = self.state.round + 1
        return [f.label for f in self.faults.faults
                if f.params.active(t) and (kind is None or f.params.name == kind)]

    def _record(self, counters: Counters) -> None:
        row: dict[str, Any] = {"round": self.state.round}
        row.update(self.protocol.round_metrics(self.state))
        row["live"] = self.state.n_live
        if self.scenario.largest_component:
            row["largest_component"] = self._largest_component()
        for name in COUNTER_NAMES:
            row[name] = getattr(counters, name)
        if self.rows and len(row) != len(self.rows[-1]):
            # a column that first appears mid-run (spreading's Byzantine columns once a node
            # turns Byzantine) counted nothing in the rounds before; columns keep row order
            for i, old in enumerate(self.rows):
                if old.keys() != row.keys():
                    self.rows[i] = {name: old.get(name, 0) for name in row} | old
        self.rows.append(row)

    def _largest_component(self) -> int:
        """Recomputed only when the live set or the active partition changed."""
        groups = self.faults.groups(self.state.round)
        key = self._component_key
        if key is None or key[1] is not groups or not np.array_equal(key[0], self.state.live):
            topo = self.topology
            self._component = int(largest_live_component(
                topo.indptr, topo.indices, topo.complete, self.state.live,
                groups if groups is not None else np.zeros(1, np.int32), groups is not None,
            ))
            self._component_key = (self.state.live.copy(), groups)
        return self._component

    def events_frame(self) -> pd.DataFrame:
        """What the faults did (``run.events``): round, fault, event, nodes, detail, and for
        recoveries and heals the rounds until coverage was full again."""
        frame = EventLog.frame(self.faults.log.rows)
        if "coverage" in (self.rows[0] if self.rows else {}):
            rounds = np.array([r["round"] for r in self.rows])
            full = rounds[np.array([r["coverage"] for r in self.rows]) >= 1.0]
            after = []
            for t, event in zip(frame["round"], frame["event"], strict=True):
                if event in ("heal", "recover", "up"):
                    later = full[full >= t]
                    after.append(int(later[0] - t) if later.size else None)
                else:
                    after.append(None)
            frame["reconverge_rounds"] = pd.array(after, dtype="Int64")
        return self.protocol.annotate_events(frame, self.rows)

    def rounds_frame(self) -> pd.DataFrame:
        """``run.rounds``: one row per round; every column float64 or int64 (booleans and
        narrower integers widened), ``coverage`` as it came."""
        rows = self.rows
        if rows and all(row.keys() == rows[0].keys() for row in rows):
            # the usual case, every round the same columns: one array per column, one frame
            # (the general path below costs ~3 ms a run, more than a 10^4-node run's rounds)
            columns = {name: np.array([row[name] for row in rows]) for name in rows[0]}
            if all(a.dtype.kind in "biuf" for a in columns.values()):
                return pd.DataFrame({name: _widened(name, a) for name, a in columns.items()},
                                    copy=False)
        frame = pd.DataFrame.from_records(rows)
        for col in frame.columns:
            frame[col] = _widened(col, frame[col])
        return frame

    def summary(self, rounds: pd.DataFrame, events: pd.DataFrame) -> dict[str, Any]:
        out = self.protocol.summarize(rounds)
        out.update(message_summary(rounds, self.scenario.nodes))
        if "reconverge_rounds" in events:
            healed = events[events["event"].isin(["heal", "recover"])]
            if len(healed):
                last = healed["reconverge_rounds"].iloc[-1]
                out["reconverge_rounds"] = None if pd.isna(last) else int(last)
        return out


def _widened(name: str, values: Any) -> Any:
    """A round column (array or Series) as ``run.rounds`` holds it: float64 kept, ``coverage``
    as it came, anything else int64."""
    if name == "coverage" or values.dtype == np.float64:
        return values
    return values.astype(np.int64)


# -- memory ---------------------------------------------------------------------------------


def _array_bytes(obj: Any, seen: set[int], depth: int = 3) -> int:
    """Bytes of the distinct numpy arrays reachable from ``obj`` through attributes, slots,
    lists, tuples and dict values, ``depth`` levels down."""
    if isinstance(obj, np.ndarray):
        base = obj if obj.base is None or not isinstance(obj.base, np.ndarray) else obj.base
        if id(base) in seen:
            return 0
        seen.add(id(base))
        return int(base.nbytes)
    if depth == 0 or isinstance(obj, (str, bytes, int, float, bool, type(None), np.generic)):
        return 0
    if isinstance(obj, dict):
        children: Any = obj.values()
    elif isinstance(obj, (list, tuple)):
        children = obj
    else:
        children = [getattr(obj, name) for name in (
            *getattr(obj, "__dict__", {}), *getattr(type(obj), "__slots__", ()))
            if hasattr(obj, name)]
    return sum(_array_bytes(child, seen, depth - 1) for child in children)


def bytes_per_node(scenario: Scenario) -> float | None:
    """The bytes per node of a run's arrays (state, topology, protocol and fault tables),
    measured on the same scenario built at 2^15 and 2^16 nodes: the slope between the two.
    A lower bound of what the run needs (messages in flight come on top). None when the
    scenario cannot be built that small (e.g. ids or a grid tied to its size)."""
    sizes = (2**15, 2**16)
    totals = []
    for n in sizes:
        try:
            small = Engine(scenario.replace({"nodes": n}))
        except ConfigError:
            return None
        totals.append(_array_bytes(small, set()))
    return max(0.0, (totals[1] - totals[0]) / (sizes[1] - sizes[0]))


def physical_memory() -> int | None:
    """Bytes of memory this process may use: the machine's, or its cgroup's limit if lower."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None
    try:
        limit = open("/sys/fs/cgroup/memory.max", encoding="ascii").read().strip()
        if limit.isdigit():
            total = min(total, int(limit))
    except OSError:
        pass
    return total


def check_memory(scenario: Scenario) -> None:
    """Refuse, before allocating anything, a run whose arrays alone exceed this machine's
    memory: a ConfigError on ``nodes`` naming the memory it would need."""
    per_node = bytes_per_node(scenario)
    have = physical_memory()
    if per_node is None or have is None:
        return
    need = per_node * scenario.nodes
    if need > have:
        raise ConfigError(
            "nodes", scenario.nodes,
            f"needs at least {format_bytes(need)} for the arrays of {scenario.protocol.name} "
            f"on {scenario.topology.name} ({per_node:.0f} bytes per node); this machine has "
            f"{format_bytes(have)}: fewer nodes, or a smaller view / topology degree")


class FaultSet:
    """The faults of one run, wired to the transport and the engine."""

    def __init__(self, pairs: Iterable[tuple[str, FaultParams]], topology: Any,
                 streams: Any) -> None:
        self.topology, self.streams = topology, streams
        self.faults: list[Fault] = []
        self.message_faults: list[Fault] = []
        self.log = EventLog()
        for label, params in pairs:
            self.add(label, params)

    def add(self, label: str, params: FaultParams) -> Fault:
        """Wire one more fault (at the start, or while the run goes on). Faults act in label
        order, as ``Scenario.faults`` lists them, so a run that gained a fault half-way is the
        run of the scenario that lists it from the start."""
        fault = FAULTS[params.name](label, params, self.topology, self.streams[f"fault.{label}"])
        self.faults.append(fault)
        self.faults.sort(key=lambda f: f.label)
        # message-level faults (those with a transform) act in ``transform_order``, which
        # decides the cause a drop is counted under; ties in label order (the sort is stable)
        self.message_faults = sorted(
            (f for f in self.faults if type(f).transform is not Fault.transform),
            key=lambda f: f.transform_order)
        return fault

    def remove(self, label: str) -> None:
        """Unwire a fault (one that has not acted yet: ``Engine.end_fault``)."""
        fault = self.get(label)
        self.faults.remove(fault)
        if fault in self.message_faults:
            self.message_faults.remove(fault)

    def get(self, label: str) -> Fault:
        for fault in self.faults:
            if fault.label == label:
                return fault
        raise ConfigError("fault", label, "no fault has this label; labels: "
                          + (", ".join(f.label for f in self.faults) or "none"))

    def __bool__(self) -> bool:
        return bool(self.faults)

    def perturb(self, state: SwarmState, t: int, protocol: Any) -> None:
        for fault in self.faults:
            fault.perturb(state, t, protocol, self.log)

    def transform(self, msgs: Messages, state: SwarmState, t: int, counters: Any) -> Messages:
        for fault in self.message_faults:
            msgs = fault.transform(msgs, state, t, counters)
        return msgs

    def arrivals(self, t: int) -> list[Messages]:
        """Batches delayed from earlier rounds that arrive in round ``t``."""
        return [m for f in self.faults for m in f.arrivals(t)]

    def pending(self, t: int) -> bool:
        return any(f.pending(t) for f in self.faults if not f.params.is_zero())

    def groups(self, t: int) -> np.ndarray | None:
        for fault in self.faults:
            g = fault.groups(t)
            if g is not None:
                return g
        return None
