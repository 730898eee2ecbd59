#!/bin/sh
# test_schema_doc.sh BADIO NAIVE CHECK SCHEMA_MD: the example queries of
# docs/schema.md run, and say what they claim, on a real database: the
# bundled naive writer (examples/naive.c), recorded and explored with its
# oracle.  Every ```sql block must run under `sqlite3 -readonly -bail`;
# the first ("bytes requested and written") must count the write
# family's bytes only (an open's result is an fd, not bytes written).
set -u

badio=${1:?usage: test_schema_doc.sh BADIO NAIVE CHECK SCHEMA_MD}
naive=${2:?}
check=${3:?}
doc=${4:?}

work=$(mktemp -d "${TMPDIR:-/tmp}/badio-schema-doc-XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
failures=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

db=$work/naive.db
"$badio" record -q -o "$db" -- "$naive" || { echo "FAIL: record"; exit 1; }
"$badio" explore -q -d "$db" --oracle "$check" || { echo "FAIL: explore"; exit 1; }

# the blocks, one file each
awk -v dir="$work" '
	/^```sql$/ { n++; f = dir "/q" n ".sql"; on = 1; next }
	/^```$/ { on = 0; next }
	on { print > f }' "$doc"
n=$(ls "$work"/q*.sql 2>/dev/null | wc -l)
[ "$n" -ge 7 ] || fail "docs/schema.md has $n sql blocks, want at least 7"
for q in "$work"/q*.sql; do
	if ! sqlite3 -readonly -bail "$db" <"$q" >"$q.out" 2>&1; then
		fail "query $(basename "$q") of docs/schema.md fails:"
		sed 's/^/    /' "$q" "$q.out"
	fi
done

printf '%s\n' 'data.txt|regular|namespace|1||' 'data.txt|regular|write|1|60|60' \
	>"$work/want"
if ! diff -u "$work/want" "$work/q1.sql.out"; then
	fail "the bytes-per-file query of docs/schema.md counts what was not written"
fi
# the frame of the program's own code is found (recordings.exe matches)
grep -q "|silent-corruption|3|.*naive+0x" "$work/q4.sql.out" ||
	fail "the bugs-per-call-site query finds no frame of the program: $(cat "$work/q4.sql.out")"

if [ "$failures" -ne 0 ]; then
	echo "test_schema_doc: $failures failure(s)"
	exit 1
fi
echo "test_schema_doc: all passed"
