# examples/swarm-example-plugin/swarm_example/gossip1.py
"""gossip1: probabilistic flooding, GOSSIP1(p, k) of Haas, Halpern & Li (2002), "Gossip-based
ad hoc routing" (IEEE INFOCOM).

One message starts at one node before round 1. A node decides once, in the round after it
first hears the message: it forwards it to all its neighbours with probability ``p`` (and
drops it otherwise); the nodes informed in the first ``k`` rounds forward it surely (with
``k = 1``, the default, only the origin). A node that is down when its turn comes never
forwards. Copies that reach an informed node are redundant. The run ends when nobody is
left to decide.

On a lattice the set of forwarders is a site percolation cluster, so coverage jumps from
almost nothing to almost everyone as ``p`` passes the threshold (about 0.59 on the square
lattice): the bimodal behaviour Haas et al. report.
"""

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

import swarm
from swarm.metrics import coverage_summary
from swarm_example import kernels

FLOOD = 0  # the one message kind: "here is the message"


# -- 1. the parameters -------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class Gossip1Params(swarm.ProtocolParams):
    name: ClassVar[str] = "gossip1"
    summary: ClassVar[str] = ("probabilistic flooding: a node forwards to all neighbours with "
                              "probability p, once (Haas et al. 2002)")

    p: float = swarm.param(0.65, min=0.0, max=1.0,
                           help="probability that a node forwards the message")
    k: int = swarm.param(1, min=0, max=1_000_000, units="rounds",
                         help="nodes informed before round k forward surely (1: the origin)")
    origin: int | None = swarm.param(None, min=0, optional=True,
                                     help="node that has the message before round 1 "
                                     "(none: uniform at random)")

    def check(self, nodes: int) -> None:
        if self.origin is not None and self.origin >= nodes:
            raise swarm.ConfigError("protocol.origin", self.origin,
                                    f"must be a node id in 0..{nodes - 1}")


# -- 2. the agent rule: one node at a time, plain Python ----------------------------------
class Gossip1Agent(swarm.NodeAgent):
    def on_round(self, t: int) -> None:
        model = self.model
        p = model.protocol.params
        heard = int(model.state.informed_round[self.idx])
        if heard != t - 1:
            return  # a node decides once: in the round after it first heard
        if heard >= p.k and model.draw() >= p.p:
            return  # declined (one double of the protocol stream per coin)
        for rank in range(self.degree):
            self.send(self.neighbour(rank), FLOOD, True)

    def on_message(self, src: int, kind: int, update: bool) -> bool:
        state = self.model.state
        if state.informed[self.idx] or state.informed_next[self.idx]:
            return False  # redundant
        state.informed_next[self.idx] = True  # informed from the end of this round
        return True


# -- 3. the protocol: the state and what both paths share --------------------------------
class Gossip1(swarm.Protocol):
    name = "gossip1"
    Params = Gossip1Params
    Agent = Gossip1Agent
    max_phases = 1  # no replies
    metric_names = ("informed", "coverage")

    def init_state(self, state, rng):
        n, origin = state.n, self.params.origin
        if origin is None:
            origin = int(rng.integers(n))  # the init stream
        state.add("informed", np.zeros(n, np.bool_))
        state.add("informed_next", np.zeros(n, np.bool_))
        state.add("informed_round", np.full(n, -1, np.int32))
        state.informed[origin] = True
        state.informed_round[origin] = 0

    # what both paths share
    def end_round(self, state, t):  # commit round t: who heard it now is informed
        new = state.informed_next
        state.informed_round[new] = t
        state.informed |= new
        new[:] = False

    def reset_nodes(self, state, nodes):  # back from a crash without its state
        state.informed[nodes] = False
        state.informed_next[nodes] = False
        state.informed_round[nodes] = -1

    def finished(self, state, row):
        return not np.any(state.informed_round == state.round)  # nobody left to decide

    def round_metrics(self, state):  # the columns of metric_names, each round
        informed = int(np.count_nonzero(state.informed & state.live))
        live = state.n_live
        return {"informed": informed, "coverage": informed / live if live else 0.0}

    def summarize(self, rounds):  # run.summary: rounds_to_full, coverage_final, ...
        return coverage_summary(rounds)

    # -- 4. the kernel path: the same rule over arrays, in Numba ------------------------------
    def send(self, state, t, rng):
        topo, p = self.topology, self.params
        coins, most = kernels.count_sends(state.informed_round, state.live, topo.indptr,
                                          topo.complete, t, p.k)
        u = self.uniforms(rng, coins)  # the very doubles the agents draw, in node order
        buf = self.buffer("send").reserve(most)
        m = kernels.send(state.informed_round, state.live, topo.indptr, topo.indices,
                         topo.complete, t, p.k, p.p, u, buf.src, buf.dst)
        buf.kind[:m] = FLOOD
        buf.update[:m] = True
        return buf.view(m)

    def receive(self, state, msgs, phase):
        useful = self.buffer(phase).reserve(len(msgs)).flag[:len(msgs)]
        kernels.receive(msgs.dst, state.informed, state.informed_next, useful)
        return None, useful  # None: no replies
