# examples/swarm-example-plugin/tests/test_contract.py
"""swarm's contract tests, run on this package (conftest.py keeps our cases): same seed
same run, agent path == kernel path, one and two nodes, dtypes kept; slow-nodes at
fraction 0 is no fault; both under every fault and protocol installed."""

from swarm.contract.test_faults import *  # noqa: F403
from swarm.contract.test_protocols import *  # noqa: F403
