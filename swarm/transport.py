"""Delivery: the one counting point every message passes, and where faults act on messages.

``Transport.deliver`` counts what was sent (and how much of it carried an update), lets the
message-level faults drop or delay it (partition, loss, latency: counted by cause), adds the
messages delayed from earlier rounds that arrive now (first phase only), drops what cannot
arrive (messages to a down node) and hands the delivered batch back.
``Transport.count_receipt`` counts, of the delivered update-carrying messages, those that told
their receiver something new (``useful``) and the rest (``redundant``).

Per round: ``messages + late == delivered + dropped + delayed``, and ``dropped`` is the sum of
``dropped_down``, ``dropped_partition`` and ``dropped_loss``; without latency
``messages == delivered + dropped``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from swarm.kernels.faults import keep_live_receivers
from swarm.messages import MessageBuffer, Messages
from swarm.state import SwarmState

__all__ = ["Counters", "Transport", "COUNTER_NAMES"]

COUNTER_NAMES = ("messages", "update_messages", "delivered", "dropped", "dropped_down",
                 "dropped_partition", "dropped_loss", "delayed", "late", "useful", "redundant")


class Counters:
    """Message counts of one round."""

    __slots__ = COUNTER_NAMES

    def __init__(self) -> None:
        for name in COUNTER_NAMES:
            setattr(self, name, 0)

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTER_NAMES}


class Transport:
    """Synchronous delivery within the round, wrapped by the scenario's faults."""

    def __init__(self, faults: Any = None) -> None:
        self.faults = faults
        self._merged = MessageBuffer()  # this round's messages + late arrivals

    def deliver(
        self, msgs: Messages, state: SwarmState, counters: Counters, t: int = 0, phase: int = 0
    ) -> Messages:
        sent = len(msgs)
        counters.messages += sent
        if sent:
            counters.update_messages += int(np.count_nonzero(msgs.update))
        if self.faults:
            msgs = self.faults.transform(msgs, state, t, counters)
            if phase == 0:
                late = self.faults.arrivals(t)
                if late:
                    counters.late += sum(len(batch) for batch in late)
                    msgs = self._merge([msgs, *late])
        arriving = len(msgs)
        if arriving and state.n_live < state.n:
            m = keep_live_receivers(state.live, *msgs.arrays())
            counters.dropped_down += arriving - m
            msgs = msgs.prefix(m)
        counters.delivered += len(msgs)
        counters.dropped = counters.dropped_down + counters.dropped_partition + \
            counters.dropped_loss
        return msgs

    def _merge(self, batches: list[Messages]) -> Messages:
        """The batches one after the other, in one reused buffer (one copy, no allocation
        once the buffer is large enough)."""
        total = sum(len(batch) for batch in batches)
        buf = self._merged.reserve(total)
        at = 0
        for batch in batches:
            k = len(batch)
            buf.src[at:at + k] = batch.src
            buf.dst[at:at + k] = batch.dst
            buf.kind[at:at + k] = batch.kind
            buf.update[at:at + k] = batch.update
            at += k
        return buf.view(total)

    @staticmethod
    def count_receipt(msgs: Messages, useful: np.ndarray | int, counters: Counters) -> None:
        """``useful[i]``: delivered message i informed its receiver (only update-carrying
        messages can be useful); or ``useful`` is their number (a parallel kernel counts the
        nodes it informed rather than marking the message that informed each first)."""
        n_useful = useful if isinstance(useful, int) else int(np.count_nonzero(useful))
        counters.useful += n_useful
        counters.redundant += int(np.count_nonzero(msgs.update)) - n_useful
