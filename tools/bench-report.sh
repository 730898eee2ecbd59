#!/usr/bin/env bash
# tools/bench-report.sh: time and peak memory of `badio report` on a
# million experiments (a script, not a test; figures go to
# docs/performance.md, "Reports of a million experiments").
#
#   record   tools/bench/html_sites N 16 (N writes over 16 files, an
#            fsync every 50th: N + 5,016 sites), once;
#   explore  none: four experiments per site (short, torn, eio, crash)
#            made by SQL, verdicts mixed (18% bugs: a corruption under
#            crash at every 4th site, a silent-corruption under short at
#            every 3rd, crashed under torn at every 7th; some hang,
#            oracle-error and diverged; two oracles), so that every part
#            of the report is big;
#   report   each format to a file (its size is printed): elapsed
#            seconds, CPU seconds (user + system) and the peak resident
#            size (GNU time), the median of ROUNDS rounds.  With
#            BADIO_BEFORE (an older badio), each round runs it and then
#            BADIO on the same database, interleaved, so that both see
#            the same load, and the outputs are compared (cmp).
#
# Usage: tools/bench-report.sh [N]   (default 250000: 1,020,068 experiments)
# Environment: BADIO (default build/tools/badio, built if missing),
#   BADIO_BEFORE (none), ROUNDS (default 1), FORMATS (default: every
#   format, separated by '|', e.g. FORMATS='|--format json --all'),
#   KEEP (a directory: the database is kept there and reused).
set -euo pipefail
cd "$(dirname "$0")/.."

n=${1:-250000}
badio=${BADIO:-$PWD/build/tools/badio}
before=${BADIO_BEFORE:-}
rounds=${ROUNDS:-1}
formats=${FORMATS:-"|--all|--format json|--format json --all|--format csv|--format csv --all|--format sarif|--format junit|--format html"}
if [[ ! -x $badio ]]; then
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build -j "$(nproc)" --target badio >/dev/null
fi
for tool in sqlite3 cc /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "bench-report: needs $tool" >&2; exit 2; }
done
src=$PWD
if [[ -n ${KEEP:-} ]]; then
	mkdir -p "$KEEP"
	work=$KEEP
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/badio-bench-report.XXXXXX")
	trap 'rm -rf "$work"' EXIT
fi
cd "$work"
if [[ ! -s big.db ]]; then
	cc -O2 -o html_sites "$src/tools/bench/html_sites.c"
	"$badio" record -q -o big.tmp.db -- ./html_sites "$n" 16 2>/dev/null
	sqlite3 big.tmp.db <<-'SQL'
	INSERT INTO oracles (id, command) VALUES (1, './check.sh'), (2, './check.sh --deep');
	INSERT INTO experiments (site, fault, injected, fault_bytes, status,
	    duration_ns, oracle_exit, verdict, prog_tail, oracle_tail, diverged,
	    divergence, divergence_kind, created_ns, oracle_id, prog_last)
	SELECT id, f.fault, 1,
	    CASE WHEN f.fault IN ('short', 'torn') THEN id % 4096 END,
	    CASE f.fault WHEN 'crash' THEN 'crash' ELSE
	        CASE WHEN id % 97 = 0 THEN 'exit:0' ELSE 'exit:1' END END,
	    1000000 + id % 1000, CASE WHEN id % 89 = 0 THEN 1 ELSE 0 END,
	    CASE f.fault
	        WHEN 'crash' THEN CASE WHEN id % 4 = 0 THEN 'corruption' ELSE 'ok' END
	        WHEN 'short' THEN CASE WHEN id % 3 = 0 THEN 'silent-corruption' ELSE 'reported' END
	        WHEN 'torn' THEN CASE WHEN id % 7 = 0 THEN 'crashed'
	            WHEN id % 997 = 1 THEN 'hang' ELSE 'reported' END
	        ELSE CASE WHEN id % 499 = 2 THEN 'oracle-error' ELSE 'reported' END END,
	    'html_sites: write failed at ' || (id % 50), 'checked',
	    CASE WHEN id % 211 = 0 THEN 1 ELSE 0 END,
	    CASE WHEN id % 211 = 0 THEN 'site ' || (id - 1) || ': write, not fsync' END,
	    CASE WHEN id % 211 = 0 THEN 'diverged' END, 0,
	    1 + (id % 2), 'write failed at ' || (id % 50)
	FROM sites, (SELECT 'short' AS fault, 0 AS r UNION SELECT 'torn', 1
	    UNION SELECT 'eio', 2 UNION SELECT 'crash', 3) f;
	SQL
	mv big.tmp.db big.db
fi
exps=$(sqlite3 big.db "SELECT count(*) FROM experiments")
printf 'badio report on %d experiments of %d sites (database %.0f MB), %d round(s):\n' \
	"$exps" "$(sqlite3 big.db "SELECT count(*) FROM site_rows")" \
	"$(awk "BEGIN { print $(stat -c %s big.db) / 1048576 }")" "$rounds"

# run WHO BIN ARGS: one report; appends "elapsed cpu peak_kib bytes" to WHO.ARGS
run() {
	local who=$1 bin=$2 tag
	shift 2
	tag=$(echo "${*:-table}" | tr ' ' '_')
	# shellcheck disable=SC2068
	/usr/bin/time -f '%e %U %S %M' -o t.txt "$bin" report -d big.db $@ > "out.$who.$tag" || true
	read -r e u s k < t.txt
	echo "$e $(awk "BEGIN { print $u + $s }") $k $(stat -c %s "out.$who.$tag")" >> "$who.$tag"
}

# median FILE COLUMN
median() {
	cut -d' ' -f"$2" "$1" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

IFS='|' read -r -a fmts <<< "$formats"
rm -f before.* after.* out.*
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
	tag=$(echo "${args:-table}" | tr ' ' '_')
	same=
	if [[ -n $before ]]; then
		# the HTML page names the badio that wrote it: compare the rest
		cmp -s "out.before.$tag" "out.after.$tag" && same='  same output' || same='  OUTPUT DIFFERS'
	fi
	for who in ${before:+before} after; do
		f="$who.$tag"
		printf '  %-6s %-28s %7.2f s elapsed %6.2f s CPU %7.1f MB peak %8.1f MB out%s\n' \
			"$who" "report ${args:-(table)}" "$(median "$f" 1)" "$(median "$f" 2)" \
			"$(awk "BEGIN { print $(median "$f" 3) / 1024 }")" \
			"$(awk "BEGIN { print $(median "$f" 4) / 1048576 }")" \
			"$([[ $who == after ]] && echo "$same")"
	done
done
printf 'load average (1 min) at each round and the end: %s\n' "${loads[*]}"
printf 'machine: %s cpus, %s, %s\n' "$(nproc)" "$(uname -r)" "$(date -u '+%F %H:%M UTC')"
