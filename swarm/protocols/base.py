"""The protocol contract — and how to add a protocol.

A protocol is one file in ``swarm/protocols/`` and one line in ``_BUILTIN_PROTOCOLS``
(``swarm/registry.py``); one from outside the package registers by entry point or
``swarm.register_protocol`` (see ``swarm.registry``). The contract tests then check it with
no new test code: same seed -> same run, agent path == kernel path, n = 1 and n = 2, dtypes
kept.

A protocol file holds three things:

1. **Params**: a ``@dataclass(frozen=True, slots=True, kw_only=True)`` subclass of
   :class:`swarm.params.ProtocolParams` with ``name`` set to the registry name and every field
   declared with :func:`swarm.params.param` (min, max, help). Constraints that depend on the
   number of nodes go in ``check(nodes)``.

2. **The agent rule**: a :class:`swarm.agents.NodeAgent` subclass, plain Python, one node at a
   time — the readable specification, and where a new protocol is written first.
   ``on_round(t)`` is called for every live node in node order at the start of round ``t``
   and sends with ``self.send(dst, kind, update)``; ``on_message(src, kind, update)`` is
   called for every delivered message in order and returns True when the message told this
   node something new (only update-carrying messages can), and may send replies. Partners come
   from ``self.random_partners(k)``, which draws from the protocol stream.

3. **The kernel path**: ``send`` / ``receive`` over arrays, calling ``@njit`` kernels in
   ``swarm/kernels/``. To give the same run as the agent rule for the same seed, a kernel draws
   from the Generator it is given in exactly the order the agents would (node order, one
   double per choice) and processes messages in batch order — or, with ``counter_draws``,
   computes node ``i``'s draw ``j`` of round ``t`` from the counter-based stream
   (``swarm.rng.CounterStream``, ``swarm.kernels.philox.uniform``), which lets it run in
   parallel: ``random_partners`` then takes the same draws.

Round pipeline (``swarm.engine``), every round ``t``::

    faults act on nodes (crash, recover, churn)
    begin_round(state, t)                       # shared by both paths (e.g. client writes)
    msgs = send(state, t, rng)                  # from the state at the START of round t
    phase = 0
    while msgs and phase < max_phases:
        msgs = transport.deliver(msgs)          # the counting point
        msgs, useful = receive(state, msgs, phase)
        phase += 1
    end_round(state, t)                         # commit what round t changed
    row = round_metrics(state)                  # plus the transport's counters

Round conventions (docs/protocols.md): all choices in round ``t`` use the state at the start
of round ``t`` — write changes into a "next" buffer in ``receive`` and commit in
``end_round``; a partner is uniform among the node's neighbours, never itself.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from swarm.errors import ConfigError
from swarm.messages import MessageBuffer, Messages
from swarm.params import ProtocolParams, param
from swarm.rng import Streams, UniformBuffer
from swarm.state import SwarmState
from swarm.topology import Topology

__all__ = ["Protocol", "fanout_param", "check_fanout", "BYZANTINE_STREAM"]

#: the named stream what Byzantine nodes choose is drawn from (equivocators' coins, whom a
#: SWIM accuser accuses): lies never shift the draws of the honest rule
BYZANTINE_STREAM = "byzantine"
_NO_DOUBLES = np.empty(0, np.float64)


def fanout_param(help: str) -> Any:
    """The ``fanout`` field every gossip protocol declares: distinct partners per round."""
    return param(1, min=1, max=2**31 - 1, units="partners", help=help)


def check_fanout(fanout: int, nodes: int) -> None:
    """``fanout`` must be in 1..n-1 (a single node may keep fanout 1: it calls nobody)."""
    top = max(1, nodes - 1)
    if fanout > top:
        raise ConfigError("protocol.fanout", fanout,
                          f"must be an integer in 1..{top} (nodes - 1) for nodes = {nodes}")


class Protocol:
    """Base class: wiring between params, state arrays, kernels and agent rule."""

    name: ClassVar[str] = ""
    Params: ClassVar[type[ProtocolParams]]
    Agent: ClassVar[type]  # a swarm.agents.NodeAgent subclass
    max_phases: ClassVar[int] = 2
    #: True for a protocol that acts on the *absence* of messages within a round (SWIM's
    #: probe timeouts): the engine then runs every phase up to ``max_phases`` and calls
    #: ``receive`` even with nothing delivered, and the agent path calls every live agent's
    #: ``on_phase_end(phase)`` in node order after the phase's messages. ``receive`` returns
    #: an empty batch (not None) to keep the round going.
    phase_timers: ClassVar[bool] = False
    #: the behaviours of the ``byzantine`` fault this protocol implements (see
    #: ``swarm.faults.byzantine``): a node with ``state.byzantine[i] != 0`` follows them
    #: instead of the rule; a scenario with any other behaviour is refused when it is built
    byzantine_behaviours: ClassVar[tuple[str, ...]] = ()
    #: True for a protocol whose partner choices are counter-based (node i's draws 0, 1, ...
    #: of round t from ``self.streams.counter("protocol")``, the same on every thread and on
    #: the agent path, whose ``random_partners`` then uses them) instead of the next doubles
    #: of the sequential ``protocol`` stream
    counter_draws: ClassVar[bool] = False
    #: per-round metric columns this protocol adds, in order (after ``round``)
    metric_names: ClassVar[tuple[str, ...]] = ()

    #: the run's named streams, set by the engine before ``init_state``. A protocol that needs
    #: randomness beyond the partner draws (the ``protocol`` stream handed to ``send``) takes
    #: its own stream by name, e.g. ``self.streams["writes"]``, so it never shifts another
    #: stream's draws.
    streams: Streams

    def __init__(self, params: ProtocolParams, topology: Topology) -> None:
        self.params = params
        self.topology = topology
        self._buffers: dict[Any, MessageBuffer] = {}
        self._uniforms = UniformBuffer()

    # -- helpers for the kernel path ---------------------------------------------------------
    def buffer(self, key: Any) -> MessageBuffer:
        """A reusable message buffer per key (e.g. ``"send"`` or a phase number): a kernel
        fills it and the batch is a view, valid until the same buffer is filled again."""
        buf = self._buffers.get(key)
        if buf is None:
            buf = self._buffers[key] = MessageBuffer()
        return buf

    def uniforms(self, rng: np.random.Generator, k: int) -> np.ndarray:
        """``k`` doubles from ``rng`` in one call (a reused buffer, valid until the next)."""
        return self._uniforms.draw(rng, k)

    def byzantine_coin(self) -> float:
        """One double of the ``byzantine`` stream (the agent rule's draw)."""
        return float(self.streams[BYZANTINE_STREAM].random())

    def byzantine_coins(self, count: int) -> np.ndarray:
        """``count`` doubles of the ``byzantine`` stream in one call (none drawn for 0): the
        kernel path's draws, the same doubles the agent rule takes one at a time."""
        return self.streams[BYZANTINE_STREAM].random(count) if count else _NO_DOUBLES

    # -- state -------------------------------------------------------------------------------
    def init_state(self, state: SwarmState, rng: np.random.Generator) -> None:
        """Add this protocol's arrays to ``state`` and set the initial condition (``rng`` is
        the run's ``init`` stream)."""
        raise NotImplementedError

    # -- kernel path -------------------------------------------------------------------------
    def send(self, state: SwarmState, t: int, rng: np.random.Generator) -> Messages:
        raise NotImplementedError

    def receive(
        self, state: SwarmState, msgs: Messages, phase: int
    ) -> tuple[Messages | None, np.ndarray]:
        """Deliver ``msgs``; return (replies or None, useful): a mask over ``msgs`` of the
        messages that told their receiver something new, or their number."""
        raise NotImplementedError

    # -- both paths --------------------------------------------------------------------------
    def begin_round(self, state: SwarmState, t: int) -> None:
        """Shared code at the start of round ``t``, after the faults acted on nodes and before
        any node sends (both paths): e.g. client writes arriving at live nodes."""

    def end_round(self, state: SwarmState, t: int) -> None:
        """Commit the changes of round ``t`` (shared by both paths). A protocol may compute
        its round metrics in the same pass and hand them to ``round_metrics``."""

    def reset_nodes(self, state: SwarmState, nodes: np.ndarray) -> None:
        """Forget the protocol state of ``nodes`` (a crashed node that comes back without its
        state, ``keep_state = false``): set their arrays to a fresh node's values."""
        raise NotImplementedError(
            f"protocol {self.name!r} cannot restart nodes without their state "
            "(use keep_state = true)"
        )

    def finished(self, state: SwarmState, row: dict[str, Any]) -> bool:
        """True when further rounds cannot change anything the run measures; ``row`` is the
        metrics row of the round just ended (or of round 0)."""
        return False

    def round_metrics(self, state: SwarmState) -> dict[str, Any]:
        """This protocol's metric columns for the row of the round just ended."""
        return {}

    def annotate_events(self, events: Any, rows: list[dict[str, Any]]) -> Any:
        """Add protocol columns to the fault events frame (``run.events``), e.g. a failure
        detector's detection times per crash; ``rows`` are the round rows so far."""
        return events

    def summarize(self, rounds: Any) -> dict[str, Any]:
        """Protocol-specific summary metrics from the tidy round frame."""
        return {}

    # -- what a viewer shows (the dashboard) ------------------------------------------------
    #: the per-node states a viewer colours; ``node_codes`` gives each node's index in it
    node_states: ClassVar[tuple[str, ...]] = ("susceptible", "informed")

    def node_codes(self, state: SwarmState) -> np.ndarray:
        """One byte per node (uint8, length n): the index of its state in ``node_states``.
        Down nodes get their protocol state too; a viewer colours them apart by
        ``state.live``. Default: ``informed``."""
        return state.informed.view(np.uint8)

    def expected_coverage(self, nodes: int, rounds: int) -> np.ndarray | None:
        """The coverage theory predicts after rounds ``0..rounds`` for this protocol and its
        parameters, or None where swarm has no theory for them."""
        return None
