"""Message loss: each message in flight is dropped independently with probability ``rate``
(requests and replies alike; convention C5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from swarm.faults.base import Fault, FaultParams
from swarm.kernels.faults import keep_unlost
from swarm.messages import Messages
from swarm.params import param
from swarm.state import SwarmState

__all__ = ["LossParams", "Loss"]


@dataclass(frozen=True, slots=True, kw_only=True)
class LossParams(FaultParams):
    name: ClassVar[str] = "loss"
    summary: ClassVar[str] = "drop each message independently with probability rate"
    ZERO = {"rate": 0.0}
    EXAMPLE = {"rate": 0.2}

    rate: float = param(0.1, min=0.0, max=1.0, help="probability that a message is dropped")

    def is_zero(self) -> bool:
        return self.rate == 0.0


class Loss(Fault):
    Params = LossParams
    transform_order = 20
    drop_counter = "dropped_loss"

    def transform(self, msgs: Messages, state: SwarmState, t: int, counters: Any) -> Messages:
        if not len(msgs) or not self.params.active(t):
            return msgs
        m = keep_unlost(self.uniforms(len(msgs)), self.params.rate, *msgs.arrays())
        counters.dropped_loss += len(msgs) - m
        return msgs.prefix(m)
