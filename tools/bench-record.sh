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
# turned off (BADIO_NO_CALLSITE=1), on (the default) and with --stacks,
# and with BASE=path/to/another/badio that badio's default too (e.g. a
# build of main, to compare a change with what it replaces).
#
# Usage: tools/bench-record.sh [BUILD_DIR]     (default: build; built if
#        missing).  Environment: RUNS (default 11), CC (default cc), BASE.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:-build}
runs=${RUNS:-11}
cc=${CC:-cc}
. tools/bench/common.sh
bench_setup read_heavy write_heavy names_copies

# Commands per configuration; WORKLOAD is replaced by the program path.
cmd_native="WORKLOAD"
cmd_strace="strace -f --seccomp-bpf -e trace=$trace_set -o /dev/null WORKLOAD"
cmd_badio="$badio record --force -o $work/bench.db -- WORKLOAD"
cmd_stacks="$badio record --stacks --force -o $work/bench.db -- WORKLOAD"

printf '%-12s %10s %10s %10s %14s %14s\n' workload native strace badio \
	badio/native badio/strace
for w in read_heavy write_heavy names_copies; do
	{ read -r n _; read -r s _; read -r b _; } < <(interleaved \
		"${cmd_native//WORKLOAD/$bin/$w}" \
		"${cmd_strace//WORKLOAD/$bin/$w}" \
		"${cmd_badio//WORKLOAD/$bin/$w}")
	printf '%-12s %9.3fs %9.3fs %9.3fs %14s %14s\n' "$w" "$n" "$s" "$b" \
		"$(ratio "$b" "$n")" "$(ratio "$b" "$s")"
done
echo "(median of $runs interleaved runs after 1 warm-up; $(nproc) CPUs; $(uname -r);" \
	"goals: read_heavy badio/native <= 1.2x, write_heavy badio/strace <= 0.5x)"

# Call sites (issue 4): the always-on call-site id against the same
# recording with the call-site walk turned off (BADIO_NO_CALLSITE=1 in
# badio's environment), and `record --stacks` (libdw unwinding of each
# new call site), on the write-heavy workload: the cost per site and the
# growth of the ratio to native, in wall time and in CPU time (badio's
# and the program's).  Goal: the call-site id makes the write-heavy ratio
# grow by at most 10%.
echo
w=write_heavy
sites=100000
base_cmd=true
if [[ -n ${BASE:-} ]]; then
	base_cmd="$(cd "$(dirname "$BASE")" && pwd)/$(basename "$BASE") record --force -o $work/base.db -- $bin/$w"
fi
{ read -r n ncpu; read -r off offcpu; read -r on oncpu; read -r stk stkcpu
  read -r base basecpu; } < <(interleaved_cpu \
	"$bin/$w" \
	"env BADIO_NO_CALLSITE=1 ${cmd_badio//WORKLOAD/$bin/$w}" \
	"${cmd_badio//WORKLOAD/$bin/$w}" \
	"${cmd_stacks//WORKLOAD/$bin/$w}" \
	"$base_cmd")
printf '%-24s %9s %12s %12s %14s %9s %12s\n' "$w: call sites" time \
	badio/native "us/site" "ratio growth" cpu "cpu us/site"
row() {
	awk -v name="$1" -v t="$2" -v c="$3" -v n="$n" -v base="$off" \
	    -v cbase="$offcpu" -v k="$sites" \
	    'BEGIN { printf "%-24s %8.3fs %11.2fx %12.2f %13.1f%% %8.3fs %12.2f\n",
		name, t, t / n, (t - base) * 1e6 / k,
		(t / n - base / n) / (base / n) * 100, c, (c - cbase) * 1e6 / k }'
}
row "no call-site id" "$off" "$offcpu"
row "call-site id (default)" "$on" "$oncpu"
row "record --stacks" "$stk" "$stkcpu"
if [[ -n ${BASE:-} ]]; then
	row "BASE: call-site id" "$base" "$basecpu"
fi
echo "(us/site and ratio growth against 'no call-site id'; goal: call-site" \
	"id growth <= 10%)"
