"""Churn (crash-recovery): nodes alternate up and down.

A ``fraction`` of the nodes (chosen at random when the window opens) churn: each starts up,
stays up for a session, goes down for a downtime, and so on. Session and downtime lengths are
drawn independently from ``dist`` with means ``session_rounds`` and ``downtime_rounds`` and
rounded up to whole rounds (at least 1):

- ``exponential``: memoryless;
- ``weibull`` with shape ``shape`` (scale = mean / Gamma(1 + 1/shape));
- ``pareto`` with tail index ``shape`` > 1 (x_m = mean (shape - 1) / shape), heavy-tailed.

A node that goes down at the start of round ``t`` sends and receives nothing until it comes back
up; on recovery it keeps its protocol state or starts afresh (``keep_state``). When the window
ends every churning node comes back up and stays up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from swarm.errors import ConfigError
from swarm.faults.base import EventLog, Fault, FaultParams
from swarm.faults.crash import set_live
from swarm.params import param
from swarm.state import SwarmState

__all__ = ["ChurnParams", "Churn", "draw_durations"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ChurnParams(FaultParams):
    name: ClassVar[str] = "churn"
    summary: ClassVar[str] = "nodes alternate up and down (exponential, Weibull, Pareto)"
    ZERO = {"fraction": 0.0}
    EXAMPLE = {"session_rounds": 4.0, "downtime_rounds": 2.0, "end": 12}

    fraction: float = param(1.0, min=0.0, max=1.0, help="fraction of the nodes that churn")
    dist: str = param("exponential", choices=("exponential", "weibull", "pareto"),
                      help="distribution of session and downtime lengths")
    session_rounds: float = param(20.0, min=1.0, units="rounds", help="mean time up")
    downtime_rounds: float = param(5.0, min=1.0, units="rounds", help="mean time down")
    shape: float = param(1.5, min=0.05, max=100.0,
                         help="Weibull shape, or Pareto tail index (must be > 1)")
    keep_state: bool = param(True, help="a node that comes back keeps its protocol state")

    def __post_init__(self) -> None:
        FaultParams.__post_init__(self)
        if self.dist == "pareto" and self.shape <= 1.0:
            raise ConfigError(f"{self.prefix()}.shape", self.shape,
                              "must be > 1 for dist = 'pareto' (the mean is infinite otherwise)")

    def is_zero(self) -> bool:
        return self.fraction == 0.0


def draw_durations(dist: str, mean: float, shape: float, u: np.ndarray) -> np.ndarray:
    """Whole-round durations (>= 1) with the given mean, from uniform doubles ``u``."""
    tail = -np.log1p(-u)  # Exp(1)
    if dist == "exponential":
        x = mean * tail
    elif dist == "weibull":
        x = mean / math.gamma(1.0 + 1.0 / shape) * tail ** (1.0 / shape)
    else:
        x_m = mean * (shape - 1.0) / shape
        x = x_m * np.exp(tail / shape)  # (1 - u)^(-1/shape)
    return np.maximum(np.ceil(x), 1.0).astype(np.int64)


class Churn(Fault):
    Params = ChurnParams

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.nodes = np.empty(0, np.int64)
        self.next_toggle = np.empty(0, np.int64)

    def acts_at_end(self) -> bool:
        return True

    def pending(self, t: int) -> bool:
        p = self.params
        if p.is_zero():
            return False
        return p.start > t or p.end is None or p.end >= t

    def _draw(self, mean: float, k: int) -> np.ndarray:
        p = self.params
        return draw_durations(p.dist, mean, p.shape, self.rng.random(k))

    def perturb(self, state: SwarmState, t: int, protocol: Any, log: EventLog) -> None:
        p = self.params
        if p.is_zero() or t < p.start:
            return
        if t == p.start:
            k = int(round(p.fraction * state.n))
            if k == state.n:
                self.nodes = np.arange(k, dtype=np.int64)
            else:
                self.nodes = np.sort(self.rng.choice(state.n, size=k, replace=False))
            self.next_toggle = t + self._draw(p.session_rounds, k)
            return
        if p.end is not None and t > p.end:
            if t == p.end + 1:
                back = self.nodes[~state.live[self.nodes]]
                self._bring_up(state, back, t, protocol, log)
            return
        due = np.flatnonzero(self.next_toggle == t)
        if not due.size:
            return
        nodes = self.nodes[due]
        up_now = state.live[nodes]
        going_down, coming_up = nodes[up_now], nodes[~up_now]
        self.next_toggle[due[up_now]] = t + self._draw(p.downtime_rounds, going_down.size)
        self.next_toggle[due[~up_now]] = t + self._draw(p.session_rounds, coming_up.size)
        if going_down.size:
            set_live(state, going_down, False)
            log.add(t, self.label, "down", going_down.size)
        self._bring_up(state, coming_up, t, protocol, log)

    def _bring_up(self, state: SwarmState, nodes: np.ndarray, t: int, protocol: Any,
                  log: EventLog) -> None:
        if not nodes.size:
            return
        set_live(state, nodes, True)
        if not self.params.keep_state:
            protocol.reset_nodes(state, nodes)
        log.add(t, self.label, "up", nodes.size)
