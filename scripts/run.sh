#!/usr/bin/env bash
# Set up (if needed) and run the main job: push, pull and push-pull from 10^3 to 10^6 nodes
# against theory, written to data/spreading_vs_theory.parquet. Extra args go to the script.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
exec python experiments/spreading_vs_theory.py "$@"
