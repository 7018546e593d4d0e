#!/usr/bin/env bash
# Heiko's one entry point on Debian/Ubuntu:
#   ./run.sh [heiko arguments...]   install what is missing, build, start Heiko
#   ./run.sh test [ctest arguments] install what is missing, build, run every test
#   ./run.sh build                  install what is missing and build only
#   ./run.sh sanitize [engine]      every test (or with "engine", the engine's) built with
#                                   AddressSanitizer + UndefinedBehaviorSanitizer, in build-asan/
#   ./run.sh tsan                   the engine's threaded tests under ThreadSanitizer, in build-tsan/
# Environment: HEIKO_BUILD_DIR (default: build), HEIKO_BUILD_TYPE (default: RelWithDebInfo).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build_dir=${HEIKO_BUILD_DIR:-$here/build}
build_type=${HEIKO_BUILD_TYPE:-RelWithDebInfo}

# What building Heiko needs, and what the tests need on top (a real nginx for the end-to-end tests,
# fonts for the widget tests).
build_packages=(cmake ninja-build g++ pkg-config qt6-base-dev qt6-base-dev-tools qt6-tools-dev
    qt6-l10n-tools libgl-dev libqt6svg6 fonts-dejavu-core)
test_packages=(nginx-light xvfb xauth clang-format)

say() { printf '\033[1mrun.sh:\033[0m %s\n' "$*" >&2; }

install_missing() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if ! command -v apt-get >/dev/null; then
        say "missing: ${missing[*]}; this script installs them with apt-get on Debian/Ubuntu."
        say "On other systems install Qt 6.4+ (Core, Network, Concurrent, Widgets, Test), CMake and Ninja,"
        say "then build by hand as the README's 'Building by hand' section shows."
        exit 1
    fi
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { say "need root or sudo to install: ${missing[*]}"; exit 1; }
        sudo=(sudo)
    fi
    say "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

configure_and_build() {
    if [ ! -f "$build_dir/build.ninja" ]; then
        # Warnings are errors in CI (CI=true), so that a warning never lands; users just get a build.
        local werror=OFF
        [ -n "${CI:-}" ] && werror=ON
        cmake -S "$here" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" \
            -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DHEIKO_WARNINGS_AS_ERRORS="$werror"
    fi
    cmake --build "$build_dir" -j "${HEIKO_JOBS:-2}"
}

case "${1:-}" in
test)
    shift
    install_missing "${build_packages[@]}" "${test_packages[@]}"
    configure_and_build
    cd "$build_dir"
    exec ctest --output-on-failure --timeout 600 -j "${HEIKO_TEST_JOBS:-2}" "$@"
    ;;
build)
    install_missing "${build_packages[@]}"
    configure_and_build
    ;;
sanitize)
    shift
    install_missing "${build_packages[@]}" "${test_packages[@]}"
    asan_dir=${HEIKO_ASAN_BUILD_DIR:-$here/build-asan}
    if [ ! -f "$asan_dir/build.ninja" ]; then
        cmake -S "$here" -B "$asan_dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DHEIKO_WARNINGS_AS_ERRORS=ON \
            -DHEIKO_SANITIZE="address;undefined"
    fi
    # "engine": the engine, its parsers and its network code only (where threads, buffers and untrusted bytes
    # meet), with the heiko binary that tst_cli and tst_nginx run; quicker when the window is not touched.
    engine_tests=(tst_filenaming tst_urllist tst_urlextractor tst_httpheaders tst_httpresponseparser tst_httpclient tst_segments tst_loghub tst_partclaims
        tst_queuestore tst_testhttpserver tst_downloadmanager tst_tls tst_nginx tst_cli)
    if [ "${1:-}" = engine ]; then
        cmake --build "$asan_dir" -j "${HEIKO_JOBS:-2}" --target heiko "${engine_tests[@]}"
        filter=(-R "^($(IFS='|'; echo "${engine_tests[*]}"))\$")
    else
        cmake --build "$asan_dir" -j "${HEIKO_JOBS:-2}"
        filter=()
    fi
    cd "$asan_dir"
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
    export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$here/tests/sanitizers/lsan.supp:print_suppressions=0}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    exec ctest --output-on-failure --timeout 900 -j "${HEIKO_TEST_JOBS:-2}" "${filter[@]}"
    ;;
tsan)
    install_missing "${build_packages[@]}" "${test_packages[@]}"
    tsan_dir=${HEIKO_TSAN_BUILD_DIR:-$here/build-tsan}
    if [ ! -f "$tsan_dir/build.ninja" ]; then
        cmake -S "$here" -B "$tsan_dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DHEIKO_WARNINGS_AS_ERRORS=ON \
            -DHEIKO_SANITIZE=thread
    fi
    # The tests where the engine's threads meet: the log hub's writers, the connection budget, and the manager
    # with its workers.
    # Debian's Qt is not built with TSan, so the hand-offs inside Qt are suppressed, one reason each, in
    # tests/sanitizers/tsan.supp; everything of Heiko's own is checked.
    threaded_tests=(tst_loghub tst_segments tst_downloadmanager)
    cmake --build "$tsan_dir" -j "${HEIKO_JOBS:-2}" --target "${threaded_tests[@]}"
    cd "$tsan_dir"
    export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$here/tests/sanitizers/tsan.supp}
    exec ctest --output-on-failure --timeout 1200 -j 1 -R "^($(IFS='|'; echo "${threaded_tests[*]}"))\$"
    ;;
*)
    install_missing "${build_packages[@]}"
    configure_and_build
    exec "$build_dir/app/heiko" "$@"
    ;;
esac
