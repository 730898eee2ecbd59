#!/bin/sh
# test_report_formats.sh BADIO PROGS_DIR EXAMPLES_BIN EXAMPLES_SRC FIXTURES PYTHON3:
# badio report --format junit, sarif and json on real explorations,
# checked by real consumers' schemas and with exact contents:
#
#   junit  validated by xmllint against the Jenkins xUnit plugin's JUnit
#          schema (FIXTURES/junit-10.xsd): one testcase per site tried or
#          left out; failures for bug verdicts, errors for oracle-error,
#          skipped for sites nothing judged;
#   sarif  validated by python3-jsonschema against the OASIS SARIF 2.1.0
#          schema (FIXTURES/sarif-schema-2.1.0.json): one result per bug
#          group at the source line of the call site;
#   json   call-site ids as strings, equal to the database's integers;
#          the badio version; the plan's counts (planned, pending).
set -u

badio=${1:?usage: test_report_formats.sh BADIO PROGS_DIR EXAMPLES_BIN EXAMPLES_SRC FIXTURES PYTHON3}
progs=${2:?}
exbin=${3:?}
exsrc=${4:?}
fixtures=${5:?}
python=${6:?}

work=$(mktemp -d "${TMPDIR:-/tmp}/badio-formats-XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2
failures=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# junit DB NAME: the report as NAME.xml, schema-valid
junit() {
	"$badio" report -d "$1" --format junit >"$2.xml" ||
		fail "report --format junit on $1 exits $?"
	xmllint --noout --schema "$fixtures/junit-10.xsd" "$2.xml" \
	    >"$2.lint" 2>&1 || { fail "$2.xml is not valid JUnit:"; cat "$2.lint"; }
}

# attr FILE XPATH: an attribute's value
attr() {
	xmllint --xpath "string($2)" "$1" 2>/dev/null
}

# expect WHAT GOT WANT
expect() {
	[ "$2" = "$3" ] || fail "$1: '$2', want '$3'"
}

# --- the naive writer: two sites, both failing --------------------------------
"$badio" record -q -o naive.db -- "$exbin/naive" || exit 1
"$badio" explore --faults short,torn,eio,crash -q -d naive.db --oracle "$exsrc/check_naive.sh" -j 1
junit naive.db naive
expect "naive tests" "$(attr naive.xml '/testsuites/testsuite/@tests')" 2
expect "naive failures" "$(attr naive.xml '/testsuites/testsuite/@failures')" 2
expect "naive errors" "$(attr naive.xml '/testsuites/testsuite/@errors')" 0
expect "naive skipped" "$(attr naive.xml '/testsuites/testsuite/@skipped')" 0
expect "naive testcase 2" "$(attr naive.xml '/testsuites/testsuite/testcase[2]/@name')" \
	"write:data.txt:1 (site 2, write data.txt)"
expect "naive testcase 2 class" "$(attr naive.xml '/testsuites/testsuite/testcase[2]/@classname')" \
	"naive.c:21 main"
expect "naive failure type" "$(attr naive.xml '/testsuites/testsuite/testcase[2]/failure/@type')" \
	silent-corruption
expect "naive failure message" "$(attr naive.xml '/testsuites/testsuite/testcase[2]/failure/@message')" \
	"silent-corruption under short, torn, eio; corruption under crash"
grep -q '^short: silent-corruption; program exit:0, 30 bytes written; oracle exit 1: data.txt is damaged: 30 bytes, want 60$' naive.xml ||
	fail "the naive failure does not say what each fault did: $(cat naive.xml)"
expect "naive property version" "$(attr naive.xml '//property[@name="badio.version"]/@value')" \
	"$("$badio" --version | sed 's/^badio //')"
expect "naive property planned" "$(attr naive.xml '//property[@name="planned"]/@value')" 6
expect "naive property pending" "$(attr naive.xml '//property[@name="pending"]/@value')" 0

# --- the atomic writer: five sites, none failing ------------------------------
"$badio" record -q -o atomic.db --init "$exsrc/atomic-init" -- "$exbin/atomic" || exit 1
"$badio" explore --faults short,torn,eio,crash -q -d atomic.db --oracle "$exsrc/check_atomic.sh" -j 1
junit atomic.db atomic
expect "atomic tests" "$(attr atomic.xml '/testsuites/testsuite/@tests')" 5
expect "atomic failures" "$(attr atomic.xml '/testsuites/testsuite/@failures')" 0
expect "atomic system-out" "$(attr atomic.xml '/testsuites/testsuite/testcase[1]/system-out')" \
	"crash: ok; program crash; oracle exit 0
eio: reported; program exit:1; oracle exit 0"

# --- left out by --per-callsite: skipped ------------------------------------
"$badio" record -q -o many.db -- "$progs/p_write" out.txt 5 3 || exit 1
"$badio" explore -q -d many.db --oracle true --per-callsite 1 --faults eio -j 1
junit many.db many
expect "per-callsite tests" "$(attr many.xml '/testsuites/testsuite/@tests')" 6
expect "per-callsite skipped" "$(attr many.xml '/testsuites/testsuite/@skipped')" 4
expect "per-callsite skipped message" \
	"$(attr many.xml '/testsuites/testsuite/testcase[3]/skipped/@message')" \
	"not explored (left out by --per-callsite): no verdict"
# ... and in the JSON, pending
"$badio" report -d many.db --format json >many.json
"$python" -c 'import json,sys; r = json.load(open("many.json")); sys.exit((r["not_explored"], r["pending"]) != (4, 0))' ||
	fail "pending counts with 4 sites left out: $(head -c 300 many.json)"

# --- an oracle that cannot judge: errors ------------------------------------
printf '#!/bin/sh\n[ "$BADIO_FAULT" = none ] || exit 125\n' >judge.sh
chmod +x judge.sh
"$badio" explore -q -d many.db --oracle ./judge.sh --redo --faults eio -j 1
junit many.db judge
expect "oracle-error errors" "$(attr judge.xml '/testsuites/testsuite/@errors')" 6
expect "oracle-error type" "$(attr judge.xml '/testsuites/testsuite/testcase[1]/error/@type')" oracle-error

# --- odd bytes in a file name: still valid XML and JSON ---------------------
"$badio" record -q -o odd.db -- /bin/sh -c 'printf x > "$(printf "odd\001\377&<.txt")"' || exit 1
"$badio" explore -q -d odd.db --oracle true --faults eio -j 1
junit odd.db odd
grep -qF 'odd\x01\xff&amp;&lt;.txt' odd.xml || fail "odd.xml does not show the name's bytes: $(cat odd.xml)"

# --- SARIF ---------------------------------------------------------------------
for db in naive atomic odd; do
	"$badio" report -d "$db.db" --format sarif >"$db.sarif" ||
		fail "report --format sarif on $db.db exits $?"
done
"$badio" report -d naive.db --format json >naive.json || fail "report --format json"
cs=$(sqlite3 naive.db "SELECT callsite FROM sites WHERE key = 'write:data.txt:1'")
"$python" - "$fixtures/sarif-schema-2.1.0.json" "$cs" \
    "$("$badio" --version | sed 's/^badio //')" >check.out 2>&1 <<'PY' || { fail "SARIF or JSON checks:"; cat check.out; }
import copy, json, sys
import jsonschema

schema = json.load(open(sys.argv[1]))
callsite, version = sys.argv[2], sys.argv[3]
jsonschema.Draft4Validator.check_schema(schema)
validator = jsonschema.Draft4Validator(schema)

def valid(doc, what):
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(doc)]
    assert not errors, f"{what} is not SARIF 2.1.0: {errors[:5]}"

docs = {db: json.load(open(db + ".sarif")) for db in ("naive", "atomic", "odd")}
for db, doc in docs.items():
    valid(doc, db + ".sarif")
# the validator does reject what is not SARIF
broken = copy.deepcopy(docs["naive"])
broken["runs"][0]["results"][0]["level"] = "fatal"
assert list(validator.iter_errors(broken)), "the schema accepts a bad level"

run = docs["naive"]["runs"][0]
assert run["tool"]["driver"]["name"] == "badio"
assert run["tool"]["driver"]["version"] == version
got = [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"],
        r["locations"][0]["logicalLocations"][0]["name"])
       for r in run["results"]]
assert got == [("silent-corruption", 20, "main"), ("silent-corruption", 21, "main"),
               ("corruption", 20, "main"), ("corruption", 21, "main")], got
for r in run["results"]:
    uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.startswith("file:///") and uri.endswith("/examples/naive.c"), uri
    rule = run["tool"]["driver"]["rules"][r["ruleIndex"]]
    assert rule["id"] == r["ruleId"], (rule, r)
    assert isinstance(r["properties"]["callsite"], str)
w = run["results"][1]
assert w["properties"]["callsite"] == callsite, (w["properties"], callsite)
assert w["properties"]["faults"] == ["short", "torn", "eio"], w["properties"]
assert w["message"]["text"] == ("silent-corruption: write of data.txt under "
    "short, torn, eio, at 1 site (write:data.txt:1)"), w["message"]
assert run["properties"]["counts"]["silent-corruption"] == 4
assert docs["atomic"]["runs"][0]["results"] == []

rep = json.load(open("naive.json"))
assert rep["version"] == version, rep["version"]
assert (rep["planned"], rep["pending"]) == (6, 0), (rep["planned"], rep["pending"])
assert run["properties"]["planned"] == 6 and run["properties"]["pending"] == 0, run["properties"]
ids = [g["callsite"] for g in rep["groups"]] + [b["callsite"] for b in rep["bugs"]]
assert ids and all(isinstance(i, str) for i in ids), ids
assert callsite in ids, (callsite, ids)
print("ok")
PY

# --- many sites: the cases and the streamed JSON -------------------------------
# 301 sites: the junit report keeps its cases in a growing array (each
# case's lines once lived in a memory stream pointing into it: a crash
# past 64 sites); report --format json --all is written row by row.
"$badio" record -q -o big.db -- "$progs/explore_many" 300 || exit 1
"$badio" explore -q -d big.db --faults eio -j 2 --oracle 'exit 0'
junit big.db big
expect "big tests" "$(attr big.xml '/testsuites/testsuite/@tests')" 301
expect "big testcase 301" \
	"$(attr big.xml '/testsuites/testsuite/testcase[301]/@name')" \
	"write:log.txt:300 (site 301, write log.txt)"
expect "big testcase 301 text" \
	"$(attr big.xml '/testsuites/testsuite/testcase[301]/system-out')" \
	"eio: reported; program exit:1; oracle exit 0"
"$badio" report -d big.db --format json --all > big.json ||
	fail "report --format json --all on big.db"
"$python" - big.json <<'PY' || fail "big.json"
import json, sys
rep = json.load(open(sys.argv[1]))
exps = rep["experiments"]
assert len(exps) == 301, len(exps)
assert [e["seq"] for e in exps] == list(range(1, 302)), "seq order"
assert all(e["verdict"] == "reported" for e in exps)
assert rep["bugs"] == [] and rep["not_explored_experiments"] == []
assert (rep["planned"], rep["pending"]) == (301, 0)
PY

# --- crash states: a group per state, in junit and sarif -------------------
mkdir -p "$work/pinit" && printf old >"$work/pinit/config"
"$badio" record -q -o power.db --init "$work/pinit" -- "$progs/pwx_saver" nosync \
	>/dev/null || exit 1
"$badio" explore -q -d power.db --faults power --oracle \
	'c=$(cat config); test "$c" = old || test "$c" = new'
junit power.db power
expect "power failure message" \
	"$(attr power.xml '/testsuites/testsuite/testcase[last()]/failure/@message')" \
	"silent-corruption under power (metadata)"
expect "power end classname" \
	"$(attr power.xml '/testsuites/testsuite/testcase[last()]/@classname')" \
	"(program end)"
grep -q '^power (metadata): silent-corruption; program exit:0; oracle exit 1$' power.xml ||
	fail "the power failure does not name its state: $(cat power.xml)"
"$badio" report -d power.db --format sarif >power.sarif ||
	fail "report --format sarif on power.db exits $?"
"$python" - "$fixtures/sarif-schema-2.1.0.json" <<'PY' || fail "sarif of crash states"
import json, sys, jsonschema
doc = json.load(open("power.sarif"))
jsonschema.validate(doc, json.load(open(sys.argv[1])))
(r,) = doc["runs"][0]["results"]
assert r["message"]["text"] == ("silent-corruption: exit of <end> under power "
    "(metadata), at 1 site (end:1)"), r["message"]
assert (r["properties"]["state"], r["properties"]["last_sync"]) == ("metadata", None), r["properties"]
assert r["partialFingerprints"]["badioCallsite/v1"] == "0:<end>:silent-corruption:metadata", r
PY

if [ "$failures" -ne 0 ]; then
	echo "test_report_formats: $failures failure(s)"
	exit 1
fi
echo "test_report_formats: all passed"
