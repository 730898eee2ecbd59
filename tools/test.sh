#!/usr/bin/env bash
# tools/test.sh: everything the test suite needs, from a fresh Debian 12.
#
#   1. tools/setup.sh installs missing packages (root or sudo);
#   2. build/ (warnings are errors) and ctest;
#   3. build-asan/ (AddressSanitizer + UBSan) and ctest again.
#
# Live tests need ptrace; here a live test that cannot trace fails (it
# never turns green by skipping).  Extra arguments go to both ctest runs,
# e.g. tools/test.sh -L unit, or -R record.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=$(nproc 2>/dev/null || echo 2)

tools/setup.sh

build_and_test() {
	local dir=$1
	shift 1
	echo "== $dir"
	cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DBADIO_WERROR=ON "${cmake_args[@]}"
	cmake --build "$dir" -j "$jobs"
	(cd "$dir" && ctest --output-on-failure -j "$jobs" "$@")
}

unset BADIO_TEST_ALLOW_SKIP

cmake_args=(-DBADIO_SANITIZE=OFF)
build_and_test build "$@"

cmake_args=(-DBADIO_SANITIZE=ON)
ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp} \
	build_and_test build-asan "$@"

echo "== all tests passed (build/ and build-asan/)"
