#!/usr/bin/env bash
# tools/bench-determinism.sh: what the same randomness and pids in every
# run cost (docs/design.md "Determinism"), from one run on this machine
# (a script, not a test; figures go to docs/performance.md).
#
# Workloads (sources in tools/bench/):
#   true          /bin/true: the fixed cost of a run (the PID and mount
#                 namespaces, the init, the /dev/urandom FIFO and its
#                 thread)
#   write_heavy   100,000 writes of 16 bytes, no getrandom: determinism
#                 must add no stop and no cost per site
#   rand_heavy    20,000 getrandom calls of 16 bytes: one stop each
#   urandom_read  64 MiB read from /dev/urandom (a FIFO badio keeps full)
#   exec_heavy    a shell that forks and execs /bin/true 200 times: the
#                 AT_RANDOM bytes written at every exec, and the children
#                 that wait for their creator's fork event
# Each runs natively, under strace -f --seccomp-bpf (badio's syscall set
# plus getrandom), under badio record with BADIO_NO_RANDOM=1 and
# BADIO_NO_NAMESPACES=1 in its environment (real randomness, no
# namespaces, everything else alike: "real"), and under badio record
# (the default).  Medians of RUNS interleaved runs after one warm-up.
#
# Usage: tools/bench-determinism.sh [BUILD_DIR]   (default: build; built
#        if missing).  Environment: RUNS (default 11), CC (default cc).
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:-build}
runs=${RUNS:-11}
cc=${CC:-cc}
. tools/bench/common.sh
trace_set+=,getrandom
bench_setup write_heavy rand_heavy urandom_read
printf 'for i in $(seq 200); do /bin/true; done\n' >"$work/exec_heavy.sh"

cmd_native="WORKLOAD"
cmd_strace="strace -f --seccomp-bpf -e trace=$trace_set -o /dev/null WORKLOAD"
cmd_real="env BADIO_NO_RANDOM=1 BADIO_NO_NAMESPACES=1 $badio record -q --force -o $work/bench.db -- WORKLOAD"
cmd_badio="$badio record -q --force -o $work/bench.db -- WORKLOAD"

printf '%-13s %9s %9s %9s %9s %9s %9s %9s %10s\n' workload native strace \
	real badio badio/nat badio/str det-cost "det us/op"
bench() {
	local name=$1 prog=$2 ops=$3 n s d b
	{ read -r n; read -r s; read -r d; read -r b; } < <(interleaved \
		"${cmd_native//WORKLOAD/$prog}" \
		"${cmd_strace//WORKLOAD/$prog}" \
		"${cmd_real//WORKLOAD/$prog}" \
		"${cmd_badio//WORKLOAD/$prog}")
	awk -v name="$name" -v n="$n" -v s="$s" -v d="$d" -v b="$b" \
	    -v ops="$ops" 'BEGIN {
		printf "%-13s %8.3fs %8.3fs %8.3fs %8.3fs %8.2fx %8.2fx %8.2fx %10.1f\n",
		    name, n, s, d, b, b / n, b / s, b / d, (b - d) * 1e6 / ops }'
}
bench true /bin/true 1
bench write_heavy "$bin/write_heavy" 100000
bench rand_heavy "$bin/rand_heavy" 20000
bench urandom_read "$bin/urandom_read" 1024
bench exec_heavy "/bin/sh $work/exec_heavy.sh" 200
echo "(median of $runs interleaved runs after 1 warm-up; $(nproc) CPUs; $(uname -r);"
echo " real: badio record with real randomness and no namespaces; det-cost:"
echo " badio / real; det us/op: the difference per site, getrandom call,"
echo " 64 KiB read or exec; for true, per run)"
