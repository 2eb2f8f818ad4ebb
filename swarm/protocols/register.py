"""The CAP register: one replicated register across a partition, ``ap`` or ``cp`` (Brewer
2000; Gilbert & Lynch 2002, *Brewer's conjecture and the feasibility of consistent, available,
partition-tolerant web services*, SIGACT News 33(2)).

Every node is a replica of one register. A replica holds a pair (``reg_tag``, ``reg_val``):
the tag packs (seq, writer) (``swarm.kernels.register.make_tag``), the value is the id of the
client write it holds (writes are numbered 1, 2, ... in the order they are issued; 0 is the
initial value every replica starts with). Pairs are ordered lexicographically.

Client operations: in rounds 1..``ops_until``, Poisson(``rate``) operations (capped at the
live nodes) arrive at distinct, uniformly random live nodes — each node coordinates at most
one operation per round; a read with probability ``read_fraction``, else a write. They are
drawn in ``begin_round`` from the ``clients`` stream, shared by both paths.

- ``ap`` (available): the receiving node serves a read from its own register and applies a
  write at once with the tag (its seq + 1, itself) — a Lamport clock (Lamport 1978) with the
  writer id breaking ties; every write also increments a G-counter (Shapiro et al. 2011,
  *Conflict-free replicated data types*, SSS), a vector of one entry per replica kept only
  for ``nodes <= counter_max_nodes`` (8 bytes per node pair: n x n int32, twice). Every
  ``period_rounds`` rounds each live node does push-pull anti-entropy with ``fanout`` random
  neighbours (Demers et al. 1987): the larger pair wins, counters merge entry by entry (max).
- ``cp`` (consistent): ABD quorums (Attiya, Bar-Noy & Dolev 1995, *Sharing memory robustly
  in message-passing systems*, JACM 42(1)), one round per operation: phase 0 the coordinator
  asks every other replica (QUERY), phase 1 voting replicas answer with their pair; with a
  strict majority of the n replicas (itself included) a read is served with the largest pair
  seen, a write proposes (that pair's seq + 1, coordinator) with its value, adopts it and
  sends it to every other replica (phase 2, STORE), which adopt it if newer and acknowledge
  (phase 3, ACK); the write is acknowledged with a strict majority of acks. Otherwise the
  operation is refused. A replica restarted without its state retires: it never votes or
  coordinates again (it lost acknowledged writes; voting would break quorum intersection).

Semantics, metrics and the argument for cp's safety: docs/protocols.md, section ``register``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from swarm.agents import NodeAgent
from swarm.kernels import register as k
from swarm.messages import Messages
from swarm.metrics import coverage_summary
from swarm.params import ProtocolParams, param
from swarm.protocols.base import Protocol, check_fanout, fanout_param
from swarm.protocols.calls import answers, call_neighbours
from swarm.state import SwarmState

__all__ = ["RegisterParams", "Register", "RegisterAgent", "REGISTER_MODES", "CLIENTS_STREAM",
           "READ", "WRITE"]

REGISTER_MODES = ("ap", "cp")
#: the named stream client operations are drawn from
CLIENTS_STREAM = "clients"
READ, WRITE = 1, 2  # operation kinds (0: no operation)
QUERY, ANSWER, STORE, ACK, PUSH_PULL, REPLY = (k.QUERY, k.ANSWER, k.STORE, k.ACK, k.PUSH_PULL,
                                               k.REPLY)


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterParams(ProtocolParams):
    name: ClassVar[str] = "register"
    summary: ClassVar[str] = (
        "one replicated register across a partition: ap (local ops, anti-entropy, last writer "
        "wins, G-counter) or cp (majority quorums, the minority refuses)"
    )
    mode: str = param(
        "ap", choices=REGISTER_MODES,
        help="ap: serve every operation locally, reconcile by anti-entropy; cp: every "
             "operation needs a strict majority of replicas, else it is refused",
    )
    rate: float = param(
        2.0, min=0.0, max=1e6, units="ops/round",
        help="client operations per round: Poisson(rate), at distinct uniformly random live "
             "nodes (at most one per node and round)",
    )
    read_fraction: float = param(
        0.5, min=0.0, max=1.0, help="probability that an operation is a read (else a write)",
    )
    ops_until: int = param(
        20, min=0, max=2**31 - 1, units="round",
        help="last round with client operations (after it the replicas settle)",
    )
    fanout: int = fanout_param("anti-entropy: neighbours each live node reconciles with "
                               "(push-pull) per exchange")
    period_rounds: int = param(
        1, min=0, max=10_000, units="rounds",
        help="anti-entropy (both modes) runs in the rounds divisible by this (1: every "
             "round; 0: never)",
    )
    counter_max_nodes: int = param(
        2048, min=0, max=16_384, units="nodes",
        help="ap: keep the G-counter (n x n int32 entries, twice: 8 n^2 bytes) only up to "
             "this many nodes",
    )

    def check(self, nodes: int) -> None:
        check_fanout(self.fanout, nodes)


def newer(t1: int, v1: int, t2: int, v2: int) -> bool:
    """(t1, v1) > (t2, v2), lexicographically (``swarm.kernels.register.newer``)."""
    return t1 > t2 or (t1 == t2 and v1 > v2)


class RegisterAgent(NodeAgent):
    """The agent rule: the specification of the register, one replica at a time."""

    def on_round(self, t: int) -> None:
        proto, st, i = self.model.protocol, self.model.state, self.idx
        if proto.exchanges(t):  # anti-entropy calls first
            for partner in self.random_partners(proto.params.fanout):
                self.send(partner, PUSH_PULL, True)
        if not proto.ap and st.slot[i] >= 0 and st.voter[i]:  # cp: ask every other replica
            for r in range(st.n):
                if r != i:
                    self.send(r, QUERY, False)

    def on_message(self, src: int, kind: int, update: bool) -> bool:
        st, i = self.model.state, self.idx
        if kind == PUSH_PULL or kind == REPLY:
            useful = self.merge_from(src)
            if kind == PUSH_PULL:
                self.send(src, REPLY, True)
            return useful
        if kind == QUERY:
            if st.voter[i]:
                self.send(src, ANSWER, True)
            return False
        if kind == ANSWER:
            o = int(st.slot[i])
            heard = self.model.protocol.heard
            if self.model.driver.phase != k.DECIDE_PHASE or o < 0 or heard[o, src]:
                return False  # not asked now (a late answer), or this replica counted already
            heard[o, src] = True
            st.votes[i] += 1
            if newer(int(st.reg_tag[src]), int(st.reg_val[src]), int(st.best_tag[i]),
                     int(st.best_val[i])):
                st.best_tag[i], st.best_val[i] = st.reg_tag[src], st.reg_val[src]
                return True
            return False
        if kind == STORE:
            useful = self.adopt(int(st.prop_tag[src]), int(st.prop_val[src]))
            if st.voter[i]:
                self.send(src, ACK, False)
            return useful
        if kind == ACK and self.model.driver.phase == k.ACK_PHASE and st.slot[i] >= 0 \
                and st.proposed[i]:
            st.acks[i] += 1
        return False

    def on_phase_end(self, phase: int) -> None:
        """cp, after the answers: a write with a strict majority proposes and stores."""
        proto, st, i = self.model.protocol, self.model.state, self.idx
        o = int(st.slot[i])
        if phase != k.DECIDE_PHASE or o < 0 or proto.op_kind[o] != WRITE or not st.voter[i] \
                or 2 * int(st.votes[i]) <= st.n:
            return
        st.prop_tag[i] = (((int(st.best_tag[i]) >> 32) + 1) << 32) | (i + 1)
        st.prop_val[i] = proto.op_write[o]
        st.proposed[i] = True
        self.adopt(int(st.prop_tag[i]), int(st.prop_val[i]))
        st.acks[i] = 1
        for r in range(st.n):
            if r != i:
                self.send(r, STORE, True)

    # -- the two merges ----------------------------------------------------------------------
    def adopt(self, tag: int, val: int) -> bool:
        """cp: take the pair at once if it is newer than this replica's register, and into
        the next register if newer there (anti-entropy merges go to next only)."""
        st, i = self.model.state, self.idx
        if newer(tag, val, int(st.reg_tag_next[i]), int(st.reg_val_next[i])):
            st.reg_tag_next[i], st.reg_val_next[i] = tag, val
        if not newer(tag, val, int(st.reg_tag[i]), int(st.reg_val[i])):
            return False
        st.reg_tag[i], st.reg_val[i] = tag, val
        return True

    def merge_from(self, src: int) -> bool:
        """Anti-entropy: ``src``'s register and counter at the start of the round into this
        replica's next state (larger pair; counter entry by entry)."""
        st, i = self.model.state, self.idx
        hit = False
        if newer(int(st.reg_tag[src]), int(st.reg_val[src]), int(st.reg_tag_next[i]),
                 int(st.reg_val_next[i])):
            st.reg_tag_next[i], st.reg_val_next[i] = st.reg_tag[src], st.reg_val[src]
            hit = True
        mine, theirs = st.counter_next[i], st.counter[src]
        more = theirs > mine
        if more.any():
            mine[more] = theirs[more]
            hit = True
        if hit:
            st.reg_changed[i] = True
        return hit


class Register(Protocol):
    """Kernel path and shared wiring (client operations, bookkeeping, metrics)."""

    name = "register"
    Params = RegisterParams
    Agent = RegisterAgent
    # cp: query -> answer -> store -> ack, and a decision after the answers even when none
    # arrived (phase timers); an ap instance sets 2 phases and no timers in __init__
    max_phases = 4
    phase_timers = True
    metric_names = ("ops", "served", "availability", "reads", "reads_served", "stale_reads",
                    "writes",
                    "writes_acked", "coverage", "distinct_values", "divergence",
                    "lost_updates", "counter_behind")
    node_states = ("up to date", "behind", "diverged")

    def __init__(self, params: Any, topology: Any) -> None:
        super().__init__(params, topology)
        self.ap = params.mode == "ap"
        if self.ap:
            self.max_phases = 2  # call -> reply
            self.phase_timers = False
        self._clients: np.random.Generator | None = None
        # this round's operations, in node order (shared by both paths)
        self.op_nodes = np.empty(0, np.int64)
        self.op_kind = np.empty(0, np.uint8)
        self.op_write = np.empty(0, np.int64)
        self.heard = np.zeros((0, 0), np.bool_)  # cp: (operation, replica) answers counted
        self._ap_result = (np.empty(0, np.int64), np.empty(0, np.int64))
        self._pred = np.empty(0, np.int64)
        self.served_pairs = (np.empty(0, np.int64), np.empty(0, np.int64))
        self.op_served = np.empty(0, np.bool_)
        # ground truth, one entry per write id (0: the initial value)
        self.write_pred = [-1]  # the value the write built on (what its coordinator saw)
        self.write_round = [0]  # the round it was issued in
        self.write_acked = [False]  # acknowledged to its client
        self.latest_acked_tag = 0  # the largest tag of a write acknowledged in an earlier round
        self.totals = dict(ops=0, served=0, reads=0, reads_served=0, stale_reads=0,
                           writes_acked=0)
        self._round: dict[str, Any] = {}
        self._scan_row: tuple[int, dict[str, Any]] | None = None

    # -- state -------------------------------------------------------------------------------
    def init_state(self, state: SwarmState, rng: np.random.Generator) -> None:
        n = state.n
        for name in ("reg_tag", "reg_val", "reg_tag_next", "reg_val_next"):
            state.add(name, np.zeros(n, np.int64))
        state.add("reg_changed", np.zeros(n, np.bool_))
        width = n if self.ap and n <= self.params.counter_max_nodes else 0
        state.add("counter", np.zeros((n, width), np.int32))
        state.add("counter_next", np.zeros((n, width), np.int32))
        # cp: this round's operation at each coordinator, and what it has gathered
        state.add("voter", np.ones(n, np.bool_))
        state.add("slot", np.full(n, -1, np.int32))
        state.add("votes", np.zeros(n, np.int32))
        state.add("acks", np.zeros(n, np.int32))
        state.add("proposed", np.zeros(n, np.bool_))
        for name in ("best_tag", "best_val", "prop_tag", "prop_val"):
            state.add(name, np.zeros(n, np.int64))
        self._clients = self.streams[CLIENTS_STREAM]
        self._round = self._empty_round()

    @property
    def counter_kept(self) -> bool:
        return self.ap and self.topology.n <= self.params.counter_max_nodes

    def reset_nodes(self, state: SwarmState, nodes: np.ndarray) -> None:
        """A replica restarted without its state holds the initial value (and, ap, a zero
        counter); a cp replica also retires: it never votes or coordinates again."""
        for name in ("reg_tag", "reg_val", "reg_tag_next", "reg_val_next", "prop_tag",
                     "prop_val"):
            getattr(state, name)[nodes] = 0
        state.counter[nodes] = 0
        state.counter_next[nodes] = 0
        state.reg_changed[nodes] = False
        if not self.ap:
            state.voter[nodes] = False

    # -- client operations (both paths) ------------------------------------------------------
    def begin_round(self, state: SwarmState, t: int) -> None:
        """Draw the round's operations from the ``clients`` stream: one Poisson draw for the
        count (capped at the live nodes), ``Generator.choice`` of that many distinct live
        nodes (sorted: operations go in node order), then one double per operation for its
        kind. ap serves them here; cp sets up its coordinators."""
        p = self.params
        if not self.ap and self.op_nodes.size:  # clear the previous round's coordinators
            prev = self.op_nodes
            state.slot[prev] = -1
            state.votes[prev] = 0
            state.acks[prev] = 0
            state.proposed[prev] = False
        nodes = np.empty(0, np.int64)
        if t <= p.ops_until and p.rate > 0 and state.n_live > 0:
            assert self._clients is not None
            count = min(int(self._clients.poisson(p.rate)), state.n_live)
            if count:
                live_ids = np.flatnonzero(state.live)
                nodes = np.sort(self._clients.choice(live_ids, size=count, replace=False))
        kinds = np.where(self._clients.random(nodes.size) < p.read_fraction, READ, WRITE
                         ).astype(np.uint8) if nodes.size else np.empty(0, np.uint8)
        writes = np.zeros(nodes.size, np.int64)
        is_write = kinds == WRITE
        first = len(self.write_pred)
        writes[is_write] = np.arange(first, first + int(is_write.sum()))
        self.op_nodes, self.op_kind, self.op_write = nodes, kinds, writes
        if self.ap:
            self._ap_ops(state, nodes, kinds, writes)
            return
        state.slot[nodes] = np.arange(nodes.size, dtype=np.int32)
        state.votes[nodes] = 1  # the coordinator's own vote
        state.best_tag[nodes] = state.reg_tag[nodes]
        state.best_val[nodes] = state.reg_val[nodes]
        self.heard = np.zeros((nodes.size, state.n), np.bool_)

    def _ap_ops(self, state: SwarmState, nodes: np.ndarray, kinds: np.ndarray,
                writes: np.ndarray) -> None:
        """ap serves at once: a read returns the node's pair at the start of the round, a
        write gets the node's next Lamport tag (``kernels.register.ap_writes``)."""
        result = (state.reg_tag[nodes].copy(), state.reg_val[nodes].copy())
        w = kinds == WRITE
        pred = np.empty(int(w.sum()), np.int64)
        k.ap_writes(state.reg_tag, state.reg_val, state.counter, state.reg_tag_next,
                    state.reg_val_next, state.counter_next, nodes[w], writes[w], pred)
        result[0][w] = state.reg_tag[nodes[w]]
        result[1][w] = writes[w]
        self._ap_result = result
        self._pred = pred

    def exchanges(self, t: int) -> bool:
        """True if round ``t`` has anti-entropy calls."""
        period = self.params.period_rounds
        return period > 0 and t % period == 0

    # -- kernel path -------------------------------------------------------------------------
    def send(self, state: SwarmState, t: int, rng: np.random.Generator) -> Messages:
        calls = (call_neighbours(self, state, rng, self.params.fanout, PUSH_PULL)
                 if self.exchanges(t) else Messages.empty())
        if self.ap or not self.op_nodes.size:
            return calls
        total = int(np.count_nonzero(state.voter[self.op_nodes])) * (state.n - 1)
        buf = self.buffer("query").reserve(total)
        m = k.cp_send(self.op_nodes, state.voter, state.n, buf.src, buf.dst, buf.kind,
                      buf.update)
        if not len(calls):
            return buf.view(m)
        out = self.buffer("merged").reserve(len(calls) + m)
        total = k.merge_by_sender(*calls.arrays(), *buf.view(m).arrays(), out.src, out.dst,
                                  out.kind, out.update)
        return out.view(total)

    def receive(
        self, state: SwarmState, msgs: Messages, phase: int
    ) -> tuple[Messages | None, np.ndarray]:
        m = len(msgs)
        if self.ap:
            buf = self.buffer(phase).reserve(m)
            r = k.ap_receive(msgs.src, msgs.dst, msgs.kind, state.reg_tag, state.reg_val,
                             state.counter, state.reg_tag_next, state.reg_val_next,
                             state.counter_next, state.reg_changed, buf.flag, buf.src, buf.dst)
            return answers(buf, m, r, REPLY)
        stores = self.op_nodes.size * (state.n - 1) if phase == k.DECIDE_PHASE else 0
        buf = self.buffer(phase).reserve(m + stores)
        r = k.cp_receive(phase, msgs.src, msgs.dst, msgs.kind, state.reg_tag, state.reg_val,
                         state.reg_tag_next, state.reg_val_next, state.counter,
                         state.counter_next, state.reg_changed, state.voter, state.slot,
                         self.heard, state.votes, state.best_tag, state.best_val,
                         state.prop_tag, state.prop_val, state.acks, state.proposed, buf.flag,
                         buf.src, buf.dst, buf.kind, buf.update)
        if phase == k.DECIDE_PHASE:
            r = k.cp_decide(state.n, self.op_nodes, self.op_kind, self.op_write, WRITE,
                            state.voter, state.votes, state.best_tag, state.best_val,
                            state.reg_tag, state.reg_val, state.reg_tag_next,
                            state.reg_val_next, state.prop_tag, state.prop_val, state.acks,
                            state.proposed, buf.src, buf.dst, buf.kind, buf.update, r)
        return buf.view(r), buf.flag[:m]  # an empty batch keeps the round going (phase timers)

    # -- end of the round (both paths) -------------------------------------------------------
    def end_round(self, state: SwarmState, t: int) -> None:
        """Commit the anti-entropy merges; settle the round's operations against the ground
        truth; scan the replicas for the round's metrics."""
        k.ap_commit(state.reg_tag, state.reg_val, state.counter, state.reg_tag_next,
                    state.reg_val_next, state.counter_next, state.reg_changed)
        self._settle(state, t)
        self._scan_row = (t, self._scan(state))

    def _settle(self, state: SwarmState, t: int) -> None:
        nodes, kinds = self.op_nodes, self.op_kind
        n = state.n
        if self.ap:
            served = np.ones(nodes.size, np.bool_)
            res_tag, res_val = self._ap_result
            pred = np.zeros(nodes.size, np.int64)
            pred[kinds == WRITE] = self._pred
        else:
            voter = state.voter[nodes]
            quorum = voter & (2 * state.votes[nodes].astype(np.int64) > n)
            stored = state.proposed[nodes] & (2 * state.acks[nodes].astype(np.int64) > n)
            served = np.where(kinds == READ, quorum, stored)
            res_tag = np.where(kinds == READ, state.best_tag[nodes], state.prop_tag[nodes])
            res_val = np.where(kinds == READ, state.best_val[nodes], state.prop_val[nodes])
            pred = np.where(state.proposed[nodes], state.best_val[nodes], 0)
        reads = kinds == READ
        #: the (tag, value) pairs the round's served operations returned or acknowledged
        self.served_pairs = (res_tag[served], res_val[served])
        self.op_served = served  # per operation of the round, in node order
        stale = served & reads & (res_tag < self.latest_acked_tag)
        acked = served & ~reads
        for j in np.flatnonzero(~reads).tolist():  # writes, in id order
            base = int(pred[j])
            self.write_pred.append(base)
            self.write_round.append(t)
            self.write_acked.append(bool(acked[j]))
        if acked.any():
            self.latest_acked_tag = max(self.latest_acked_tag, int(res_tag[acked].max()))
        row = dict(ops=int(nodes.size), served=int(served.sum()), reads=int(reads.sum()),
                   reads_served=int((served & reads).sum()), stale_reads=int(stale.sum()),
                   writes=int((~reads).sum()), writes_acked=int(acked.sum()))
        for key in self.totals:
            self.totals[key] += row[key]
        self._round = row

    @staticmethod
    def _empty_round() -> dict[str, int]:
        return dict(ops=0, served=0, reads=0, reads_served=0, stale_reads=0, writes=0,
                    writes_acked=0)

    def _scan(self, state: SwarmState) -> dict[str, Any]:
        counts = np.zeros(len(self.write_pred), np.int64)
        newest_tag, newest_val, holders, n_live, distinct, plural, lo, _ = k.register_scan(
            state.reg_tag, state.reg_val, state.live, counts, state.counter)
        return {
            "coverage": holders / n_live if n_live else 0.0,
            "distinct_values": int(distinct),
            "divergence": 1.0 - plural / n_live if n_live else 0.0,
            "lost_updates": int(k.lost_writes(
                np.array(self.write_pred, np.int64), np.array(self.write_round, np.int64),
                np.array(self.write_acked, np.bool_), self._newest_held(state))),
            "counter_behind": float(self.totals["writes_acked"] - lo)
            if self.counter_kept and n_live else float("nan"),
            "_newest_val": int(newest_val),
        }

    @staticmethod
    def _newest_held(state: SwarmState) -> int:
        """The value of the largest pair held by any replica, live or down: a down replica
        keeps its register (a replica restarted without its state has been reset), so a
        write it alone holds is not lost while it is down — it comes back with it."""
        top = state.reg_tag.max()
        return int(state.reg_val[state.reg_tag == top].max())

    def _current_scan(self, state: SwarmState) -> dict[str, Any]:
        cached = self._scan_row
        if cached is not None and cached[0] == state.round:
            return cached[1]
        return self._scan(state)

    def round_metrics(self, state: SwarmState) -> dict[str, Any]:
        row = self._round if state.round > 0 else self._empty_round()
        scan = self._current_scan(state)
        ops = row["ops"]
        return {
            "ops": ops, "served": row["served"],
            "availability": row["served"] / ops if ops else float("nan"),
            "reads": row["reads"], "reads_served": row["reads_served"],
            "stale_reads": row["stale_reads"], "writes": row["writes"],
            "writes_acked": row["writes_acked"],
            **{key: value for key, value in scan.items() if not key.startswith("_")},
        }

    def finished(self, state: SwarmState, row: dict[str, Any]) -> bool:
        """No more operations will come and either there is no anti-entropy (nothing can
        change any more) or every live replica holds the same value (and, ap, the same
        counter: every entry, not just the same total — rows with equal sums may still
        differ entry by entry, and their merge is larger than either)."""
        p = self.params
        if not (state.round >= p.ops_until or p.rate == 0):
            return False
        if p.period_rounds == 0:
            return True
        done = row["distinct_values"] <= 1
        if self.counter_kept and done and state.n_live:
            live = state.counter[state.live]
            done = bool((live == live[0]).all())
        return done

    def summarize(self, rounds: Any) -> dict[str, Any]:
        out = coverage_summary(rounds)
        tot = self.totals
        last = rounds.iloc[-1]
        out.update({
            "ops_total": tot["ops"],
            "availability": tot["served"] / tot["ops"] if tot["ops"] else None,
            "stale_reads_total": tot["stale_reads"],
            "stale_read_fraction": (tot["stale_reads"] / tot["reads_served"]
                                    if tot["reads_served"] else None),
            "writes_acked_total": tot["writes_acked"],
            "lost_updates": int(last["lost_updates"]),
            "divergence_max": float(rounds["divergence"].max()),
            "distinct_values_max": int(rounds["distinct_values"].max()),
            "counter_behind_final": (None if np.isnan(last["counter_behind"])
                                     else int(last["counter_behind"])),
        })
        return out

    # -- viewer ------------------------------------------------------------------------------
    def history(self, value: int) -> np.ndarray:
        """Bool per write id: in the history of ``value`` (``value`` itself, what it built
        on, and so on back to the initial value)."""
        on = np.zeros(len(self.write_pred), np.bool_)
        v = value
        while v >= 0:
            on[v] = True
            v = self.write_pred[v]
        return on

    def node_codes(self, state: SwarmState) -> np.ndarray:
        """0 holds the newest pair among live replicas; 1 holds an older value in its
        history (behind, will catch up); 2 holds a value off that history (diverged: a write
        that last-writer-wins will overwrite unseen)."""
        newest = self._current_scan(state)["_newest_val"]
        if newest < 0:
            return np.zeros(state.n, np.uint8)
        on = self.history(newest)
        codes = np.where(on[state.reg_val], 1, 2).astype(np.uint8)
        codes[state.reg_val == newest] = 0
        return codes
