"""Exceptions raised by swarm.

Every error a user can cause by bad input is a :class:`ConfigError`: one line that names the
field, the value and what is allowed. The command line turns it into exit code 2.
"""

from __future__ import annotations

__all__ = ["SwarmError", "ConfigError"]


class SwarmError(Exception):
    """Base class of every error swarm raises on purpose."""


class ConfigError(SwarmError, ValueError):
    """Bad input: a scenario field, a parameter, a file. The message is one line."""

    def __init__(self, field: str, value: object, allowed: str) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(f"{field} = {value!r}: {allowed}")
