"""The CAP register's availability during a partition against ``theory.cp_availability``.

A ``cp`` operation is served iff it arrives on the side that holds a strict majority of the
replicas (clean split, no loss: every replica of that side answers and acknowledges). An
operation's node is uniform over the live nodes (the operations of one round go to distinct
nodes: sampling without replacement, which makes the served count of a round hypergeometric,
with a variance no larger than the binomial's), and rounds are independent. So, given the
``N`` operations, the served fraction has mean ``p = theory.cp_availability(...)`` and standard
deviation at most ``sigma = sqrt(p (1 - p) / N)``; the tests allow ``4 sigma``: a two-sided
false alarm of about 6 * 10^-5 by the normal approximation, which N ~ 2000 operations make
accurate. Fixed seeds. An even split has no majority side: exactly nothing is served.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import swarm
from swarm import Scenario, theory
from swarm.faults.crash import CrashParams
from swarm.faults.partition import PartitionParams

ROUNDS = 400


def run(mode: str, faults, nodes: int = 200, seed: int = 11) -> swarm.Run:
    s = Scenario.from_dict({"nodes": nodes, "protocol": "register", "seed": seed,
                            "max_rounds": ROUNDS, "protocol.mode": mode,
                            "protocol.rate": 5.0, "protocol.ops_until": ROUNDS,
                            "protocol.period_rounds": 0})
    return swarm.simulate(dataclasses.replace(s, faults=tuple(faults)))


CASES = {
    "120/80": ([PartitionParams(start=1, by="ids", ids="0-119;120-199")], None),
    "150/50, 20% down": ([PartitionParams(start=1, by="ids", ids="0-149;150-199"),
                          CrashParams(fraction=0.2, start=1)], None),
    "even": ([PartitionParams(start=1, groups=2)], 0.0),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_cp_availability_during_a_partition_matches_theory(case):
    faults, exact = CASES[case]
    r = run("cp", faults)
    split = faults[0]
    groups = (np.arange(200) >= int(split.ids.split(";")[1].split("-")[0])) if split.ids \
        else None
    if groups is None:  # random balanced halves: 100 / 100, no strict majority
        p = theory.cp_availability([100, 100], 200)
    else:
        live = r.state.live
        p = theory.cp_availability([int((live & ~groups).sum()), int((live & groups).sum())],
                                   200)
    ops = int(r.summary["ops_total"])
    measured = r.summary["availability"]
    assert ops > 1500
    if exact is not None:
        assert p == exact and measured == exact
        return
    sigma = math.sqrt(p * (1 - p) / ops)
    assert abs(measured - p) < 4 * sigma, (measured, p, sigma)
    assert r.summary["stale_reads_total"] == 0


def test_ap_availability_is_one_whatever_the_split():
    r = run("ap", CASES["150/50, 20% down"][0], nodes=200)
    assert r.summary["ops_total"] > 1500 and r.summary["availability"] == 1.0
