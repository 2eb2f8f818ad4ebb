"""SWIM: scalable weakly-consistent infection-style membership (Das, Gupta & Motivala 2002),
with memberlist's named profiles and optional Lifeguard (Dadgar, Phillips & Currey 2018).

One round is one protocol period. Every live node keeps a view of the members it tracks (row
``i`` of ``(n, W)`` arrays: status ALIVE / SUSPECT / DEAD and incarnation): a full view of
all n members (``view_size = 0``, the default up to 10^4 nodes: 8 bytes per member per node)
or a partial view of ``V`` peers (``view_size = V``, default 32 above 10^4 nodes: at most
``8 (V + 1) + 4 V`` bytes per node), ``swarm.protocols.membership``. Its **peers** are whom
it probes and asks for help: its overlay neighbours with a full view, its view's members with
a partial one. In a period (details and conventions in docs/protocols.md, ``swim``):

- phase 0: each node pings the next member of its probe cycle (round-robin over a shuffled
  order of its peers, members it holds dead skipped; reshuffled every cycle);
- phase 1: the target acks; **timeout** = no ack by the end of phase 1: the prober sends
  ping-req to ``k`` helpers, distinct random peers it holds alive other than the target
  (memberlist's ``kRandomNodes``; all of them if fewer);
- phases 2-5: helper pings the target, the target acks the helper, the helper relays the ack;
- end of the period: a probe without any ack makes the prober suspect the target (if it held
  it alive); a suspicion not refuted within the suspicion timeout becomes a death.

Every message piggybacks the sender's updates (at most ``max_piggyback``, the freshest first),
each sent ``retransmit_mult * ceil(log10(n + 1))`` times (memberlist's limit). A node that
hears it is suspected (or dead) refutes with a higher incarnation. Precedence of updates:
``swarm.kernels.swim.apply_update``. With ``reconnect_every`` a node periodically reconnects
to a member it holds dead (Serf's reconnect, with a reduced push/pull: alive members and
each side's own entry), which is what merges the two sides after a partition heals. An
update about a member the receiver does not track (partial view) is ignored.

Byzantine ``accuse`` (the ``byzantine`` fault): each period an accuser asserts ``accuse``
(SUSPECT, or DEAD) about a random live member of its view at that member's current
incarnation and gossips it like any update (``swarm.kernels.swim.swim_accuse``). A suspicion
is refuted by the accused (it raises its incarnation) if it hears of it within the suspicion
timeout; a death is accepted at once by everyone who hears it, who stop probing the member —
it is undone only if the accused hears of its own death (an ack from a node that accepted it,
a reconnect) and refutes it with a higher incarnation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from swarm.agents import NodeAgent, distinct_ranks
from swarm.errors import ConfigError
from swarm.kernels import swim as k
from swarm.kernels.byzantine import ACCUSE
from swarm.messages import Messages
from swarm.params import ProtocolParams, param
from swarm.protocols.base import Protocol
from swarm.protocols.membership import (
    Episodes,
    Views,
    annotate_events,
    check_dense,
    dead_share,
    membership_summary,
    resolve_view_size,
    view_size_param,
)
from swarm.rng import rewind
from swarm.state import SwarmState

__all__ = ["SwimParams", "Swim", "SwimAgent", "SWIM_PROFILES"]

ALIVE, SUSPECT, DEAD = k.ALIVE, k.SUSPECT, k.DEAD
PING, ACK, PING_REQ, PING_FWD = k.PING, k.ACK, k.PING_REQ, k.PING_FWD
ACK_FWD, ACK_RELAY, SYNC, SYNC_REPLY = k.ACK_FWD, k.ACK_RELAY, k.SYNC, k.SYNC_REPLY
GOSSIP = k.GOSSIP

#: memberlist's DefaultLANConfig / DefaultWANConfig / DefaultLocalConfig (config.go), in
#: protocol periods; the reason for each value is the comment beside it.
SWIM_PROFILES: dict[str, dict[str, int]] = {
    "lan": {
        "indirect_checks": 3,  # IndirectChecks 3: three independent paths mask a lossy link
        "retransmit_mult": 4,  # RetransmitMult 4: an update reaches everyone w.h.p. on a LAN
        "suspicion_mult": 4,  # SuspicionMult 4: 4 log10(n) periods to refute before death
        "suspicion_max_timeout_mult": 6,  # Lifeguard: at most 6x that without confirmations
        "reconnect_every": 30,  # PushPullInterval 30 s / ProbeInterval 1 s
        "awareness_max": 8,  # AwarenessMaxMultiplier 8: probe interval backs off to 8 s
    },
    "wan": {
        "indirect_checks": 3,  # as LAN: paths through other sites mask a bad route
        "retransmit_mult": 4,  # as LAN
        "suspicion_mult": 6,  # SuspicionMult 6: WAN links are lossier and slower to refute
        "suspicion_max_timeout_mult": 6,  # as LAN
        "reconnect_every": 12,  # PushPullInterval 60 s / ProbeInterval 5 s
        "awareness_max": 8,  # as LAN
    },
    "local": {
        "indirect_checks": 1,  # IndirectChecks 1: loopback hardly loses packets
        "retransmit_mult": 2,  # RetransmitMult 2: few nodes, reliable delivery
        "suspicion_mult": 3,  # SuspicionMult 3: fast failover on one host
        "suspicion_max_timeout_mult": 6,  # as LAN
        "reconnect_every": 15,  # PushPullInterval 15 s / ProbeInterval 1 s
        "awareness_max": 8,  # as LAN
    },
}


@dataclass(frozen=True, slots=True, kw_only=True)
class SwimParams(ProtocolParams):
    """SWIM's knobs; a knob left at none takes the value of ``profile``."""

    name: ClassVar[str] = "swim"
    summary: ClassVar[str] = (
        "SWIM failure detection and membership: probes, indirect probes, suspicion, "
        "piggybacked gossip (Das et al. 2002; memberlist profiles, optional Lifeguard)"
    )
    profile: str = param("lan", choices=tuple(SWIM_PROFILES),
                         help="memberlist's named defaults for the knobs left at none")
    indirect_checks: int | None = param(
        None, min=0, max=64, units="helpers",
        help="k: helpers asked to ping-req a target that did not ack (none: profile)")
    retransmit_mult: int | None = param(
        None, min=1, max=63, help="lambda: each update is piggybacked lambda * "
        "ceil(log10(n + 1)) times (none: profile)")
    suspicion_mult: int | None = param(
        None, min=1, max=1000, help="a suspicion becomes a death after suspicion_mult * "
        "max(1, log10 n) periods without refutation (none: profile)")
    suspicion_max_timeout_mult: int | None = param(
        None, min=1, max=1000, help="Lifeguard: an unconfirmed suspicion waits up to this "
        "times the suspicion timeout (none: profile)")
    reconnect_every: int | None = param(
        None, min=0, max=10**6, units="periods",
        help="every this many periods a node reconnects to a member it holds dead: they "
        "exchange their alive members and refute their own deaths (0: never; none: profile)")
    awareness_max: int | None = param(
        None, min=1, max=64, help="Lifeguard: the probe interval backs off up to this "
        "multiple with the node's local health score (none: profile)")
    max_piggyback: int = param(
        24, min=1, max=10_000, units="updates",
        help="updates piggybacked on one message at most (memberlist fills a 1400-byte UDP "
        "packet: about 25 alive / suspect messages of ~50 bytes)")
    gossip_nodes: int = param(
        0, min=0, max=1000, units="messages",
        help="besides piggybacking, a node with updates to spread sends them to this many "
        "random members per period (0: piggyback only, as in the paper; memberlist's "
        "GossipNodes x ProbeInterval / GossipInterval: lan 15, wan 40, local 30)")
    lifeguard: bool = param(False, help="Lifeguard: local health awareness, dynamic "
                            "suspicion timeouts, suspicion told to the suspect by its pinger")
    min_periods: int = param(10, min=0, max=10**7, units="periods",
                             help="run at least this many periods; then stop once every view "
                             "is accurate and nothing is left to gossip")
    view_size: int | None = view_size_param()
    accuse: str = param("suspect", choices=("suspect", "dead"),
                        help="byzantine fault, behaviour accuse: what an accuser asserts "
                        "about a live member each period (a suspicion, refuted if the member "
                        "hears of it in time, or a death, which the member can only refute "
                        "once it hears of it)")

    def knob(self, name: str) -> int:
        value = getattr(self, name)
        return SWIM_PROFILES[self.profile][name] if value is None else value

    def check(self, nodes: int) -> None:
        check_dense(self.name, nodes, self.view_size)
        t_max = self.suspicion_timeouts(nodes)[1]
        if t_max >= 2**15:
            raise ConfigError("protocol.suspicion_max_timeout_mult",
                              self.knob("suspicion_max_timeout_mult"),
                              f"suspicion timeouts must stay below {2**15} periods")

    def retransmit_limit(self, nodes: int) -> int:
        """memberlist ``retransmitLimit``: lambda * ceil(log10(n + 1)), at most 255."""
        return min(255, self.knob("retransmit_mult") * math.ceil(math.log10(nodes + 1)))

    def suspicion_timeouts(self, nodes: int) -> tuple[float, float]:
        """(t_min, t_max) in periods: memberlist ``suspicionTimeout``, suspicion_mult *
        max(1, log10(max(1, n))), and its Lifeguard maximum."""
        t_min = self.knob("suspicion_mult") * max(1.0, math.log10(max(1, nodes)))
        return t_min, t_min * self.knob("suspicion_max_timeout_mult")


class SwimAgent(NodeAgent):
    """The agent rule: SWIM one node at a time (the readable specification)."""

    def __init__(self, model: Any, idx: int) -> None:
        super().__init__(model, idx)
        views = model.protocol.views
        if views.partial:  # probes, helpers and gossip go to the view's members
            self.degree = views.degree(idx)
            self._neighbours = views.peers(idx)

    def holds(self, m: int, status: int) -> bool:
        """Whether this node tracks member m and holds it ``status``."""
        c = self.model.protocol.views.col(self.idx, m)
        return c >= 0 and int(self.model.state.view[self.idx, c]) == status

    def send(self, dst: int, kind: int, update: bool | None = None) -> None:
        """Every message piggybacks this node's updates of the round (SYNC / SYNC_REPLY: the
        members it holds alive and its entry of the receiver, read at delivery)."""
        state, i = self.model.state, self.idx
        state.sent[i] += 1
        proto = self.model.protocol
        carries = (kind in (SYNC, SYNC_REPLY) or bool(state.snap_count[i] > 0)
                   or (proto.lifeguard and kind in (PING, PING_FWD)
                       and self.holds(dst, SUSPECT)))  # the buddy system
        super().send(dst, kind, carries)

    # -- the update rules -------------------------------------------------------------------
    def hear(self, m: int, s: int, x: int) -> bool:
        """This node hears "member m is s with incarnation x"; True if its view changed.
        About a member it does not track (partial view): nothing."""
        proto, state, i = self.model.protocol, self.model.state, self.idx
        view, inc = state.view, state.inc
        c = proto.views.col(i, m)
        if m == i:  # about me: refute a suspicion or death
            if s != ALIVE and x >= inc[i, c]:
                inc[i, c] = x + 1
                proto.set_status(state, i, c, i, ALIVE)
                proto.queue(state, i, c)
                proto.tally[k.T_REFUTATIONS] += 1
                proto.tally[k.T_CHANGES] += 1
                if proto.lifeguard and state.health[i] < proto.health_max:
                    state.health[i] += 1
                return True
            return False
        if c < 0:
            return False
        cur, cx = int(view[i, c]), int(inc[i, c])
        if s == ALIVE:
            if x <= cx:
                return False
        elif s == SUSPECT:
            if cur == SUSPECT and x == cx:  # a confirmation of my suspicion
                if proto.lifeguard and state.confirm[i, c] < 255:
                    state.confirm[i, c] += 1
                return False
            if not ((cur == ALIVE and x >= cx) or (cur == SUSPECT and x > cx)):
                return False
            state.since[i, c] = (state.round + 1) & k.SINCE_MASK
            if proto.lifeguard:
                state.confirm[i, c] = 0
        elif cur == DEAD or x < cx:
            return False
        proto.set_status(state, i, c, m, s)
        inc[i, c] = x
        proto.queue(state, i, c)
        proto.tally[k.T_CHANGES] += 1
        return True

    # -- the period -------------------------------------------------------------------------
    def on_round(self, t: int) -> None:
        proto, state, i = self.model.protocol, self.model.state, self.idx
        d = self.degree
        if d > 0 and not (proto.lifeguard and t < state.next_probe[i]):
            s = int(state.probe_pos[i])
            if s == 0:  # a new cycle: a fresh shuffled order (stride and offset)
                state.probe_a[i] = k.stride(self.model.draw(), d)
                state.probe_b[i] = min(int(self.model.draw() * d), d - 1)
            a, b = int(state.probe_a[i]), int(state.probe_b[i])
            target = -1
            while s < d:
                j = self.neighbour((a * s + b) % d)
                s += 1
                if not self.holds(j, DEAD):
                    target = j
                    break
            state.probe_pos[i] = s if s < d else 0
            if target >= 0:
                state.probe_target[i] = target
                self.send(target, PING)
        if proto.params.gossip_nodes and state.snap_count[i] > 0:
            for h in self.random_partners(proto.params.gossip_nodes):
                if not self.holds(h, DEAD):
                    self.send(h, GOSSIP)
        if proto.reconnect_round(t):
            row = state.view[i]
            dead = [j for c, j in proto.views.tracked(i) if row[c] == DEAD]
            if dead:
                r = min(int(self.model.draw() * len(dead)), len(dead) - 1)
                self.send(dead[r], SYNC)

    def on_message(self, src: int, kind: int, update: bool) -> bool:
        proto, state, i = self.model.protocol, self.model.state, self.idx
        changed = False
        if kind in (SYNC, SYNC_REPLY):
            # the sender's alive members, and what it holds of me, column by column
            for c, m in enumerate(proto.views.row_members(src).tolist()):
                if m < 0:
                    continue
                heard = int(state.view[src, c])
                if heard != ALIVE:
                    if m != i:
                        continue
                    heard = SUSPECT  # a death of me is refuted like a suspicion
                changed |= self.hear(m, heard, int(state.inc[src, c]))
        else:
            for q in range(int(state.snap_count[src])):
                changed |= self.hear(int(state.snap_member[src, q]),
                                     int(state.snap_status[src, q]), int(state.snap_inc[src, q]))
            if proto.lifeguard and kind in (PING, PING_FWD):
                cs = proto.views.col(src, i)
                if cs >= 0 and state.view[src, cs] == SUSPECT:
                    changed |= self.hear(i, SUSPECT, int(state.inc[src, cs]))
        if k.KIND_PHASE[kind] != self.model.driver.phase:
            return changed and update  # a late message (latency): its gossip only
        if kind == PING:
            self.send(src, ACK)
        elif kind == ACK:
            if state.probe_target[i] == src:
                state.acked[i] = True
        elif kind == PING_REQ:
            target = int(state.probe_target[src])
            if target >= 0 and target != i:
                proto.relays.setdefault(i, []).append([src, target])
                self.send(target, PING_FWD)
        elif kind == PING_FWD:
            self.send(src, ACK_FWD)
        elif kind == ACK_FWD:
            for record in proto.relays.get(i, ()):
                if record[1] == src:
                    record[1] = -1  # relayed
                    self.send(record[0], ACK_RELAY)
                    break
        elif kind == ACK_RELAY:
            if state.probe_target[i] >= 0:
                state.acked[i] = True
        elif kind == SYNC:
            self.send(src, SYNC_REPLY)
        return changed and update

    def on_phase_end(self, phase: int) -> None:
        """End of phase 1 with no ack: ping-req to k helpers."""
        target = int(self.model.state.probe_target[self.idx])
        if phase != 1 or target < 0 or self.model.state.acked[self.idx]:
            return
        for h in self.helpers(target):
            self.send(h, PING_REQ)

    def helpers(self, target: int) -> list[int]:
        """memberlist's ``kRandomNodes``: ``k`` distinct peers, uniformly among those this
        node holds ALIVE other than ``target`` (all of them if fewer). Up to
        ``HELPER_TRIES * k`` tries of a uniform peer (one double each; a try that hits the
        target, a peer not held alive or one already chosen is lost), stopping at ``k``;
        if fewer were found, the rest uniformly among the eligible peers not yet chosen
        (``distinct_ranks`` over them in rank order). With at most ``HELPER_TRIES * k``
        peers the node lists them at once."""
        kk, d, draw = self.model.protocol.k, self.degree, self.model.draw
        chosen: list[int] = []

        def eligible(h: int) -> bool:
            return h != target and h not in chosen and self.holds(h, ALIVE)

        tries = k.HELPER_TRIES * kk
        if d > tries:
            for _ in range(tries):
                if len(chosen) == kk:
                    return chosen
                h = self.neighbour(min(int(draw() * d), d - 1))
                if eligible(h):
                    chosen.append(h)
            if len(chosen) == kk:
                return chosen
        rest = [h for h in map(self.neighbour, range(d)) if eligible(h)]
        return chosen + [rest[r] for r in distinct_ranks(draw, len(rest), kk - len(chosen))]


class Swim(Protocol):
    """Kernel path and shared wiring of SWIM."""

    name = "swim"
    Params = SwimParams
    Agent = SwimAgent
    max_phases = 6  # ping, ack, ping-req, forwarded ping, ack to the helper, relayed ack
    phase_timers = True
    metric_names = ("agreement", "suspects", "probes", "probes_live", "probed", "failed_live",
                    "suspicions", "refutations", "declarations", "false_positives",
                    "accusations", "false_dead")
    byzantine_behaviours = ("accuse",)

    def __init__(self, params: Any, topology: Any) -> None:
        super().__init__(params, topology)
        n = topology.n
        self.k = params.knob("indirect_checks")
        self.limit = params.retransmit_limit(n)
        self.t_min, self.t_max = params.suspicion_timeouts(n)
        # Lifeguard: independent confirmations expected (memberlist: SuspicionMult - 2, or 0
        # when fewer other nodes could confirm)
        self.k_expected = params.knob("suspicion_mult") - 2
        if n - 2 < self.k_expected:
            self.k_expected = 0
        self.reconnect_every = params.knob("reconnect_every")
        self.lifeguard = params.lifeguard
        self.health_max = params.knob("awareness_max") - 1
        #: per-round tallies (swarm.kernels.swim.T_*), both paths add to them
        self.tally = np.zeros(k.N_TALLY, np.int64)
        #: agent path: helper -> [[prober, target], ...] of this period, in arrival order
        self.relays: dict[int, list[list[int]]] = {}
        # kernel path: the same records as linked lists per helper
        self._rec = {name: np.empty(0, np.int32) for name in ("prober", "target", "next")}
        self._rec_used = np.zeros(1, np.int64)
        self._rng: np.random.Generator | None = None
        self._row: dict[str, Any] = {}

    def _recount(self, state: SwarmState) -> None:
        k.member_counts(state.view, state.live, self.counts, *self._pview())
        self.views.trackers(state.live, self.trackers)

    def _pview(self) -> tuple[Any, ...]:
        """(pindptr, pindices, partial, width): the view geometry without ``pcomplete``."""
        v = self.views
        return v.indptr, v.indices, v.partial, v.width

    def reconnect_round(self, t: int) -> bool:
        return self.reconnect_every > 0 and t % self.reconnect_every == 0

    # -- shared helpers of the agent rule (the kernels have their own) ---------------------
    def set_status(self, state: SwarmState, r: int, c: int, m: int, status: int) -> None:
        """view[r, c] = status (column c of row r: member m), keeping the suspect count of
        row r and the live observers holding m alive / dead (``self.counts``) right."""
        old = int(state.view[r, c])
        if old == SUSPECT and status != SUSPECT:
            state.n_suspect[r] -= 1
        elif old != SUSPECT and status == SUSPECT:
            state.n_suspect[r] += 1
        if state.live[r] and r != m:
            if old != SUSPECT:
                self.counts[old // 2, m] -= 1  # ALIVE: row 0, DEAD: row 1
            if status != SUSPECT:
                self.counts[status // 2, m] += 1
        state.view[r, c] = status

    def queue(self, state: SwarmState, r: int, c: int) -> None:
        if state.tx[r, c] == 0:
            state.n_pending[r] += 1
        state.tx[r, c] = self.limit

    # -- state -------------------------------------------------------------------------------
    def init_state(self, state: SwarmState, rng: np.random.Generator) -> None:
        n, p = state.n, self.params.max_piggyback
        #: who tracks whom (full or partial views; a partial view's peers drawn from ``rng``)
        self.views = views = Views(self.topology, resolve_view_size(self.params.view_size, n),
                                   rng)
        w = views.width
        state.add("view", np.full((n, w), ALIVE, np.int8))
        state.add("inc", np.zeros((n, w), np.int32))
        state.add("since", np.zeros((n, w), np.uint16))
        tx = state.add("tx", np.zeros((n, k.padded(w)), np.uint8))
        self._tx_words = tx.view(np.uint64)
        state.add("confirm", np.zeros((n, w if self.lifeguard else 0), np.uint8))
        for name in ("n_suspect", "n_pending", "health", "next_probe", "probe_pos", "probe_a",
                     "probe_b", "sent", "snap_count"):
            state.add(name, np.zeros(n, np.int32))
        state.add("probe_target", np.full(n, -1, np.int32))
        state.add("acked", np.zeros(n, np.bool_))
        state.add("snap_member", np.zeros((n, p), np.int32))
        state.add("snap_status", np.zeros((n, p), np.int8))
        state.add("snap_inc", np.zeros((n, p), np.int32))
        self.episodes = Episodes(state)
        self._state_ref = state
        #: live observers holding each member ALIVE (row 0) / DEAD (row 1), kept up to date
        #: by set_status on both paths, recomputed when the live set changes
        self.counts = np.zeros((2, n), np.int64)
        #: live observers tracking each member (the ground truth's denominator)
        self.trackers = np.zeros(n, np.int64)
        self._recount(state)
        self._probed = np.zeros(n, np.bool_)
        #: per row, the first round a suspicion in it can time out (swim_commit)
        self._next_check = np.zeros(n, np.int64)
        self._rec_head = np.full(n, -1, np.int32)
        self._rec_tail = np.full(n, -1, np.int32)
        self._row = self._metrics_row(state, agreement=1.0, suspects=0, false_dead=0)

    def reset_nodes(self, state: SwarmState, nodes: np.ndarray) -> None:
        """A node restarted without its state: every member alive at incarnation 0 in its
        view, nothing to gossip, a new probe cycle."""
        state.view[nodes] = ALIVE
        state.inc[nodes] = 0
        state.since[nodes] = 0
        state.tx[nodes] = 0
        state.confirm[nodes] = 0
        for name in ("n_suspect", "n_pending", "health", "next_probe", "probe_pos"):
            getattr(state, name)[nodes] = 0

    # -- kernel path -------------------------------------------------------------------------
    def send(self, state: SwarmState, t: int, rng: np.random.Generator) -> Messages:
        self._rng = rng
        reconnect = self.reconnect_round(t)
        gossip = self.params.gossip_nodes
        total, doubles = k.swim_send_count(state.live, state.probe_pos, state.next_probe,
                                           state.view, state.snap_count, *self.views.args, t,
                                           self.lifeguard, gossip, reconnect)
        buf = self.buffer("send").reserve(total)
        u = self.uniforms(rng, doubles)
        m = k.swim_send(state.live, state.probe_pos, state.probe_a, state.probe_b,
                        state.probe_target, state.next_probe, state.view, state.snap_count,
                        state.sent, *self.views.args, t, self.lifeguard, gossip, reconnect,
                        u, buf.src, buf.dst, buf.kind, buf.update)
        return buf.view(m)

    def _records(self, size: int) -> None:
        if self._rec["prober"].shape[0] < size:
            for name in self._rec:
                self._rec[name] = np.empty(max(size, 2 * self._rec[name].shape[0]), np.int32)

    def receive(
        self, state: SwarmState, msgs: Messages, phase: int
    ) -> tuple[Messages | None, np.ndarray]:
        t = state.round + 1
        nm = len(msgs)
        if phase == 2:
            self._records(int(self._rec_used[0]) + nm)
        buf = self.buffer(phase).reserve(nm + (self.k * state.n if phase == 1 else 0))
        rec = self._rec
        r = k.swim_receive(
            msgs.src, msgs.dst, msgs.kind, msgs.update, phase, t, state.view, state.inc,
            state.since, state.tx, state.confirm, state.n_suspect, self.counts, state.live,
            state.n_pending, state.health,
            state.snap_member, state.snap_status, state.snap_inc, state.snap_count,
            state.probe_target, state.acked, state.sent, rec["prober"], rec["target"],
            rec["next"], self._rec_head, self._rec_tail, self._rec_used, self.limit,
            self.lifeguard, self.health_max, self.tally, buf.flag, buf.src, buf.dst, buf.kind,
            buf.update, *self.views.args,
        )
        useful = buf.flag[:nm]
        if phase == 1:
            v = self.views
            _, most = k.swim_helpers_count(state.live, state.probe_target, state.acked,
                                           v.indptr, v.complete, self.k)
            if most:
                rng = self._rng
                if rng is None:
                    raise RuntimeError("swim: receive before send (no protocol stream)")
                saved = rng.bit_generator.state
                u = self.uniforms(rng, most)
                r, used = k.swim_helpers(state.live, state.probe_target, state.acked,
                                         state.view, state.snap_count, state.sent, v.indptr,
                                         v.indices, v.complete, v.partial, self.k, u, r,
                                         buf.src, buf.dst, buf.kind, buf.update)
                rewind(rng, saved, used)  # as if only the doubles used had been drawn
        if phase == self.max_phases - 1:
            return None, useful
        return buf.view(r), useful

    # -- both paths --------------------------------------------------------------------------
    def begin_round(self, state: SwarmState, t: int) -> None:
        if self.episodes.begin(state, t):
            self._recount(state)
        state.probe_target.fill(-1)
        state.acked.fill(False)
        state.sent.fill(0)
        self.tally.fill(0)
        self.relays.clear()
        self._rec_head.fill(-1)
        self._rec_used[0] = 0
        self._accuse(state, t)
        k.swim_snapshot(state.live, state.tx, self._tx_words, state.view, state.inc,
                        state.n_pending, self.params.max_piggyback, state.snap_member,
                        state.snap_status, state.snap_inc, state.snap_count,
                        self.views.indptr, self.views.indices, self.views.partial)

    def _accuse(self, state: SwarmState, t: int) -> None:
        """Byzantine accusers (``swarm.kernels.swim.swim_accuse``), from the ``byzantine``
        stream: shared by both paths, like the snapshot, before it."""
        accusers = k.swim_accuse_count(state.live, state.byzantine, ACCUSE)
        if not accusers:
            return
        u = self.byzantine_coins(accusers)
        status = DEAD if self.params.accuse == "dead" else SUSPECT
        k.swim_accuse(state.live, state.byzantine, ACCUSE, status, state.view, state.inc,
                      state.since, state.tx, state.confirm, state.n_suspect, self.counts,
                      state.n_pending, *self._pview(), u, t, self.limit, self.lifeguard,
                      self.tally)

    def end_round(self, state: SwarmState, t: int) -> None:
        k.swim_commit(
            state.live, state.view, state.inc, state.since, state.tx, state.confirm,
            state.n_suspect, self.counts, state.n_pending, state.health, state.next_probe,
            state.probe_target, state.acked, state.sent, state.snap_member, state.snap_status,
            state.snap_inc, state.snap_count, t,
            self.limit, self.t_min, self.t_max, self.k_expected, self.lifeguard,
            self.health_max, self.tally, self._probed, self._next_check, state.byzantine,
            *self._pview(),
        )
        live = state.live
        alive, dead = self.counts
        if state.n_live < state.n:
            agree = int(alive[live].sum() + dead[~live].sum())
            false_dead = int(dead[live].sum())
        else:
            agree, false_dead = int(alive.sum()), int(dead.sum())
        Episodes.record_detected(state, alive < self.trackers, dead > 0, t)
        Episodes.record_all_dead(state, dead, self.trackers, t)
        pairs = int(self.trackers.sum())
        suspects = int(state.n_suspect[live].sum())
        self._row = self._metrics_row(state, agree / pairs if pairs else 1.0, suspects,
                                      false_dead)

    def _metrics_row(self, state: SwarmState, agreement: float, suspects: int,
                     false_dead: int) -> dict[str, Any]:
        tally = self.tally.tolist()
        return {
            "agreement": float(agreement), "suspects": int(suspects),
            "probes": tally[k.T_PROBES], "probes_live": tally[k.T_PROBES_LIVE],
            "probed": tally[k.T_PROBED],
            "failed_live": tally[k.T_FAILED_LIVE], "suspicions": tally[k.T_SUSPICIONS],
            "refutations": tally[k.T_REFUTATIONS], "declarations": tally[k.T_DECLARATIONS],
            "false_positives": tally[k.T_FALSE_POS],
            "accusations": tally[k.T_ACCUSATIONS], "false_dead": int(false_dead),
        }

    def round_metrics(self, state: SwarmState) -> dict[str, Any]:
        return dict(self._row)

    #: what a viewer colours (the dashboard's per-node byte): how the live nodes see a node
    node_states = ("trusted", "suspected", "declared dead")

    def node_codes(self, state: SwarmState) -> np.ndarray:
        """Per node: 2 if some live node holds it DEAD, else 1 if some live node suspects it
        (not every live node tracking it holds it ALIVE), else 0."""
        alive, dead = self.counts
        codes = (alive < self.trackers).astype(np.uint8)
        codes[dead > 0] = 2
        return codes

    def dead_share(self, state: SwarmState) -> np.ndarray:
        """Per node: the share of its live trackers that hold it DEAD (a viewer's hook)."""
        return dead_share(self.counts[1], self.trackers)

    def finished(self, state: SwarmState, row: dict[str, Any]) -> bool:
        """At least ``min_periods`` periods, every view accurate (agreement 1: live members
        alive, down members dead), no suspicion open and nothing left to gossip."""
        if state.round < self.params.min_periods or self._row["agreement"] < 1.0 \
                or self._row["suspects"]:
            return False
        return not np.any(state.n_pending[state.live])

    def summarize(self, rounds: Any) -> dict[str, Any]:
        return membership_summary(rounds, self.episodes.rows(self._state_ref))

    def annotate_events(self, events: Any, rows: list[dict[str, Any]]) -> Any:
        return annotate_events(events, rows, self.episodes.rows(self._state_ref))
