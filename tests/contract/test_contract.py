"""The contract tests over every registered protocol and fault: they live in the package
(``swarm/contract/``, so plugins can run them too) and are collected here."""

from swarm.contract.test_faults import *  # noqa: F403
from swarm.contract.test_protocols import *  # noqa: F403
