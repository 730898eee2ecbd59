#!/bin/sh
# test_exit_status.sh BADIO PROGS_DIR EXAMPLES_BIN EXAMPLES_SRC EXPECTED_DIR:
# the exit status of every command on each of its ways out, against the
# golden file exit-status.out (the table of docs/manual.md, "Exit status",
# and badio(1), EXIT STATUS):
#   0 done; 1 bugs found (--fail-on); 2 usage or set-up error;
#   3 runtime error; 130 interrupted; record: PROG's status, 126, 127.
# One line per case: "command case: status".  BADIO_UPDATE_GOLDEN=1
# rewrites the golden file.
set -u

badio=${1:?usage: test_exit_status.sh BADIO PROGS_DIR EXAMPLES_BIN EXAMPLES_SRC EXPECTED_DIR}
progs=${2:?}
exbin=${3:?}
exsrc=${4:?}
expected=${5:?}

work=$(mktemp -d "${TMPDIR:-/tmp}/badio-exit-XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2
out=$work/exit-status.out
: >"$out"

# case NAME ARGS...: badio ARGS in $work, its status into the table
case_() {
	name=$1
	shift
	"$badio" "$@" >"$work/stdout" 2>"$work/stderr" </dev/null
	echo "$name: $?" >>"$out"
}

# the child of pid $1 (explore's worker), once it exists
child_of() {
	for _ in $(seq 100); do
		c=$(cat /proc/"$1"/task/*/children 2>/dev/null | awk '{ print $1 }')
		[ -n "$c" ] && { echo "$c"; return; }
		sleep 0.05
	done
}

# the program under trace, a child of the worker, has started
wait_traced() {
	for _ in $(seq 100); do
		[ -n "$(cat /proc/"$1"/task/*/children 2>/dev/null)" ] && return
		sleep 0.05
	done
}

# --- the command line --------------------------------------------------------
case_ "badio unknown command" frobnicate
case_ "badio unknown option" --frobnicate
case_ "help unknown command" help frobnicate

# --- record ------------------------------------------------------------------
case_ "record no program" record
case_ "record ok" record -q -o w.db -- "$progs/p_write" out.txt 2 3
case_ "record PROG exits 3" record -q -f -o st.db -- "$progs/p_status" exit 3
case_ "record PROG killed by SIGKILL" record -q -f -o st.db -- "$progs/p_status" kill
case_ "record PROG not found" record -q -o x.db -- no-such-program-badio
printf '#!/bin/sh\n' >noexec.sh
case_ "record PROG not executable" record -q -o x.db -- ./noexec.sh
case_ "record database exists" record -q -o w.db -- "$progs/p_write" out.txt 2 3
case_ "record database in a missing directory" record -q -o /nonexistent-badio/x.db -- true
case_ "record --init missing" record -q -o x.db --init /nonexistent-badio -- true
# a database that cannot grow (RLIMIT_FSIZE, SIGXFSZ ignored): EFBIG; 300 KB
# hold a fresh database (106 KB at schema 14) but not 5000 sites
sh -c 'trap "" XFSZ; ulimit -f 600; exec "$0" record -q -o big.db -- "$1" out.txt 5000 16' \
	"$badio" "$progs/p_write" >/dev/null 2>&1 </dev/null
echo "record database write fails: $?" >>"$out"

# --- sites -------------------------------------------------------------------
case_ "sites ok" sites -d w.db
case_ "sites no database" sites -d nothere.db
echo 'not a database' >text.txt
case_ "sites not a database" sites -d text.txt
cp w.db newer.db
sqlite3 newer.db 'PRAGMA user_version = 99'
case_ "sites database from a newer badio" sites -d newer.db
"$badio" sites -d w.db >/dev/full 2>/dev/null
echo "sites output lost (/dev/full): $?" >>"$out"

# --- explore -----------------------------------------------------------------
"$badio" record -q -o naive.db -- "$exbin/naive" 2>/dev/null
"$badio" record -q -o atomic.db --init "$exsrc/atomic-init" -- "$exbin/atomic" 2>/dev/null
case_ "explore no oracle" explore -d naive.db
case_ "explore --fail-on unknown verdict" explore -d naive.db --oracle true --fail-on frob
case_ "explore oracle fails the fault-free run" explore -q -d naive.db --oracle false
case_ "explore bugs, no --fail-on" explore -q -d naive.db --oracle "$exsrc/check_naive.sh" -j 1
case_ "explore --fail-on bugs, bugs found" explore -q -d naive.db --oracle "$exsrc/check_naive.sh" --fail-on bugs
case_ "explore --fail-on crashed,hang, none" explore -q -d naive.db --oracle "$exsrc/check_naive.sh" --fail-on crashed,hang
case_ "explore --fail-on bugs, no bug" explore -q -d atomic.db --oracle "$exsrc/check_atomic.sh" --fail-on bugs -j 1

"$badio" record -q -o hang.db -- "$progs/explore_hang" 2>/dev/null
# a worker that dies: a runtime error
"$badio" explore -q -d hang.db --oracle true --faults eio -j 1 --timeout 60 \
	>/dev/null 2>&1 </dev/null &
main=$!
worker=$(child_of "$main")
wait_traced "$worker"
kill -9 "$worker"
wait "$main"
echo "explore worker killed: $?" >>"$out"
# Ctrl-C
"$badio" explore -q -d hang.db --oracle true --faults eio -j 1 --timeout 60 \
	>/dev/null 2>&1 </dev/null &
main=$!
worker=$(child_of "$main")
wait_traced "$worker"
kill -INT "$main"
wait "$main"
echo "explore interrupted (SIGINT): $?" >>"$out"

# --- report ------------------------------------------------------------------
case_ "report bugs, no --fail-on" report -d naive.db
case_ "report --fail-on bugs, bugs found" report -d naive.db --fail-on bugs
case_ "report --fail-on silent-corruption, found" report -d naive.db --format csv --fail-on silent-corruption
case_ "report --fail-on crashed,hang, none" report -d naive.db --fail-on crashed,hang
case_ "report --fail-on bugs, no bug" report -d atomic.db --fail-on bugs
case_ "report --fail-on unknown verdict" report -d naive.db --fail-on frob
case_ "report unknown format" report -d naive.db --format xml
case_ "report no database" report -d nothere.db
"$badio" report -d naive.db >/dev/full 2>/dev/null
echo "report output lost (/dev/full): $?" >>"$out"

# --- merge -------------------------------------------------------------------
case_ "merge no -o" merge naive.db
case_ "merge a missing shard" merge -o all.db nothere.db
case_ "merge ok" merge -q -o all.db naive.db
case_ "merge a shard of another recording" merge -q -o all.db atomic.db

if [ "${BADIO_UPDATE_GOLDEN:-0}" = 1 ]; then
	cp "$out" "$expected/exit-status.out"
	echo "updated $expected/exit-status.out"
	exit 0
fi
if ! diff -u "$expected/exit-status.out" "$out"; then
	echo "test_exit_status: exit statuses differ from exit-status.out"
	exit 1
fi
echo "test_exit_status: all passed"
