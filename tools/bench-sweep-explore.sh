#!/usr/bin/env bash
# tools/bench-sweep-explore.sh: `badio explore` per experiment, crash
# faults against power experiments through the sweep (one run for all
# crash points, explorer/sweep.c) and power experiments by one re-run
# per crash point (BADIO_NO_SWEEP=1).  A script, not a test; the figures
# go to docs/performance.md ("The sweep in explore").
#
# Each workload is recorded once; each mode explores a copy of that
# database with -j 1 and the trivial oracle `true` (its fork+exec is a
# floor on every side).  Modes: crash (a re-run per site), sweep, once
# (the sweep with --judge-once), rerun (BADIO_NO_SWEEP=1), and crash1
# and once1 (the same on the first write site only, for what one more
# experiment costs: (all - one) / (experiments - experiments of one),
# paired by round).  Prints the median of RUNS rounds of the wall and
# CPU time per experiment and the ratios crash/sweep, crash/once.
#
# Usage: tools/bench-sweep-explore.sh [BUILD_DIR]   (default: build).
#        Environment: RUNS (default 3), CC (default cc), SITES (default
#        "200 1000": sites_n sizes), JOBS (-j, default 1), ORACLE
#        (default true).  CPU time is that of every process of the
#        explore, counted by a cgroup (tools/bench/common.sh cpu_ns).
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:-build}
runs=${RUNS:-3}
jobs=${JOBS:-1}
oracle=${ORACLE:-true}
cc=${CC:-cc}
. tools/bench/common.sh
bench_setup sites_n
progs=$(cd "$build/tests/progs" && pwd)

workloads=("pwx_saver_correct|$progs/pwx_saver correct"
	"p_write_20|$progs/p_write out 20 4096")
for n in ${SITES:-200 1000}; do
	workloads+=("sites_$n|$bin/sites_n $n")
done

# explore MODE DB [SITES]: wall microseconds, experiments and CPU
# nanoseconds (every process of the explore: workers, the judge,
# oracles), "US N NS"; SITES a --sites filter
explore() {
	local mode=$1 db=$2 t0 t1 cpu faults=power env=() opts=()
	case $mode in
	crash*) faults=crash ;;
	rerun) env=(BADIO_NO_SWEEP=1) ;;
	once*) opts=(--judge-once) ;;
	esac
	[[ -n ${3:-} ]] && opts+=(--sites "$3")
	t0=$(now_ns)
	cpu=$(cd "$work" && cpu_ns env "${env[@]}" "$badio" explore -q \
		-d "$db" -j "$jobs" --redo --faults "$faults" --oracle "$oracle" \
		"${opts[@]}")
	t1=$(now_ns)
	echo "$(( (t1 - t0) / 1000 )) $(sqlite3 "$db" \
		'SELECT count(*) FROM experiments') $cpu"
}

# The modes: crash faults (a re-run per site), power through the sweep,
# the sweep with --judge-once, power by re-runs; crash1 and once1 the
# same on one site (the first write), for the cost of one more
# experiment: (all - one) / (experiments - experiments of one).
modes="crash sweep once rerun crash1 once1"

printf '%-18s %6s %9s %9s %6s %9s %9s %9s %9s %9s %9s %8s %8s %8s %8s\n' \
	workload crash wall/exp cpu/exp power sw:wall sw:cpu 1x:wall 1x:cpu \
	rr:wall +1:crash +1:1x cr/sw cr/1x cr/1x:cpu +1:cr/1x
for wl in "${workloads[@]}"; do
	name=${wl%%|*}
	read -r -a args <<<"${wl#*|}"
	rm -rf "$work/rec" && mkdir "$work/rec"
	(cd "$work/rec" && "$badio" record -q -o "$work/base.db" -- "${args[@]}" \
		>/dev/null)
	one=$(sqlite3 "$work/base.db" "SELECT min(id) FROM sites WHERE
		family = 'write'")
	for m in $modes; do
		cp "$work/base.db" "$work/$m.db"
		: >"$work/$m.t"
	done
	for ((i = 0; i <= runs; i++)); do	# round 0: warm-up
		for m in $modes; do
			site=
			[[ $m == *1 ]] && site=id=$one
			if ((i == 0)); then
				explore "$m" "$work/$m.db" "$site" >/dev/null
			else
				explore "$m" "$work/$m.db" "$site" >>"$work/$m.t"
			fi
		done
	done
	declare -A per cpu n plus
	for m in $modes; do
		n[$m]=$(awk 'NR == 1 { print $2 }' "$work/$m.t")
		per[$m]=$(awk -v n="${n[$m]}" '{ print $1 / n / 1000 }' \
			"$work/$m.t" | median)
		cpu[$m]=$(awk -v n="${n[$m]}" '$3 != "-" { print $3 / n / 1e6 }' \
			"$work/$m.t" | median)
		cpu[$m]=${cpu[$m]:-0}
	done
	# one more experiment: paired by round, (all - one) / (n - n1)
	for m in crash once; do
		plus[$m]=$(paste "$work/$m.t" "$work/${m}1.t" | awk \
			-v n="${n[$m]}" -v n1="${n[${m}1]}" \
			'{ print ($1 - $4) / (n - n1) / 1000 }' | median)
	done
	printf '%-18s %6s %9.2f %9.2f %6s %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f %7.1fx %7.1fx %7.1fx %7.1fx\n' \
		"$name" "${n[crash]}" "${per[crash]}" "${cpu[crash]}" \
		"${n[sweep]}" "${per[sweep]}" "${cpu[sweep]}" "${per[once]}" \
		"${cpu[once]}" "${per[rerun]}" "${plus[crash]}" "${plus[once]}" \
		"$(echo "${per[crash]} / ${per[sweep]}" | bc -l)" \
		"$(echo "${per[crash]} / ${per[once]}" | bc -l)" \
		"$(echo "${cpu[crash]} / (${cpu[once]} + 0.000001)" | bc -l)" \
		"$(echo "${plus[crash]} / (${plus[once]} + 0.000001)" | bc -l)"
	rm -f "$work"/*.db
done
echo "(ms per experiment: wall, and CPU of every process of the explore;" \
	"1x: the sweep with --judge-once; +1: the wall time one more" \
	"experiment adds; -j $jobs, oracle '$oracle', $runs rounds," \
	"load $(cut -d' ' -f1-3 /proc/loadavg))"
