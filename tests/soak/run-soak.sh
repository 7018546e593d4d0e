#!/usr/bin/env bash
# Runs the soak test: 2,000 downloads through random faults with 8 workers; every file must be intact.
#   tests/soak/run-soak.sh [DOWNLOADS] [WORKERS] [SEED] [CONNECTIONS PER FILE]
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${HEIKO_BUILD_DIR:-$top/build}
cmake --build "$build" -j "${HEIKO_JOBS:-2}" --target heiko_soak
exec "$build/tests/soak/heiko_soak" "${1:-2000}" "${2:-8}" "${3:-20261126}" "${4:-1}"
