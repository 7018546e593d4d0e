#!/usr/bin/env bash
# Runs the window benchmark (bench/guibench.cpp) in a real X server.
#   bench/run-guibench.sh [ROWS] [LOG_RECORDS_PER_SECOND] [SECONDS]
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${GUIBENCH:-$top/build/bench/heiko_guibench}
[ -x "$bin" ] || { echo "no $bin: build with ./run.sh build (tests on)" >&2; exit 1; }
command -v xvfb-run >/dev/null || { echo "xvfb-run missing: apt-get install xvfb xauth" >&2; exit 1; }
xvfb-run -a -s "-screen 0 1280x800x24" env QT_QPA_PLATFORM=xcb "$bin" "${1:-10000}" "${2:-1000}" "${3:-10}"
