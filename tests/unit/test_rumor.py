"""Rumour mongering (``protocol = "rumor"``): each kernel against a small plain-Python
reference, hand-checked runs on two nodes, the stop rules, and agent path == kernel path for
every combination of mode, feedback and stop rule (the contract tests run the defaults only).
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pandas as pd
import pytest

import swarm
from swarm import Scenario
from swarm.errors import ConfigError
from swarm.faults.crash import CrashParams
from swarm.kernels import rumor as k
from swarm.model import SwarmModel
from swarm.protocols.rumor import rumor_summary
from swarm.theory import rumor_chain_length
from swarm.topology import TOPOLOGIES, Topology, from_edges

S, INF, R = k.SUSCEPTIBLE, k.INFECTIVE, k.REMOVED
VARIANTS = [(mode, feedback, stop) for mode in ("push", "pull", "push-pull")
            for feedback in (True, False) for stop in ("counter", "coin")]


def rumor(nodes: int, seed: int = 3, max_rounds: int = 1000, **params) -> Scenario:
    return Scenario.from_dict({"nodes": nodes, "protocol": "rumor", "seed": seed,
                               "max_rounds": max_rounds,
                               **{f"protocol.{key}": v for key, v in params.items()}})


# ------------------------------------------------------------------------ plain references


def ref_partners(rng, d, fanout):
    """C2: pick j takes rank floor(u * (d - j)) among the ranks not yet taken."""
    free = list(range(d))
    out = []
    for j in range(min(fanout, d)):
        r = min(int(rng.random() * (d - j)), d - j - 1)
        out.append(free.pop(r))
    return out


def ref_send(status, live, topo: Topology, fanout, push, pull, blind, coin, p_lose, rng):
    msgs, contact = [], [0] * topo.n
    for i in range(topo.n):
        if not live[i]:
            continue
        pushes = push and status[i] == INF
        if not (pushes or pull):
            continue
        nbrs = [topo.neighbour(i, r) for r in range(topo.degree(i))]
        partners = [nbrs[r] for r in ref_partners(rng, len(nbrs), fanout)]
        for p in partners:
            msgs.append((i, p, k.PUSH if pushes else k.REQUEST, pushes))
        if pushes and blind and partners:
            if coin:
                for _ in partners:
                    if rng.random() < p_lose:
                        contact[i] |= k.LOSE
            else:
                contact[i] |= k.UNNECESSARY
    return msgs, contact


def ref_receive(msgs, status, informed, informed_next, contact, feedback, blind, coin, p_lose,
                coins):
    """The rules of docs/protocols.md, one message at a time; ``coins`` is an iterator."""
    useful, replies = [], []
    for src, dst, kind, _ in msgs:
        hit = False
        if kind in (k.PUSH, k.ANSWER):
            if not informed[dst] and not informed_next[dst]:
                informed_next[dst] = True
                hit = True
            if feedback:
                replies.append((dst, src, k.KNEW if informed[dst] else k.NEW, False))
        elif kind == k.REQUEST and status[dst] == INF:
            replies.append((dst, src, k.ANSWER, True))
            if blind:
                if coin:
                    if next(coins) < p_lose:
                        contact[dst] |= k.LOSE
                else:
                    contact[dst] |= k.UNNECESSARY
        elif kind == k.KNEW:
            contact[dst] |= k.UNNECESSARY
            if coin and next(coins) < p_lose:
                contact[dst] |= k.LOSE
        elif kind == k.NEW:
            contact[dst] |= k.NECESSARY
        useful.append(hit)
    return useful, replies


def ref_commit(status, counter, contact, informed, informed_next, informed_round, t,
               use_counter, kk):
    for i in range(len(status)):
        flags, contact[i] = contact[i], 0
        if flags and status[i] == INF:
            if use_counter:
                if flags & k.NECESSARY:
                    counter[i] = 0
                elif flags & k.UNNECESSARY:
                    counter[i] += 1
                if counter[i] >= kk:
                    status[i] = R
            elif flags & k.LOSE:
                status[i] = R
        if informed_next[i]:
            informed_next[i] = False
            if not informed[i]:
                informed[i], informed_round[i] = True, t
                status[i], counter[i] = INF, 0


def small_topologies():
    yield from_edges(7, np.array([0, 0, 1, 2, 3, 4, 5]), np.array([1, 2, 2, 3, 4, 5, 6]),
                     name="chain")
    yield TOPOLOGIES["complete"]().build(9, np.random.default_rng(0))


def random_state(n, rng):
    status = rng.integers(0, 3, n).astype(np.uint8)
    informed = status != S
    live = rng.random(n) < 0.8
    return status, informed, live


# ----------------------------------------------------------------------- kernels vs reference


@pytest.mark.parametrize("topo", list(small_topologies()), ids=lambda t: t.name)
@pytest.mark.parametrize("fanout", [1, 2, 8])
@pytest.mark.parametrize(("mode", "feedback", "stop"), VARIANTS)
def test_send_matches_reference(topo, fanout, mode, feedback, stop):
    push, pull = mode in ("push", "push-pull"), mode in ("pull", "push-pull")
    blind, coin, p_lose = not feedback, stop == "coin", 0.4
    for trial in range(5):
        status, _, live = random_state(topo.n, np.random.default_rng(trial))
        want, want_contact = ref_send(status, live, topo, fanout, push, pull, blind, coin,
                                      p_lose, np.random.default_rng(99 + trial))
        total, doubles = k.rumor_send_count(status, live, topo.indptr, topo.complete, fanout,
                                            push, pull, blind and coin)
        assert total == len(want)
        u = np.random.default_rng(99 + trial).random(doubles)
        src, dst = np.empty(total, np.int32), np.empty(total, np.int32)
        kind, upd = np.empty(total, np.uint8), np.empty(total, np.bool_)
        contact = np.zeros(topo.n, np.uint8)
        m = k.rumor_send(status, live, topo.indptr, topo.indices, topo.complete, fanout, push,
                         pull, blind, coin, p_lose, u, contact, src, dst, kind, upd)
        assert m == total
        got = list(zip(src.tolist(), dst.tolist(), kind.tolist(), upd.tolist(), strict=True))
        assert got == want
        assert contact.tolist() == want_contact


@pytest.mark.parametrize(("feedback", "stop"), [(f, s) for f in (True, False)
                                                for s in ("counter", "coin")])
def test_receive_matches_reference(feedback, stop):
    n = 12
    blind, coin, p_lose = not feedback, stop == "coin", 0.5
    for trial in range(20):
        rng = np.random.default_rng(trial)
        status, informed, _ = random_state(n, rng)
        m = 40
        kinds = rng.integers(0, 5, m).astype(np.uint8)
        if not feedback:
            kinds[(kinds == k.KNEW) | (kinds == k.NEW)] = k.REQUEST
        src = rng.integers(0, n, m).astype(np.int32)
        dst = rng.integers(0, n, m).astype(np.int32)
        upd = (kinds == k.PUSH) | (kinds == k.ANSWER)
        informed_next = rng.random(n) < 0.2
        contact = rng.integers(0, 8, n).astype(np.uint8)
        draws = k.rumor_receive_count(kinds, dst, status, feedback and coin, blind and coin)
        coins = np.random.default_rng(50 + trial).random(draws)

        want_next, want_contact = informed_next.tolist(), contact.tolist()
        msgs = list(zip(src.tolist(), dst.tolist(), kinds.tolist(), upd.tolist(), strict=True))
        it = iter(coins.tolist())
        want_useful, want_replies = ref_receive(msgs, status, informed, want_next, want_contact,
                                                feedback, blind, coin, p_lose, it)
        assert next(it, None) is None, "the count must equal the coins the reference used"

        useful = np.empty(m, np.bool_)
        r_src, r_dst = np.empty(m, np.int32), np.empty(m, np.int32)
        r_kind, r_upd = np.empty(m, np.uint8), np.empty(m, np.bool_)
        r = k.rumor_receive(src, dst, kinds, status, informed, informed_next, contact, feedback,
                            blind, coin, p_lose, coins, useful, r_src, r_dst, r_kind, r_upd)
        assert useful.tolist() == want_useful
        got = list(zip(r_src[:r].tolist(), r_dst[:r].tolist(), r_kind[:r].tolist(),
                       r_upd[:r].tolist(), strict=True))
        assert got == want_replies
        assert informed_next.tolist() == want_next
        assert contact.tolist() == want_contact


@pytest.mark.parametrize("use_counter", [True, False])
@pytest.mark.parametrize("kk", [1, 3])
def test_commit_matches_reference(use_counter, kk):
    n = 30
    for trial in range(20):
        rng = np.random.default_rng(trial)
        status, informed, live = random_state(n, rng)
        counter = rng.integers(0, kk, n).astype(np.int32)
        contact = rng.integers(0, 8, n).astype(np.uint8)
        informed_next = (rng.random(n) < 0.3) & ~informed
        informed_round = np.where(informed, 0, -1).astype(np.int32)
        want = [a.tolist() for a in (status, counter, contact, informed, informed_next,
                                     informed_round)]
        ref_commit(*want, 4, use_counter, kk)
        got = k.rumor_commit(status, counter, contact, informed, informed_next, informed_round,
                             live, 4, use_counter, kk)
        for array, expected in zip((status, counter, contact, informed, informed_next,
                                    informed_round), want, strict=True):
            assert array.tolist() == expected
        assert got == (int((informed & live).sum()), int(live.sum()),
                       int(((status == INF) & live).sum()))


def test_counter_reaching_k_removes_and_a_necessary_contact_resets():
    status = np.array([INF, INF, INF, INF, R], np.uint8)
    counter = np.array([2, 2, 2, 0, 2], np.int32)
    contact = np.array([k.UNNECESSARY, k.UNNECESSARY | k.NECESSARY, 0, k.UNNECESSARY,
                        k.UNNECESSARY], np.uint8)
    informed = np.ones(5, np.bool_)
    k.rumor_commit(status, counter, contact, informed, np.zeros(5, np.bool_),
                   np.zeros(5, np.int32), np.ones(5, np.bool_), 1, True, 3)
    # node 0 reaches k = 3; node 1 had a necessary contact (reset); node 2 had no contact
    # (unchanged); node 3 counts one; a removed node stays removed and its counter untouched
    assert status.tolist() == [R, INF, INF, INF, R]
    assert counter.tolist() == [3, 0, 2, 1, 2]
    assert contact.tolist() == [0] * 5


# ------------------------------------------------------------------ two nodes, by hand


def test_two_nodes_push_feedback_counter_by_hand():
    """Round 1: the origin pushes to the other node (necessary: NEW). From round 2 both push
    to each other, every push unnecessary (KNEW): counters 1, 2, 3 -> both removed after
    round 4 (k = 3). Pushes 1 + 2 * 3 = 7, each with a feedback reply."""
    for engine in ("kernels", "agents"):
        run = swarm.simulate(rumor(2, k=3), engine=engine)
        r = run.rounds
        assert r["informed"].tolist() == [1, 2, 2, 2, 2]
        assert r["infective"].tolist() == [1, 2, 2, 2, 0]
        assert r["update_messages"].tolist() == [0, 1, 2, 2, 2]
        assert r["messages"].tolist() == [0, 2, 4, 4, 4]
        assert r["useful"].tolist() == [0, 1, 0, 0, 0]
        assert run.summary["traffic"] == 3.5
        assert run.summary["residue"] == 0.0
        assert run.summary["t_avg"] == 0.5 and run.summary["t_last"] == 1
        assert run.state.status.tolist() == [R, R]


def test_two_nodes_push_blind_counter_and_coin_by_hand():
    # blind counter k = 2: every push counts; origin pushes in rounds 1, 2; the other in 2, 3
    run = swarm.simulate(rumor(2, feedback=False, k=2))
    assert run.rounds["update_messages"].tolist() == [0, 1, 2, 1]
    assert run.rounds["messages"].tolist() == [0, 1, 2, 1]  # blind: no replies
    # blind coin k = 1: each node pushes exactly once (a coin below 1 always comes up)
    run = swarm.simulate(rumor(2, feedback=False, stop="coin", k=1))
    assert run.rounds["update_messages"].tolist() == [0, 1, 1]
    assert run.rounds["infective"].tolist() == [1, 1, 0]


def test_two_nodes_pull_feedback_counter_by_hand():
    """Round 1: both ask; the susceptible node's request reaches the origin, which answers
    (the other request reaches a susceptible node: no answer); feedback NEW. Round 2: both ask
    again, both are answered, both answers were known (KNEW): with k = 1 both are removed."""
    for engine in ("kernels", "agents"):
        run = swarm.simulate(rumor(2, mode="pull", k=1), engine=engine)
        r = run.rounds
        assert r["informed"].tolist() == [1, 2, 2]
        assert r["messages"].tolist() == [0, 2 + 1 + 1, 2 + 2 + 2]
        assert r["update_messages"].tolist() == [0, 1, 2]
        assert r["infective"].tolist() == [1, 2, 0]


def test_single_node_knows_and_cannot_spread():
    run = swarm.simulate(rumor(1))
    assert len(run.rounds) == 1 and run.state.status.tolist() == [R]
    assert run.summary["residue"] == 0.0 and run.summary["t_last"] == 0


# ----------------------------------------------------------------------------- stop rules


def test_blind_coin_k1_stops_after_the_first_push():
    """Every informed node pushes exactly once: one push per round, a chain; per run
    traffic * n = L informed, t_last = L - 1, t_avg = (L - 1) / 2 exactly."""
    for seed in range(20):
        run = swarm.simulate(rumor(300, seed=seed, feedback=False, stop="coin", k=1))
        r = run.rounds
        reached = int(r["informed"].iloc[-1])
        assert r["update_messages"].iloc[1:].tolist() == [1] * (len(r) - 1)
        assert r["infective"].iloc[:-1].tolist() == [1] * (len(r) - 1)
        assert run.summary["traffic"] * 300 == reached
        assert run.summary["t_last"] == reached - 1
        assert run.summary["t_avg"] == pytest.approx((reached - 1) / 2, rel=1e-12)
        assert run.summary["rounds"] == reached  # the last push, to a node that knew
    mean, _ = rumor_chain_length(300)
    assert 15 < mean < 25


@pytest.mark.parametrize(("mode", "feedback", "stop"), VARIANTS)
def test_finished_exactly_when_no_node_is_infective(mode, feedback, stop):
    run = swarm.simulate(rumor(200, mode=mode, feedback=feedback, stop=stop, k=2))
    infective = run.rounds["infective"].to_numpy()
    assert infective[-1] == 0 and np.all(infective[:-1] > 0)
    assert run.summary["rounds"] < 1000
    assert int((run.state.status == INF).sum()) == 0
    assert np.array_equal(run.state.informed, run.state.status != S)


def test_summary_delays_from_the_round_frame():
    rounds = pd.DataFrame({"round": [0, 1, 2, 3, 4], "informed": [1, 3, 4, 4, 4],
                           "useful": [0, 2, 1, 0, 0], "coverage": [0.1, 0.3, 0.4, 0.4, 0.4]})
    assert rumor_summary(rounds) == {"t_avg": (2 * 1 + 1 * 2) / 4, "t_last": 2}


def test_more_patience_means_fewer_left_out_and_more_traffic():
    seeds = swarm.rng.replicate_seeds(7, 20)
    for feedback, stop in [(True, "counter"), (False, "coin")]:
        rows = [[swarm.simulate(rumor(400, seed=s, feedback=feedback, stop=stop, k=kk)).summary
                 for s in seeds] for kk in (1, 2, 4)]
        residue = [np.mean([x["residue"] for x in row]) for row in rows]
        traffic = [np.mean([x["traffic"] for x in row]) for row in rows]
        assert residue[0] > residue[1] > residue[2]
        assert traffic[0] < traffic[1] < traffic[2]


# --------------------------------------------------------------- agent path == kernel path


@pytest.mark.parametrize(("mode", "feedback", "stop"), VARIANTS)
@pytest.mark.parametrize("fanout", [1, 3])
def test_agent_path_equals_kernel_path_in_every_variant(mode, feedback, stop, fanout):
    s = rumor(80, seed=fanout, mode=mode, feedback=feedback, stop=stop, k=2, fanout=fanout,
              max_rounds=300)
    models = [SwarmModel(s, engine=engine) for engine in ("kernels", "agents")]
    while models[0].running or models[1].running:
        for m in models:
            m.step()
        assert (models[0].engine.rng.bit_generator.state
                == models[1].engine.rng.bit_generator.state)
        for key, value in models[0].state.arrays().items():
            assert np.array_equal(value, models[1].state.arrays()[key]), key
    a, b = (m.engine.rounds_frame() for m in models)
    pd.testing.assert_frame_equal(a, b)


def test_agent_path_equals_kernel_path_with_restarts():
    crash = CrashParams(fraction=0.3, start=3, end=5, keep_state=False)
    s = dataclasses.replace(rumor(100, k=2, max_rounds=200), faults=[crash])
    a = swarm.simulate(s)
    b = swarm.simulate(s, engine="agents")
    pd.testing.assert_frame_equal(a.rounds, b.rounds)
    assert a.summary == b.summary


def test_reset_nodes_forgets_everything():
    model = SwarmModel(rumor(50, k=5), engine="kernels")
    for _ in range(4):
        model.step()
    nodes = np.flatnonzero(model.state.informed)[:5]
    model.engine.protocol.reset_nodes(model.state, nodes)
    st = model.state
    assert np.all(st.status[nodes] == S) and np.all(st.counter[nodes] == 0)
    assert not st.informed[nodes].any() and np.all(st.informed_round[nodes] == -1)


# ----------------------------------------------------------------------------------- params


def test_params_validate_with_messages_that_name_the_field():
    with pytest.raises(ConfigError, match="protocol.mode"):
        rumor(10, mode="gossip")
    with pytest.raises(ConfigError, match="protocol.stop"):
        rumor(10, stop="never")
    with pytest.raises(ConfigError, match="protocol.k"):
        rumor(10, k=0)
    with pytest.raises(ConfigError, match="protocol.fanout"):
        rumor(10, fanout=10)
    s = rumor(10, mode="push-pull", feedback=False, stop="coin", k=4, fanout=2, origin=3)
    assert Scenario.from_dict(s.to_dict()) == s


def test_every_combination_runs_on_sparse_topologies():
    for (mode, feedback, stop), topo in itertools.product(VARIANTS, ["ring", "k-out"]):
        s = Scenario.from_dict({"nodes": 60, "protocol": "rumor", "protocol.mode": mode,
                                "protocol.feedback": feedback, "protocol.stop": stop,
                                "topology": topo, "topology.k": 2, "seed": 1})
        run = swarm.simulate(s)
        assert 0 < run.summary["rounds"] < 1000
        r = run.rounds
        assert np.array_equal(np.diff(r["informed"]), r["useful"].to_numpy()[1:])
