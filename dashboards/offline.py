"""How Solara must run here, in one place: every front-end file Solara would fetch from its
CDN is served by Solara's own asset proxy from a local cache, which the set-up fills from the
npm registry (``scripts/solara_assets.sh``), so neither the browser nor the server needs the
CDN. Used by ``swarm dashboard``, the dashboard tests and, through
``python -m dashboards.offline`` (which prints ``export`` lines), by the shell set-up.
Values already in the environment win."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

__all__ = ["defaults", "environ"]


def defaults() -> dict[str, str]:
    return {
        # serve CDN assets through the local proxy (/_solara/cdn/...), never from the CDN
        "SOLARA_ASSETS_PROXY": "true",
        # where the proxy looks for them: Solara's own default, spelled out so the set-up
        # fills exactly the directory the server reads
        "SOLARA_ASSETS_PROXY_CACHE_DIR": str(Path(sys.prefix) / "share" / "solara" / "cdn"),
        # upstream of the proxy on a cache miss: a closed local port, so a missing asset
        # fails at once (a 404) instead of waiting on DNS and timeouts for the CDN
        "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/solara-offline-cache-miss/",
        # no usage telemetry (server-side calls to api.mixpanel.com and api.ipify.org)
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
    }


def environ(base: dict[str, str] | None = None) -> dict[str, str]:
    """``base`` (default ``os.environ``) with the defaults filled in where unset."""
    env = dict(os.environ if base is None else base)
    for key, value in defaults().items():
        env.setdefault(key, value)
    return env


if __name__ == "__main__":
    env = environ()
    for key in defaults():
        print(f"export {key}={shlex.quote(env[key])}")
