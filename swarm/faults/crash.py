"""Crash: nodes go down at the start of round ``start``; with ``end`` set they recover after
round ``end`` (crash-recovery), without it they stay down (crash-stop).

Which nodes: a ``fraction`` of the nodes chosen uniformly among the live ones (``random``), the
highest-degree live nodes first (``highest-degree``, ties by id), named ``ids``, or every live
node inside a ``region`` (a rectangle of the layout of ``swarm.layout``: what the dashboard
draws). A down node
sends and receives nothing; messages to it are dropped (``dropped_down``). On recovery a node
keeps its protocol state, or starts afresh with ``keep_state = false``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from swarm.faults.base import EventLog, Fault, SelectionParams, choose_nodes
from swarm.params import param
from swarm.state import SwarmState

__all__ = ["CrashParams", "Crash", "set_live"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CrashParams(SelectionParams):
    name: ClassVar[str] = "crash"
    summary: ClassVar[str] = "nodes go down at start (and come back after end, if set)"
    ZERO = {"fraction": 0.0}
    EXAMPLE = {"fraction": 0.2, "start": 2, "end": 6, "keep_state": False}

    keep_state: bool = param(True, help="a recovered node keeps its protocol state")


def set_live(state: SwarmState, nodes: np.ndarray, up: bool) -> None:
    """Mark ``nodes`` up or down and keep ``state.n_live`` right."""
    state.live[nodes] = up
    state.n_live = int(np.count_nonzero(state.live))


class Crash(Fault):
    Params = CrashParams

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.down = np.empty(0, np.int64)

    def acts_at_end(self) -> bool:
        return True

    def choose(self, state: SwarmState) -> np.ndarray:
        return choose_nodes(self.params, state, self.topology, self.rng)

    def perturb(self, state: SwarmState, t: int, protocol: Any, log: EventLog) -> None:
        p = self.params
        if t == p.start:
            self.down = self.choose(state)
            if self.down.size:
                set_live(state, self.down, False)
                log.add(t, self.label, "crash", self.down.size, p.select)
        elif p.end is not None and t == p.end + 1 and self.down.size:
            back = self.down[~state.live[self.down]]
            set_live(state, back, True)
            if not p.keep_state:
                protocol.reset_nodes(state, back)
            log.add(t, self.label, "recover", back.size,
                    "state kept" if p.keep_state else "state lost")
            self.down = np.empty(0, np.int64)
