"""Kernel-path helpers shared by protocols whose nodes call random neighbours and get
answers (``anti-entropy``, ``heartbeat``, ``averaging``, ``push-sum``, ``majority``,
``voter``).

- :func:`call_neighbours`: the send phase of convention C2 — every live node, in node order,
  calls ``min(fanout, degree)`` distinct random neighbours, one double per pick: the next
  doubles of the ``protocol`` stream (``swarm.kernels.antientropy.store_send``), or for a
  protocol with ``counter_draws`` node *i*'s counter-based draws 0, 1, ... of the round,
  chosen in parallel by spreading's send kernels (every live node "sends"); either way the
  agent path's ``NodeAgent.random_partners`` matches bit for bit;
- :func:`answers`: the batch of answers a receive kernel wrote into a phase buffer.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from swarm.kernels import spreading as sk
from swarm.kernels.antientropy import PULL, store_count, store_send
from swarm.kernels.parallel import CHUNK
from swarm.messages import MessageBuffer, Messages
from swarm.protocols.base import Protocol
from swarm.state import SwarmState

__all__ = ["call_neighbours", "answers"]


#: no acknowledgement slots: the pending arrays spreading's send kernels take, empty
_NO_SLOTS = (np.full((0, 0), -1, np.int32), np.zeros((0, 0), np.int32),
             np.zeros((0, 0), np.int16))


def call_neighbours(protocol: Protocol, state: SwarmState, rng: np.random.Generator,
                    fanout: int, kind: int, peers: Any = None, t: int | None = None
                    ) -> Messages:
    """The calls of one round, all of kind ``kind`` (``update`` set unless it is a PULL),
    to neighbours in ``peers`` (anything with ``indptr``, ``indices``, ``complete``, e.g. a
    membership view's peers; default: the topology). A protocol with ``counter_draws``
    passes the round ``t`` (its draws are keyed by it) and ``rng`` is not used."""
    topo = protocol.topology if peers is None else peers
    if protocol.counter_draws:
        if t is None:
            raise TypeError(f"call_neighbours: {protocol.name!r} has counter_draws, so it "
                            "must pass the round t")
        return _counter_calls(protocol, state, topo, fanout, kind, t)
    total = store_count(state.live, topo.indptr, topo.complete, fanout)
    buf = protocol.buffer("send").reserve(total)
    uniforms = protocol.uniforms(rng, total)  # one double per pick, callers in node order
    m = store_send(state.live, topo.indptr, topo.indices, topo.complete, fanout, kind,
                   uniforms, buf.src, buf.dst, buf.kind, buf.update)
    return buf.view(m)


def _counter_calls(protocol: Protocol, state: SwarmState, topo: Any, fanout: int, kind: int,
                   t: int) -> Messages:
    """``call_neighbours`` with counter-based draws: spreading's send kernels with every live
    node sending (push and pull, "informed" = live, no acknowledgements), in parallel chunks
    of nodes; then the kind and the update flag of the calls."""
    live = state.live
    offsets = np.empty(-(-state.n // CHUNK) + 1, np.int64)
    total = sk.send_offsets(live, live, topo.indptr, topo.complete, fanout, True, True, t,
                            False, 0, *_NO_SLOTS, offsets)
    buf = protocol.buffer("send").reserve(total)
    keyed = protocol.streams.counter("protocol")
    m, _ = sk.spreading_send(live, live, topo.indptr, topo.indices, topo.complete, fanout,
                             True, True, keyed.key0, keyed.key1, offsets, buf.src, buf.dst,
                             buf.kind, buf.update, t, False, 1, 0, *_NO_SLOTS)
    buf.kind[:m] = kind
    buf.update[:m] = kind != PULL
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
