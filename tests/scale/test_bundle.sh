#!/bin/sh
# tests/scale/test_bundle.sh - record --bundle: the program travels.
#
# 1. A program linked with a library of its own (RUNPATH) and zlib is
#    recorded with --bundle: the manifest names exactly its files, the
#    archive holds them (and the soname links) for tar to read.
# 2. Explored here: no bundle used.  With its library moved away (as on
#    a machine that lacks it) and again with another build of it (a
#    machine with another version), explore runs it from the bundle and
#    the verdicts are exactly those of the local explore, none diverged:
#    call-site ids name the recorded paths.  --bundle never then fails.
# 3. A static program: the bundle is the executable, which runs from the
#    bundle once it is gone.
# 4. A shell script running cp: the script is kept, sh and cp listed as
#    needed, and explore warns when a needed file is absent.
# 5. Crafted manifests are refused: a path with "..", no exe.
#
# Usage: test_bundle.sh BADIO SQLITE3 CC
badio=$1 sqlite3=$2 cc=$3
set -eu

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/badio-test-bundle.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
work=$(pwd -P)
# scratch directories of this test's own: other badios (tests of other
# checkouts) may run at the same time
mkdir tmp
TMPDIR=$work/tmp
export TMPDIR

verdicts() {
	"$sqlite3" "$1" "SELECT site, fault, verdict, status, oracle_exit, \
		coalesce(divergence_kind, '-') FROM experiments ORDER BY site, fault"
}

same_verdicts() {
	verdicts "$1" > a.txt
	verdicts "$2" > b.txt
	diff -u a.txt b.txt >&2 || fail "$2 and $1 differ"
}

# --- 1. a program with a library of its own ---
mkdir lib
cat > lib/w.c << 'EOF'
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
int
save(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	if (n < 0 || fsync(fd) < 0)
		return -1;
	return close(fd);
}
EOF
cat > prog.c << 'EOF'
#include <stdio.h>
#include <string.h>
#include <zlib.h>
int save(const char *path, const char *text);
int
main(void)
{
	const char *text = "hello bundle\n";

	if (save("out.txt", text))
		return 1;
	printf("saved %08lx\n", crc32(0, (const unsigned char *)text,
	    (unsigned)strlen(text)));
	return 0;
}
EOF
cat > check.sh << 'EOF'
#!/bin/sh
grep -qx "hello bundle" out.txt
EOF
chmod +x check.sh
"$cc" -g -shared -fPIC -Wl,-soname,libw.so.1 -o lib/libw.so.1.0 lib/w.c
ln -s libw.so.1.0 lib/libw.so.1
"$cc" -g -o prog prog.c -L lib -l:libw.so.1 -lz -Wl,-rpath,"$work/lib"

"$badio" record -o rec.db --bundle -- ./prog > /dev/null 2> record.err ||
	fail "record --bundle: $(cat record.err)"
grep -Eq '^badio: bundle: 5 files, [0-9.]+M bytes \([0-9.]+[KM] in the database\)$' record.err ||
	fail "record's summary: $(cat record.err)"
interp=$(readlink -f "$(readelf -l prog | sed -n 's/.*interpreter: \(.*\)]/\1/p')")
libc=$(readlink -f "$(ldd prog | sed -n 's/.*libc.so.6 => \([^ ]*\).*/\1/p')")
libz=$(readlink -f "$(ldd prog | sed -n 's/.*libz.so.1 => \([^ ]*\).*/\1/p')")
"$sqlite3" rec.db "SELECT path, role, coalesce(soname, '-'), size FROM \
	bundle_files ORDER BY path" > manifest.txt
{
	echo "$interp|interp|-|$(stat -c %s "$interp")"
	echo "$libc|lib|-|$(stat -c %s "$libc")"
	echo "$libz|lib|libz.so.1|$(stat -c %s "$libz")"
	echo "$work/lib/libw.so.1.0|lib|libw.so.1|$(stat -c %s lib/libw.so.1.0)"
	echo "$work/prog|exe|-|$(stat -c %s prog)"
} | sort > want.txt
sort manifest.txt > got.txt
diff -u want.txt got.txt >&2 || fail "the manifest"
[ "$("$sqlite3" rec.db "SELECT crc32 FROM bundle_files WHERE role = 'exe'")" = \
    "$(python3 -c 'import sys, zlib; print(zlib.crc32(open(sys.argv[1], "rb").read()))' prog)" ] ||
	fail "the crc32 of prog"
"$sqlite3" rec.db "SELECT writefile('bundle.tar.zst', archive) FROM bundles" > /dev/null
tar --zstd -tvf bundle.tar.zst > members.txt
grep -q " ${work#/}/lib/libw.so.1 -> libw.so.1.0\$" members.txt ||
	fail "no soname link in the archive: $(cat members.txt)"
grep -q " ${libz#/}\$" members.txt || fail "libz not in the archive"
[ "$(grep -c '^-' members.txt)" = 5 ] || fail "files in the archive: $(cat members.txt)"

cp rec.db local.db
"$badio" explore -d local.db --oracle ./check.sh -j 2 2> local.err
grep -q "runs from the recording's bundle" local.err && fail "explore used the bundle where all is here"
n=$("$sqlite3" local.db "SELECT count(*) FROM experiments")
[ "$n" -ge 6 ] || fail "the local explore ran $n experiments"

# --- 2. the library absent, then another build of it ---
mv lib lib.away
cp rec.db absent.db
"$badio" explore -d absent.db --oracle ./check.sh -j 2 2> absent.err ||
	fail "explore without the library: $(cat absent.err)"
grep -q "PROG runs from the recording's bundle ($work/lib/libw.so.1.0 is absent here)" \
	absent.err || fail "no word of the bundle: $(cat absent.err)"
same_verdicts local.db absent.db
[ "$("$sqlite3" absent.db "SELECT count(*) FROM experiments WHERE \
	divergence_kind IS NOT NULL OR verdict = 'unreached'")" = 0 ] ||
	fail "experiments diverged when run from the bundle"
cp rec.db never.db
if "$badio" explore -q -d never.db --oracle ./check.sh --bundle never 2> never.err; then
	fail "--bundle never ran a program whose library is gone"
fi
ls -d "$TMPDIR"/badio-bundle-* 2> /dev/null && fail "a bundle directory was left"

mkdir lib
sed 's/return close(fd);/return close(fd) + 0 * (int)n;/' lib.away/w.c > lib/w.c
"$cc" -O2 -shared -fPIC -Wl,-soname,libw.so.1 -o lib/libw.so.1.0 lib/w.c
ln -s libw.so.1.0 lib/libw.so.1
cmp -s lib/libw.so.1.0 lib.away/libw.so.1.0 && fail "the rebuilt library is the same"
cp rec.db other.db
"$badio" explore -d other.db --oracle ./check.sh -j 2 2> other.err
grep -q "($work/lib/libw.so.1.0 differs here)" other.err ||
	fail "another version not noticed: $(cat other.err)"
same_verdicts local.db other.db

# --- 3. a static program ---
"$cc" -static -o sprog prog.c lib.away/w.c -lz 2> /dev/null ||
	fail "cannot link statically (libc6-dev, zlib1g-dev)"
"$badio" record -q -o static.db --bundle -- ./sprog > /dev/null
[ "$("$sqlite3" static.db "SELECT path, role FROM bundle_files")" = \
    "$work/sprog|exe" ] || fail "a static program's bundle"
cp static.db static-local.db
"$badio" explore -q -d static-local.db --oracle ./check.sh -j 2
mv sprog sprog.away
"$badio" explore -d static.db --oracle ./check.sh -j 2 2> static.err ||
	fail "a static program from its bundle: $(cat static.err)"
grep -q "($work/sprog is absent here)" static.err || fail "$(cat static.err)"
same_verdicts static-local.db static.db

# --- 4. a script, and what it needs ---
cat > copy.sh << 'EOF'
#!/bin/sh
echo data > a.txt
cp a.txt b.txt
EOF
chmod +x copy.sh
"$badio" record -o script.db --bundle -- ./copy.sh 2> script.err
sh=$(readlink -f /bin/sh)
cp=$(readlink -f "$(command -v cp)")
[ "$("$sqlite3" script.db "SELECT path, role FROM bundle_files ORDER BY path" | sort)" = \
    "$(printf '%s|needed\n%s|needed\n%s|exe\n' "$cp" "$sh" "$work/copy.sh" | sort)" ] ||
	fail "a script's manifest: $("$sqlite3" script.db "SELECT * FROM bundle_files")"
grep -q "must be installed where explore runs: $sh" script.err ||
	fail "record did not say what the script needs: $(cat script.err)"
"$sqlite3" script.db "UPDATE bundle_files SET path = '/nonexistent/prog' \
	WHERE path = '$cp'"
cat > true.sh << 'EOF'
#!/bin/sh
exit 0
EOF
chmod +x true.sh
"$badio" explore -d script.db --oracle ./true.sh --faults eio 2> needed.err ||
	fail "explore of the script: $(cat needed.err)"
grep -q "PROG needs /nonexistent/prog, which is absent here" needed.err ||
	fail "no word of what is missing: $(cat needed.err)"

# a script that is all shebang, with no newline: its interpreter still counts
printf '#!/bin/true' > bare.sh
chmod +x bare.sh
"$badio" record -q -o bare.db --bundle -- ./bare.sh 2> bare.err ||
	fail "record of a bare shebang: $(cat bare.err)"
true_bin=$(readlink -f /bin/true)
[ "$("$sqlite3" bare.db "SELECT path, role FROM bundle_files ORDER BY path" | sort)" = \
    "$(printf '%s|needed\n%s|exe\n' "$true_bin" "$work/bare.sh" | sort)" ] ||
	fail "a bare shebang's manifest: $("$sqlite3" bare.db "SELECT * FROM bundle_files")"

# --- 5. crafted manifests ---
cp rec.db crafted.db
"$sqlite3" crafted.db "UPDATE bundle_files SET path = '/tmp/../etc/prog' \
	WHERE role = 'exe'"
if "$badio" explore -q -d crafted.db --oracle ./check.sh --bundle always 2> crafted.err; then
	fail "a bundle path with '..' was taken"
fi
grep -q "is not a canonical absolute path" crafted.err || fail "$(cat crafted.err)"
cp rec.db noexe.db
"$sqlite3" noexe.db "UPDATE bundle_files SET path = '$work/elsewhere' WHERE role = 'exe'"
if "$badio" explore -q -d noexe.db --oracle ./check.sh --bundle always 2> noexe.err; then
	fail "a bundle without its exe ran"
fi
grep -q "the bundle lacks PROG ($work/elsewhere)" noexe.err || fail "$(cat noexe.err)"
if "$badio" explore -q -d static-local.db --oracle ./check.sh --bundle always \
    --redo 2> /dev/null; then
	"$sqlite3" static-local.db "DELETE FROM bundle_files"
	"$badio" explore -q -d static-local.db --oracle ./check.sh --bundle always \
		--redo 2> none.err && fail "--bundle always without a bundle"
	grep -q "has no bundle" none.err || fail "$(cat none.err)"
else
	fail "--bundle always on a static recording"
fi
echo "PASS"
