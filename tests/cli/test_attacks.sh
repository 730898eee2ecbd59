#!/bin/sh
# test_attacks.sh BADIO EXPECTED_DIR PROGS_DIR PYTHON3 SQLITE3: the attack
# cases of issue 7 against the badio command line, as an attacker and an
# unlucky user would try them: crafted databases (a doctored argv, frame
# modules that are a FIFO or /dev/zero, a newer schema), hostile file
# names, an oracle's first word shadowed by a file, a full disk, a
# read-only mount, two explores of one database.
#
# Exact messages are compared with golden files in EXPECTED_DIR
# (attack-*.err; BADIO_UPDATE_GOLDEN=1 rewrites them).  The full-disk and
# read-only cases mount a tmpfs or a read-only bind mount in a private
# mount namespace (unshare -m as root, unshare -rm otherwise), so nothing
# is left mounted whatever happens.  Without namespaces they fail, unless
# BADIO_TEST_ALLOW_SKIP=1.
set -u

badio=${1:?usage: test_attacks.sh BADIO EXPECTED_DIR PROGS_DIR PYTHON3 SQLITE3}
expected=${2:?}
progs=${3:?}
python3=${4:?}
sqlite3=${5:?}

abs() {
	case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac
}
badio=$(abs "$badio")
expected=$(abs "$expected")
progs=$(abs "$progs")

work=$(mktemp -d "${TMPDIR:-/tmp}/badio-attacks-XXXXXX") || exit 2
bg_pid=
cleanup() {
	[ -n "$bg_pid" ] && kill -9 "$bg_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
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
	[ "$status" -eq "$1" ] || fail "$2: exit $status, want $1 (stderr: $(cat "$work/err"))"
}

now_ms() {
	date +%s%3N
}

# golden NAME FILE: FILE must equal $expected/NAME, with $work as @WORK@,
# pids as N and the latest schema version as LATEST.
golden() {
	sed -e "s|$work|@WORK@|g" -e 's/pid [0-9][0-9]*/pid N/g' \
		-e 's/schemas up to [0-9][0-9]*/schemas up to LATEST/' "$2" \
		>"$work/golden.tmp"
	if [ "${BADIO_UPDATE_GOLDEN:-0}" = 1 ]; then
		cp "$work/golden.tmp" "$expected/$1"
		echo "updated $expected/$1"
	elif [ ! -f "$expected/$1" ]; then
		fail "golden file $expected/$1 is missing (BADIO_UPDATE_GOLDEN=1 creates it)"
	elif ! diff -u "$expected/$1" "$work/golden.tmp"; then
		fail "output differs from golden file $1"
	fi
}

# in_mount_ns SCRIPT: run sh -c SCRIPT in a private mount namespace.
in_mount_ns() {
	if [ "$(id -u)" = 0 ]; then
		unshare -m --propagation private sh -c "$1"
	else
		unshare -rm --propagation private sh -c "$1"
	fi
}

mount_ns_works() {
	in_mount_ns "mount -t tmpfs tmpfs '$work/probe'" 2>/dev/null
}

# no_control_bytes FILE...: nothing but printable text and line ends.
no_control_bytes() {
	"$python3" - "$@" <<'EOF' || fail "control bytes in output: $*"
import sys
for name in sys.argv[1:]:
    data = open(name, "rb").read()
    text = data.decode("utf-8")          # strict: raises on bad bytes
    bad = [c for c in text if (ord(c) < 0x20 and c != "\n")
           or 0x7f <= ord(c) < 0xa0]
    if bad:
        print(f"{name}: {bad[:5]!r}")
        sys.exit(1)
EOF
}

sites_count() {
	"$sqlite3" -readonly "$1" 'SELECT count(*) FROM sites'
}

# --- 3. a database is a program ------------------------------------------
#
# record keeps only the variables a replay needs: a secret in the
# environment is neither stored nor seen by PROG, unless --keep-env.

AWS_SECRET_ACCESS_KEY=s3cr3t-badio GIT_TEST_BADIO=1 \
	run record -q -k -o "$work/env.db" -- /bin/sh -c \
	'echo "key=$AWS_SECRET_ACCESS_KEY git=$GIT_TEST_BADIO" > seen.txt'
expect_status 0 "record with a secret in the environment"
n=$("$sqlite3" -readonly "$work/env.db" "SELECT count(*) FROM recordings, \
	json_each(recordings.env) WHERE value LIKE '%s3cr3t-badio%' OR \
	value LIKE 'GIT_TEST_BADIO=%'")
[ "$n" = 0 ] || fail "record stored the secret (or GIT_*) in the database"
n=$("$sqlite3" -readonly "$work/env.db" "SELECT count(*) FROM recordings, \
	json_each(recordings.env) WHERE value LIKE 'PATH=%' OR \
	value LIKE 'HOME=%' OR value = 'PYTHONHASHSEED=0'")
[ "$n" = 3 ] || fail "record dropped PATH, HOME or PYTHONHASHSEED ($n of 3)"
dir=$(sed -n "s/^badio: kept the run directory '\(.*\)'$/\1/p" "$work/err")
[ "$(cat "$dir/seen.txt" 2>/dev/null)" = "key= git=" ] ||
	fail "PROG saw the secret when recorded: $(cat "$dir/seen.txt")"
rm -rf "$dir"

AWS_SECRET_ACCESS_KEY=s3cr3t-badio GIT_TEST_BADIO=1 \
	run record -q -o "$work/env2.db" --keep-env AWS_SECRET_ACCESS_KEY \
	--keep-env 'GIT_*' -- /bin/true
expect_status 0 "record --keep-env"
n=$("$sqlite3" -readonly "$work/env2.db" "SELECT count(*) FROM recordings, \
	json_each(recordings.env) WHERE value IN \
	('AWS_SECRET_ACCESS_KEY=s3cr3t-badio', 'GIT_TEST_BADIO=1')")
[ "$n" = 2 ] || fail "--keep-env NAME and 'GIT_*' kept $n of 2 variables"
AWS_SECRET_ACCESS_KEY=s3cr3t-badio run record -q -o "$work/env3.db" \
	--full-env -- /bin/true
n=$("$sqlite3" -readonly "$work/env3.db" "SELECT count(*) FROM recordings, \
	json_each(recordings.env) WHERE value = 'AWS_SECRET_ACCESS_KEY=s3cr3t-badio'")
[ "$n" = 1 ] || fail "--full-env did not keep the whole environment"
run record -q -o "$work/env4.db" --keep-env 'A=b' -- /bin/true
expect_status 2 "record --keep-env A=b"
golden attack-keep-env-bad.err "$work/err"

# explore says what it runs, before running it; -q does not
run record -q -o "$work/cmd.db" -- "$progs/p_write" out.txt 1 1
run explore --faults short,torn,eio,crash -d "$work/cmd.db" --oracle true -j 1
expect_status 0 "explore"
head -n 1 "$work/err" | grep -q "^badio: explore: every run executes: env -i .*PATH=[^ ]* .*$progs/p_write out.txt 1 1\$" ||
	fail "explore does not print the command first: $(head -n 1 "$work/err")"
grep -q 's3cr3t' "$work/err" && fail "explore printed a secret"
# a doctored argv is shown as it is, quoted, control bytes escaped
"$sqlite3" "$work/cmd.db" "UPDATE recordings SET argv = json_array('evil', \
	'o' || char(10) || char(27) || '[31m', 'a b', 'it''s')"
run explore --faults short,torn,eio,crash -d "$work/cmd.db" --oracle true -j 1 --redo
grep -qF " $progs/p_write \$'o\\n\\x1b[31m' 'a b' 'it'\\''s' (as argv[0] evil)" "$work/err" ||
	fail "explore does not show the doctored argv: $(head -n 1 "$work/err")"
no_control_bytes "$work/err"
run explore --faults short,torn,eio,crash -q -d "$work/cmd.db" --oracle true -j 1 --redo
grep -q 'every run executes' "$work/err" && fail "explore -q printed the command"

# --- 5. the oracle's first word ------------------------------------------
#
# A file named like a builtin or a PATH command in the current directory
# is never run: only a first word with a slash names a file.

mkdir "$work/hij"
printf '#!/bin/sh\ntouch "%s/hijacked"\nexit 0\n' "$work" >"$work/hij/test"
cp "$work/hij/test" "$work/hij/check.sh"
chmod +x "$work/hij/test" "$work/hij/check.sh"
run record -q -o "$work/hij/h.db" -- "$progs/p_write" out.txt 1 1
(cd "$work/hij" && "$badio" explore -q -d h.db --oracle 'test -s out.txt' \
	-j 1 --faults eio) >"$work/out" 2>"$work/err"
status=$?
expect_status 0 "explore --oracle 'test -s out.txt'"
[ -e "$work/hijacked" ] && fail "--oracle 'test ...' ran ./test"
n=$("$sqlite3" -readonly "$work/hij/h.db" "SELECT group_concat(verdict) FROM \
	(SELECT verdict FROM verdicts ORDER BY seq)")
[ "$n" = "corruption,corruption" ] ||
	fail "verdicts of 'test -s out.txt': $n, want corruption,corruption"
(cd "$work/hij" && "$badio" explore --faults short,torn,eio,crash -q -d h.db --oracle 'check.sh' -j 1) \
	>"$work/out" 2>"$work/err"
status=$?
expect_status 2 "explore --oracle check.sh (a file here, no slash)"
golden attack-oracle-bare.err "$work/err"
[ -e "$work/hijacked" ] && fail "--oracle check.sh ran ./check.sh"

# --- 6. frame modules that are not files -----------------------------------
#
# A crafted database names a FIFO, /dev/zero, a directory, a missing
# file, a huge file and a stripped binary whose debug file is a FIFO:
# reports finish at once and show those frames unsymbolized.

run record -q -o "$work/mods.db" -- "$progs/p_write" out.txt 2 3
run explore -q -d "$work/mods.db" -j 1 --faults eio \
	--oracle 'test "$BADIO_FAULT" = none'
expect_status 0 "explore for the module cases"
mkfifo "$work/fifo"
mkdir "$work/adir" "$work/strip"
truncate -s 5G "$work/huge"
cp "$progs/p_write" "$work/strip/p_write"
strip --strip-debug "$work/strip/p_write"
mkfifo "$work/strip/p_write.debug"
cp "$work/mods.db" "$work/strip.db"
"$sqlite3" "$work/mods.db" "UPDATE callsite_frames SET module = CASE depth % 5 \
	WHEN 0 THEN '$work/fifo' WHEN 1 THEN '/dev/zero' \
	WHEN 2 THEN '$work/adir' WHEN 3 THEN '$work/nonexistent' \
	ELSE '$work/huge' END"
"$sqlite3" "$work/strip.db" "UPDATE callsite_frames SET \
	module = '$work/strip/p_write' WHERE module = '$progs/p_write'"
for args in "sites --stacks" "sites --stacks --format csv" \
	"sites --stacks --format json" "report" "report --all" \
	"report --format csv --all" "report --format json --all"; do
	t0=$(now_ms)
	# shellcheck disable=SC2086
	(cd "$work" && timeout 20 "$badio" $args -d mods.db) \
		>"$work/out" 2>"$work/err" </dev/null
	status=$?
	t1=$(now_ms)
	expect_status 0 "$args on a database whose frames name a FIFO"
	[ $((t1 - t0)) -lt 5000 ] || fail "$args took $((t1 - t0)) ms"
done
(cd "$work" && timeout 20 "$badio" sites --stacks -d mods.db) \
	>"$work/out" 2>"$work/err" </dev/null
for m in fifo zero adir nonexistent huge; do
	grep -q "#[0-9] $m+0x[0-9a-f]*\$" "$work/out" ||
		fail "sites --stacks does not show the $m frame unsymbolized"
done
(cd "$work" && timeout 20 "$badio" sites --stacks -d strip.db) \
	>"$work/out" 2>"$work/err" </dev/null
status=$?
expect_status 0 "sites --stacks, the program's debug file a FIFO"
grep -q "#[0-9] main (p_write)\$" "$work/out" ||
	fail "the stripped module (debug file a FIFO) lost its symbol table: $(cat "$work/out")"

# lengths read from a database are bounded: 1000 frames show as 256, a
# path of 1 MB as 64 KiB in a table (in JSON it stays whole)
cp "$work/strip.db" "$work/long.db"
"$sqlite3" "$work/long.db" "WITH RECURSIVE n(i) AS (SELECT 5 UNION ALL \
	SELECT i + 1 FROM n WHERE i < 999) INSERT INTO callsite_frames \
	SELECT (SELECT callsite FROM sites WHERE id = 2), i, '/none', i FROM n; \
	UPDATE sites SET path = printf('%.*c', 1000000, 'x') || CAST(x'ff' AS TEXT) \
	WHERE id = 2"
(cd "$work" && timeout 20 "$badio" sites --stacks -d long.db) \
	>"$work/out" 2>"$work/err" </dev/null
status=$?
expect_status 0 "sites --stacks of 1000 frames and a 1 MB path"
grep -q '#255 none+0x' "$work/out" || fail "sites --stacks: frame #255 missing"
grep -q '#256 ' "$work/out" && fail "sites --stacks showed more than 256 frames"
n=$(wc -c <"$work/out")
[ "$n" -lt 200000 ] || fail "sites: a 1 MB path made $n bytes of table"
(cd "$work" && timeout 20 "$badio" sites --format json -d long.db) \
	>"$work/out" 2>"$work/err" </dev/null
status=$?
expect_status 0 "sites --format json with a 1 MB path"
"$python3" -c 'import json, sys
rows = json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))
assert rows[1]["path"] == "x" * 1000000 + "\ufffd"
assert bytes.fromhex(rows[1]["path_hex"]) == b"x" * 1000000 + b"\xff"' \
	"$work/out" || fail "sites --format json of a 1 MB path"

# --- 7. file names that are not text ----------------------------------------

run record -q -o "$work/odd.db" -- "$progs/t_oddnames"
expect_status 0 "record t_oddnames"
run explore -q -d "$work/odd.db" -j 1 --faults eio \
	--oracle 'test "$BADIO_FAULT" = none'
expect_status 0 "explore t_oddnames"
i=0
for args in "sites --format json" "sites --stacks --format json" \
	"report --format json" "report --format json --all"; do
	i=$((i + 1))
	# shellcheck disable=SC2086
	run $args -d "$work/odd.db"
	expect_status 0 "$args"
	cp "$work/out" "$work/odd$i.json"
done
"$python3" - "$work"/odd1.json "$work"/odd2.json "$work"/odd3.json \
	"$work"/odd4.json <<'EOF' || fail "JSON of odd names"
import json, sys
docs = [json.loads(open(n, "rb").read().decode("utf-8")) for n in sys.argv[1:]]
sites, stacks, report, report_all = docs
want = {"bad\ufffd\ufffd.txt": b"bad\xff\xfe.txt", "new\nline.txt": None,
        "esc\x1b[31mred\x1b[0m.txt": None, "tab\tand\\back.txt": None,
        "quote\"and,comma.txt": None, "csi\x9b2J.txt": None,
        "caf\u00e9.txt": None}
for rows in (sites, stacks):
    # 14 file sites and the program's end
    assert len(rows) == 15 and rows[-1]["path"] == "<end>", len(rows)
    rows = rows[:-1]
    paths = {}
    for r in rows:
        paths[r["path"]] = r.get("path_hex")
        if r.get("path_hex"):
            raw = bytes.fromhex(r["path_hex"])
            assert raw == want[r["path"]], raw
            assert bytes.fromhex(r["key_hex"]) == \
                r["key"].split(":")[0].encode() + b":" + raw + b":1"
        else:
            assert "key_hex" not in r
    assert set(paths) == set(want), sorted(paths)
    assert all((paths[p] is None) == (want[p] is None) for p in want)
bugs = report["bugs"]              # eio at each open and each write
assert len(bugs) == 14 and all(b["fault"] == "eio" for b in bugs), bugs
bad = [b for b in bugs if "path_hex" in b]
assert len(bad) == 2, bad
assert all(bytes.fromhex(b["path_hex"]) == b"bad\xff\xfe.txt" for b in bad)
groups = [g for g in report["groups"] if "path_hex" in g]
assert len(groups) == 2, report["groups"]
assert len(report_all["experiments"]) == 14
EOF
# the HTML report's embedded data: valid UTF-8 JSON, every odd name in it
run report --format html -d "$work/odd.db" -o "$work/odd.html"
expect_status 0 "report --format html"
"$python3" - "$work/odd.html" <<'EOF' || fail "HTML report of odd names"
import json, re, sys
page = open(sys.argv[1], "rb").read().decode("utf-8")
m = re.search(r'<script type="application/json" id="badio-data">(.*?)</script>',
              page, re.S)
data = json.loads(m.group(1))
names = set(data["strings"])
for want in ("bad\ufffd\ufffd.txt", "new\nline.txt", "esc\x1b[31mred\x1b[0m.txt",
             "caf\u00e9.txt", "quote\"and,comma.txt"):
    assert want in names, (want, sorted(names))
EOF
run sites -d "$work/odd.db"
cp "$work/out" "$work/odd-sites.txt"
run sites --stacks -d "$work/odd.db"
cp "$work/out" "$work/odd-stacks.txt"
run report --all -d "$work/odd.db"
cp "$work/out" "$work/odd-report.txt"
run sites --format csv -d "$work/odd.db"
cp "$work/out" "$work/odd-sites.csv"
run report --format csv --all -d "$work/odd.db"
cp "$work/out" "$work/odd-report.csv"
no_control_bytes "$work/odd-sites.txt" "$work/odd-stacks.txt" \
	"$work/odd-report.txt" "$work/odd-sites.csv" "$work/odd-report.csv"
grep -qF 'bad\xff\xfe.txt' "$work/odd-sites.txt" ||
	fail "the table does not escape bytes that are not UTF-8"
grep -qF 'esc\x1b[31mred\x1b[0m.txt' "$work/odd-report.txt" ||
	fail "the report does not escape a terminal escape sequence"
"$python3" - "$work/odd-sites.csv" "$work/odd-report.csv" <<'EOF' ||
import csv, sys
sites = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
assert len(sites) == 16 and all(len(r) == len(sites[0]) for r in sites), sites
col = sites[0].index("path")
assert sites[-1][col] == "<end>", sites[-1]
paths = {r[col] for r in sites[1:-1]}
assert paths == {"bad\\xff\\xfe.txt", "new\\nline.txt",
                 "esc\\x1b[31mred\\x1b[0m.txt", "tab\\tand\\\\back.txt",
                 "quote\"and,comma.txt", "csi\\xc2\\x9b2J.txt",
                 "caf\u00e9.txt"}, paths
report = list(csv.reader(open(sys.argv[2], newline="", encoding="utf-8")))
assert len(report) == 15 and all(len(r) == len(report[0]) for r in report), report
assert {r[report[0].index("path")] for r in report[1:]} == paths
EOF
	fail "CSV of odd names"

# --- 9. errors that name the cause ------------------------------------------

# a database from a newer badio
run record -q -o "$work/new.db" -- "$progs/p_write" out.txt 2 3
"$sqlite3" "$work/new.db" 'PRAGMA user_version = 99'
sum=$(cksum <"$work/new.db")
for cmd in sites report; do
	run "$cmd" -d "$work/new.db"
	expect_status 2 "$cmd of a newer database"
	golden "attack-newer-$cmd.err" "$work/err"
done
run explore --faults short,torn,eio,crash -d "$work/new.db" --oracle true
expect_status 2 "explore of a newer database"
golden attack-newer-explore.err "$work/err"
[ "$(cksum <"$work/new.db")" = "$sum" ] || fail "the newer database was changed"

mkdir "$work/probe" "$work/full" "$work/ro" "$work/ro2"
if mount_ns_works; then
	# a full disk: the first error is named, and no database is left
	# (20000 sites: the first commit comes while sites are inserted;
	# the rows after it failed for FOREIGN KEY and hid the cause)
	in_mount_ns "mount -t tmpfs -o size=256k tmpfs '$work/full' &&
		cd '$work' && '$badio' record -q -o full/x.db -- \
		'$progs/p_write' out.txt 20000 3 2>full.err; echo \$? >full.st;
		ls -A full >full.ls" </dev/null
	[ "$(cat "$work/full.st")" = 3 ] ||
		fail "record on a full disk: exit $(cat "$work/full.st"), want 3"
	golden attack-full-disk.err "$work/full.err"
	[ -s "$work/full.ls" ] && fail "record on a full disk left: $(cat "$work/full.ls")"
	# --force over a database on a full disk leaves it as it was (here
	# the last commit fails)
	in_mount_ns "mount -t tmpfs -o size=512k tmpfs '$work/full' &&
		cd '$work' && '$badio' record -q -o full/x.db -- \
		'$progs/p_write' out.txt 2 3 &&
		head -c 200000 /dev/zero >full/filler;
		'$badio' record -q -f -o full/x.db -- \
		'$progs/p_write' out.txt 3000 3 2>full.err; echo \$? >full.st;
		'$sqlite3' full/x.db 'PRAGMA integrity_check; \
		SELECT count(*) FROM sites' >full.check; ls -A full >full.ls" \
		</dev/null
	[ "$(cat "$work/full.st")" = 3 ] ||
		fail "record --force on a full disk: exit $(cat "$work/full.st"), want 3"
	golden attack-full-disk-force.err "$work/full.err"
	[ "$(tr '\n' ' ' <"$work/full.check")" = "ok 4 " ] ||
		fail "the database under --force changed: $(cat "$work/full.check")"
	[ "$(tr '\n' ' ' <"$work/full.ls")" = "filler x.db " ] ||
		fail "record --force on a full disk left: $(cat "$work/full.ls")"

	# a read-only mount: report and sites work, explore says why not
	run record -q -o "$work/ro/r.db" -- "$progs/p_write" out.txt 2 3
	run explore -q -d "$work/ro/r.db" -j 1 --faults eio \
		--oracle 'test "$BADIO_FAULT" = none'
	run report --all -d "$work/ro/r.db"
	cp "$work/out" "$work/ro.want"
	# as copied onto read-only media: no -shm (the reader left one)
	rm -f "$work/ro/r.db-wal" "$work/ro/r.db-shm"
	in_mount_ns "mount --bind '$work/ro' '$work/ro' &&
		mount -o remount,bind,ro '$work/ro' && cd '$work' &&
		{ '$badio' report --all -d ro/r.db >ro.report 2>&1; echo \$?;
		'$badio' sites -d ro/r.db >ro.sites 2>&1; echo \$?;
		'$badio' explore -d ro/r.db --oracle true 2>ro.explore; echo \$?;
		} >ro.st; ls -A ro >ro.ls" </dev/null
	[ "$(tr '\n' ' ' <"$work/ro.st")" = "0 0 2 " ] ||
		fail "report, sites, explore on a read-only mount: exit $(tr '\n' ' ' <"$work/ro.st"), want 0 0 2"
	cmp -s "$work/ro.report" "$work/ro.want" ||
		fail "report on a read-only mount differs: $(cat "$work/ro.report")"
	grep -q 'write:out.txt:2' "$work/ro.sites" ||
		fail "sites on a read-only mount: $(cat "$work/ro.sites")"
	golden attack-read-only-explore.err "$work/ro.explore"
	[ "$(cat "$work/ro.ls")" = "r.db" ] || fail "read-only: $(cat "$work/ro.ls")"

	# ... unless the database has commits still in its -wal
	"$python3" - "$work/ro/r.db" "$work/ro2" <<'EOF'
import shutil, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("INSERT INTO meta (key, value) VALUES ('wal', 'pending')")
c.commit()
shutil.copy(sys.argv[1], sys.argv[2])
shutil.copy(sys.argv[1] + "-wal", sys.argv[2])
c.close()
EOF
	in_mount_ns "mount --bind '$work/ro2' '$work/ro2' &&
		mount -o remount,bind,ro '$work/ro2' && cd '$work' &&
		'$badio' report -d ro2/r.db >/dev/null 2>ro2.err; echo \$? >ro2.st" \
		</dev/null
	[ "$(cat "$work/ro2.st")" = 2 ] ||
		fail "report of a read-only database with a pending -wal: exit $(cat "$work/ro2.st")"
	golden attack-read-only-wal.err "$work/ro2.err"
elif [ "${BADIO_TEST_ALLOW_SKIP:-0}" = 1 ]; then
	echo "SKIP: full disk and read-only mount (no mount namespace)"
else
	fail "cannot make a mount namespace (unshare -m): the full-disk and read-only cases need one (BADIO_TEST_ALLOW_SKIP=1 skips them)"
fi

# --- 10. one explore per database ---------------------------------------------

run record -q -o "$work/lock.db" -- "$progs/p_write" out.txt 10 3
(cd "$work" && exec "$badio" explore --faults short,torn,eio,crash -q -d lock.db -j 1 --oracle 'sleep 0.1') \
	>/dev/null 2>"$work/first.err" </dev/null &
bg_pid=$!
n=0
for _ in $(seq 100); do
	n=$("$sqlite3" -readonly "$work/lock.db" \
		'SELECT count(*) FROM experiments' 2>/dev/null)
	[ "${n:-0}" -ge 1 ] && break
	sleep 0.1
done
[ "${n:-0}" -ge 1 ] || fail "the first explore stored nothing in 10 s"
t0=$(now_ms)
run explore --faults short,torn,eio,crash -d "$work/lock.db" --oracle true
t1=$(now_ms)
expect_status 2 "a second explore of the same database"
[ $((t1 - t0)) -lt 3000 ] || fail "the second explore took $((t1 - t0)) ms to refuse"
golden attack-explore-busy.err "$work/err"
grep -q "pid $bg_pid" "$work/err" || fail "the message does not name pid $bg_pid"
run record -q -f -o "$work/lock.db" -- /bin/true
expect_status 2 "record --force onto a database being explored"
golden attack-record-busy.err "$work/err"
[ "$(sites_count "$work/lock.db")" = 12 ] || fail "record --force replaced it"
# kill -9: the lock dies with the explore, a new one resumes
kill -9 "$bg_pid"
wait "$bg_pid" 2>/dev/null
bg_pid=
done1=$("$sqlite3" -readonly "$work/lock.db" 'SELECT count(*) FROM experiments')
total=42			# openat: eio, crash; 10 writes: short, torn, eio, crash
# the same oracle: another would be refused (the experiments keep theirs)
run explore --faults short,torn,eio,crash -d "$work/lock.db" -j 2 --oracle 'sleep 0.1'
expect_status 0 "explore after kill -9 of the first"
grep -q "^badio: explored $total experiments ($((total - done1)) run now" "$work/err" ||
	fail "explore after kill -9 did not resume ($done1 done before): $(cat "$work/err")"
n=$("$sqlite3" -readonly "$work/lock.db" 'SELECT count(*) FROM experiments')
[ "$n" = "$total" ] || fail "after resuming: $n experiments, want $total"

if [ "$failures" -ne 0 ]; then
	echo "test_attacks: $failures failure(s)"
	exit 1
fi
echo "test_attacks: all passed"
