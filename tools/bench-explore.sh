#!/usr/bin/env bash
# tools/bench-explore.sh: the speed of `badio explore`, from one run on
# this machine (a script, not a test; figures go to docs/performance.md).
#
# For the bundled naive and atomic writers (examples/), it measures:
#   badio   `badio explore --redo` at -j 1 and -j 2, ROUNDS times over,
#           baseline run included: experiments per second;
#   strace  a shell loop doing the same experiments by hand: per site
#           and fault a fresh directory (copy of the init directory),
#           `strace -f -e inject=SYSCALL:...:when=N PROG`, the same
#           oracle, rm -rf; N is the call's rank among calls of that
#           syscall, found from one `strace -y` run;
#   native  PROG then the oracle, as many times, in one directory: the
#           floor, to get badio's overhead per experiment.
# strace cannot shorten a write, so short is approximated by
# retval=count/2 and torn by error=EIO (same cost, not the same effect).
#
# Usage: tools/bench-explore.sh [ROUNDS]   (default 20)
# Environment: BADIO (default build/tools/badio, built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${1:-20}
badio=${BADIO:-$PWD/build/tools/badio}
if [[ ! -x $badio ]]; then
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build -j "$(nproc)" --target badio >/dev/null
fi
for tool in strace sqlite3 cc; do
	command -v "$tool" >/dev/null || { echo "bench-explore: needs $tool" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/badio-bench-explore.XXXXXX")
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }

# "syscall path when" for every traced call of PROG, from strace -y.
strace_ranks() {
	local prog=$1 init=$2 dir
	dir=$(mktemp -d "$work/rank.XXXXXX")
	[[ -n $init ]] && cp -a "$init/." "$dir/"
	(cd "$dir" && strace -f -qq -y -o "$work/ranks.log" \
		-e trace=write,pwrite64,writev,pwritev,pwritev2,fsync,fdatasync,sync_file_range,rename,renameat,renameat2,unlink,unlinkat,truncate,ftruncate,fallocate,open,openat,creat \
		"$prog" >/dev/null 2>&1) || true
	awk -v dir="$dir" '
	{
		line = $0
		sub(/^[0-9]+ +/, "", line)
		name = line; sub(/\(.*/, "", name)
		rank[name]++
		if (match(line, /^[a-z0-9_]+\([0-9]+</)) {
			# fd argument: the path strace -y prints after it
			p = substr(line, RLENGTH + 1); sub(/>.*/, "", p)
		} else if (match(line, /"[^"]*"/)) {
			p = substr(line, RSTART + 1, RLENGTH - 2)
		} else {
			p = "-"
		}
		if (index(p, dir "/") == 1)
			p = substr(p, length(dir) + 2)
		else if (p == dir)
			p = "."
		print name, p, rank[name]
	}' "$work/ranks.log"
	rm -rf "$dir"
}

# The strace option for one experiment.
inject_spec() {
	local sc=$1 fault=$2 count=$3 when=$4
	case $fault in
	eio|torn) echo "inject=$sc:error=EIO:when=$when" ;;
	enospc)   echo "inject=$sc:error=ENOSPC:when=$when" ;;
	short)    echo "inject=$sc:retval=$((count / 2)):when=$when" ;;
	crash)    echo "inject=$sc:error=EIO:signal=KILL:when=$when" ;;
	esac
}

# Run the experiment list by hand with strace: per experiment a fresh
# directory from the init copy, PROG under strace with the injection,
# the oracle, rm -rf.
strace_loop() {
	local prog=$1 init=$2 oracle=$3 list=$4 dir sc path fault count when
	while read -r sc path fault count when; do
		dir=$(mktemp -d "$work/run.XXXXXX")
		[[ -n $init ]] && cp -a "$init/." "$dir/"
		(
			cd "$dir"
			strace -f -qq -o /dev/null -e trace="$sc" \
				-e "$(inject_spec "$sc" "$fault" "$count" "$when")" \
				"$prog" >/dev/null 2>&1 || true
			sh -c "$oracle" >/dev/null 2>&1 || true
		) 2>/dev/null	# no "Killed" from the shell for crash
		rm -rf "$dir"
	done < "$list"
}

# The floor: PROG then the oracle, as many times, in one directory.
native_loop() {
	local prog=$1 init=$2 oracle=$3 list=$4 dir
	dir=$(mktemp -d "$work/run.XXXXXX")
	[[ -n $init ]] && cp -a "$init/." "$dir/"
	(
		cd "$dir"
		while read -r _; do
			"$prog" >/dev/null 2>&1 || true
			sh -c "$oracle" >/dev/null 2>&1 || true
		done
	) < "$list"
	rm -rf "$dir"
}

printf '%-7s %5s %9s %9s %9s %9s %8s %8s %9s\n' PROG EXPS "j1 exp/s" "j2 exp/s" \
	"strace/s" "native/s" "j1/strc" "j2/j1" "ovh ms"
for ex in naive atomic; do
	cc -O2 -o "$work/$ex" "examples/$ex.c"
	init=""
	[[ -d examples/$ex-init ]] && init=$PWD/examples/$ex-init
	oracle=$PWD/examples/check_$ex.sh
	db=$work/$ex.db
	"$badio" record -q --force -o "$db" ${init:+--init "$init"} -- "$work/$ex" >/dev/null
	"$badio" explore -q -d "$db" --oracle "$oracle" -j 1
	n=$(sqlite3 "$db" "SELECT count(*) FROM experiments")

	# the same experiments, with when=N from strace -y: pair each site
	# (in seq order) with the matching call of the same syscall and path
	strace_ranks "$work/$ex" "$init" > "$work/ranks"
	sqlite3 -separator ' ' "$db" "SELECT seq, syscall, path FROM sites ORDER BY seq" |
	awk 'NR == FNR { k = $1 " " $2; c[k]++; w[k " " c[k]] = $3; next }
	     { k = $2 " " $3; d[k]++; print $1, (w[k " " d[k]] ? w[k " " d[k]] : 0) }' \
		"$work/ranks" - > "$work/when"
	sqlite3 -separator ' ' "$db" \
		"SELECT seq, syscall, path, fault, coalesce(count, 0) FROM verdicts ORDER BY seq, fault" |
	awk 'NR == FNR { w[$1] = $2; next } { print $2, $3, $4, $5, w[$1] }' \
		"$work/when" - > "$work/list"
	if awk '$5 == 0 { bad = 1 } END { exit !bad }' "$work/list"; then
		echo "bench-explore: could not match every site to a strace call" >&2
		exit 1
	fi

	declare -A rate
	for j in 1 2; do
		t0=$(now)
		for ((i = 0; i < rounds; i++)); do
			"$badio" explore -q --redo -d "$db" --oracle "$oracle" -j "$j"
		done
		t1=$(now)
		rate[$j]=$(calc "$rounds * $n / ($t1 - $t0)" 1)
	done
	for mode in strace native; do
		t0=$(now)
		for ((i = 0; i < rounds; i++)); do
			"${mode}_loop" "$work/$ex" "$init" "$oracle" "$work/list"
		done
		t1=$(now)
		rate[$mode]=$(calc "$rounds * $n / ($t1 - $t0)" 1)
	done
	ovh=$(calc "1000 / ${rate[1]} - 1000 / ${rate[native]}" 2)
	printf '%-7s %5d %9s %9s %9s %9s %8s %8s %9s\n' "$ex" "$n" "${rate[1]}" \
		"${rate[2]}" "${rate[strace]}" "${rate[native]}" \
		"$(calc "${rate[1]} / ${rate[strace]}" 2)x" \
		"$(calc "${rate[2]} / ${rate[1]}" 2)x" "$ovh"
done
echo
echo "exp/s: experiments per second (badio: baseline run included);"
echo "j1/strc: badio -j 1 over the strace loop (goal >= 1.5x);"
echo "j2/j1: -j 2 over -j 1 (goal >= 1.8x on 2 CPUs);"
echo "ovh ms: badio -j 1 time per experiment minus the native loop's"
echo "($(nproc) CPUs, $rounds rounds, $(uname -r))"
