#!/usr/bin/env bash
# tools/bench-journal.sh: what the undo journal (issue 9, power loss)
# costs a traced run, from runs on this machine (a script, not a test;
# figures go to docs/performance.md).
#
# Each workload of tools/bench/ runs under rec_run (tools/bench/journal_run.c,
# linked against the build's recorder library) without the journal and
# with it (power at the end site, the durable state built once after the
# run, timed apart).  Prints median wall times of RUNS runs (after one
# warm-up), the ratio journal/plain, the journal's entries and its peak
# memory and spill; a fresh run directory for every run.
#
# Usage: tools/bench-journal.sh [BUILD_DIR]    (default: build; built if
#        missing).  Environment: RUNS (default 7), CC (default cc),
#        MEM (journal_mem, default 0 = 64 MiB).
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:-build}
runs=${RUNS:-7}
cc=${CC:-cc}
mem=${MEM:-0}
. tools/bench/common.sh
bench_setup write_heavy big_writes ed_like names_copies write_fsync
if [[ ! -f $build/recorder/libbadio_recorder.a ]]; then
	cmake --build "$build" -j 2 --target badio_recorder >/dev/null
fi
"$cc" -O2 -I. -o "$bin/journal_run" tools/bench/journal_run.c \
	"$build/recorder/libbadio_recorder.a" \
	$(pkg-config --libs libseccomp libdw libxxhash zlib)

# one WORKLOAD ARGS...: "wall build sites entries mem disk" of one run
one() {
	local flags=$1
	shift
	rm -rf "$work/run" "$work/stash"
	mkdir "$work/run" "$work/stash"
	"$bin/journal_run" $flags "$work/run" "$work/stash" "$@"
}

printf '%-13s %9s %9s %7s %9s %9s %10s %10s\n' workload plain journal ratio \
	build entries peak_mem peak_disk
for w in write_heavy big_writes ed_like names_copies write_fsync; do
	args=("$bin/$w")
	[[ $w = ed_like ]] && args+=(in.txt)
	one "" "${args[@]}" >/dev/null
	one "-j -m $mem" "${args[@]}" >/dev/null
	: >"$work/plain"
	: >"$work/jrnl"
	for ((i = 0; i < runs; i++)); do
		one "" "${args[@]}" >>"$work/plain"
		one "-j -m $mem" "${args[@]}" >>"$work/jrnl"
	done
	p=$(awk '{ print $1 }' "$work/plain" | median)
	j=$(awk '{ print $1 }' "$work/jrnl" | median)
	b=$(awk '{ print $2 }' "$work/jrnl" | median)
	read -r _ _ _ entries pmem pdisk < <(tail -n 1 "$work/jrnl")
	printf '%-13s %8.3fs %8.3fs %6.2fx %8.3fs %9s %10s %10s\n' "$w" "$p" "$j" \
		"$(awk -v a="$j" -v b="$p" 'BEGIN { printf "%.2f", a / b }')" "$b" \
		"$entries" "$pmem" "$pdisk"
done
echo "(median of $runs interleaved runs after 1 warm-up; $(nproc) CPUs; $(uname -r);" \
	"journal_mem ${mem:-0} (0 = 64 MiB))"
