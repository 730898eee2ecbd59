#!/usr/bin/env bash
# tools/bench/explore-scale.sh: how `badio explore` scales with the
# number of sites (issue 11, goal 3).  A script, not a test: no timing
# is ever asserted; the figures go to docs/performance.md by hand.
#
# Records tools/bench/sites_n.c with N sites (N one-line writes) for each
# N of SIZES, for each N of GOON_SIZES the same program going on after
# a failed write (sites_n N goon: it has a part after the fault, where
# re-runs take the fast path, docs/ptrace.md), and tools/bench/ed_like.c
# (30,000 sites), then explores each with `--faults eio -j JOBS` and a trivial oracle (true): sites_n
# fully; ed_like on the ED_RANGE of site ids only (a full explore of it
# takes hours), a range in the middle so that the prefix each re-run
# traces is the average one.  Prints the wall seconds and experiments
# per second of each explore (the fault-free baseline run included in
# the time, not in the count).
#
# With BADIO_BEFORE=path-to-an-older-badio, the same explores run with
# it too, on the same recordings (one after the other, per workload),
# and the ratio old/new of the times is printed.
#
# Usage: tools/bench/explore-scale.sh [BUILD_DIR]   (default build)
# Environment: SIZES (default "100 1000 10000"), GOON_SIZES (default
# "1000"), ED_RANGE (default 14001-14200), JOBS (default 2),
# BADIO_BEFORE, CC.
set -euo pipefail
cd "$(dirname "$0")/../.."

build=${1:-build}
runs=1
cc=${CC:-cc}
sizes=${SIZES:-100 1000 10000}
goon_sizes=${GOON_SIZES-1000}
ed_range=${ED_RANGE:-14001-14200}
jobs=${JOBS:-2}
before=${BADIO_BEFORE:-}
. tools/bench/common.sh
bench_setup sites_n ed_like
if [[ -n $before && ! -x $before ]]; then
	echo "explore-scale: BADIO_BEFORE=$before is not executable" >&2
	exit 2
fi

# the ed-like program's input, outside every run directory
(cd "$work" && "$bin/ed_like" "$work/ed.txt" >/dev/null)

# explore_secs BADIO DB FILTER...: seconds of one full explore (--redo)
explore_secs() {
	local b=$1 db=$2 t0 t1
	shift 2
	t0=$(now_ns)
	"$b" explore -q --redo -d "$db" --oracle true --faults eio \
		-j "$jobs" "$@" >/dev/null 2>"$work/err" || {
		echo "explore-scale: explore with $b failed:" >&2
		tail -5 "$work/err" >&2
		exit 1
	}
	t1=$(now_ns)
	awk -v t=$((t1 - t0)) 'BEGIN { printf "%.3f\n", t / 1e9 }'
}

# experiments in DB (the baseline run is not one)
experiments() {
	sqlite3 "$1" "SELECT count(*) FROM experiments WHERE fault <> 'none'" \
		2>/dev/null || echo 0
}

row() {
	local name=$1 db=$2 s n ob
	shift 2
	s=$(explore_secs "$badio" "$db" "$@")
	n=$(experiments "$db")
	if [[ -n $before ]]; then
		ob=$(explore_secs "$before" "$db" "$@")
		printf '| %s | %s | %s s | %.1f | %s s | %.1f | %s |\n' "$name" \
			"$n" "$s" "$(awk -v n="$n" -v s="$s" 'BEGIN { print n / s }')" \
			"$ob" "$(awk -v n="$n" -v s="$ob" 'BEGIN { print n / s }')" \
			"$(ratio "$ob" "$s")"
	else
		printf '| %s | %s | %s s | %.1f |\n' "$name" "$n" "$s" \
			"$(awk -v n="$n" -v s="$s" 'BEGIN { print n / s }')"
	fi
}

echo "explore-scale: $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%F %H:%M') UTC" >&2
if [[ -n $before ]]; then
	echo "| program | experiments | time | exp/s | before | exp/s before | before/now |"
	echo "|---|---|---|---|---|---|---|"
else
	echo "| program | experiments | time | exp/s |"
	echo "|---|---|---|---|"
fi
for n in $sizes; do
	db=$work/sites_$n.db
	(cd "$work" && "$badio" record -q --force -o "$db" -- \
		"$bin/sites_n" "$n" >/dev/null)
	row "sites_n $n" "$db"
done
for n in $goon_sizes; do
	db=$work/goon_$n.db
	(cd "$work" && "$badio" record -q --force -o "$db" -- \
		"$bin/sites_n" "$n" goon >/dev/null)
	row "sites_n $n goon" "$db"
done
db=$work/ed.db
(cd "$work" && "$badio" record -q --force -o "$db" -- \
	"$bin/ed_like" "$work/ed.txt" >/dev/null)
row "ed_like, sites $ed_range of 30002" "$db" --sites "id=$ed_range"
echo "explore-scale: load at the end $(cut -d' ' -f1-3 /proc/loadavg)" >&2
