# Sourced by setup.sh and solara_assets.sh: export the settings Solara needs on this project's
# offline machines. They are written in ONE place, dashboards/offline.py (also used by
# `swarm dashboard` and tests/dashboard): Solara's asset proxy serves /_solara/cdn/... from its
# cache (<venv>/share/solara/cdn), which scripts/solara_assets.sh fills from the npm registry;
# a cache miss goes to a closed local port, never to the CDN; no telemetry.
# Values already set in the environment win.
_solara_env_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_solara_env_py="$_solara_env_root/.venv/bin/python"
[ -x "$_solara_env_py" ] || _solara_env_py="$(command -v python3)"
if ! _solara_env_exports="$(cd "$_solara_env_root" && "$_solara_env_py" -m dashboards.offline)"; then
    echo "swarm: error: could not read the Solara settings (python -m dashboards.offline)" >&2
    return 1
fi
eval "$_solara_env_exports"
unset _solara_env_root _solara_env_py _solara_env_exports
