"""swarm: gossip, failure detection, recovery and Byzantine behaviour in large swarms.

The public face::

    import swarm
    run = swarm.simulate(swarm.Scenario(nodes=10_000, protocol="push-pull"))
    run.rounds      # one row per round
    run.summary     # rounds_to_full, messages_per_node, ...

Submodules that the core does not need (``swarm.analysis``, ``swarm.plot``, ``swarm.theory``,
``swarm.layout``, ``swarm.literature``) and ``swarm.SwarmModel`` (Mesa) load on first use,
so ``import swarm`` then ``swarm.analysis.aggregate(frame)`` works without importing
matplotlib (or Mesa) up front.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from swarm.config import Scenario
from swarm.errors import ConfigError, SwarmError
from swarm.params import Params, ProtocolParams, TopologyParams, param
from swarm.registry import (
    FAULTS,
    PROTOCOLS,
    TOPOLOGIES,
    register_fault,
    register_protocol,
    register_topology,
)
from swarm.sweep import read_sweep, sweep  # eager: the function must shadow the module

if TYPE_CHECKING:
    from swarm.agents import NodeAgent
    from swarm.faults.base import Fault, FaultParams
    from swarm.model import SwarmModel
    from swarm.protocols.base import Protocol
    from swarm.protocols.spreading import PullParams, PushParams, PushPullParams
    from swarm.run import Run, read_run, simulate
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


#: public names whose module loads on first use, so ``import swarm`` stays light (no Numba,
#: pandas or Mesa: ``Scenario(...)`` loads its protocol, ``simulate`` the engine, and
#: ``SwarmModel`` Mesa, with pandas, scipy and networkx, about a second)
_LAZY_NAMES = {
    "simulate": "swarm.run", "Run": "swarm.run", "read_run": "swarm.run",
    "SwarmModel": "swarm.model", "NodeAgent": "swarm.agents",
    "Protocol": "swarm.protocols.base", "Fault": "swarm.faults.base",
    "FaultParams": "swarm.faults.base", "PushParams": "swarm.protocols.spreading",
    "PullParams": "swarm.protocols.spreading", "PushPullParams": "swarm.protocols.spreading",
    "Topology": "swarm.topology", "from_edges": "swarm.topology",
    "from_networkx": "swarm.topology",
}


def __getattr__(name: str) -> object:
    """``swarm.analysis`` and the other optional submodules, and ``swarm.SwarmModel``,
    imported when first used."""
    import importlib

    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"swarm.{name}")
    if name in _LAZY_NAMES:
        value = getattr(importlib.import_module(_LAZY_NAMES[name]), name)
        globals()[name] = value  # found directly from now on
        return value
    raise AttributeError(f"module 'swarm' has no attribute {name!r}")
