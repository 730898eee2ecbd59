#!/bin/sh
# tests/html/test_html.sh - the HTML report in a real browser.
#
# Records and explores tests/progs/html_saver (a log fsynced record by
# record, a config renamed before it is synced, an fsync of the
# directory), writes `badio report --format html`, renders it with
# headless Chromium (--dump-dom: the DOM after the script ran) and checks
# the page against the database: a mark per site coloured by its worst
# verdict, the fsyncs as barriers on their rows, the unsynced rename
# outlined, the counts, the bug groups, the details panel (#site=N), and
# no reference to anything outside the page.
#
# Usage: test_html.sh BADIO PROGS_DIR ORACLE PYTHON3 CHROMIUM SQLITE3
set -eu
badio=$1 progs=$2 oracle=$3 python=$4 chromium=$5 sqlite3=$6

work=$(mktemp -d "${TMPDIR:-/tmp}/badio-test-html.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

"$badio" record -o h.db -- "$progs/html_saver" 2> /dev/null
"$badio" explore -d h.db --oracle "$oracle" > /dev/null 2>&1
# The program's end as a crash point, judged in two crash states: as
# explore --faults power stores them (made here when the recording has
# no end site)
"$sqlite3" h.db "
INSERT INTO sites (recording, seq, pid, tid, syscall, family, path, kind,
  t_ns, key, key_path, ordinal)
SELECT recording, seq + 1, pid, tid, 'exit', 'end', '<end>', 'other',
  t_ns + 1, 'end:1', '', 1 FROM sites
WHERE NOT EXISTS (SELECT 1 FROM sites WHERE family = 'end')
ORDER BY seq DESC LIMIT 1;
INSERT OR REPLACE INTO experiments (site, fault, injected, status,
  duration_ns, verdict, created_ns, oracle_id, state, last_sync, unsynced)
SELECT s.id, 'power', 1, 'exit:0', 1000, v.verdict, 1,
  (SELECT min(id) FROM oracles), v.state, 'fsync:log.txt:3', 2
FROM sites s, (SELECT 'durable' AS state, 'ok' AS verdict UNION ALL
  SELECT 'metadata', 'silent-corruption') v WHERE s.family = 'end';"
"$badio" report -d h.db --format html -o report.html
test -s report.html
test ! -e report.html.tmp-*

render() {	# render URL OUT: the DOM after the page's script ran
	HOME=$work "$chromium" --headless --no-sandbox --disable-gpu \
		--disable-quic --no-first-run --disable-background-networking \
		--disable-component-update --disable-sync \
		--user-data-dir="$work/profile" --window-size=1400,900 \
		--dump-dom "$1" > "$2" 2> "$work/chromium.log" || {
		cat "$work/chromium.log" >&2
		exit 1
	}
}
render "file://$work/report.html" dom.html
site=$("$sqlite3" h.db "SELECT id FROM sites WHERE syscall = 'rename'")
render "file://$work/report.html#site=$site" dom-site.html
site=$("$sqlite3" h.db "SELECT id FROM sites WHERE family = 'end'")
render "file://$work/report.html#site=$site" dom-end.html

exec "$python" - "$work" <<'PY'
import html.parser, json, re, sqlite3, sys

work = sys.argv[1]
db = sqlite3.connect(work + "/h.db")

# How bad a verdict is: the page colours a site by its worst one.
SEVERITY = ["ok", "reported", "unreached", "oracle-error", "hang",
            "crashed", "corruption", "silent-corruption"]

class Dom(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []
    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
    handle_startendtag = handle_starttag

def parse(name):
    d = Dom()
    d.feed(open(work + "/" + name, encoding="utf-8").read())
    return d.tags

fails = []
def check(cond, what):
    if not cond:
        fails.append(what)

page = open(work + "/report.html", encoding="utf-8").read()
tags = parse("dom.html")
marks = {a["data-site"]: a for t, a in tags
         if t == "rect" and "mark" in a.get("class", "").split()}
barriers = {a["data-site"]: a for t, a in tags
            if t == "line" and "barrier" in a.get("class", "").split()}
legend = {a["data-verdict"]: a for t, a in tags
          if t == "label" and "data-verdict" in a}
swatch = {}
for i, (t, a) in enumerate(tags):
    if t == "label" and "data-verdict" in a:
        style = tags[i + 2][1].get("style", "")
        m = re.search(r"background:\s*(rgb\([^)]*\)|#[0-9a-fA-F]+)", style)
        swatch[a["data-verdict"]] = m.group(1) if m else None

def rgb(c):
    if c.startswith("#"):
        return tuple(int(c[i:i + 2], 16) for i in (1, 3, 5))
    return tuple(int(x) for x in re.findall(r"\d+", c))

# no network, no external assets
check(not re.search(r"\b(src|href)\s*=", page), "the page refers to a file or URL")
check("<link" not in page, "the page has a <link>")

# every site: one mark, coloured by its worst verdict
sites = db.execute("SELECT id, syscall, path, kind FROM sites").fetchall()
for sid, syscall, path, kind in sites:
    vs = [v for (v,) in db.execute(
        "SELECT verdict FROM experiments WHERE site = ?", (sid,))]
    m = marks.get(str(sid))
    check(m is not None, "site %d has no mark" % sid)
    if not m or not vs:
        continue
    worst = max(vs, key=SEVERITY.index)
    check("v-" + worst in m["class"].split(),
          "site %d: class %r, worst verdict %s" % (sid, m["class"], worst))
    check(swatch.get(worst) and rgb(m.get("fill", "#000")) == rgb(swatch[worst]),
          "site %d: fill %s is not the legend's %s colour %s"
          % (sid, m.get("fill"), worst, swatch.get(worst)))
check(len(marks) == len(sites), "%d marks for %d sites" % (len(marks), len(sites)))

# fsyncs are barriers; the rename of the unsynced config and the link of
# the unsynced snapshot (its source is path2) are outlined
for sid, syscall, path, kind in sites:
    if syscall in ("fsync", "fdatasync"):
        check(str(sid) in barriers, "fsync site %d (%s) has no barrier" % (sid, path))
    unsynced = "unsynced" in marks.get(str(sid), {}).get("class", "")
    check(unsynced == (syscall in ("rename", "link")),
          "site %d (%s %s): unsynced outline %s" % (sid, syscall, path, unsynced))
rows = [a["data-row"] for t, a in tags if t == "text" and "data-row" in a]
check(rows == ["d:.", "f:log.txt", "f:cfg.tmp", "f:snap.tmp", "end"], "rows %r" % rows)
# the end site is a mark on its own row, after every other site
(end_id,) = db.execute("SELECT id FROM sites WHERE family = 'end'").fetchone()
check(str(end_id) in marks, "the end site %d has no mark" % end_id)
check("v-silent-corruption" in marks.get(str(end_id), {}).get("class", ""),
      "the end site's mark is not silent-corruption")
# the states are a filter, and a bug group names its state
boxes = sorted(a["data-state"] for t, a in tags if t == "input" and "data-state" in a)
check(boxes == ["durable", "durable-zero", "metadata"], "state filters %r" % boxes)

# the counts in the legend are the database's
for v, n in db.execute("SELECT v.name, count(e.id) FROM verdict_codes v "
                       "LEFT JOIN experiments e ON e.verdict = v.name GROUP BY v.name"):
    check(legend.get(v, {}).get("data-count") == str(n),
          "legend %s: %r, database %d" % (v, legend.get(v, {}).get("data-count"), n))

# bug groups link to marks
links = [a["data-site"] for t, a in tags if t == "a" and "data-site" in a]
bug_sites = {str(s) for (s,) in db.execute("SELECT DISTINCT site FROM bugs")}
check(links and set(links) <= bug_sites, "group links %r, bug sites %r" % (links, bug_sites))
check(all(l in marks for l in links), "a group links to a missing mark")

# #site=N opens the panel with that site's experiments
tags = parse("dom-site.html")
panel = [a for t, a in tags if t == "aside"]
want = sorted(f for (f,) in db.execute(
    "SELECT fault FROM experiments e JOIN sites s ON s.id = e.site "
    "WHERE s.syscall = 'rename'"))
got = sorted(a["data-fault"] for t, a in tags if t == "tr" and "data-fault" in a)
check(panel and panel[0].get("data-site") is not None, "no panel for #site")
check(got == want, "panel experiments %r, database %r" % (got, want))

# #site=END: its experiments, one per state
tags = parse("dom-end.html")
got = [(a["data-fault"], a.get("data-state"), a["data-verdict"])
       for t, a in tags if t == "tr" and "data-fault" in a]
check(got == [("power", "durable", "ok"), ("power", "metadata", "silent-corruption")],
      "end panel %r" % got)
page_text = open(work + "/dom.html", encoding="utf-8").read()
check("silent-corruption under power (metadata) at 1 site" in page_text,
      "no bug group of the end site's metadata state")

if fails:
    print("\n".join("FAIL: " + f for f in fails))
    sys.exit(1)
print("html report: %d marks, %d barriers, %d rows, %d group links: ok"
      % (len(marks), len(barriers), len(rows), len(links)))
PY
