#!/usr/bin/env bash
# tools/bench-scale.sh: explore throughput at -j 1, -j 2 and across 4
# shards on this machine, and the cost of `badio merge` on a million
# experiments (a script, not a test; figures go to docs/performance.md).
#
#   explore  tools/bench/html_sites N (N writes over 16 files, an fsync
#            every 50th), explored with --faults eio,crash and a one-line
#            oracle: experiments per second for `explore -j 1`, `-j 2`,
#            and 4 shards (`--shard K/4 -j 1`) run 2 at a time by GNU
#            parallel, merge included;
#   merge    a recording of 250,000 sites whose 4 shard databases hold
#            250,000 experiments each (made by SQL: what is measured is
#            the merge, not explore), merged into one: seconds and the
#            merged database's size.
#
# Usage: tools/bench-scale.sh [N]   (default 300)
# Environment: BADIO (default build/tools/badio, built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

n=${1:-300}
badio=${BADIO:-$PWD/build/tools/badio}
if [[ ! -x $badio ]]; then
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build -j "$(nproc)" --target badio >/dev/null
fi
for tool in parallel sqlite3 cc; do
	command -v "$tool" >/dev/null || { echo "bench-scale: needs $tool" >&2; exit 2; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/badio-bench-scale.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
cc -O2 -o html_sites "$OLDPWD/tools/bench/html_sites.c"
printf '#!/bin/sh\nexit 0\n' > oracle.sh
chmod +x oracle.sh

now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }

"$badio" record -o rec.db -- ./html_sites "$n" 16 2>/dev/null
explore() {	# explore DB ARGS...: seconds
	local a b
	a=$(now)
	"$badio" explore -q -d "$@" --oracle "$work/oracle.sh" --faults eio,crash
	b=$(now)
	calc "$b - $a" 3
}
cp rec.db j1.db
t1=$(explore j1.db -j 1)
exps=$(sqlite3 j1.db "SELECT count(*) FROM experiments")
cp rec.db j2.db
t2=$(explore j2.db -j 2)
a=$(now)
parallel --will-cite -j 2 "$badio" explore -q -d rec.db --oracle "$work/oracle.sh" \
	--faults eio,crash -j 1 --shard {}/4 ::: 0 1 2 3
"$badio" merge -q -o all.db rec.shard-*-of-4.db
b=$(now)
ts=$(calc "$b - $a" 3)
[[ $(sqlite3 all.db "SELECT count(*) FROM experiments") == "$exps" ]] ||
	{ echo "bench-scale: the shards ran another number of experiments" >&2; exit 1; }
echo "explore of $exps experiments ($n writes, --faults eio,crash, $(nproc) CPUs):"
printf '  %-34s %7ss %8.1f/s\n' "-j 1" "$t1" "$(calc "$exps / $t1" 1)"
printf '  %-34s %7ss %8.1f/s  (%.2fx -j 1)\n' "-j 2" "$t2" "$(calc "$exps / $t2" 1)" "$(calc "$t1 / $t2" 2)"
printf '  %-34s %7ss %8.1f/s  (%.2fx -j 1)\n' "4 shards, parallel -j 2, + merge" "$ts" "$(calc "$exps / $ts" 1)" "$(calc "$t1 / $ts" 2)"

# --- merge of 1M experiments ---
"$badio" record -o big.db -- ./html_sites 250000 16 2>/dev/null
sites=$(sqlite3 big.db "SELECT count(*) FROM sites")
for k in 0 1 2 3; do
	sqlite3 big.db "VACUUM INTO 'big.shard-$k.db'"
	sqlite3 "big.shard-$k.db" <<-SQL
	INSERT INTO meta (key, value) VALUES ('oracle', 'oracle.sh'), ('plan', 'p');
	INSERT INTO experiments (site, fault, injected, status, duration_ns,
	    oracle_exit, verdict, prog_tail, oracle_tail, created_ns)
	SELECT id, f.fault, 1, 'exit:1', 1000000, 0, 'reported',
	    'html_sites: write failed', '', 0
	FROM sites, (SELECT 'short' AS fault, 0 AS r UNION SELECT 'torn', 1
	    UNION SELECT 'eio', 2 UNION SELECT 'crash', 3) f
	WHERE (id + f.r) % 4 = $k;
	SQL
done
a=$(now)
"$badio" merge -q -o merged.db big.shard-0.db big.shard-1.db big.shard-2.db big.shard-3.db
b=$(now)
m=$(sqlite3 merged.db "SELECT count(*) FROM experiments")
echo "merge: 4 shards of a $sites-site recording into $m experiments: $(calc "$b - $a" 2)s, $(calc "$(stat -c %s merged.db) / 1048576" 0) MB"
echo "machine: $(nproc) cpus, $(uname -r), $(date -u +%Y-%m-%d)"
