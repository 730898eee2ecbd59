#!/usr/bin/env bash
# tools/bench-sweep-explore.sh: `badio explore` per experiment, crash
# faults against power experiments through the sweep (one run for all
# crash points, explorer/sweep.c) and power experiments by one re-run
# per crash point (BADIO_NO_SWEEP=1).  A script, not a test; the figures
# go to docs/performance.md ("The sweep in explore").
#
# Each workload is recorded once; each mode explores a copy of that
# database with -j 1 and the trivial oracle `true` (its fork+exec is a
# floor on every side).  Prints the median of RUNS rounds of the wall
# time per experiment and the ratios crash/sweep and re-run/sweep.
#
# Usage: tools/bench-sweep-explore.sh [BUILD_DIR]   (default: build).
#        Environment: RUNS (default 3), CC (default cc), SITES (default
#        "200 1000": sites_n sizes).
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:-build}
runs=${RUNS:-3}
cc=${CC:-cc}
. tools/bench/common.sh
bench_setup sites_n
progs=$(cd "$build/tests/progs" && pwd)

workloads=("pwx_saver_correct|$progs/pwx_saver correct"
	"p_write_20|$progs/p_write out 20 4096")
for n in ${SITES:-200 1000}; do
	workloads+=("sites_$n|$bin/sites_n $n")
done

# explore MODE DB: seconds and experiments, "S N"
explore() {
	local mode=$1 db=$2 t0 t1 faults=power env=()
	case $mode in
	crash) faults=crash ;;
	rerun) env=(BADIO_NO_SWEEP=1) ;;
	esac
	t0=$(now_ns)
	(cd "$work" && env "${env[@]}" "$badio" explore -q -d "$db" -j 1 \
		--redo --faults "$faults" --oracle true)
	t1=$(now_ns)
	echo "$(( (t1 - t0) / 1000 )) $(sqlite3 "$db" \
		'SELECT count(*) FROM experiments')"
}

printf '%-18s %6s %12s %6s %12s %6s %12s %8s %8s\n' workload crash \
	ms/exp power "ms/exp(sw)" power "ms/exp(rr)" cr/sw rr/sw
for wl in "${workloads[@]}"; do
	name=${wl%%|*}
	read -r -a args <<<"${wl#*|}"
	rm -rf "$work/rec" && mkdir "$work/rec"
	(cd "$work/rec" && "$badio" record -q -o "$work/base.db" -- "${args[@]}" \
		>/dev/null)
	for m in crash sweep rerun; do
		cp "$work/base.db" "$work/$m.db"
		explore "$m" "$work/$m.db" >/dev/null	# warm-up
		: >"$work/$m.t"
	done
	for ((i = 0; i < runs; i++)); do
		for m in crash sweep rerun; do
			explore "$m" "$work/$m.db" >>"$work/$m.t"
		done
	done
	declare -A per n
	for m in crash sweep rerun; do
		n[$m]=$(awk 'NR == 1 { print $2 }' "$work/$m.t")
		per[$m]=$(awk -v n="${n[$m]}" '{ print $1 / n / 1000 }' \
			"$work/$m.t" | median)
	done
	printf '%-18s %6s %12.2f %6s %12.2f %6s %12.2f %7.1fx %7.1fx\n' \
		"$name" "${n[crash]}" "${per[crash]}" "${n[sweep]}" \
		"${per[sweep]}" "${n[rerun]}" "${per[rerun]}" \
		"$(echo "${per[crash]} / ${per[sweep]}" | bc -l)" \
		"$(echo "${per[rerun]} / ${per[sweep]}" | bc -l)"
	rm -f "$work"/*.db
done
