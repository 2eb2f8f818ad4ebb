"""Anti-entropy with one write spreads exactly like the rumour protocols of the same name.

Why the dynamics are identical
------------------------------
Take ``keys = 1``, ``initial_writes = 1``, ``write_rate = 0``. Call a node *informed* when it
holds the write's pair ``(1, w)``; every other node holds the empty pair ``(0, -1)``, which is
smaller, so merging it never changes anything. A node becomes informed in round t exactly when
a store-carrying message from a node informed at the start of round t reaches it (C1: the
message carries its sender's store at the start of the round). Per mode, with every live node
calling one uniform partner (C2) and each message lost independently with probability ``loss``
(C5):

- **push**: an uninformed node j becomes informed iff some informed caller picked j and that
  call arrived. Anti-entropy's uninformed callers also push, but their stores are empty, so
  they change nothing; their partner picks are independent of the informed callers' picks.
  The rumour push protocol has exactly the informed callers' pushes: same law.
- **pull**: an uninformed node i becomes informed iff its callee was informed at the start
  of the round and both the request and the reply arrived. In anti-entropy the informed
  nodes call too (Demers' sites exchange whether or not they have news), but the replies
  they get cannot change them, and their requests do not affect what the uninformed nodes'
  own calls return: the informed set evolves as in rumour pull, where only the uninformed
  call.
- **push-pull**: an uninformed callee j becomes informed iff an informed caller's call (a
  push of its store) reaches it; an uninformed caller i iff its informed callee's reply
  reaches it, which needs the call and the reply to arrive. The rumour push-pull protocol
  sends the same calls (every node calls); it replies only to uninformed callers, and the
  replies anti-entropy adds go to informed callers, who learn nothing from them. Same law.

Given the informed count i at the start of a round, the events above are independent across
nodes with the same probabilities in both protocols, so the informed count is the same
Markov chain, and ``swarm.theory.exact_rounds_to_full(n, mode, loss=...)`` (built for the
rumour protocols) gives the exact mean and variance of anti-entropy's ``rounds_to_full``
(coverage = fraction of live nodes holding the newest pair = informed fraction). The sample
paths differ for the same seed (anti-entropy draws partners for every node), only the laws
agree.

Tolerances (as in test_spreading_theory.py)
-------------------------------------------
- **Mean rounds_to_full vs the exact chain**: K independent runs, standard error
  sqrt(Var / K) with Var the exact variance from the chain; we allow 4 standard errors (a
  correct simulator fails with probability 6e-5 under the normal approximation).
- **Sample variance vs the exact variance**: the relative standard error of a sample
  variance is sqrt((kurtosis - 1) / K); rounds_to_full has kurtosis below 4 here, so we allow
  4 * sqrt(3 / K) (0.35 for K = 400, 0.28 for K = 600).
- **One-step conditional moments**: for every round starting with i informed,
  ``susceptible_next_moments(i, n, mode)`` gives the exact mean and variance of the
  uninformed count at its end; Z = sum(R - E[R | i]) / sqrt(sum Var[R | i]) over all rounds
  of all runs is a martingale sum, approximately N(0, 1): |Z| < 4.
- **Anti-entropy against the rumour protocols on a non-complete graph** (slow): the same
  argument holds on any topology, where no closed form exists; the difference of the two
  sample means over K seeds each has standard error sqrt(s1^2 / K + s2^2 / K): |z| < 4.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import swarm
from swarm import theory
from swarm.rng import replicate_seeds

ROOT = 20261207
MODES = ("push", "pull", "push-pull")


def one_write(mode: str, n: int, **extra) -> swarm.Scenario:
    return swarm.Scenario.from_dict({
        "nodes": n, "protocol": "anti-entropy", "protocol.mode": mode, "protocol.keys": 1,
        "protocol.initial_writes": 1, "protocol.write_rate": 0.0, "protocol.writes_until": 0,
        "max_rounds": 400, **extra,
    })


def run_many(base: swarm.Scenario, k: int, root: int = ROOT, column: str = "up_to_date"
             ) -> tuple[np.ndarray, list[np.ndarray]]:
    """rounds_to_full of k seeds, and each run's informed count per round."""
    full, paths = [], []
    for seed in replicate_seeds(root, k):
        run = swarm.simulate(base.replace({"seed": seed}))
        assert run.summary["rounds_to_full"] is not None
        full.append(run.summary["rounds_to_full"])
        paths.append(run.rounds[column].to_numpy())
    return np.array(full, dtype=float), paths


def check_against_chain(mode: str, n: int, k: int, loss: float = 0.0) -> None:
    base = one_write(mode, n)
    if loss:
        base = base.replace({"faults.loss.rate": loss})
    full, paths = run_many(base, k)
    mean, var = theory.exact_rounds_to_full(n, mode, loss=loss)
    se = math.sqrt(var / k)
    assert abs(full.mean() - mean) < 4 * se, (mode, n, loss, full.mean(), mean, se)
    assert abs(full.var(ddof=1) / var - 1) < 4 * math.sqrt(3 / k), (mode, full.var(ddof=1), var)
    # one step at a time: the uninformed count at the end of each round given its start
    i = np.concatenate([p[:-1] for p in paths]).astype(np.int64)
    r = n - np.concatenate([p[1:] for p in paths]).astype(np.int64)
    m, v = theory.susceptible_next_moments(i, n, mode, loss=loss)
    assert abs((r - m).sum() / math.sqrt(v.sum())) < 4, mode


@pytest.mark.parametrize("mode", MODES)
def test_one_write_spreads_like_the_rumour_n1000(mode):
    check_against_chain(mode, 1000, 400)


def test_one_write_under_loss_spreads_like_the_rumour():
    lossless, _ = theory.exact_rounds_to_full(1000, "push-pull")
    assert theory.exact_rounds_to_full(1000, "push-pull", loss=0.25)[0] > lossless + 1
    check_against_chain("push-pull", 1000, 300, loss=0.25)


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_one_write_under_loss_spreads_like_the_rumour_every_mode(mode):
    check_against_chain(mode, 1000, 600, loss=0.25)


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_one_write_spreads_like_the_rumour_n10000(mode):
    check_against_chain(mode, 10_000, 400)


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_same_law_as_the_rumour_protocol_on_k_out(mode):
    """No closed form on a k-out graph: compare with the rumour protocol itself."""
    k, n = 600, 1000
    topo = {"topology": "k-out", "topology.k": 3}
    ae, _ = run_many(one_write(mode, n, **topo), k, root=ROOT + 1)
    rumour_base = swarm.Scenario.from_dict({"nodes": n, "protocol": mode, "max_rounds": 400,
                                            **topo})
    rumour, _ = run_many(rumour_base, k, root=ROOT + 2, column="informed")
    se = math.sqrt(ae.var(ddof=1) / k + rumour.var(ddof=1) / k)
    assert abs(ae.mean() - rumour.mean()) < 4 * se, (mode, ae.mean(), rumour.mean(), se)
