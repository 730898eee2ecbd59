#!/usr/bin/env bash
# tools/bench-record.sh: the tracing overhead of `badio record`, from one
# run on this machine (a script, not a test; figures go to
# docs/performance.md).
#
# Workloads (sources in tools/bench/):
#   A read-heavy:  200,000 reads of 4 KiB from /dev/zero + 2,000 writes
#                  of 4 KiB to a file (untraced calls must stay cheap)
#   B write-heavy: 100,000 writes of 16 bytes to a file (cost per site)
#   C names and copies: 1,000 files in 20 directories made, copied with
#                  copy_file_range, linked, removed (issue 9's calls:
#                  about 9,000 sites, none of them emulated writes)
# Each runs natively, under `strace -f --seccomp-bpf -e trace=<badio's
# syscall set> -o /dev/null`, and under `badio record`; the table shows
# median wall times of RUNS runs (after one warm-up) and the ratios.
#
# Then the call-site rows: write_heavy recorded with the call-site id
# turned off (BADIO_NO_CALLSITE=1), on (the default) and with --stacks.
#
# Usage: tools/bench-record.sh [BUILD_DIR]     (default: build; built if
#        missing).  Environment: RUNS (default 11), CC (default cc).
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:-build}
runs=${RUNS:-11}
cc=${CC:-cc}
badio=$build/tools/badio
# badio's traced set (issues 2 and 9).  strace cannot filter opens on
# their flags or ioctls on their command in BPF, so it stops at every
# open/openat/creat (the workloads open only two files, so that does not
# matter here) and is not asked for ioctl (badio stops only at FICLONE).
trace_set=write,pwrite64,writev,pwritev,pwritev2,fsync,fdatasync
trace_set+=,sync_file_range,msync,syncfs,sync,rename,renameat,renameat2
trace_set+=,unlink,unlinkat,truncate,ftruncate,fallocate,open,openat,creat
trace_set+=,copy_file_range,sendfile,splice,rmdir,mkdir,mkdirat,link,linkat
trace_set+=,symlink,symlinkat,mknod,mknodat

if [[ ! -x $badio ]]; then
	echo "bench: building badio in $build/" >&2
	cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$build" -j "$(nproc)" --target badio >/dev/null
fi
command -v strace >/dev/null || { echo "bench: strace is missing (tools/setup.sh)" >&2; exit 1; }

bin=$build/bench
mkdir -p "$bin"
for w in read_heavy write_heavy names_copies; do
	if [[ ! -x $bin/$w || tools/bench/$w.c -nt $bin/$w ]]; then
		"$cc" -O2 -o "$bin/$w" "tools/bench/$w.c"
	fi
done
bin=$(cd "$bin" && pwd)
badio=$(cd "$(dirname "$badio")" && pwd)/badio

work=$(mktemp -d "${TMPDIR:-/tmp}/badio-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT

# Commands per configuration; WORKLOAD is replaced by the program path.
cmd_native="WORKLOAD"
cmd_strace="strace -f --seccomp-bpf -e trace=$trace_set -o /dev/null WORKLOAD"
cmd_badio="$badio record --force -o $work/bench.db -- WORKLOAD"
cmd_stacks="$badio record --stacks --force -o $work/bench.db -- WORKLOAD"

now_ns() {
	date +%s%N
}

# median of the numbers on stdin
median() {
	sort -n | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2];
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# interleaved CMD...: the median wall time (seconds) of each command over
# $runs rounds, one run of every command per round, so that the drift of
# a shared machine falls on all of them alike; one line per command.
interleaved() {
	local i k t0 t1 cmd
	for ((k = 1; k <= $#; k++)); do
		cmd=${!k}
		if ! (cd "$work" && $cmd >/dev/null 2>"$work/err"); then	# warm-up
			echo "bench: '$cmd' failed:" >&2
			cat "$work/err" >&2
			exit 1
		fi
		: >"$work/t.$k"
	done
	for ((i = 0; i < runs; i++)); do
		for ((k = 1; k <= $#; k++)); do
			cmd=${!k}
			t0=$(now_ns)
			(cd "$work" && $cmd >/dev/null 2>&1)
			t1=$(now_ns)
			echo $(((t1 - t0) / 1000)) >>"$work/t.$k"
		done
	done
	for ((k = 1; k <= $#; k++)); do
		median <"$work/t.$k" | awk '{ printf "%.4f\n", $1 / 1e6 }'
	done
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'
}

printf '%-12s %10s %10s %10s %14s %14s\n' workload native strace badio \
	badio/native badio/strace
for w in read_heavy write_heavy names_copies; do
	{ read -r n; read -r s; read -r b; } < <(interleaved \
		"${cmd_native//WORKLOAD/$bin/$w}" \
		"${cmd_strace//WORKLOAD/$bin/$w}" \
		"${cmd_badio//WORKLOAD/$bin/$w}")
	printf '%-12s %9.3fs %9.3fs %9.3fs %14s %14s\n' "$w" "$n" "$s" "$b" \
		"$(ratio "$b" "$n")" "$(ratio "$b" "$s")"
done
echo "(median of $runs interleaved runs after 1 warm-up; $(nproc) CPUs; $(uname -r);" \
	"goals: read_heavy badio/native <= 1.2x, write_heavy badio/strace <= 0.5x)"

# Call sites (issue 4): the always-on call-site id against the same
# recording with the stack scan turned off (BADIO_NO_CALLSITE=1 in
# badio's environment), and `record --stacks` (libdw unwinding of each
# new call site), on the write-heavy workload: the cost per site and the
# growth of the ratio to native.  Goal: the call-site id makes the
# write-heavy ratio grow by at most 10%.
echo
w=write_heavy
sites=100000
{ read -r n; read -r off; read -r on; read -r stk; } < <(interleaved \
	"$bin/$w" \
	"env BADIO_NO_CALLSITE=1 ${cmd_badio//WORKLOAD/$bin/$w}" \
	"${cmd_badio//WORKLOAD/$bin/$w}" \
	"${cmd_stacks//WORKLOAD/$bin/$w}")
printf '%-24s %9s %12s %12s %14s\n' "$w: call sites" time badio/native \
	"us/site" "ratio growth"
row() {
	awk -v name="$1" -v t="$2" -v n="$n" -v base="$off" -v k="$sites" \
	    'BEGIN { printf "%-24s %8.3fs %11.2fx %12.2f %13.1f%%\n", name, t,
		t / n, (t - base) * 1e6 / k, (t / n - base / n) / (base / n) * 100 }'
}
row "no call-site id" "$off"
row "call-site id (default)" "$on"
row "record --stacks" "$stk"
echo "(us/site and ratio growth against 'no call-site id'; goal: call-site" \
	"id growth <= 10%)"
