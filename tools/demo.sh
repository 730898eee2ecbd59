#!/usr/bin/env bash
# tools/demo.sh: badio's main job, end to end, on the bundled example.
#
#   1. tools/setup.sh installs missing packages (root or sudo);
#   2. builds badio in build/ (as tools/test.sh does) and the two
#      example programs of examples/;
#   3. for each: badio record, badio explore with its oracle, badio report.
#
# Expected: the naive writer (one write, result ignored) shows
# silent-corruption under torn, short and eio; the atomic writer (temp
# file, write loop, fsync, rename, fsync of the directory) has no bug
# verdict at all.  The script checks both and exits 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=$(nproc 2>/dev/null || echo 2)

tools/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBADIO_WERROR=ON >/dev/null
cmake --build build -j "$jobs" --target badio >/dev/null
badio=$PWD/build/tools/badio

work=$(mktemp -d "${TMPDIR:-/tmp}/badio-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
cc -O1 -Wall -o "$work/naive" examples/naive.c
cc -O1 -Wall -o "$work/atomic" examples/atomic.c

bugs='silent-corruption,corruption,crashed,hang'
status=0
for ex in naive atomic; do
	echo
	echo "== $ex: examples/$ex.c, oracle examples/check_$ex.sh"
	init=()
	if [[ -d examples/$ex-init ]]; then
		init=(--init "examples/$ex-init")
	fi
	(
		set -x
		"$badio" record --force -o "$work/$ex.db" "${init[@]}" -- "$work/$ex"
	)
	set +e
	(
		set -x
		"$badio" explore -d "$work/$ex.db" --oracle "examples/check_$ex.sh" \
			--fail-on "$bugs"
	)
	found=$?
	set -e
	(
		set -x
		"$badio" report -d "$work/$ex.db"
	)
	case $ex:$found in
	naive:1)  echo "== naive: bugs found, as expected" ;;
	atomic:0) echo "== atomic: no bug, as expected" ;;
	*)	  echo "== $ex: unexpected result (explore exit $found)"; status=1 ;;
	esac
done
exit $status
