#!/usr/bin/env bash
# Install the front-end files Solara loads from its CDN into Solara's proxy cache
# ($SOLARA_ASSETS_PROXY_CACHE_DIR: dashboards/offline.py via solara_env.sh), from the npm registry with
# `npm pack <pkg>@<exact version>`: <cache>/<pkg>@<version>/ holds the package's files, which is
# the path the browser asks for (/_solara/cdn/<pkg>@<version>/<file>). Idempotent: a package
# whose directory exists is skipped (it is moved into place only once completely unpacked).
# Run by setup.sh; standalone: bash scripts/solara_assets.sh [--force]
set -euo pipefail
_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=solara_env.sh
source "$_here/solara_env.sh"
CACHE="$SOLARA_ASSETS_PROXY_CACHE_DIR"

# The exact versions pinned in the installed solara (server/templates/solara.html.j2,
# server/settings.py, components/markdown.py, widgets/vue/gridlayout*.vue). A solara upgrade
# that changes one of them shows up as a failed /_solara/cdn request in tests/dashboard.
PACKAGES=(
    "@widgetti/solara-vuetify3-app@5.2.0"          # the app: vue3/vuetify3 (ipyvue 3), main8.css, fonts
    "@widgetti/solara-vuetify-app@10.1.1"          # the same for ipyvue < 3 (vue2/vuetify2)
    "requirejs@2.3.6"                              # require.js / require.min.js
    "font-awesome@4.5.0"                           # css/font-awesome.min.css + fonts/
    "katex@0.16.9"                                 # every solara.Markdown loads it (math)
    "mermaid@10.8.0"                               # every solara.Markdown loads it (diagrams)
    "@widgetti/vue-grid-layout@2.3.13-alpha.2"     # solara.GridLayout
)
# more (e.g. "echarts@5.5.0" for solara.FigureEcharts), space separated
# shellcheck disable=SC2206
PACKAGES+=(${SWARM_SOLARA_EXTRA_NPM:-})

force=0
[ "${1:-}" = "--force" ] && force=1

missing=()
for spec in "${PACKAGES[@]}"; do
    if [ "$force" = 1 ] || [ ! -d "$CACHE/$spec" ]; then
        missing+=("$spec")
    fi
done
[ "${#missing[@]}" = 0 ] && exit 0

if ! command -v npm >/dev/null 2>&1; then
    cat >&2 <<MSG
swarm: error: npm not found. The dashboard's front-end files (${missing[*]})
come from the npm registry, the CDN Solara would use is not reachable here.
Install Node.js/npm (Debian: apt-get install -y npm) and run this again, or copy a filled
cache into $CACHE.
MSG
    exit 1
fi

mkdir -p "$CACHE"
work="$(mktemp -d "$CACHE/.npm-pack.XXXXXX")"
trap 'rm -rf "$work"' EXIT
echo "solara assets: fetching ${missing[*]} from the npm registry into $CACHE" >&2
for spec in "${missing[@]}"; do
    dir="$work/$(echo "$spec" | tr '/@' '__')"
    mkdir -p "$dir"
    if ! tgz="$(cd "$dir" && npm pack --silent "$spec" 2>"$dir/npm.log" | tail -n 1)" ||
        [ ! -f "$dir/$tgz" ]; then
        echo "swarm: error: npm pack $spec failed:" >&2
        cat "$dir/npm.log" >&2
        exit 1
    fi
    tar -xzf "$dir/$tgz" -C "$dir"   # npm tarballs unpack into package/
    # source maps are only fetched by an open devtools; a third of the size
    find "$dir/package" -name '*.map' -type f -delete
    mkdir -p "$(dirname "$CACHE/$spec")"
    [ "$force" = 1 ] && rm -rf "$CACHE/$spec"
    # complete or absent: a concurrent set-up that got there first wins (mv -T will not nest)
    if ! mv -T "$dir/package" "$CACHE/$spec" 2>/dev/null && [ ! -d "$CACHE/$spec" ]; then
        echo "swarm: error: could not move $spec into $CACHE" >&2
        exit 1
    fi
done

# Solara's page embeds a "solara.dev" check iframe in development mode until this marker
# exists (solara/checks.py); with it, dev mode (`solara run` without --production) stays local.
solara_home="${SOLARA_HOME:-$HOME/.solara}"
mkdir -p "$solara_home" 2>/dev/null && touch "$solara_home/.solara_checked" 2>/dev/null || true
