"""Mesa: ``SwarmModel(mesa.Model)`` and its agents, views over one array state.

Each agent is the protocol's agent rule (a ``swarm.agents.NodeAgent`` subclass) with
``mesa.Agent`` mixed in (:func:`mesa_agent_class`), so Mesa loads with the model only.

A ``NodeAgent`` owns no data: ``agent.idx`` is its row in ``model.state``, and protocol
agents read and write the state's arrays (``model.state.informed[self.idx]``). With
``engine="agents"`` every round runs the protocol's agent rule (plain Python, node by node);
with ``engine="kernels"`` the same model steps with the Numba kernels, so the dashboard can
switch paths on one state. Either way the run is the same for the same seed.

``SwarmModel`` also takes what Mesa's tools pass: ``mesa.batch_run(SwarmModel, parameters=
{"nodes": 500, "protocol.fanout": [1, 2]}, rng=[1, 2])`` and ``SolaraViz(SwarmModel(...),
model_params=...)`` (parameters as keyword arguments, dotted keys included; ``rng`` or
``seed``; on reset, a Mesa ``Scenario``), and keeps a ``datacollector`` with one model
variable per round column. Mesa's ``rng`` / ``seed`` becomes the scenario's seed, so a run
still has one seed and swarm's named streams (see :func:`seed_from`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import mesa
import numpy as np

from swarm.agents import AgentDriver, NodeAgent
from swarm.config import Scenario
from swarm.engine import ENGINES
from swarm.errors import ConfigError
from swarm.rng import DoubleStream
from swarm.state import SwarmState
from swarm.topology import Topology

__all__ = ["NodeAgent", "SwarmModel", "ENGINES", "seed_from", "mesa_agent_class"]



@functools.cache
def mesa_agent_class(rule: type[NodeAgent]) -> type:
    """The protocol's agent rule as a Mesa agent: a subclass of ``rule`` and ``mesa.Agent``
    (same name and module), made once per rule. ``swarm.agents`` leaves Mesa out so a
    protocol loads without it; the model is where Mesa comes in."""
    if issubclass(rule, mesa.Agent):
        return rule
    return type(rule.__name__, (rule, mesa.Agent),
                {"__module__": rule.__module__, "__qualname__": rule.__qualname__,
                 "__doc__": rule.__doc__})


SEED_MAX = 2**63 - 1  # the scenario's seed range is 0..SEED_MAX


class _ScenarioSeed:
    """The default of ``rng`` / ``seed``: the scenario's own seed (not Mesa's None, which
    means fresh entropy)."""

    def __repr__(self) -> str:
        return "<the scenario's seed>"


SCENARIO_SEED: Any = _ScenarioSeed()


def seed_from(value: Any, field: str = "rng") -> int:
    """The scenario seed for a Mesa ``rng`` / ``seed`` value: an integer is the seed itself;
    ``None`` (Mesa: "entropy from the operating system"; what ``batch_run(iterations=k)``
    passes) draws a fresh one from the OS; a ``SeedSequence``, a sequence of integers (made
    one) or a numpy ``Generator`` / ``BitGenerator`` gives one 63-bit draw. The result is
    recorded in the scenario (``model.engine.scenario.seed``), so every run is reproducible."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        if not 0 <= int(value) <= SEED_MAX:
            raise ConfigError(field, int(value), f"must be an integer in 0..{SEED_MAX}")
        return int(value)
    if value is None:
        value = np.random.SeedSequence()
    elif (isinstance(value, Sequence) and not isinstance(value, (str, bytes)) and value
          and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)):
        value = np.random.SeedSequence([int(v) for v in value])
    if isinstance(value, np.random.SeedSequence):
        return int(value.generate_state(1, np.uint64)[0] >> np.uint64(1))
    if isinstance(value, np.random.BitGenerator):
        value = np.random.Generator(value)
    if isinstance(value, np.random.Generator):
        return int(value.integers(0, SEED_MAX, endpoint=True))
    raise ConfigError(field, value, "must be an integer seed, None (a fresh seed from the OS), "
                      "a SeedSequence, a sequence of integers or a numpy Generator")


def _base_scenario(scenario: Any, params: dict[str, Any]) -> tuple[Scenario, Any]:
    """(the swarm Scenario, the rng a Mesa Scenario carried or SCENARIO_SEED)."""
    from mesa.experimental.scenarios import Scenario as MesaScenario

    carried = SCENARIO_SEED
    if isinstance(scenario, MesaScenario):  # SolaraViz's reset passes one
        mesa_params = {k: v for k, v in vars(scenario).items() if k != "rng"}
        if scenario.rng is not None:
            carried = scenario.rng
        params = {**mesa_params, **params}
        scenario = None
    if scenario is None:
        base = Scenario()
    elif isinstance(scenario, Scenario):
        base = scenario
    elif isinstance(scenario, Mapping):
        base = Scenario.from_dict(scenario)
    else:
        raise ConfigError("scenario", type(scenario).__name__, "must be a swarm Scenario, a "
                          "dict of dotted keys or a Mesa Scenario")
    return (base.replace(params) if params else base), carried


class SwarmModel(mesa.Model):
    """A Mesa model over one run: ``model.step()`` runs one round.

    ``engine="agents"`` builds one ``NodeAgent`` per node and runs the agent rules;
    ``engine="kernels"`` builds no agents unless ``build_agents=True`` (views for inspection).

    The scenario is ``scenario`` (a Scenario, a dict of dotted keys, or none for the
    defaults) updated with ``params``, keyword arguments in dotted-key form as
    ``Scenario.replace`` takes them: ``SwarmModel(nodes=500, protocol="push-pull",
    **{"protocol.fanout": 2})`` — what ``mesa.batch_run`` and SolaraViz pass. ``seed`` (or
    Mesa's ``rng``) replaces the scenario's seed, mapped by :func:`seed_from`; not given, the
    scenario's seed stands. ``datacollector`` records the round row (``model.engine.rows``;
    the columns the run has at round 0) and the run's ``seed`` after every round.
    """

    def __init__(
        self,
        scenario: Scenario | Mapping[str, Any] | None = None,
        *,
        engine: str = "agents",
        topology: Topology | None = None,
        build_agents: bool | None = None,
        seed: Any = SCENARIO_SEED,
        rng: Any = SCENARIO_SEED,
        **params: Any,
    ) -> None:
        from swarm.engine import Engine

        if engine not in ENGINES:
            raise ConfigError("engine", engine, "must be one of " + ", ".join(ENGINES))
        scenario, carried = _base_scenario(scenario, params)
        given = [(name, value) for name, value in (("seed", seed), ("rng", rng),
                                                   ("scenario.rng", carried))
                 if value is not SCENARIO_SEED]
        if given:
            seeds = {name: seed_from(value, name) for name, value in given}
            if len(set(seeds.values())) > 1:
                raise ConfigError(given[0][0], given[0][1], "gives another seed than "
                                  + ", ".join(f"{k} = {v!r}" for k, v in given[1:])
                                  + "; give one of them")
            scenario = scenario.replace({"seed": next(iter(seeds.values()))})
        run_engine = Engine(scenario, topology=topology)
        scenario = run_engine.scenario
        super().__init__(rng=run_engine.streams["mesa"])
        from mesa.experimental.scenarios import Scenario as MesaScenario

        # Mesa's own record of the model: the swarm seed and the flat scenario, so
        # ``type(model)(scenario=model.scenario)`` builds the same run
        flat = scenario.to_dict()
        self.scenario = MesaScenario(rng=flat.pop("seed"), **flat)
        self.engine = run_engine
        self.engine_name = engine
        #: one double from the protocol stream per call (what ``random_partners`` draws);
        #: drawn in blocks, synced back into the Generator after every send phase
        self.draw = DoubleStream(run_engine.rng)
        if build_agents is None:
            build_agents = engine == "agents"
        agent_cls = run_engine.protocol.Agent
        #: views: plain attributes, read by every agent every round
        self.state: SwarmState = run_engine.state
        self.topology: Topology = run_engine.topology
        self.protocol: Any = run_engine.protocol
        self.outbox: list[tuple[int, int, int, bool]] = []
        if build_agents:
            agent_cls = mesa_agent_class(agent_cls)
        self.node_agents: list[NodeAgent] = (
            [agent_cls(self, i) for i in range(scenario.nodes)] if build_agents else []
        )
        protocol = run_engine.protocol
        self.driver = AgentDriver(
            self.node_agents, self.outbox, self.draw, protocol.phase_timers,
            run_engine.streams.counter("protocol") if protocol.counter_draws else None)
        if engine == "agents":
            run_engine.driver = self.driver
        self.running = not run_engine.done
        reporters: dict[str, Any] = {"seed": lambda m: m.engine.scenario.seed}
        for column in run_engine.rows[0]:
            reporters[column] = lambda m, c=column: m.engine.rows[-1].get(c, 0)
        self.datacollector = mesa.DataCollector(model_reporters=reporters)
        self.datacollector.collect(self)

    # Mesa's Model owns the name ``scenario`` (its own Scenario class, which SwarmModel fills
    # with the swarm seed and the flat scenario): ours is ``model.engine.scenario``.

    def step(self) -> None:
        if self.engine.step():
            self.datacollector.collect(self)
        self.running = not self.engine.done
