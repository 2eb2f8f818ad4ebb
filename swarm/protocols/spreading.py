"""Rumour spreading: push, pull and push-pull (Demers et al. 1987; Karp et al. 2000).

One rumour starts at one node before round 1. Every round (conventions C1–C5 in
docs/protocols.md):

- **push**: every live informed node calls ``fanout`` distinct random neighbours and sends them
  the rumour;
- **pull**: every live uninformed node calls ``fanout`` distinct random neighbours; a called
  node that was informed at the start of the round replies with the rumour;
- **push-pull**: every live node calls ``fanout`` distinct random neighbours; the rumour goes
  along the call if the caller has it, and back in a reply if only the callee has it.

A node informed in round ``t`` first acts in round ``t + 1``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from swarm.config import ProtocolParams, param
from swarm.errors import ConfigError
from swarm.kernels import spreading as k
from swarm.kernels.metrics import count_flag_live
from swarm.messages import Messages
from swarm.metrics import coverage_summary
from swarm.model import NodeAgent
from swarm.protocols.base import Protocol, check_fanout, fanout_param
from swarm.state import SwarmState
from swarm.theory import mean_field_trajectory

__all__ = ["PushParams", "PullParams", "PushPullParams", "Push", "Pull", "PushPull",
           "SpreadingAgent"]

CALL, REPLY, ACK = k.CALL, k.REPLY, k.ACK


@dataclass(frozen=True, slots=True, kw_only=True)
class SpreadingParams(ProtocolParams):
    fanout: int = fanout_param(
        "partners each sending node calls per round (distinct; at most its degree)"
    )
    origin: int | None = param(
        None, min=0, optional=True,
        help="node that knows the rumour before round 1 (none: uniform at random)",
    )

    def origin_node(self, nodes: int, rng: np.random.Generator) -> int:
        """The node that knows the rumour before round 1 (``origin``, or one drawn from the
        ``init`` stream)."""
        return int(rng.integers(nodes)) if self.origin is None else self.origin

    def check(self, nodes: int) -> None:
        check_fanout(self.fanout, nodes)
        if self.origin is not None and self.origin >= nodes:
            raise ConfigError(
                "protocol.origin", self.origin,
                f"must be a node id in 0..{nodes - 1} for nodes = {nodes}",
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class PushingParams(SpreadingParams):
    """Push and push-pull: pushes can be acknowledged and resent."""

    ack: bool = param(
        False, help="receivers acknowledge every push; an unacknowledged push is resent"
    )
    retry_after_rounds: int = param(
        2, min=1, max=1000, units="rounds",
        help="with ack: resend a push not acknowledged after this many rounds",
    )
    max_retries: int = param(2, min=0, max=100, help="with ack: resends of one push at most")

    def slots(self) -> int:
        """Remembered pushes per node: every push of the last retry window, at most."""
        return self.fanout * self.retry_after_rounds * (self.max_retries + 1) if self.ack else 0


@dataclass(frozen=True, slots=True, kw_only=True)
class PushParams(PushingParams):
    name: ClassVar[str] = "push"
    summary: ClassVar[str] = "informed nodes send the rumour to random neighbours"


@dataclass(frozen=True, slots=True, kw_only=True)
class PullParams(SpreadingParams):
    name: ClassVar[str] = "pull"
    summary: ClassVar[str] = "uninformed nodes ask random neighbours, who answer if they know"


@dataclass(frozen=True, slots=True, kw_only=True)
class PushPullParams(PushingParams):
    name: ClassVar[str] = "push-pull"
    summary: ClassVar[str] = "every node calls random neighbours; the rumour goes either way"


class SpreadingAgent(NodeAgent):
    """The agent rule: the specification of push / pull / push-pull, one node at a time."""

    @property
    def informed(self) -> bool:
        return bool(self.model.state.informed[self.idx])

    def on_round(self, t: int) -> None:
        model = self.model
        proto = model.protocol
        state = model.state
        informed = bool(state.informed[self.idx])
        if proto.ack:
            self.resend_due(t)
        if (proto.push and informed) or (proto.pull and not informed):
            for partner in self.random_partners(proto.params.fanout):
                self.send(partner, CALL, informed)
                if proto.ack and informed:
                    self.remember(partner, t + proto.params.retry_after_rounds)

    def resend_due(self, t: int) -> None:
        """Resend every remembered push that is due (slot order); forget those out of
        retries."""
        state, p = self.model.state, self.model.protocol.params
        dsts, due, tries = (state.pending_dst[self.idx], state.pending_due[self.idx],
                            state.pending_tries[self.idx])
        for s in range(len(dsts)):
            if dsts[s] >= 0 and due[s] <= t:
                if tries[s] < p.max_retries:
                    self.send(int(dsts[s]), CALL, True)
                    tries[s] += 1
                    due[s] = t + p.retry_after_rounds
                    self.model.protocol.resends += 1
                else:
                    dsts[s] = -1

    def remember(self, partner: int, due: int) -> None:
        """Keep a push until it is acknowledged, in the first free slot (if any)."""
        state = self.model.state
        dsts = state.pending_dst[self.idx]
        for s in range(len(dsts)):
            if dsts[s] < 0:
                dsts[s] = partner
                state.pending_due[self.idx, s] = due
                state.pending_tries[self.idx, s] = 0
                return

    def on_message(self, src: int, kind: int, update: bool) -> bool:
        state = self.model.state
        proto = self.model.protocol
        if kind == ACK:
            dsts = state.pending_dst[self.idx]
            for s in range(len(dsts)):
                if dsts[s] == src:
                    dsts[s] = -1
                    break
            return False
        if update:
            if proto.ack and kind == CALL:
                self.send(src, ACK, False)
            if not state.informed[self.idx] and not state.informed_next[self.idx]:
                state.informed_next[self.idx] = True
                return True
            return False
        if proto.pull and kind == CALL and self.informed:
            self.send(src, REPLY, True)
        return False


class Spreading(Protocol):
    """Kernel path and shared wiring of the three variants."""

    Agent = SpreadingAgent
    push: ClassVar[bool]
    pull: ClassVar[bool]
    metric_names = ("informed", "coverage")

    def __init__(self, params: Any, topology: Any) -> None:
        super().__init__(params, topology)
        self.ack = bool(getattr(params, "ack", False))
        self.resends = 0  # this round's resent pushes (both paths add to it)
        self._counts: tuple[int, int, int] | None = None

    def init_state(self, state: SwarmState, rng: np.random.Generator) -> None:
        n = state.n
        origin = self.params.origin_node(n, rng)
        informed = state.add("informed", np.zeros(n, np.bool_))
        state.add("informed_next", np.zeros(n, np.bool_))
        informed_round = state.add("informed_round", np.full(n, -1, np.int32))
        informed[origin] = True
        informed_round[origin] = 0
        slots = self.params.slots() if self.ack else 0
        state.add("pending_dst", np.full((n, slots), -1, np.int32))
        state.add("pending_due", np.zeros((n, slots), np.int32))
        state.add("pending_tries", np.zeros((n, slots), np.int16))

    def send(self, state: SwarmState, t: int, rng: np.random.Generator) -> Messages:
        topo, p = self.topology, self.params
        total = k.spreading_count(
            state.informed, state.live, topo.indptr, topo.complete, p.fanout, self.push, self.pull
        )
        retry_after = getattr(p, "retry_after_rounds", 1)
        max_retries = getattr(p, "max_retries", 0)
        resends = k.count_resends(state.pending_dst, state.pending_due, state.pending_tries,
                                  state.live, t, max_retries) if self.ack else 0
        buf = self.buffer("send").reserve(total + resends)
        uniforms = self.uniforms(rng, total)  # one double per call, in node order
        m, done = k.spreading_send(
            state.informed, state.live, topo.indptr, topo.indices, topo.complete, p.fanout,
            self.push, self.pull, uniforms, buf.src, buf.dst, buf.kind, buf.update,
            t, self.ack, retry_after, max_retries,
            state.pending_dst, state.pending_due, state.pending_tries,
        )
        self.resends += done
        return buf.view(m)

    def receive(
        self, state: SwarmState, msgs: Messages, phase: int
    ) -> tuple[Messages | None, np.ndarray]:
        m = len(msgs)
        buf = self.buffer(phase).reserve(m)
        r = k.spreading_receive(
            msgs.src, msgs.dst, msgs.kind, msgs.update, state.informed, state.informed_next,
            self.pull, self.ack, state.pending_dst, buf.flag, buf.src, buf.dst, buf.kind,
        )
        useful = buf.flag[:m]
        if r == 0:
            return None, useful
        np.not_equal(buf.kind[:r], ACK, out=buf.update[:r])  # a REPLY carries the update
        return buf.view(r), useful

    def end_round(self, state: SwarmState, t: int) -> None:
        self._counts = (t, *k.commit_informed(
            state.informed, state.informed_next, state.informed_round, state.live, t
        ))

    def reset_nodes(self, state: SwarmState, nodes: np.ndarray) -> None:
        state.informed[nodes] = False
        state.informed_next[nodes] = False
        state.informed_round[nodes] = -1
        state.pending_dst[nodes] = -1

    def finished(self, state: SwarmState, row: dict[str, Any]) -> bool:
        return row["informed"] == row["live"]

    def round_metrics(self, state: SwarmState) -> dict[str, Any]:
        counted = self._counts
        if counted is not None and counted[0] == state.round:
            hits, n_live = counted[1], counted[2]
        else:
            hits, n_live = count_flag_live(state.informed, state.live)
        row = {"informed": hits, "coverage": hits / n_live if n_live else 0.0}
        if self.ack:
            row["resends"] = self.resends
            self.resends = 0
        return row

    def summarize(self, rounds: Any) -> dict[str, Any]:
        return coverage_summary(rounds)

    def expected_coverage(self, nodes: int, rounds: int) -> np.ndarray | None:
        """Demers et al.'s mean-field recurrence (``theory.mean_field_trajectory``): the
        complete graph, fanout 1, no acknowledgements."""
        if not self.topology.complete or self.params.fanout != 1 or self.ack or nodes < 2:
            return None
        return 1.0 - mean_field_trajectory(self.name, nodes, rounds)


class Push(Spreading):
    name = "push"
    Params = PushParams
    push, pull = True, False


class Pull(Spreading):
    name = "pull"
    Params = PullParams
    push, pull = False, True


class PushPull(Spreading):
    name = "push-pull"
    Params = PushPullParams
    push, pull = True, True
