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

from swarm.faults.base import Fault, FaultParams
from swarm.kernels.faults import (
    DELAY_CONSTANT,
    DELAY_GEOMETRIC,
    DELAY_UNIFORM,
    draw_delays,
    split_by_delay,
)
from swarm.messages import MessageBuffer, Messages
from swarm.params import param
from swarm.state import SwarmState

__all__ = ["LatencyParams", "Latency", "delay_args"]


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


DIST_CODES = {"constant": DELAY_CONSTANT, "uniform": DELAY_UNIFORM,
              "geometric": DELAY_GEOMETRIC}


def delay_args(dist: str, rounds: float) -> tuple[int, float, float]:
    """(code, rounds, log(1 - p)) for the delay kernels; geometric p = 1 / (1 + rounds)."""
    p = 1.0 / (1.0 + rounds)
    return DIST_CODES[dist], float(rounds), math.log1p(-p) if p < 1.0 else 0.0


class Latency(Fault):
    Params = LatencyParams
    transform_order = 30

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.queue: dict[int, list[Messages]] = {}
        self._delays = np.empty(0, np.int32)
        # late messages live in pooled buffers: a buffer is reused once the last of its
        # groups has arrived (the transport copies arrivals as it delivers them)
        self._free: list[MessageBuffer] = []
        self._held: list[tuple[int, MessageBuffer]] = []

    def transform(self, msgs: Messages, state: SwarmState, t: int, counters: Any) -> Messages:
        p = self.params
        if not len(msgs) or not p.active(t) or p.is_zero():
            return msgs
        k = len(msgs)
        if self._delays.shape[0] < k:
            self._delays = np.empty(max(k, 2 * self._delays.shape[0]), np.int32)
        delays = self._delays[:k]
        top = draw_delays(self.uniforms(k), *delay_args(p.dist, p.rounds), delays)
        buf = (self._free.pop() if self._free else MessageBuffer()).reserve(k)
        m, values, starts = split_by_delay(delays, top, *msgs.arrays(),
                                           buf.src, buf.dst, buf.kind, buf.update)
        for g, delay in enumerate(values.tolist()):
            a, b = int(starts[g]), int(starts[g + 1])
            self.queue.setdefault(t + delay, []).append(
                Messages(buf.src[a:b], buf.dst[a:b], buf.kind[a:b], buf.update[a:b]))
        # the buffer also holds this round's on-time messages (o[0:m]), delivered before the
        # next transform can take the buffer back from the free list
        if values.size:
            self._held.append((t + int(values[-1]), buf))
        else:
            self._free.append(buf)
        counters.delayed += len(msgs) - m
        return buf.view(m)

    def arrivals(self, t: int) -> list[Messages]:
        still = []
        for last, buf in self._held:
            (self._free.append(buf) if last < t else still.append((last, buf)))
        self._held = still
        return self.queue.pop(t, [])

    def pending(self, t: int) -> bool:
        return bool(self.queue) or super().pending(t)
