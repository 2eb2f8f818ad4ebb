"""Controls made from parameter metadata: every field declared with ``swarm.params.param``
gets an input (a choice -> a select, a bool -> a checkbox, a number in [0, 1] -> a slider,
other numbers -> a number box, optional fields -> a text box where empty means automatic),
labelled with its name and units, its help as the hint. A new protocol, topology or fault
appears in the page with no dashboard code."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import solara

from swarm.params import describe_param, parse_value

__all__ = ["field_specs", "ParamInput", "ParamsControls"]


def field_specs(params_cls: type, skip: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """``describe_param`` of every field of a params class, minus ``skip``."""
    return [describe_param(f) for f in dataclasses.fields(params_cls) if f.name not in skip]


def _label(spec: dict[str, Any]) -> str:
    units = spec["units"]
    return spec["name"] + (f" ({units})" if units and units != spec["name"] else "")


@solara.component
def ParamInput(spec: dict[str, Any], value: Any, on_value: Callable[[Any], None]):
    """One input for one field, by its metadata."""
    label = _label(spec)
    kind, lo, hi = spec["type"], spec["min"], spec["max"]
    with solara.Tooltip(spec["help"]):
        with solara.Div():
            if spec["choices"]:
                solara.Select(label=label, values=list(spec["choices"]), value=value,
                              on_value=on_value)
            elif kind == "bool":
                solara.Checkbox(label=label, value=bool(value), on_value=on_value)
            elif spec["optional"] or kind == "str":
                text = "" if value is None else str(value)
                solara.InputText(label=label, value=text, continuous_update=False,
                                 on_value=lambda t: on_value(
                                     None if t.strip() == "" else
                                     (t if kind == "str" else parse_value(t))))
            elif kind == "float" and lo is not None and hi is not None and hi - lo <= 1:
                solara.SliderFloat(label=label, value=float(value), min=lo, max=hi,
                                   step=(hi - lo) / 100, on_value=on_value)
            elif kind == "float":
                solara.InputFloat(label=label, value=float(value), continuous_update=False,
                                  on_value=on_value)
            else:
                solara.InputInt(label=label, value=int(value), continuous_update=False,
                                on_value=on_value)


@solara.component
def ParamsControls(prefix: str, params_cls: type, values: dict[str, Any],
                   on_change: Callable[[str, Any], None], skip: tuple[str, ...] = ()):
    """An input per field of ``params_cls``; ``on_change("<prefix>.<field>", value)``."""
    for spec in field_specs(params_cls, skip):
        key = f"{prefix}.{spec['name']}" if prefix else spec["name"]
        ParamInput(spec, values.get(key, spec["default"]),
                   lambda v, key=key: on_change(key, v))
