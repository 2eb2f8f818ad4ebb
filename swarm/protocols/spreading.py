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

**Byzantine nodes and defences** (docs/protocols.md, after Malkhi, Mansour & Reiter 2001,
"Diffusion without false rumors"): besides the true update there is a forged one; a node
holds what it accepted (nothing, the true or the forged value) and forwards only that;
``informed`` keeps meaning "holds the true update". Byzantine nodes ``forge`` (offer the
forged value), ``equivocate`` (the forged value to odd-numbered peers, the true one to
even-numbered peers) or ``censor`` (offer nothing). Defences: ``signatures``, ``quorum``,
``reputation``. Once a node is Byzantine or a defence is on, the run takes the guarded path
(``Spreading.guarded``: value arrays, ``kernels.spreading.guarded_receive``) for good; until
then the honest kernels run untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from swarm.agents import NodeAgent
from swarm.errors import ConfigError
from swarm.kernels import spreading as k
from swarm.kernels.metrics import count_flag_live
from swarm.kernels.spreading import BZ_CENSOR, BZ_EQUIVOCATE, BZ_FORGE
from swarm.messages import Messages
from swarm.metrics import coverage_summary, defence_summary
from swarm.params import ProtocolParams, param
from swarm.protocols.base import Protocol, check_fanout, fanout_param
from swarm.state import SwarmState
from swarm.theory import mean_field_trajectory

__all__ = ["PushParams", "PullParams", "PushPullParams", "Push", "Pull", "PushPull",
           "SpreadingAgent"]

CALL, REPLY, ACK, FORGED = k.CALL, k.REPLY, k.ACK, k.FORGED
NO_VALUE, TRUE_VALUE, FORGED_VALUE = k.NO_VALUE, k.TRUE_VALUE, k.FORGED_VALUE


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
class DefendedParams(SpreadingParams):
    """Push, pull and push-pull: the defences against Byzantine nodes (docs/protocols.md)."""

    signatures: bool = param(
        False, help="origin signatures: every update read is verified (counted); forged "
        "content is rejected and its sender caught",
    )
    quorum: int = param(
        1, min=1, max=10, units="peers",
        help="accept a value heard directly from the origin, or from this many distinct peers "
        "(1: on first receipt); only accepted values are forwarded",
    )
    reputation: bool = param(
        False, help="a node that catches a peer sending invalid data (forged by signature, or "
        "contradicting its value) halves the peer's quorum weight, and ignores it after "
        "reputation_strikes offences",
    )
    reputation_strikes: int = param(
        2, min=1, max=4, help="with reputation: offences after which a peer is ignored (its "
        "messages dropped unread)",
    )
    reputation_slots: int = param(
        8, min=1, max=64, units="peers",
        help="with reputation: offenders remembered per node (a full table replaces the one "
        "with the fewest offences)",
    )

    def defended(self) -> bool:
        """True when any defence is on (the run then takes the guarded path from round 0)."""
        return self.signatures or self.quorum > 1 or self.reputation

    def quorum_slots(self) -> int:
        """Senders remembered per node and value: enough to reach the quorum even if every
        sender has the lowest weight a peer not ignored can have, 2^-(strikes - 1); 0 with
        quorum 1 (nothing to count)."""
        if self.quorum == 1:
            return 0
        return self.quorum << (self.reputation_strikes - 1) if self.reputation else self.quorum

    def check(self, nodes: int) -> None:
        SpreadingParams.check(self, nodes)
        if self.quorum > max(1, nodes - 1):
            raise ConfigError(
                "protocol.quorum", self.quorum,
                f"must be an integer in 1..{max(1, nodes - 1)} (nodes - 1) for nodes = {nodes}",
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class PushingParams(DefendedParams):
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
class PullParams(DefendedParams):
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
        guarded = proto.guarded
        informed = self.has_value() if guarded else bool(state.informed[self.idx])
        if proto.ack:
            self.resend_due(t)
        if (proto.push and informed) or (proto.pull and not informed):
            for partner in self.random_partners(proto.params.fanout):
                kind = self.push_kind(partner) if guarded and informed else CALL
                self.send(partner, kind, informed)
                if proto.ack and informed:
                    self.remember(partner, t + proto.params.retry_after_rounds)

    # -- values (the guarded path: Byzantine nodes or defences) -------------------------------
    def has_value(self) -> bool:
        """This node has a value to offer this round (from the start of the round): forgers
        and equivocators always, censors never, an honest node once it accepted one."""
        state = self.model.state
        b = state.byzantine[self.idx]
        if b == BZ_FORGE or b == BZ_EQUIVOCATE:
            return True
        return b != BZ_CENSOR and bool(state.informed[self.idx] or state.forged[self.idx])

    def offer(self, peer: int) -> int:
        """The value this node sends to ``peer``: a forger the forged one, an equivocator the
        forged one to odd-numbered peers and the true one to even-numbered peers, a censor
        none, an honest node the one it accepted (if any)."""
        state = self.model.state
        b = state.byzantine[self.idx]
        if b == BZ_FORGE:
            return FORGED_VALUE
        if b == BZ_EQUIVOCATE:
            return FORGED_VALUE if peer % 2 else TRUE_VALUE
        if b == BZ_CENSOR:
            return NO_VALUE
        if state.informed[self.idx]:
            return TRUE_VALUE
        return FORGED_VALUE if state.forged[self.idx] else NO_VALUE

    def push_kind(self, peer: int) -> int:
        """The kind of a push to ``peer``: CALL, with the FORGED bit if the value is forged."""
        return CALL | FORGED if self.offer(peer) == FORGED_VALUE else CALL

    def resend_due(self, t: int) -> None:
        """Resend every remembered push that is due (slot order); forget those out of
        retries."""
        state, proto = self.model.state, self.model.protocol
        p = proto.params
        dsts, due, tries = (state.pending_dst[self.idx], state.pending_due[self.idx],
                            state.pending_tries[self.idx])
        for s in range(len(dsts)):
            if dsts[s] >= 0 and due[s] <= t:
                if tries[s] < p.max_retries:
                    dst = int(dsts[s])
                    self.send(dst, self.push_kind(dst) if proto.guarded else CALL, True)
                    tries[s] += 1
                    due[s] = t + p.retry_after_rounds
                    proto.resends += 1
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
        if proto.guarded:
            return self.on_message_guarded(src, kind, update)
        if kind == ACK:
            self.clear_pending(src)
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

    def clear_pending(self, src: int) -> None:
        """An ACK from ``src``: forget the first remembered push to it."""
        dsts = self.model.state.pending_dst[self.idx]
        for s in range(len(dsts)):
            if dsts[s] == src:
                dsts[s] = -1
                break

    def on_message_guarded(self, src: int, kind: int, update: bool) -> bool:
        """The rule with values and defences: a message from an ignored peer is dropped
        unread; an update is judged (``judge``); a pull request is answered with this node's
        offer from the start of the round."""
        proto = self.model.protocol
        base = kind & ~FORGED
        if proto.reputation and self.offences(src) >= proto.strikes:
            proto.tally[1] += 1
            return False
        if base == ACK:
            self.clear_pending(src)
            return False
        if update:
            if proto.ack and base == CALL:
                self.send(src, ACK, False)
            return self.judge(src, FORGED_VALUE if kind & FORGED else TRUE_VALUE)
        if proto.pull and base == CALL:
            value = self.offer(src)
            if value != NO_VALUE:
                self.send(src, REPLY | FORGED if value == FORGED_VALUE else REPLY, True)
        return False

    def judge(self, src: int, value: int) -> bool:
        """Read ``value`` from ``src``; True iff this node accepts it now.

        1. signatures: verify (counted); a forged value is rejected and ``src`` caught;
        2. a node holding a value keeps it; a different value catches ``src``;
        3. a value from the origin, or with quorum 1, is accepted; otherwise ``src`` counts
           once towards it, with weight 2^(strikes - 1 - offences) units (1 without
           reputation), and it is accepted once its weight reaches quorum * 2^(strikes - 1)
           units."""
        state, proto = self.model.state, self.model.protocol
        i = self.idx
        if proto.signatures:
            proto.tally[0] += 1
            if value == FORGED_VALUE:
                if proto.reputation:
                    self.offend(src)
                return False
        if state.informed[i] or state.informed_next[i]:
            held = TRUE_VALUE
        elif state.forged[i] or state.forged_next[i]:
            held = FORGED_VALUE
        else:
            held = NO_VALUE
        if held != NO_VALUE:
            if held != value and proto.reputation:
                self.offend(src)
            return False
        quorum = proto.params.quorum
        if quorum > 1 and src != proto.origin:
            unit = 1 << (proto.strikes - 1) if proto.reputation else 1
            weight = unit >> self.offences(src) if proto.reputation else 1
            senders = state.quorum_ids[i, value - 1]
            if src in senders:
                return False
            free = np.flatnonzero(senders < 0)
            if not free.size:
                return False
            senders[free[0]] = src
            state.quorum_weight[i, value - 1] += weight
            if state.quorum_weight[i, value - 1] < quorum * unit:
                return False
        if value == TRUE_VALUE:
            state.informed_next[i] = True
        else:
            state.forged_next[i] = True
        return True

    def offences(self, peer: int) -> int:
        """Offences this node holds against ``peer``."""
        state = self.model.state
        for s, other in enumerate(state.offender_ids[self.idx]):
            if other == peer:
                return int(state.offender_count[self.idx, s])
        return 0

    def offend(self, peer: int) -> None:
        """Caught ``peer``: one more offence (at most ``strikes``); a new offender takes the
        first free slot, else the first slot with the fewest offences."""
        state, strikes = self.model.state, self.model.protocol.strikes
        ids, counts = state.offender_ids[self.idx], state.offender_count[self.idx]
        for s in range(len(ids)):
            if ids[s] == peer:
                counts[s] = min(int(counts[s]) + 1, strikes)
                return
        free = np.flatnonzero(ids < 0)
        s = int(free[0]) if free.size else int(np.argmin(counts))
        ids[s] = peer
        counts[s] = 1


class Spreading(Protocol):
    """Kernel path and shared wiring of the three variants."""

    Agent = SpreadingAgent
    counter_draws = True
    push: ClassVar[bool]
    pull: ClassVar[bool]
    metric_names = ("informed", "coverage")
    byzantine_behaviours = ("forge", "equivocate", "censor")
    #: the guarded path's extra columns: the fraction of the live honest nodes holding the
    #: forged value, and their number; the honest nodes that accepted the forged value this
    #: round; this round's signature verifications and messages dropped unread from ignored
    #: peers (``guard`` adds them to the instance's ``metric_names``, so a viewer charts them
    #: once they exist)
    guarded_metric_names: ClassVar[tuple[str, ...]] = (
        "false_acceptance", "false_accepted", "false_new", "verifications", "ignored")
    node_states = ("susceptible", "informed", "forged")

    def __init__(self, params: Any, topology: Any) -> None:
        super().__init__(params, topology)
        self.ack = bool(getattr(params, "ack", False))
        self.resends = 0  # this round's resent pushes (both paths add to it)
        self._counts: tuple[int, ...] | None = None
        self._false_new = (-1, 0)  # (round, honest nodes that accepted the forged value in it)
        #: on the guarded path: values, Byzantine behaviours and defences (see ``guard``)
        self.guarded = False
        self.origin = -1
        self.signatures = bool(params.signatures)
        self.reputation = bool(params.reputation)
        self.strikes = int(params.reputation_strikes)
        #: this round's (verifications, ignored messages), added to by both paths
        self.tally = np.zeros(2, np.int64)
        self._holds = np.empty(0, np.bool_)
        self._chunks: dict[str, np.ndarray] = {}  # per-chunk offsets / counts, reused
        self._new = 0

    def init_state(self, state: SwarmState, rng: np.random.Generator) -> None:
        n = state.n
        origin = self.params.origin_node(n, rng)
        self.origin = origin
        informed = state.add("informed", np.zeros(n, np.bool_))
        state.add("informed_next", np.zeros(n, np.bool_))
        informed_round = state.add("informed_round", np.full(n, -1, np.int32))
        informed[origin] = True
        informed_round[origin] = 0
        slots = self.params.slots() if self.ack else 0
        state.add("pending_dst", np.full((n, slots), -1, np.int32))
        state.add("pending_due", np.zeros((n, slots), np.int32))
        state.add("pending_tries", np.zeros((n, slots), np.int16))
        if self.params.defended():
            self.guard(state)

    def guard(self, state: SwarmState) -> None:
        """Enter the guarded path, for the rest of the run (a forged value, once accepted,
        outlives the Byzantine nodes): add the value arrays and the defences' tables.

        Entered at init when a defence is on, else at the first round that starts with a
        Byzantine node (``begin_round``, both paths; a fault injected mid-run included). The
        honest, undefended run never pays for it: one ``byzantine.any()`` per round."""
        n, p = state.n, self.params
        self.guarded = True
        self.metric_names = (*type(self).metric_names, *self.guarded_metric_names)
        state.add("forged", np.zeros(n, np.bool_))
        state.add("forged_next", np.zeros(n, np.bool_))
        # per node and value (true, forged): the distinct senders counted towards the quorum
        # and their total weight (units of 2^-(strikes - 1) with reputation)
        state.add("quorum_ids", np.full((n, 2, p.quorum_slots()), -1, np.int32))
        state.add("quorum_weight", np.zeros((n, 2), np.int32))
        rep = p.reputation_slots if self.reputation else 0
        state.add("offender_ids", np.full((n, rep), -1, np.int32))
        state.add("offender_count", np.zeros((n, rep), np.uint8))
        self._holds = np.zeros(n, np.bool_)

    def begin_round(self, state: SwarmState, t: int) -> None:
        if not self.guarded and state.byzantine.any():
            self.guard(state)
        if self.guarded:
            k.holders(state.informed, state.forged, state.byzantine, state.pending_dst,
                      self._holds)

    def send(self, state: SwarmState, t: int, rng: np.random.Generator) -> Messages:
        topo, p = self.topology, self.params
        # the guarded path sends as the honest one with "has a value to offer" for
        # "informed", then marks the forged values
        informed = self._holds if self.guarded else state.informed
        retry_after = getattr(p, "retry_after_rounds", 1)
        max_retries = getattr(p, "max_retries", 0)
        offsets = self._chunk_array("send", state.n, np.int64, 1)
        total = k.send_offsets(
            informed, state.live, topo.indptr, topo.complete, p.fanout, self.push, self.pull,
            t, self.ack, max_retries, state.pending_dst, state.pending_due,
            state.pending_tries, offsets)
        buf = self.buffer("send").reserve(total)
        keyed = self.streams.counter("protocol")  # node i's draws j of round t, any thread
        m, done = k.spreading_send(
            informed, state.live, topo.indptr, topo.indices, topo.complete, p.fanout,
            self.push, self.pull, keyed.key0, keyed.key1, offsets, buf.src, buf.dst,
            buf.kind, buf.update, t, self.ack, retry_after, max_retries,
            state.pending_dst, state.pending_due, state.pending_tries,
        )
        self.resends += done
        self._new = 0  # nodes informed so far this round (the parallel receive's count)
        msgs = buf.view(m)
        if self.guarded:
            k.mark_forged(msgs.src, msgs.dst, msgs.kind, msgs.update, state.informed,
                          state.forged, state.byzantine)
        return msgs

    def _chunk_array(self, key: str, items: int, dtype: Any, extra: int) -> np.ndarray:
        """A reused array of one entry per ``k.CHUNK`` items (plus ``extra``)."""
        size = -(-items // k.CHUNK) + extra
        arr = self._chunks.get(key)
        if arr is None or arr.shape[0] != size:
            arr = self._chunks[key] = np.empty(size, dtype)
        return arr

    def receive(
        self, state: SwarmState, msgs: Messages, phase: int
    ) -> tuple[Messages | None, np.ndarray | int]:
        m = len(msgs)
        buf = self.buffer(phase).reserve(m)
        useful: np.ndarray | int
        if self.guarded:
            p = self.params
            r = k.guarded_receive(
                msgs.src, msgs.dst, msgs.kind, msgs.update, state.informed,
                state.informed_next, state.forged, state.forged_next, state.byzantine,
                self.pull, self.ack, state.pending_dst, self.origin, p.quorum,
                self.signatures, self.reputation, self.strikes, state.quorum_ids,
                state.quorum_weight, state.offender_ids, state.offender_count, self.tally,
                buf.flag, buf.src, buf.dst, buf.kind,
            )
            useful = buf.flag[:m]
        elif self.ack:
            r = k.spreading_receive(
                msgs.src, msgs.dst, msgs.kind, msgs.update, state.informed,
                state.informed_next, self.pull, self.ack, state.pending_dst, buf.flag,
                buf.src, buf.dst, buf.kind,
            )
            useful = buf.flag[:m]
        else:
            r = k.spreading_receive_parallel(
                msgs.src, msgs.dst, msgs.kind, msgs.update, state.informed,
                state.informed_next, self.pull, buf.src, buf.dst, buf.kind,
                self._chunk_array("receive", m, np.int64, 0),
            )
            # one useful message per node informed in this phase (informed_next is set
            # only for nodes not informed at the start of the round)
            new = int(np.count_nonzero(state.informed_next))
            useful = new - self._new
            self._new = new
        if r == 0:
            return None, useful
        np.not_equal(buf.kind[:r], ACK, out=buf.update[:r])  # a REPLY carries the update
        return buf.view(r), useful

    def end_round(self, state: SwarmState, t: int) -> None:
        if self.guarded:
            self._false_new = (t, k.commit_values(
                state.informed, state.informed_next, state.forged, state.forged_next,
                state.informed_round, state.byzantine, t))
            self._counts = (t, *k.count_values(state.informed, state.forged, state.live,
                                               state.byzantine))
            return
        self._counts = (t, *k.commit_informed(
            state.informed, state.informed_next, state.informed_round, state.live, t
        ))

    def reset_nodes(self, state: SwarmState, nodes: np.ndarray) -> None:
        state.informed[nodes] = False
        state.informed_next[nodes] = False
        state.informed_round[nodes] = -1
        state.pending_dst[nodes] = -1
        if self.guarded:
            state.forged[nodes] = False
            state.forged_next[nodes] = False
            state.quorum_ids[nodes] = -1
            state.quorum_weight[nodes] = 0
            state.offender_ids[nodes] = -1
            state.offender_count[nodes] = 0

    def _guarded_counts(self, state: SwarmState) -> tuple[int, int, int]:
        """(live honest nodes holding the true value, the forged value, live honest nodes)."""
        counted = self._counts
        if counted is not None and counted[0] == state.round and len(counted) == 4:
            return counted[1], counted[2], counted[3]
        return k.count_values(state.informed, state.forged, state.live, state.byzantine)

    def finished(self, state: SwarmState, row: dict[str, Any]) -> bool:
        if self.guarded:
            # every live honest node holds a value: values are never given up
            hits, false_hits, honest = self._guarded_counts(state)
            return hits + false_hits == honest
        return row["informed"] == row["live"]

    def round_metrics(self, state: SwarmState) -> dict[str, Any]:
        if self.guarded:
            hits, false_hits, n_live = self._guarded_counts(state)
        else:
            counted = self._counts
            if counted is not None and counted[0] == state.round:
                hits, n_live = counted[1], counted[2]
            else:
                hits, n_live = count_flag_live(state.informed, state.live)
        row = {"informed": hits, "coverage": hits / n_live if n_live else 0.0}
        if self.guarded:
            row["false_acceptance"] = false_hits / n_live if n_live else 0.0
            row["false_accepted"] = false_hits
            row["false_new"] = self._false_new[1] if self._false_new[0] == state.round else 0
            row["verifications"] = int(self.tally[0])
            row["ignored"] = int(self.tally[1])
            self.tally[:] = 0
        if self.ack:
            row["resends"] = self.resends
            self.resends = 0
        return row

    def summarize(self, rounds: Any) -> dict[str, Any]:
        out = coverage_summary(rounds)
        if "false_accepted" in rounds:
            out.update(defence_summary(rounds, self.topology.n))
        return out

    def node_codes(self, state: SwarmState) -> np.ndarray:
        """0 susceptible, 1 informed (the true value), 2 holds the forged value."""
        codes = state.informed.view(np.uint8)
        if not self.guarded:
            return codes
        return codes + 2 * state.forged.view(np.uint8)

    def expected_coverage(self, nodes: int, rounds: int) -> np.ndarray | None:
        """Demers et al.'s mean-field recurrence (``theory.mean_field_trajectory``): the
        complete graph, fanout 1, no acknowledgements, no defence, no Byzantine node so far
        (None once the run is guarded: coverage then counts honest holders of the true value
        only, which the recurrence does not model)."""
        if not self.topology.complete or self.params.fanout != 1 or self.ack or nodes < 2 \
                or self.params.defended() or self.guarded:
            return None
        mode = "push-pull" if self.push and self.pull else ("push" if self.push else "pull")
        return 1.0 - mean_field_trajectory(mode, nodes, rounds)


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
