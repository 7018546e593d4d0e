#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a bounded time, starting from the
# seed corpora in tests/fuzz/corpus/. New inputs go to a scratch corpus, crashes to tests/fuzz/findings/.
#   tests/fuzz/run-fuzzers.sh [SECONDS_PER_TARGET (default 60)] [target...]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(urllist naming urlextractor httpheaders httpresponseparser)
build=${HEIKO_FUZZ_BUILD:-$top/build-fuzz}

command -v clang++ >/dev/null || { echo "clang++ missing: apt-get install clang libclang-rt-14-dev" >&2; exit 1; }
if [ ! -f "$build/build.ninja" ]; then
    CC=clang CXX=clang++ cmake -S "$top" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DHEIKO_FUZZ=ON -DHEIKO_BUILD_TESTS=OFF -DHEIKO_SANITIZE="address;undefined"
fi
cmake --build "$build" -j "${HEIKO_JOBS:-2}" --target $(printf 'fuzz_%s ' "${targets[@]}")

mkdir -p "$here/findings"
status=0
for target in "${targets[@]}"; do
    work=$(mktemp -d)
    echo "== fuzz_$target for ${seconds}s"
    if ! "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
        -artifact_prefix="$here/findings/$target-" "$work" "$here/corpus/$target" 2>&1 | tail -n 3; then
        status=1
    fi
    rm -rf "$work"
done
exit $status
