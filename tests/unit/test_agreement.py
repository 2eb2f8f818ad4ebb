"""Agreement kernels against plain references; parameters; restart; theory tables."""

from __future__ import annotations

import numpy as np
import pytest

import swarm
from swarm import Scenario
from swarm.engine import Engine
from swarm.errors import ConfigError
from swarm.kernels import agreement as k
from swarm.theory import (
    majority_consensus_rounds,
    majority_drift,
    majority_next,
    voter_consensus_rounds,
)


def reference_commit(opinion, votes, ones, count_own, coins):
    """The end-of-round rule, one node at a time in plain Python."""
    out, c = [], 0
    for o, v, x in zip(opinion.tolist(), votes.tolist(), ones.tolist(), strict=True):
        if v == 0:
            out.append(o)
            continue
        total, yes = v + count_own, x + (o if count_own else 0)
        if 2 * yes > total:
            out.append(1)
        elif 2 * yes < total:
            out.append(0)
        else:
            out.append(1 if coins[c] < 0.5 else 0)
            c += 1
    return out, c


@pytest.mark.parametrize("count_own", [False, True])
def test_commit_matches_the_reference(count_own):
    rng = np.random.default_rng(1)
    n = 2000
    opinion = rng.integers(0, 2, n).astype(np.uint8)
    votes = rng.integers(0, 5, n).astype(np.int32)
    ones = np.minimum(rng.integers(0, 5, n), votes).astype(np.int32)
    live = rng.random(n) < 0.9
    honest = np.zeros(n, np.uint8)
    ties = k.count_ties(opinion, votes, ones, count_own, honest, False)
    coins = rng.random(ties)
    expected, used = reference_commit(opinion, votes, ones, count_own, coins)
    assert used == ties > 0
    got = k.commit_opinions(opinion, votes, ones, count_own, coins, live, honest, False)
    assert opinion.tolist() == expected
    assert not votes.any() and not ones.any()
    assert got == (int(opinion[live].sum()), int(live.sum()))


def test_opinion_receive_matches_the_reference():
    rng = np.random.default_rng(2)
    n, m = 40, 300
    src = rng.integers(0, n, m).astype(np.int32)
    dst = rng.integers(0, n, m).astype(np.int32)
    kind = rng.choice([k.ASK, k.TELL], m).astype(np.uint8)
    opinion = rng.integers(0, 2, n).astype(np.uint8)
    votes, ones = np.zeros(n, np.int32), np.zeros(n, np.int32)
    flag = np.empty(m, np.bool_)
    rs, rd = np.empty(m, np.int32), np.empty(m, np.int32)
    r = k.opinion_receive(src, dst, kind, opinion, votes, ones, flag, rs, rd)
    ask = kind == k.ASK
    assert rs[:r].tolist() == dst[ask].tolist() and rd[:r].tolist() == src[ask].tolist()
    tell = ~ask
    assert votes.tolist() == np.bincount(dst[tell], minlength=n).tolist()
    assert ones.tolist() == np.bincount(dst[tell], weights=opinion[src[tell]],
                                        minlength=n).astype(int).tolist()
    assert flag.tolist() == (tell & (opinion[src] != opinion[dst])).tolist()


def test_parameters_are_checked():
    with pytest.raises(ConfigError, match="protocol.k = 0"):
        Scenario.from_dict({"protocol": "majority", "protocol.k": 0})
    with pytest.raises(ConfigError, match="protocol.initial_fraction = 1.5"):
        Scenario.from_dict({"protocol": "voter", "protocol.initial_fraction": 1.5})
    with pytest.raises(ConfigError, match="unknown key for protocol 'voter'"):
        Scenario.from_dict({"protocol": "voter", "protocol.k": 3})


@pytest.mark.parametrize("fraction, winner", [(0.0, 0), (1.0, 1), (0.9, 1), (0.1, 0)])
def test_initial_fraction_and_winner(fraction, winner):
    s = Scenario.from_dict({"nodes": 2000, "protocol": "majority", "seed": 3,
                            "protocol.initial_fraction": fraction})
    run = swarm.simulate(s)
    assert run.summary["fraction_one_initial"] == pytest.approx(fraction, abs=0.03)
    assert run.summary["winner"] == winner
    assert run.summary["consensus_round"] == run.summary["rounds"]


def test_restart_holds_the_initial_opinion():
    engine = Engine(Scenario(nodes=300, protocol="majority", seed=2))
    for _ in range(4):
        engine.step()
    nodes = np.arange(0, 300, 7)
    engine.protocol.reset_nodes(engine.state, nodes)
    assert np.array_equal(engine.state.opinion[nodes], engine.state.initial_opinion[nodes])


def test_theory_tables():
    p = np.linspace(0, 1, 11)
    three = 3 * p**2 - 2 * p**3
    np.testing.assert_allclose(majority_next(p, 2, True), three, atol=1e-15)
    np.testing.assert_allclose(majority_next(p, 3, False), three, atol=1e-15)
    np.testing.assert_allclose(majority_next(p, 1, True), p, atol=1e-15)  # voter: no drift
    np.testing.assert_allclose(majority_next(p, 1, False), p, atol=1e-15)
    assert majority_drift(2) == pytest.approx(1.5, abs=1e-8)
    assert majority_drift(5, False) == pytest.approx(15 / 8, abs=1e-8)  # k C(k-1,(k-1)/2) / 2^(k-1)
    t = majority_consensus_rounds([10**3, 10**4, 10**5, 10**6], 2)
    assert np.all(np.diff(t) > 0)
    # the slope in ln n tends to 1 / (2 ln 1.5) (the loglog phase adds less and less)
    slope = np.diff(t) / np.log(10)
    assert np.all(np.diff(slope) < 0)
    assert slope[-1] == pytest.approx(1 / (2 * np.log(1.5)), rel=0.15)
    with pytest.raises(ConfigError, match="no drift"):
        majority_consensus_rounds(100, 1)
    assert voter_consensus_rounds(100, lazy=False) == pytest.approx(200 * np.log(2))
    assert voter_consensus_rounds(100) == pytest.approx(800 / 3 * np.log(2))
