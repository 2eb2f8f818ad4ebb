"""SWIM and gossip-style failure detection against swarm.theory.

Fixed seeds (``replicate_seeds``), so every test is deterministic; each tolerance says how
unlikely a failure would be if the simulator matched the theory.

Tolerance derivations
---------------------
- **First detection (SWIM).** K independent runs, one crash each, at round 3 (probe cycles
  start in round 1, so the crash is early in every cycle, where
  ``theory.swim_first_detection`` is exact up to 2^-(n-1)). The sample mean has standard
  error sqrt(Var / K) with Var the exact variance from the same theory; we allow 4 standard
  errors (normal approximation, K >= 250 runs of a light-tailed variable: a correct simulator
  fails with probability about 6e-5). At n = 1000 the limit e/(e-1) is checked too, with the
  exact finite-n gap (|E_n - e/(e-1)| < 1e-3) added to the tolerance.
- **False suspicion per probe.** Every message is lost independently, so given its helper set
  each probe of a live member fails independently with the probability P of
  ``theory.swim_false_suspicion_probability`` (the k paths share no message). With N probes
  the failure count is Binomial(N, P): Z = (failures - N P) / sqrt(N P (1 - P)) is
  approximately N(0, 1) and we require |Z| < 4. Two effects the formula leaves out are kept
  away by the scenario: no member is ever declared dead within the run (suspicion_mult is
  huge), so every prober finds k helpers; and the relay-sharing effect (two probers of one
  target sharing a helper) is O(P_direct^2 k^2 / n), below 1e-3 of P here.
- **False suspicion per probe while views flap.** With the LAN profile's suspicion timeout at
  10% loss, suspicions do time out and live members are held DEAD (views flap); the formula
  still holds because the helpers are memberlist's (k distinct peers the prober holds ALIVE,
  other than the target): with no crash those are live, and at n = 500 a prober always holds
  k of them, so given the helper sets the failures are again Binomial(N, P). The same
  |Z| < 4 over all probes of K runs (N ~ 1.8e5 at k = 1). The rule it replaced (the first k
  of k + 1 random peers not held dead) finds fewer than k helpers when views flap and
  measured Z = +5.3 in the default test (rate 0.0684 against 0.0653).
- **Heartbeat detection times.** ``theory.heartbeat_detection`` gives the expected fraction of
  observers declaring at each period and the exact distribution of the period at which the
  last one does. The all-know period: 4 standard errors from the exact variance. The mean over
  observers of the detection period is a per-run average of correlated observers whose
  variance the chain does not give: its standard error is estimated from the K runs
  (sample SD / sqrt(K)), with 4 of them allowed (t-distribution with K - 1 >= 59 degrees of
  freedom: a correct simulator fails with probability below 2e-4). Period by period, the mean
  over runs of the fraction of observers declaring at t_fail + s must be within 5 standard
  errors of the chain's expectation (variance estimated, floored at the Poisson value; see
  check_heartbeat). The first detection is at exactly t_fail periods in every run.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import swarm
from swarm import theory
from swarm.rng import replicate_seeds

ROOT = 20261130


def first_detections(n: int, k: int) -> np.ndarray:
    base = swarm.Scenario.from_dict({
        "nodes": n, "protocol": "swim", "max_rounds": 16,
        "timeline": '3: crash select=ids ids="7"'})
    out = []
    for seed in replicate_seeds(ROOT, k):
        run = swarm.simulate(base.replace({"seed": seed}))
        out.append(run.summary["first_detection_periods"])
    assert None not in out
    return np.array(out, dtype=float)


def check_first_detection(n: int, k: int, extra_tolerance: float = 0.0) -> float:
    got = first_detections(n, k)
    mean, var = theory.swim_first_detection(n)
    assert abs(got.mean() - mean) < 4 * math.sqrt(var / k) + extra_tolerance
    return float(got.mean())


def test_swim_first_detection_small():
    check_first_detection(100, 250)


@pytest.mark.slow
def test_swim_first_detection_tends_to_e_over_e_minus_1():
    """SWIM's analysis: e / (e - 1) periods to the first detection for large n."""
    limit = math.e / (math.e - 1)
    exact, var = theory.swim_first_detection(1000)
    gap = abs(exact - limit)
    assert gap < 1e-3
    got = check_first_detection(1000, 400)
    assert abs(got - limit) < 4 * math.sqrt(var / 400) + gap


def false_suspicions(n: int, loss: float, k: int, rounds: int) -> tuple[int, int]:
    s = swarm.Scenario.from_dict({
        "nodes": n, "protocol": "swim", "seed": replicate_seeds(ROOT, 1)[0],
        "max_rounds": rounds, "protocol.indirect_checks": k,
        "protocol.suspicion_mult": 1000, "faults.loss.rate": loss})
    run = swarm.simulate(s)
    assert run.summary["declarations_total"] == 0
    return int(run.rounds["failed_live"].sum()), int(run.rounds["probes_live"].sum())


def check_false_suspicion(n: int, loss: float, k: int, rounds: int) -> None:
    failures, probes = false_suspicions(n, loss, k, rounds)
    p = float(theory.swim_false_suspicion_probability(loss, k))
    z = (failures - probes * p) / math.sqrt(probes * p * (1 - p))
    assert abs(z) < 4, (loss, k, failures / probes, p)


@pytest.mark.parametrize("loss, k", [(0.2, 1), (0.1, 3)])
def test_false_suspicion_per_probe(loss, k):
    check_false_suspicion(300, loss, k, 60)


@pytest.mark.slow
@pytest.mark.parametrize("loss", [0.05, 0.1, 0.2, 0.3])
@pytest.mark.parametrize("k", [0, 1, 3, 5])
def test_false_suspicion_per_probe_grid(loss, k):
    check_false_suspicion(1000, loss, k, 100)


def flapping_false_suspicions(n: int, loss: float, k: int, rounds: int, runs: int
                              ) -> tuple[int, int]:
    """(failed probes of live members, probes of live members) over ``runs`` seeds, LAN
    profile (suspicion timeouts happen)."""
    failures = probes = declarations = 0
    for seed in replicate_seeds(ROOT, runs):
        run = swarm.simulate(swarm.Scenario.from_dict({
            "nodes": n, "protocol": "swim", "seed": seed, "max_rounds": rounds,
            "protocol.indirect_checks": k, "faults.loss.rate": loss}))
        failures += int(run.rounds["failed_live"].sum())
        probes += int(run.rounds["probes_live"].sum())
        declarations += int(run.summary["false_positives_total"])
    assert declarations > 0  # views do flap
    return failures, probes


def check_flapping(n: int, loss: float, k: int, rounds: int, runs: int) -> None:
    failures, probes = flapping_false_suspicions(n, loss, k, rounds, runs)
    p = float(theory.swim_false_suspicion_probability(loss, k))
    z = (failures - probes * p) / math.sqrt(probes * p * (1 - p))
    assert abs(z) < 4, (loss, k, failures / probes, p, z)


def test_false_suspicion_per_probe_with_memberlist_helpers_while_views_flap():
    """n = 500, 10% loss, k = 1, LAN profile: see the module docstring."""
    check_flapping(500, 0.1, 1, 60, 6)


@pytest.mark.slow
@pytest.mark.parametrize("loss, k", [(0.1, 3), (0.2, 1), (0.2, 3)])
def test_false_suspicion_per_probe_while_views_flap_grid(loss, k):
    check_flapping(500, loss, k, 100, 6)


def heartbeat_runs(n: int, k: int, crash: int = 40
                   ) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    """Per run: the mean detection period over observers, the all-know period, and the
    fraction of observers declaring at each period t_fail + s (rows: runs)."""
    base = swarm.Scenario.from_dict({
        "nodes": n, "protocol": "heartbeat", "max_rounds": 200,
        "timeline": f'{crash}: crash select=ids ids="7"'})
    t_fail = base.protocol.failure_rounds(n)[0]
    means, alls, fractions = [], [], []
    for seed in replicate_seeds(ROOT, k):
        run = swarm.simulate(base.replace({"seed": seed}))
        assert run.summary["first_detection_periods"] == t_fail
        assert run.summary["false_positives_total"] == 0
        r = run.rounds[run.rounds["round"] >= crash]
        periods = r["round"].to_numpy() - crash + 1
        declared = r["declarations"].to_numpy()
        assert declared.sum() <= n - 1
        means.append((periods * declared).sum() / declared.sum())
        alls.append(run.summary["all_know_periods"])
        by_s = np.zeros(60)
        late = periods >= t_fail
        by_s[periods[late] - t_fail] = declared[late] / (n - 1)
        fractions.append(by_s)
    return np.array(means), np.array(alls, dtype=float), t_fail, np.array(fractions)


def check_heartbeat(n: int, k: int) -> None:
    means, alls, t_fail, fractions = heartbeat_runs(n, k)
    pmf, full = theory.heartbeat_detection(n, t_fail)
    # the distribution, period by period: the mean over runs of the fraction of observers
    # declaring at t_fail + s against pmf[s], 5 standard errors each (about 15 periods carry
    # mass: a Bonferroni bound of 15 x 6e-7). The per-run variance is estimated from the runs
    # but floored at the Poisson value pmf[s] / (n - 1) (the count N_s of observers first
    # reached at step s has Var N_s >= E N_s here): in early and late periods the events are
    # rare, and K runs in which none happened would otherwise give a standard error of 0.
    got = fractions.mean(axis=0)
    top = min(pmf.size, got.size)
    var = np.maximum(fractions.var(axis=0, ddof=1)[:top], pmf[:top] / (n - 1))
    assert np.all(np.abs(got[:top] - pmf[:top]) <= 5 * np.sqrt(var / k))
    assert got[0] == pytest.approx(1 / (n - 1))  # exactly one partner got the last counter
    assert got[top:].sum() < 1e-12 and pmf[top:].sum() < 1e-9
    s = np.arange(pmf.size)
    per_node = t_fail + float((s * pmf).sum())
    se = means.std(ddof=1) / math.sqrt(k)
    assert abs(means.mean() - per_node) < 4 * se
    s_full = np.arange(full.size)
    mean_full = t_fail + float((s_full * full).sum())
    var_full = float((s_full**2 * full).sum()) - (mean_full - t_fail) ** 2
    assert abs(alls.mean() - mean_full) < 4 * math.sqrt(var_full / k)


def test_heartbeat_detection_times():
    check_heartbeat(150, 60)


@pytest.mark.slow
def test_heartbeat_detection_times_large():
    check_heartbeat(600, 200)
