#!/usr/bin/env bash
# tools/bench-power.sh: the cost of a power experiment against a crash
# experiment on the same program (a script, not a test; figures go to
# docs/performance.md).
#
# PROG is tests/progs/pwx_saver correct (temporary file, write, fsync,
# rename, fsync of the directory: 5 sites and the end), or the program
# given.  It runs `badio explore --redo` ROUNDS times with --faults crash
# and with --faults power (--power-states durable,metadata,prefix: each
# crash point judged in every state, from one run of the program), and
# prints wall time per experiment (one experiment: one row, one oracle
# verdict) of each and their ratio.  A crash experiment is one run of the
# program plus the oracle; a power experiment is 1/k of a run plus one
# state built (a copy of the run directory, journal undone) and judged.
#
# Usage: tools/bench-power.sh [ROUNDS] [-- PROG ARGS...]   (default 10)
# Environment: BADIO (default build/tools/badio), PROGS (build/tests/progs).
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${1:-10}
shift $(( $# > 0 ? 1 : 0 ))
[[ ${1:-} == -- ]] && shift
badio=${BADIO:-$PWD/build/tools/badio}
progs=${PROGS:-$PWD/build/tests/progs}
if [[ ! -x $badio || ! -x $progs/pwx_saver ]]; then
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build -j 2 --target badio prog_pwx_saver >/dev/null
fi
if (( $# )); then prog=("$@"); else prog=("$progs/pwx_saver" correct); fi
command -v sqlite3 >/dev/null || { echo "bench-power: needs sqlite3" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/badio-bench-power.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir init && printf old > init/config
oracle='c=$(cat config 2>/dev/null); test "$c" = old || test "$c" = new'

now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }

"$badio" record -q -o b.db --init init -- "${prog[@]}" > /dev/null

# run FAULT ARGS...: seconds per experiment over ROUNDS explores
run() {
	local fault=$1 t0 t1 n
	shift
	t0=$(now)
	for _ in $(seq "$rounds"); do
		"$badio" explore -q -d b.db -j 1 --redo --faults "$fault" "$@" \
		    --oracle "$oracle"
	done
	t1=$(now)
	n=$(sqlite3 b.db "SELECT count(*) FROM experiments")
	echo "$n $(calc "($t1 - $t0) / ($rounds * $n) * 1000" 2)"
}

read -r n_crash ms_crash < <(run crash)
read -r n_power ms_power < <(run power --power-states durable,metadata,prefix)
sites=$(sqlite3 b.db "SELECT count(*) FROM sites")
echo "program: ${prog[*]} ($sites sites, the end included)"
echo "crash: $n_crash experiments per explore, $ms_crash ms each"
echo "power: $n_power experiments per explore, $ms_power ms each"
echo "ratio (crash ms / power ms per experiment): $(calc "$ms_crash / $ms_power" 2)"
