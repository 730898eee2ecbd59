#!/usr/bin/env bash
# tools/bench-html.sh: how long the HTML report takes to write, load and
# draw, at 1k, 10k and 100k sites (a script, not a test; figures go to
# docs/performance.md).
#
# For each size it records tools/bench/html_sites (N writes over 16
# files, an fsync every 50th), gives every site two experiments (eio and
# crash) with a spread of verdicts by SQL (explore itself would take
# hours at 100k sites and is not what is measured), then measures:
#   report   `badio report --format html -o page.html`: wall seconds;
#   page     its size;
#   draw     the page's own time from navigation start to the end of its
#            first drawing (performance.now(), written into the DOM),
#            in headless Chromium: parsing the data, building the model,
#            drawing the visible rows; median of ROUNDS;
#   browser  the whole `chromium --headless --dump-dom` run, browser
#            start included, median of ROUNDS.
#
# Usage: tools/bench-html.sh [ROUNDS]   (default 3)
# Environment: BADIO (default build/tools/badio, built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${1:-3}
badio=${BADIO:-$PWD/build/tools/badio}
if [[ ! -x $badio ]]; then
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build -j "$(nproc)" --target badio >/dev/null
fi
for tool in chromium sqlite3 cc; do
	command -v "$tool" >/dev/null || { echo "bench-html: needs $tool" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/badio-bench-html.XXXXXX")
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/html_sites" tools/bench/html_sites.c

now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

chrome() {
	chromium --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking \
		--disable-component-update --disable-sync \
		--user-data-dir="$work/profile" --window-size=1400,900 \
		--dump-dom "$1" 2>/dev/null
}

printf '%-8s %8s %10s %9s %10s %10s\n' sites rows page report draw browser
for n in 1000 10000 100000; do
	dir=$work/n$n
	mkdir "$dir"
	"$badio" record -o "$dir/b.db" -- "$work/html_sites" "$n" 16 2>/dev/null
	sqlite3 "$dir/b.db" <<-'SQL'
	INSERT INTO experiments (site, fault, injected, status, duration_ns,
	    oracle_exit, verdict, prog_tail, oracle_tail, created_ns)
	SELECT id, f.fault, 1, CASE f.fault WHEN 'crash' THEN 'crash' ELSE 'exit:1' END,
	    1000000, CASE WHEN id % 89 = 0 THEN 1 ELSE 0 END,
	    CASE WHEN f.fault = 'crash' THEN (CASE WHEN id % 89 = 0 THEN 'corruption' ELSE 'ok' END)
	         WHEN id % 97 = 0 THEN 'silent-corruption' ELSE 'reported' END,
	    'html_sites: write failed at ' || (id % 50), '', 0
	FROM sites, (SELECT 'eio' AS fault UNION SELECT 'crash') f;
	SQL
	t0=$(now)
	"$badio" report -d "$dir/b.db" --format html -o "$dir/page.html"
	t1=$(now)
	size=$(stat -c %s "$dir/page.html")
	sites=$(sqlite3 "$dir/b.db" "SELECT count(*) FROM sites")
	draws=() walls=()
	for ((r = 0; r < rounds; r++)); do
		a=$(now)
		chrome "file://$dir/page.html" > "$dir/dom.html"
		b=$(now)
		draws+=("$(grep -o 'data-render-ms="[0-9.]*"' "$dir/dom.html" | grep -o '[0-9.]*')")
		walls+=("$(calc "$b - $a" 3)")
	done
	rows=$(grep -o 'data-rows="[0-9]*"' "$dir/dom.html" | head -1 | grep -o '[0-9]*')
	printf '%-8s %8s %9.1fM %8.2fs %8.0fms %9.2fs\n' "$sites" "$rows" \
		"$(calc "$size / 1048576" 1)" "$(calc "$t1 - $t0" 2)" \
		"$(printf '%s\n' "${draws[@]}" | median)" \
		"$(printf '%s\n' "${walls[@]}" | median)"
done
echo "machine: $(nproc) cpus, $(uname -r), $(chromium --version 2>/dev/null | head -1), $(date -u +%Y-%m-%d)"
