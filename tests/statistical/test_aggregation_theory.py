"""Aggregation against theory: push-pull averaging (Jelasity et al. 2005) and push-sum
(Kempe et al. 2003), complete graph, kernel path (the contract tests tie the agent path to it).

What is tested, and the tolerances
----------------------------------
- **Averaging, round 1** (``theory.averaging_variance_factor``): the ratio ``var_1 / var_0``
  of the values' variance over the first round. Jelasity et al.'s hypothesis (the two values
  of an exchange are uncorrelated) holds for independent initial values, so the expectation
  is ``E[2^-phi]`` up to the O(1/n) correlations created within the round (measured below
  1e-3 at n = 10^5, under the tolerance). K runs; the per-run ratios are independent, so the
  mean has standard error s / sqrt(K) (s the sample sd): we allow 4 standard errors (a correct
  simulator fails with probability 6e-5 under the normal approximation). The same with loss,
  where an exchange needs its request and its answer: ``p_exchange = (1 - loss)^2``.
- **Averaging, later rounds**: the hypothesis no longer holds (earlier exchanges correlate
  the values, and swarm's fixed node order correlates them with a node's place in it); the
  measured factor is about 3 % below Jelasity's (faster). We check it stays at or below the
  prediction plus 4 standard errors and above 0.9 times it: a documented bound, not an
  identity.
- **Push-sum** (``theory.push_sum_potential_factor``): for the potential
  ``Phi = sum (s_i - mu w_i)^2``, ``E[Phi_t / Phi_{t-1} | round t-1] = factor`` exactly, so
  the ratios over rounds and runs are martingale differences around ``factor``: their mean
  has standard error s / sqrt(count) and we allow 4 of them. Geometric decay of the error
  (Kempe et al. Theorem 3.1) follows: ``E[Phi_t] = factor^t Phi_0``.
"""

from __future__ import annotations

import numpy as np

from swarm import Scenario
from swarm.engine import Engine
from swarm.faults.loss import LossParams
from swarm.rng import replicate_seeds
from swarm.theory import JELASITY_FACTOR, averaging_variance_factor, push_sum_potential_factor


def variance_ratios(protocol: str, n: int, rounds: int, seeds: int, loss: float = 0.0
                    ) -> np.ndarray:
    """``var_t / var_{t-1}`` of the live values, shape (seeds, rounds)."""
    out = np.empty((seeds, rounds))
    for row, seed in enumerate(replicate_seeds(7, seeds)):
        faults = [LossParams(rate=loss)] if loss else []
        s = Scenario(nodes=n, protocol=protocol, seed=seed, max_rounds=rounds, faults=faults)
        engine = Engine(s)
        engine.run()
        variance = np.array([r["variance"] for r in engine.rows])
        out[row] = variance[1:] / variance[:-1]
    return out


def within(samples: np.ndarray, expected: float, z: float = 4.0) -> tuple[bool, str]:
    mean = samples.mean()
    se = samples.std(ddof=1) / np.sqrt(samples.size)
    return abs(mean - expected) <= z * se, f"mean {mean:.5f} vs {expected:.5f}, se {se:.2g}"


def test_averaging_first_round_matches_jelasity():
    n = 100_000
    ratios = variance_ratios("averaging", n, rounds=1, seeds=12)[:, 0]
    expected = averaging_variance_factor(n)
    assert abs(expected - JELASITY_FACTOR) < 1e-5
    ok, text = within(ratios, expected)
    assert ok, text


def test_averaging_first_round_under_loss():
    n, loss = 50_000, 0.3
    ratios = variance_ratios("averaging", n, rounds=1, seeds=12, loss=loss)[:, 0]
    ok, text = within(ratios, averaging_variance_factor(n, (1 - loss) ** 2))
    assert ok, text


def test_averaging_later_rounds_at_most_as_slow_as_jelasity():
    n = 50_000
    ratios = variance_ratios("averaging", n, rounds=8, seeds=6)[:, 1:]
    expected = averaging_variance_factor(n)
    se = ratios.std(ddof=1) / np.sqrt(ratios.size)
    assert 0.9 * expected <= ratios.mean() <= expected + 4 * se, ratios.mean()


def potential(state) -> float:
    mu = state.s.sum() / state.w.sum()
    return float(np.sum((state.s - mu * state.w) ** 2))


def test_push_sum_potential_decays_by_the_exact_factor():
    n, rounds = 2_000, 12
    ratios = []
    for seed in replicate_seeds(11, 20):
        engine = Engine(Scenario(nodes=n, protocol="push-sum", seed=seed, max_rounds=rounds))
        before = potential(engine.state)
        while engine.step():
            after = potential(engine.state)
            ratios.append(after / before)
            before = after
    ok, text = within(np.array(ratios), push_sum_potential_factor(n))
    assert ok, text
