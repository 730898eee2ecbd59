# tests/scale/common.sh - what the scale-out tests share (sourced).
#
# setup_recording: a scratch directory ($work) with a recording of
# tests/progs/html_saver (rec.db) and the reference: the same recording
# explored on this machine in one go (local.db).  same_verdicts A B:
# the two databases hold the same experiments with the same verdicts,
# exactly (site, fault, verdict, status, oracle exit).

set -eu

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

setup_recording() {
	work=$(mktemp -d "${TMPDIR:-/tmp}/badio-test-scale.XXXXXX")
	trap 'cleanup' EXIT
	cd "$work"
	"$badio" record -o rec.db -- "$progs/html_saver" 2> /dev/null
	cp rec.db local.db
	"$badio" explore -q -d local.db --oracle "$oracle" -j 2
	nlocal=$("$sqlite3" local.db "SELECT count(*) FROM experiments")
	[ "$nlocal" -gt 8 ] || fail "the local explore ran $nlocal experiments"
}

verdicts() {
	"$sqlite3" "$1" "SELECT site, fault, verdict, status, oracle_exit \
		FROM experiments ORDER BY site, fault"
}

same_verdicts() {
	verdicts "$1" > "$work/a.txt"
	verdicts "$2" > "$work/b.txt"
	diff -u "$work/a.txt" "$work/b.txt" >&2 ||
		fail "$2 and $1 differ"
}

# A free TCP port on 127.0.0.1.
free_port() {
	"$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
