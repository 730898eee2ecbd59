#!/usr/bin/env bash
# tools/bench-oracle.sh: the cost of an oracle run per experiment of
# `badio explore`, one badio against another (e.g. main's build against
# this one: the oracle started by clone(CLONE_VM) and, for a simple
# command, without sh; explorer/oracle.c).  A script, not a test; the
# figures go to docs/performance.md ("The oracle's run").
#
# sites_n 200 is recorded once (by BUILD's badio); each side explores a
# copy with -j 1 --redo, crash faults and power experiments, with three
# oracles: `true` (a builtin of sh: one fork+exec of sh), `/bin/true` (a
# program: sh and true before, true alone after) and `./check.sh`, a
# #!/bin/sh script doing `test -s log.txt` (sh, then sh for the script;
# after, the script's sh alone).  Rounds are interleaved (one run of
# every side and mode per round); prints the median wall and CPU time
# (every process of the explore, through a cgroup) per experiment of
# each side, in ms, and base/build.
#
# Usage: tools/bench-oracle.sh BASE_BUILD [BUILD]   (BUILD: build)
#        Environment: RUNS (default 3), CC (default cc), SITES (200).
set -euo pipefail
cd "$(dirname "$0")/.."

base=${1:?usage: tools/bench-oracle.sh BASE_BUILD [BUILD]}
build=${2:-build}
runs=${RUNS:-3}
cc=${CC:-cc}
. tools/bench/common.sh
bench_setup sites_n
base_badio=$(cd "$base/tools" && pwd)/badio
[[ -x $base_badio ]] || { echo "bench: no $base_badio" >&2; exit 1; }

printf '#!/bin/sh\ntest -s log.txt\n' >"$work/check.sh"
chmod +x "$work/check.sh"
(cd "$work" && "$badio" record -q -o "$work/base.db" -- \
	"$bin/sites_n" "${SITES:-200}" >/dev/null)

# explore BADIO DB FAULTS ORACLE: "WALL CPU EXPERIMENTS" in seconds, CPU
# that of every process of the explore, the sweep's detached judge and
# its oracles too (tools/bench/common.sh cpu_ns; "-" without a cgroup)
explore() {
	local t0 t1 cpu
	t0=$(now_ns)
	cpu=$(cd "$work" && cpu_ns "$1" explore -q -d "$2" -j 1 --redo \
		--faults "$3" --oracle "$4")
	t1=$(now_ns)
	echo "$(( (t1 - t0) / 1000 )) $cpu $(sqlite3 "$2" \
		'SELECT count(*) FROM experiments')" |
		awk '{ print $1 / 1e6, ($2 == "-" ? "-" : $2 / 1e9), $3 }'
}

oracles=(true /bin/true ./check.sh)
faults=(crash power)
sides=(base new)
declare -A exe=([base]=$base_badio [new]=$badio)
for o in "${!oracles[@]}"; do
	for f in "${faults[@]}"; do
		for s in "${sides[@]}"; do
			k=$s.$f.$o
			cp "$work/base.db" "$work/$k.db"
			explore "${exe[$s]}" "$work/$k.db" "$f" "${oracles[$o]}" \
				>/dev/null	# warm-up
			: >"$work/$k.t"
		done
	done
done
for ((i = 0; i < runs; i++)); do
	for o in "${!oracles[@]}"; do
		for f in "${faults[@]}"; do
			for s in "${sides[@]}"; do
				k=$s.$f.$o
				explore "${exe[$s]}" "$work/$k.db" "$f" \
					"${oracles[$o]}" >>"$work/$k.t"
			done
		done
	done
done

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), runs $runs"
echo "ms per experiment, wall and CPU (median of $runs)"
printf '%-12s %-6s %5s %8s %8s %7s %8s %8s %7s\n' oracle faults exps \
	"base" "new" "b/n" "base cpu" "new cpu" "b/n"
for o in "${!oracles[@]}"; do
	for f in "${faults[@]}"; do
		declare -A wall cpu
		for s in "${sides[@]}"; do
			wall[$s]=$(awk '{ print $1 / $3 * 1000 }' \
				"$work/$s.$f.$o.t" | median)
			cpu[$s]=$(awk '$2 != "-" { print $2 / $3 * 1000 }' \
				"$work/$s.$f.$o.t" | median)
			cpu[$s]=${cpu[$s]:-0}
		done
		n=$(awk 'NR == 1 { print $3 }' "$work/new.$f.$o.t")
		printf '%-12s %-6s %5s %8.3f %8.3f %7s %8.3f %8.3f %7s\n' \
			"${oracles[$o]}" "$f" "$n" "${wall[base]}" "${wall[new]}" \
			"$(ratio "${wall[base]}" "${wall[new]}")" "${cpu[base]}" \
			"${cpu[new]}" "$(ratio "${cpu[base]}" "${cpu[new]}")"
	done
done
