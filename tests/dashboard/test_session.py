"""The dashboard's live run, without a browser: frames, charts, faults from the page, export."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import swarm
from dashboards.palette import OKABE_ITO, colours_for
from dashboards.session import BYZANTINE, DOWN, LiveRun
from swarm import ConfigError, Scenario
from swarm.faults.loss import LossParams


def live(nodes: int = 2000, **extra) -> LiveRun:
    return LiveRun(Scenario.from_dict({"nodes": nodes, "protocol": "push-pull", "seed": 4,
                                       "protocol.origin": 0, "max_rounds": 300, **extra}))


def test_a_frame_is_one_byte_per_node_with_down_nodes_marked():
    run = live()
    assert run.positions.dtype == np.float32 and run.positions.shape == (2000, 2)
    run.step(3)
    run.crash_fraction(0.25)
    run.step(1)
    codes = run.codes()
    assert codes.dtype == np.uint8 and codes.shape == (2000,)
    down = ~run.model.state.live
    assert down.sum() == 500 and np.all(codes[down] == DOWN)
    assert np.array_equal(codes[~down], run.model.state.informed[~down].astype(np.uint8))


def test_a_cut_stalls_the_far_side_and_the_heal_completes_it():
    """Origin 0 sits at the centre of the spiral layout; a vertical cut to its right keeps
    the rumour on its side until the heal."""
    run = live()
    x0 = float(run.positions[0, 0])
    run.cut((x0 + 0.1, 0.0, x0 + 0.1, 1.0))
    run.step(40)
    informed = run.model.state.informed
    far = run.positions[:, 0] > x0 + 0.1
    assert far.sum() > 100
    assert not informed[far].any() and informed[~far].all()
    assert not run.done  # the split is still open: the run waits for the heal
    run.heal()
    run.step(100)
    assert run.done and informed.all()
    actions = [a["label"] for a in run.actions]
    assert actions == ["cut", "heal"]
    events = run.result().events
    heal = events[events["event"] == "heal"]
    assert int(heal["reconverge_rounds"].iloc[0]) > 0


def test_changing_loss_ends_the_old_loss_and_the_run_replays():
    run = live(nodes=500)
    run.set_loss(0.2)
    run.step(2)
    run.set_loss(0.5)
    run.step(2)
    run.set_loss(0.0)
    run.set_latency(1.0)
    run.step(1000)  # to the end (max_rounds: messages stay in flight while latency lasts)
    losses = [p for _, p in run.scenario.faults if p.name == "loss"]
    assert [(p.rate, p.start, p.end) for p in losses] == [(0.2, 1, 2), (0.5, 3, 4)]
    replay = swarm.simulate(run.scenario)
    pd.testing.assert_frame_equal(replay.rounds, run.result().rounds)


def test_bad_fault_values_are_refused_with_the_field_named():
    run = live(nodes=100)
    with pytest.raises(ConfigError) as info:
        run.set_loss(1.5)
    assert info.value.field == "faults.loss.rate"
    with pytest.raises(ConfigError, match="four numbers"):
        run.cut((0.5, 0.0, 0.5))  # type: ignore[arg-type]
    assert run.scenario.faults == ()  # nothing half-added


def test_generic_injection_and_recover():
    run = live(nodes=300)
    label = run.inject(LossParams(rate=0.1))
    assert run.engine.active_faults("loss") == [label]
    run.crash_region((0.0, 0.0, 1.0, 1.0))
    run.step(1)
    assert run.model.state.n_live == 0
    run.recover()
    run.step(1)
    assert run.model.state.n_live == 300


def test_series_theory_and_node_info():
    run = live(nodes=1000)
    run.step(5)
    series = run.series()
    assert series["round"] == list(range(6))
    assert series["coverage"][0] == pytest.approx(1 / 1000)
    assert {"messages", "live"} <= series.keys()
    theory = run.theory(5)
    assert len(theory) == 6 and theory[0] == pytest.approx(1 / 1000)
    info = run.node_info(0)
    assert info["node"] == 0 and info["state"] == "informed" and info["informed_round"] == 0
    with pytest.raises(IndexError):
        run.node_info(1000)


def test_theory_is_withdrawn_once_a_node_turns_byzantine():
    """Asked for at round 0, before the scheduled Byzantine fault acts: the mean-field curve
    (honest spreading); from round 1 coverage counts honest nodes only: no curve."""
    run = live(nodes=300, **{"faults.byz.kind": "byzantine", "faults.byz.fraction": 0.1,
                             "faults.byz.behaviour": "censor"})
    assert run.theory(5) is not None
    run.step(1)
    assert run.model.protocol.guarded and run.theory(5) is None


def test_export_reads_back_with_the_scenario_that_replays_it(tmp_path):
    run = live(nodes=400)
    run.step(2)
    run.cut((0.5, 0.0, 0.5, 1.0))
    run.step(3)
    path = tmp_path / "run.parquet"
    path.write_bytes(run.export("parquet"))
    back = swarm.read_run(path)
    pd.testing.assert_frame_equal(back.rounds, run.result().rounds)
    assert back.scenario == run.scenario
    csv = pd.read_csv(__import__("io").BytesIO(run.export("csv")))
    assert list(csv["round"]) == list(range(6))
    with pytest.raises(ValueError, match="parquet, csv"):
        run.export("xlsx")


def test_palette_is_okabe_ito_and_names_every_state():
    colours = colours_for(("susceptible", "infective", "removed", "something new"))
    assert set(colours) == {"0", "1", "2", "3", str(BYZANTINE), str(DOWN)}
    assert colours["3"] in OKABE_ITO and len(set(colours.values())) == 6


def test_every_registered_protocol_has_distinct_colours_for_its_states():
    for name, proto in swarm.PROTOCOLS.items():
        colours = colours_for(tuple(proto.node_states))
        assert len(set(colours.values())) == len(colours), name


def test_byzantine_nodes_injected_from_the_page_are_marked_and_replay():
    from swarm.faults.byzantine import ByzantineParams

    run = LiveRun(Scenario.from_dict({"nodes": 1000, "protocol": "averaging", "seed": 4,
                                      "max_rounds": 100}))
    run.step(2)
    run.inject(ByzantineParams(fraction=0.1, behaviour="forge"))
    run.step(3)
    liars = run.model.state.byzantine != 0
    assert liars.sum() == 100
    codes = run.codes()
    assert np.all(codes[liars] == BYZANTINE) and not np.any(codes[~liars] == BYZANTINE)
    played = run.result().rounds
    replay = swarm.simulate(run.scenario).rounds.iloc[:len(played)]
    pd.testing.assert_frame_equal(replay, played)
    with pytest.raises(ConfigError, match="faults.byzantine.behaviour"):
        run.inject(ByzantineParams(fraction=0.1, behaviour="accuse"))  # not averaging's
    run.step(1)
    assert run.round == 6


def test_a_series_has_no_nan_for_the_browser():
    """The register's availability is NaN in a round with no operation (round 0 always):
    the series holds None there, since a widget message with NaN is not JSON."""
    import json

    run = LiveRun(Scenario(nodes=50, protocol="register", max_rounds=20))
    run.step(3)
    series = run.series(["availability", "ops"])
    assert series["availability"][0] is None
    assert all(v is None or v == v for v in series["availability"])
    json.dumps(series, allow_nan=False)


# -- issue 13: what the live nodes believe, the legend, the node card ------------------------
@pytest.mark.parametrize("protocol", ["swim", "heartbeat"])
def test_a_detectors_crashed_nodes_are_coloured_and_counted_by_what_live_nodes_believe(
        protocol):
    """A crashed region is not just 'down': its nodes turn suspected, then dead to some,
    then dead to all of their live trackers, and the status line counts them."""
    from dashboards.session import DOWN_BELIEFS, DOWN_DEAD_ALL

    run = LiveRun(Scenario.from_dict({"nodes": 400, "protocol": protocol, "seed": 3,
                                      "max_rounds": 400}))
    assert run.detector
    run.step(3)
    run.crash_region((0.0, 0.0, 0.5, 0.5))
    run.step(1)  # the crash acts in the next round
    down = ~run.model.state.live
    assert 0 < down.sum() < 400
    seen: set[int] = set()
    statuses = []
    while not run.done and run.round < 400:
        run.step(1)
        codes = run.codes()
        assert set(np.unique(codes[down])) <= {DOWN, *DOWN_BELIEFS}
        assert not np.any(np.isin(codes[~down], [DOWN, *DOWN_BELIEFS]))
        seen |= set(np.unique(codes[down]).tolist())
        statuses.append(run.status(codes))
    assert DOWN_DEAD_ALL in seen and len(seen) >= 2, seen  # detection spreads, then completes
    share = run.model.protocol.dead_share(run.model.state)
    assert np.all(share[down] == 1.0)
    dead_name = run.node_states[-1]  # 'declared dead' / 'declared failed'
    assert f"{dead_name} {int(down.sum()):,}" in statuses[-1]
    assert "held dead by 100% of their trackers" in statuses[-1]


def test_the_legend_has_one_entry_per_colour_drawn():
    from dashboards.palette import legend_for

    for name, proto in swarm.PROTOCOLS.items():
        for detector in (False, True):
            states = tuple(proto.node_states)
            colours = colours_for(states, detector)
            legend = legend_for(states, detector)
            assert {e["code"]: e["colour"] for e in legend} == colours, name
            assert len({e["name"] for e in legend}) == len(legend), name


def test_the_node_card_summarises_long_arrays():
    from dashboards.session import summarize_value

    run = LiveRun(Scenario.from_dict({"nodes": 1000, "protocol": "swim", "seed": 3}))
    run.step(2)
    info = run.node_info(5)
    assert all(not isinstance(v, list) or len(v) <= 8 for v in info.values()), info
    assert info["view"].startswith("1,000 entries: ") and "held dead by" in info
    assert summarize_value(np.array([0, 0, 1] * 10)) == "30 entries: 0 ×20, 1 ×10"
    assert summarize_value(np.arange(100)) == "100 entries from 0 to 99, mean 49.5"
    assert summarize_value(np.array([3, 4])) == [3, 4]
    assert summarize_value(np.int64(7)) == 7
