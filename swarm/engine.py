"""The round loop. It knows no protocol by name: it wires scenario, topology, state,
protocol, transport and a driver (kernel path or Mesa agents) and runs rounds.

Every round ``t`` (see ``swarm.protocols.base`` for the contract)::

    msgs = driver.send(state, t, rng)
    while msgs and phase < protocol.max_phases:
        msgs = transport.deliver(msgs, state, counters)      # the counting point
        msgs, useful = driver.receive(state, msgs, phase)
        transport.count_receipt(delivered, useful, counters)
    protocol.end_round(state, t)
    row = {round, protocol metrics, live, counters}
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from typing import Protocol as TypingProtocol

import numpy as np
import pandas as pd

from swarm.config import Scenario
from swarm.errors import ConfigError
from swarm.messages import Messages
from swarm.metrics import message_summary
from swarm.protocols import PROTOCOLS
from swarm.rng import Streams
from swarm.state import SwarmState
from swarm.topology import Topology, build_topology
from swarm.transport import COUNTER_NAMES, Counters, Transport

__all__ = ["Engine", "Driver"]


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
        if topology is None:
            topology = build_topology(scenario.topology, n, self.streams["topology"])
        elif topology.n != n:
            raise ConfigError("nodes", n, f"must equal the given topology's {topology.n} nodes")
        self.topology = topology
        self.protocol = PROTOCOLS[scenario.protocol.name](scenario.protocol, topology)
        self.state = SwarmState(n)
        self.protocol.init_state(self.state, self.streams["init"])
        self.transport = Transport()
        self.rng = self.streams["protocol"]
        self.driver: Driver = self.protocol
        self.rows: list[dict[str, Any]] = []
        self._record(Counters())

    @property
    def round(self) -> int:
        return self.state.round

    @property
    def done(self) -> bool:
        return self.state.round >= self.scenario.max_rounds or self.protocol.finished(
            self.state, self.rows[-1]
        )

    def step(self) -> bool:
        """Run one round unless the run is done; True if a round was run."""
        if self.done:
            return False
        state, protocol, transport, driver = self.state, self.protocol, self.transport, self.driver
        t = state.round + 1
        counters = Counters()
        msgs: Messages | None = driver.send(state, t, self.rng)
        phase = 0
        while msgs is not None and len(msgs) and phase < protocol.max_phases:
            delivered = transport.deliver(msgs, state, counters)
            msgs, useful = driver.receive(state, delivered, phase)
            transport.count_receipt(delivered, useful, counters)
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

    def _record(self, counters: Counters) -> None:
        row: dict[str, Any] = {"round": self.state.round}
        row.update(self.protocol.round_metrics(self.state))
        row["live"] = self.state.n_live
        for name in COUNTER_NAMES:
            row[name] = getattr(counters, name)
        self.rows.append(row)

    def rounds_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame.from_records(self.rows)
        for col in frame.columns:
            if col != "coverage" and frame[col].dtype != np.float64:
                frame[col] = frame[col].astype(np.int64)
        return frame

    def summary(self, rounds: pd.DataFrame) -> dict[str, Any]:
        out = self.protocol.summarize(rounds)
        out.update(message_summary(rounds, self.scenario.nodes))
        return out
