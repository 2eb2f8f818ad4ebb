# examples/swarm-example-plugin/tests/conftest.py
"""Keep only our own cases of swarm's contract tests.

``test_contract.py`` imports swarm's contract tests, which are parametrized over every
protocol and fault installed; the ones that name neither of ours test swarm itself (its own
suite runs them), so they are deselected here. A case that pairs one of ours with a built-in
(``slow-nodes`` under ``push-pull``, ``gossip1`` under ``crash``) is kept.
"""

OURS = {"gossip1", "slow-nodes"}


def pytest_collection_modifyitems(config, items):
    keep, drop = [], []
    for item in items:
        from_swarm = getattr(item, "function", None) is not None and \
            item.function.__module__.startswith("swarm.contract.")
        spec = getattr(item, "callspec", None)
        values = spec.params.values() if spec else ()
        ours = any(isinstance(v, str) and v in OURS for v in values)
        (drop if from_swarm and not ours else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
