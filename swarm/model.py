"""Mesa: ``SwarmModel(mesa.Model)`` and ``NodeAgent(mesa.Agent)``, views over one array state.

A ``NodeAgent`` owns no data: ``agent.idx`` is its row in ``model.state``, and protocol
agents read and write the state's arrays (``model.state.informed[self.idx]``). With
``engine="agents"`` every round runs the protocol's agent rule (plain Python, node by node);
with ``engine="kernels"`` the same model steps with the Numba kernels, so the dashboard can
switch paths on one state. Either way the run is the same for the same seed.
"""

from __future__ import annotations

import bisect
from typing import Any

import mesa
import numpy as np

from swarm.config import Scenario
from swarm.errors import ConfigError
from swarm.messages import Messages
from swarm.state import SwarmState
from swarm.topology import Topology

__all__ = ["NodeAgent", "SwarmModel", "AgentDriver", "ENGINES"]

ENGINES = ("kernels", "agents")


class NodeAgent(mesa.Agent):
    """One node. Subclasses (one per protocol) define ``on_round`` and ``on_message``."""

    def __init__(self, model: SwarmModel, idx: int) -> None:
        super().__init__(model)
        self.idx = idx

    def on_round(self, t: int) -> None:
        """Called at the start of round ``t`` if this node is live; send with ``self.send``."""

    def on_message(self, src: int, kind: int, update: bool) -> bool:
        """Called for each delivered message; True if it told this node something new."""
        return False

    def send(self, dst: int, kind: int, update: bool) -> None:
        self.model.driver.post(self.idx, dst, kind, update)

    def random_partners(self, k: int) -> list[int]:
        """``min(k, degree)`` distinct neighbours, uniformly at random, one double per pick
        from the protocol stream: pick ``j`` takes rank ``floor(u * (degree - j))`` among the
        ranks not yet chosen."""
        topo = self.model.topology
        rng = self.model.engine.rng
        d = topo.degree(self.idx)
        k = min(k, d)
        chosen_sorted: list[int] = []
        partners: list[int] = []
        for j in range(k):
            r = min(int(rng.random() * (d - j)), d - j - 1)
            for c in chosen_sorted:
                if c <= r:
                    r += 1
                else:
                    break
            bisect.insort(chosen_sorted, r)
            partners.append(topo.neighbour(self.idx, r))
        return partners

    def __repr__(self) -> str:
        return f"{type(self).__name__}(idx={self.idx})"


class AgentDriver:
    """The agent path: each round calls every live agent's ``on_round`` in node order, then
    delivers each message to its receiver's ``on_message`` in batch order."""

    def __init__(self, agents: list[NodeAgent]) -> None:
        self.agents = agents
        self._reset()

    def _reset(self) -> None:
        self._src: list[int] = []
        self._dst: list[int] = []
        self._kind: list[int] = []
        self._update: list[bool] = []

    def post(self, src: int, dst: int, kind: int, update: bool) -> None:
        self._src.append(src)
        self._dst.append(dst)
        self._kind.append(kind)
        self._update.append(update)

    def _take(self) -> Messages:
        msgs = Messages.from_lists(self._src, self._dst, self._kind, self._update)
        self._reset()
        return msgs

    def send(self, state: SwarmState, t: int, rng: np.random.Generator) -> Messages:
        self._reset()
        live = state.live.tolist()
        for agent in self.agents:
            if live[agent.idx]:
                agent.on_round(t)
        return self._take()

    def receive(
        self, state: SwarmState, msgs: Messages, phase: int
    ) -> tuple[Messages | None, np.ndarray]:
        self._reset()
        agents = self.agents
        useful = [
            agents[d].on_message(s, k, u)
            for s, d, k, u in zip(
                msgs.src.tolist(), msgs.dst.tolist(), msgs.kind.tolist(), msgs.update.tolist(),
                strict=True,
            )
        ]
        replies = self._take()
        return (replies if len(replies) else None), np.array(useful, dtype=np.bool_)


class SwarmModel(mesa.Model):
    """A Mesa model over one run: ``model.step()`` runs one round.

    ``engine="agents"`` builds one ``NodeAgent`` per node and runs the agent rules;
    ``engine="kernels"`` builds no agents unless ``build_agents=True`` (views for inspection).
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        engine: str = "agents",
        topology: Topology | None = None,
        build_agents: bool | None = None,
    ) -> None:
        from swarm.engine import Engine

        if engine not in ENGINES:
            raise ConfigError("engine", engine, "must be one of " + ", ".join(ENGINES))
        run_engine = Engine(scenario, topology=topology)
        super().__init__(rng=run_engine.streams["mesa"])
        self.engine = run_engine
        self.engine_name = engine
        if build_agents is None:
            build_agents = engine == "agents"
        agent_cls = run_engine.protocol.Agent
        self.node_agents: list[NodeAgent] = (
            [agent_cls(self, i) for i in range(scenario.nodes)] if build_agents else []
        )
        self.driver = AgentDriver(self.node_agents)
        if engine == "agents":
            run_engine.driver = self.driver
        self.running = not run_engine.done

    # Mesa's Model owns the name ``scenario`` (its own Scenario class): ours is
    # ``model.engine.scenario``.

    @property
    def state(self) -> SwarmState:
        return self.engine.state

    @property
    def topology(self) -> Topology:
        return self.engine.topology

    @property
    def protocol(self) -> Any:
        return self.engine.protocol

    def step(self) -> None:
        self.engine.step()
        self.running = not self.engine.done
