"""The fault contract — and how to add a fault.

A fault is one file in ``swarm/faults/`` and one line in ``_BUILTIN_FAULTS``
(``swarm/registry.py``); one from outside the package registers by entry point or
``swarm.register_fault``. The contract tests then check, with no new test code, that the
fault at zero strength gives a run bit-identical to no fault.

A fault file holds:

1. **Params**: a ``@dataclass(frozen=True, slots=True, kw_only=True)`` subclass of
   :class:`FaultParams` (which brings the window ``start`` / ``end``) with ``name`` set to the
   registry name; fields declared with :func:`swarm.params.param`. ``is_zero()`` says when the
   fault has no effect at all (loss rate 0, one partition group, ...).
2. **The fault**: a :class:`Fault` subclass. Node-level faults override ``perturb`` (called at
   the start of every round, before any node sends: crash, recover, churn); message-level
   faults override ``transform`` (called on every batch in flight: loss, partitions, latency).

Rules that keep runs reproducible and comparable:

- a fault draws only from its own stream, ``rng`` (named ``fault.<label>``), so adding a fault
  never changes the draws of the protocol or of another fault;
- a fault never knows the protocol: it changes ``state.live`` (and asks the protocol to forget
  a node's state through ``protocol.reset_nodes``) or drops / delays messages;
- a fault records what it did with ``log.add(...)``; these rows are ``run.events``;
- drops are counted by cause (``dropped_loss``, ``dropped_partition``, ``dropped_down``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from swarm.errors import ConfigError
from swarm.messages import Messages
from swarm.params import Params, param
from swarm.rng import UniformBuffer
from swarm.state import SwarmState

if TYPE_CHECKING:
    from swarm.topology import Topology

__all__ = ["FaultParams", "SelectionParams", "Fault", "EventLog", "choose_nodes",
           "parse_id_ranges", "parse_coordinates"]


@dataclass(frozen=True, slots=True, kw_only=True)
class FaultParams(Params):
    """Base of every fault's parameters: the window of rounds in which it is active."""

    kind: ClassVar[str] = "faults"
    #: parameters that give this fault zero strength (the contract tests check the identity)
    ZERO: ClassVar[dict[str, Any]] = {}
    #: a typical non-zero configuration for a 100-node run (used by the contract tests)
    EXAMPLE: ClassVar[dict[str, Any]] = {}

    start: int = param(1, min=1, units="round", help="first round in which the fault acts")
    end: int | None = param(
        None, min=1, optional=True, units="round",
        help="last round in which it acts (none: until the run ends); after it crashed nodes "
        "recover, partitions heal and Byzantine nodes are honest again",
    )

    def __post_init__(self) -> None:
        Params.__post_init__(self)
        if self.end is not None and self.end < self.start:
            raise ConfigError(
                f"{self.prefix()}.end", self.end,
                f"must be >= start = {self.start} (a window cannot end before it starts)",
            )

    def prefix(self) -> str:
        return f"faults.{self.name}"

    def is_zero(self) -> bool:
        """True when the fault cannot change anything (its zero strength)."""
        return False

    def check_protocol(self, protocol: Any, protocols: Mapping[str, Any]) -> None:
        """Refuse a protocol this fault cannot act on (``protocol``: its params; ``protocols``:
        every protocol class by name, to suggest others); called when the scenario is
        built."""

    def active(self, t: int) -> bool:
        return self.start <= t and (self.end is None or t <= self.end)

    def overlaps(self, other: FaultParams) -> bool:
        a_end = self.end if self.end is not None else float("inf")
        b_end = other.end if other.end is not None else float("inf")
        return self.start <= b_end and other.start <= a_end


@dataclass(frozen=True, slots=True, kw_only=True)
class SelectionParams(FaultParams):
    """Base of the faults that act on chosen nodes (crash, byzantine): which nodes."""

    fraction: float = param(0.1, min=0.0, max=1.0,
                            help="fraction of all nodes chosen (select = random, highest-degree)")
    select: str = param("random", choices=("random", "highest-degree", "ids", "region"),
                        help="which live nodes: uniformly at random, the highest-degree first "
                        "(ties by id), the listed ids, or those inside a region of the layout")
    ids: str = param("", help="node ids for select = 'ids', e.g. '0-9,15'")
    region: str = param("", help="with select = 'region': the rectangle 'x0,y0,x1,y1' of the "
                        "layout (0..1 each) whose live nodes are chosen")

    def check(self, nodes: int) -> None:
        if self.select == "ids":
            parse_id_ranges(f"{self.prefix()}.ids", self.ids, nodes)
        elif self.ids:
            raise ConfigError(f"{self.prefix()}.ids", self.ids,
                              "is only used with select = 'ids'")
        if (self.select == "region") != bool(self.region):
            raise ConfigError(f"{self.prefix()}.region", self.region,
                              "is required with select = 'region' and only used with it")
        if self.region:
            self.rectangle()

    def is_zero(self) -> bool:
        return self.select not in ("ids", "region") and self.fraction == 0.0

    def rectangle(self) -> tuple[float, float, float, float]:
        """``region`` as (x_min, y_min, x_max, y_max)."""
        x0, y0, x1, y1 = parse_coordinates(f"{self.prefix()}.region", self.region,
                                           "two corners of the rectangle")
        return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)

    def count(self, nodes: int) -> int:
        return int(round(self.fraction * nodes))


def choose_nodes(p: SelectionParams, state: SwarmState, topology: Topology,
                 rng: np.random.Generator) -> np.ndarray:
    """The live nodes ``p`` selects, sorted (``random`` draws from ``rng``, the fault's
    stream)."""
    if p.select == "ids":
        ids = parse_id_ranges(f"{p.prefix()}.ids", p.ids, state.n)
        return ids[state.live[ids]]
    if p.select == "region":
        x0, y0, x1, y1 = p.rectangle()
        from swarm.layout import layout  # a region needs the layout (and the graph)

        xy = layout(topology)
        inside = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
        return np.flatnonzero(inside & state.live)
    live = np.flatnonzero(state.live)
    k = min(p.count(state.n), live.size)
    if p.select == "random":
        return np.sort(rng.choice(live, size=k, replace=False))
    degrees = topology.degrees()[live]
    order = np.lexsort((live, -degrees))  # highest degree first, ties by id
    return np.sort(live[order[:k]])


class EventLog:
    """What faults did, one row per event (``run.events``), with the columns
    ``EventLog.COLUMNS`` (protocols may annotate more)."""

    __slots__ = ("rows",)
    COLUMNS: ClassVar[tuple[str, ...]] = ("round", "fault", "event", "nodes", "detail")

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, t: int, fault: str, event: str, nodes: int = 0, detail: str = "") -> None:
        self.rows.append({"round": t, "fault": fault, "event": event, "nodes": int(nodes),
                          "detail": detail})

    @classmethod
    def frame(cls, rows: list[dict[str, Any]], columns: list[str] | None = None) -> Any:
        """Event rows as a DataFrame: ``COLUMNS`` first (``round`` and ``nodes`` int64), then
        any a protocol added, in ``columns`` order; an added column of counts (ints or
        missing) is nullable Int64. The engine and ``read_run`` both build ``run.events``
        here, so a run read back from Parquet has the same frame."""
        import pandas as pd

        base = list(cls.COLUMNS)
        names = list(dict.fromkeys([*(columns or base), *base, *(k for r in rows for k in r)]))
        frame = pd.DataFrame(rows, columns=names)
        for col in ("round", "nodes"):
            frame[col] = frame[col].astype(np.int64)
        for col in names:
            values = [row.get(col) for row in rows]
            if col not in base and all(
                    v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in values):
                frame[col] = pd.array(values, dtype="Int64")
        return frame


class Fault:
    """Runtime side of a fault. One instance per scenario entry, per run."""

    Params: ClassVar[type[FaultParams]]
    #: counter that this fault's drops go to, e.g. "dropped_loss"
    drop_counter: ClassVar[str | None] = None
    #: where a message-level fault (one that overrides ``transform``) acts among the others
    #: in a round, lowest first: partition 10, loss 20, latency 30; the order decides the
    #: cause a drop is counted under (a message cut by a partition is never lost as well)
    transform_order: ClassVar[int] = 50

    def __init__(
        self, label: str, params: FaultParams, topology: Topology, rng: np.random.Generator
    ) -> None:
        self.label = label
        self.params = params
        self.topology = topology
        self.rng = rng
        self._uniforms = UniformBuffer()

    def uniforms(self, k: int) -> np.ndarray:
        """``k`` doubles from this fault's stream, in a reused buffer (valid until the next
        call)."""
        return self._uniforms.draw(self.rng, k)

    def perturb(self, state: SwarmState, t: int, protocol: Any, log: EventLog) -> None:
        """Node-level change at the start of round ``t`` (before any node sends)."""

    def transform(self, msgs: Messages, state: SwarmState, t: int, counters: Any) -> Messages:
        """Message-level change to a batch sent in round ``t``; return what goes on."""
        return msgs

    def arrivals(self, t: int) -> list[Messages]:
        """Batches this fault held back in earlier rounds that arrive in round ``t``
        (delays); the engine delivers them with round ``t``'s messages."""
        return []

    def pending(self, t: int) -> bool:
        """True if this fault will still change the state after round ``t``."""
        p = self.params
        return p.start > t or (p.end is not None and p.end >= t and self.acts_at_end())

    def acts_at_end(self) -> bool:
        """True if the end of the window changes something (recover, heal)."""
        return False

    def groups(self, t: int) -> np.ndarray | None:
        """Group id per node while this fault separates groups (partitions); else None."""
        return None


def parse_id_ranges(field: str, text: str, n: int) -> np.ndarray:
    """``"0-9,15,20-29"`` -> the sorted unique node ids; each must be in 0..n-1."""
    ids: list[np.ndarray] = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        lo, dash, hi = part.partition("-")
        try:
            a = int(lo)
            b = int(hi) if dash else a
        except ValueError:
            raise ConfigError(field, text, f"{part!r} is not a node id or a range like 10-19"
                              ) from None
        if not (0 <= a <= b < n):
            raise ConfigError(field, text, f"range {part!r} is not within 0..{n - 1}")
        ids.append(np.arange(a, b + 1, dtype=np.int64))
    if not ids:
        raise ConfigError(field, text, "must list node ids, e.g. '0-9,15'")
    return np.unique(np.concatenate(ids))


def parse_coordinates(field: str, text: str, what: str) -> tuple[float, float, float, float]:
    """``"x0,y0,x1,y1"`` (layout coordinates, see ``swarm.layout``) -> four floats; ``what``
    names them in the error, e.g. "two points of the line"."""
    parts = text.replace(" ", "").split(",")
    try:
        values = tuple(float(v) for v in parts)
    except ValueError:
        values = ()
    if len(values) != 4 or not all(np.isfinite(values)):
        raise ConfigError(field, text, f"must be 'x0,y0,x1,y1': {what}, four numbers")
    return values  # type: ignore[return-value]
