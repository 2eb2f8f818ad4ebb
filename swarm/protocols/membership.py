"""What the failure detectors (``swim``, ``heartbeat``) share: membership views (full or
partial), the ground truth of failures (episodes) and the detection metrics built on it.

**Views.** Row ``i`` of a protocol's ``(n, W)`` state arrays is node ``i``'s view: one column
per member it tracks. Two shapes, one implementation (:class:`Views` maps a column to its
member and back; the kernels take the same mapping as ``pindptr, pindices, pcomplete,
partial, width``):

- **full view** (``view_size = 0``; the default up to ``MAX_DENSE_NODES``): ``W = n``, column
  ``j`` is member ``j`` (implicit ids, the own entry at column ``i``). The peers a node probes
  and gossips to are its overlay neighbours (the topology); it tracks every member and learns
  of the others by gossip. Memory: SWIM 8 bytes per (observer, member) pair (status int8,
  incarnation int32, suspicion start uint16, transmissions left uint8; +1 with Lifeguard),
  heartbeat 12 (counter, counter brought by this round's gossip, round of the last increase:
  three int32), so ``8 n`` / ``12 n`` bytes per node: 0.8 GB (SWIM) / 1.2 GB (heartbeat) at
  ``n = 10^4``, the bound (``MAX_DENSE_NODES``; a full view above it is a ConfigError naming
  ``nodes`` that points to ``protocol.view_size``).
- **partial view** (``view_size = V >= 2``; the default ``DEFAULT_VIEW_SIZE`` = 32 above
  10^4 nodes): node ``i`` tracks a fixed set of at most ``V`` members, its **peers**, drawn
  once from the ``init`` stream, held sorted as a CSR (``pindptr``, ``pindices`` int32); column
  ``c < deg(i)`` is its ``c``-th peer and column ``W - 1`` its own entry (``W`` = largest
  peer count + 1). It probes, asks helpers and gossips only among its peers, and applies a
  gossiped update only about a member it tracks (binary search in its sorted row). Memory per
  node: ``W`` x (8 SWIM / 12 heartbeat) bytes of state + 4 bytes per peer id, i.e. at most
  ``(V + 1) x 8 + 4 V`` = 404 bytes (SWIM) and ``(V + 1) x 12 + 4 V`` = 524 bytes (heartbeat)
  at V = 32: 0.4 / 0.5 GB at ``n = 10^6``. The tables of any view are bounded like a full
  view's: ``n x min(V + 1, n)`` entries at most ``MAX_VIEW_ENTRIES`` = 10^8 (so V <=
  10^8 / n - 1: 99 at 10^6 nodes, 32 up to about 3 x 10^6; a larger V, including one that
  makes the view full on the complete graph, is a ConfigError naming ``protocol.view_size``
  with the largest allowed).

Who the peers are: on an overlay (any topology but the complete graph), the node's neighbours,
capped at ``V`` by a uniform draw without replacement (only nodes with more than ``V``
neighbours draw; the capped views are then no longer symmetric). On the complete graph, the
``V`` nearest nodes (``V / 2`` on each side; an odd ``V`` uses ``V - 1``) on a ring over a
uniformly random permutation of the nodes: a random relabelled ring lattice. Not ``V``
independent random members per node: with independent draws the trackers of a member are
random nodes that almost never talk to each other, so nothing said about the member (its
heartbeat counter, a suspicion, a refutation) reaches the others that track it. The ring
lattice is symmetric (``i`` tracks ``j`` iff ``j`` tracks ``i``) and the trackers of a member
are mostly each other's peers (two nodes at ring distance ``d <= V/2`` share ``V - d - 1``
peers), so an update about a member spreads among its trackers by gossip. The peers are
fixed for the run: a node that restarts without its state keeps them (its entries reset).

``DEFAULT_VIEW_SIZE`` = 32: each member is watched by 32 observers (losing all of them at
once is beyond any fault scenario we run), a probe cycle is 32 periods, the ring lattice's
trackers of a member overlap enough for heartbeat counters to reach all of them well within
the default ``t_fail`` (4 ceil(log2 n) >= 68 rounds above 10^4 nodes), and the state is about
0.4 KB per node. A fixed size rather than ``c log n``: the cost of a period stays the same
per node as n grows, and log n moves by less than 2 between 10^5 and 10^6.

**Ground truth.** A node that goes down (crash, churn) starts an **episode** (member, round
it went down, round it came back). For each episode the protocol records the first round (from
the one it went down in) at whose end some live node tracking it **detected** it (held it not
alive — SWIM: suspect or dead; heartbeat: failed or forgotten — for whatever reason: its own
probe or timeout, gossip, or an entry held since before the crash, which makes the crash round
itself the detection, 1 period), the first round at whose end some live node held it dead
(SWIM; heartbeat: the same as detection), and the first round at whose end every live node
**tracking it** (having it in its view: every live node with a full view) held it dead; a
member no live node tracks is never "known" (its ``all_know`` stays open). View agreement
is over the same (live observer, tracked member) pairs. Times are in periods counted from the
crash round as 1: a crash at the start of round t detected in round t took 1 period.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from swarm.errors import ConfigError
from swarm.kernels.views import count_trackers
from swarm.params import param
from swarm.state import SwarmState
from swarm.topology import Topology

__all__ = ["MAX_DENSE_NODES", "MAX_VIEW_ENTRIES", "DEFAULT_VIEW_SIZE", "check_dense",
           "view_size_param", "resolve_view_size", "Views", "Episodes", "detection_summary",
           "membership_summary", "annotate_events", "DETECTION_EVENTS"]

MAX_DENSE_NODES = 10_000
DEFAULT_VIEW_SIZE = 32
DETECTION_EVENTS = ("crash", "down")
RECONVERGE_EVENTS = ("heal", "recover", "up")


def view_size_param() -> Any:
    """The ``view_size`` field of both failure detectors."""
    return param(
        None, min=0, max=10**6, units="members",
        help=f"members each node tracks: 0 = full view (every member; at most "
        f"{MAX_DENSE_NODES} nodes), V >= 2 = a partial view of V peers (overlay neighbours, "
        f"or a random ring lattice on the complete graph; nodes x (V + 1) at most "
        f"{MAX_DENSE_NODES}^2); none: full view up to "
        f"{MAX_DENSE_NODES} nodes, {DEFAULT_VIEW_SIZE} above")


def resolve_view_size(view_size: int | None, nodes: int) -> int:
    """0 (full view) or V (partial view of V peers)."""
    if view_size is None:
        return 0 if nodes <= MAX_DENSE_NODES else DEFAULT_VIEW_SIZE
    return view_size


#: the most (observer, member) entries a run may hold: a full view at MAX_DENSE_NODES nodes
MAX_VIEW_ENTRIES = MAX_DENSE_NODES**2


def check_dense(protocol: str, nodes: int, view_size: int | None = 0) -> None:
    """A full view above MAX_DENSE_NODES is refused; so is a view of one member, and a
    partial view whose table would exceed a full view's bound: ``nodes x min(V + 1, nodes)``
    entries (``V >= nodes - 1`` on the complete graph is a full view) at most
    ``MAX_VIEW_ENTRIES``."""
    if view_size == 1:
        raise ConfigError("protocol.view_size", 1,
                          "must be 0 (full view) or at least 2 (a partial view)")
    size = resolve_view_size(view_size, nodes)
    if size > 0 and nodes * min(size + 1, nodes) > MAX_VIEW_ENTRIES:
        most = MAX_VIEW_ENTRIES // nodes - 1
        if most < 2:
            raise ConfigError(
                "nodes", nodes,
                f"must be at most {MAX_VIEW_ENTRIES // 3} for protocol {protocol!r}: even a "
                f"partial view of 2 peers holds nodes x 3 membership entries, at most "
                f"{MAX_VIEW_ENTRIES} (as a full view of {MAX_DENSE_NODES} nodes)")
        raise ConfigError(
            "protocol.view_size", size,
            f"must be at most {most} for {nodes} nodes with protocol {protocol!r}: the "
            f"membership tables hold nodes x min(view_size + 1, nodes) entries, at most "
            f"{MAX_VIEW_ENTRIES} (as a full view of {MAX_DENSE_NODES} nodes, 0.8-1.2 GB)")
    if size == 0 and nodes > MAX_DENSE_NODES:
        raise ConfigError(
            "nodes", nodes,
            f"must be at most {MAX_DENSE_NODES} for protocol {protocol!r} with a full view "
            f"(protocol.view_size = 0): its membership views are dense n x n tables "
            f"(0.8-1.2 GB at n = {MAX_DENSE_NODES}); set protocol.view_size to a partial "
            f"view size (e.g. {DEFAULT_VIEW_SIZE}) or leave it at none",
        )


class Views:
    """Which members each node tracks (module docstring): the full view (``partial``
    False: the topology's neighbours are the peers, ``width = n``) or a partial view (the
    peers as a sorted CSR, ``width`` = largest peer count + 1, the own entry last)."""

    def __init__(self, topology: Topology, size: int, rng: np.random.Generator) -> None:
        n = topology.n
        self.n = n
        self.size = size
        self.partial = size > 0 and not (topology.complete and size >= n - 1)
        if not self.partial:
            self.indptr, self.indices = topology.indptr, topology.indices
            self.complete = topology.complete
            self.width = n
        else:
            self.indptr, self.indices = (ring_lattice(n, size, rng) if topology.complete
                                         else capped_neighbours(topology, size, rng))
            self.complete = False
            deg = np.diff(self.indptr)
            self.width = int(deg.max(initial=0)) + 1
        #: the kernels' view arguments
        self.args = (self.indptr, self.indices, self.complete, self.partial, self.width)

    @property
    def nbytes(self) -> int:
        """Bytes of the peer lists (0 for a full view: the topology's)."""
        return int(self.indptr.nbytes + self.indices.nbytes) if self.partial else 0

    def degree(self, i: int) -> int:
        """Peers of node i (full view: its overlay neighbours)."""
        if self.complete:
            return self.n - 1
        return int(self.indptr[i + 1] - self.indptr[i])

    def peers(self, i: int) -> list[int] | None:
        """Node i's peers in ascending order (None on the complete graph: implicit)."""
        if self.complete:
            return None
        return self.indices[self.indptr[i]:self.indptr[i + 1]].tolist()

    def col(self, i: int, m: int) -> int:
        """The column of member m in node i's view, -1 if i does not track m."""
        if not self.partial:
            return m
        if m == i:
            return self.width - 1
        lo, hi = int(self.indptr[i]), int(self.indptr[i + 1])
        k = lo + int(np.searchsorted(self.indices[lo:hi], m))
        return k - lo if k < hi and self.indices[k] == m else -1

    def own(self, i: int) -> int:
        """The column of node i's own entry."""
        return self.width - 1 if self.partial else i

    def tracked(self, i: int) -> list[tuple[int, int]]:
        """(column, member) of every member node i tracks other than itself, by column."""
        if not self.partial:
            return [(j, j) for j in range(self.n) if j != i]
        return list(enumerate(self.indices[self.indptr[i]:self.indptr[i + 1]].tolist()))

    def row_members(self, i: int) -> np.ndarray:
        """The member of every column of node i's view (-1: unused column)."""
        if not self.partial:
            return np.arange(self.n)
        out = np.full(self.width, -1, np.int64)
        peers = self.indices[self.indptr[i]:self.indptr[i + 1]]
        out[:peers.size] = peers
        out[-1] = i
        return out

    def cols(self, i: int, members: np.ndarray) -> np.ndarray:
        """The columns of ``members`` in node i's view (-1: not tracked, or member -1)."""
        if not self.partial:
            return members.copy()
        lo, hi = int(self.indptr[i]), int(self.indptr[i + 1])
        row = self.indices[lo:hi]
        k = np.searchsorted(row, members)
        kc = np.minimum(k, max(row.size - 1, 0))
        found = (k < row.size) & (row[kc] == members) if row.size else \
            np.zeros(members.shape, np.bool_)
        out = np.where(found, k, -1)
        out[members == i] = self.width - 1
        out[members < 0] = -1
        return out

    def trackers(self, live: np.ndarray, out: np.ndarray) -> np.ndarray:
        count_trackers(live, self.indptr, self.indices, self.partial, out)
        return out



def dead_share(dead_count: np.ndarray, trackers: np.ndarray) -> np.ndarray:
    """Per node: the share of the live nodes tracking it that hold it dead (SWIM: DEAD;
    heartbeat: failed or forgotten), 0 where no live node tracks it. What a viewer shows of
    a crash being detected (the dashboard colours a down node by it)."""
    out = np.zeros(len(trackers), np.float64)
    np.divide(dead_count, trackers, out=out, where=trackers > 0)
    return np.minimum(out, 1.0, out=out)


def ring_lattice(n: int, size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Peers on the complete graph: the ``size // 2`` nearest on each side on a ring over a
    uniformly random permutation (one ``rng.permutation(n)``), sorted per node."""
    h = max(1, size // 2)
    order = rng.permutation(n)
    pos = np.empty(n, np.int64)
    pos[order] = np.arange(n)
    offsets = np.concatenate([np.arange(1, h + 1), -np.arange(1, h + 1)])
    peers = np.empty((n, 2 * h), np.int32)
    for q, off in enumerate(offsets.tolist()):  # column by column: no (n, 2h) int64 temp
        peers[:, q] = order[(pos + off) % n]
    peers.sort(axis=1)
    indptr = np.arange(0, n * 2 * h + 1, 2 * h, dtype=np.int64)
    return indptr, peers.reshape(-1)


def capped_neighbours(topology: Topology, size: int, rng: np.random.Generator
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Peers on an overlay: the node's neighbours; a node with more than ``size`` keeps
    ``size`` of them, drawn uniformly without replacement (``rng.choice``, nodes in order)."""
    indptr, indices = topology.indptr, topology.indices
    deg = np.diff(indptr)
    keep = np.ones(indices.size, np.bool_)
    for i in np.flatnonzero(deg > size).tolist():
        lo = int(indptr[i])
        drop = np.ones(int(deg[i]), np.bool_)
        drop[rng.choice(int(deg[i]), size, replace=False)] = False
        keep[lo:lo + int(deg[i])] = ~drop
    new_deg = np.minimum(deg, size)
    new_indptr = np.zeros(indptr.size, np.int64)
    np.cumsum(new_deg, out=new_indptr[1:])
    return new_indptr, indices[keep].astype(np.int32, copy=False)


class Episodes:
    """Failure episodes from ``state.live``, tracked at the start of every round."""

    def __init__(self, state: SwarmState) -> None:
        n = state.n
        state.add("was_live", np.ones(n, np.bool_))
        for name in ("down_round", "first_detect", "first_dead", "all_dead"):
            state.add(name, np.full(n, -1, np.int32))
        #: finished episodes: (member, down, up, first_detect, first_dead, all_dead)
        self.closed: list[tuple[int, ...]] = []

    def begin(self, state: SwarmState, t: int) -> bool:
        """Open / close episodes for nodes that went down / came up; True if any did."""
        changed = np.flatnonzero(state.was_live != state.live)
        if not changed.size:
            return False
        for j in changed.tolist():
            if state.live[j]:
                self.closed.append((j, int(state.down_round[j]), t,
                                    int(state.first_detect[j]), int(state.first_dead[j]),
                                    int(state.all_dead[j])))
                state.down_round[j] = -1
            else:
                state.down_round[j] = t
            state.first_detect[j] = state.first_dead[j] = state.all_dead[j] = -1
        state.was_live[changed] = state.live[changed]
        return True

    @staticmethod
    def record_detected(state: SwarmState, held: np.ndarray, dead: np.ndarray, t: int) -> None:
        """End of round t: down members that some live node tracking them holds not alive
        (``held``: SWIM suspect or dead, heartbeat failed or forgotten) / dead (``dead``),
        for whatever reason (its own probe or timeout, gossip, an entry held since before
        the crash): first_detect / first_dead = t (first time). So first_detect <=
        first_dead <= all_dead whenever they are set."""
        if state.n_live < state.n:
            down = state.down_round >= 0
            state.first_detect[down & (state.first_detect < 0) & held] = t
            state.first_dead[down & (state.first_dead < 0) & dead] = t

    @staticmethod
    def record_all_dead(state: SwarmState, dead_count: np.ndarray, trackers: np.ndarray,
                        t: int) -> None:
        """Down members now held dead by every live node tracking them (at least one):
        all_dead = t (first time)."""
        if state.n_live:
            newly = ((state.down_round >= 0) & (state.all_dead < 0) & (trackers > 0)
                     & (dead_count == trackers))
            state.all_dead[newly] = t

    def rows(self, state: SwarmState) -> list[tuple[int, ...]]:
        """Every episode so far; the open ones with up = -1."""
        open_ = [(j, int(state.down_round[j]), -1, int(state.first_detect[j]),
                  int(state.first_dead[j]), int(state.all_dead[j]))
                 for j in np.flatnonzero(state.down_round >= 0).tolist()]
        return self.closed + open_


def _periods(at: int, since: int) -> int | None:
    return at - since + 1 if at >= 0 else None


def detection_summary(episodes: list[tuple[int, ...]]) -> dict[str, Any]:
    """``crashes`` (episodes), ``undetected`` (episodes never detected: a declared or
    all-known episode is always detected, ``Episodes.record_detected``), and the means of
    ``first_detection_periods`` over the detected episodes (``crashes - undetected``),
    ``first_dead_periods`` over those held dead by some live node, ``all_know_periods`` over
    those held dead by every live node tracking them (each set inside the previous one);
    None when a set is empty."""
    out: dict[str, Any] = {"crashes": len(episodes)}
    for key, col in (("first_detection_periods", 3), ("first_dead_periods", 4),
                     ("all_know_periods", 5)):
        values = [_periods(e[col], e[1]) for e in episodes]
        got = [v for v in values if v is not None]
        out[key] = float(np.mean(got)) if got else None
    out["undetected"] = sum(1 for e in episodes if e[3] < 0)
    return out


def annotate_events(events: pd.DataFrame, rows: list[dict[str, Any]],
                    episodes: list[tuple[int, ...]]) -> pd.DataFrame:
    """Per fault event: for a crash / down, ``first_detection_periods`` (first detection of
    any of its nodes) and ``all_know_periods`` (until every live node tracking them held all
    of them dead, NA if that never happened); for a heal / recover / up,
    ``reconverge_rounds``: rounds until every view was accurate again (``agreement`` 1)."""
    if events.empty:
        return events
    first, known, again = [], [], []
    rounds = np.array([r["round"] for r in rows])
    accurate = rounds[np.array([r["agreement"] for r in rows]) >= 1.0]
    for t, event in zip(events["round"].tolist(), events["event"].tolist(), strict=True):
        mine = [e for e in episodes if e[1] == t]
        if event in DETECTION_EVENTS and mine:
            det = [e[3] for e in mine if e[3] >= 0]
            first.append(min(det) - t + 1 if det else None)
            ends = [e[5] for e in mine]
            known.append(max(ends) - t + 1 if min(ends) >= 0 else None)
        else:
            first.append(None)
            known.append(None)
        if event in RECONVERGE_EVENTS:
            later = accurate[accurate >= t]
            again.append(int(later[0] - t) if later.size else None)
        else:
            again.append(None)
    events = events.copy()
    events["first_detection_periods"] = pd.array(first, dtype="Int64")
    events["all_know_periods"] = pd.array(known, dtype="Int64")
    events["reconverge_rounds"] = pd.array(again, dtype="Int64")
    return events


#: per-round count columns summed into ``<name>_total`` when a protocol reports them
COUNT_COLUMNS = ("suspicions", "refutations", "declarations", "false_positives",
                 "accusations")


def membership_summary(rounds: pd.DataFrame, episodes: list[tuple[int, ...]]) -> dict[str, Any]:
    """Run summary of a failure detector. Rates are per live node per period (rounds 1..end):
    ``false_positive_rate`` (a live node declared dead by another's timeout),
    ``false_dead_max`` (SWIM: the most entries of live members held dead at once),
    ``messages_per_member_period``; ``false_suspicion_per_probe`` = probes of live targets
    that got no ack / probes of live targets (SWIM); the detection times of
    :func:`detection_summary`; ``agreement_final``."""
    body = rounds.iloc[1:]
    live_periods = int(body["live"].sum())
    out: dict[str, Any] = {"agreement_final": float(rounds["agreement"].iloc[-1])}
    for col in COUNT_COLUMNS:
        if col in rounds:
            out[f"{col}_total"] = int(body[col].sum())
    out["false_positive_rate"] = (out["false_positives_total"] / live_periods
                                  if live_periods else None)
    out["messages_per_member_period"] = (int(body["messages"].sum()) / live_periods
                                         if live_periods else None)
    if "false_dead" in rounds:
        out["false_dead_max"] = int(rounds["false_dead"].max())
    if "probes_live" in rounds:
        probes = int(body["probes_live"].sum())
        out["false_suspicion_per_probe"] = (int(body["failed_live"].sum()) / probes
                                            if probes else None)
    out.update(detection_summary(episodes))
    return out
