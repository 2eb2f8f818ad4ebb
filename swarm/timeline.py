"""Scenario.faults: the fault timeline parser, and faults to and from flat dotted dicts.

``"10-40: partition groups=2; 20: crash fraction=0.05"`` and ``{"faults.split.kind":
"partition", ...}`` become ``(label, params)`` pairs, checked against the fault registry
(``swarm.registry.FAULTS``, plugins included). A layer above the registry (docs/design.md).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from swarm.errors import ConfigError, did_you_mean
from swarm.faults.base import FaultParams
from swarm.params import parse_value
from swarm.registry import FAULTS

__all__ = ["parse_timeline", "normalise", "from_flat", "to_flat", "params_class"]

#: kinds of which two entries may not be active in the same round (their effect is ambiguous)
_EXCLUSIVE = ("loss", "latency", "partition")

_LABEL = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_ENTRY = re.compile(r"^\s*(?:(?:round\s+)?(\d+)\s*(?:-\s*(\d+))?\s*:)?\s*([A-Za-z-]+)(.*)$")


def params_class(kind: str, field: str) -> type[FaultParams]:
    if kind not in FAULTS:
        raise ConfigError(field, kind, "must be a fault kind: " + ", ".join(FAULTS)
                          + did_you_mean(kind, FAULTS))
    return FAULTS[kind].Params


def parse_timeline(text: str | Iterable[str]) -> list[FaultParams]:
    """Faults from a timeline, entries separated by ``;`` or new lines::

        loss rate=0.05
        10-40: partition groups=2          # split in rounds 10..40, heal after round 40
        20: crash fraction=0.05            # crash-stop at round 20
        10: partition groups=3; 50: heal   # 'heal' / 'recover' close the last open window
    """
    entries = [text] if isinstance(text, str) else list(text)
    out: list[FaultParams] = []
    for chunk in entries:
        for raw in re.split(r"[;\n]", chunk):
            entry = raw.split("#", 1)[0].strip()
            if not entry:
                continue
            m = _ENTRY.match(entry)
            if m and m.group(1) is None and ":" in entry:  # 'x-10:', '-5:': a bad window
                window = entry.split(":", 1)[0].strip()
                raise ConfigError("timeline", entry, f"window {window!r} must be a round START "
                                  "or START-END with 0 <= START <= END, e.g. '10-40:'")
            if not m:
                raise ConfigError("timeline", entry, "must look like '10-40: partition groups=2'")
            start, end, kind, rest = m.group(1), m.group(2), m.group(3), m.group(4)
            if kind in ("heal", "recover"):
                target = "partition" if kind == "heal" else "crash"
                if start is None or rest.strip():
                    raise ConfigError("timeline", entry, f"must look like '40: {kind}'")
                open_ = [i for i, f in enumerate(out) if f.name == target and f.end is None]
                if not open_:
                    raise ConfigError("timeline", entry,
                                      f"there is no earlier open {target} to {kind}")
                i = open_[-1]
                out[i] = out[i].__class__(**{**_fields(out[i]), "end": int(start) - 1})
                continue
            options: dict[str, Any] = {}
            for token in rest.split():
                key, eq, value = token.partition("=")
                if not eq:
                    raise ConfigError("timeline", entry, f"{token!r} must look like key=value")
                options[key] = parse_value(value)
            if start is not None:
                options["start"] = int(start)
            if end is not None:
                options["end"] = int(end)
            cls = params_class(kind, "timeline")
            _check_keys(cls, options, f"faults.{kind}")
            out.append(cls(**options))
    return out


def _fields(params: FaultParams) -> dict[str, Any]:
    return {name: getattr(params, name) for name in params.field_names()}


def _check_keys(cls: type[FaultParams], options: Mapping[str, Any], prefix: str) -> None:
    known = cls.field_names()
    for key, value in options.items():
        if key not in known:
            raise ConfigError(f"{prefix}.{key}", value, "unknown key"
                              + did_you_mean(key, known, f"{prefix}.")
                              + "; known: "
                              + ", ".join(f"{prefix}.{k}" for k in known))


def normalise(value: Any, nodes: int) -> tuple[tuple[str, FaultParams], ...]:
    """Scenario.faults from a list of params, (label, params) pairs, a {label: params} dict
    or a timeline string; labels default to the kind (``crash``, ``crash-2``, ...). The
    result is sorted by label."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = parse_timeline(value)
    if isinstance(value, FaultParams):
        value = [value]
    if not isinstance(value, (Mapping, list, tuple)):
        raise ConfigError("faults", value, "must be a list of fault parameters, a {label: "
                          "params} dict or a timeline string like '10-40: partition groups=2'")
    items = list(value.items()) if isinstance(value, Mapping) else list(value)
    pairs: list[tuple[str, FaultParams]] = []
    used: set[str] = set()
    for item in items:
        if isinstance(item, FaultParams):
            label, params = None, item
        elif (isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], FaultParams)):
            label, params = item
        else:
            raise ConfigError("faults", item, "must be fault parameters, e.g. LossParams(rate=0.1)")
        if label is None:
            label, k = params.name, 2
            while label in used:
                label, k = f"{params.name}-{k}", k + 1
        if not isinstance(label, str) or not _LABEL.match(label) or label in used:
            raise ConfigError("faults", label, "labels must be unique words (letters, digits, "
                              "- or _)")
        used.add(label)
        with _labelled(params.name, label):
            params.check(nodes)
        pairs.append((label, params))
    for i, (la, a) in enumerate(pairs):
        for lb, b in pairs[i + 1:]:
            if a.name == b.name and a.name in _EXCLUSIVE and a.overlaps(b) \
                    and not (a.is_zero() or b.is_zero()):
                raise ConfigError(f"faults.{lb}", f"{b.name} rounds {b.start}..{b.end or 'end'}",
                                  f"contradicts faults.{la} (rounds {a.start}..{a.end or 'end'}):"
                                  f" two {a.name} faults may not be active in the same round")
    # a canonical order (by label): node-level faults act in this order within a round, and a
    # scenario read back from a (key-sorted) dict or file is equal to the one written
    return tuple(sorted(pairs, key=lambda pair: pair[0]))


def from_flat(options: Mapping[str, dict[str, Any]]) -> tuple[tuple[str, FaultParams], ...]:
    """``{"split": {"kind": "partition", "groups": 2}, "loss": {"rate": 0.1}}`` -> pairs."""
    pairs = []
    for label, opts in options.items():
        opts = dict(opts)
        kind = opts.pop("kind", label)
        cls = params_class(kind, f"faults.{label}.kind")
        _check_keys(cls, opts, f"faults.{label}")
        with _labelled(kind, label):
            pairs.append((label, cls(**opts)))
    return tuple(pairs)


@contextlib.contextmanager
def _labelled(kind: str, label: str) -> Iterator[None]:
    """A ConfigError about ``faults.<kind>.x`` names ``faults.<label>.x``, the key the user
    wrote (``[faults.split]`` with ``kind = "partition"``)."""
    try:
        yield
    except ConfigError as exc:
        head = f"faults.{kind}."
        if label == kind or not exc.field.startswith(head):
            raise
        raise ConfigError(f"faults.{label}." + exc.field[len(head):], exc.value,
                          exc.allowed) from None


def to_flat(pairs: Iterable[tuple[str, FaultParams]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for label, params in pairs:
        if label != params.name:
            out[f"faults.{label}.kind"] = params.name
        for name in params.field_names():
            out[f"faults.{label}.{name}"] = getattr(params, name)
    return out
