"""Parameters: declared once, validated on construction — the package's leaf layer.

A parameter is declared once, as a dataclass field made by :func:`param`; its metadata
(``min``, ``max``, ``choices``, ``help``, ``units``) is the single source for validation, the
command line's help, the dashboard's controls and the docs. Every protocol, fault and topology
declares its parameters with this module and nothing above it (``swarm.config`` builds the
Scenario out of them; see the layer list in docs/design.md).
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from collections.abc import Mapping
from dataclasses import field
from typing import Any, ClassVar

from swarm.errors import ConfigError, did_you_mean

__all__ = [
    "param",
    "Params",
    "ProtocolParams",
    "TopologyParams",
    "check_value",
    "parse_value",
    "describe_param",
]


def param(
    default: Any,
    *,
    help: str,
    min: float | None = None,
    max: float | None = None,
    choices: tuple[Any, ...] | None = None,
    units: str | None = None,
    optional: bool = False,
) -> Any:
    """A dataclass field with the metadata every front end reads.

    ``optional=True`` allows ``None`` (meaning "choose automatically", documented in ``help``).
    The type is the type of ``default`` (``int``, ``float``, ``bool`` or ``str``); for an
    optional field whose default is ``None``, pass the type through ``choices`` or a bound.
    """
    kind: type
    if default is None:
        kind = float if isinstance(min, float) or isinstance(max, float) else int
        if choices:
            kind = type(choices[0])
    else:
        kind = type(default)
    meta = {
        "help": help,
        "min": min,
        "max": max,
        "choices": choices,
        "units": units,
        "optional": optional or default is None,
        "type": kind,
    }
    return field(default=default, metadata=meta)


def _allowed(meta: Mapping[str, Any]) -> str:
    kind = meta["type"]
    if meta["choices"]:
        text = "one of " + ", ".join(repr(c) for c in meta["choices"])
    elif kind is bool:
        text = "true or false"
    else:
        noun = "an integer" if kind is int else ("a number" if kind is float else "a string")
        lo, hi = meta["min"], meta["max"]
        if lo is not None and hi is not None:
            text = f"{noun} in {lo}..{hi}"
        elif lo is not None:
            text = f"{noun} >= {lo}"
        elif hi is not None:
            text = f"{noun} <= {hi}"
        else:
            text = noun
    if meta["optional"]:
        text += " (or none for automatic)"
    return "must be " + text


def check_value(name: str, value: Any, meta: Mapping[str, Any]) -> Any:
    """Validate (and normalise int -> float) one value against its field metadata."""
    kind = meta["type"]
    if value is None:
        if meta["optional"]:
            return None
        raise ConfigError(name, value, _allowed(meta))
    if kind is bool:
        ok = isinstance(value, bool)
    elif kind is int:
        ok = isinstance(value, (int, *_np_int())) and not isinstance(value, bool)
        if ok:
            value = int(value)
    elif kind is float:
        numeric = (int, float, *_np_int(), *_np_float())
        ok = isinstance(value, numeric) and not isinstance(value, bool)
        if ok:
            value = float(value)
            ok = math.isfinite(value)
    else:
        if kind is str and isinstance(value, (int, *_np_int())) and not isinstance(value, bool):
            value = str(value)  # a text field given a number: its digits ('ids=5' is '5')
        ok = isinstance(value, kind)
    if not ok:
        raise ConfigError(name, value, _allowed(meta))
    if meta["choices"] and value not in meta["choices"]:
        raise ConfigError(name, value, _allowed(meta)
                          + did_you_mean(value, [c for c in meta["choices"] if isinstance(c, str)]))
    if meta["min"] is not None and value < meta["min"]:
        raise ConfigError(name, value, _allowed(meta))
    if meta["max"] is not None and value > meta["max"]:
        raise ConfigError(name, value, _allowed(meta))
    return value


def _np_int() -> tuple[type, ...]:
    import numpy as np

    return (np.integer,)


def _np_float() -> tuple[type, ...]:
    import numpy as np

    return (np.floating,)


class Params:
    """Base of every parameter dataclass (protocols, topologies, later faults).

    Subclasses are ``@dataclass(frozen=True, slots=True, kw_only=True)``, set ``name`` (the
    registry name) and ``kind`` (the dotted prefix, e.g. ``"protocol"``), and declare their
    fields with :func:`param`. Validation of each field runs here; constraints that depend on
    the number of nodes go in :meth:`check`, which the Scenario calls.
    """

    __slots__ = ()
    name: ClassVar[str] = ""
    kind: ClassVar[str] = ""
    summary: ClassVar[str] = ""

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = check_value(f"{self.prefix()}.{f.name}", getattr(self, f.name), f.metadata)
            object.__setattr__(self, f.name, value)

    def prefix(self) -> str:
        """The dotted prefix of this object's fields in error messages and flat dicts."""
        return self.kind

    def check(self, nodes: int) -> None:
        """Constraints that depend on the number of nodes; raise ConfigError."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {self.kind: self.name}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            out[f"{self.kind}.{f.name}"] = getattr(self, f.name)
        return out

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]


class ProtocolParams(Params):
    __slots__ = ()
    kind: ClassVar[str] = "protocol"


class TopologyParams(Params):
    __slots__ = ()
    kind: ClassVar[str] = "topology"


def describe_param(f: dataclasses.Field) -> dict[str, Any]:
    """Field metadata as a plain dict (for CLI listings, docs and the dashboard)."""
    meta = dict(f.metadata)
    return {
        "name": f.name,
        "default": f.default,
        "type": meta["type"].__name__,
        "min": meta["min"],
        "max": meta["max"],
        "choices": meta["choices"],
        "units": meta["units"],
        "optional": meta["optional"],
        "help": meta["help"],
    }


def parse_value(text: str) -> Any:
    """Parse a command-line value with TOML's scalar syntax; a bare word stays a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        low = text.strip().lower()
        if low in ("none", "null", "auto"):
            return None
        return text
