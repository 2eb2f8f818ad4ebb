"""Rumour mongering: the complex epidemics of Demers et al. 1987, section 1.4.

A node is **susceptible** (does not know the rumour), **infective** (knows it and spreads it)
or **removed** (knows it and has lost interest). One node is infective before round 1. Every
round (conventions C1-C5 in docs/protocols.md, details in its ``rumor`` section):

- ``mode = "push"``: every live infective node calls ``fanout`` distinct random neighbours
  and sends them the rumour;
- ``mode = "pull"``: every live node calls ``fanout`` neighbours with a request; an infective
  callee answers with the rumour;
- ``mode = "push-pull"``: infective nodes push, the others request.

Stop rules (when an infective node loses interest):

- ``feedback``: the receiver of the rumour answers whether it knew it at the start of the
  round (a reply carrying no update); blind (``feedback = false``) the spreader never learns;
- ``stop = "counter"``: a per-node counter of rounds without a necessary contact: at the end
  of each round with a contact it resets to 0 if a contact was necessary, else grows by 1
  (blind: every contact counts as unnecessary); the node is removed at ``k``;
- ``stop = "coin"``: after each unnecessary contact (blind: each contact) the node loses
  interest with probability ``1 / k``.

Backup by anti-entropy (Demers et al. 1987, section 1.5 "Backing up a complex epidemic with
anti-entropy"), with ``backup_every`` > 0: in every round ``t`` with ``t % backup_every == 0``
each live node also calls one uniformly random neighbour and the two reconcile the update
push-pull (``BACKUP_CALL`` carries it iff the caller knows it; the callee always answers,
``BACKUP_REPLY`` carrying it iff the callee knows it and the call did not). A node that learns
the rumour only this way is removed (Demers' "conservative response": it knows the update but
does not spread it), or, with ``backup_redistribute``, infective (his "redistribution": the
update becomes a hot rumour again).

Changes take effect at the end of the round. The run ends when no node is infective and, with
backup, when anti-entropy can inform nobody more (no live uninformed node has a live informed
neighbour).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from swarm.agents import NodeAgent
from swarm.kernels import rumor as k
from swarm.messages import Messages
from swarm.metrics import coverage_summary
from swarm.params import param
from swarm.protocols.base import Protocol
from swarm.protocols.spreading import SpreadingParams
from swarm.state import SwarmState

__all__ = ["RumorParams", "Rumor", "RumorAgent", "RUMOR_MODES"]

RUMOR_MODES = ("push", "pull", "push-pull")
SUSCEPTIBLE, INFECTIVE, REMOVED = k.SUSCEPTIBLE, k.INFECTIVE, k.REMOVED
PUSH, REQUEST, ANSWER, KNEW, NEW = k.PUSH, k.REQUEST, k.ANSWER, k.KNEW, k.NEW
BACKUP_CALL, BACKUP_REPLY = k.BACKUP_CALL, k.BACKUP_REPLY
NECESSARY, UNNECESSARY, LOSE = k.NECESSARY, k.UNNECESSARY, k.LOSE
VIA_BACKUP, VIA_RUMOR = k.VIA_BACKUP, k.VIA_RUMOR


@dataclass(frozen=True, slots=True, kw_only=True)
class RumorParams(SpreadingParams):
    """``fanout`` and ``origin`` as for push / pull (and checked the same way)."""

    name: ClassVar[str] = "rumor"
    summary: ClassVar[str] = (
        "rumour mongering: infective nodes spread until they lose interest (Demers et al. 1987)"
    )
    mode: str = param(
        "push", choices=RUMOR_MODES,
        help="push: infective nodes send the rumour; pull: every node asks and infective "
             "nodes answer; push-pull: infective nodes push, the others ask",
    )
    feedback: bool = param(
        True,
        help="the receiver of the rumour tells the spreader whether it already knew "
             "(false: blind, the spreader never learns)",
    )
    stop: str = param(
        "counter", choices=("counter", "coin"),
        help="counter: removed after k rounds with contacts, none necessary, since its "
             "last necessary one; coin: loses interest with probability 1/k after each "
             "unnecessary contact (blind: every contact is unnecessary)",
    )
    k: int = param(
        3, min=1, max=10**6,
        help="stop parameter: rounds of the counter, or 1/probability of the coin "
             "(Demers' push, feedback, counter: k = 3 leaves about 1% uninformed)",
    )
    backup_every: int = param(
        0, min=0, max=10**6, units="rounds",
        help="backup anti-entropy: in every round t with t % backup_every == 0 each live node "
             "also reconciles the update push-pull with one random neighbour, and the run "
             "goes on until nobody more can learn it (0: no backup)",
    )
    backup_redistribute: bool = param(
        False,
        help="with backup: a node that learns the rumour through anti-entropy makes it a hot "
             "rumour again (infective); false: it only learns it (removed)",
    )


class RumorAgent(NodeAgent):
    """The agent rule: the specification of rumour mongering, one node at a time."""

    @property
    def status(self) -> int:
        return int(self.model.state.status[self.idx])

    @property
    def informed(self) -> bool:
        return bool(self.model.state.informed[self.idx])

    def _contact(self, n_contacts: int) -> None:
        """``n_contacts`` contacts whose outcome this node cannot judge (blind)."""
        state, p = self.model.state, self.model.protocol.params
        if p.stop == "coin":
            p_lose = 1.0 / p.k
            for _ in range(n_contacts):
                if self.model.draw() < p_lose:
                    state.contact[self.idx] |= LOSE
        elif n_contacts:
            state.contact[self.idx] |= UNNECESSARY

    def on_round(self, t: int) -> None:
        proto = self.model.protocol
        infective = self.model.state.status[self.idx] == INFECTIVE
        pushes = proto.push and infective
        if pushes:
            partners = self.random_partners(proto.params.fanout)
            for partner in partners:
                self.send(partner, PUSH, True)
            if not proto.params.feedback:
                self._contact(len(partners))
        elif proto.pull:
            for partner in self.random_partners(proto.params.fanout):
                self.send(partner, REQUEST, False)
        every = proto.backup_every
        if every and t % every == 0:
            # backup anti-entropy, after this node's rumour calls: one random neighbour
            knows = self.informed
            for partner in self.random_partners(1):
                self.send(partner, BACKUP_CALL, knows)
                proto.backup_sent += 1

    def on_message(self, src: int, kind: int, update: bool) -> bool:
        state, idx = self.model.state, self.idx
        proto = self.model.protocol
        p = proto.params
        if kind == PUSH or kind == ANSWER:
            knew = bool(state.informed[idx])  # at the start of the round (C1)
            new = not knew and not state.informed_next[idx]
            if new:
                state.informed_next[idx] = True
            if not knew and proto.backup_cold:
                # heard as a rumour: infective even if anti-entropy brings it too
                state.contact[idx] |= VIA_RUMOR
            if p.feedback:
                self.send(src, KNEW if knew else NEW, False)
            return new
        if kind == BACKUP_CALL or kind == BACKUP_REPLY:
            knew = bool(state.informed[idx])  # at the start of the round (C1)
            new = False
            if update and not knew:
                state.contact[idx] |= VIA_BACKUP
                new = not state.informed_next[idx]
                if new:
                    state.informed_next[idx] = True
            if kind == BACKUP_CALL:
                # the callee always answers; with the rumour iff the caller did not have it
                self.send(src, BACKUP_REPLY, knew and not update)
                proto.backup_sent += 1
            return new
        if kind == REQUEST:
            if state.status[idx] == INFECTIVE:
                self.send(src, ANSWER, True)
                if not p.feedback:
                    self._contact(1)
        elif kind == KNEW:
            state.contact[idx] |= UNNECESSARY
            if p.stop == "coin" and self.model.draw() < 1.0 / p.k:
                state.contact[idx] |= LOSE
        elif kind == NEW:
            state.contact[idx] |= NECESSARY
        return False


class Rumor(Protocol):
    """Kernel path and shared wiring of rumour mongering."""

    name = "rumor"
    Params = RumorParams
    Agent = RumorAgent
    max_phases = 3  # call -> answer / feedback -> feedback on the answer
    metric_names = ("informed", "coverage", "infective")

    def __init__(self, params: Any, topology: Any) -> None:
        super().__init__(params, topology)
        self.push = params.mode in ("push", "push-pull")
        self.pull = params.mode in ("pull", "push-pull")
        self.use_counter = params.stop == "counter"
        self.p_lose = 1.0 / params.k
        #: backup anti-entropy every this many rounds (0: none)
        self.backup_every = params.backup_every
        #: a node that learns the rumour only through the backup is removed, not infective
        self.backup_cold = params.backup_every > 0 and not params.backup_redistribute
        #: anti-entropy messages sent in the round so far (both paths add to it)
        self.backup_sent = 0
        #: (round, anti-entropy messages sent in it) of the last commit
        self._backup_counted: tuple[int, int] = (0, 0)
        #: (round, frontier) of the last frontier scan (``finished`` with backup)
        self._frontier: tuple[int, bool] | None = None
        if self.backup_every:
            self.metric_names = (*self.metric_names, "backup_messages")
        self._rng: np.random.Generator | None = None
        #: (round, live informed, live, live infective) of the last commit
        self._counts: tuple[int, int, int, int] | None = None

    # -- state -------------------------------------------------------------------------------
    def init_state(self, state: SwarmState, rng: np.random.Generator) -> None:
        n = state.n
        origin = self.params.origin_node(n, rng)
        status = state.add("status", np.zeros(n, np.uint8))
        state.add("counter", np.zeros(n, np.int32))
        state.add("contact", np.zeros(n, np.uint8))
        informed = state.add("informed", np.zeros(n, np.bool_))
        state.add("informed_next", np.zeros(n, np.bool_))
        informed_round = state.add("informed_round", np.full(n, -1, np.int32))
        informed[origin] = True
        informed_round[origin] = 0
        # a node with no neighbour has nobody to tell: it knows the rumour but cannot spread it
        status[origin] = INFECTIVE if self.topology.degree(origin) > 0 else REMOVED

    # -- kernel path -------------------------------------------------------------------------
    def send(self, state: SwarmState, t: int, rng: np.random.Generator) -> Messages:
        topo, p = self.topology, self.params
        self._rng = rng  # receive draws its coins from the same stream, after these
        blind = not p.feedback
        backup = self.backup_every > 0 and t % self.backup_every == 0
        total, doubles = k.rumor_send_count(
            state.status, state.live, topo.indptr, topo.complete, p.fanout, self.push,
            self.pull, blind and not self.use_counter, backup,
        )
        buf = self.buffer("send").reserve(total)
        # in node order: partner picks, then coins, then the backup partner pick
        uniforms = self.uniforms(rng, doubles)
        m = k.rumor_send(
            state.status, state.live, topo.indptr, topo.indices, topo.complete, p.fanout,
            self.push, self.pull, blind, not self.use_counter, self.p_lose, backup, uniforms,
            state.contact, buf.src, buf.dst, buf.kind, buf.update,
        )
        if backup:
            self.backup_sent += int(np.count_nonzero(buf.kind[:m] == BACKUP_CALL))
        return buf.view(m)

    def receive(
        self, state: SwarmState, msgs: Messages, phase: int
    ) -> tuple[Messages | None, np.ndarray]:
        m = len(msgs)
        feedback, coin = self.params.feedback, not self.use_counter
        draws = 0
        if coin:
            draws = k.rumor_receive_count(msgs.kind, msgs.dst, state.status, feedback,
                                          not feedback)
        if draws:
            if self._rng is None:
                raise RuntimeError("rumor: receive before send (no protocol stream)")
            uniforms = self.uniforms(self._rng, draws)  # batch order
        else:
            uniforms = self._uniforms.empty()
        buf = self.buffer(phase).reserve(m)
        r = k.rumor_receive(
            msgs.src, msgs.dst, msgs.kind, msgs.update, state.status, state.informed,
            state.informed_next, state.contact, feedback, not feedback, coin, self.p_lose,
            self.backup_cold, uniforms, buf.flag, buf.src, buf.dst, buf.kind, buf.update,
        )
        if r and self.backup_every:
            self.backup_sent += int(np.count_nonzero(buf.kind[:r] == BACKUP_REPLY))
        useful = buf.flag[:m]
        return (buf.view(r) if r else None), useful

    # -- both paths --------------------------------------------------------------------------
    def end_round(self, state: SwarmState, t: int) -> None:
        self._counts = (t, *k.rumor_commit(
            state.status, state.counter, state.contact, state.informed, state.informed_next,
            state.informed_round, state.live, t, self.use_counter, self.params.k,
            self.backup_cold,
        ))
        self._backup_counted = (t, self.backup_sent)
        self.backup_sent = 0

    def reset_nodes(self, state: SwarmState, nodes: np.ndarray) -> None:
        """A node restarted without its state is susceptible again."""
        state.status[nodes] = SUSCEPTIBLE
        state.counter[nodes] = 0
        state.contact[nodes] = 0
        state.informed[nodes] = False
        state.informed_next[nodes] = False
        state.informed_round[nodes] = -1

    def _current_counts(self, state: SwarmState) -> tuple[int, int, int]:
        counted = self._counts
        if counted is not None and counted[0] == state.round:
            return counted[1], counted[2], counted[3]
        live = state.live
        return (int(np.count_nonzero(state.informed & live)), int(state.n_live),
                int(np.count_nonzero((state.status == INFECTIVE) & live)))

    def finished(self, state: SwarmState, row: dict[str, Any]) -> bool:
        """No live node is infective: nothing can spread any more (the engine keeps going
        while a fault may still bring an infective node back). With backup, also no live
        uninformed node has a live informed neighbour: anti-entropy could inform nobody more
        (every live node informed; or none; or the uninformed ones cut off)."""
        hits, n_live, infective = self._current_counts(state)
        if infective:
            return False
        if not self.backup_every:
            return True
        cached = self._frontier
        if cached is None or cached[0] != state.round:
            topo = self.topology
            cached = self._frontier = (state.round, bool(k.rumor_frontier(
                state.informed, state.live, topo.indptr, topo.indices, topo.complete, hits,
                n_live,
            )))
        return not cached[1]

    def round_metrics(self, state: SwarmState) -> dict[str, Any]:
        hits, n_live, infective = self._current_counts(state)
        row = {"informed": hits, "coverage": hits / n_live if n_live else 0.0,
               "infective": infective}
        if self.backup_every:
            counted = self._backup_counted
            row["backup_messages"] = counted[1] if counted[0] == state.round else 0
        return row

    node_states = ("susceptible", "infective", "removed")

    def node_codes(self, state: SwarmState) -> np.ndarray:
        """The status byte itself: SUSCEPTIBLE, INFECTIVE, REMOVED = 0, 1, 2."""
        return state.status

    def summarize(self, rounds: Any) -> dict[str, Any]:
        out = coverage_summary(rounds)
        out.update(rumor_summary(rounds))
        if "backup_messages" in rounds:
            out["backup_messages_total"] = int(rounds["backup_messages"].sum())
        return out


def rumor_summary(rounds: Any) -> dict[str, Any]:
    """Demers et al.'s delays from the round frame (``residue``, the fraction of live nodes
    never informed at the end, comes with ``coverage_summary``):

    - ``t_avg``: the mean round at which a node first received the rumour, over the nodes
      that received it, the origin counting with round 0 (Demers' *t_ave*);
    - ``t_last``: the last round in which a node first received it (0 if none did).

    First receipts per round are the ``useful`` column (one per newly informed node; a node
    restarted without its state and informed again counts again).
    """
    useful = rounds["useful"].to_numpy()[1:]
    t = rounds["round"].to_numpy()[1:]
    reached = int(rounds["informed"].iloc[0]) + int(useful.sum())
    hit = np.flatnonzero(useful)
    return {
        "t_avg": float((t * useful).sum() / reached) if reached else 0.0,
        "t_last": int(t[hit[-1]]) if hit.size else 0,
    }
