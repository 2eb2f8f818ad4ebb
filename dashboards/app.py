"""The swarm dashboard: thousands of nodes gossiping on a canvas, live charts, and faults
injected while it runs. Start it with ``swarm dashboard`` (or ``solara run dashboards/app.py``).

Layout: controls on the left (the scenario, generated from parameter metadata; play / pause /
step / reset, speed, engine; faults), the node view and the charts on the right. The run is a
:class:`dashboards.session.LiveRun`; every change of it bumps ``version``, which re-renders
only the live view, never the controls. While playing, the node view asks for the next frame
after drawing the last (see ``nodeview.vue``), so frames never queue up.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import solara

from dashboards.controls import ParamInput, ParamsControls
from dashboards.lessons import LessonPicker, LessonText, lesson_settings
from dashboards.palette import colours_for, legend_for
from dashboards.session import LiveRun
from swarm.config import Scenario
from swarm.errors import ConfigError
from swarm.model import ENGINES
from swarm.params import describe_param, parse_value
from swarm.registry import FAULTS, PROTOCOLS, TOPOLOGIES

VIEW_SIZE = 640
#: edges are drawn when there are at most this many (a picture, not a hairball)
MAX_EDGES_DRAWN = 20_000
DEFAULT_SCENARIO = {"nodes": 5000, "protocol": "push-pull", "topology": "complete", "seed": 1,
                    "max_rounds": 1000}
TOOLS = {"inspect": "inspect", "region": "crash region", "cut": "cut"}
HINTS = {"inspect": "click a node to see its state",
         "region": "drag a rectangle on the canvas: its nodes crash",
         "cut": "drag a line across the canvas: the network splits along it"}


@solara.component_vue("nodeview.vue", vuetify=False)
def NodeView(positions: bytes, edges: bytes, colors: dict, legend: list, size: int, dot: int,
             playing: bool, interval_ms: int, selected: int, tool: str,
             cut_line: list | None,
             event_next_frame: Callable[[Any], None], event_node_clicked: Callable[[Any], None],
             event_region_selected: Callable[[Any], None],
             event_line_drawn: Callable[[Any], None],
             # the frame: not rendered by Solara but set on the widget (push_frame)
             codes: bytes = b"", frame: dict | None = None):
    pass


@solara.component_vue("charts.vue", vuetify=False)
def Charts(series: dict, theory: list | None, theory_label: str, markers: list, shown: list,
           width: int = 430, height: int = 150, pad: int = 34):
    pass


# ---------------------------------------------------------------------- what the page may set
#: a parameter that names a file or folder (``path``, ``edges_file``, ``data_dir``, ...):
#: the page never sets one, since the server would open that file for whoever typed the address
FILE_FIELD = re.compile(r"(^|_)(path|file|dir|directory|folder)s?$")
PAGE_NAMES_NO_FILES = ("the page may not name a file on the server; run such a scenario with "
                       "`swarm simulate` or swarm.simulate()")


def file_fields(params_cls: type) -> list[str]:
    """The fields of a params class that name a file on the machine that runs it."""
    return [f.name for f in dataclasses.fields(params_cls) if FILE_FIELD.search(f.name)]


def _kinds() -> dict[str, Mapping[str, type]]:
    """Every params class a page key can choose: protocol, topology and fault kinds."""
    return {"protocol": {name: p.Params for name, p in PROTOCOLS.items()},
            "topology": TOPOLOGIES, "faults": {name: f.Params for name, f in FAULTS.items()}}


def file_backed(kind: str) -> list[str]:
    """The names of ``kind`` (protocol, topology, faults) whose parameters name a file."""
    return sorted(name for name, cls in _kinds()[kind].items() if file_fields(cls))


def refuse_server_files(updates: Mapping[str, Any]) -> None:
    """Raise a ConfigError if the page's ``updates`` (dotted keys, from the address or a
    control) would make the server open a file: a key naming a file parameter
    (``topology.path``), or a choice of a protocol, topology or fault that reads one
    (``topology=edgelist``), also inside a ``timeline``. Checked before any Scenario is
    built, since building one already looks at the file."""
    from swarm.timeline import parse_timeline

    for key, value in updates.items():
        parts = key.split(".")
        if len(parts) > 1 and FILE_FIELD.search(parts[-1]):
            raise ConfigError(key, value, f"names a file: {PAGE_NAMES_NO_FILES}")
        if key in ("protocol", "topology"):
            chosen = [(key, value)]
        elif parts[0] == "faults" and (len(parts) == 2 or parts[2:] == ["kind"]):
            chosen = [("faults", value)]
        elif key == "timeline":
            entries = value if isinstance(value, (str, list)) else str(value)
            chosen = [("faults", params.name) for params in parse_timeline(entries)]
        else:
            chosen = []
        for kind, name in chosen:
            if isinstance(name, str) and name in file_backed(kind):
                fields = ", ".join(file_fields(_kinds()[kind][name]))
                raise ConfigError(key, name, f"reads a file (its {fields}): "
                                  f"{PAGE_NAMES_NO_FILES}")


# ------------------------------------------------------------------------------ the state
# one value per browser tab (Solara scopes module-level reactive variables per session)
settings = solara.reactive(dict(Scenario.from_dict(DEFAULT_SCENARIO).to_dict()))
engine_name = solara.reactive("kernels")
live: solara.Reactive[LiveRun | None] = solara.reactive(None)
version = solara.reactive(0)        # bumped whenever the run changed (re-renders the live view)
playing = solara.reactive(False)
interval_ms = solara.reactive(0)
rounds_per_frame = solara.reactive(1)
selected = solara.reactive(-1)
tool = solara.reactive("inspect")
error = solara.reactive("")
#: what the first run's build is doing, shown until it exists (issue 13 c)
loading = solara.reactive("")
metric_choice = solara.reactive("")


class Drawing:
    """What the node view needs that changes only with a new run (cached per LiveRun)."""

    def __init__(self, run: LiveRun) -> None:
        self.positions = run.positions.tobytes()
        topo = run.model.topology
        if topo.n_edges <= MAX_EDGES_DRAWN:
            src, dst = topo.edges()
            self.edges = np.column_stack([src, dst]).astype(np.int32).tobytes()
        else:
            self.edges = b""
        self.colors = colours_for(run.node_states, run.detector)
        self.legend = legend_for(run.node_states, run.detector)
        self.dot = int(max(1, min(8, 0.7 * VIEW_SIZE / max(1.0, np.sqrt(run.n)))))


def drawing(run: LiveRun) -> Drawing:
    """The run's Drawing, made on first use (kept with the run: one per browser tab)."""
    if "drawing" not in run.view_cache:
        run.view_cache["drawing"] = Drawing(run)
    return run.view_cache["drawing"]


def changed() -> None:
    """The run changed: re-render the live view and send the node view the new frame."""
    version.value += 1
    if live.value is not None:
        push_frame(live.value)


def guarded(action: Callable[[], Any]) -> Callable[[], None]:
    """Run a user action; a ConfigError is shown on the page and changes nothing."""

    def run() -> None:
        try:
            action()
            error.value = ""
        except (ConfigError, ValueError) as exc:
            error.value = str(exc)
        changed()

    return run


def warm_up(scenario: Scenario, engine: str) -> None:
    """Compile (or load from Numba's cache) the kernels ``scenario`` uses by stepping a
    64-node version of it once, so that compiling is a phase of its own on the page. A
    scenario with no 64-node version compiles in the real build instead."""
    from swarm.model import SwarmModel

    try:
        tiny = scenario.replace({"nodes": 64})
    except (ConfigError, ValueError):
        return
    SwarmModel(tiny, engine=engine).engine.step()


def reset(scenario: Scenario | None = None,
          progress: Callable[[str], None] | None = None) -> None:
    """Start a new run of ``scenario`` (default: the settings). The run is built first, so
    a scenario that fails to build (a ConfigError, e.g. too many nodes for this machine's
    memory) raises and leaves the page as it was. With ``progress`` (the first load), the
    kernels are compiled first and ``progress(text)`` is told each phase."""
    scenario = Scenario.from_dict(settings.value) if scenario is None else scenario
    if progress is not None:
        progress("compiling the kernels (the first run on this machine takes up to ~10 s)…")
        warm_up(scenario, engine_name.value)
    new_run = LiveRun(scenario, engine=engine_name.value, progress=progress)
    playing.value = False
    selected.value = -1
    settings.value = scenario.to_dict()
    live.value = new_run
    changed()


def set_setting(key: str, value: Any) -> None:
    """Apply one control: a valid scenario restarts the run; an invalid one is explained
    and the run goes on untouched."""
    try:
        refuse_server_files({key: value})
        reset(Scenario.from_dict(settings.value).replace({key: value}))
    except ConfigError as exc:
        error.value = str(exc)
        return
    error.value = ""


#: while playing, the charts, node card and controls follow at most this often (seconds)
CHARTS_EVERY_S = 0.5


def push_frame(run: LiveRun, stamp: Mapping[str, Any] | None = None) -> None:
    """Send the run's frame (one byte per node, the round and the status line) straight to
    the node view's widget: one binary websocket message, no re-render of the page. The
    page's components are re-rendered by Solara's reconciler, which walks the whole page
    (about 260 elements) whatever changed: 20-60 ms per frame, most of the frame time
    (docs/design.md). ``stamp`` (the request's ``seq`` and the server's times) lets the view
    match the answer to its request and time it."""
    widget = run.view_cache.get("view_widget")
    if widget is None:
        return
    if stamp is not None:
        run.view_cache["stamp"] = dict(stamp)
    codes = run.codes()
    # the last stamp stays: the same frame pushed again is then no message at all
    frame = {"round": run.round, "status": run.status(codes), "done": run.done,
             **run.view_cache.get("stamp", {})}
    with widget.hold_sync():
        widget.codes = codes.tobytes()
        widget.frame = frame


def step_frame(_frame: Any = None) -> None:
    run = live.value
    if run is None:
        return
    run.step(rounds_per_frame.value)
    if run.done:
        playing.value = False
    changed()


def next_frame(request: Any = None) -> None:
    """The node view asks for the next frame (``{"seq": n, "round": r}``): a request that
    arrives after Pause is dropped, so a pause stops at once. The answer goes to the node view
    directly (:func:`push_frame`); the rest of the live view (charts, node card) is
    re-rendered at most every ``CHARTS_EVERY_S`` while playing."""
    server_in = time.time() * 1000
    run = live.value
    if not playing.value or run is None:
        return
    t0 = time.perf_counter()
    run.step(rounds_per_frame.value)
    stamp = {"seq": request.get("seq") if isinstance(request, dict) else None,
             "server_in": server_in, "step_ms": (time.perf_counter() - t0) * 1000}
    push_frame(run, stamp)
    now = time.monotonic()
    if run.done or now - run.view_cache.get("charts_at", 0.0) >= CHARTS_EVERY_S:
        run.view_cache["charts_at"] = now
        if run.done:
            playing.value = False
        changed()


# ------------------------------------------------------------------------------ controls
@solara.component
def ScenarioControls():
    values = settings.value
    scenario_fields = {f.name: f for f in dataclasses.fields(Scenario)}
    for name in ("nodes", "seed", "max_rounds"):
        ParamInput(describe_param(scenario_fields[name]), values[name],
                   lambda v, name=name: set_setting(name, v))
    page_protocols = sorted(set(PROTOCOLS) - set(file_backed("protocol")))
    solara.Select(label="protocol", values=page_protocols, value=values["protocol"],
                  on_value=lambda v: set_setting("protocol", v))
    ParamsControls("protocol", PROTOCOLS[values["protocol"]].Params, values, set_setting)
    page_topologies = sorted(set(TOPOLOGIES) - set(file_backed("topology")))
    solara.Select(label="topology", values=page_topologies, value=values["topology"],
                  on_value=lambda v: set_setting("topology", v))
    ParamsControls("topology", TOPOLOGIES[values["topology"]], values, set_setting)


@solara.component
def RunControls():
    _ = version.value  # Play / Step are enabled again when a fault revives a finished run
    run = live.value
    with solara.Row():
        solara.Button("Pause" if playing.value else "Play", color="primary",
                      on_click=lambda: playing.set(not playing.value),
                      disabled=run is None or run.done)
        solara.Button("Step", on_click=step_frame, disabled=run is None or run.done)
        solara.Button("Reset", on_click=guarded(reset))
    solara.SliderInt("rounds per frame", value=rounds_per_frame, min=1, max=50)
    solara.SliderInt("pause between frames (ms)", value=interval_ms, min=0, max=1000, step=10)
    solara.Select(label="engine", values=list(ENGINES), value=engine_name.value,
                  on_value=lambda v: (engine_name.set(v), guarded(reset)()))


@solara.component
def FaultControls():
    run = live.value
    fraction = solara.use_reactive(0.1)
    keep_state = solara.use_reactive(True)
    loss = solara.use_reactive(0.0)
    latency = solara.use_reactive(0.0)
    kind = solara.use_reactive("crash")
    options = solara.use_reactive({})
    if run is None:
        return
    by_text = {text: key for key, text in TOOLS.items()}
    solara.ToggleButtonsSingle(value=TOOLS[tool.value], values=list(TOOLS.values()),
                               on_value=lambda text: tool.set(by_text[text]))
    solara.Text(HINTS[tool.value])
    solara.SliderFloat("crash fraction", value=fraction, min=0.0, max=1.0, step=0.01)
    solara.Checkbox(label="recovered nodes keep their state", value=keep_state)
    with solara.Row():
        solara.Button("Crash", on_click=guarded(
            lambda: run.crash_fraction(fraction.value, keep_state.value)))
        solara.Button("Recover", on_click=guarded(run.recover))
        solara.Button("Heal", on_click=guarded(run.heal))
    solara.SliderFloat("message loss", value=loss.value, min=0.0, max=1.0, step=0.01,
                       on_value=lambda v: (loss.set(v), guarded(lambda: run.set_loss(v))()))
    solara.SliderFloat("latency (rounds)", value=latency.value, min=0.0, max=10.0, step=0.5,
                       on_value=lambda v: (latency.set(v),
                                           guarded(lambda: run.set_latency(v))()))
    with solara.Details("inject any fault"):
        solara.Select(label="fault", values=sorted(set(FAULTS) - set(file_backed("faults"))),
                      value=kind,
                      on_value=lambda v: options.set({}))
        cls = FAULTS[kind.value].Params
        ParamsControls("", cls, options.value,
                       lambda key, v: options.set({**options.value, key: v}),
                       skip=("start", "end"))
        solara.Button("Inject", on_click=guarded(
            lambda: run.inject(cls(**options.value))))


# ------------------------------------------------------------------------------ live view
@solara.component
def Canvas(run: LiveRun):
    """The node view; after every render its widget is given the frame (``push_frame``)."""
    _ = version.value  # re-rendered with the live view (the widget may be new)
    draw = drawing(run)
    view = NodeView(
        positions=draw.positions, edges=draw.edges, colors=draw.colors, legend=draw.legend,
        size=VIEW_SIZE, dot=draw.dot, playing=playing.value, interval_ms=interval_ms.value,
        selected=selected.value, tool=tool.value, cut_line=run.cut_line(),
        event_next_frame=next_frame,
        event_node_clicked=lambda i: selected.set(int(i)),
        event_region_selected=lambda r: guarded(lambda: run.crash_region(tuple(r)))(),
        event_line_drawn=lambda line: guarded(lambda: run.cut(tuple(line)))())

    def attach() -> None:
        run.view_cache["view_widget"] = solara.get_widget(view)
        push_frame(run)

    solara.use_effect(attach)


@solara.component
def LiveView():
    _ = version.value  # re-render on every change of the run
    run = live.value
    if run is None:
        solara.Text(loading.value or "starting…", classes=["swarm-loading"])
        return
    with solara.Row(style={"align-items": "flex-start", "gap": "12px"}):
        Canvas(run)
        NodeInfo(run)

    metrics = [m for m in run.metric_names() if m not in ("coverage", "informed")]
    shown = []
    if "coverage" in run.metric_names():
        shown.append({"name": "coverage", "title": "coverage", "color": "#E69F00"})
    shown += [{"name": "messages", "title": "messages per round", "color": "#0072B2"},
              {"name": "live", "title": "live nodes", "color": "#009E73"}]
    if metrics:
        choice = metric_choice.value if metric_choice.value in metrics else metrics[0]
        shown.append({"name": choice, "title": choice, "color": "#CC79A7"})
    series = run.series([s["name"] for s in shown])
    Charts(series=series, theory=run.theory(max(10, run.round)),
           theory_label="mean field (Demers et al.)", markers=run.actions, shown=shown)
    with solara.Row():
        if len(metrics) > 1:
            # the value shown is the one charted (the reactive starts empty: issue 13 f)
            solara.Select(label="protocol metric", values=metrics, value=choice,
                          on_value=metric_choice.set)
        solara.FileDownload(lambda: run.export("parquet"), filename="swarm-run.parquet",
                            label="Export Parquet")
        solara.FileDownload(lambda: run.export("csv"), filename="swarm-run.csv",
                            label="Export CSV")


@solara.component
def NodeInfo(run: LiveRun):
    with solara.Card("node", style={"min-width": "220px"}, classes=["swarm-node-info"]):
        if 0 <= selected.value < run.n:
            info = run.node_info(selected.value)
            solara.Markdown("\n".join(f"- **{k}**: {v}" for k, v in info.items()))
        else:
            solara.Text("click a node (tool: inspect)")


def settings_from_query(search: str | None) -> None:
    """A scenario from the address: ``?nodes=50000&protocol=push&topology=ring`` (dotted keys,
    TOML values; ``engine`` too; ``lesson=NAME`` starts from that lesson instead of the
    defaults). Bad keys or values are shown and the defaults kept; so is a key that would
    make the server open a file (:func:`refuse_server_files`): an address is anyone's to
    type."""
    from urllib.parse import parse_qsl

    pairs = dict(parse_qsl(search or ""))
    base: Mapping[str, Any] = DEFAULT_SCENARIO
    if "lesson" in pairs:  # a preset by name (dashboards/lessons.py), never a path
        try:
            base = settings.value = lesson_settings(pairs.pop("lesson"))
        except ConfigError as exc:
            error.value = str(exc)
    if "engine" in pairs:
        engine = pairs.pop("engine")
        if engine in ENGINES:
            engine_name.value = engine
        else:
            error.value = f"engine = {engine!r}: must be one of {', '.join(ENGINES)}"
    if pairs:
        try:
            updates = {k: parse_value(value) for k, value in pairs.items()}
            refuse_server_files(updates)
            settings.value = Scenario.from_dict(base).replace(updates).to_dict()
        except ConfigError as exc:
            error.value = str(exc)


@solara.component
def Page():
    solara.Title("swarm")
    router = solara.use_router()

    search = router.search

    def start() -> None:
        """Build the first run off the render path, so the page shows each phase."""
        if live.value is None:
            settings_from_query(search)
            try:
                reset(progress=loading.set)
            except ConfigError as exc:  # valid, but cannot be built: say so, run the defaults
                error.value = str(exc)
                reset(Scenario.from_dict(DEFAULT_SCENARIO), progress=loading.set)
            loading.value = ""

    solara.use_thread(start, dependencies=[])
    with solara.Columns([1, 3]):
        with solara.Column():
            solara.Markdown("## swarm")
            if error.value:
                solara.Error(error.value)
            LessonPicker(on_open=lambda values: guarded(
                lambda: reset(Scenario.from_dict(values)))())
            with solara.Card("run"):
                RunControls()
            with solara.Card("faults"):
                FaultControls()
            with solara.Card("scenario"):
                ScenarioControls()
        with solara.Column():
            LessonText()
            LiveView()


__all__ = ["Page"]
