#!/bin/sh
# test_tracer_syscalls.sh BADIO PROGS_DIR: the system calls badio's
# tracer makes per emulated write, counted by strace -c on badio itself
# (without -f: the tracer's thread only, not the program, which badio
# traces, nor badio's database thread).  Two recordings of the same
# program with N1 and N2 writes; the difference of their counts over
# N2 - N1 is the cost of one write, whatever badio does once per run.
#
# Budget (issue 11): wait4, PTRACE_GETREGS, kcmp (the cached duplicate
# is still the program's fd), process_vm_readv (stack and data), the
# write, PTRACE_SETREGS, PTRACE_CONT: 7 for pwrite(2); write(2) adds
# one lseek for the offset (the position after the write, less the
# bytes written: the program's reads and seeks are untraced, so the
# position cannot be known without asking).  SQLite's page I/O
# (pread64, pwrite64 on the database) is not the tracer's and is left
# out (strace -y names the database file): the database thread hands
# some of its commits to this thread's count.
set -u
badio=${1:?usage: test_tracer_syscalls.sh BADIO PROGS_DIR}
progs=${2:?}
work=$(mktemp -d "${TMPDIR:-/tmp}/badio-syscalls-XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
failures=0
n1=200
n2=1200

# calls PROG N: the tracer's system calls for N writes, all but those on
# the database (SQLite's page I/O, told apart by strace -y's file names)
calls() {
	strace -y -o "$work/c.$2" "$badio" record -q --force -o "$work/db" -- \
		"$progs/$1" out.bin "$2" 16 >/dev/null 2>"$work/err" ||
		{ echo "FAIL: record $1 $2: $(cat "$work/err")"; exit 1; }
	grep -v -e "^+++" -e "^---" -e "$work/db" "$work/c.$2" | wc -l
}

check() {	# PROG SYSCALL BUDGET
	a=$(calls "$1" $n1)
	b=$(calls "$1" $n2)
	per=$(awk -v a="$a" -v b="$b" -v d=$((n2 - n1)) \
		'BEGIN { printf "%.2f", (b - a) / d }')
	emulated=$(sqlite3 "$work/db" "SELECT count(*) FROM sites WHERE \
		syscall = '$2' AND result = 16")
	[ "$emulated" = $n2 ] || { echo "FAIL: $1: $emulated sites"; failures=$((failures + 1)); }
	echo "$1: $per tracer system calls per $2 (budget $3)"
	# whole calls: the 100 ms timer's restarted waits and the database
	# thread's wake-ups add a fraction that follows time, not writes
	if awk -v p="$per" -v b="$3" 'BEGIN { exit !(p >= b + 0.5) }'; then
		echo "FAIL: $1: $per > $3 calls per $2; the last writes:"
		grep -v "$work/db" "$work/c.$n2" | tail -n 24 | sed 's/^/  /'
		failures=$((failures + 1))
	fi
}

check p_pwrite pwrite64 7
check p_write write 8
[ $failures -eq 0 ] || exit 1
echo "ok"
