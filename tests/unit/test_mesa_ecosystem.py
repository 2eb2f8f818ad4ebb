"""SwarmModel under Mesa's own tools: a real ``mesa.batch_run`` over a small grid (with
``iterations`` and with ``rng``), its rows checked against the runs, and a ``SolaraViz`` page
over SwarmModel rendered with ``solara.render``: Step runs a round, Reset rebuilds the model
from the page's parameters (a slider included) through what Mesa passes (a Mesa Scenario,
``seed``). Mesa's ``rng`` / ``seed`` maps onto the one scenario seed (``seed_from``)."""

from __future__ import annotations

import multiprocessing
import warnings

import mesa
import numpy as np
import pytest

import swarm
from swarm import Scenario, SwarmModel, simulate
from swarm.errors import ConfigError
from swarm.model import seed_from

GRID = {"nodes": 200, "protocol": "push-pull", "protocol.fanout": [1, 2], "engine": "kernels"}


@pytest.fixture
def start_method():
    """batch_run forces the 'spawn' start method on the whole process; put it back."""
    before = multiprocessing.get_start_method(allow_none=True)
    yield
    multiprocessing.set_start_method(before, force=True)


def test_batch_run_with_rng_gives_the_runs_simulate_gives(start_method):
    rows = mesa.batch_run(SwarmModel, parameters=GRID, rng=[5, 6], max_steps=500,
                          display_progress=False)
    assert len(rows) == 4  # 2 fanouts x 2 seeds, one row each (the end of the run)
    for row in rows:
        run = simulate({"nodes": 200, "protocol": "push-pull",
                        "protocol.fanout": row["protocol.fanout"], "seed": row["seed"]})
        last = run.rounds.iloc[-1]
        assert row["seed"] in (5, 6)
        assert row["Step"] == last["round"] == run.summary["rounds"]
        assert row["informed"] == last["informed"] == 200
        assert row["messages"] == last["messages"]
    assert sorted((r["protocol.fanout"], r["seed"]) for r in rows) == [
        (1, 5), (1, 6), (2, 5), (2, 6)]


def test_batch_run_with_iterations_gives_distinct_recorded_seeds(start_method):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Mesa's own: use rng
        rows = mesa.batch_run(SwarmModel, parameters=GRID, iterations=3, max_steps=500,
                              data_collection_period=1, display_progress=False)
    ends = {}
    for row in rows:
        key = (row["iteration"], row["protocol.fanout"])
        ends[key] = max(ends.get(key, -1), row["Step"])
    assert len(ends) == 6
    seeds = {(r["iteration"], r["protocol.fanout"]): r["seed"] for r in rows}
    assert len(set(seeds.values())) == 6  # fresh OS entropy per model, recorded in the row
    for (iteration, fanout), seed in seeds.items():  # and each one replays exactly
        steps = [r for r in rows if (r["iteration"], r["protocol.fanout"]) == (iteration,
                                                                                fanout)]
        run = simulate({"nodes": 200, "protocol": "push-pull", "protocol.fanout": fanout,
                        "seed": seed})
        assert [r["informed"] for r in steps] == run.rounds["informed"].tolist()
        assert ends[(iteration, fanout)] == run.summary["rounds"]


def test_the_seed_mapping():
    assert seed_from(7) == 7 and seed_from(np.int64(7)) == 7
    a, b = seed_from(np.random.SeedSequence(3)), seed_from([3])
    assert a == b and 0 <= a < 2**63
    assert seed_from(np.random.default_rng(1)) == seed_from(np.random.default_rng(1))
    assert seed_from(None) != seed_from(None)
    with pytest.raises(ConfigError, match=r"^rng = -1: must be an integer in 0\.\."):
        seed_from(-1)
    with pytest.raises(ConfigError, match="^rng = 'x': must be an integer seed"):
        seed_from("x")


def test_keywords_seed_and_one_rng_per_model():
    model = SwarmModel(nodes=100, protocol="pull", seed=4, engine="kernels")
    assert model.engine.scenario == Scenario(nodes=100, protocol="pull", seed=4)
    assert model.scenario.rng == 4 and model.scenario.nodes == 100  # Mesa's record
    assert SwarmModel(Scenario(nodes=100, seed=9)).engine.scenario.seed == 9  # not given
    assert SwarmModel({"nodes": 100}, rng=11).engine.scenario.seed == 11
    with pytest.raises(ConfigError, match="^seed = 1: gives another seed than rng = 2"):
        SwarmModel(nodes=100, seed=1, rng=2)
    with pytest.raises(ConfigError, match="^protocol.fanout = 0"):
        SwarmModel(nodes=100, **{"protocol.fanout": 0})
    # Mesa's scenario rebuilds the same model, as SolaraViz's reset and Mesa users do
    copy = SwarmModel(scenario=model.scenario, engine="kernels")
    assert copy.engine.scenario == model.engine.scenario
    while model.running:
        model.step()
        copy.step()
    frame = model.datacollector.get_model_vars_dataframe()
    assert frame["informed"].tolist() == model.engine.rounds_frame()["informed"].tolist()
    assert frame.equals(copy.datacollector.get_model_vars_dataframe())


def test_a_solaraviz_page_over_swarmmodel_renders_steps_and_resets():
    solara = pytest.importorskip("solara")
    pytest.importorskip("altair")
    import ipyvuetify as v
    from mesa.visualization import Slider, SolaraViz, make_plot_component

    model = solara.reactive(SwarmModel(nodes=300, protocol="push-pull", seed=1,
                                       engine="kernels"))
    params = {"nodes": 300, "protocol": "push-pull", "engine": "kernels", "seed": 1,
              "protocol.fanout": Slider("fanout", 1, 1, 4, 1)}

    @solara.component
    def Page():  # as `solara run` serves it: the sidebar (controls) lives in the app layout
        with solara.AppLayout():
            SolaraViz(model, components=[make_plot_component("coverage")],
                      model_params=params, name="swarm")

    box, rc = solara.render(Page(), handle_error=False)
    first = model.value
    rc.find(v.Btn, children=["Step"]).widget.click()
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert first.steps == 2 and first.engine.round == 2
    assert len(first.datacollector.get_model_vars_dataframe()) == 3
    import ipywidgets

    plots = rc.find(ipywidgets.Image).widgets  # the coverage plot, drawn from the collector
    assert len(plots) == 1 and bytes(plots[0].value)[:4] == b"\x89PNG"
    rc.find(children=["Time: 2.0"]).assert_single()  # Mesa's step counter on the page
    rc.find(v.Slider, label="fanout").widget.v_model = 3
    rc.find(v.Btn, children=["Reset"]).widget.click()
    second = model.value
    assert second is not first and second.steps == 0
    assert second.engine.scenario == Scenario(nodes=300, protocol=swarm.PushPullParams(
        fanout=3), seed=1)
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert second.engine.round == 1
    rc.close()
