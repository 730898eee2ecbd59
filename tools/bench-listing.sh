#!/usr/bin/env bash
# tools/bench-listing.sh: time and peak memory of `badio sites` on a big
# recording (a script, not a test; figures go to docs/performance.md).
#
#   record   tools/bench/sites_n N (N one-line writes: N sites), once;
#   list     badio sites as a table, csv, json, and with --stacks, each
#            to a file (its size is printed): elapsed seconds, CPU
#            seconds (user + system) and the peak resident size (GNU
#            time), the median of ROUNDS rounds.  With BADIO_BEFORE (an
#            older badio), each round runs it and then BADIO on the same
#            database, interleaved, so that both see the same load.
#
# Usage: tools/bench-listing.sh [N]   (default 1000000)
# Environment: BADIO (default build/tools/badio, built if missing),
#   BADIO_BEFORE (none), ROUNDS (default 1), FORMATS (default: all five,
#   separated by '|', e.g. FORMATS='|--format json').
set -euo pipefail
cd "$(dirname "$0")/.."

n=${1:-1000000}
badio=${BADIO:-$PWD/build/tools/badio}
before=${BADIO_BEFORE:-}
rounds=${ROUNDS:-1}
formats=${FORMATS:-"|--format csv|--format json|--format json --stacks|--stacks"}
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
printf 'badio sites on %d sites (database %d bytes, %.0f bytes per site), %d round(s):\n' \
	"$n" "$(stat -c %s big.db)" "$(awk "BEGIN { print $(stat -c %s big.db) / $n }")" "$rounds"

# run WHO BIN ARGS: one listing; appends "elapsed cpu peak_kib bytes" to WHO.ARGS
run() {
	local who=$1 bin=$2
	shift 2
	# shellcheck disable=SC2068
	/usr/bin/time -f '%e %U %S %M' -o t.txt "$bin" sites -d big.db $@ > out.txt
	read -r e u s k < t.txt
	echo "$e $(awk "BEGIN { print $u + $s }") $k $(stat -c %s out.txt)" >> "$who.${*:-table}"
}

# median FILE COLUMN
median() {
	cut -d' ' -f"$2" "$1" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

IFS='|' read -r -a fmts <<< "$formats"
loads=()
for ((r = 0; r < rounds; r++)); do
	loads+=("$(cut -d' ' -f1 /proc/loadavg)")
	for args in "${fmts[@]}"; do
		# shellcheck disable=SC2086
		[[ -z $before ]] || run before "$before" $args
		# shellcheck disable=SC2086
		run after "$badio" $args
	done
done
loads+=("$(cut -d' ' -f1 /proc/loadavg)")
for args in "${fmts[@]}"; do
	for who in ${before:+before} after; do
		f="$who.${args:-table}"
		printf '  %-6s %-26s %7.2f s elapsed %6.2f s CPU %7.1f MB peak %8.1f MB out\n' \
			"$who" "sites ${args:-(table)}" "$(median "$f" 1)" "$(median "$f" 2)" \
			"$(awk "BEGIN { print $(median "$f" 3) / 1024 }")" \
			"$(awk "BEGIN { print $(median "$f" 4) / 1048576 }")"
	done
done
printf 'load average (1 min) at each round and the end: %s\n' "${loads[*]}"
printf 'machine: %s cpus, %s, %s\n' "$(nproc)" "$(uname -r)" "$(date -u '+%F %H:%M UTC')"
