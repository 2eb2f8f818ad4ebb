"""Byzantine nodes (forge, equivocate, censor) and the defences (signatures, quorum,
reputation) in push, pull and push-pull: docs/protocols.md, "Byzantine nodes and defences"."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import swarm
from swarm import Scenario
from swarm.engine import Engine
from swarm.faults import byzantine as bz
from swarm.faults.byzantine import ByzantineParams
from swarm.faults.crash import CrashParams
from swarm.kernels import spreading as k
from swarm.metrics import defence_summary
from swarm.model import SwarmModel

MODES = ("push", "pull", "push-pull")
BEHAVIOURS = ("forge", "equivocate", "censor")
DEFENCES = {
    "signatures": {"protocol.signatures": True},
    "quorum": {"protocol.quorum": 3},
    "reputation": {"protocol.reputation": True},
    "all": {"protocol.signatures": True, "protocol.quorum": 2, "protocol.reputation": True,
            "protocol.reputation_strikes": 1, "protocol.reputation_slots": 2},
    "quorum+reputation": {"protocol.quorum": 2, "protocol.reputation": True,
                          "protocol.reputation_slots": 3},
}
HONEST_COLUMNS = ["round", "informed", "coverage", "live", "messages", "update_messages",
                  "delivered", "dropped", "dropped_down", "dropped_partition", "dropped_loss",
                  "delayed", "late", "useful", "redundant"]


def scenario(mode: str, *, nodes: int = 150, faults=(), seed: int = 4, **extra) -> Scenario:
    base = Scenario.from_dict({"nodes": nodes, "protocol": mode, "seed": seed,
                               "max_rounds": 60, **extra})
    return dataclasses.replace(base, faults=tuple(faults))


def same_run(a: swarm.Run, b: swarm.Run) -> None:
    pd.testing.assert_frame_equal(a.rounds, b.rounds)
    assert a.summary == b.summary
    for key, value in a.state.arrays().items():
        assert np.array_equal(value, b.state.arrays()[key]), key


def test_kernel_codes_match_the_fault_and_leave_the_kinds_apart():
    assert (k.BZ_FORGE, k.BZ_EQUIVOCATE, k.BZ_CENSOR) == (bz.FORGE, bz.EQUIVOCATE, bz.CENSOR)
    kinds = {k.CALL, k.REPLY, k.ACK}
    assert all(kind & k.BASE == kind and not kind & k.FORGED for kind in kinds)
    assert {(kind | k.FORGED) & k.BASE for kind in kinds} == kinds


@pytest.mark.parametrize("mode", MODES)
def test_honest_undefended_run_keeps_its_columns_and_arrays(mode):
    run = swarm.simulate(scenario(mode, faults=[ByzantineParams(fraction=0.0)]))
    assert list(run.rounds.columns) == HONEST_COLUMNS
    assert "forged" not in run.state.field_names
    assert "false_acceptance_final" not in run.summary


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("defence", sorted(DEFENCES))
def test_agent_path_equals_kernel_path_with_every_defence(mode, defence):
    """Each defence against each behaviour, on a sparse overlay (repeat contacts, so tables
    fill and reputation bites), with loss and a crash whose nodes restart without state."""
    for behaviour in BEHAVIOURS:
        s = scenario(mode, faults=[ByzantineParams(fraction=0.15, behaviour=behaviour,
                                                   start=2)],
                     **{"topology": "k-out", "topology.k": 3, "faults.loss.rate": 0.1,
                        "faults.crash.fraction": 0.1, "faults.crash.start": 4,
                        "faults.crash.end": 6, "faults.crash.keep_state": False,
                        **DEFENCES[defence]})
        same_run(swarm.simulate(s), swarm.simulate(s, engine="agents"))


@pytest.mark.parametrize("mode", ["push", "push-pull"])
def test_agent_path_equals_kernel_path_with_acks(mode):
    s = scenario(mode, faults=[ByzantineParams(fraction=0.2, behaviour="equivocate", start=2)],
                 **{"protocol.ack": True, "protocol.fanout": 2, "faults.loss.rate": 0.3,
                    "topology": "k-out", "topology.k": 2,
                    "protocol.signatures": True, "protocol.reputation": True,
                    "protocol.reputation_strikes": 1})
    run = swarm.simulate(s)
    same_run(run, swarm.simulate(s, engine="agents"))
    assert run.rounds["resends"].sum() > 0 and run.summary["ignored_total"] > 0


def test_offer_and_holders():
    """A forger offers the forged value, an equivocator the forged value to odd-numbered
    peers and the true one to even-numbered peers, a censor nothing; an honest node what it
    holds. Whoever offers nothing forgets its unacknowledged pushes."""
    informed = np.array([1, 0, 1, 1, 1, 0], np.bool_)
    forged = np.array([0, 1, 0, 0, 0, 0], np.bool_)
    byz = np.array([0, 0, bz.FORGE, bz.EQUIVOCATE, bz.CENSOR, 0], np.uint8)
    offers = [[k.offer(informed, forged, byz, i, peer) for peer in (2, 3)] for i in range(6)]
    T, F, N = k.TRUE_VALUE, k.FORGED_VALUE, k.NO_VALUE
    assert offers == [[T, T], [F, F], [F, F], [T, F], [N, N], [N, N]]
    pending = np.arange(12, dtype=np.int32).reshape(6, 2)
    holds = np.zeros(6, np.bool_)
    k.holders(informed, forged, byz, pending, holds)
    assert holds.tolist() == [True, True, True, True, False, False]
    assert (pending[4:] == -1).all() and (pending[:4] >= 0).all()


def receive(batch, *, quorum=1, signatures=False, reputation=False, strikes=2, slots=4,
            origin=0, n=6, held=()):
    """Run ``guarded_receive`` on (src, dst, forged?) triples; returns (useful, state)."""
    src, dst, fake = (np.array(col) for col in zip(*batch, strict=True))
    informed = np.zeros(n, np.bool_)
    informed[list(held)] = True
    st = {"informed": informed, "informed_next": np.zeros(n, np.bool_),
          "forged": np.zeros(n, np.bool_), "forged_next": np.zeros(n, np.bool_),
          "q_ids": np.full((n, 2, quorum << (strikes - 1) if reputation else quorum), -1,
                           np.int32),
          "q_weight": np.zeros((n, 2), np.int32),
          "rep_ids": np.full((n, slots), -1, np.int32),
          "rep_count": np.zeros((n, slots), np.uint8), "tally": np.zeros(2, np.int64)}
    m = len(batch)
    kind = np.where(fake, k.CALL | k.FORGED, k.CALL).astype(np.uint8)
    useful = np.zeros(m, np.bool_)
    out = [np.zeros(m, np.int32), np.zeros(m, np.int32), np.zeros(m, np.uint8)]
    k.guarded_receive(src.astype(np.int32), dst.astype(np.int32), kind, np.ones(m, np.bool_),
                      st["informed"], st["informed_next"], st["forged"], st["forged_next"],
                      np.zeros(n, np.uint8), False, False, np.full((n, 0), -1, np.int32),
                      origin, quorum, signatures, reputation, strikes, st["q_ids"],
                      st["q_weight"], st["rep_ids"], st["rep_count"], st["tally"], useful, *out)
    return useful.tolist(), st


def test_quorum_counts_distinct_senders_and_trusts_the_origin():
    # node 5 hears the forged value from 1, 1 again, then 2: accepted at the second sender
    useful, st = receive([(1, 5, True), (1, 5, True), (2, 5, True), (3, 5, False)], quorum=2)
    assert useful == [False, False, True, False]
    assert st["forged_next"][5] and not st["informed_next"][5]
    # straight from the origin (node 0): accepted at once
    useful, st = receive([(0, 4, False)], quorum=3)
    assert useful == [True] and st["informed_next"][4]


def test_signatures_reject_forgeries_and_count_every_read():
    useful, st = receive([(1, 5, True), (2, 5, False), (3, 5, False)], signatures=True)
    assert useful == [False, True, False] and not st["forged_next"].any()
    assert st["tally"].tolist() == [3, 0]


def test_reputation_ignores_after_strikes():
    """Node 5 holds the true value; node 1 sends it the forged one twice (two contradictions:
    two offences, strikes = 2), so 1's next messages are dropped unread."""
    useful, st = receive([(1, 5, True), (1, 5, True), (1, 5, True), (1, 5, False)],
                         quorum=2, reputation=True, held=[5])
    assert useful == [False] * 4
    assert st["tally"].tolist() == [0, 2]
    assert st["rep_ids"][5, 0] == 1 and st["rep_count"][5, 0] == 2


def test_reputation_halves_a_caught_peers_quorum_weight():
    """quorum 2, strikes 2: weights in units of 1/2, the quorum is 4 units. Node 4 catches
    node 1 forging (signatures): 1's true value then weighs 1 unit, node 2's 2 units: 3 < 4,
    not yet; node 3's makes 5: accepted. Without the offence 1 and 2 would have sufficed."""
    useful, st = receive([(1, 4, True), (1, 4, False), (2, 4, False), (3, 4, False)],
                         quorum=2, signatures=True, reputation=True)
    assert useful == [False, False, False, True]
    assert st["q_weight"][4].tolist() == [5, 0] and st["tally"].tolist() == [4, 0]
    useful, _ = receive([(1, 4, False), (2, 4, False)], quorum=2, signatures=True,
                        reputation=True)
    assert useful == [False, True]


def test_reputation_table_is_bounded_and_keeps_the_worst():
    ids = np.full((1, 2), -1, np.int32)
    counts = np.zeros((1, 2), np.uint8)
    for peer in (7, 7, 8, 9):
        k.offend(ids, counts, 0, peer, 3)
    # 9 replaced 8 (one offence, fewer than 7's two)
    assert ids[0].tolist() == [7, 9] and counts[0].tolist() == [2, 1]
    for _ in range(5):
        k.offend(ids, counts, 0, 7, 3)
    assert counts[0, 0] == 3  # saturates at strikes


def test_quorum_must_fit_the_nodes():
    with pytest.raises(swarm.ConfigError, match="protocol.quorum"):
        scenario("push", nodes=3, **{"protocol.quorum": 3})


def test_forgers_cause_false_acceptance_without_a_defence():
    """10 forgers push the forged value from round 1, the origin alone the true one: the
    forged rumour starts ten times as wide, so it reaches most nodes first; with fair
    competition the expected false acceptance is about 10 / 11. The bound 0.5 leaves room
    for the early rounds' noise (the true rumour must win a race it starts 10 to 1 behind):
    over seeds 0-19 it ranged from 0.82 to 0.97."""
    s = scenario("push-pull", nodes=1000, seed=11, faults=[
        ByzantineParams(fraction=0.01, behaviour="forge")], **{"protocol.origin": 0})
    run = swarm.simulate(s)
    assert run.summary["false_acceptance_final"] > 0.5
    r = run.rounds
    assert (r["coverage"] + r["false_acceptance"] <= 1.0 + 1e-12).all()
    assert r["coverage"].iloc[-1] + r["false_acceptance"].iloc[-1] == pytest.approx(1.0)
    signed = swarm.simulate(s.replace({"protocol.signatures": True}))
    assert signed.summary["false_acceptance_final"] == 0.0
    assert signed.summary["coverage_final"] == 1.0


def test_censors_slow_push():
    """Push, n = 1000, complete graph, 30 % censors. Censors take the rumour but never pass
    it on, so only 70 % of the informed push: the first phase grows by 1.7 a round instead of
    2 (log_1.7 1000 = 13.0 vs log_2 1000 = 10.0 rounds) and the last phase takes ln n / 0.7 =
    9.9 instead of ln n = 6.9 rounds (Pittel 1987): about 6 rounds more. rounds_to_full
    varies by about 2 rounds (sd) from run to run at this n, so the difference of two means
    over 10 seeds has an sd of about 0.9 rounds; we require 3 rounds more (3 sd below the
    expected 6). The censors are nodes 700-999 and the origin node 0 (a censoring origin
    would stop the rumour altogether)."""
    seeds = range(10)

    def mean_rounds(faults):
        return np.mean([swarm.simulate(scenario(
            "push", nodes=1000, seed=seed, faults=faults, max_rounds=200,
            **{"protocol.origin": 0})).summary["rounds_to_full"] for seed in seeds])

    clean = mean_rounds([])
    censored = mean_rounds([ByzantineParams(select="ids", ids="700-999", behaviour="censor")])
    assert censored >= clean + 3


def test_signatures_verify_every_update_read():
    """Without reputation nothing is ignored, so every delivered update-carrying message is
    read and verified: verifications == useful + redundant in every round."""
    s = scenario("push-pull", faults=[ByzantineParams(fraction=0.2, behaviour="equivocate")],
                 **{"protocol.signatures": True, "faults.loss.rate": 0.2})
    r = swarm.simulate(s).rounds
    assert np.array_equal(r["verifications"], r["useful"] + r["redundant"])
    assert r["verifications"].sum() > 0 and r["ignored"].sum() == 0


@pytest.mark.parametrize("mode", MODES)
def test_reputation_saves_exactly_the_verifications_it_ignores(mode):
    """With signatures, only forgers are ever caught (honest nodes never hold the forged
    value), and what a caught forger sends is rejected anyway: reputation changes nothing
    but the cost. Every message ignored is one verification saved, round by round."""
    faults = [ByzantineParams(fraction=0.2, behaviour="forge")]
    extra = {"topology": "k-out", "topology.k": 2, "protocol.signatures": True}
    plain = swarm.simulate(scenario(mode, faults=faults, **extra)).rounds
    rep = swarm.simulate(scenario(mode, faults=faults, **{
        **extra, "protocol.reputation": True, "protocol.reputation_strikes": 1})).rounds
    assert rep["ignored"].sum() > 0
    assert np.array_equal(plain["verifications"], rep["verifications"] + rep["ignored"])
    same = ["informed", "coverage", "false_accepted", "messages", "useful"]
    pd.testing.assert_frame_equal(plain[same], rep[same])


def test_a_fault_injected_mid_run_switches_paths_and_replays():
    s = scenario("push-pull", nodes=400, **{"topology": "k-out", "topology.k": 3})
    for engine in ("kernels", "agents"):
        model = SwarmModel(s, engine=engine)
        model.step()
        model.step()
        assert not model.protocol.guarded
        model.engine.inject(ByzantineParams(fraction=0.1, behaviour="forge"))
        while model.running:
            model.step()
        assert model.protocol.guarded
        assert model.protocol.metric_names == ("informed", "coverage", "false_acceptance",
                                               "false_accepted", "false_new", "verifications",
                                               "ignored")
        frame = model.engine.rounds_frame()
        assert list(frame.columns[1:8]) == list(model.protocol.metric_names)
        assert (frame["false_accepted"].iloc[:3] == 0).all()
        assert frame["false_accepted"].iloc[-1] > 0
        replay = swarm.simulate(model.engine.scenario, engine=engine)
        pd.testing.assert_frame_equal(frame, replay.rounds)


def test_honest_again_after_the_window_keeps_what_it_accepted():
    """A window that closes: the nodes follow the rule again, from the values they hold.
    Forgers 1-30 in rounds 1-5 accept the forged value from one another (they receive by
    the honest rule); from round 6 they are honest, keep what they accepted (a value once
    accepted is final), push it, and count among the honest holders."""
    s = scenario("push", nodes=300, faults=[ByzantineParams(
        select="ids", ids="1-30", behaviour="forge", start=1, end=5)],
        **{"protocol.origin": 0})
    liars = np.arange(1, 31)
    engine = Engine(s)
    for _ in range(5):
        engine.step()
    state = engine.state
    assert (state.byzantine[liars] != 0).all()
    informed, forged = state.informed[liars].copy(), state.forged[liars].copy()
    assert forged.sum() >= 10 and (~(informed | forged)).any()  # some hold nothing yet
    engine.run()
    assert (state.byzantine == 0).all()
    assert (state.informed[liars] >= informed).all() and (state.forged[liars] >= forged).all()
    assert not (state.informed & state.forged).any()
    frame = engine.rounds_frame()
    assert frame["false_accepted"].iloc[-1] == state.forged.sum()  # ex-liars counted
    # the round they turn honest, false_accepted jumps by the ex-liars' forged values: not
    # new acceptances, so not in false_new (nor in rounds_to_contain)
    jump = frame["false_accepted"].diff().iloc[6]
    assert jump == frame["false_new"].iloc[6] + forged.sum()


@pytest.mark.parametrize("engine", ["kernels", "agents"])
def test_rounds_to_contain_ignores_nodes_coming_back(engine):
    """Push-pull, 5 % forgers: the forged value stops spreading by round 6 (every honest
    node holds a value); 30 % of the nodes crash in rounds 10-20 and come back with their
    state, so false_accepted drops and grows again at round 21 with nothing accepted.
    rounds_to_contain is the last round with a new honest forged acceptance (false_new)."""
    s = scenario("push-pull", nodes=300, seed=3, faults=[
        ("byz", ByzantineParams(fraction=0.05, behaviour="forge", start=1)),
        ("crash", CrashParams(fraction=0.3, start=10, end=20, keep_state=True))],
        **{"protocol.origin": 0})
    run = swarm.simulate(s, engine=engine)
    r = run.rounds.set_index("round")
    assert r.loc[21, "false_accepted"] > r.loc[20, "false_accepted"]  # the recovery
    assert (r.loc[7:, "false_new"] == 0).all()
    last = int(r.index[r["false_new"] > 0].max())
    assert run.summary["rounds_to_contain"] == last <= 6


def test_defence_summary():
    """rounds_to_contain follows false_new, not false_accepted (which here drops as holders
    go down in round 3 and grows as they come back in round 4)."""
    rounds = pd.DataFrame({"round": [0, 1, 2, 3, 4], "false_accepted": [0, 2, 5, 3, 5],
                           "false_new": [0, 2, 3, 0, 0],
                           "false_acceptance": [0, 0.02, 0.05, 0.03, 0.05],
                           "verifications": [0, 10, 20, 5, 5], "ignored": [0, 0, 1, 2, 0]})
    out = defence_summary(rounds, nodes=10)
    assert out == {"false_acceptance_final": 0.05, "false_accepted_final": 5,
                   "rounds_to_contain": 2, "verifications_per_node": 4.0, "ignored_total": 3}
    clean = rounds.assign(false_accepted=0, false_new=0, false_acceptance=0.0)
    assert defence_summary(clean, 10)["rounds_to_contain"] == 0


def test_node_codes_show_the_forged_value():
    s = scenario("push-pull", faults=[ByzantineParams(fraction=0.1, behaviour="forge")])
    engine = Engine(s)
    engine.run()
    codes = engine.protocol.node_codes(engine.state)
    assert set(np.unique(codes)) <= {0, 1, 2}
    assert np.array_equal(codes == 2, engine.state.forged)
    assert np.array_equal(codes == 1, engine.state.informed)


def test_no_mean_field_curve_once_guarded():
    """The mean-field recurrence models honest spreading; once a node is Byzantine (or a
    defence is on) coverage counts honest holders of the true value only: no curve."""
    s = scenario("push", nodes=200, faults=[ByzantineParams(fraction=0.5, behaviour="censor")],
                 **{"protocol.origin": 0})
    engine = Engine(s)
    assert engine.protocol.expected_coverage(200, 10) is not None  # honest so far
    engine.step()
    assert engine.protocol.guarded and engine.protocol.expected_coverage(200, 10) is None
    signed = Engine(scenario("push", nodes=200, **{"protocol.signatures": True}))
    assert signed.protocol.expected_coverage(200, 10) is None


def test_no_live_honest_node_reads_zero():
    """Every node down in rounds 3-6: coverage and false_acceptance read 0.0 (not NaN), as
    coverage does with no live node (docs/protocols.md, C4 and "Byzantine nodes and
    defences"); the run goes on, as a fault is still to act."""
    s = scenario("push", nodes=50, seed=1, max_rounds=30, faults=[
        ("byz", ByzantineParams(fraction=0.1, behaviour="forge", start=1)),
        ("crash", CrashParams(fraction=1.0, start=3, end=6, keep_state=True))],
        **{"protocol.origin": 0})
    r = swarm.simulate(s).rounds.set_index("round")
    down = r.loc[3:6]
    assert (down["live"] == 0).all()
    assert (down[["coverage", "false_acceptance"]] == 0.0).all().all()
    assert r.loc[7, "live"] == 50 and r.index[-1] > 7
