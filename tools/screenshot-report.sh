#!/usr/bin/env bash
# tools/screenshot-report.sh: make docs/report-example.png, the HTML
# report of the bundled atomic writer (examples/atomic.c, the demo's
# second example), opened on its rename, in headless Chromium.
#
# Usage: tools/screenshot-report.sh [OUT.png]
# Environment: BADIO (default build/tools/badio, built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-docs/report-example.png}
badio=${BADIO:-$PWD/build/tools/badio}
if [[ ! -x $badio ]]; then
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build -j "$(nproc)" --target badio >/dev/null
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/badio-screenshot.XXXXXX")
trap 'rm -rf "$work"' EXIT

cc -O1 -g -Wall -o "$work/atomic" examples/atomic.c
"$badio" record -o "$work/a.db" --init examples/atomic-init -- "$work/atomic"
"$badio" explore -d "$work/a.db" --oracle "$PWD/examples/check_atomic.sh" >/dev/null
"$badio" report -d "$work/a.db" --format html -o "$work/report.html"
site=$(sqlite3 "$work/a.db" "SELECT id FROM sites WHERE syscall = 'rename'")
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update \
	--disable-sync --user-data-dir="$work/profile" --hide-scrollbars \
	--window-size=1400,760 --screenshot="$work/shot.png" \
	"file://$work/report.html#site=$site" 2>/dev/null
mv "$work/shot.png" "$out"
echo "wrote $out"
