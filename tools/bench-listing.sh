#!/usr/bin/env bash
# tools/bench-listing.sh: time and peak memory of `badio sites` on a big
# recording (a script, not a test; figures go to docs/performance.md).
#
#   record   tools/bench/sites_n N (N one-line writes: N sites), once;
#   list     badio sites as a table, csv, json, and with --stacks, each
#            to /dev/null: seconds and the peak resident size (GNU time).
#
# Usage: tools/bench-listing.sh [N]   (default 1000000)
# Environment: BADIO (default build/tools/badio, built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

n=${1:-1000000}
badio=${BADIO:-$PWD/build/tools/badio}
if [[ ! -x $badio ]]; then
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build -j "$(nproc)" --target badio >/dev/null
fi
[[ -x /usr/bin/time ]] || { echo "bench-listing: needs /usr/bin/time (package time)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/badio-bench-listing.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
cc -O2 -o sites_n "$OLDPWD/tools/bench/sites_n.c"
"$badio" record -q -o big.db -- ./sites_n "$n"
printf 'badio sites on %d sites (database %d bytes, %.0f bytes per site):\n' \
	"$n" "$(stat -c %s big.db)" "$(awk "BEGIN { print $(stat -c %s big.db) / $n }")"
for args in "" "--format csv" "--format json" "--format json --stacks" "--stacks"; do
	# shellcheck disable=SC2086
	/usr/bin/time -f '%e %M' -o t.txt "$badio" sites -d big.db $args > out.txt
	read -r secs kib < t.txt
	printf '  %-26s %7.2f s %8.1f MB peak %8.1f MB out\n' "sites ${args:-(table)}" \
		"$secs" "$(awk "BEGIN { print $kib / 1024 }")" \
		"$(awk "BEGIN { print $(stat -c %s out.txt) / 1048576 }")"
done
printf 'machine: %s cpus, %s, %s\n' "$(nproc)" "$(uname -r)" "$(date +%F)"
