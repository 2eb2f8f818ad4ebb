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

from swarm.config import param
from swarm.errors import ConfigError
from swarm.faults.base import EventLog, Fault, FaultParams, parse_coordinates, parse_id_ranges
from swarm.layout import layout
from swarm.state import SwarmState

__all__ = ["CrashParams", "Crash", "set_live"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CrashParams(FaultParams):
    name: ClassVar[str] = "crash"
    summary: ClassVar[str] = "nodes go down at start (and come back after end, if set)"
    ZERO = {"fraction": 0.0}
    EXAMPLE = {"fraction": 0.2, "start": 2, "end": 6, "keep_state": False}

    fraction: float = param(0.1, min=0.0, max=1.0,
                            help="fraction of all nodes that crash (random, highest-degree)")
    select: str = param("random", choices=("random", "highest-degree", "ids", "region"),
                        help="which nodes crash")
    ids: str = param("", help="node ids for select = 'ids', e.g. '0-9,15'")
    region: str = param("", help="with select = 'region': the rectangle 'x0,y0,x1,y1' of the "
                        "layout (0..1 each) whose live nodes crash")
    keep_state: bool = param(True, help="a recovered node keeps its protocol state")

    def check(self, nodes: int) -> None:
        if self.select == "ids":
            parse_id_ranges(f"{self.prefix()}.ids", self.ids, nodes)
        elif self.ids:
            raise ConfigError(f"{self.prefix()}.ids", self.ids,
                              "is only used with select = 'ids'")
        if (self.select == "region") != bool(self.region):
            raise ConfigError(f"{self.prefix()}.region", self.region,
                              "is required with select = 'region' and only used with it")
        if self.region:
            self.rectangle()

    def is_zero(self) -> bool:
        return self.select not in ("ids", "region") and self.fraction == 0.0

    def rectangle(self) -> tuple[float, float, float, float]:
        """``region`` as (x_min, y_min, x_max, y_max)."""
        x0, y0, x1, y1 = parse_coordinates(f"{self.prefix()}.region", self.region,
                                           "two corners of the rectangle")
        return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)

    def count(self, nodes: int) -> int:
        return int(round(self.fraction * nodes))


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
        p = self.params
        if p.select == "ids":
            ids = parse_id_ranges(f"{p.prefix()}.ids", p.ids, state.n)
            return ids[state.live[ids]]
        if p.select == "region":
            x0, y0, x1, y1 = p.rectangle()
            xy = layout(self.topology)
            inside = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
            return np.flatnonzero(inside & state.live)
        live = np.flatnonzero(state.live)
        k = min(p.count(state.n), live.size)
        if p.select == "random":
            return np.sort(self.rng.choice(live, size=k, replace=False))
        degrees = self.topology.degrees()[live]
        order = np.lexsort((live, -degrees))  # highest degree first, ties by id
        return np.sort(live[order[:k]])

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
