#!/usr/bin/env bash
# tools/bench-sweep.sh: the crash states of every site of a program, by
# one power re-run per crash point against one sweep run for all points
# (issue 9, "One run, every crash point"; a script, not a test; figures
# go to docs/performance.md).
#
# Each workload runs under tools/bench/sweep_run.c (linked against the
# build's recorder library) in three modes: crash (one re-run per site,
# killed there: a crash experiment), power (one re-run per point, killed
# there, durable and metadata built after the kill) and sweep (one run,
# both states built at every point while the program is stopped).
# Prints the median of RUNS rounds (after one warm-up) of the time per
# point and per state, and the ratios power/sweep and crash/sweep per
# experiment (a power experiment is one state; a crash one is one run).
#
# Usage: tools/bench-sweep.sh [BUILD_DIR]    (default: build; built if
#        missing).  Environment: RUNS (default 5), CC (default cc).
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:-build}
runs=${RUNS:-5}
cc=${CC:-cc}
. tools/bench/common.sh
bench_setup sites_n
cmake --build "$build" -j 2 --target badio_recorder prog_p_write prog_pw_scen \
	prog_p_threads >/dev/null
"$cc" -O2 -I. -o "$bin/sweep_run" tools/bench/sweep_run.c \
	"$build/recorder/libbadio_recorder.a" \
	$(pkg-config --libs libseccomp libdw libxxhash zlib)
progs=$(cd "$build/tests/progs" && pwd)

# one MODE ARGS...: "points states wall ms_point ms_state stop_ns stops"
one() {
	local mode=$1
	shift
	rm -rf "$work/run" "$work/stash"
	mkdir "$work/run" "$work/stash"
	"$bin/sweep_run" "$mode" "$work/run" "$work/stash" "$@"
}

# median of column $1 of file $2
col() { awk -v c="$1" '{ print $c }' "$2" | median; }

workloads=(
	"pw_scen_T1|$progs/pw_scen T1"
	"p_write_20|$progs/p_write out 20 4096"
	"sites_200|$bin/sites_n 200"
	"threads_4x5|$progs/p_threads 4 5"
)
printf '%-11s %6s %10s %10s %10s %10s %8s %8s %9s\n' workload points \
	crash/pt power/pt power/st sweep/st pw/sw cr/sw stop/pt
for wl in "${workloads[@]}"; do
	name=${wl%%|*}
	read -r -a args <<<"${wl#*|}"
	for m in crash power sweep; do
		one "$m" "${args[@]}" >/dev/null
		: >"$work/$m"
	done
	for ((i = 0; i < runs; i++)); do
		for m in crash power sweep; do
			one "$m" "${args[@]}" >>"$work/$m"
		done
	done
	pts=$(col 1 "$work/sweep")
	c=$(col 4 "$work/crash")
	p=$(col 4 "$work/power")
	ps=$(col 5 "$work/power")
	s=$(col 5 "$work/sweep")
	stop=$(awk '{ if ($7 > 0) print $6 / $7 / 1000; else print 0 }' "$work/sweep" | median)
	printf '%-11s %6s %8.3fms %8.3fms %8.3fms %8.3fms %7.1fx %7.1fx %7.1fus\n' \
		"$name" "$pts" "$c" "$p" "$ps" "$s" \
		"$(awk -v a="$ps" -v b="$s" 'BEGIN { printf "%.1f", a / b }')" \
		"$(awk -v a="$c" -v b="$s" 'BEGIN { printf "%.1f", a / b }')" "$stop"
done
echo "(median of $runs interleaved rounds after 1 warm-up; states durable,metadata;" \
	"$(nproc) CPUs; $(uname -r); load $(cut -d' ' -f1-3 /proc/loadavg))"
