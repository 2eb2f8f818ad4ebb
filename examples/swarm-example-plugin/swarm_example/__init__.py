# examples/swarm-example-plugin/swarm_example/__init__.py
"""An example swarm plugin: the protocol ``gossip1`` and the fault ``slow-nodes``, found by
swarm through the entry points in pyproject.toml (docs/tutorial_protocol.md)."""
