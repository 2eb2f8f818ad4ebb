"""Partition: the nodes split into groups from round ``start``; the split heals after round
``end`` (never, without ``end``).

Groups: ``random`` (a random balanced split), ``ids`` (contiguous equal id ranges, or the
groups listed in ``ids`` as ``"0-499;500-999"``, which must cover every node exactly once) or
``position`` (vertical strips of equal width on a topology with positions) or ``line`` (the
two sides of a straight cut through the layout of ``swarm.layout``, on any topology: what the
dashboard draws). While split, a
message between different groups is dropped with probability ``rate`` (1: a clean split;
below 1: lossy links between groups) — in both directions, or with ``oneway`` only from a
lower-numbered group to a higher-numbered one (an asymmetric partition).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from swarm.errors import ConfigError
from swarm.faults.base import EventLog, Fault, FaultParams, parse_coordinates, parse_id_ranges
from swarm.kernels.faults import keep_uncut
from swarm.layout import layout
from swarm.messages import Messages
from swarm.params import param
from swarm.state import SwarmState
from swarm.topology import Topology

__all__ = ["PartitionParams", "Partition", "group_ids", "line_side"]


@dataclass(frozen=True, slots=True, kw_only=True)
class PartitionParams(FaultParams):
    name: ClassVar[str] = "partition"
    summary: ClassVar[str] = "split the nodes into groups that cannot talk, then heal"
    ZERO = {"groups": 1}
    EXAMPLE = {"groups": 3, "start": 1, "end": 5}

    groups: int = param(2, min=1, max=2**31 - 1, help="number of groups")
    by: str = param("random", choices=("random", "ids", "position", "line"),
                    help="how nodes are assigned to groups")
    ids: str = param("", help="with by = 'ids': the groups as id ranges separated by ';', "
                     "e.g. '0-499;500-999' (empty: equal contiguous ranges)")
    line: str = param("", help="with by = 'line': the cut 'x0,y0,x1,y1' through the layout "
                      "(0..1 each); nodes left of the line from (x0,y0) to (x1,y1) form group "
                      "0, the others group 1")
    oneway: bool = param(False, help="drop only messages from a lower to a higher group")
    rate: float = param(1.0, min=0.0, max=1.0,
                        help="probability that a message between groups is dropped")

    def check(self, nodes: int) -> None:
        if self.ids and self.by != "ids":
            raise ConfigError(f"{self.prefix()}.ids", self.ids, "is only used with by = 'ids'")
        if (self.by == "line") != bool(self.line):
            raise ConfigError(f"{self.prefix()}.line", self.line,
                              "is required with by = 'line' and only used with it")
        if self.by == "line":
            line_side(self, np.zeros((0, 2)))
        if self.by == "ids" and self.ids:
            group_ids(self, Topology.complete_graph(nodes), None)
        elif self.groups > nodes:
            raise ConfigError(f"{self.prefix()}.groups", self.groups,
                              f"must be at most nodes = {nodes}")

    def is_zero(self) -> bool:
        if self.by == "line":
            return self.rate == 0.0
        single = self.groups == 1 if not (self.by == "ids" and self.ids) else ";" not in self.ids
        return single or self.rate == 0.0


def line_side(p: PartitionParams, xy: np.ndarray) -> np.ndarray:
    """Group per point for ``by = "line"``: 0 left of the directed line (or on it), 1 right."""
    x0, y0, x1, y1 = parse_coordinates(f"{p.prefix()}.line", p.line, "two points of the line")
    if x0 == x1 and y0 == y1:
        raise ConfigError(f"{p.prefix()}.line", p.line, "the two points must differ")
    cross = (x1 - x0) * (xy[:, 1] - y0) - (y1 - y0) * (xy[:, 0] - x0)
    return (cross < 0).astype(np.int32)


def group_ids(p: PartitionParams, topology: Topology, rng: np.random.Generator | None
              ) -> np.ndarray:
    """The group of every node (int32), as the parameters say."""
    n, positions = topology.n, topology.positions
    if p.by == "line":
        return line_side(p, layout(topology))
    field = f"{p.prefix()}.ids"
    if p.by == "ids" and p.ids:
        groups = np.full(n, -1, np.int32)
        for g, part in enumerate(p.ids.split(";")):
            members = parse_id_ranges(field, part, n)
            if np.any(groups[members] >= 0):
                raise ConfigError(field, p.ids, f"group {g + 1} overlaps an earlier group")
            groups[members] = g
        missing = np.flatnonzero(groups < 0)
        if missing.size:
            raise ConfigError(field, p.ids, f"the groups must cover every node; {missing.size} "
                              f"are in none (first: {missing[0]})")
        return groups
    if p.by == "ids":
        return (np.arange(n, dtype=np.int64) * p.groups // n).astype(np.int32)
    if p.by == "position":
        if positions is None:
            raise ConfigError(f"{p.prefix()}.by", p.by,
                              "needs a topology with positions (geometric, grid, torus)")
        strip = np.floor(positions[:, 0] * p.groups).astype(np.int64)
        return np.clip(strip, 0, p.groups - 1).astype(np.int32)
    assert rng is not None
    groups = np.empty(n, np.int32)
    groups[rng.permutation(n)] = (np.arange(n, dtype=np.int64) * p.groups // n).astype(np.int32)
    return groups


class Partition(Fault):
    Params = PartitionParams
    transform_order = 10
    drop_counter = "dropped_partition"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        p = self.params
        groups = group_ids(p, self.topology, self.rng)
        # one byte per node when it fits: the cut test reads two random entries per message
        self.assignment = groups.astype(np.uint8) if groups.max(initial=0) < 256 else groups

    def acts_at_end(self) -> bool:
        return True

    def groups(self, t: int) -> np.ndarray | None:
        return self.assignment if self.params.active(t) and not self.params.is_zero() else None

    def perturb(self, state: SwarmState, t: int, protocol: Any, log: EventLog) -> None:
        p = self.params
        if p.is_zero():
            return
        if t == p.start:
            sizes = np.bincount(self.assignment, minlength=1)
            detail = f"{sizes.size} groups of " + ", ".join(map(str, sizes[:8]))
            if sizes.size > 8:
                detail += ", ..."
            log.add(t, self.label, "split" if not p.oneway else "split one-way",
                    state.n, detail)
        elif p.end is not None and t == p.end + 1:
            log.add(t, self.label, "heal", state.n)

    def transform(self, msgs: Messages, state: SwarmState, t: int, counters: Any) -> Messages:
        p = self.params
        if not len(msgs) or not p.active(t) or p.is_zero():
            return msgs
        u = self.uniforms(len(msgs)) if p.rate < 1.0 else self._uniforms.empty()
        m = keep_uncut(self.assignment, p.oneway, p.rate, u, *msgs.arrays())
        counters.dropped_partition += len(msgs) - m
        return msgs.prefix(m)
