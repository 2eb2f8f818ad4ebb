"""Byzantine nodes in majority dynamics and the voter model: kernels against plain
references, and what zealots, equivocators and censors do (fixed seeds); and agent path ==
kernel path with every behaviour at once, for all four protocols with liars."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import swarm
from swarm import Scenario
from swarm.errors import ConfigError
from swarm.faults.byzantine import CENSOR, EQUIVOCATE, FORGE, ByzantineParams
from swarm.faults.churn import ChurnParams
from swarm.faults.latency import LatencyParams
from swarm.faults.loss import LossParams
from swarm.kernels import agreement as k

CODES = np.array([0, FORGE, EQUIVOCATE, CENSOR], np.uint8)


@pytest.mark.parametrize("liars", [False, True])
def test_opinion_receive_byzantine_matches_the_reference(liars):
    rng = np.random.default_rng(2)
    n, m = 40, 300
    src = rng.integers(0, n, m).astype(np.int32)
    dst = rng.integers(0, n, m).astype(np.int32)
    kind = rng.choice([k.ASK, k.TELL], m).astype(np.uint8)
    opinion = rng.integers(0, 2, n).astype(np.uint8)
    byz = rng.choice(CODES, n).astype(np.uint8) if liars else np.zeros(n, np.uint8)
    coins = rng.random(k.tell_coins(src, kind, byz))
    assert (coins.size > 0) == liars
    votes, ones, replies, useful, c = [0] * n, [0] * n, [], [], 0
    for s, d, kd in zip(src.tolist(), dst.tolist(), kind.tolist(), strict=True):
        useful.append(False)
        if kd == k.ASK:
            if byz[d] != CENSOR:
                replies.append((d, s))
            continue
        if byz[s] == CENSOR:
            continue
        if byz[s] == FORGE:
            x = 1
        elif byz[s] == EQUIVOCATE:
            x, c = int(coins[c] < 0.5), c + 1
        else:
            x = int(opinion[s])
        votes[d] += 1
        ones[d] += x
        useful[-1] = x != opinion[d]
    assert c == coins.size
    got_votes, got_ones = np.zeros(n, np.int32), np.zeros(n, np.int32)
    flag = np.empty(m, np.bool_)
    rs, rd = np.empty(m, np.int32), np.empty(m, np.int32)
    r = k.opinion_receive_byzantine(src, dst, kind, opinion, got_votes, got_ones, byz, 1, coins,
                                    flag, rs, rd)
    assert list(zip(rs[:r].tolist(), rd[:r].tolist(), strict=True)) == replies
    assert got_votes.tolist() == votes and got_ones.tolist() == ones
    assert flag.tolist() == useful
    if not liars:  # with no liar it is the honest kernel
        v2, o2, f2 = np.zeros(n, np.int32), np.zeros(n, np.int32), np.empty(m, np.bool_)
        assert k.opinion_receive(src, dst, kind, opinion, v2, o2, f2, rs, rd) == r
        assert v2.tolist() == votes and o2.tolist() == ones and f2.tolist() == useful


def test_commit_leaves_byzantine_opinions_and_counts_honest_nodes_only():
    rng = np.random.default_rng(5)
    n = 500
    opinion = rng.integers(0, 2, n).astype(np.uint8)
    votes = rng.integers(2, 5, n).astype(np.int32)
    ones = votes.copy()  # every node heard 2+ answers, all 1: every honest node adopts 1
    byz = rng.choice(CODES, n).astype(np.uint8)
    live = rng.random(n) < 0.9
    before = opinion.copy()
    assert k.count_ties(opinion, votes, ones, True, byz, True) == 0
    got = k.commit_opinions(opinion, votes, ones, True, np.empty(0), live, byz, True)
    liar = byz != 0
    assert np.array_equal(opinion[liar], before[liar]) and (opinion[~liar] == 1).all()
    assert not votes.any() and not ones.any()
    honest_live = live & ~liar
    assert got == (int(honest_live.sum()), int(honest_live.sum()))


def simulate(protocol: str, behaviour: str, fraction: float, seed: int, *, nodes: int,
             max_rounds: int = 2000, **params) -> swarm.Run:
    s = Scenario.from_dict({"nodes": nodes, "protocol": protocol, "seed": seed,
                            "max_rounds": max_rounds,
                            **{f"protocol.{key}": v for key, v in params.items()}})
    return swarm.simulate(dataclasses.replace(
        s, faults=[ByzantineParams(fraction=fraction, start=1, behaviour=behaviour)]))


@pytest.mark.parametrize("opinion", [0, 1])
def test_enough_zealots_flip_majority_dynamics(opinion):
    """Honest nodes start 35% for the zealots' opinion (2000 nodes, complete graph, 4 fixed
    seeds): without zealots the honest majority wins in about 6 rounds; with 30% zealots
    the zealots' opinion wins, as quickly. Both opinions (the rule is symmetric)."""
    start = 0.35 if opinion == 1 else 0.65
    for seed in range(4):
        none = simulate("majority", "forge", 0.0, seed, nodes=2000, initial_fraction=start,
                        byzantine_opinion=opinion).summary
        assert none["winner"] == 1 - opinion and none["consensus_round"] < 15
        run = simulate("majority", "forge", 0.3, seed, nodes=2000, initial_fraction=start,
                       byzantine_opinion=opinion)
        assert run.summary["winner"] == opinion and run.summary["consensus_round"] < 15
        # consensus is over honest nodes: the zealots' own opinions were left as drawn
        zealots = run.state.byzantine != 0
        assert set(np.unique(run.state.opinion[zealots]).tolist()) == {0, 1}
        assert (run.state.opinion[~zealots] == opinion).all()


def test_zealots_win_the_voter_model():
    """Voter model, 100 nodes: with 10% zealots for 1 the honest nodes end at 1 in every
    seed (8 fixed seeds), although 65% of them start at 0; without zealots 0 wins some."""
    winners = [simulate("voter", "forge", 0.1, seed, nodes=100,
                        initial_fraction=0.35).summary["winner"] for seed in range(8)]
    assert winners == [1] * 8
    free = [simulate("voter", "forge", 0.0, seed, nodes=100,
                     initial_fraction=0.35).summary["winner"] for seed in range(8)]
    assert 0 in free


@pytest.mark.parametrize(("protocol", "nodes", "floor"), [("majority", 2000, 0.9),
                                                          ("voter", 100, 0.0)])
def test_equivocators_prevent_consensus(protocol, nodes, floor):
    """20% of the nodes answer by coin: majority dynamics keeps a large majority (agreement
    above 0.9, the noise flips a few nodes per round) but never full consensus in 300
    rounds; the voter model, which has no drift, stays mixed."""
    run = simulate(protocol, "equivocate", 0.2, 3, nodes=nodes, max_rounds=300)
    assert run.summary["consensus_round"] is None and run.summary["winner"] is None
    assert len(run.rounds) == 301
    assert run.rounds["agreement"].iloc[-50:].min() > floor


def test_censors_slow_majority_consensus_but_not_its_outcome():
    """30% of the nodes answer nothing: honest nodes hear fewer votes (more ties, broken by
    coins), so consensus is slower, on the same initial majority (4 fixed seeds)."""
    for seed in range(4):
        none = simulate("majority", "censor", 0.0, seed, nodes=2000, initial_fraction=0.35)
        cut = simulate("majority", "censor", 0.3, seed, nodes=2000, initial_fraction=0.35)
        assert none.summary["winner"] == cut.summary["winner"] == 0
        assert cut.summary["consensus_round"] > none.summary["consensus_round"]


def test_byzantine_opinion_is_checked():
    with pytest.raises(ConfigError, match="protocol.byzantine_opinion"):
        Scenario.from_dict({"protocol": "voter", "protocol.byzantine_opinion": 2})


@pytest.mark.parametrize("protocol", ["averaging", "push-sum", "majority", "voter"])
def test_agent_path_equals_kernel_path_with_liars_among_other_faults(protocol):
    """The contract test checks each behaviour alone; here all three at once (three
    Byzantine faults, one window ending) with loss, latency (answers arrive in later rounds,
    reordered) and churn, on k-out: the same run, bit for bit, on both paths."""
    s = Scenario.from_dict({"nodes": 80, "protocol": protocol, "seed": 11, "max_rounds": 40,
                            "topology": "k-out", "topology.k": 3})
    faults = [("forgers", ByzantineParams(fraction=0.1, start=2, behaviour="forge")),
              ("liars", ByzantineParams(fraction=0.1, start=3, end=20,
                                        behaviour="equivocate")),
              ("censors", ByzantineParams(fraction=0.1, start=4, behaviour="censor")),
              ("loss", LossParams(rate=0.1)),
              ("latency", LatencyParams(**LatencyParams.EXAMPLE)),
              ("churn", ChurnParams(**ChurnParams.EXAMPLE))]
    s = dataclasses.replace(s, faults=faults)
    a = swarm.simulate(s, engine="kernels")
    b = swarm.simulate(s, engine="agents")
    pd.testing.assert_frame_equal(a.rounds, b.rounds)
    for key, value in a.state.arrays().items():
        assert np.array_equal(value, b.state.arrays()[key]), key
    assert (a.events["event"] == "byzantine").sum() == 3
