"""The protocol registry: a new protocol is one file here plus one line below."""

from __future__ import annotations

from swarm.protocols.aggregation import Averaging, PushSum
from swarm.protocols.agreement import Majority, Voter
from swarm.protocols.antientropy import AntiEntropy
from swarm.protocols.base import Protocol
from swarm.protocols.heartbeat import Heartbeat
from swarm.protocols.register import Register
from swarm.protocols.rumor import Rumor
from swarm.protocols.spreading import Pull, Push, PushPull
from swarm.protocols.swim import Swim

__all__ = ["PROTOCOLS", "Protocol"]

PROTOCOLS: dict[str, type[Protocol]] = {
    "push": Push,
    "pull": Pull,
    "push-pull": PushPull,
    "rumor": Rumor,
    "anti-entropy": AntiEntropy,
    "averaging": Averaging,
    "push-sum": PushSum,
    "majority": Majority,
    "voter": Voter,
    "swim": Swim,
    "heartbeat": Heartbeat,
    "register": Register,
}
