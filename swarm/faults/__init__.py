"""The faults: one file each (loss, latency, crash, churn, partition, byzantine).

``base.py`` holds the contract and how to add a fault; the registry of names (built-in and
plugin) is ``swarm.registry.FAULTS``, the timeline parser ``swarm.timeline``, and the set of
faults wired into one run ``swarm.engine.FaultSet``. This package's ``__init__`` imports
nothing, so loading one fault loads only what it needs.
"""
