"""Push, pull and push-pull on the complete graph against theory (swarm.theory).

Fixed seeds (``replicate_seeds(ROOT, K)``), so every test here is deterministic; the
tolerances say how unlikely a failure would be if the simulator were right.

Tolerance derivations
---------------------
- **Mean rounds_to_full vs the exact Markov chain.** The K runs are independent, so the
  sample mean has standard error sqrt(Var/K), with Var the *exact* variance of
  rounds_to_full from the same chain. We allow 4 standard errors: under a normal
  approximation (K >= 400 runs of a bounded variable) a correct simulator fails with
  probability 6e-5.
- **Sample variance vs the exact variance.** The relative standard error of a sample
  variance is sqrt((kurtosis - 1) / K); rounds_to_full is unimodal with kurtosis below 4 here
  (a discrete, slightly right-skewed variable), giving at most sqrt(3/1000) = 5.5% for
  K = 1000. We allow 25% (4.5 SE).
- **One-step conditional moments (the coverage trajectory).** For every observed round
  starting with i informed, swarm.theory.susceptible_next_moments gives the exact mean and
  variance of the uninformed count R at the round's end. The sum over all rounds of all runs of
  (R - E[R | i]) is a martingale with conditional variances Var[R | i], so
  Z = sum(R - E) / sqrt(sum Var) is approximately N(0, 1) (martingale CLT): |Z| < 4.
- **Demers et al.'s mean-field recurrences** predict E[R | i] up to O(1/n): push
  s(1 - 1/n)^(n(1-s)) where the exact factor is (1 - 1/(n-1))^i; pull s^2 where the exact
  factor is (u - 1)/(n - 1). The same Z statistic with Demers' prediction in place of the
  exact mean gets, on top of the 4, the bias term sum|E_exact - E_demers| / sqrt(sum Var),
  computed from the same observed states.
- **Leading-order growth (Pittel, Karp).** The exact chain at n = 10^3 and 10^4 is the
  reference; Pittel's log2 n + ln n and the pull formula must match the growth of the mean
  between the two sizes to within 0.1 rounds (their O(1) remainders converge; measured on the
  chain, 0.016 and 0.04 rounds); for push-pull the remainder is O(log log n), so the
  simulated mean minus log3 n must lie in [ln ln n, 2 ln ln n] (the chain gives 1.45 ln ln n
  at both sizes).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import swarm
from swarm import theory
from swarm.rng import replicate_seeds

ROOT = 20261130
MODES = ("push", "pull", "push-pull")


def run_many(mode: str, n: int, k: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """rounds_to_full of k seeds, and each run's informed count per round."""
    base = swarm.Scenario(nodes=n, protocol=mode, max_rounds=200)
    full, paths = [], []
    for seed in replicate_seeds(ROOT, k):
        run = swarm.simulate(base.replace({"seed": seed}))
        assert run.summary["rounds_to_full"] is not None
        full.append(run.summary["rounds_to_full"])
        paths.append(run.rounds["informed"].to_numpy())
    return np.array(full, dtype=float), paths


def transitions(paths: list[np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray]:
    """(informed at the start, uninformed at the end) of every round of every run."""
    start = np.concatenate([p[:-1] for p in paths]).astype(np.int64)
    end_uninformed = n - np.concatenate([p[1:] for p in paths]).astype(np.int64)
    return start, end_uninformed


def check_against_chain(mode: str, n: int, k: int) -> list[np.ndarray]:
    full, paths = run_many(mode, n, k)
    mean, var = theory.exact_rounds_to_full(n, mode)
    se = math.sqrt(var / k)
    assert abs(full.mean() - mean) < 4 * se, (mode, n, full.mean(), mean, se)
    assert 0.75 < full.var(ddof=1) / var < 1.33, (mode, n, full.var(ddof=1), var)
    return paths


def z_statistic(predicted: np.ndarray, observed: np.ndarray, var: np.ndarray) -> float:
    return float((observed - predicted).sum() / math.sqrt(var.sum()))


def check_one_step(mode: str, n: int, paths: list[np.ndarray]) -> None:
    i, r = transitions(paths, n)
    mean, var = theory.susceptible_next_moments(i, n, mode)
    assert abs(z_statistic(mean, r, var)) < 4

    s = (n - i) / n
    if mode == "push":
        demers = n * theory.demers_push_next(s, n)
    elif mode == "pull":
        demers = n * theory.demers_pull_next(s)
    else:
        demers = n * theory.push_pull_next(s, n)
    bias = np.abs(mean - demers).sum() / math.sqrt(var.sum())
    assert abs(z_statistic(demers, r, var)) < 4 + bias, (mode, bias)


@pytest.mark.parametrize("mode", MODES)
def test_n1000_against_exact_chain_and_mean_field(mode):
    paths = check_against_chain(mode, 1000, 1000)
    check_one_step(mode, 1000, paths)


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_n10000_against_exact_chain_mean_field_and_asymptotics(mode):
    paths = check_against_chain(mode, 10_000, 400)
    check_one_step(mode, 10_000, paths)
    full = np.array([np.flatnonzero(p == 10_000)[0] for p in paths], dtype=float)
    small, _ = theory.exact_rounds_to_full(1000, mode)
    large, _ = theory.exact_rounds_to_full(10_000, mode)
    if mode == "push":
        growth = theory.pittel_push_rounds(10_000) - theory.pittel_push_rounds(1000)
        assert abs((large - small) - growth) < 0.1
    elif mode == "pull":
        growth = theory.pull_rounds(10_000) - theory.pull_rounds(1000)
        assert abs((large - small) - growth) < 0.1
    else:
        lnln = math.log(math.log(10_000))
        remainder = full.mean() - theory.karp_push_pull_rounds(10_000)
        assert lnln < remainder < 2 * lnln
