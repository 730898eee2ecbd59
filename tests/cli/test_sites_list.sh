#!/bin/sh
# test_sites_list.sh BADIO PROGS_DIR FIXTURES SQLITE3: `badio sites` read
# from site_rows (store_sites_list, the csv and json made in C) prints
# byte for byte what the view sites and SQLite's JSON print
# (BADIO_SITES_VIEW=1, the listing as it was), in every format and
# option, on real recordings (hostile names, renames and links, threads,
# mapped files), a database migrated from schema 11, and crafted files:
# ids strings lacks, codes out of range, explicit keys and key paths, a
# text or a real where an integer goes, a NUL inside a text, sites out
# of id order, two recordings, and more sites than a table chunk holds.
set -u

badio=${1:?usage: test_sites_list.sh BADIO PROGS_DIR FIXTURES SQLITE3}
progs=${2:?}
fixtures=${3:?}
sqlite3=${4:?}

work=$(mktemp -d "${TMPDIR:-/tmp}/badio-sites-list-XXXXXX") || exit 2
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
	"$badio" sites -d "$db" "$@" >new.out 2>new.err
	new=$?
	BADIO_SITES_VIEW=1 "$badio" sites -d "$db" "$@" >old.out 2>old.err
	old=$?
	compared=$((compared + 1))
	[ "$new" = "$old" ] || fail "$db $*: exit $new, the view's $old"
	[ "$new" = 0 ] || fail "$db $*: exit $new: $(cat new.err)"
	cmp -s new.out old.out ||
		fail "$db $*: not the view's output: $(cmp new.out old.out)"
	cmp -s new.err old.err || fail "$db $*: not the view's messages"
}

# every DB ARGS...: each format and option
every() {
	same "$1" &&
	same "$1" --format csv &&
	same "$1" --format json &&
	same "$1" --stacks &&
	same "$1" --format csv --stacks &&
	same "$1" --format json --stacks &&
	same "$1" -o +tid,process,thread,family,path2,offset2,mapped,creates,t_ns,callsite
}

q() {
	"$sqlite3" "$@" || fail "sqlite3 $*"
}

for p in t_oddnames p_names "p_threads 4 5" p_mmap p_copy; do
	set -- $p
	[ -x "$progs/$1" ] || { fail "no $progs/$1"; continue; }
	mkdir -p "run-$1"
	(cd "run-$1" && "$badio" record -q -o "../$1.db" -- "$progs/$@" \
	    >/dev/null 2>&1) || fail "record $p"
	every "$1.db"
done
[ -f t_oddnames.db ] || { echo "FAIL: no t_oddnames recording"; exit 1; }

# schema 11, migrated by a writer
cp "$fixtures/v11-oracle.sqlite" old.db
"$badio" explore -q -d old.db -j 1 --oracle 'test -s f.txt' >/dev/null 2>&1 ||
	fail "explore migrating old.db"
[ "$(q old.db 'PRAGMA user_version')" = 17 ] || fail "old.db not migrated"
every old.db

# crafted: what the view shows for ids and codes it lacks, and stored keys
cp t_oddnames.db crafted.db
q crafted.db "PRAGMA ignore_check_constraints = ON;
UPDATE site_rows SET path = 999999 WHERE id = 2;
UPDATE site_rows SET key_path = 999998 WHERE id = 3;
UPDATE site_rows SET key_path = (SELECT min(id) FROM strings) WHERE id = 4;
UPDATE site_rows SET key = (SELECT max(id) FROM strings) WHERE id = 5;
UPDATE site_rows SET key = 999997 WHERE id = 6;
UPDATE site_rows SET family = 9, kind = 0 WHERE id = 7;
UPDATE site_rows SET syscall = 999996, flags = 999995, creates = 999994,
  path2 = 999993 WHERE id = 8;
UPDATE site_rows SET fd = -1, offset = -7, count = -1, result = NULL,
  crc_bytes = -1, callsite = 0, offset2 = -1, process = 0, thread = 0,
  tid = pid + 1, append = 5, mapped = -1 WHERE id = 9;
UPDATE site_rows SET path = NULL, key_path = NULL WHERE id = 10;
UPDATE site_rows SET crc32 = 305419896, xxh3 = NULL, crc_bytes = 2
  WHERE id = 11;
UPDATE site_rows SET result = -2, family = 1 WHERE id = 12;
UPDATE site_rows SET offset = 5000000000, count = 1536, result = 1048575,
  family = 1 WHERE id = 13;"
every crafted.db

# crafted: a row the recorder never writes, read again from the view
cp crafted.db typed.db
q typed.db "UPDATE site_rows SET fd = 'three' WHERE id = 2;
UPDATE site_rows SET offset = 1.5 WHERE id = 4;
UPDATE site_rows SET path = 'x' WHERE id = 6;
UPDATE site_rows SET callsite = x'00ff' WHERE id = 8;"
every typed.db

# crafted: a NUL inside a text (strings is left to the view)
cp t_oddnames.db nul.db
q nul.db "INSERT INTO strings (text) VALUES (CAST(x'61006263' AS TEXT));
UPDATE site_rows SET path = (SELECT max(id) FROM strings) WHERE id = 2;"
every nul.db

# crafted: seq not in id order, then two recordings interleaved
cp t_oddnames.db order.db
q order.db "UPDATE site_rows SET dseq = 3 WHERE id = 2;"
every order.db
cp t_oddnames.db two.db
q two.db "CREATE TEMP TABLE r AS SELECT * FROM recordings WHERE id = 1;
UPDATE r SET id = 2;
INSERT INTO recordings SELECT * FROM r;
UPDATE site_rows SET recording = 2 WHERE id % 3 = 0;"
every two.db

# more sites than a table chunk (4096): widths kept across chunks
cp t_oddnames.db many.db
q many.db "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
  WHERE i < 9000)
INSERT INTO site_rows (id, recording, dseq, pid, tid, process, thread,
  syscall, family, fd, path, path2, kind, offset, count, result, append,
  t_ns, crc32, crc_bytes, xxh3, ordinal, callsite, flags, offset2, mapped,
  creates, key_path, key)
SELECT r.id + 1000 * n.i, r.recording, r.dseq, r.pid + n.i % 7, r.tid,
  r.process, r.thread, r.syscall, r.family, r.fd, r.path, r.path2, r.kind,
  r.offset * n.i, r.count, r.result * n.i, r.append, r.t_ns + n.i,
  r.crc32, r.crc_bytes, r.xxh3, r.ordinal + n.i, r.callsite, r.flags,
  r.offset2, r.mapped, r.creates, r.key_path, r.key
FROM n JOIN site_rows r ON r.id <= 14;"
[ "$(q many.db 'SELECT count(*) FROM sites')" -gt 100000 ] ||
	fail "many.db: fewer sites than meant"
same many.db
same many.db --format csv
same many.db --format json
same many.db -o id,path,result,offset

echo "compared $compared listings"
if [ "$failures" -gt 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "all sites listings the same"
