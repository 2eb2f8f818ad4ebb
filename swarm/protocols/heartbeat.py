"""Gossip-style failure detection: van Renesse, Minsky & Hayden, "A Gossip-Style Failure
Detection Service", Middleware 1998.

Every node keeps a list of members with a heartbeat counter each (row ``i`` of ``(n, W)``
tables, ``swarm.protocols.membership``: a full view of all n members, ``view_size = 0``, the
default up to 10^4 nodes, 12 bytes per member per node; or a partial view of ``V`` peers,
default 32 above 10^4 nodes, at most ``12 (V + 1) + 4 V`` bytes per node). Every round (one
gossip interval) each live node increments its own counter and sends its list — the members
it holds alive — to ``fanout`` random peers (its overlay neighbours with a full view, its
view's members with a partial one); a receiver keeps, member by member, the larger counter
for the members it tracks, and notes the round whenever a counter grows.
A member whose counter has not grown for ``t_fail`` rounds is declared failed (and no longer
gossiped); after ``t_cleanup`` rounds it is forgotten. A forgotten member is put back by any
gossiped counter — which is why the paper asks for ``t_cleanup >= 2 t_fail``. A node
restarted without its state (``keep_state = false``) restarts its own counter from the
current round, above any it gossiped before (restarted at 1, observers holding a higher old
counter would ignore it until it passed that value or ``t_cleanup`` forgot the entry).

Conventions (docs/protocols.md, ``heartbeat``): C1 (a message carries the sender's list as at
the start of the round; what a node learns in round t it gossips from round t + 1) and C2.
Detection times: ``swarm.theory.heartbeat_detection_pmf``.

No Byzantine behaviour: the only lie open to a node is a counter, and the receivers keep the
larger of the counters they hear, so a node can only make a member look *more* alive (a
forged high counter — which would mask a crash until ``t_fail`` after the forged value stops
growing) or not forward (censor). It cannot accuse: the absence of growth, which is what a
declaration rests on, is observed by each node for itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from swarm.agents import NodeAgent
from swarm.errors import ConfigError
from swarm.kernels import heartbeat as k
from swarm.messages import Messages
from swarm.params import ProtocolParams, param
from swarm.protocols.base import Protocol, check_fanout, fanout_param
from swarm.protocols.calls import call_neighbours
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
from swarm.state import SwarmState

__all__ = ["HeartbeatParams", "Heartbeat", "HeartbeatAgent", "default_t_fail"]

GOSSIP = k.GOSSIP


def default_t_fail(nodes: int) -> int:
    """Automatic ``t_fail``: 4 ceil(log2 n) rounds (at least 4). A fresh counter reaches every
    node in about log2 n + ln n rounds of push gossip (Pittel 1987), and a node must go
    without any newer counter for t_fail rounds before it declares a member failed: a few
    spreading times keeps false detections rare without loss (docs/protocols.md)."""
    return max(4, 4 * math.ceil(math.log2(max(2, nodes))))


@dataclass(frozen=True, slots=True, kw_only=True)
class HeartbeatParams(ProtocolParams):
    name: ClassVar[str] = "heartbeat"
    summary: ClassVar[str] = (
        "gossip-style failure detection: heartbeat counters gossiped, failed after t_fail "
        "rounds without increase (van Renesse et al. 1998)"
    )
    fanout: int = fanout_param("neighbours each node sends its heartbeat list to per round")
    t_fail: int | None = param(
        None, min=1, max=10**6, units="rounds",
        help="a member whose counter has not grown for this many rounds is declared failed "
        "(none: 4 ceil(log2 n))")
    t_cleanup: int | None = param(
        None, min=1, max=10**6, units="rounds",
        help="... and forgotten after this many (none: 2 t_fail, the paper's advice)")
    min_periods: int | None = param(
        None, min=0, max=10**7, units="rounds",
        help="run at least this many rounds, then stop once every view is accurate "
        "(none: t_cleanup, the detector's own time scale)")
    view_size: int | None = view_size_param()

    def failure_rounds(self, nodes: int) -> tuple[int, int]:
        t_fail = self.t_fail if self.t_fail is not None else default_t_fail(nodes)
        return t_fail, self.t_cleanup if self.t_cleanup is not None else 2 * t_fail

    def run_at_least(self, nodes: int) -> int:
        return self.min_periods if self.min_periods is not None else \
            self.failure_rounds(nodes)[1]

    def check(self, nodes: int) -> None:
        check_fanout(self.fanout, nodes)
        check_dense(self.name, nodes, self.view_size)
        t_fail, t_cleanup = self.failure_rounds(nodes)
        if t_cleanup < t_fail:
            raise ConfigError("protocol.t_cleanup", t_cleanup,
                              f"must be >= t_fail = {t_fail} (a member is forgotten after it "
                              "is declared failed)")


class HeartbeatAgent(NodeAgent):
    """The agent rule, one node at a time."""

    def __init__(self, model: Any, idx: int) -> None:
        super().__init__(model, idx)
        views = model.protocol.views
        if views.partial:  # gossip goes to the view's members
            self.degree = views.degree(idx)
            self._neighbours = views.peers(idx)

    def on_round(self, t: int) -> None:
        # the own counter was incremented by begin_round (shared by both paths)
        for partner in self.random_partners(self.model.protocol.params.fanout):
            self.send(partner, GOSSIP, True)

    def on_message(self, src: int, kind: int, update: bool) -> bool:
        state, i, proto = self.model.state, self.idx, self.model.protocol
        t = state.round + 1
        theirs = state.hb[src]  # the sender's list at the start of the round (C1) ...
        alive = (t - state.last[src] < proto.t_fail) & (theirs >= 0)  # ... its alive members
        mine = proto.views.cols(i, proto.views.row_members(src))  # my columns of them
        ok = alive & (mine >= 0)  # ... that I track
        cols, theirs = mine[ok], theirs[ok]
        grew = theirs > state.hb_next[i, cols]  # member by member, the larger counter
        state.hb_next[i, cols[grew]] = theirs[grew]
        return bool(grew.any())


class Heartbeat(Protocol):
    name = "heartbeat"
    Params = HeartbeatParams
    Agent = HeartbeatAgent
    max_phases = 1
    counter_draws = True  # partners chosen in parallel (``call_neighbours``)
    metric_names = ("agreement", "failed_views", "max_age", "declarations",
                    "false_positives", "cleanups", "readds")

    def __init__(self, params: Any, topology: Any) -> None:
        super().__init__(params, topology)
        self.t_fail, self.t_cleanup = params.failure_rounds(topology.n)
        self._min_rounds = params.run_at_least(topology.n)
        self.tally = np.zeros(k.N_TALLY, np.int64)
        self._row: dict[str, Any] = {}

    def init_state(self, state: SwarmState, rng: np.random.Generator) -> None:
        n = state.n
        #: who tracks whom (full or partial views; a partial view's peers drawn from ``rng``)
        self.views = views = Views(self.topology, resolve_view_size(self.params.view_size, n),
                                   rng)
        w = views.width
        state.add("hb", np.zeros((n, w), np.int32))
        state.add("hb_next", np.zeros((n, w), np.int32))
        state.add("last", np.zeros((n, w), np.int32))
        self.episodes = Episodes(state)
        self._state_ref = state
        self._dead_count = np.zeros(n, np.int64)
        #: live observers tracking each member (recomputed when the live set changes)
        self.trackers = views.trackers(state.live, np.zeros(n, np.int64))
        self._row = self._metrics_row(1.0, 0, 0)

    def reset_nodes(self, state: SwarmState, nodes: np.ndarray) -> None:
        """A node restarted without its state knows every member at counter 0, as at the
        start, and heard from all of them now — except its own counter, which restarts from
        the current round (a clock-based heartbeat, as in Cassandra's generation): above
        any counter it gossiped before (a counter grows by at most 1 a round), so observers
        that hold it failed take it back at once instead of ignoring a lower counter until
        it passes the old value or ``t_cleanup`` forgets the entry."""
        for name in ("hb", "hb_next"):
            getattr(state, name)[nodes] = 0
        state.last[nodes] = state.round
        own = np.full(nodes.shape, self.views.width - 1) if self.views.partial else nodes
        state.hb[nodes, own] = state.hb_next[nodes, own] = state.round

    # -- kernel path -------------------------------------------------------------------------
    def send(self, state: SwarmState, t: int, rng: np.random.Generator) -> Messages:
        # every live node sends its table to min(fanout, degree) distinct random peers
        return call_neighbours(self, state, rng, self.params.fanout, GOSSIP, self.views, t=t)

    def receive(
        self, state: SwarmState, msgs: Messages, phase: int
    ) -> tuple[Messages | None, np.ndarray]:
        buf = self.buffer(phase).reserve(len(msgs))
        useful = buf.flag[:len(msgs)]
        v = self.views
        k.heartbeat_receive(msgs.src, msgs.dst, state.hb, state.hb_next, state.last,
                            state.round + 1, self.t_fail, useful, v.indptr, v.indices,
                            v.partial)
        return None, useful

    # -- both paths --------------------------------------------------------------------------
    def begin_round(self, state: SwarmState, t: int) -> None:
        if self.episodes.begin(state, t):
            self.views.trackers(state.live, self.trackers)
        self.tally.fill(0)
        k.heartbeat_beat(state.live, state.hb, state.hb_next, state.last, t, self.views.partial)

    def end_round(self, state: SwarmState, t: int) -> None:
        agree, failed, oldest = k.heartbeat_commit(
            state.live, state.hb, state.hb_next, state.last, t, self.t_fail, self.t_cleanup,
            self._dead_count, self.tally, self.views.indptr, self.views.indices,
            self.views.partial, bool(state.live.all()))
        held = self._dead_count > 0  # heartbeat: detected = declared failed (or forgotten)
        Episodes.record_detected(state, held, held, t)
        Episodes.record_all_dead(state, self._dead_count, self.trackers, t)
        pairs = int(self.trackers.sum())
        self._row = self._metrics_row(agree / pairs if pairs else 1.0, failed, oldest)

    def _metrics_row(self, agreement: float, failed: int, oldest: int) -> dict[str, Any]:
        tally = self.tally.tolist()
        return {"agreement": float(agreement), "failed_views": int(failed),
                "max_age": int(oldest),
                "declarations": tally[k.T_DECLARATIONS],
                "false_positives": tally[k.T_FALSE_POS], "cleanups": tally[k.T_CLEANUPS],
                "readds": tally[k.T_READDS]}

    def round_metrics(self, state: SwarmState) -> dict[str, Any]:
        return dict(self._row)

    #: what a viewer colours (the dashboard's per-node byte)
    node_states = ("trusted", "declared failed")

    def node_codes(self, state: SwarmState) -> np.ndarray:
        """Per node: 1 if some live node holds it failed or has forgotten it, else 0."""
        return (self._dead_count > 0).astype(np.uint8)

    def dead_share(self, state: SwarmState) -> np.ndarray:
        """Per node: the share of its live trackers that hold it failed or have forgotten
        it (a viewer's hook)."""
        return dead_share(self._dead_count, self.trackers)

    def finished(self, state: SwarmState, row: dict[str, Any]) -> bool:
        """At least ``min_periods`` rounds and every view accurate: live members alive,
        down members failed or forgotten. (Gossip never stops; nothing changes after.)"""
        return state.round >= self._min_rounds and self._row["agreement"] >= 1.0

    def summarize(self, rounds: Any) -> dict[str, Any]:
        return membership_summary(rounds, self.episodes.rows(self._state_ref))

    def annotate_events(self, events: Any, rows: list[dict[str, Any]]) -> Any:
        return annotate_events(events, rows, self.episodes.rows(self._state_ref))
