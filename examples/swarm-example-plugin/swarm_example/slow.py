# examples/swarm-example-plugin/swarm_example/slow.py
"""slow-nodes: chosen nodes whose messages arrive late.

At the start of round ``start`` a ``fraction`` of the live nodes is chosen (or the nodes
given by ``select``, as for ``crash``). Every message such a node sends in rounds
``start..end``, requests and replies alike, is delivered ``rounds`` rounds late: in the
first phase of round ``t + rounds``, after that round's own messages. Messages still on
the way when the run ends are never delivered.
"""

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

import swarm
from swarm.faults.base import SelectionParams, choose_nodes


@dataclass(frozen=True, slots=True, kw_only=True)
class SlowNodesParams(SelectionParams):  # brings fraction, select, ids, region, start, end
    name: ClassVar[str] = "slow-nodes"
    summary: ClassVar[str] = "the messages of chosen nodes arrive whole rounds late"
    ZERO = {"fraction": 0.0}  # no node is slow: the run must be the run without the fault
    EXAMPLE = {"fraction": 0.3, "rounds": 2}

    rounds: int = swarm.param(1, min=1, max=10_000, units="rounds",
                              help="how many rounds late a slow node's messages arrive")


class SlowNodes(swarm.Fault):
    Params = SlowNodesParams
    transform_order = 40  # after partition (10), loss (20), latency (30)

    def __init__(self, *args):
        super().__init__(*args)
        self.slow = None  # bool per node, chosen at the start
        self.queue = {}  # round -> batches that arrive in it

    def perturb(self, state, t, protocol, log):
        p = self.params
        if t == p.start:
            chosen = choose_nodes(p, state, self.topology, self.rng)  # the fault's own stream
            self.slow = np.zeros(state.n, np.bool_)
            self.slow[chosen] = True
            if chosen.size:
                log.add(t, self.label, "slow", chosen.size, f"{p.rounds} rounds late")

    def transform(self, msgs, state, t, counters):
        if self.slow is None or not len(msgs) or not self.params.active(t):
            return msgs
        late = self.slow[msgs.src]
        if not late.any():
            return msgs
        arrive = t + self.params.rounds
        self.queue.setdefault(arrive, []).append(msgs.select(late))  # a copy: kept
        counters.delayed += int(np.count_nonzero(late))
        return msgs.select(~late)

    def arrivals(self, t):
        return self.queue.pop(t, [])

    def pending(self, t):
        return bool(self.queue) or super().pending(t)
