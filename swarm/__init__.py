"""swarm: gossip, failure detection, recovery and Byzantine behaviour in large swarms.

The public face::

    import swarm
    run = swarm.simulate(swarm.Scenario(nodes=10_000, protocol="push-pull"))
    run.rounds      # one row per round
    run.summary     # rounds_to_full, messages_per_node, ...

Submodules that the core does not need (``swarm.analysis``, ``swarm.plot``, ``swarm.theory``,
``swarm.layout``, ``swarm.literature``) load on first use, so ``import swarm`` then
``swarm.analysis.aggregate(frame)`` works without importing matplotlib up front.
"""

from __future__ import annotations

from swarm.agents import NodeAgent
from swarm.config import Scenario
from swarm.errors import ConfigError, SwarmError
from swarm.faults.base import Fault, FaultParams
from swarm.model import SwarmModel
from swarm.params import Params, ProtocolParams, TopologyParams, param
from swarm.protocols.base import Protocol
from swarm.protocols.spreading import PullParams, PushParams, PushPullParams
from swarm.registry import (
    FAULTS,
    PROTOCOLS,
    TOPOLOGIES,
    register_fault,
    register_protocol,
    register_topology,
)
from swarm.run import Run, read_run, simulate
from swarm.sweep import read_sweep, sweep
from swarm.topology import Topology, from_edges, from_networkx

__all__ = [
    "Scenario",
    "Params",
    "ProtocolParams",
    "TopologyParams",
    "PushParams",
    "PullParams",
    "PushPullParams",
    "simulate",
    "sweep",
    "read_sweep",
    "Run",
    "read_run",
    "SwarmModel",
    "NodeAgent",
    "Topology",
    "from_networkx",
    "from_edges",
    "PROTOCOLS",
    "TOPOLOGIES",
    "FAULTS",
    "register_protocol",
    "register_fault",
    "register_topology",
    "Protocol",
    "Fault",
    "FaultParams",
    "param",
    "ConfigError",
    "SwarmError",
]

__version__ = "0.1.0"

_LAZY_SUBMODULES = frozenset({"analysis", "plot", "theory", "layout", "literature"})


def __getattr__(name: str) -> object:
    """``swarm.analysis`` and the other optional submodules, imported when first used."""
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f"swarm.{name}")
    raise AttributeError(f"module 'swarm' has no attribute {name!r}")
