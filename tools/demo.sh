#!/usr/bin/env bash
# tools/demo.sh [DIR]: badio's main job, end to end, on the bundled example.
#
#   1. tools/setup.sh installs missing packages (root or sudo);
#   2. builds badio in build/ (as tools/test.sh does) and the two
#      example writers of examples/ (with -g: the report names their lines);
#   3. examples/demo.sh records, explores and reports each, and checks
#      the verdicts: the naive writer (one write, result ignored, no
#      fsync) shows silent-corruption under torn, short and eio and under
#      power at its end (durable and metadata states), the atomic writer
#      (temp file, write loop, fsync, rename, fsync of the directory) no
#      bug verdict at all, power included; it exits 1 otherwise.
#
# The databases stay in DIR (default: build/demo/), printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=$(nproc 2>/dev/null || echo 2)

tools/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBADIO_WERROR=ON >/dev/null
cmake --build build -j "$jobs" --target badio example_naive example_atomic >/dev/null

BADIO=$PWD/build/tools/badio BADIO_EXAMPLES=$PWD/build/examples \
	exec examples/demo.sh "${1:-build/demo}"
