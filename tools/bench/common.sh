# tools/bench/common.sh: what the benchmark scripts share, sourced by
# tools/bench/run.sh, tools/bench-record.sh and tools/bench-determinism.sh
# from the top of the checkout, with $build (badio's build directory),
# $runs (rounds per measurement) and $cc set.

# badio's traced set (issue 2).  strace cannot filter opens on their
# flags in BPF, so it stops at every open/openat/creat; the workloads
# open only a few files, so that does not matter here.
trace_set=write,pwrite64,writev,pwritev,pwritev2,fsync,fdatasync
trace_set+=,sync_file_range,msync,syncfs,sync,rename,renameat,renameat2
trace_set+=,unlink,unlinkat,truncate,ftruncate,fallocate,open,openat,creat

# bench_setup WORKLOAD...: badio built (in $build), strace there, the
# workloads of tools/bench/ compiled into $bin; $badio and $bin made
# absolute, $work a scratch directory removed on exit.
bench_setup() {
	local w
	badio=$build/tools/badio
	if [[ ! -x $badio ]]; then
		echo "bench: building badio in $build/" >&2
		cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
		cmake --build "$build" -j "$(nproc)" --target badio >/dev/null
	fi
	command -v strace >/dev/null ||
		{ echo "bench: strace is missing (tools/setup.sh)" >&2; exit 1; }
	bin=$build/bench
	mkdir -p "$bin"
	for w in "$@"; do
		if [[ ! -x $bin/$w || tools/bench/$w.c -nt $bin/$w ]]; then
			"$cc" -O2 -o "$bin/$w" "tools/bench/$w.c"
		fi
	done
	bin=$(cd "$bin" && pwd)
	badio=$(cd "$(dirname "$badio")" && pwd)/badio
	work=$(mktemp -d "${TMPDIR:-/tmp}/badio-bench-XXXXXX")
	trap 'rm -rf "$work"' EXIT
}

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

# interleaved_cpu CMD...: as interleaved, and beside each median wall
# time the median CPU time (user + system, the command and its children):
# "WALL CPU", one line per command.  CPU time is what a busy machine
# disturbs least.
interleaved_cpu() {
	local i k cmd TIMEFORMAT='%R %U %S'
	for ((k = 1; k <= $#; k++)); do
		cmd=${!k}
		if ! (cd "$work" && $cmd >/dev/null 2>"$work/err"); then	# warm-up
			echo "bench: '$cmd' failed:" >&2
			cat "$work/err" >&2
			exit 1
		fi
		: >"$work/t.$k"
		: >"$work/c.$k"
	done
	for ((i = 0; i < runs; i++)); do
		for ((k = 1; k <= $#; k++)); do
			cmd=${!k}
			{ time (cd "$work" && $cmd >/dev/null 2>&1); } 2>"$work/tm"
			awk '{ print $1 >> "'"$work/t.$k"'"
			       print $2 + $3 >> "'"$work/c.$k"'" }' "$work/tm"
		done
	done
	for ((k = 1; k <= $#; k++)); do
		echo "$(median <"$work/t.$k") $(median <"$work/c.$k")" |
			awk '{ printf "%.4f %.4f\n", $1, $2 }'
	done
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'
}

# cpu_ns CMD...: run CMD in a cgroup of its own and print the CPU time
# (ns) it and every process it started used, daemons and processes that
# left the tree included (the sweep's judge is double-forked: `time`
# never sees it).  cgroup v2 (cpu.stat) or v1 (cpuacct.usage); prints
# "-" where neither can be made.  CMD's output goes where it would.
cpu_ns() {
	local cg v1=/sys/fs/cgroup/cpuacct rc=0
	if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
		cg=/sys/fs/cgroup/badio-bench-$$-$RANDOM
	elif [[ -d $v1 ]]; then
		cg=$v1/badio-bench-$$-$RANDOM
	fi
	if [[ -z ${cg:-} ]] || ! mkdir "$cg" 2>/dev/null; then
		"$@" || rc=$?
		echo -
		return $rc
	fi
	(echo "$BASHPID" >"$cg/cgroup.procs" && exec "$@") || rc=$?
	if [[ -f $cg/cpu.stat ]]; then
		awk '$1 == "usage_usec" { print $2 * 1000 }' "$cg/cpu.stat"
	else
		cat "$cg/cpuacct.usage"
	fi
	rmdir "$cg" 2>/dev/null || true
	return $rc
}
