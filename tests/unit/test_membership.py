"""SWIM and heartbeat: parameters, kernels against references, the metrics' bookkeeping,
and the behaviour under each fault (docs/protocols.md, "swim" and "heartbeat")."""

from __future__ import annotations

import math

import numpy as np
import pytest

import swarm
from swarm import Scenario
from swarm.errors import ConfigError
from swarm.kernels import swim as ks
from swarm.model import SwarmModel
from swarm.protocols.membership import (
    DEFAULT_VIEW_SIZE,
    MAX_DENSE_NODES,
    Views,
    check_dense,
    resolve_view_size,
)
from swarm.protocols.swim import SWIM_PROFILES, SwimParams
from swarm.topology import BarabasiAlbert, Topology


def swim(nodes: int = 100, seed: int = 1, max_rounds: int = 60, **extra) -> Scenario:
    return Scenario.from_dict({"nodes": nodes, "protocol": "swim", "seed": seed,
                               "max_rounds": max_rounds, **extra})


# -- parameters ------------------------------------------------------------------------------

def test_profiles_fill_the_knobs_left_at_none_and_explicit_values_win():
    lan = SwimParams()
    assert lan.knob("indirect_checks") == 3 and lan.knob("suspicion_mult") == 4
    local = SwimParams(profile="local", suspicion_mult=9)
    assert local.knob("indirect_checks") == 1 and local.knob("suspicion_mult") == 9
    assert set(SWIM_PROFILES) == {"lan", "wan", "local"}
    for values in SWIM_PROFILES.values():
        assert set(values) == set(SWIM_PROFILES["lan"])


@pytest.mark.parametrize("n, lan_limit, t_min", [
    (1, 4, 4.0), (9, 4, 4.0), (10, 8, 4.0), (1000, 16, 12.0), (10_000, 20, 16.0),
])
def test_memberlist_retransmit_limit_and_suspicion_timeout(n, lan_limit, t_min):
    """memberlist util.go: retransmitLimit = mult * ceil(log10(n + 1)); suspicionTimeout =
    mult * max(1, log10(max(1, n))) intervals (log10 in the code, whatever the comments say)."""
    p = SwimParams()
    assert p.retransmit_limit(n) == lan_limit
    lo, hi = p.suspicion_timeouts(n)
    assert lo == pytest.approx(t_min) and hi == pytest.approx(6 * t_min)


def test_full_views_are_bounded_with_a_clear_error_pointing_to_partial_views():
    for name in ("swim", "heartbeat"):
        with pytest.raises(ConfigError) as err:
            Scenario.from_dict({"nodes": MAX_DENSE_NODES + 1, "protocol": name,
                                "protocol.view_size": 0})
        assert err.value.field == "nodes" and err.value.value == MAX_DENSE_NODES + 1
        assert "at most 10000" in str(err.value) and "protocol.view_size" in str(err.value)
        with pytest.raises(ConfigError, match=r"protocol.view_size = 1"):
            Scenario.from_dict({"nodes": 50, "protocol": name, "protocol.view_size": 1})
        # left at none: a full view up to MAX_DENSE_NODES, a partial one above
        assert resolve_view_size(None, MAX_DENSE_NODES) == 0
        assert resolve_view_size(None, MAX_DENSE_NODES + 1) == DEFAULT_VIEW_SIZE
        Scenario.from_dict({"nodes": MAX_DENSE_NODES + 1, "protocol": name})


def test_bad_knobs_name_field_value_and_range():
    with pytest.raises(ConfigError, match=r"protocol.indirect_checks = -1"):
        Scenario.from_dict({"protocol": "swim", "protocol.indirect_checks": -1})
    with pytest.raises(ConfigError, match=r"protocol.profile = 'moon'"):
        Scenario.from_dict({"protocol": "swim", "protocol.profile": "moon"})
    with pytest.raises(ConfigError, match=r"protocol.t_cleanup = 3: must be >= t_fail = 5"):
        Scenario.from_dict({"protocol": "heartbeat", "protocol.t_fail": 5,
                            "protocol.t_cleanup": 3})


# -- kernels against references ---------------------------------------------------------------

@pytest.mark.parametrize("d", list(range(1, 40)) + [97, 360, 999])
def test_stride_gives_a_permutation_of_every_rank(d):
    for u in (0.0, 0.13, 0.5, 0.77, 0.999999):
        a = ks.stride(u, d)
        assert 1 <= a <= max(1, d - 1) and math.gcd(a, d) == 1
        assert sorted((a * s + 3) % d for s in range(d)) == list(range(d))


A, S, D = ks.ALIVE, ks.SUSPECT, ks.DEAD
#: the kernels' view geometry of a full view (pindptr, pindices, partial), width = n
FULL_VIEW = (np.zeros(0, np.int64), np.zeros(0, np.int32), False)


@pytest.mark.parametrize("cur, cx, s, x, changed, after", [
    (A, 2, A, 3, True, (A, 3)), (A, 2, A, 2, False, (A, 2)), (A, 2, A, 1, False, (A, 2)),
    (A, 2, S, 2, True, (S, 2)), (A, 2, S, 1, False, (A, 2)), (A, 2, S, 5, True, (S, 5)),
    (S, 2, S, 2, False, (S, 2)), (S, 2, S, 3, True, (S, 3)), (S, 2, A, 2, False, (S, 2)),
    (S, 2, A, 3, True, (A, 3)), (S, 2, D, 2, True, (D, 2)), (A, 2, D, 1, False, (A, 2)),
    (D, 2, S, 9, False, (D, 2)), (D, 2, D, 5, False, (D, 2)), (D, 2, A, 2, False, (D, 2)),
    (D, 2, A, 3, True, (A, 3)),
])
def test_update_precedence_table(cur, cx, s, x, changed, after):
    """SWIM section 4.2 with memberlist's guards: higher incarnations win; a suspicion
    overrides alive at the same incarnation; a death overrides all but a death; a suspicion
    never overrides a death; a refutation (alive, higher incarnation) revives a death."""
    n = 3
    view = np.zeros((n, n), np.int8)
    inc = np.zeros((n, n), np.int32)
    view[0, 1], inc[0, 1] = cur, cx
    n_suspect = np.array([1 if cur == S else 0, 0, 0], np.int32)
    args = (np.zeros((n, n), np.uint16), np.zeros((n, n), np.uint8),
            np.zeros((n, 0), np.uint8), n_suspect, np.zeros((2, n), np.int64),
            np.ones(n, np.bool_), np.zeros(n, np.int32), np.zeros(n, np.int32))
    tally = np.zeros(ks.N_TALLY, np.int64)
    got = ks.apply_update(view, inc, *args, *FULL_VIEW, n, 0, 1, s, x, 7, 5, False, 7, tally)
    assert got == changed
    assert (view[0, 1], inc[0, 1]) == after
    assert n_suspect[0] == (1 if after[0] == S else 0)
    assert args[1][0, 1] == (5 if changed else 0)  # queued for 5 transmissions
    counts = args[4]  # observer 0 moved its count of member 1 (from nothing: a delta)
    expect = np.zeros((2, n), np.int64)
    if changed and after[0] != cur:
        if cur != S:
            expect[cur // 2, 1] -= 1
        if after[0] != S:
            expect[after[0] // 2, 1] += 1
    assert np.array_equal(counts, expect)


def test_a_node_refutes_a_suspicion_or_death_about_itself():
    n = 2
    view = np.zeros((n, n), np.int8)
    inc = np.zeros((n, n), np.int32)
    inc[1, 1] = 4
    tally = np.zeros(ks.N_TALLY, np.int64)
    rest = (np.zeros((n, n), np.uint16), np.zeros((n, n), np.uint8),
            np.zeros((n, 0), np.uint8), np.zeros(n, np.int32), np.zeros((2, n), np.int64),
            np.ones(n, np.bool_), np.zeros(n, np.int32), np.zeros(n, np.int32))
    assert not ks.apply_update(view, inc, *rest, *FULL_VIEW, n, 1, 1, S, 3, 1, 2, False, 7,
                               tally)
    assert ks.apply_update(view, inc, *rest, *FULL_VIEW, n, 1, 1, D, 4, 1, 2, False, 7, tally)
    assert inc[1, 1] == 5 and view[1, 1] == A and tally[ks.T_REFUTATIONS] == 1


def test_snapshot_takes_the_most_transmissions_left_ties_by_member():
    n, p = 6, 3
    tx = np.zeros((n, ks.padded(n)), np.uint8)
    tx[0, :n] = [0, 2, 5, 2, 2, 1]
    view = np.full((n, n), S, np.int8)
    inc = np.arange(n * n, dtype=np.int32).reshape(n, n)
    live = np.ones(n, np.bool_)
    pending = np.count_nonzero(tx, axis=1).astype(np.int32)
    member = np.zeros((n, p), np.int32)
    status = np.zeros((n, p), np.int8)
    snap_inc = np.zeros((n, p), np.int32)
    count = np.zeros(n, np.int32)
    ks.swim_snapshot(live, tx, tx.view(np.uint64), view, inc, pending, p, member, status,
                     snap_inc, count, *FULL_VIEW)
    assert count[0] == 3 and member[0].tolist() == [1, 2, 3]  # tx 5, then the first two 2s
    assert snap_inc[0].tolist() == inc[0, [1, 2, 3]].tolist() and count[1:].sum() == 0


def test_suspicion_timeout_shrinks_with_confirmations():
    """Lifeguard (memberlist suspicion.go): t_max without confirmations, t_min with k."""
    assert ks.suspicion_timeout(0, 4.0, 24.0, 2) == 24.0
    assert ks.suspicion_timeout(2, 4.0, 24.0, 2) == 4.0
    assert 4.0 < ks.suspicion_timeout(1, 4.0, 24.0, 2) < 24.0
    assert ks.suspicion_timeout(0, 4.0, 24.0, 0) == 4.0


# -- helpers of an unanswered probe (memberlist's kRandomNodes) ------------------------------

#: d = 39 peers: tries first (HELPER_TRIES * k < 39 for k <= 9); d = 11: k >= 3 lists the
#: peers at once; a partial view of 8 peers; an overlay (k-out, uneven degrees)
HELPER_CASES = {
    "complete": {"nodes": 40},
    "small": {"nodes": 12},
    "partial": {"nodes": 60, "protocol.view_size": 8},
    "k-out": {"nodes": 60, "topology": "k-out", "topology.k": 4},  # degree >= 4: S and D held
}


def unanswered_prober(extra: dict, k: int, alive_fraction: float, seed: int = 0):
    """An agent-path model (nothing run) whose node 0 probes its peer of rank 1 and got no
    ack; node 0 holds ``round(alive_fraction * d)`` of its d peers (at random) ALIVE, the
    others SUSPECT and DEAD in turn. Returns (model, agent 0, its peers, the target)."""
    model = SwarmModel(swim(**{"protocol.indirect_checks": k, **extra}), engine="agents")
    agent = model.node_agents[0]
    peers = [agent.neighbour(r) for r in range(agent.degree)]
    target = peers[1]
    alive = round(alive_fraction * len(peers))
    order = np.random.default_rng(seed).permutation(len(peers)).tolist()
    for q, r in enumerate(order):
        status = A if q < alive else (S, D)[(q - alive) % 2]
        model.state.view[0, model.protocol.views.col(0, peers[r])] = status
    model.state.probe_target[:] = -1
    model.state.probe_target[0] = target
    model.state.acked[:] = False
    return model, agent, peers, target


def kernel_helpers(model, u: np.ndarray) -> tuple[list[int], int]:
    """The kernel path's PING_REQ destinations for the unanswered probers of ``model`` from
    the doubles u, and how many doubles it used."""
    state, proto, v = model.state, model.protocol, model.protocol.views
    _, most = ks.swim_helpers_count(state.live, state.probe_target, state.acked, v.indptr,
                                    v.complete, proto.k)
    assert u.shape[0] >= most
    room = proto.k * state.n
    dst = np.zeros(room, np.int32)
    m, used = ks.swim_helpers(state.live, state.probe_target, state.acked, state.view,
                              state.snap_count, state.sent.copy(), v.indptr, v.indices,
                              v.complete, v.partial, proto.k, u, 0, np.zeros(room, np.int32),
                              dst, np.zeros(room, np.uint8), np.zeros(room, np.bool_))
    assert used <= most
    return dst[:m].tolist(), used


@pytest.mark.parametrize("case", HELPER_CASES)
@pytest.mark.parametrize("k", [1, 3, 8])
@pytest.mark.parametrize("alive_fraction", [0.0, 0.15, 0.5, 1.0])
def test_helpers_are_distinct_peers_held_alive_other_than_prober_and_target(
        case, k, alive_fraction):
    """memberlist's kRandomNodes: min(k, eligible) distinct helpers, each a peer the prober
    holds ALIVE, never the prober or the target (some peers held SUSPECT or DEAD); the agent
    rule and the kernel pick the same helpers from the same doubles and use as many."""
    from swarm.rng import DoubleStream

    model, agent, peers, target = unanswered_prober(HELPER_CASES[case], k, alive_fraction)
    eligible = {h for h in peers if h != target and agent.holds(h, A)}
    held = [agent.holds(h, S) + 2 * agent.holds(h, D) for h in peers]
    assert held.count(S) + held.count(D) == len(peers) - round(alive_fraction * len(peers))
    assert alive_fraction == 1.0 or {S, D} <= set(held)
    for trial in range(40):
        model.draw = DoubleStream(np.random.default_rng(trial))
        got = agent.helpers(target)
        model.draw.sync()
        kern, used = kernel_helpers(model, np.random.default_rng(trial).random(200))
        assert got == kern
        replay = np.random.default_rng(trial)
        replay.bit_generator.advance(used)
        assert model.draw.rng.bit_generator.state == replay.bit_generator.state
        assert len(got) == len(set(got)) == min(k, len(eligible))
        assert set(got) <= eligible and 0 not in got and target not in got


@pytest.mark.parametrize("case, k, alive_fraction", [
    ("complete", 3, 0.3),  # about 11 of 39 eligible: rejection tries, often the list too
    ("complete", 1, 0.06),  # one or two eligible: mostly the list
    ("small", 2, 0.45),  # d = 11, 8 tries for 2 helpers
    ("partial", 3, 0.6),  # d = 8 <= 12: the list at once
])
def test_helpers_are_uniform_among_the_eligible_peers(case, k, alive_fraction):
    """Each of the e eligible peers is a helper with probability k / e (e > k), and with
    e <= 6 every k-subset is equally likely. T = 6000 draws of the kernel rule; a count is
    Binomial(T, q) with q = k / e (or 1 / C(e, k) for a subset), and we allow 5 standard
    errors sqrt(T q (1 - q)) on each: a correct rule fails one of these at most ~30 checks
    with probability below 30 * 6e-7 (normal approximation, T q >= 400 here)."""
    model, agent, peers, target = unanswered_prober(HELPER_CASES[case], k, alive_fraction)
    eligible = sorted(h for h in peers if h != target and agent.holds(h, A))
    e = len(eligible)
    assert e > k
    rng = np.random.default_rng(99)
    trials = 6000
    single = dict.fromkeys(eligible, 0)
    subsets: dict[tuple[int, ...], int] = {}
    for _ in range(trials):
        got, _ = kernel_helpers(model, rng.random(200))
        assert len(got) == k
        for h in got:
            single[h] += 1
        key = tuple(sorted(got))
        subsets[key] = subsets.get(key, 0) + 1
    q = k / e
    for h, count in single.items():
        assert abs(count - trials * q) < 5 * math.sqrt(trials * q * (1 - q)), (h, count)
    if e <= 6:
        q = 1 / math.comb(e, k)
        assert len(subsets) == math.comb(e, k)
        for key, count in subsets.items():
            assert abs(count - trials * q) < 5 * math.sqrt(trials * q * (1 - q)), key


@pytest.mark.parametrize("case", ["complete", "partial", "k-out"])
@pytest.mark.parametrize("k", [1, 3])
def test_helper_draws_leave_both_paths_streams_alike_under_loss_and_a_partition(case, k):
    """Under loss, with a partition that makes every node hold half its peers DEAD (rejection
    tries run out and the list is taken), both paths keep the protocol stream in the same
    state after every round, and the same state arrays."""
    extra = {**HELPER_CASES[case], "protocol.indirect_checks": k, "max_rounds": 40,
             "timeline": "loss rate=0.2; 5: partition groups=2 end=30"}
    models = [SwarmModel(swim(**extra), engine=engine) for engine in ("kernels", "agents")]
    while models[0].running or models[1].running:
        for m in models:
            m.step()
        assert (models[0].engine.rng.bit_generator.state
                == models[1].engine.rng.bit_generator.state), models[0].engine.round
        for key, value in models[0].state.arrays().items():
            assert np.array_equal(value, models[1].state.arrays()[key]), key
    assert (models[0].state.view == D).any()


@pytest.mark.parametrize("nodes, view_size, most", [
    (50_000, 50_000, 1999),  # on the complete graph: a full view of 50 000 nodes
    (50_000, 49_999, 1999),
    (20_000, 10**6, 4999),
    (20_000, 5000, 4999),
    (4_000_000, None, 24),  # the default 32 peers: 1.3 x 10^8 entries
])
def test_partial_views_are_bounded_like_a_full_view(nodes, view_size, most):
    """nodes x min(view_size + 1, nodes) entries at most MAX_DENSE_NODES^2: a large
    view_size must not get around the full view's memory bound."""
    for name in ("swim", "heartbeat"):
        with pytest.raises(ConfigError) as err:
            Scenario.from_dict({"nodes": nodes, "protocol": name,
                                "protocol.view_size": view_size})
        assert err.value.field == "protocol.view_size"
        assert err.value.value == (view_size or DEFAULT_VIEW_SIZE)
        assert f"at most {most} " in err.value.allowed
        Scenario.from_dict({"nodes": nodes, "protocol": name, "protocol.view_size": most})
    check_dense("swim", 100, 10**6)  # a full view of 100 nodes: fine
    with pytest.raises(ConfigError) as err:
        check_dense("swim", 40_000_000, 2)  # no partial view fits
    assert err.value.field == "nodes"


# -- behaviour -------------------------------------------------------------------------------

def test_no_loss_two_messages_per_member_per_period_and_no_suspicion():
    run = swarm.simulate(swim(nodes=300, max_rounds=30, **{"protocol.min_periods": 30}))
    body = run.rounds.iloc[1:]
    assert (body["messages"] == 2 * body["live"]).all()
    assert run.summary["messages_per_member_period"] == 2.0
    assert run.summary["suspicions_total"] == 0 and run.summary["false_positive_rate"] == 0
    assert (body["agreement"] == 1.0).all() and (body["probes"] == 300).all()


def test_a_crash_is_detected_and_reported_per_event():
    run = swarm.simulate(swim(nodes=200, max_rounds=80, timeline='5: crash fraction=0.05'))
    ev = run.events.iloc[0]
    assert ev["event"] == "crash" and ev["first_detection_periods"] >= 1
    assert ev["all_know_periods"] >= ev["first_detection_periods"]
    s = run.summary
    assert s["crashes"] == 10 and s["undetected"] == 0
    assert 1 <= s["first_detection_periods"] <= s["first_dead_periods"] <= s["all_know_periods"]
    state = run.state
    down = np.flatnonzero(~state.live)
    live = np.flatnonzero(state.live)
    assert (state.view[np.ix_(live, down)] == ks.DEAD).all()
    assert run.summary["agreement_final"] == 1.0 and run.summary["false_positives_total"] == 0


@pytest.mark.parametrize("engine", ["kernels", "agents"])
def test_a_member_suspected_before_its_crash_counts_as_detected_in_the_crash_round(engine):
    """Member 7 is already SUSPECT in some views (a probe lost to the 30% loss, spread by
    gossip) when it crashes in round 20: nobody's own probe suspects it after the crash, but
    the episode is detected at the end of round 20 (1 period), before it is declared dead."""
    s = swim(nodes=40, seed=7, max_rounds=100,
             timeline='20: crash select=ids ids="7"; loss rate=0.3')
    model = SwarmModel(s, engine=engine)
    while model.engine.round < 19:
        model.step()
    assert (model.state.view[:, 7] == ks.SUSPECT).any()  # suspected before the crash
    run = swarm.simulate(s, engine=engine)
    sm = run.summary
    assert sm["crashes"] == 1 and sm["undetected"] == 0
    assert sm["first_detection_periods"] == 1.0 and sm["first_dead_periods"] == 7.0
    assert sm["all_know_periods"] == 10.0
    assert run.events["first_detection_periods"].iloc[0] == 1


def test_partition_both_sides_declare_the_other_dead_then_merge():
    s = swim(nodes=120, max_rounds=200, timeline="5-40: partition groups=2 by=ids")
    model = SwarmModel(s, engine="kernels")
    while model.engine.round < 40:
        model.step()
    view = model.state.view
    left, right = np.arange(60), np.arange(60, 120)
    assert (view[np.ix_(left, right)] == ks.DEAD).all()
    assert (view[np.ix_(right, left)] == ks.DEAD).all()
    assert (view[np.ix_(left, left)] == ks.ALIVE).all()
    while model.running:
        model.step()
    run_rows = model.engine.rounds_frame()
    assert run_rows["agreement"].iloc[-1] == 1.0
    events = model.engine.events_frame()
    heal = events[events["event"] == "heal"].iloc[0]
    assert heal["reconverge_rounds"] > 0


@pytest.mark.parametrize("timeline", [
    "loss rate=0.2", "latency dist=uniform rounds=1", "churn fraction=0.2 end=40",
    "10: crash fraction=0.1 end=30 keep_state=false",
])
@pytest.mark.parametrize("protocol", ["swim", "heartbeat"])
def test_every_fault_runs_and_keeps_the_books(protocol, timeline):
    s = Scenario.from_dict({"nodes": 80, "protocol": protocol, "seed": 3, "max_rounds": 80,
                            "timeline": timeline})
    run = swarm.simulate(s)
    r = run.rounds
    assert np.array_equal(r["messages"] + r["late"], r["delivered"] + r["dropped"] + r["delayed"])
    assert ((r["agreement"] >= 0) & (r["agreement"] <= 1)).all()
    assert (r["redundant"] >= 0).all() and (r["useful"] <= r["delivered"]).all()
    assert run.summary["false_positives_total"] <= run.summary["declarations_total"]


def test_lifeguard_runs_both_paths_alike_under_loss():
    s = swim(nodes=60, max_rounds=40, **{"protocol.lifeguard": True,
                                         "faults.loss.rate": 0.3})
    a, b = swarm.simulate(s), swarm.simulate(s, engine="agents")
    assert a.rounds.equals(b.rounds)
    assert (a.rounds["redundant"] >= 0).all()  # a buddy suspicion is an update it carries
    assert a.summary["refutations_total"] > 0
    assert a.state.health.max() > 0


def test_heartbeat_first_detection_is_exactly_t_fail():
    """The crashed member's last counter reaches its partner in the round before the crash,
    whose entry then ages out exactly t_fail rounds later (theory.heartbeat_detection). The
    theory assumes t_fail above the spreading time, so that no observer's entry is already
    stale at the crash: on 60 nodes entries reach ages of 11-17 rounds between updates (the
    max_age column; t_fail = 12 gave false positives and, for one seed in 8, an observer
    whose entry was already 11 rounds old), so t_fail = 20 (the default is 24)."""
    for seed in range(3):
        s = Scenario.from_dict({"nodes": 60, "protocol": "heartbeat", "seed": seed,
                                "protocol.t_fail": 20, "max_rounds": 100,
                                "timeline": '30: crash select=ids ids="4"'})
        run = swarm.simulate(s)
        assert run.summary["false_positives_total"] == 0
        assert run.summary["first_detection_periods"] == 20
        assert run.events["first_detection_periods"].iloc[0] == 20


@pytest.mark.parametrize("engine", ["kernels", "agents"])
def test_heartbeat_node_restarted_without_state_is_taken_back_at_once(engine):
    """Node 4 is down 30 rounds (held failed everywhere, t_fail 20) and restarts without its
    state: its counter restarts from the current round, above the one the others hold, so
    the views are accurate again as quickly as with its state kept (9 rounds), not once a
    counter restarted at 1 passes the old value (110 rounds)."""
    out = []
    for keep in ("true", "false"):
        s = Scenario.from_dict({
            "nodes": 60, "protocol": "heartbeat", "seed": 1, "max_rounds": 300,
            "protocol.t_fail": 20, "protocol.t_cleanup": 200,
            "timeline": f'100: crash select=ids ids="4" end=129 keep_state={keep}'})
        ev = swarm.simulate(s, engine=engine).events
        out.append(int(ev.loc[ev["event"] == "recover", "reconverge_rounds"].iloc[0]))
    assert out[1] <= out[0] + 2 and out[1] < 20


@pytest.mark.parametrize("lifeguard", [False, True])
def test_skipping_rows_whose_suspicions_cannot_expire_changes_nothing(lifeguard):
    """swim_commit scans a row for suspicion timeouts only from next_check on; forcing a scan
    of every row every period (next_check reset to 0) must give the same run."""
    s = swim(nodes=150, max_rounds=70, timeline="loss rate=0.2; 10: crash fraction=0.05",
             **{"protocol.lifeguard": lifeguard, "protocol.suspicion_mult": 1})
    fast, slow = SwarmModel(s, engine="kernels"), SwarmModel(s, engine="kernels")
    while fast.running or slow.running:
        fast.step()
        slow.step()
        slow.protocol._next_check[:] = 0
    a, b = fast.engine.rounds_frame(), slow.engine.rounds_frame()
    assert a.equals(b) and a["declarations"].sum() > 0
    assert np.array_equal(fast.state.view, slow.state.view)


@pytest.mark.parametrize("view_size", [0, 6])
@pytest.mark.parametrize("engine", ["kernels", "agents"])
def test_incremental_member_counts_match_a_scan_every_round(engine, view_size):
    """The alive / dead counts per member that set_status keeps (agreement, all-know) equal a
    scan from scratch (member_counts) after every round, through loss, churn and restarts,
    with a full and a partial view; the trackers too."""
    s = swim(nodes=90, max_rounds=60, timeline="loss rate=0.2; churn fraction=0.2 end=40 "
             "keep_state=false", **{"protocol.suspicion_mult": 1,
                                    "protocol.view_size": view_size})
    model = SwarmModel(s, engine=engine)
    scratch = np.zeros((2, 90), np.int64)
    proto = model.protocol
    assert proto.views.partial == bool(view_size)
    while model.running:
        model.step()
        ks.member_counts(model.state.view, model.state.live, scratch, *proto._pview())
        assert np.array_equal(proto.counts, scratch), model.engine.round
        live = model.state.live
        expect = np.zeros(90, np.int64)
        for i in np.flatnonzero(live).tolist():
            for _, j in proto.views.tracked(i):
                expect[j] += 1
        assert np.array_equal(proto.trackers, expect)
    assert model.engine.rounds_frame()["declarations"].sum() > 0


def test_gossip_nodes_spreads_faster_and_both_paths_agree():
    """memberlist's separate gossip: with something to spread, a node also sends its updates
    to gossip_nodes random members each period; a crash becomes known to everyone sooner,
    and the agent path still equals the kernel path."""
    base = {"timeline": "loss rate=0.05; 5: crash fraction=0.05"}
    plain = swarm.simulate(swim(nodes=150, max_rounds=60, **base))
    s = swim(nodes=150, max_rounds=60, **base, **{"protocol.gossip_nodes": 3})
    fast, agents = swarm.simulate(s), swarm.simulate(s, engine="agents")
    assert fast.rounds.equals(agents.rounds)
    assert fast.summary["all_know_periods"] < plain.summary["all_know_periods"]
    assert fast.summary["messages_per_member_period"] > plain.summary["messages_per_member_period"]


@pytest.mark.parametrize("protocol", ["swim", "heartbeat"])
def test_node_codes_for_a_viewer(protocol):
    """One byte per node for the dashboard: a crashed node ends up declared dead, the live
    ones trusted."""
    s = Scenario.from_dict({"nodes": 60, "protocol": protocol, "seed": 2, "max_rounds": 300,
                            "timeline": '3: crash select=ids ids="5"'})
    model = SwarmModel(s, engine="kernels")
    assert model.protocol.node_codes(model.state).tolist() == [0] * 60
    while model.running:
        model.step()
    codes = model.protocol.node_codes(model.state)
    assert codes.dtype == np.uint8 and codes.shape == (60,)
    assert codes[5] == len(model.protocol.node_states) - 1
    assert codes[np.arange(60) != 5].max() == 0


# -- partial views ------------------------------------------------------------------------------

def test_partial_views_peers_columns_and_members():
    """Complete graph: a relabelled ring lattice (V/2 peers each side: symmetric, sorted, no
    self, no repeats). Overlay: the neighbours, capped at V by a draw. Column <-> member
    mappings of the Python side and the kernels agree."""
    from swarm.kernels.views import member_at, slot_of

    rng = np.random.default_rng(4)
    ring = Views(Topology(50, complete=True), 8, rng)
    assert ring.partial and ring.width == 9
    peers = ring.indices.reshape(50, 8)
    for i in range(50):
        row = peers[i].tolist()
        assert row == sorted(set(row)) and i not in row and len(row) == 8
        assert all(i in peers[j].tolist() for j in row)  # symmetric
    assert not Views(Topology(9, complete=True), 8, rng).partial  # V >= n - 1: full
    topo = BarabasiAlbert(m=3).build(300, np.random.default_rng(1))
    capped = Views(topo, 5, rng)
    deg = np.diff(topo.indptr)
    assert (np.diff(capped.indptr) == np.minimum(deg, 5)).all() and capped.width == 6
    for i in range(300):
        mine = capped.indices[capped.indptr[i]:capped.indptr[i + 1]].tolist()
        assert mine == sorted(mine) and set(mine) <= set(topo.neighbours(i).tolist())
        members = capped.row_members(i)
        for c, m in enumerate(members.tolist()):
            assert member_at(capped.indptr, capped.indices, True, capped.width, i, c) == m
            if m >= 0:
                assert capped.col(i, m) == c
                assert slot_of(capped.indptr, capped.indices, True, capped.width, i, m) == c
        assert np.array_equal(capped.cols(i, members), np.where(members >= 0,
                                                               np.arange(6), -1))
        assert capped.col(i, (i + 150) % 300) in (-1, *range(5))


@pytest.mark.parametrize("protocol", ["swim", "heartbeat"])
@pytest.mark.parametrize("topo", [{"topology": "complete"},
                                  {"topology": "k-out", "topology.k": 3},
                                  {"topology": "barabasi-albert", "topology.m": 2}],
                         ids=lambda t: t["topology"])
def test_partial_view_agent_path_equals_kernel_path(protocol, topo):
    """n = 200 with a view of 6 peers, under loss, latency, a crash and restarts: the agent
    rule and the kernels give the same run (frames, summary, every state array)."""
    extra = {"protocol.gossip_nodes": 2, "protocol.lifeguard": True} \
        if protocol == "swim" else {}
    s = Scenario.from_dict({
        "nodes": 200, "protocol": protocol, "seed": 11, "max_rounds": 90,
        "protocol.view_size": 6, **topo, **extra,
        "timeline": "loss rate=0.1; latency dist=uniform rounds=1 start=30 end=40; "
                    "5: crash fraction=0.05; 20: crash fraction=0.05 end=50 keep_state=false"})
    a, b = swarm.simulate(s), swarm.simulate(s, engine="agents")
    assert a.rounds.equals(b.rounds) and a.summary == b.summary
    assert a.events.equals(b.events)
    for key, value in a.state.arrays().items():
        assert np.array_equal(value, b.state.arrays()[key]), key
    assert a.state.arrays()["hb" if protocol == "heartbeat" else "view"].shape == (200, 7) \
        or topo["topology"] != "complete"
    assert a.summary["crashes"] > 0


@pytest.mark.parametrize("protocol", ["swim", "heartbeat"])
def test_above_ten_thousand_nodes_the_default_is_a_partial_view(protocol):
    """n = 20 000 on the complete graph, view_size left at none: 32 peers per node; a crash
    is detected and, in time, held dead by every live node tracking it."""
    s = Scenario.from_dict({"nodes": 20_000, "protocol": protocol, "seed": 2,
                            "max_rounds": 140,
                            "timeline": '3: crash select=ids ids="17"'})
    model = SwarmModel(s, engine="kernels")
    views = model.protocol.views
    assert views.partial and views.width == DEFAULT_VIEW_SIZE + 1
    while model.running:
        model.step()
    frame = model.engine.rounds_frame()
    summary = model.engine.summary(frame, model.engine.events_frame())
    assert summary["undetected"] == 0 and summary["all_know_periods"] is not None
    assert summary["false_positives_total"] == 0 and frame["agreement"].iloc[-1] == 1.0


# -- Byzantine accusers ------------------------------------------------------------------------

def accused(mode: str, view_size: int = 0, engine: str = "kernels", **extra) -> swarm.Run:
    s = swim(nodes=150, seed=5, max_rounds=80, timeline="byzantine fraction=0.02 start=3 "
             "behaviour=accuse", **{"protocol.accuse": mode, "protocol.suspicion_mult": 20,
                                    "protocol.view_size": view_size, **extra})
    return swarm.simulate(s, engine=engine)


@pytest.mark.parametrize("view_size", [0, 8])
def test_accused_suspicions_are_all_refuted_but_accused_deaths_stick(view_size):
    """No loss and a suspicion timeout (20 log10 n periods) long enough for the accused to
    hear of it: every false suspicion is refuted, no live member is declared dead. A false
    death needs no timeout: whoever hears it holds a live member dead (``false_dead``)."""
    sus = accused("suspect", view_size)
    r = sus.rounds
    assert r["accusations"].sum() > 50 and r["refutations"].sum() > 0
    assert sus.summary["declarations_total"] == 0 and sus.summary["false_positives_total"] == 0
    assert (r["false_dead"] == 0).all()
    dead = accused("dead", view_size)
    assert dead.rounds["accusations"].sum() > 50
    assert dead.rounds["false_dead"].max() > 0 and dead.summary["agreement_final"] < 1.0


def test_accusations_both_paths_and_heartbeat_has_none():
    a = accused("dead", 8, "kernels", **{"protocol.lifeguard": True})
    b = accused("dead", 8, "agents", **{"protocol.lifeguard": True})
    assert a.rounds.equals(b.rounds) and a.summary == b.summary
    with pytest.raises(ConfigError, match="does not implement it"):
        Scenario.from_dict({"nodes": 50, "protocol": "heartbeat",
                            "timeline": "byzantine fraction=0.1 behaviour=accuse"})


@pytest.mark.parametrize("engine", ["kernels", "agents"])
def test_accusations_run_from_start_to_end_and_accusers_timeouts_are_not_counted(engine):
    """Accusations in rounds start..end exactly. Under heavy loss some refutations never
    reach the accuser, whose own SUSPECT entries then time out: ``declarations`` /
    ``false_positives`` count honest rows' timeouts only (every SUSPECT -> DEAD of the
    period's commit in a non-Byzantine row, and none of the accusers')."""
    s = Scenario.from_dict({"nodes": 60, "protocol": "swim", "seed": 0, "max_rounds": 60,
                            "protocol.view_size": 6,
                            "timeline": "byzantine fraction=0.05 start=3 end=50 "
                                        "behaviour=accuse; loss rate=0.6"})
    model = SwarmModel(s, engine=engine)
    proto = model.protocol
    end_round = proto.end_round
    honest, accusers = [0], [0]

    def counting(state, t):
        before = state.view.copy()
        end_round(state, t)
        new = ((before == ks.SUSPECT) & (state.view == ks.DEAD)).sum(axis=1)
        honest[0] += int(new[state.byzantine == 0].sum())
        accusers[0] += int(new[state.byzantine != 0].sum())

    proto.end_round = counting
    while model.running:
        model.step()
    rounds = model.engine.rounds_frame()
    acc = rounds.set_index("round")["accusations"]
    assert (acc.loc[3:50] > 0).all() and acc.drop(range(3, 51)).eq(0).all()
    assert accusers[0] > 0
    assert int(rounds["declarations"].sum()) == honest[0]


@pytest.mark.parametrize("size", [5, 8])
def test_heartbeat_receive_merge_equals_member_by_member(size):
    """The kernel merges the sender's and receiver's sorted peer rows (issue 15); a plain
    reference maps each of the sender's columns with ``Views.col``, member by member in batch
    order. Random counters and ages, capped (asymmetric, uneven) views on an overlay and a
    ring lattice, random pairs (a receiver need not be the sender's peer), repeated
    receivers: equal ``hb_next`` and ``useful``."""
    from swarm.kernels.heartbeat import heartbeat_receive

    rng = np.random.default_rng(size)
    n = 120
    for views in (Views(BarabasiAlbert(m=3).build(n, np.random.default_rng(2)), size, rng),
                  Views(Topology(n, complete=True), size, rng)):
        w = views.width
        hb = rng.integers(-1, 40, (n, w)).astype(np.int32)
        last = rng.integers(0, 30, (n, w)).astype(np.int32)
        hb_next = np.maximum(hb, rng.integers(-1, 40, (n, w)).astype(np.int32))
        src = rng.integers(0, n, 400).astype(np.int32)
        peer_of = [views.peers(int(s)) or [int(s) ^ 1] for s in src]
        dst = np.array([p[int(rng.integers(len(p)))] if rng.random() < 0.8
                        else int(rng.integers(n)) for p in peer_of], np.int32)
        t, t_fail = 30, 12
        want, want_useful = hb_next.copy(), np.zeros(src.size, np.bool_)
        for e, (s, r) in enumerate(zip(src.tolist(), dst.tolist(), strict=True)):
            for c, m in enumerate(views.row_members(s).tolist()):
                if m < 0 or hb[s, c] < 0 or t - last[s, c] >= t_fail:
                    continue
                rc = views.col(r, m)
                if rc >= 0 and hb[s, c] > want[r, rc]:
                    want[r, rc] = hb[s, c]
                    want_useful[e] = True
        got, useful = hb_next.copy(), np.zeros(src.size, np.bool_)
        heartbeat_receive(src, dst, hb, got, last, t, t_fail, useful, views.indptr,
                          views.indices, True)
        assert np.array_equal(got, want) and np.array_equal(useful, want_useful)
