#!/usr/bin/env bash
# demo.sh [DIR]: badio's main job, end to end, on the two bundled writers:
# record, explore with the writer's oracle, report, for each of
#
#   naive   one write(2), its result ignored, no fsync: silent-corruption
#           under short, torn and eio, and under power at its end (it
#           exits 0, the power fails: data.txt was never made durable,
#           it is gone in the durable state and empty in the metadata
#           one);
#   atomic  temporary file, write loop, fsync, rename, fsync of the
#           directory: no bug verdict at all, power and lost-sync
#           included.
#
# The script checks both and exits 1 otherwise.  The databases stay in
# DIR (default: a new directory under $TMPDIR), printed at the end, for
# `badio report -d DIR/naive.db --all` or sqlite3.
#
# Run from the source tree by tools/demo.sh; installed with badio as
# PREFIX/libexec/badio/examples/demo.sh, the writers prebuilt beside it.
#   BADIO           the badio to run (default: badio in PATH)
#   BADIO_EXAMPLES  where the built writers are (default: beside this script)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
badio=${BADIO:-badio}
bin=${BADIO_EXAMPLES:-$here}
out=${1:-}
if [[ -z $out ]]; then
	out=$(mktemp -d "${TMPDIR:-/tmp}/badio-demo.XXXXXX")
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)

status=0
for ex in naive atomic; do
	echo
	echo "== $ex: $here/$ex.c, oracle $here/check_$ex.sh"
	init=()
	if [[ -d $here/$ex-init ]]; then
		init=(--init "$here/$ex-init")
	fi
	(
		set -x
		"$badio" record --force -o "$out/$ex.db" "${init[@]}" -- "$bin/$ex"
	)
	set +e
	(
		set -x
		"$badio" explore -d "$out/$ex.db" --oracle "$here/check_$ex.sh" \
			--fail-on bugs
	)
	found=$?
	set -e
	(
		set -x
		"$badio" report -d "$out/$ex.db"
	) | tee "$out/$ex.report"
	# the power failure after the naive writer's exit, in both states
	if [[ $ex == naive ]] && ! { grep -q 'silent-corruption under power (durable)' \
	    "$out/$ex.report" && grep -q 'silent-corruption under power (metadata)' \
	    "$out/$ex.report"; }; then
		echo "== naive: the report lacks the power failure at its end"
		status=1
	fi
	case $ex:$found in
	naive:1)  echo "== naive: bugs found, as expected" ;;
	atomic:0) echo "== atomic: no bug, as expected" ;;
	*)	  echo "== $ex: unexpected result (explore exit $found)"; status=1 ;;
	esac
done
echo
echo "== the databases are kept in $out: naive.db, atomic.db"
echo "   badio report -d $out/naive.db --all"
echo "   sqlite3 $out/naive.db 'SELECT site, key, fault, verdict FROM bugs'"
exit $status
