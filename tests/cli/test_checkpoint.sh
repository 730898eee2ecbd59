#!/bin/sh
# test_checkpoint.sh BADIO PROGS_DIR SQLITE3: checkpointed experiments
# (BADIO_CHECKPOINT=1, explorer/ckpt.c, docs/design.md "Checkpointing").
#
#   - the experiment rows (everything but ids, times and durations) of
#     explores of single-threaded programs are the same with and without
#     it, and the experiments were forked (the summary's count): savers,
#     loggers, a program that goes on after its failed write (its
#     child's writes at the shared offset must not move the driver's),
#     one that renames and unlinks (a child's must not be seen by the
#     driver or the experiments after it), one that reads its stdin;
#   - the fallbacks: a program with threads, one that forks, one with a
#     shared mapping: nothing forked where it cannot be exact, the rows
#     still the same (re-runs made them);
#   - nothing left behind: no process of the explore, no scratch
#     directory, also after a Ctrl-C in the middle.
set -u

badio=${1:?usage: test_checkpoint.sh BADIO PROGS SQLITE3}
progs=${2:?}
sqlite3=${3:?}

work=$(mktemp -d "${TMPDIR:-/tmp}/badio-ckpt-XXXXXX") || exit 2
scratch=$work/tmp
mkdir "$scratch" || exit 2
trap 'rm -rf "$work"' EXIT
failures=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# The oracle: what the run directory holds, names, sizes and bytes; exit 0
# when a file named like the program's output has its last line.
cat >"$work/oracle.sh" <<'ORACLE'
#!/bin/sh
for f in $(ls -A | sort); do
	if [ -f "$f" ]; then
		printf '%s %s %s\n' "$f" "$(wc -c <"$f")" "$(cksum <"$f")"
	else
		printf '%s dir\n' "$f"
	fi
done
cat "$BADIO_STDOUT" | cksum
[ -n "$(ls -A)" ]
ORACLE
chmod +x "$work/oracle.sh"

Q="select s.seq, s.path, s.ordinal, e.fault, e.injected, e.fault_bytes, e.status,
  e.oracle_exit, e.verdict, e.prog_tail, e.oracle_tail, e.diverged,
  e.divergence, e.divergence_kind, e.prog_last, e.state, e.last_sync,
  e.unsynced from experiments e join sites s on s.id = e.site
  order by s.seq, e.fault, e.state"

# Fallback programs have threads or processes whose interleaving two
# explores need not repeat: their rows are compared without the outputs
# and the divergence texts.
QF="select s.seq, s.path, s.ordinal, e.fault, e.injected, e.fault_bytes
  from experiments e join sites s on s.id = e.site
  order by s.seq, e.fault, e.state"

# same NAME FAULTS WANT PROG ARGS...: record, explore with and without
# checkpoints, compare; WANT: "forked" (every experiment forked),
# "fallback" (none forked), "partial" (some), "fewer" (not all); a
# fallback must name $fallback_why
same() {
	name=$1 faults=$2 want=$3
	shift 3
	d=$work/$name
	mkdir "$d" || return
	(cd "$d" && TMPDIR=$scratch "$badio" record -o r.db -- "$@" \
	    >/dev/null 2>"$d/rec.err" </dev/null)
	[ -f "$d/r.db" ] || {
		fail "$name: record: $(tail -1 "$d/rec.err")"
		return
	}
	cp "$d/r.db" "$d/a.db" && cp "$d/r.db" "$d/b.db"
	(cd "$d" && TMPDIR=$scratch "$badio" explore -d a.db -j 2 \
	    --faults "$faults" --oracle "$work/oracle.sh" >/dev/null \
	    2>"$d/a.err" </dev/null)
	(cd "$d" && TMPDIR=$scratch BADIO_CHECKPOINT=1 "$badio" explore \
	    -d b.db -j 2 --faults "$faults" --oracle "$work/oracle.sh" \
	    >/dev/null 2>"$d/b.err" </dev/null)
	q=$Q
	[ "$want" != forked ] && q=$QF
	"$sqlite3" "$d/a.db" "$q" >"$d/a.rows"
	"$sqlite3" "$d/b.db" "$q" >"$d/b.rows"
	n=$("$sqlite3" "$d/a.db" "select count(*) from experiments")
	[ "$n" -gt 0 ] || fail "$name: no experiments ($(tail -1 "$d/a.err"))"
	cmp -s "$d/a.rows" "$d/b.rows" ||
		fail "$name: rows differ: $(diff "$d/a.rows" "$d/b.rows" | head -5)"
	line=$(grep '^badio: checkpoint:' "$d/b.err")
	forked=$(echo "$line" | sed -n 's/^badio: checkpoint: \([0-9]*\) .*/\1/p')
	case $want in
	forked)
		[ "$forked" = "$n" ] ||
			fail "$name: $n experiments, forked: '$line'" ;;
	fallback)
		[ "$forked" = 0 ] ||
			fail "$name: a fallback wanted, forked: '$line'" ;;
	fewer)
		[ "$forked" -lt "$n" ] ||
			fail "$name: $n experiments, not all forked wanted: '$line'" ;;
	partial)
		[ "$forked" -gt 0 ] && [ "$forked" -lt "$n" ] ||
			fail "$name: $n experiments, some forked wanted: '$line'" ;;
	esac
	case $want in
	fallback|partial|fewer)
		echo "$line" | grep -q "($fallback_why" ||
			fail "$name: fallback not for '$fallback_why': '$line'" ;;
	esac
}

same atomic short,torn,eio,enospc,crash forked "$progs/explore_atomic"
same naive short,eio,crash forked "$progs/explore_naive"
same many eio,crash forked "$progs/explore_many"
same said short,eio,crash forked "$progs/explore_said"
same rotate eio,crash forked "$progs/f_rotate"
same retry eio,enospc forked "$progs/f_retry"
same close eio,crash forked "$progs/f_close"
same vec short,torn,eio forked "$progs/p_vec"
same html eio,crash forked "$progs/html_saver"
same goon eio,enospc+,eio+ forked "$progs/ck_lines" 40
same renames eio,crash forked "$progs/ck_names"
# fallbacks: everything, or the sites from where it cannot be exact on
fallback_why="more than one traced thread or process\|the run diverged"
same threads eio,crash fallback "$progs/explore_threads"
# (the sites before its fork may or may not come before the child's: when
# the child's come first, the driver's order is not the recording's)
fallback_why="more than one traced thread or process\|the run diverged"
same fork eio,crash fewer "$progs/explore_fork"
fallback_why="a shared mapping of a file"
same mmap eio,crash,short partial "$progs/p_mmap"
fallback_why="an open file without a name"
same tmpfile eio,crash,short partial "$progs/p_names"
fallback_why="a file lock"
same lock eio,crash partial "$progs/ck_lock"

# the stdin a child reads is its own: the driver's offset does not move
d=$work/stdin
mkdir "$d"
printf 'one\ntwo\nthree\n' >"$d/in.txt"
(cd "$d" && TMPDIR=$scratch "$badio" record -o r.db -- \
    "$progs/explore_stdin" <"$d/in.txt" >/dev/null 2>&1)
cp "$d/r.db" "$d/a.db"; cp "$d/r.db" "$d/b.db"
(cd "$d" && TMPDIR=$scratch "$badio" explore -d a.db --faults eio,crash \
    --oracle "$work/oracle.sh" >/dev/null 2>&1 </dev/null)
(cd "$d" && TMPDIR=$scratch BADIO_CHECKPOINT=1 "$badio" explore -d b.db \
    --faults eio,crash --oracle "$work/oracle.sh" >/dev/null 2>"$d/b.err" \
    </dev/null)
"$sqlite3" "$d/a.db" "$Q" >"$d/a.rows"
"$sqlite3" "$d/b.db" "$Q" >"$d/b.rows"
cmp -s "$d/a.rows" "$d/b.rows" || fail "stdin: rows differ"
grep -q '^badio: checkpoint: [1-9]' "$d/b.err" || fail "stdin: nothing forked"

# nothing left: no scratch directory, no process
left=$(ls -A "$scratch")
[ -z "$left" ] || fail "scratch left behind: $left"

# Ctrl-C in the middle of a long checkpointed explore
d=$work/int
mkdir "$d"
(cd "$d" && TMPDIR=$scratch "$badio" record -o r.db -- "$progs/ck_lines" 3000 \
    >/dev/null 2>&1)
(cd "$d" && TMPDIR=$scratch BADIO_CHECKPOINT=1 exec "$badio" explore \
    -d r.db --faults eio --oracle true >/dev/null 2>&1 </dev/null) &
pid=$!
sleep 2
kill -INT $pid
wait $pid
st=$?
[ $st -ne 0 ] || fail "interrupted explore exited 0"
sleep 1
left=$(ls -A "$scratch")
[ -z "$left" ] || fail "scratch left behind after Ctrl-C: $left"
if pgrep -f "$progs/sites_n 3000" >/dev/null; then
	fail "a process of the program is left after Ctrl-C"
fi

[ $failures -eq 0 ] && echo "checkpoint: all passed"
exit $((failures != 0))
