"""Exceptions raised by swarm.

Every error a user can cause by bad input is a :class:`ConfigError`: one line that names the
field, the value and what is allowed. The command line turns it into exit code 2.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["SwarmError", "ConfigError", "did_you_mean", "format_bytes"]


class SwarmError(Exception):
    """Base class of every error swarm raises on purpose."""


class ConfigError(SwarmError, ValueError):
    """Bad input: a scenario field, a parameter, a file. The message is one line."""

    def __init__(self, field: str, value: object, allowed: str) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(f"{field} = {value!r}: {allowed}")


def did_you_mean(value: object, options: Iterable[str], prefix: str = "") -> str:
    """``" (did you mean 'push-pull'?)"`` for the option closest to a misspelt ``value``, or
    ``""`` when none is close (difflib's ratio >= 0.6, its default cut-off). ``prefix`` is
    put before the suggestion (``'protocol.'`` + ``'fanout'``)."""
    if not isinstance(value, str):
        return ""
    options = list(options)
    close = difflib.get_close_matches(value, options, n=1)
    if not close:  # a case slip: 'Push' for 'push'
        close = [o for o in options if o.lower() == value.lower()]
    return f" (did you mean {prefix + close[0]!r}?)" if close else ""


def format_bytes(n: float) -> str:
    """1536 -> '1.5 KiB'; binary units up to PiB."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024:
            return f"{n:.3g} {unit}"
        n /= 1024
    return f"{n:.3g} PiB"
