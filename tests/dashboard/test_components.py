"""The dashboard's components rendered by Solara in-process (no browser): the controls come
from the parameter metadata of every registered protocol, and the buttons drive the run."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar

import ipyvuetify as v
import pytest
import solara
from page_harness import render_page, reset_page_state

import swarm
from dashboards import app
from swarm import PROTOCOLS
from swarm.params import param
from swarm.protocols.spreading import Push, PushParams
from swarm.registry import FAULTS


@pytest.fixture(autouse=True)
def fresh_state():
    reset_page_state()
    yield


def labels(rc) -> set[str]:
    found = set()
    for cls in (v.TextField, v.Select, v.Checkbox, v.Slider):
        for w in rc.find(cls).widgets:
            if getattr(w, "label", None):
                found.add(w.label.split(" (")[0])
    return found


@pytest.mark.parametrize("name", sorted(PROTOCOLS))
def test_every_protocol_parameter_has_a_control(name):
    app.set_setting("protocol", name)
    box, rc = solara.render(app.ScenarioControls(), handle_error=False)
    shown = labels(rc)
    wanted = {f.name for f in dataclasses.fields(PROTOCOLS[name].Params)}
    assert wanted <= shown, wanted - shown
    assert {"nodes", "seed", "protocol", "topology"} <= shown


@pytest.mark.parametrize("kind", sorted(FAULTS))
def test_every_fault_parameter_has_a_control_in_the_inject_form(kind):
    app.reset()
    box, rc = solara.render(app.FaultControls(), handle_error=False)
    rc.find(v.Select, label="fault").widget.v_model = kind
    shown = labels(rc)
    wanted = {f.name for f in dataclasses.fields(FAULTS[kind].Params)} - {"start", "end"}
    assert wanted <= shown, wanted - shown


def test_step_advances_the_model_and_reset_starts_over():
    box, rc = render_page()
    run = app.live.value
    assert run is not None and run.round == 0
    rc.find(v.Btn, children=["Step"]).widget.click()
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert app.live.value.round == 2
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert app.live.value is not run and app.live.value.round == 0


def test_a_bad_value_is_explained_and_the_run_goes_on():
    box, rc = render_page()
    run = app.live.value
    rc.find(v.Btn, children=["Step"]).widget.click()
    app.set_setting("nodes", 0)
    assert "nodes = 0" in app.error.value and "must be" in app.error.value
    assert app.live.value is run and run.round == 1  # nothing lost
    rc.find(v.Alert).assert_not_empty()


def test_a_fault_revives_a_finished_run_and_step_is_enabled_again():
    app.settings.value = app.Scenario.from_dict({"nodes": 200, "protocol": "push-pull",
                                                 "seed": 1}).to_dict()
    box, rc = render_page()
    step = rc.find(v.Btn, children=["Step"])
    while not app.live.value.done:
        step.widget.click()
    assert step.widget.disabled
    app.guarded(lambda: app.live.value.crash_fraction(0.5, keep_state=False))()
    assert not step.widget.disabled


def test_the_first_load_reports_each_phase_of_the_build():
    """Issue 13 (c): the page says what the first build is doing, phase by phase."""
    phases: list[str] = []
    app.reset(progress=phases.append)
    assert [p.split(" ")[0] for p in phases] == ["compiling", "building", "laying"]
    assert app.live.value is not None and app.live.value.round == 0


def test_the_loading_line_shows_the_phase_until_the_run_exists():
    app.loading.value = "laying out the nodes…"
    box, rc = solara.render(app.LiveView(), handle_error=False)
    rc.find(children=["laying out the nodes…"]).assert_single()


def test_the_protocol_metric_select_shows_the_charted_metric_on_first_load():
    """Issue 13 (f): it was empty until a metric was picked."""
    app.settings.value = app.Scenario.from_dict({"nodes": 300, "protocol": "swim"}).to_dict()
    box, rc = render_page()
    select = rc.find(v.Select, label="protocol metric").widget
    assert select.items and select.v_model == select.items[0] == "agreement"
    select.v_model = "suspects"
    assert app.metric_choice.value == "suspects"
    assert rc.find(v.Select, label="protocol metric").widget.v_model == "suspects"


def test_a_protocol_registered_in_code_gets_controls_and_runs_on_the_page():
    """A plugin is in the protocol select, its parameters have controls, and the page runs it
    (the example package's entry-point plugin is covered by the parametrized tests above)."""
    @dataclass(frozen=True, slots=True, kw_only=True)
    class LoudParams(PushParams):
        name: ClassVar[str] = "loud-push"
        volume: int = param(3, min=1, max=9, help="how loud (a test plugin's own parameter)")

    class Loud(Push):
        name = "loud-push"
        Params = LoudParams

    swarm.register_protocol(Loud)
    try:
        app.set_setting("protocol", "loud-push")
        box, rc = render_page()
        protocol_select = rc.find(v.Select, label="protocol").widget
        assert "loud-push" in protocol_select.items and protocol_select.v_model == "loud-push"
        assert "volume" in labels(rc)
        rc.find(v.Btn, children=["Step"]).widget.click()
        run = app.live.value
        assert run.scenario.protocol.name == "loud-push" and run.round == 1
    finally:
        PROTOCOLS.unregister("loud-push")
