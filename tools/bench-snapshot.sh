#!/usr/bin/env bash
# tools/bench-snapshot.sh: what the --init snapshot costs, before and
# after schema 5 (a script, not a test; figures go to
# docs/performance.md).  Every explore run unpacks the snapshot, so its
# unpack time is part of each experiment's overhead.
#
# Trees (made from /dev/urandom, in $TMPDIR):
#   files   1,000 files of 4 KiB in 10 directories (text: base64)
#   big     100 MiB: 100 files of 1 MiB of random bytes
# For each, tools/bench/snapshot.c packs (record), loads (explore, once:
# inflating) and unpacks (explore, every run), built twice: "old" is
# explorer/snapshot.c as it was before schema 5 (badio's own format in
# memory, compress2/uncompress by the store), "new" is today's (pax tar
# in zstd, streamed through files).  The two alternate, ROUNDS times 3
# runs each on this shared machine; the table shows the medians of the
# medians (wall time, and the CPU time of an unpack, steadier), and the
# bytes the database stores.
#
# Usage: tools/bench-snapshot.sh [BUILD_DIR]   (default: build; built if
#        missing).  Environment: ROUNDS (default 5), CC (default cc),
#        TMPDIR (where the trees are made and unpacked).
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:-build}
rounds=${ROUNDS:-5}
cc=${CC:-cc}

if [[ ! -f $build/explorer/libbadio_explorer.a ]]; then
	echo "bench-snapshot: building badio in $build/" >&2
	cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$build" -j 2 --target badio >/dev/null
fi
# the last version of the old format: the parent of the commit that
# took BADIOSNAP1 out of explorer/snapshot.c
old_rev=$(git log -1 --format=%H -S BADIOSNAP1 -- explorer/snapshot.c)^

work=$(mktemp -d "${TMPDIR:-/tmp}/badio-bench-snapshot.XXXXXX")
trap 'rm -rf "$work"' EXIT

# the old code, with the two prototypes it had
mkdir -p "$work/old/explorer"
git show "$old_rev:explorer/snapshot.c" >"$work/old/snapshot.c"
cat >"$work/old/explorer/explorer.h" <<'EOF'
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
int bx_snapshot_pack(const char *dir, void **buf, size_t *len);
int bx_snapshot_unpack(const void *buf, size_t len, const char *dir);
EOF
"$cc" -O2 -D_GNU_SOURCE -DOLD -I"$work/old" -o "$work/old-bench" \
	tools/bench/snapshot.c "$work/old/snapshot.c" -lz
"$cc" -O2 -D_GNU_SOURCE -I. -o "$work/new-bench" tools/bench/snapshot.c \
	"$build/explorer/libbadio_explorer.a" "$build/store/libbadio_store.a" \
	"$build/recorder/libbadio_recorder.a" \
	$(pkg-config --libs libarchive libseccomp sqlite3 zlib libdw) -lpthread

make_files() {
	local d i
	mkdir -p "$1"
	for d in $(seq 0 9); do
		mkdir "$1/d$d"
		for i in $(seq 0 99); do
			head -c 3072 /dev/urandom | base64 -w 0 >"$1/d$d/f$i"
		done
	done
}

make_big() {
	local i
	mkdir -p "$1"
	for i in $(seq 0 99); do
		head -c 1048576 /dev/urandom >"$1/f$i"
	done
}

make_files "$work/files"
make_big "$work/big"

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf '| tree | format | pack (record) | load (explore, once) | unpack (each run) | unpack CPU | stored |\n'
printf '|---|---|---|---|---|---|---|\n'
for tree in files big; do
	: >"$work/old.out"
	: >"$work/new.out"
	for _ in $(seq "$rounds"); do
		for fmt in old new; do
			TMPDIR=$work "$work/$fmt-bench" "$work/$tree" 3 \
				>>"$work/$fmt.out"
		done
	done
	for fmt in old new; do
		cols=()
		for c in 1 2 3 4 5; do
			cols+=("$(cut -d' ' -f$c "$work/$fmt.out" | median)")
		done
		printf '| %s | %s | %s ms | %s ms | %s ms | %s ms | %s KiB |\n' \
			"$tree" "$fmt" "${cols[0]}" "${cols[1]}" "${cols[2]}" \
			"${cols[3]}" "$((cols[4] / 1024))"
	done
done
