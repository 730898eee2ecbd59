#!/bin/sh
# test_cli.sh BADIO EXPECTED_DIR PROGS_DIR VERSION: black-box tests of the
# badio command line (help, version, usage errors, error messages).
#
# Behaviour is checked directly (exit codes, one-line messages, help
# identical however it is asked for); the exact text of the help pages
# and of the error messages is compared with the golden files in
# EXPECTED_DIR (diff -u).  After a deliberate change of a message, run
# with BADIO_UPDATE_GOLDEN=1 to rewrite the golden files, and review the
# diff like code.
set -u

badio=${1:?usage: test_cli.sh BADIO EXPECTED_DIR PROGS_DIR VERSION}
expected=${2:?}
progs=${3:?}
version=${4:?}

abs() {
	case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac
}
badio=$(abs "$badio")
expected=$(abs "$expected")
progs=$(abs "$progs")

work=$(mktemp -d "${TMPDIR:-/tmp}/badio-cli-XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
failures=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# run ARGS...: badio ARGS, in $work, into $work/out, $work/err, $status
run() {
	(cd "$work" && "$badio" "$@") >"$work/out" 2>"$work/err" </dev/null
	status=$?
}

nlines() {
	wc -l <"$1" | tr -d ' '
}

expect_status() {
	[ "$status" -eq "$1" ] || fail "badio $2: exit $status, want $1 (stderr: $(cat "$work/err"))"
}

# A usage error: exit 2 and one line on stderr that names the culprit.
expect_usage_error() {
	what=$1
	shift
	run "$@"
	expect_status 2 "$*"
	[ "$(nlines "$work/err")" -eq 1 ] ||
		fail "badio $*: want a one-line message, got: $(cat "$work/err")"
	grep -q "^badio: " "$work/err" ||
		fail "badio $*: message must start with 'badio: ': $(cat "$work/err")"
	grep -qF -- "$what" "$work/err" ||
		fail "badio $*: message must name '$what': $(cat "$work/err")"
}

# golden NAME FILE: FILE must equal $expected/NAME (with the scratch
# directory replaced by @WORK@).
golden() {
	sed "s|$work|@WORK@|g" "$2" >"$work/golden.tmp"
	if [ "${BADIO_UPDATE_GOLDEN:-0}" = 1 ]; then
		cp "$work/golden.tmp" "$expected/$1"
		echo "updated $expected/$1"
	elif [ ! -f "$expected/$1" ]; then
		fail "golden file $expected/$1 is missing (BADIO_UPDATE_GOLDEN=1 creates it)"
	elif ! diff -u "$expected/$1" "$work/golden.tmp"; then
		fail "output differs from golden file $1"
	fi
}

# --- version and help ---------------------------------------------------

run --version
expect_status 0 --version
grep -qF "$version" "$work/out" || fail "--version does not print $version"

run --help
expect_status 0 --help
grep -q '^usage: badio' "$work/out" || fail "--help: no 'usage: badio' line"
for cmd in record sites merge; do
	grep -qw "$cmd" "$work/out" || fail "--help does not list '$cmd'"
done
golden help.out "$work/out"

for cmd in record sites merge explore; do
	run help "$cmd"
	expect_status 0 "help $cmd"
	cp "$work/out" "$work/help-$cmd"
	grep -q "^usage: badio $cmd" "$work/out" ||
		fail "help $cmd: no 'usage: badio $cmd' line"
	run "$cmd" --help
	expect_status 0 "$cmd --help"
	cmp -s "$work/out" "$work/help-$cmd" ||
		fail "'badio $cmd --help' differs from 'badio help $cmd'"
	golden "help-$cmd.out" "$work/help-$cmd"
done

run help
expect_status 0 help
grep -q '^usage: badio' "$work/out" || fail "help: no usage line"

# --- usage errors: exit 2, one line -------------------------------------

expect_usage_error frobnicate frobnicate
expect_usage_error frobnicate help frobnicate
expect_usage_error --no-such-option --no-such-option
expect_usage_error --no-such-option record --no-such-option -- true
expect_usage_error xml sites --format xml
run merge x.db
expect_status 2 "merge without -o"
golden merge-no-output.err "$work/err"
run merge -o "$work/all.db"
expect_status 2 "merge without shards"
golden merge-no-shards.err "$work/err"
run merge -o "$work/all.db" "$work/no-such-shard.db"
expect_status 2 "merge of a missing shard"
[ ! -e "$work/all.db" ] || fail "merge of a missing shard made all.db"
golden merge-missing-shard.err "$work/err"
run record
expect_status 2 record
[ "$(nlines "$work/err")" -eq 1 ] ||
	fail "badio record: want a one-line message, got: $(cat "$work/err")"
golden record-no-prog.err "$work/err"

# --- runtime errors: non-zero, one line, golden text ----------------------

run record -o "$work/db" -- no-such-program-badio
[ "$status" -ne 0 ] || fail "record of a missing program succeeded"
[ ! -e "$work/db" ] || fail "record of a missing program left a database"
golden record-not-found.err "$work/err"

run record -o /nonexistent-badio-dir/x.db -- true
[ "$status" -ne 0 ] || fail "record into a missing directory succeeded"
golden record-bad-db.err "$work/err"

run record -o "$work/db" --init /nonexistent-badio-init -- true
[ "$status" -ne 0 ] || fail "record with a missing --init succeeded"
golden record-no-init.err "$work/err"

echo 'not a database' >"$work/notes.txt"
run sites -d "$work/notes.txt"
[ "$status" -ne 0 ] || fail "sites accepted a text file"
golden sites-not-db.err "$work/err"

# --- a recording, listed ----------------------------------------------------

run record -o "$work/db" -- "$progs/p_write" out.txt 2 3
expect_status 0 "record p_write"
run record -o "$work/db" -- "$progs/p_write" out.txt 2 3
[ "$status" -ne 0 ] || fail "record over an existing DB succeeded"
golden record-db-exists.err "$work/err"
# the temporary database of a record that was killed is removed by the
# next record of that database when its process is gone, kept if alive
sh -c 'exit 0' & dead=$!
wait $dead
echo junk >"$work/db2.tmp-$dead"
echo junk >"$work/db2.tmp-$dead-wal"
echo junk >"$work/db2.tmp-$$"
run record -o "$work/db2" -- "$progs/p_write" out.txt 2 3
expect_status 0 "record with stale temporary databases"
[ ! -e "$work/db2.tmp-$dead" ] && [ ! -e "$work/db2.tmp-$dead-wal" ] ||
	fail "record left the stale temporary database of a dead record"
[ -e "$work/db2.tmp-$$" ] || fail "record removed a live process's temporary database"
rm -f "$work/db2.tmp-$$"
run sites -d "$work/db" --format csv
expect_status 0 "sites --format csv"
[ "$(nlines "$work/out")" -eq 5 ] || fail "sites csv: want header + 3 rows and the end"
run sites -d "$work/db"
expect_status 0 "sites"
grep -q 'write:out.txt:2' "$work/out" || fail "sites table lacks the keys"

# --- record: where PROG ran ------------------------------------------------
# PROG runs in a fresh scratch directory; the summary names it, and when
# PROG fails, a second line says it started empty (or as a copy of
# --init) and points to --init.  Scratch names and times are masked.

# scratch NAME FILE: golden NAME of FILE, the scratch name and time
# masked (badio-record-PID.START.PIDNS-XXXXXX; kept: badio-record-kept-)
scratch() {
	sed 's|badio-record-kept-[A-Za-z0-9]\{6\}|badio-record-kept-XXXXXX|g;
	     s|badio-record-[0-9]*\.[0-9]*\.[0-9]*-[A-Za-z0-9]\{6\}|badio-record-XXXXXX|g;
	     s|([0-9.]*s)|(T)|' "$2" >"$work/masked"
	golden "$1" "$work/masked"
}
# the scratch directory named in $work/err
scratch_dir() {
	sed -n "s|.* in '\($work/badio-record-[^']*\)' into .*|\1|p" "$work/err"
}
echo 'input' >"$work/input.txt"
mkdir "$work/init"
cp "$work/input.txt" "$work/init/"
# BADIO_CLI_SECRET: a variable record leaves out whatever the caller's
# environment, so the summary's hint about --keep-env is always there
BADIO_CLI_SECRET=1 TMPDIR=$work LC_ALL=C run record -o "$work/cp.db" -- cp input.txt out.txt
expect_status 1 "record cp without --init"
scratch record-cp-empty.err "$work/err"
dir=$(scratch_dir)
[ -n "$dir" ] || fail "record summary does not name the scratch directory: $(cat "$work/err")"
[ -n "$dir" ] && [ -e "$dir" ] && fail "record left the scratch directory $dir"
BADIO_CLI_SECRET=1 TMPDIR=$work LC_ALL=C run record -f -o "$work/cp.db" --init "$work/init" -- cp missing.txt out.txt
expect_status 1 "record cp --init, a file missing"
scratch record-cp-init.err "$work/err"
# --reflink=never: cp then writes (2 sites) on every file system; by
# default it tries a reflink and copies with copy_file_range where there
# is none (4 sites on ext4, 2 on XFS)
TMPDIR=$work LC_ALL=C run record -f -o "$work/cp.db" --init "$work/init" --keep -- cp --reflink=never input.txt out.txt
expect_status 0 "record cp --init --keep"
scratch record-cp-keep.err "$work/err"
dir=$(scratch_dir)
if [ -z "$dir" ] || ! cmp -s "$dir/out.txt" "$work/input.txt"; then
	fail "record --keep: no out.txt in the kept directory '$dir'"
fi
grep -qF "kept the run directory '$dir'" "$work/err" ||
	fail "record --keep does not name the directory it kept: $(cat "$work/err")"

# --- inconclusive explorations (issue 8): said first, never "no bugs found" --
#
# explore_unreach writes extra.txt on its first run only: every fault
# there is unreached.  An oracle that cannot judge crashes (125) adds
# experiments the oracle did not judge.  explore_turns "change" writes
# more in its re-runs than recorded: experiments from there on diverged.

mkdir "$work/markers"
run record -o "$work/unreach.db" -- "$progs/explore_unreach" "$work/markers"
expect_status 0 "record explore_unreach"
run explore --faults short,torn,eio,crash -q -d "$work/unreach.db" --oracle true --sites path=extra.txt
expect_status 0 "explore (all unreached)"
grep 'inconclusive' "$work/err" >"$work/warn"
golden explore-unreached.err "$work/warn"
run report -d "$work/unreach.db"
expect_status 0 "report (all unreached)"
golden report-unreached.out "$work/out"
! grep -q 'no bugs found' "$work/out" ||
	fail "report of an all-unreached explore says 'no bugs found'"
run report -d "$work/unreach.db" --fail-on inconclusive
expect_status 1 "report --fail-on inconclusive"
run report -d "$work/unreach.db" --fail-on silent-corruption,corruption
expect_status 0 "report --fail-on silent-corruption,corruption"
run explore --faults short,torn,eio,crash -q -d "$work/unreach.db" --oracle true --sites path=extra.txt \
	--fail-on hang,inconclusive
expect_status 1 "explore --fail-on hang,inconclusive"
expect_usage_error "'bogus'" report -d "$work/unreach.db" --fail-on bogus
expect_usage_error "'bogus'" explore -d "$work/unreach.db" --oracle true \
	--fail-on inconclusive,bogus

run explore --faults short,torn,eio,crash -q -d "$work/unreach.db" --redo \
	--oracle 'test "$BADIO_FAULT" != crash || exit 125'
expect_status 0 "explore (unreached and not judged)"
grep 'inconclusive' "$work/err" >"$work/warn"
golden explore-mixed.err "$work/warn"
run report -d "$work/unreach.db" --format json
expect_status 0 "report --format json"
grep -qF '"inconclusive":{"experiments":14,"total":10,"unreached":8,"not_judged":2,"diverged":0}' \
	"$work/out" || fail "report json: inconclusive counts: $(cat "$work/out")"

run record -o "$work/turns.db" -- "$progs/explore_turns" "$work/markers/turns" change
expect_status 0 "record explore_turns"
run explore -q -d "$work/turns.db" --oracle true --sites path=shared.txt \
	--faults eio
expect_status 0 "explore (diverged)"
run report -d "$work/turns.db"
expect_status 0 "report (diverged)"
golden report-diverged.out "$work/out"

if [ "$failures" -ne 0 ]; then
	echo "test_cli: $failures failure(s)"
	exit 1
fi
echo "test_cli: all passed"
