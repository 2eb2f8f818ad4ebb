"""Delivery: the one counting point every message passes.

``Transport.deliver`` counts what was sent (and how much of it carried an update), drops what
cannot arrive (messages to a down node), counts what was delivered and dropped, and hands the
delivered batch back.
``Transport.count_receipt`` counts, of the delivered update-carrying messages, those that told
their receiver something new (``useful``) and the rest (``redundant``). The counts therefore
mean the same for every protocol, and ``messages == delivered + dropped`` always.
"""

from __future__ import annotations

import numpy as np

from swarm.messages import Messages
from swarm.state import SwarmState

__all__ = ["Counters", "Transport", "COUNTER_NAMES"]

COUNTER_NAMES = ("messages", "update_messages", "delivered", "dropped", "useful", "redundant")


class Counters:
    """Message counts of one round."""

    __slots__ = COUNTER_NAMES

    def __init__(self) -> None:
        self.messages = 0
        self.update_messages = 0
        self.delivered = 0
        self.dropped = 0
        self.useful = 0
        self.redundant = 0

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTER_NAMES}


class Transport:
    """Synchronous delivery within the round (faults will wrap this)."""

    def deliver(self, msgs: Messages, state: SwarmState, counters: Counters) -> Messages:
        sent = len(msgs)
        counters.messages += sent
        if sent:
            counters.update_messages += int(np.count_nonzero(msgs.update))
        if sent and state.n_live < state.n:
            arrives = state.live[msgs.dst]
            delivered = msgs.select(arrives)
        else:
            delivered = msgs
        counters.delivered += len(delivered)
        counters.dropped += sent - len(delivered)
        return delivered

    @staticmethod
    def count_receipt(msgs: Messages, useful: np.ndarray, counters: Counters) -> None:
        """``useful[i]``: delivered message i informed its receiver (only update-carrying
        messages can be useful)."""
        n_useful = int(np.count_nonzero(useful))
        counters.useful += n_useful
        counters.redundant += int(np.count_nonzero(msgs.update)) - n_useful
