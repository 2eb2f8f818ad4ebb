"""Byzantine nodes: chosen nodes stop following the protocol from round ``start`` (and follow
it again after round ``end``, if set).

Which nodes: as for ``crash`` (a ``fraction`` at random or highest-degree first, named ``ids``,
or a ``region`` of the layout), chosen among the live nodes when the window opens. What they do
is the ``behaviour``:

- ``forge``: send a forged update (content the origin never wrote) in place of the real one;
- ``equivocate``: send different values to different peers;
- ``censor``: take part but never forward what they should (drop it silently);
- ``accuse``: in failure detection, declare live members failed.

The fault only marks the nodes: ``state.byzantine[i]`` is the behaviour's code (``BEHAVIOURS``
index + 1; 0 is honest). *How* a behaviour plays out is the protocol's business, because lying
is always lying about the protocol's own messages: each protocol lists the behaviours it
implements in ``Protocol.byzantine_behaviours`` and documents them in docs/protocols.md, and a
scenario asking a protocol for a behaviour it does not implement is refused when it is built.
With two Byzantine faults on one node, the later in label order decides its behaviour while
both act; when one window ends its nodes follow the faults still acting on them, or are
honest again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from swarm.errors import ConfigError
from swarm.faults.base import EventLog, Fault, SelectionParams, choose_nodes
from swarm.kernels.byzantine import ACCUSE, BEHAVIOURS, CENSOR, EQUIVOCATE, FORGE
from swarm.params import param
from swarm.state import SwarmState

__all__ = ["ByzantineParams", "Byzantine", "BEHAVIOURS", "FORGE", "EQUIVOCATE", "CENSOR",
           "ACCUSE", "behaviour_code", "mark"]



def behaviour_code(name: str) -> int:
    return BEHAVIOURS.index(name) + 1


def mark(state: SwarmState) -> None:
    """Derive ``state.byzantine`` from the Byzantine faults acting now
    (``state.byzantine_marks``): honest unless marked, and a node marked by two faults
    follows the later in label order — whichever opened or closed first."""
    state.byzantine[:] = 0
    for label in sorted(state.byzantine_marks):
        nodes, code = state.byzantine_marks[label]
        state.byzantine[nodes] = code


@dataclass(frozen=True, slots=True, kw_only=True)
class ByzantineParams(SelectionParams):
    name: ClassVar[str] = "byzantine"
    summary: ClassVar[str] = "nodes that lie: forge, equivocate, censor or accuse falsely"
    ZERO = {"fraction": 0.0}
    EXAMPLE = {"fraction": 0.2, "start": 2, "behaviour": "forge"}

    behaviour: str = param(
        "forge", choices=BEHAVIOURS,
        help="forge: send forged updates; equivocate: different values to different peers; "
             "censor: drop what they should forward; accuse: declare live members failed "
             "(failure detection)",
    )

    def check_protocol(self, protocol: Any, protocols: Mapping[str, Any]) -> None:
        if self.is_zero():
            return
        cls = protocols[protocol.name]
        if self.behaviour not in cls.byzantine_behaviours:
            able = sorted(name for name, p in protocols.items()
                          if self.behaviour in p.byzantine_behaviours)
            raise ConfigError(
                f"{self.prefix()}.behaviour", self.behaviour,
                f"protocol {protocol.name!r} does not implement it"
                + (f" (it implements: {', '.join(cls.byzantine_behaviours)})"
                   if cls.byzantine_behaviours else " (it implements no Byzantine behaviour)")
                + ("; protocols that do: " + ", ".join(able) if able else ""),
            )


class Byzantine(Fault):
    Params = ByzantineParams

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.nodes = np.empty(0, np.int64)

    def acts_at_end(self) -> bool:
        return True

    def perturb(self, state: SwarmState, t: int, protocol: Any, log: EventLog) -> None:
        p = self.params
        if t == p.start:
            self.nodes = choose_nodes(p, state, self.topology, self.rng)
            if self.nodes.size:
                state.byzantine_marks[self.label] = (self.nodes, behaviour_code(p.behaviour))
                mark(state)
                log.add(t, self.label, "byzantine", self.nodes.size, p.behaviour)
        elif p.end is not None and t == p.end + 1 and self.nodes.size:
            del state.byzantine_marks[self.label]
            mark(state)
            log.add(t, self.label, "honest", self.nodes.size, p.behaviour)
            self.nodes = np.empty(0, np.int64)
