#!/bin/sh
# test_report_rows.sh BADIO PROGS_DIR SQLITE3: `badio report` with its
# rows read from the tables (store/exp_rows.c, the JSON made in C)
# prints byte for byte what the views verdicts and bugs and SQLite's
# JSON print (BADIO_REPORT_VIEW=1, the report as it was), in every
# format and option, on real explorations (bugs and oracle errors, crash
# states of power experiments, pairs left out by --per-callsite) and on
# crafted files: verdicts mixed by SQL on hostile file names (not UTF-8)
# over two oracles and one unknown, diverged and reordered runs, ids
# strings lacks, a text or a real where an integer goes, an experiment of
# no site, a NUL inside a text, sites out of id order (the views' order
# then) and shifted seqs, and more experiments than a table chunk holds.
# (Every comparison was also made against the badio before the change.)
set -u

badio=${1:?usage: test_report_rows.sh BADIO PROGS_DIR SQLITE3}
progs=${2:?}
sqlite3=${3:?}

work=$(mktemp -d "${TMPDIR:-/tmp}/badio-report-rows-XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2
failures=0
compared=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# same DB ARGS...: the output and exit status of both ways agree
same() {
	db=$1
	shift
	"$badio" report -d "$db" "$@" >new.out 2>new.err
	new=$?
	BADIO_REPORT_VIEW=1 "$badio" report -d "$db" "$@" >old.out 2>old.err
	old=$?
	compared=$((compared + 1))
	[ "$new" = "$old" ] || fail "$db $*: exit $new, the views' $old"
	[ "$new" = 0 ] || [ "$new" = 1 ] || fail "$db $*: exit $new: $(cat new.err)"
	cmp -s new.out old.out ||
		fail "$db $*: not the views' output: $(cmp new.out old.out)"
	cmp -s new.err old.err || fail "$db $*: not the views' messages"
	[ -s new.out ] || fail "$db $*: no output"
}

# few DB: a database the store reads through the views anyway
few() {
	same "$1" &&
	same "$1" --all &&
	same "$1" --format json --all &&
	same "$1" --format junit
}

# every DB: each format and option
every() {
	same "$1" &&
	same "$1" --all &&
	same "$1" --all --columns +last_output,callsite,duration,oracle &&
	same "$1" --format csv &&
	same "$1" --format csv --all &&
	same "$1" --format json &&
	same "$1" --format json --all &&
	same "$1" --format sarif &&
	same "$1" --format junit &&
	same "$1" --format html &&
	same "$1" --sites id=2-9 &&
	same "$1" --all --sites id=3-7 &&
	same "$1" --format csv --all --sites path='*' &&
	same "$1" --fail-on bugs
}

q() {
	"$sqlite3" "$@" || fail "sqlite3 $*"
}

# --- real explorations ------------------------------------------------------
[ -x "$progs/explore_naive" ] || { echo "FAIL: no $progs/explore_naive"; exit 1; }
mkdir naive power many
(cd naive && "$badio" record -q -o ../naive.db -- "$progs/explore_naive" \
    >/dev/null 2>&1 &&
 "$badio" explore -q -d ../naive.db -j 1 --faults short,torn,eio,crash \
    --oracle 'test -s data.txt || exit 125' >/dev/null 2>&1) ||
	fail "record and explore explore_naive"
every naive.db
(cd power && printf old >config && "$badio" record -q -o ../power.db \
    --init . -- "$progs/pwx_saver" nosync >/dev/null 2>&1 &&
 "$badio" explore -q -d ../power.db --faults power,eio --oracle \
    'c=$(cat config); test "$c" = old || test "$c" = new' >/dev/null 2>&1) ||
	fail "record and explore pwx_saver"
[ "$(q power.db 'SELECT count(*) FROM experiments WHERE state IS NOT NULL')" -gt 2 ] ||
	fail "power.db: no crash states"
every power.db
(cd many && "$badio" record -q -o ../many.db -- "$progs/p_write" out.txt 12 64 \
    >/dev/null 2>&1 &&
 "$badio" explore -q -d ../many.db -j 1 --per-callsite 2 --faults eio,crash \
    --oracle true >/dev/null 2>&1) || fail "record and explore p_write"
[ "$(q many.db 'SELECT count(*) FROM skipped')" -gt 0 ] || fail "many.db: none skipped"
every many.db

# --- crafted: verdicts mixed by SQL, on hostile names --------------------------
mkdir odd
(cd odd && "$badio" record -q -o ../mixed.db -- "$progs/t_oddnames" \
    >/dev/null 2>&1) || fail "record t_oddnames"
q mixed.db "DELETE FROM experiments;
INSERT OR IGNORE INTO oracles (id, command) VALUES (7, 'check.sh --deep');
INSERT INTO experiments (site, fault, injected, fault_bytes, status,
  duration_ns, oracle_exit, verdict, prog_tail, oracle_tail, diverged,
  divergence, divergence_kind, created_ns, oracle_id, prog_last, state,
  last_sync, unsynced)
SELECT s.id, f.fault, s.id % 5 != 1, iif(f.fault IN ('short', 'torn'), s.id * 3, NULL),
  iif(s.id % 4 = 0, 'exit:0', 'exit:1'), 1000 * s.id, iif(s.id % 6 = 0, NULL, s.id % 3),
  CASE (s.id + f.r) % 8 WHEN 0 THEN 'ok' WHEN 1 THEN 'reported'
    WHEN 2 THEN 'silent-corruption' WHEN 3 THEN 'corruption' WHEN 4 THEN 'crashed'
    WHEN 5 THEN 'hang' WHEN 6 THEN 'unreached' ELSE 'oracle-error' END,
  'out ' || s.id || char(10) || 'last line', 'said ' || f.fault || char(10) || 'x',
  s.id % 3 = 0, iif(s.id % 3 = 0, 'site ' || s.id || ': other call', NULL),
  CASE s.id % 6 WHEN 0 THEN 'diverged' WHEN 4 THEN 'reordered' END, 0,
  CASE s.id % 3 WHEN 0 THEN NULL WHEN 1 THEN 1 ELSE 7 END,
  iif(s.id % 2 = 0, 'wrote ' || s.id, NULL), f.state,
  iif(f.state IS NULL, NULL, iif(s.id % 2 = 0, 'sync:' || s.id, NULL)),
  iif(f.state IS NULL, NULL, s.id % 4)
FROM sites s, (SELECT 'short' AS fault, NULL AS state, 0 AS r
  UNION ALL SELECT 'eio', NULL, 1 UNION ALL SELECT 'crash', NULL, 2
  UNION ALL SELECT 'crash', 'durable', 3 UNION ALL SELECT 'crash', 'metadata', 4
  UNION ALL SELECT 'crash', 'prefix:1', 5) f;
INSERT OR IGNORE INTO skipped (site, fault, reason)
  SELECT id, 'torn', 'per-callsite' FROM sites WHERE id % 2 = 1;"
every mixed.db

# --- crafted: ids strings lacks, odd values ----------------------------------
cp mixed.db missing.db
q missing.db "PRAGMA ignore_check_constraints = ON;
UPDATE site_rows SET path = 999999 WHERE id = 2;
UPDATE site_rows SET key_path = 999998, key = 999997 WHERE id = 3;
UPDATE site_rows SET syscall = 999996, family = 9, kind = 0 WHERE id = 4;
UPDATE site_rows SET path = NULL, key_path = NULL WHERE id = 5;
UPDATE site_rows SET callsite = NULL WHERE id = 6;
UPDATE experiments SET verdict = 'no-such-verdict' WHERE id = 3;
UPDATE experiments SET oracle_id = 99 WHERE id = 4;
UPDATE experiments SET fault_bytes = -5, unsynced = -1 WHERE id = 5;"
every missing.db
cp missing.db typed.db
q typed.db "PRAGMA ignore_check_constraints = ON;
UPDATE site_rows SET fd = 'three' WHERE id = 2;
UPDATE site_rows SET offset = 1.5 WHERE id = 7;
UPDATE experiments SET duration_ns = 'long', oracle_exit = 2.5 WHERE id = 6;
UPDATE experiments SET status = 12, injected = 3 WHERE id = 7;
UPDATE experiments SET diverged = 'yes', fault_bytes = '12x' WHERE id = 8;
UPDATE experiments SET site = 999 WHERE id = 9;
UPDATE experiments SET prog_tail = CAST(x'6100ff62' AS TEXT),
  oracle_tail = CAST(x'c3' AS TEXT) WHERE id = 10;"
every typed.db

# --- crafted: a NUL inside a string, sites out of id order -------------------
cp mixed.db nul.db
q nul.db "INSERT INTO strings (text) VALUES (CAST(x'61006263' AS TEXT));
UPDATE site_rows SET path = (SELECT max(id) FROM strings) WHERE id = 2;"
few nul.db
cp mixed.db order.db
q order.db "UPDATE site_rows SET dseq = 3 WHERE id = 2;"
few order.db
cp mixed.db dseq.db
q dseq.db "UPDATE site_rows SET dseq = 10;"
every dseq.db

# --- more experiments than a table chunk (4096) -------------------------------
cp mixed.db big.db
q big.db "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
  WHERE i < 120)
INSERT INTO site_rows (id, recording, dseq, pid, tid, process, thread,
  syscall, family, fd, path, path2, kind, offset, count, result, append,
  t_ns, crc32, crc_bytes, xxh3, ordinal, callsite, flags, offset2, mapped,
  creates, key_path, key)
SELECT r.id + 100 * n.i, r.recording, r.dseq, r.pid, r.tid, r.process,
  r.thread, r.syscall, r.family, r.fd, r.path, r.path2, r.kind, r.offset,
  r.count, r.result, r.append, r.t_ns + n.i, r.crc32, r.crc_bytes, r.xxh3,
  r.ordinal + n.i, r.callsite, r.flags, r.offset2, r.mapped, r.creates,
  r.key_path, r.key
FROM n JOIN site_rows r ON r.id < 100;
INSERT INTO experiments (site, fault, injected, fault_bytes, status,
  duration_ns, oracle_exit, verdict, prog_tail, oracle_tail, diverged,
  divergence, divergence_kind, created_ns, oracle_id, prog_last, state,
  last_sync, unsynced)
SELECT s.id, e.fault, e.injected, e.fault_bytes, e.status, e.duration_ns,
  e.oracle_exit, e.verdict, e.prog_tail, e.oracle_tail, e.diverged,
  e.divergence, e.divergence_kind, 0, e.oracle_id, e.prog_last, e.state,
  e.last_sync, e.unsynced
FROM site_rows s JOIN experiments e ON e.site = s.id % 100 WHERE s.id >= 100;"
[ "$(q big.db 'SELECT count(*) FROM experiments')" -gt 5000 ] ||
	fail "big.db: fewer experiments than meant"
same big.db
same big.db --all
same big.db --format csv --all
same big.db --format json --all
same big.db --format junit
same big.db --format sarif

echo "compared $compared reports"
if [ "$failures" -gt 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "all reports the same"
