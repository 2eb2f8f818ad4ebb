"""Latency: a message arrives a whole number of rounds late.

A message sent in round ``t`` with delay ``L`` is delivered in round ``t + L`` (``L = 0``:
this round, the synchronous default), in that round's first phase, after the messages sent in
that round — so late messages arrive out of order. Delays: ``constant`` (exactly ``rounds``),
``uniform`` (an integer uniform on 0..``rounds``) or ``geometric`` (failures before the first
success of a coin with ``p = 1 / (1 + rounds)``: mean ``rounds``). Messages still in flight
when the run ends are never delivered.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from swarm.config import param
from swarm.faults.base import Fault, FaultParams
from swarm.messages import Messages
from swarm.state import SwarmState

__all__ = ["LatencyParams", "Latency"]


@dataclass(frozen=True, slots=True, kw_only=True)
class LatencyParams(FaultParams):
    name: ClassVar[str] = "latency"
    summary: ClassVar[str] = "deliver messages whole rounds late (constant, uniform, geometric)"
    ZERO = {"rounds": 0.0}
    EXAMPLE = {"dist": "uniform", "rounds": 2.0, "end": 30}

    dist: str = param("constant", choices=("constant", "uniform", "geometric"),
                      help="distribution of the delay in rounds")
    rounds: float = param(1.0, min=0.0, max=10_000.0, units="rounds",
                          help="constant: the delay; uniform: the largest delay; "
                          "geometric: the mean delay")

    def __post_init__(self) -> None:
        FaultParams.__post_init__(self)
        if self.dist != "geometric" and self.rounds != int(self.rounds):
            from swarm.errors import ConfigError

            raise ConfigError(f"{self.prefix()}.rounds", self.rounds,
                              f"must be a whole number of rounds for dist = {self.dist!r}")

    def is_zero(self) -> bool:
        return self.rounds == 0


def draw_delays(dist: str, rounds: float, u: np.ndarray) -> np.ndarray:
    """Delays in whole rounds from uniform doubles ``u`` (one per message)."""
    if dist == "constant":
        return np.full(u.shape, int(rounds), np.int64)
    if dist == "uniform":
        return np.minimum((u * (int(rounds) + 1)).astype(np.int64), int(rounds))
    p = 1.0 / (1.0 + rounds)
    if p >= 1.0:
        return np.zeros(u.shape, np.int64)
    # inverse CDF of the number of failures before the first success
    return np.floor(np.log1p(-u) / math.log1p(-p)).astype(np.int64)


class Latency(Fault):
    Params = LatencyParams

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.queue: dict[int, list[Messages]] = {}

    def transform(self, msgs: Messages, state: SwarmState, t: int, counters: Any) -> Messages:
        p = self.params
        if not len(msgs) or not p.active(t) or p.is_zero():
            return msgs
        delays = draw_delays(p.dist, p.rounds, self.rng.random(len(msgs)))
        now = delays == 0
        for delay in np.unique(delays[~now]):
            later = msgs.select(delays == delay)
            self.queue.setdefault(t + int(delay), []).append(later)
            counters.delayed += len(later)
        return msgs.select(now)

    def arrivals(self, t: int) -> list[Messages]:
        return self.queue.pop(t, [])

    def pending(self, t: int) -> bool:
        return bool(self.queue) or super().pending(t)
