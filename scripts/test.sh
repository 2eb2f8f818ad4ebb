#!/usr/bin/env bash
# Set up (if needed) and run every test suite, slow ones included. Extra args go to pytest.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
exec python -m pytest -m "slow or not slow" "$@"
