"""swarm: gossip, failure detection, recovery and Byzantine behaviour in large swarms.

The public face::

    import swarm
    run = swarm.simulate(swarm.Scenario(nodes=10_000, protocol="push-pull"))
    run.rounds      # one row per round
    run.summary     # rounds_to_full, messages_per_node, ...
"""

from __future__ import annotations

from swarm.config import Params, ProtocolParams, Scenario, TopologyParams
from swarm.errors import ConfigError, SwarmError
from swarm.model import NodeAgent, SwarmModel
from swarm.protocols import PROTOCOLS
from swarm.protocols.spreading import PullParams, PushParams, PushPullParams
from swarm.run import Run, read_run, simulate
from swarm.sweep import read_sweep, sweep
from swarm.topology import TOPOLOGIES, Topology, from_edges, from_networkx

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
    "ConfigError",
    "SwarmError",
]

__version__ = "0.1.0"
