"""Aggregation kernels against plain references; parameters; restart; theory tables."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import swarm
from swarm import Scenario
from swarm.errors import ConfigError
from swarm.kernels import aggregation as k
from swarm.protocols.aggregation import AveragingParams, variance_factor
from swarm.theory import JELASITY_FACTOR, averaging_variance_factor, push_sum_potential_factor


def reference_exchanges(src, dst, kind, value):
    """Averaging's receive, one message at a time in plain Python."""
    value = [float(v) for v in value]
    replies, useful = [], []
    for s, d, kd in zip(src, dst, kind, strict=True):
        if kd == k.REQUEST:
            replies.append((d, s))
            useful.append(False)
        else:
            a, b = value[d], value[s]
            mean = (a + b) * 0.5
            value[d] = value[s] = mean
            useful.append(mean != a or mean != b)
    return value, replies, useful


def test_exchange_receive_matches_the_reference():
    rng = np.random.default_rng(3)
    n, m = 50, 400
    src = rng.integers(0, n, m).astype(np.int32)
    dst = rng.integers(0, n, m).astype(np.int32)
    kind = rng.choice([k.REQUEST, k.ANSWER], m).astype(np.uint8)
    value = rng.integers(1, 101, n).astype(np.float64)
    expected, replies, useful = reference_exchanges(src, dst, kind, value)
    flag = np.empty(m, np.bool_)
    rs, rd = np.empty(m, np.int32), np.empty(m, np.int32)
    r = k.exchange_receive(src, dst, kind, value, flag, rs, rd)
    assert value.tolist() == expected
    assert list(zip(rs[:r].tolist(), rd[:r].tolist(), strict=True)) == replies
    assert flag.tolist() == useful


def test_share_receive_and_halving_match_the_reference():
    rng = np.random.default_rng(4)
    n, m = 30, 200
    src = rng.integers(0, n, m).astype(np.int32)
    dst = rng.integers(0, n, m).astype(np.int32)
    s, w = rng.random(n) * 100, rng.random(n) + 0.5
    s_next, w_next = s.copy(), w.copy()
    k.halve_senders(src, s, w, s_next, w_next)
    flag = np.empty(m, np.bool_)
    k.share_receive(src, dst, s, w, s_next, w_next, flag)
    ref_s, ref_w = s.tolist(), w.tolist()
    for j in src:
        ref_s[j], ref_w[j] = s[j] * 0.5, w[j] * 0.5
    for j, d in zip(src, dst, strict=True):
        ref_s[d] += s[j] * 0.5
        ref_w[d] += w[j] * 0.5
    assert s_next.tolist() == ref_s and w_next.tolist() == ref_w and flag.all()


def test_estimate_metrics_match_numpy():
    rng = np.random.default_rng(5)
    num, den = rng.random(1000) * 100, rng.random(1000) + 0.5
    live = rng.random(1000) < 0.8
    for ratio in (False, True):
        x = (num / den if ratio else num)[live]
        n_live, mean, var, err, apart = k.estimate_metrics(num, den, ratio, live, 40.0)
        assert n_live == live.sum()
        assert mean == pytest.approx(x.mean(), rel=1e-12)
        assert var == pytest.approx(x.var(), rel=1e-10)
        assert err == pytest.approx(np.abs(x - 40.0).max() / 40.0, rel=1e-12)
        assert apart == pytest.approx(np.abs(x - x.mean()).max() / 40.0, rel=1e-12)
    assert k.estimate_metrics(num, den, False, np.zeros(1000, np.bool_), 1.0) == (0, 0, 0, 0, 0)


def test_error_bands():
    x = np.array([100.0, 89.0, 91.0, 98.9, 99.5, 101.0, 130.0])
    codes = k.error_bands(x, x, False, 100.0, np.array([0.10, 0.01]))
    assert codes.tolist() == [2, 0, 1, 1, 2, 2, 0]


def test_value_range_is_checked():
    with pytest.raises(ConfigError,
                       match=r"protocol.value_max = 3: must be >= protocol.value_min = 5"):
        AveragingParams(value_min=5, value_max=3)
    with pytest.raises(ConfigError, match="protocol.value_min = 0"):
        Scenario.from_dict({"protocol": "push-sum", "protocol.value_min": 0})
    with pytest.raises(ConfigError, match="protocol.tolerance"):
        Scenario.from_dict({"protocol": "averaging", "protocol.tolerance": 2.0})


@pytest.mark.parametrize("protocol", ["averaging", "push-sum"])
def test_initial_values_and_restart(protocol):
    s = Scenario.from_dict({"nodes": 500, "protocol": protocol, "seed": 1,
                            "protocol.value_min": 3, "protocol.value_max": 7,
                            "max_rounds": 100})
    run = swarm.simulate(s)
    init = run.state.initial
    assert init.min() >= 3 and init.max() <= 7 and np.all(init == np.round(init))
    assert run.summary["target"] == pytest.approx(init.mean())
    assert run.summary["rounds_to_converge"] is not None
    # a crash that wipes state: the restarted nodes hold their own initial value again
    from swarm.engine import Engine

    engine = Engine(s)
    for _ in range(5):
        engine.step()
    nodes = np.array([0, 7, 9])
    engine.protocol.reset_nodes(engine.state, nodes)
    est = engine.state.value if protocol == "averaging" else engine.state.s / engine.state.w
    assert np.array_equal(est[nodes], init[nodes])


def test_variance_factor_helper():
    v = 100.0 * 0.25 ** np.arange(12)
    assert variance_factor(v) == pytest.approx(0.25)
    assert variance_factor(np.array([0.0, 0.0])) is None
    # rounds after the variance fell below the floor are left out
    v2 = np.concatenate([v[:3], [v[2] * 1e-30, v[2] * 1e-30]])
    assert variance_factor(v2) == pytest.approx(np.exp(np.log([0.25, 0.25, 1e-30]).mean()))


def test_averaging_factor_table():
    assert averaging_variance_factor(1) == 1.0
    assert averaging_variance_factor(2) == pytest.approx(0.25)  # phi = 2: each calls the other
    assert averaging_variance_factor(1e9) == pytest.approx(JELASITY_FACTOR, rel=1e-8)
    assert JELASITY_FACTOR == pytest.approx(1 / (2 * np.sqrt(np.e)))
    assert averaging_variance_factor(10**6, 0.0) == 1.0
    with pytest.raises(ConfigError, match="p_exchange"):
        averaging_variance_factor(10, 1.5)


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_push_sum_factor_by_enumeration(n):
    """Every joint choice of targets ((n - 1)^n of them, equally likely), for a random ``y``
    with sum 0: the mean of sum(y'^2) is the factor times sum(y^2), to rounding."""
    rng = np.random.default_rng(n)
    y = rng.normal(size=n)
    y -= y.mean()
    total = 0.0
    choices = [[j for j in range(n) if j != i] for i in range(n)]
    for targets in itertools.product(*choices):
        nxt = y / 2
        for i, j in enumerate(targets):
            nxt[j] += y[i] / 2
        total += np.sum(nxt ** 2)
    mean = total / (n - 1) ** n
    assert mean == pytest.approx(push_sum_potential_factor(n) * np.sum(y ** 2), rel=1e-12)
