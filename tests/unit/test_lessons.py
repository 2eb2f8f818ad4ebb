"""Lessons (swarm/lessons): every file builds, runs to its end quickly on the kernel path,
and shows what its paragraph says; `swarm lesson` lists, prints and runs them."""

from __future__ import annotations

import dataclasses
import json
import time

import numpy as np
import pytest
from click.testing import CliRunner

import swarm
from swarm import theory
from swarm.cli import main
from swarm.config import Scenario
from swarm.errors import ConfigError
from swarm.lessons import LESSON_DIR, LESSONS, ORDER, lesson

#: a lesson is dashboard-sized: big enough to look like a swarm, small enough to play
MAX_LESSON_NODES = 5000


def run_of(name: str, **updates) -> swarm.Run:
    scenario = lesson(name).scenario
    return swarm.simulate(scenario.replace(updates) if updates else scenario)


def test_every_lesson_file_is_registered_and_complete():
    assert sorted(p.stem for p in LESSON_DIR.glob("*.toml")) == sorted(ORDER)
    for name, item in LESSONS.items():
        assert item.name == name and item.title and item.paper
        assert len(item.text.split()) >= 80, f"{name}: a paragraph, not a caption"
        assert 2000 <= item.scenario.nodes <= MAX_LESSON_NODES
        assert "\n" not in item.text  # read as one paragraph


@pytest.mark.parametrize("name", ORDER)
def test_a_lesson_runs_to_its_end_quickly_and_its_file_reads_back(name, tmp_path):
    scenario = lesson(name).scenario
    swarm.simulate(scenario.replace({"max_rounds": 2}))  # compile the kernels outside the clock
    started = time.perf_counter()
    run = swarm.simulate(scenario)
    assert time.perf_counter() - started < 10.0
    assert run.summary["rounds"] < scenario.max_rounds, "the run ends on its own"
    # --toml is a scenario file: `swarm simulate --scenario` reads the same scenario
    path = tmp_path / f"{name}.toml"
    path.write_text(lesson(name).scenario_toml())
    assert Scenario.from_toml(path) == scenario
    # the page may open every lesson: none makes the server read a file
    from dashboards.app import refuse_server_files

    refuse_server_files(scenario.to_dict())


def test_a_lesson_is_found_by_name_never_by_path():
    with pytest.raises(ConfigError, match="did you mean 'heal'"):
        lesson("hael")
    for bad in ("../lessons/heal", str(LESSON_DIR / "heal.toml"), "heal.toml", ""):
        with pytest.raises(ConfigError, match="must be one of"):
            lesson(bad)


def test_rumour_follows_the_mean_field_curve_and_pittels_rounds():
    """Push from one node: the coverage of this seed stays within 0.05 of the mean-field
    curve (its largest gap is 0.005; the curve has no spread of its own, and n = 5000 makes
    the run's relative fluctuations small once a few dozen nodes know); half the nodes near
    log2 n; all in Pittel's log2 n + ln n + O(1) (21), the text says 21."""
    run = run_of("rumour")
    n = lesson("rumour").scenario.nodes
    rounds = len(run.rounds) - 1
    expected = 1.0 - theory.mean_field_trajectory("push", n, rounds)
    assert np.abs(run.rounds["coverage"].to_numpy() - expected).max() < 0.05
    assert abs(run.summary["rounds_to_50"] - np.log2(n)) <= 1
    assert run.summary["rounds_to_full"] == 21
    assert abs(run.summary["rounds_to_full"] - theory.pittel_push_rounds(n)) <= 3


def test_heal_stalls_at_the_origins_side_then_reaches_everyone_after_the_heal():
    run = run_of("heal")
    r = run.rounds.set_index("round")
    split = run.events[run.events["event"] == "split"]["detail"].iloc[0]
    side = max(int(s) for s in split.split("of ")[1].split(","))  # '2 groups of 2524, 1476'
    n = lesson("heal").scenario.nodes
    assert 0.55 < side / n < 0.7  # "63 % of the nodes"
    # "fills that side within about 15 rounds", then flat until the heal
    assert r.loc[16:20, "coverage"].eq(side / n).all(), "flat at the origin's side"
    assert r.loc[1:20, "dropped_partition"].gt(0).all()
    assert r.loc[20, "coverage"] < 1.0 and r.loc[21:, "dropped_partition"].eq(0).all()
    assert run.summary["coverage_final"] == 1.0
    assert run.summary["rounds_to_full"] <= 24  # "two or three rounds" after round 21
    assert run.events[run.events["event"] == "heal"]["reconverge_rounds"].iloc[0] <= 3


def test_swim_detects_every_crash_with_no_false_death():
    """20 crashes at round 10: agreement drops by 1 %, all are detected, the suspicions reach
    nearly every live member, every live member learns them all (agreement back to 1) about
    25 periods later, and nobody live is declared dead. First detection, mean of 20: theory
    1.58 periods, variance 0.92, so a standard error of 0.21; 4 standard errors is 0.86."""
    run = run_of("swim")
    s = run.summary
    r = run.rounds.set_index("round")
    assert s["crashes"] == 20 and s["undetected"] == 0
    assert r.loc[:9, "agreement"].eq(1.0).all()
    assert r.loc[10, "agreement"] == pytest.approx(1 - 20 / 2000, abs=1e-3)
    assert s["false_positives_total"] == 0 and s["false_dead_max"] == 0
    mean, var = theory.swim_first_detection(lesson("swim").scenario.nodes)
    assert abs(s["first_detection_periods"] - mean) < 4 * np.sqrt(var / 20)
    assert r["suspects"].max() > 0.95 * 20 * 1980  # "20 x 1,980 entries"
    back = r[(r.index > 10) & (r["agreement"] == 1.0)].index.min()
    assert 18 <= back - 10 <= 32 and 18 <= s["all_know_periods"] <= 32  # "about 25"
    assert s["agreement_final"] == 1.0 and r["suspects"].iloc[-1] == 0


def _availability(run: swarm.Run, first: int, last: int) -> float:
    r = run.rounds.set_index("round").loc[first:last]
    return r["served"].sum() / r["ops"].sum()


def test_cap_cp_refuses_the_minority_while_ap_serves_and_diverges():
    """cp serves an operation iff it lands on the 1,200 side: expected 0.6 of the ~100
    operations during the split (binomial sd 0.049; 3 sd is 0.15), all of them outside it,
    and never a stale read. ap serves all, and pays with stale reads and divergence that
    anti-entropy removes after the heal."""
    split = dict(lesson("cap").scenario.faults)["split"]
    cp = run_of("cap")
    assert abs(_availability(cp, split.start, split.end)
               - theory.cp_availability([1200, 800], 2000)) < 0.15
    assert _availability(cp, 1, split.start - 1) == 1.0
    assert _availability(cp, split.end + 1, 40) == 1.0
    assert cp.summary["stale_reads_total"] == 0 and cp.summary["lost_updates"] == 0
    ap = run_of("cap", **{"protocol.mode": "ap"})
    assert ap.summary["availability"] == 1.0
    assert ap.summary["stale_reads_total"] > 0 and ap.summary["lost_updates"] > 0
    assert ap.summary["distinct_values_max"] > 2
    assert ap.rounds["distinct_values"].iloc[-1] == 1  # they agree again after the heal


def test_liar_a_quorum_of_three_keeps_two_forgers_out_and_one_lets_them_in():
    guarded = run_of("liar")
    assert guarded.summary["false_acceptance_final"] == 0.0
    assert guarded.summary["coverage_final"] == 1.0
    assert 35 <= guarded.summary["rounds_to_full"] <= 65  # "about 50 rounds"
    no_liar = dataclasses.replace(lesson("liar").scenario.replace({"protocol.quorum": 1}),
                                  faults=())
    honest_fast = swarm.simulate(no_liar)
    assert honest_fast.summary["rounds_to_full"] <= 12  # "instead of 10"
    fooled = run_of("liar", **{"protocol.quorum": 1})
    assert 0.6 < fooled.summary["false_acceptance_final"] < 0.9  # "three nodes in four"


# -- the command ----------------------------------------------------------------------------
def invoke(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_swarm_lesson_lists_the_lessons_in_order():
    r = invoke("lesson")
    assert r.exit_code == 0
    assert [line.split()[0] for line in r.stdout.splitlines()] == list(ORDER)
    assert LESSONS["heal"].title in r.stdout


def test_swarm_lesson_name_prints_the_paragraph_then_runs_it_as_simulate():
    r = invoke("lesson", "heal")
    assert r.exit_code == 0, r.output
    out = " ".join(r.stdout.split())
    assert out.startswith(LESSONS["heal"].title)
    assert " ".join(LESSONS["heal"].text.split()) in out
    same = invoke("simulate", "--scenario", str(LESSON_DIR / "heal.toml"))  # refused: [lesson]
    assert same.exit_code == 2
    expect = swarm.simulate(lesson("heal").scenario).summary
    line = next(x for x in r.stdout.splitlines() if x.startswith("rounds_to_full"))
    assert line.split()[-1] == str(expect["rounds_to_full"])


def test_swarm_lesson_takes_simulates_options_and_keeps_stdout_data_for_json():
    r = invoke("lesson", "cap", "--set", "protocol.mode=ap", "--format", "json")
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert data["scenario"]["protocol.mode"] == "ap"
    assert data["summary"] == run_of("cap", **{"protocol.mode": "ap"}).summary
    assert LESSONS["cap"].title in r.stderr


def test_swarm_lesson_toml_prints_a_scenario_file_simulate_reads(tmp_path):
    r = invoke("lesson", "liar", "--toml")
    assert r.exit_code == 0 and "[lesson]" not in r.stdout
    assert r.stdout.startswith("# " + LESSONS["liar"].title)
    path = tmp_path / "liar.toml"
    path.write_text(r.stdout)
    assert Scenario.from_toml(path) == lesson("liar").scenario
    ran = invoke("simulate", "--scenario", str(path), "--format", "json")
    assert json.loads(ran.stdout)["summary"] == run_of("liar").summary


def test_swarm_lesson_unknown_name_is_one_line_and_exit_2():
    r = invoke("lesson", "hael")
    assert r.exit_code == 2
    assert r.stderr.strip() == ("swarm: error: lesson = 'hael': must be one of rumour, heal, "
                                "swim, cap, liar (did you mean 'heal'?)")
