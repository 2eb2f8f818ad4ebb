"""The protocols: one file each; ``base.py`` holds the contract and how to add one.

The registry of names (built-in and plugin) is ``swarm.registry.PROTOCOLS``. This package's
``__init__`` imports nothing, so loading one protocol loads only what it needs.
"""
