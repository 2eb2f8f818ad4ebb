"""Kernel-path helpers shared by protocols whose nodes call random neighbours and get
answers (``anti-entropy``, ``heartbeat``, ``averaging``, ``push-sum``, ``majority``,
``voter``).

- :func:`call_neighbours`: the send phase of convention C2 — every live node, in node order,
  calls ``min(fanout, degree)`` distinct random neighbours, one double per pick from the
  ``protocol`` stream (``swarm.kernels.antientropy.store_send``, which the agent path's
  ``NodeAgent.random_partners`` matches bit for bit);
- :func:`answers`: the batch of answers a receive kernel wrote into a phase buffer.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from swarm.kernels.antientropy import store_count, store_send
from swarm.messages import MessageBuffer, Messages
from swarm.protocols.base import Protocol
from swarm.state import SwarmState

__all__ = ["call_neighbours", "answers"]


def call_neighbours(protocol: Protocol, state: SwarmState, rng: np.random.Generator,
                    fanout: int, kind: int, peers: Any = None) -> Messages:
    """The calls of one round, all of kind ``kind`` (``update`` set unless it is a PULL),
    to neighbours in ``peers`` (anything with ``indptr``, ``indices``, ``complete``, e.g. a
    membership view's peers; default: the topology)."""
    topo = protocol.topology if peers is None else peers
    total = store_count(state.live, topo.indptr, topo.complete, fanout)
    buf = protocol.buffer("send").reserve(total)
    uniforms = protocol.uniforms(rng, total)  # one double per pick, callers in node order
    m = store_send(state.live, topo.indptr, topo.indices, topo.complete, fanout, kind,
                   uniforms, buf.src, buf.dst, buf.kind, buf.update)
    return buf.view(m)


def answers(buf: MessageBuffer, m: int, r: int, kind: int
            ) -> tuple[Messages | None, np.ndarray]:
    """(the ``r`` answers in ``buf``, all of kind ``kind`` and carrying an update, or None;
    the useful mask over the ``m`` messages delivered), as ``Protocol.receive`` returns."""
    useful = buf.flag[:m]
    if r == 0:
        return None, useful
    buf.kind[:r] = kind
    buf.update[:r] = True
    return buf.view(r), useful
