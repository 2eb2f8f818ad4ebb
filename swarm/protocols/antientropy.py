"""Anti-entropy: a replicated key-value store reconciled with random partners (Demers et al.
1987, *Epidemic algorithms for replicated database maintenance*, PODC, section 1.3).

Every node holds a copy of a store of ``keys`` keys; each key holds a pair
``(version, writer)`` (``state.version``, ``state.writer``: int32, shape ``(n, keys)``; an
empty key is ``(0, -1)``). Pairs are ordered lexicographically and the larger one wins
(last-writer-wins). Every round (conventions C1-C5 in docs/protocols.md, details in its
``anti-entropy`` section):

- **client writes** land at uniformly random live nodes on uniformly random keys: a write at
  node ``v`` on key ``k`` sets the pair to ``(v's version of k + 1, v)``, larger than anything
  ``v`` holds for ``k`` (a Lamport clock per key; concurrent writes elsewhere may still beat it,
  ties of version going to the larger writer id);
- **reconciliation**: every live node calls ``fanout`` distinct random neighbours. ``push``:
  the call carries the caller's whole store and the callee merges it key by key (keeping the
  larger pair); ``pull``: the call asks, and the callee replies with its store; ``push-pull``:
  both in one call.

A message carries its sender's store as it was at the start of the round (C1): merges go to
``version_next`` / ``writer_next`` and are committed at the end of the round.

With one initial write, no later writes and one key, anti-entropy is a single rumour
spreading: the informed set (the nodes holding the write) evolves with the same law as in the
push / pull / push-pull protocols of the same name (see tests/statistical/
test_antientropy_theory.py for the argument).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from swarm.agents import NodeAgent
from swarm.kernels import antientropy as k
from swarm.kernels.memory import large_array
from swarm.messages import Messages
from swarm.metrics import coverage_summary
from swarm.params import ProtocolParams, param
from swarm.protocols.base import Protocol, check_fanout, fanout_param
from swarm.protocols.calls import answers, call_neighbours
from swarm.state import SwarmState

__all__ = ["AntiEntropyParams", "AntiEntropy", "AntiEntropyAgent", "ANTI_ENTROPY_MODES",
           "WRITES_STREAM"]

ANTI_ENTROPY_MODES = ("push", "pull", "push-pull")
PUSH, PULL, PUSH_PULL, REPLY = k.PUSH, k.PULL, k.PUSH_PULL, k.REPLY
CALL_KIND = {"push": PUSH, "pull": PULL, "push-pull": PUSH_PULL}
#: the named stream client writes are drawn from (``swarm.rng.stream(seed, WRITES_STREAM)``)
WRITES_STREAM = "writes"


@dataclass(frozen=True, slots=True, kw_only=True)
class AntiEntropyParams(ProtocolParams):
    name: ClassVar[str] = "anti-entropy"
    summary: ClassVar[str] = (
        "replicated key-value store; random partners reconcile whole stores, "
        "last writer wins (Demers et al. 1987)"
    )
    mode: str = param(
        "push-pull", choices=ANTI_ENTROPY_MODES,
        help="push: the caller sends its store; pull: the callee replies with its store; "
             "push-pull: both in one call",
    )
    fanout: int = fanout_param(
        "partners each live node calls per round (distinct; at most its degree)"
    )
    keys: int = param(
        16, min=1, max=2**20, units="keys",
        help="keys in the replicated store (state is 16 bytes per node and key)",
    )
    write_rate: float = param(
        1.0, min=0.0, max=1e6, units="writes/round",
        help="expected client writes per round across the swarm: Poisson(write_rate) per "
             "round, each at a uniformly random live node on a uniformly random key",
    )
    writes_until: int = param(
        10, min=0, max=2**31 - 1, units="round",
        help="last round with client writes (after it the stores converge)",
    )
    initial_writes: int = param(
        1, min=0, max=10**7, units="writes",
        help="writes before round 1 (each at a uniformly random node and key)",
    )

    def check(self, nodes: int) -> None:
        check_fanout(self.fanout, nodes)


def merge_into_next(state: SwarmState, src: int, dst: int) -> bool:
    """The reference merge: ``src``'s store at the start of the round into ``dst``'s next
    store, key by key, the larger (version, writer) pair kept. True if a pair changed."""
    v, w = state.version[src], state.writer[src]
    nv, nw = state.version_next[dst], state.writer_next[dst]
    newer = (v > nv) | ((v == nv) & (w > nw))
    if not newer.any():
        return False
    nv[newer] = v[newer]
    nw[newer] = w[newer]
    state.store_changed[dst] = True
    return True


class AntiEntropyAgent(NodeAgent):
    """The agent rule: the specification of anti-entropy, one node at a time."""

    def on_round(self, t: int) -> None:
        proto = self.model.protocol
        kind = proto.call_kind
        for partner in self.random_partners(proto.params.fanout):
            self.send(partner, kind, kind != PULL)  # every call but a pull request has a store

    def on_message(self, src: int, kind: int, update: bool) -> bool:
        useful = False
        if kind != PULL:  # PUSH, PUSH_PULL, REPLY carry the sender's store
            useful = merge_into_next(self.model.state, src, self.idx)
        if kind == PULL or kind == PUSH_PULL:
            self.send(src, REPLY, True)
        return useful


class AntiEntropy(Protocol):
    """Kernel path and shared wiring (writes, commit, metrics) of anti-entropy."""

    name = "anti-entropy"
    Params = AntiEntropyParams
    Agent = AntiEntropyAgent
    max_phases = 2  # call -> reply
    metric_names = ("up_to_date", "coverage", "fresh", "versions_behind", "writes")
    counter_draws = True  # partners chosen in parallel (``call_neighbours``)

    def __init__(self, params: Any, topology: Any) -> None:
        super().__init__(params, topology)
        self.call_kind = CALL_KIND[params.mode]
        self._writes_rng: np.random.Generator | None = None
        keys = params.keys
        self._newest = np.empty(keys, np.int64)  # metric scratch: newest pair per key
        self._fresh = np.empty(keys, np.int64)  # metric scratch: holders per key
        #: (round, up_to_date, live, fresh_total, behind_total) of the last scan
        self._counts: tuple[int, int, int, int, int] | None = None
        self._writes: tuple[int, int] = (0, 0)  # (round, writes applied in it)

    # -- state -------------------------------------------------------------------------------
    def init_state(self, state: SwarmState, rng: np.random.Generator) -> None:
        n, keys = state.n, self.params.keys
        # page-aligned, on huge pages where the OS has them (swarm.kernels.memory)
        state.add("version", large_array((n, keys), np.int32, 0))
        state.add("writer", large_array((n, keys), np.int32, k.EMPTY_WRITER))
        state.add("version_next", large_array((n, keys), np.int32, 0))
        state.add("writer_next", large_array((n, keys), np.int32, k.EMPTY_WRITER))
        state.add("store_changed", np.zeros(n, np.bool_))
        self._writes_rng = self.streams[WRITES_STREAM]
        self._writes = (0, self._apply_writes(state, self.params.initial_writes))

    def _apply_writes(self, state: SwarmState, count: int) -> int:
        """``count`` client writes at uniformly random live nodes on uniformly random keys,
        from the writes stream: two doubles per write (node, then key), in write order.
        With no live node the writes are lost and nothing is drawn. Returns writes applied."""
        if count == 0 or state.n_live == 0:
            return 0
        assert self._writes_rng is not None
        u = self._writes_rng.random(2 * count)
        live_ids = np.flatnonzero(state.live)
        nodes = live_ids[np.minimum((u[0::2] * live_ids.size).astype(np.int64),
                                    live_ids.size - 1)]
        keys = np.minimum((u[1::2] * self.params.keys).astype(np.int64), self.params.keys - 1)
        k.apply_writes(state.version, state.writer, state.version_next, state.writer_next,
                       nodes, keys)
        return count

    # -- kernel path -------------------------------------------------------------------------
    def send(self, state: SwarmState, t: int, rng: np.random.Generator) -> Messages:
        return call_neighbours(self, state, rng, self.params.fanout, self.call_kind, t=t)

    def receive(
        self, state: SwarmState, msgs: Messages, phase: int
    ) -> tuple[Messages | None, np.ndarray]:
        m = len(msgs)
        buf = self.buffer(phase).reserve(m)
        r = k.store_receive(msgs.src, msgs.dst, msgs.kind, state.version, state.writer,
                            state.version_next, state.writer_next, state.store_changed,
                            buf.flag, buf.src, buf.dst)
        return answers(buf, m, r, REPLY)

    # -- both paths --------------------------------------------------------------------------
    def begin_round(self, state: SwarmState, t: int) -> None:
        """The round's client writes, before anyone sends (shared code, so both paths draw
        them identically: Poisson(write_rate) writes in rounds 1..writes_until, at nodes live
        after the round's faults acted)."""
        p, applied = self.params, 0
        if t <= p.writes_until and p.write_rate > 0:
            assert self._writes_rng is not None
            count = int(self._writes_rng.poisson(p.write_rate))
            applied = self._apply_writes(state, count)
        self._writes = (t, applied)

    def end_round(self, state: SwarmState, t: int) -> None:
        """Commit the round's merges, then scan the stores for the round's metrics."""
        k.store_commit(state.version, state.writer, state.version_next, state.writer_next,
                       state.store_changed)
        self._counts = (t, *self._scan(state))

    def _scan(self, state: SwarmState) -> tuple[int, int, int, int]:
        up, n_live, fresh, behind = k.store_metrics(state.version, state.writer, state.live,
                                                    self._newest, self._fresh)
        return int(up), int(n_live), int(fresh), int(behind)

    def reset_nodes(self, state: SwarmState, nodes: np.ndarray) -> None:
        """A node restarted without its state has an empty store."""
        for name, empty in (("version", 0), ("writer", k.EMPTY_WRITER),
                            ("version_next", 0), ("writer_next", k.EMPTY_WRITER)):
            getattr(state, name)[nodes] = empty
        state.store_changed[nodes] = False

    def _current_counts(self, state: SwarmState) -> tuple[int, int, int, int]:
        counted = self._counts
        if counted is not None and counted[0] == state.round:
            return counted[1], counted[2], counted[3], counted[4]
        return self._scan(state)

    node_states = ("behind", "up to date")

    def node_codes(self, state: SwarmState) -> np.ndarray:
        """1 for a node that holds the newest pair of every key (among live nodes)."""
        self._scan(state)  # fills self._newest
        return k.holds_newest(state.version, state.writer, self._newest)

    def finished(self, state: SwarmState, row: dict[str, Any]) -> bool:
        """No more writes will come and every live node holds the same pair of every key."""
        p = self.params
        no_more_writes = state.round >= p.writes_until or p.write_rate == 0
        up, n_live, _, _ = self._current_counts(state)
        return no_more_writes and up == n_live

    def round_metrics(self, state: SwarmState) -> dict[str, Any]:
        up, n_live, fresh, behind = self._current_counts(state)
        cells = n_live * self.params.keys
        writes = self._writes[1] if self._writes[0] == state.round else 0
        return {
            "up_to_date": up,
            "coverage": up / n_live if n_live else 0.0,
            "fresh": fresh / cells if cells else 0.0,
            "versions_behind": behind / cells if cells else 0.0,
            "writes": writes,
        }

    def summarize(self, rounds: Any) -> dict[str, Any]:
        out = coverage_summary(rounds)
        out["fresh_final"] = float(rounds["fresh"].iloc[-1])
        out["versions_behind_final"] = float(rounds["versions_behind"].iloc[-1])
        out["writes_total"] = int(rounds["writes"].sum())
        return out
