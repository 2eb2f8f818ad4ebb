"""The contract tests, shipped with the package so a plugin can run them on itself.

``test_protocols.py`` and ``test_faults.py`` are pytest modules parametrized over every name in
``swarm.PROTOCOLS`` and ``swarm.FAULTS`` when they are imported: built-ins, entry-point plugins
of every installed package, and anything registered in code before the import. They assume
nothing about what a component computes, only the contract of ``swarm/protocols/base.py`` and
``swarm/faults/base.py`` (same seed same run, agent path == kernel path, n = 1 and n = 2,
dtypes kept; a fault at zero strength is no fault, ...).

Run them on an installed plugin (``-k`` keeps its own cases)::

    pytest --pyargs swarm.contract -k my-protocol

or from a test file of the plugin's own package (after registering in code, if it does)::

    from swarm.contract.test_protocols import *  # noqa: F403
    from swarm.contract.test_faults import *  # noqa: F403

swarm's own suite collects them the second way (``tests/contract/test_contract.py``). Nothing
here is imported by ``import swarm``; these modules need pytest.
"""
