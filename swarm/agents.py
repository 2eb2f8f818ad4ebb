"""The agent path's building blocks: ``NodeAgent`` (a view over one row of the array state)
and ``AgentDriver``, which runs a protocol's agent rule node by node.

A protocol's agent rule subclasses :class:`NodeAgent` (see ``swarm/protocols/base.py``); the
model that owns the agents is ``swarm.model.SwarmModel``, in a layer above (docs/design.md).
Mesa is not imported here: ``SwarmModel`` builds each protocol's agents from
``mesa_agent_class(Agent)``, the rule with ``mesa.Agent`` mixed in, so every agent it holds is
a Mesa agent, while loading a protocol (and ``import swarm``) loads no Mesa (which costs
about a second: pandas, scipy and networkx come with it).
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING, Any

import numpy as np

from swarm.messages import Messages
from swarm.rng import CounterStream, DoubleStream
from swarm.state import SwarmState

if TYPE_CHECKING:
    from swarm.model import SwarmModel

__all__ = ["NodeAgent", "AgentDriver", "distinct_ranks"]


def distinct_ranks(draw: Any, d: int, k: int) -> list[int]:
    """``min(k, d)`` distinct ranks of ``0..d-1``, uniformly, in pick order, one double from
    ``draw()`` per pick: pick ``j`` takes rank ``floor(u * (d - j))`` among the ranks not yet
    chosen (C2; the kernels' ``swarm.kernels.spreading.choose_partners``)."""
    chosen_sorted: list[int] = []
    ranks: list[int] = []
    for j in range(min(k, d)):
        r = min(int(draw() * (d - j)), d - j - 1)
        for c in chosen_sorted:
            if c <= r:
                r += 1
            else:
                break
        bisect.insort(chosen_sorted, r)
        ranks.append(r)
    return ranks


class NodeAgent:
    """One node. Subclasses (one per protocol) define ``on_round`` and ``on_message``.

    Instances are made by ``SwarmModel`` from ``mesa_agent_class(cls)`` (``cls`` with
    ``mesa.Agent`` after it in the bases): ``super().__init__(model)`` below is Mesa's."""

    def __init__(self, model: SwarmModel, idx: int) -> None:
        super().__init__(model)
        self.idx = idx
        topo = model.topology
        self.degree = topo.degree(idx)
        # neighbour ids as a Python list (fast to index from Python); the complete graph is
        # implicit: the k-th neighbour of i is k if k < i else k + 1
        self._neighbours: list[int] | None = (
            None if topo.complete else topo.neighbours(idx).tolist()
        )

    def on_round(self, t: int) -> None:
        """Called at the start of round ``t`` if this node is live; send with ``self.send``."""

    def on_message(self, src: int, kind: int, update: bool) -> bool:
        """Called for each delivered message; True if it told this node something new."""
        return False

    def on_phase_end(self, phase: int) -> None:
        """With ``protocol.phase_timers``: called for every live node in node order after
        the messages of ``phase`` were delivered (timeouts: no answer by now); may send."""

    def send(self, dst: int, kind: int, update: bool) -> None:
        self.model.outbox.append((self.idx, dst, kind, update))

    def neighbour(self, rank: int) -> int:
        """The neighbour of rank ``rank`` (ascending id order)."""
        if self._neighbours is None:
            return rank if rank < self.idx else rank + 1
        return self._neighbours[rank]

    def random_partners(self, k: int) -> list[int]:
        """``min(k, degree)`` distinct neighbours, uniformly at random, one double per pick
        (``distinct_ranks``): this node's counter-based draws 0, 1, ... of the round for a
        protocol with ``counter_draws``, else the next doubles of the protocol stream."""
        d = self.degree
        driver = self.model.driver
        if driver.counter_draws:
            table = driver.draw_table(k)
            if k == 1 and d > 0:
                r = int(table[0][self.idx] * d)
                return [self.neighbour(r if r < d else d - 1)]
            draw = iter([column[self.idx] for column in table]).__next__
        else:
            draw = self.model.draw
            if k == 1 and d > 0:
                r = int(draw() * d)
                return [self.neighbour(r if r < d else d - 1)]
        return [self.neighbour(r) for r in distinct_ranks(draw, d, k)]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(idx={self.idx})"


class AgentDriver:
    """The agent path: each round calls every live agent's ``on_round`` in node order, then
    delivers each message to its receiver's ``on_message`` in batch order."""

    def __init__(
        self, agents: list[NodeAgent], outbox: list[tuple[int, int, int, bool]],
        draw: DoubleStream, phase_timers: bool = False, counter: CounterStream | None = None,
    ) -> None:
        self.agents = agents
        self.outbox = outbox  # NodeAgent.send appends (src, dst, kind, update) here
        self.draw = draw
        self.phase_timers = phase_timers
        #: the protocol's counter-based draws (``Protocol.counter_draws``), or None
        self.counter = counter
        self.counter_draws = counter is not None
        #: the round being sent (what ``node_draws`` keys the draws by)
        self.t = 0
        self._table: list[list[float]] = []
        self._table_round = -1
        self._table_width = 0
        #: the phase being delivered (agents of protocols with phases may read it)
        self.phase = 0

    def _take(self) -> Messages:
        if self.outbox:
            src, dst, kind, update = zip(*self.outbox, strict=True)
            msgs = Messages.from_lists(src, dst, kind, update)  # type: ignore[arg-type]
        else:
            msgs = Messages.empty()
        self.outbox.clear()
        return msgs

    def draw_table(self, k: int) -> list[list[float]]:
        """The counter-based draws of this round (``counter_draws`` protocols): ``[j][i]`` is
        draw ``j`` of node ``i``, for ``j`` in ``0..k-1`` at least — the values the kernels
        compute (``swarm.kernels.philox.uniform``), all nodes' in one call when the round's
        first node asks."""
        if self._table_round != self.t or self._table_width < k:
            assert self.counter is not None
            self._table = self.counter.table(self.t, len(self.agents), k)
            self._table_round, self._table_width = self.t, k
        return self._table

    def send(self, state: SwarmState, t: int, rng: np.random.Generator) -> Messages:
        self.t = t
        self.outbox.clear()
        live = state.live.tolist()
        for agent in self.agents:
            if live[agent.idx]:
                agent.on_round(t)
        self.draw.sync()  # the Generator now stands where the kernel path would leave it
        return self._take()

    def receive(
        self, state: SwarmState, msgs: Messages, phase: int
    ) -> tuple[Messages | None, np.ndarray]:
        self.outbox.clear()
        self.phase = phase
        agents = self.agents
        useful = [
            agents[d].on_message(s, k, u)
            for s, d, k, u in zip(
                msgs.src.tolist(), msgs.dst.tolist(), msgs.kind.tolist(), msgs.update.tolist(),
                strict=True,
            )
        ]
        if self.phase_timers:
            live = state.live.tolist()
            for agent in agents:
                if live[agent.idx]:
                    agent.on_phase_end(phase)
        self.draw.sync()
        replies = self._take()
        keep_going = len(replies) or self.phase_timers
        return (replies if keep_going else None), np.array(useful, dtype=np.bool_)
