# examples/swarm-example-plugin/tests/test_theory.py
"""gossip1 against a closed form: the reach of probabilistic flooding on a ring."""

import numpy as np

import swarm

P, RUNS, NODES = 0.6, 400, 1001


def test_reach_on_a_ring_is_one_plus_two_geometric_runs():
    """On a ring (``topology = "ring"``, one neighbour each side) the message travels out
    both ways from the origin, which forwards surely (k = 1). Going one way, the node at
    distance j hears it iff the nodes at distances 1..j-1 all forwarded: probability
    p^(j-1). So the nodes reached that way, G, have P(G >= j) = p^(j-1): G is geometric on
    1, 2, ... with mean 1/(1-p) and variance p/(1-p)^2, and the two ways are independent
    (disjoint coins). The nodes reached, R = 1 + G1 + G2, have

        E[R] = 1 + 2/(1-p) = 6,   Var[R] = 2p/(1-p)^2 = 7.5         (p = 0.6)

    and P(R = 3) = (1-p)^2 = 0.16 (both neighbours decline). Each forwarder sends 2
    messages and the forwarders are the R nodes reached but the two last ones, so the
    messages are exactly 2(R - 2) in every run. The two ways meet only if G1 + G2 >= n - 1
    = 1000, which has probability below 1000 p^500 < 10^-100: the ring is as good as
    infinite.

    Tolerance: over RUNS = 400 independent runs the mean of R has standard error
    sqrt(7.5 / 400) = 0.137, and the share of runs with R = 3 has standard error
    sqrt(0.16 x 0.84 / 400) = 0.018; we allow 4 standard errors each (0.55 and 0.073), which
    a correct protocol exceeds with probability about 6e-5 each (normal approximation). The
    seeds are fixed (0..399), so the test is deterministic: it passes or fails for good."""
    reached, messages = [], []
    for seed in range(RUNS):
        run = swarm.simulate(swarm.Scenario.from_dict({
            "nodes": NODES, "topology": "ring", "protocol": "gossip1", "protocol.p": P,
            "seed": seed}))
        reached.append(int(run.rounds["informed"].iloc[-1]))
        messages.append(run.summary["messages_total"])
    reached, messages = np.array(reached), np.array(messages)
    mean, var = 1 + 2 / (1 - P), 2 * P / (1 - P) ** 2
    assert abs(reached.mean() - mean) < 4 * np.sqrt(var / RUNS), reached.mean()
    q = (1 - P) ** 2
    assert abs(np.mean(reached == 3) - q) < 4 * np.sqrt(q * (1 - q) / RUNS)
    assert np.array_equal(messages, 2 * (reached - 2))
