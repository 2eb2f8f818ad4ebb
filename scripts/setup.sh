# Sourced by run.sh and test.sh: find Python >= 3.12, make .venv, install swarm with its
# extras and the example plugin (examples/swarm-example-plugin), install Solara's front-end
# assets (solara_assets.sh, settings in solara_env.sh).
# Idempotent: reinstalls only when a pyproject.toml changes, fetches only missing assets.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

find_python() {
    local c
    for c in python3.14 python3.13 python3.12 python3; do
        if command -v "$c" >/dev/null 2>&1 &&
            "$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
            command -v "$c"
            return 0
        fi
    done
    # pyenv installs that are not the active version (their shims refuse to run)
    for c in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3; do
        if [ -x "$c" ] && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then
            echo "$c"
            return 0
        fi
    done
    echo "swarm: error: Python >= 3.12 not found (install python3.12, or set PATH)" >&2
    return 1
}

if [ ! -x "$VENV/bin/python" ]; then
    PY="$(find_python)"
    echo "setup: creating $VENV with $PY" >&2
    "$PY" -m venv "$VENV"
fi
STAMP="$VENV/.swarm-installed"
# the example plugin of docs/tutorial_protocol.md is installed too (its contract tests run in
# tests/examples/test_tutorial.py): a change to either pyproject.toml reinstalls
EXAMPLE="$ROOT/examples/swarm-example-plugin"
WANT="$(cat "$ROOT/pyproject.toml" "$EXAMPLE/pyproject.toml" | sha256sum | cut -c1-16)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
    echo "setup: installing swarm and its dependencies into $VENV" >&2
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -e "$ROOT[dev,dashboard]"
    # after swarm: the plugin depends on it, and swarm is not taken from PyPI
    "$VENV/bin/python" -m pip install --quiet -e "$EXAMPLE"
    echo "$WANT" >"$STAMP"
fi
export PATH="$VENV/bin:$PATH"
# the dashboard's front-end files: from the npm registry into solara's asset cache (no CDN)
source "$ROOT/scripts/solara_env.sh"
bash "$ROOT/scripts/solara_assets.sh"
cd "$ROOT"
