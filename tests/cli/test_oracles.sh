#!/bin/sh
# test_oracles.sh BADIO EXPECTED_DIR PROGS_DIR FIXTURES SQLITE3 PYTHON3:
# the oracle kept with each experiment (issue 12, items 1 and 2), the
# tables of sites and report (item 5), end to end.
#
#   - an explore with another oracle, or the same script changed, is
#     refused (exit 2, one line naming both and the fix); --redo judges
#     everything again, --reuse-verdicts keeps the old verdicts and
#     judges only the new pairs (exact counts);
#   - the report shows each oracle's verdicts (table, JSON, JUnit, SARIF);
#   - a database of schema 11 migrates: its meta 'oracle' becomes the
#     oracle of its experiments, and goes;
#   - --sites matching nothing: a warning naming it, exit 2; the summary
#     counts the selection, the database's totals on a second line;
#   - -o / --columns, the stack tree with call-site ids, and the
#     program's last output line per bug group.
# Exact texts are golden files (BADIO_UPDATE_GOLDEN=1 rewrites them).
set -u

badio=${1:?usage: test_oracles.sh BADIO EXPECTED PROGS FIXTURES SQLITE3 PYTHON3}
expected=${2:?}
progs=${3:?}
fixtures=${4:?}
sqlite3=${5:?}
python3=${6:?}

work=$(mktemp -d "${TMPDIR:-/tmp}/badio-oracles-XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
failures=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# run ARGS...: badio ARGS in $work, into $work/out, $work/err, $status
run() {
	(cd "$work" && "$badio" "$@") >"$work/out" 2>"$work/err" </dev/null
	status=$?
}

expect_status() {
	[ "$status" -eq "$1" ] || fail "badio $2: exit $status, want $1 (stderr: $(cat "$work/err"))"
}

q() {
	"$sqlite3" -readonly "$work/$1" "$2"
}

# golden NAME FILE: FILE equals $expected/NAME (the scratch directory as
# @WORK@, durations as N.Ns)
golden() {
	sed "s|$work|@WORK@|g; s|in [0-9]*\.[0-9]s)|in N.Ns)|" "$2" >"$work/golden.tmp"
	if [ "${BADIO_UPDATE_GOLDEN:-0}" = 1 ]; then
		cp "$work/golden.tmp" "$expected/$1"
		echo "updated $expected/$1"
	elif [ ! -f "$expected/$1" ]; then
		fail "golden file $expected/$1 is missing (BADIO_UPDATE_GOLDEN=1 creates it)"
	elif ! diff -u "$expected/$1" "$work/golden.tmp"; then
		fail "output differs from golden file $1"
	fi
}

one_line() {
	[ "$(wc -l <"$work/err" | tr -d ' ')" -eq 1 ] ||
		fail "$1: want one line on stderr, got: $(cat "$work/err")"
}

# the oracle: out.txt holds the line the program writes
cat >"$work/check.sh" <<'SH'
#!/bin/sh
test "$(cat out.txt 2>/dev/null)" = hello
SH
chmod +x "$work/check.sh"

# its stdout and stderr a pipe, as in explore's runs (not explored)
(cd "$work" && "$badio" record -q -o said.db -- "$progs/explore_said" 2>&1 |
	cat >/dev/null)
[ "$(q said.db "SELECT group_concat(syscall || ':' || kind, ' ') FROM \
	(SELECT * FROM sites ORDER BY seq)")" = \
	"openat:regular write:pipe write:regular write:pipe exit:other" ] ||
	fail "explore_said: $(q said.db 'SELECT * FROM sites')"

# --- the oracle is kept, another one refused --------------------------------

run explore --faults short,torn,eio,crash -q -d said.db -j 2 --oracle true --sites syscall=openat
expect_status 0 "explore --oracle true --sites syscall=openat"
[ "$(q said.db "SELECT group_concat(v, ' ') FROM (SELECT e.fault || ':' || \
	e.verdict || ':' || o.command AS v FROM experiments e JOIN oracles o ON \
	o.id = e.oracle_id ORDER BY e.fault)")" = \
	"crash:ok:true eio:reported:true" ] ||
	fail "experiments do not keep oracle 'true': $(q said.db 'SELECT * FROM experiments')"
[ "$(q said.db "SELECT count(*) FROM meta WHERE key = 'oracle'")" = 0 ] ||
	fail "meta 'oracle' is still written"

run explore --faults short,torn,eio,crash -d said.db -j 2 --oracle ./check.sh
expect_status 2 "explore with another oracle"
one_line "explore with another oracle"
golden oracle-refused.err "$work/err"
[ "$(q said.db 'SELECT count(*) FROM experiments')" = 2 ] ||
	fail "a refused explore changed the experiments"

run explore --faults short,torn,eio,crash -d said.db --oracle ./check.sh --redo --reuse-verdicts
expect_status 2 "explore --redo --reuse-verdicts"
one_line "explore --redo --reuse-verdicts"

# --redo: everything again with the new oracle (here the openat pairs)
run explore --faults short,torn,eio,crash -d said.db -j 2 --oracle ./check.sh --redo --sites syscall=openat
expect_status 0 "explore --redo"
grep -q "^badio: explored 2 experiments (2 run now, in [0-9.]*s): corruption 2; see" \
	"$work/err" || fail "explore --redo: $(cat "$work/err")"
[ "$(q said.db "SELECT count(*) FROM experiments e JOIN oracles o ON \
	o.id = e.oracle_id WHERE o.command = './check.sh' AND o.file = \
	'$work/check.sh' AND length(o.sha256) = 64")" = 2 ] ||
	fail "--redo: the experiments are not check.sh's: $(q said.db 'SELECT * FROM oracles')"

# back to 'true': refused, naming check.sh
run explore --faults short,torn,eio,crash -d said.db -j 2 --oracle true
expect_status 2 "explore with 'true' after check.sh"
golden oracle-refused-back.err "$work/err"

# --reuse-verdicts: the 2 verdicts of check.sh stay, the 4 write pairs
# are judged by true; the summary counts the selection and says there
# are two oracles
run explore --faults short,torn,eio,crash -d said.db -j 2 --oracle true --reuse-verdicts
expect_status 0 "explore --reuse-verdicts"
grep -v '^badio: explore: every run executes' "$work/err" >"$work/summary"
golden oracle-reuse.err "$work/summary"
[ "$(q said.db "SELECT group_concat(v, ' ') FROM (SELECT o.command || '=' || \
	n AS v FROM (SELECT oracle_id, count(*) AS n FROM experiments GROUP BY \
	oracle_id) JOIN oracles o ON o.id = oracle_id ORDER BY o.id)")" = \
	"true=4 ./check.sh=2" ] ||
	fail "--reuse-verdicts: $(q said.db 'SELECT oracle_id, verdict FROM experiments')"

# the selection's counts, then the database's
run explore --faults short,torn,eio,crash -d said.db -j 2 --oracle true --reuse-verdicts --sites syscall=write
expect_status 0 "explore --sites syscall=write"
grep -v '^badio: explore: every run executes' "$work/err" >"$work/summary"
golden oracle-selection.err "$work/summary"

# the report: the oracles, counts per oracle, groups naming theirs
run report -d said.db
expect_status 0 "report of two oracles"
golden oracle-report.out "$work/out"
run report -d said.db --all --columns site,fault,verdict,oracle,last_output
expect_status 0 "report --all --columns"
golden oracle-report-columns.out "$work/out"
run report -d said.db --format json
expect_status 0 "report --format json"
"$python3" - "$work/out" <<'PY' || fail "report JSON of two oracles"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["mixed_oracles"] is True, r["mixed_oracles"]
o = {x["command"]: x for x in r["oracles"]}
assert sorted(o) == ["./check.sh", "true"], o
assert o["true"]["experiments"] == 4 and o["./check.sh"]["experiments"] == 2
assert len(o["./check.sh"]["sha256"]) == 64 and o["true"]["sha256"] is None
assert {(b["fault"], b["oracle"]) for b in r["bugs"]} == \
    {("eio", "./check.sh"), ("crash", "./check.sh")}, r["bugs"]
PY
run report -d said.db --format junit
expect_status 0 "report --format junit"
grep -q '<property name="oracle.#1" value="true"/>' "$work/out" &&
	grep -q '<property name="oracle.#2" value="./check.sh"/>' "$work/out" &&
	grep -q '^eio: corruption; program exit:1; oracle exit 1 (judged by oracle #2)$' "$work/out" ||
	fail "junit of two oracles: $(grep -e oracle "$work/out")"
run report -d said.db --format sarif
expect_status 0 "report --format sarif"
"$python3" - "$work/out" <<'PY' || fail "sarif of two oracles"
import json, sys
run = json.load(open(sys.argv[1]))["runs"][0]
assert run["properties"]["oracle"] is None
assert [o["command"] for o in run["properties"]["oracles"]] == ["true", "./check.sh"]
assert {r["properties"]["oracle"] for r in run["results"]} == {"./check.sh"}
PY

run report -d said.db --format html
expect_status 0 "report --format html"
grep -q '"oracle":null,"oracles":\[{"id":1,"command":"true","sha256":null,"experiments":4},{"id":2,"command":"./check.sh","sha256":"[0-9a-f]\{64\}","experiments":2}\]' \
	"$work/out" || fail "html of two oracles: $(grep -o '"oracles":[^]]*' "$work/out")"

# the same command, its script changed: another oracle
echo '# changed' >>"$work/check.sh"
run explore --faults short,torn,eio,crash -d said.db -j 2 --oracle ./check.sh --sites syscall=openat
expect_status 2 "explore after check.sh changed"
golden oracle-changed.err "$work/err"

# --- the program's last output line -----------------------------------------

run explore --faults short,torn,eio,crash -q -d said.db -j 2 --oracle ./check.sh --redo
expect_status 0 "explore --redo with the changed check.sh"
[ "$(q said.db "SELECT group_concat(fault || '=' || coalesce(prog_last, 'NULL'), \
	' ') FROM (SELECT * FROM experiments WHERE site = 3 ORDER BY fault)")" = \
	"crash=100% eio=saved -1 bytes short=saved 3 bytes torn=saved -1 bytes" ] ||
	fail "prog_last: $(q said.db 'SELECT fault, prog_last FROM experiments')"
run report -d said.db
expect_status 0 "report with the last output lines"
golden oracle-last-output.out "$work/out"

# --- --sites matching nothing -----------------------------------------------

run explore --faults short,torn,eio,crash -d said.db --oracle ./check.sh --sites 'path=*.nothing'
expect_status 2 "explore --sites matching nothing"
one_line "explore --sites matching nothing"
golden sites-match-nothing.err "$work/err"

# report --sites: the selection's counts and groups, the database's line
run report -d said.db --sites syscall=openat --all
expect_status 0 "report --sites syscall=openat"
golden report-sites.out "$work/out"
run report -d said.db --sites syscall=openat --format csv
expect_status 0 "report --sites --format csv"
[ "$(cut -d, -f3,7,12 "$work/out" | tr '\n' ' ')" = \
	"syscall,fault,verdict openat,crash,corruption openat,eio,corruption " ] ||
	fail "report --sites --format csv: $(cat "$work/out")"
run report -d said.db --sites 'path=*.nothing'
expect_status 2 "report --sites matching nothing"
one_line "report --sites matching nothing"
golden report-sites-nothing.err "$work/err"
[ ! -s "$work/out" ] || fail "report --sites matching nothing printed: $(cat "$work/out")"
run report -d said.db --sites syscall=openat --format json
expect_status 2 "report --sites --format json"

# --- merge: shards judged by other oracles are refused ------------------------

cp "$work/said.db" "$work/sh.db"
run explore --faults short,torn,eio,crash -q -d sh.db --redo -j 2 --oracle true --shard 0/2
expect_status 0 "explore --shard 0/2 --oracle true"
run explore --faults short,torn,eio,crash -q -d sh.db -j 2 --oracle ./check.sh --redo --shard 1/2
expect_status 0 "explore --shard 1/2 --oracle ./check.sh --redo"
run merge -q -o all.db sh.shard-0-of-2.db sh.shard-1-of-2.db
expect_status 2 "merge of shards judged by two oracles"
one_line "merge of shards judged by two oracles"
golden merge-oracles.err "$work/err"
run explore --faults short,torn,eio,crash -q -d sh.db -j 2 --oracle true --redo --shard 1/2
expect_status 0 "explore --shard 1/2 --oracle true --redo"
rm -f "$work/all.db"
run merge -q -o all.db sh.shard-0-of-2.db sh.shard-1-of-2.db
expect_status 0 "merge of shards of one oracle"
[ "$(q all.db "SELECT count(*) || ' ' || count(DISTINCT e.oracle_id) || ' ' || \
	min(o.command) FROM experiments e JOIN oracles o ON o.id = e.oracle_id")" = \
	"6 1 true" ] || fail "merged: $(q all.db 'SELECT * FROM oracles')"

# --- tables: -o, the stack tree ---------------------------------------------

run sites -d said.db -o seq,syscall,path,result
expect_status 0 "sites -o"
golden sites-columns.out "$work/out"
# on a terminal (a pty of 24 columns): long cells wrap, none is cut
if command -v script >/dev/null 2>&1; then
	(cd "$work" && script -qec "stty cols 24; '$badio' sites -d said.db -o seq,path,key" \
		/dev/null) </dev/null | tr -d '\r' >"$work/tty.out"
	awk 'length($0) > 24 { bad = 1 } END { exit bad }' "$work/tty.out" ||
		fail "sites on a 24-column terminal: a line is wider: $(cat "$work/tty.out")"
	[ "$(wc -l <"$work/tty.out" | tr -d ' ')" -gt 5 ] ||
		fail "sites on a 24-column terminal did not wrap: $(cat "$work/tty.out")"
	"$python3" - "$work/tty.out" <<'PY' ||
import sys
lines = open(sys.argv[1]).read().splitlines()
key = lines[0].index("KEY")
# the first site's key, over the lines until the second site's row
rows = [i for i, l in enumerate(lines) if l[:3].strip().isdigit()]
cell = "".join(l[key:].strip() for l in lines[rows[0]:rows[1]])
assert cell == "namespace:out.txt:1", cell
PY
		fail "sites on a 24-column terminal lost text: $(cat "$work/tty.out")"
else
	fail "script(1) (util-linux) is missing: cannot test a terminal"
fi
run sites -d said.db -o +TID
expect_status 0 "sites -o +TID"
head -n 1 "$work/out" | grep -q '  KEY  *TID$' || fail "sites -o +TID: $(head -n 1 "$work/out")"
run sites -d said.db -o seq,nope
expect_status 2 "sites -o with an unknown column"
grep -q "unknown column 'nope' (columns: id, seq," "$work/err" || fail "sites -o nope: $(cat "$work/err")"
run report -d said.db --columns verdict
expect_status 2 "report --columns without --all"

run sites -d said.db --stacks
expect_status 0 "sites --stacks"
# each site: its row with its call-site id, then its frames as a tree
for id in 1 2 3 4; do
	cs=$(q said.db "SELECT printf('0x%016x', callsite) FROM sites WHERE id = $id")
	grep -q "^explore_said.c:[0-9]* main  *$id  .*  $cs\$" "$work/out" ||
		fail "sites --stacks: site $id lacks call site $cs: $(cat "$work/out")"
done
"$python3" - "$work/out" <<'PY' || fail "sites --stacks: not a tree: $(cat "$work/out")"
import sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
assert lines[0].startswith("STACK "), lines[0]
rows = [i for i, l in enumerate(lines) if l.startswith("explore_said.c:")]
assert len(rows) == 4, rows
# the program's end comes last, with no call site
assert lines[-1].startswith("? ") and " exit " in lines[-1], lines[-1]
for start, end in zip(rows, rows[1:] + [len(lines) - 1]):
    frames = lines[start + 1:end]
    assert len(frames) >= 2, frames
    assert all(f.startswith("\u251c\u2500#%d " % i) for i, f in enumerate(frames[:-1])), frames
    assert frames[-1].startswith("\u2514\u2500#%d " % (len(frames) - 1)), frames
    assert any(" main (explore_said.c:" in f for f in frames), frames
PY

# --- a schema 11 database migrates -------------------------------------------

cp "$fixtures/v11-oracle.sqlite" "$work/old.db"
[ "$(q old.db 'PRAGMA user_version')" = 11 ] || fail "the fixture is not schema 11"
run explore --faults short,torn,eio,crash -d old.db -j 2 --oracle 'test -s f.txt'
expect_status 0 "explore of a schema 11 database, same oracle"
grep -q "^badio: explored 6 experiments (0 run now" "$work/err" ||
	fail "schema 11, same oracle: $(cat "$work/err")"
[ "$(q old.db 'PRAGMA user_version')" = 17 ] || fail "not migrated to 17"
[ "$(q old.db "SELECT count(*) FROM meta WHERE key = 'oracle'")" = 0 ] ||
	fail "meta 'oracle' survived the migration"
[ "$(q old.db "SELECT group_concat(id || ':' || command || ':' || \
	coalesce(sha256, 'NULL'), ' ') FROM oracles")" = "1:test -s f.txt:NULL" ] ||
	fail "migrated oracles: $(q old.db 'SELECT * FROM oracles')"
[ "$(q old.db 'SELECT count(*) FROM experiments WHERE oracle_id = 1')" = 6 ] ||
	fail "migrated experiments lack their oracle"
run explore --faults short,torn,eio,crash -d old.db --oracle true
expect_status 2 "explore of the migrated database with another oracle"
golden oracle-refused-migrated.err "$work/err"
run report -d old.db
expect_status 0 "report of the migrated database"
head -n 1 "$work/out" | grep -qx 'oracle: test -s f.txt' ||
	fail "report of the migrated database: $(head -n 3 "$work/out")"

if [ "$failures" -ne 0 ]; then
	echo "test_oracles: $failures failure(s)"
	exit 1
fi
echo "test_oracles: ok"
