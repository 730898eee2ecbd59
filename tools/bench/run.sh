#!/usr/bin/env bash
# tools/bench/run.sh: badio's benchmark suite, one command.  A script,
# not a test (no timing is ever asserted); it writes the generated
# section of docs/performance.md (between the "bench:begin" and
# "bench:end" markers) with the machine, the date and the load.
#
# Every workload runs, round by round and interleaved (one run of each
# configuration per round, so a shared machine's drift falls on all of
# them alike):
#   native         the program alone;
#   strace         strace -f --seccomp-bpf -e trace=<badio's set> -o /dev/null,
#                  as people run it;
#   strace pinned  the same under taskset -c CPU, CPU being the one badio
#                  pins its runs to (explorer/cpu.c), so both get the
#                  same cheap same-CPU round trips;
#   badio          badio record.
# Ratios are paired: per round, badio's time over the other's, and the
# median of those (as well as the median times).
#
# Workloads: read-heavy, write-heavy, 1 MiB writes, write+fsync, 4
# threads, sqlite3 autocommit, gzip, git add, the 30k-site ed-like save
# and the 10k-site program (tools/bench/*.c and Debian's tools); then
# explore throughput (tools/bench-explore.sh).
#
# Usage: tools/bench/run.sh [BUILD_DIR]   (default build; built if missing)
# Environment: RUNS (rounds, default 7), BENCH_QUICK=1 (3 rounds, smaller
# workloads, no explore rounds beyond 2: a smoke run), BENCH_DOC (the file
# to write, default docs/performance.md; BENCH_DOC=- prints only), CC.
set -euo pipefail
cd "$(dirname "$0")/../.."

build=${1:-build}
quick=${BENCH_QUICK:-0}
if [[ $quick == 1 ]]; then runs=${RUNS:-3}; else runs=${RUNS:-7}; fi
cc=${CC:-cc}
doc=${BENCH_DOC:-docs/performance.md}
. tools/bench/common.sh
bench_setup read_heavy write_heavy big_writes write_fsync threads4 \
	ed_like sites_n
for tool in sqlite3 gzip git taskset; do
	command -v "$tool" >/dev/null || { echo "bench: needs $tool" >&2; exit 2; }
done

# The CPU badio pins a recording to: ask a recorded program.
cpu=$("$badio" record -q --force -o "$work/cpu.db" -- /bin/sh -c \
	'taskset -cp $$' | sed 's/.*: *//')
[[ $cpu =~ ^[0-9]+$ ]] || { echo "bench: badio's CPU: '$cpu'" >&2; exit 1; }

# --- the inputs (outside the run directories, by absolute path) --------
in=$work/in
mkdir -p "$in"
if [[ $quick == 1 ]]; then n_sql=50; n_sync=200; gz_mb=4; git_files=300
else n_sql=300; n_sync=1000; gz_mb=32; git_files=2000; fi
{ echo 'CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v TEXT);'
  for ((i = 0; i < n_sql; i++)); do
	echo "INSERT INTO t (v) VALUES ('row $i of the autocommit workload');"
  done; } >"$in/insert.sql"
seq 1 $((gz_mb * 1024 * 1024 / 8)) | head -c $((gz_mb << 20)) >"$in/gz.txt"
git init -q "$in/repo"
for ((i = 0; i < git_files; i++)); do
	echo "file $i of the git add workload" >"$in/repo/f$i.txt"
done

# name|prep (untimed, before each run, in the run's directory or in $in)|command
workloads=(
	"read-heavy||$bin/read_heavy"
	"write-heavy||$bin/write_heavy"
	"1 MiB writes||$bin/big_writes"
	"write+fsync||$bin/write_fsync $n_sync"
	"4 threads||$bin/threads4"
	"sqlite3 autocommit|rm -f $in/t.db $in/t.db-journal|sqlite3 $in/t.db '.read $in/insert.sql'"
	"gzip|rm -f $in/gz.txt.gz|gzip -k $in/gz.txt"
	"git add|rm -rf $in/repo/.git/index $in/repo/.git/objects/??|git -C $in/repo add -A"
	"ed-like, 30k sites|rm -f $in/ed.txt|$bin/ed_like $in/ed.txt"
	"10k sites||$bin/sites_n 10000"
)
[[ $quick == 1 ]] && workloads[8]="ed-like, 30k sites|rm -f $in/ed.txt|$bin/ed_like $in/ed.txt 2000"

configs=(
	""
	"strace -f --seccomp-bpf -e trace=$trace_set -o /dev/null"
	"taskset -c $cpu strace -f --seccomp-bpf -e trace=$trace_set -o /dev/null"
	"$badio record -q --force -o $work/bench.db --"
)
names=(native strace "strace pinned" badio)

# one timed run: "WALL CPU" seconds on stdout, CPU being user + system
# time of the command and everything it ran (the tracer included), which
# a loaded machine disturbs much less than the wall time
timed() {
	local TIMEFORMAT='%R %U %S'
	{ time (cd "$work/run" && eval "$1" >/dev/null 2>>"$work/err"); } \
		2>"$work/tm" ||
		{ echo "bench: '$1' failed:" >&2; tail -5 "$work/err" >&2; exit 1; }
	awk '{ printf "%.4f %.4f\n", $1, $2 + $3 }' "$work/tm"
}

# pmedian COL FILE_A FILE_B: the median of the per-round ratios a/b of
# column COL (1 wall, 2 CPU)
pmedian() {
	paste "$2" "$3" | awk -v c="$1" '{ print $c / $(c + 2) }' | median
}

# cmedian COL FILE: the median of column COL
cmedian() {
	awk -v c="$1" '{ print $c }' "$2" | median
}

rows=()
cpurows=()
for w in "${workloads[@]}"; do
	IFS='|' read -r name prep cmd <<<"$w"
	echo "bench: $name" >&2
	mkdir -p "$work/run"
	for ((k = 0; k < ${#configs[@]}; k++)); do		# warm-up
		[[ -n $prep ]] && (cd "$work/run" && eval "$prep")
		timed "${configs[k]} $cmd" >/dev/null
		: >"$work/t.$k"
	done
	for ((i = 0; i < runs; i++)); do
		for ((k = 0; k < ${#configs[@]}; k++)); do
			[[ -n $prep ]] && (cd "$work/run" && eval "$prep")
			timed "${configs[k]} $cmd" >>"$work/t.$k"
		done
	done
	rows+=("$(printf '| %s | %.3f s | %.3f s | %.3f s | %.3f s | %.2fx | %.2fx | %.2fx |' \
		"$name" "$(cmedian 1 "$work/t.0")" "$(cmedian 1 "$work/t.1")" \
		"$(cmedian 1 "$work/t.2")" "$(cmedian 1 "$work/t.3")" \
		"$(pmedian 1 "$work/t.3" "$work/t.0")" \
		"$(pmedian 1 "$work/t.3" "$work/t.1")" \
		"$(pmedian 1 "$work/t.3" "$work/t.2")")")
	cpurows+=("$(printf '| %s | %.3f s | %.3f s | %.3f s | %.3f s | %.2fx | %.2fx | %.2fx |' \
		"$name" "$(cmedian 2 "$work/t.0")" "$(cmedian 2 "$work/t.1")" \
		"$(cmedian 2 "$work/t.2")" "$(cmedian 2 "$work/t.3")" \
		"$(pmedian 2 "$work/t.3" "$work/t.0")" \
		"$(pmedian 2 "$work/t.3" "$work/t.1")" \
		"$(pmedian 2 "$work/t.3" "$work/t.2")")")
	echo "${cpurows[-1]} (CPU)" >&2
	echo "${rows[-1]}" >&2
	rm -rf "$work/run"
done

# explore throughput: tools/bench-explore.sh, its own table
echo "bench: explore" >&2
explore_rounds=$([[ $quick == 1 ]] && echo 2 || echo 5)
explore=$(BADIO="$badio" tools/bench-explore.sh "$explore_rounds" 2>&1 | tail -n 12)

load=$(cut -d' ' -f1-3 /proc/loadavg)
model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
section=$(cat <<EOF
Generated by \`tools/bench/run.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'):
$(nproc) CPUs ($model), $(uname -r), load average $load at the end.
$([[ $quick == 1 ]] && echo "BENCH_QUICK=1: smaller workloads, a smoke run, not figures.")
The machine was shared with other work while it ran: figures taken
under load, medians of $runs interleaved rounds; ratios are paired
(the median of per-round ratios). badio pins to CPU $cpu (the CPU of
the disk's interrupts), strace pinned runs under \`taskset -c $cpu\`.
Goals (issue 11): badio/strace <= 0.5x and badio/strace pinned <= 0.7x
on every row; write+fsync and sqlite3 within 1.3x native.

Wall time:

| workload | native | strace | strace pinned | badio | badio / native | badio / strace | badio / strace pinned |
|---|---|---|---|---|---|---|---|
$(printf '%s\n' "${rows[@]}")

CPU time (user + system of the program and of the tracer; what the other
sessions' load disturbs least, since a run waiting for a CPU adds wall
time but no CPU time):

| workload | native | strace | strace pinned | badio | badio / native | badio / strace | badio / strace pinned |
|---|---|---|---|---|---|---|---|
$(printf '%s\n' "${cpurows[@]}")

Explore throughput (\`tools/bench-explore.sh $explore_rounds\`):

\`\`\`
$explore
\`\`\`
EOF
)

if [[ $doc == - ]]; then
	echo "$section"
	exit 0
fi
awk -v section="$section" '
	/<!-- bench:begin -->/ { print; print section; skip = 1; next }
	/<!-- bench:end -->/ { skip = 0 }
	!skip' "$doc" >"$work/doc.md"
grep -q '<!-- bench:begin -->' "$doc" ||
	{ echo "bench: no <!-- bench:begin --> marker in $doc" >&2; exit 1; }
cp "$work/doc.md" "$doc"
echo "bench: wrote $doc" >&2
