#!/bin/sh
# check_sources.sh banned|boundaries SRCDIR: source checks run by ctest.
#
#   banned      no call of strcpy( strcat( sprintf( vsprintf( strtok(
#               gets( in recorder/ store/ explorer/ tools/ (STYLE 17:
#               use snprintf and check truncation)
#   boundaries  no file outside store/ mentions sqlite3_ (all SQL lives
#               in the store), and no file includes another module's
#               private *_int.h header (STYLE 5.2)
#   docs        README.md, docs/manual.md and the man page name the same
#               minimum kernel ("Linux ≥ 5.3", "Linux \(>= 5.3")
#
# Prints every offending line as FILE:LINE: TEXT and exits 1 if any.
set -u

mode=${1:?usage: check_sources.sh banned|boundaries|docs SRCDIR}
top=${2:?usage: check_sources.sh banned|boundaries|docs SRCDIR}
modules="recorder store explorer tools"
cd "$top" || exit 2

sources() {
	for m in $modules; do
		[ -d "$m" ] && find "$m" -type f \( -name '*.c' -o -name '*.h' \)
	done | sort
}

check_banned() {
	sources | while read -r f; do
		grep -nHE '(^|[^A-Za-z0-9_])(strcpy|strcat|sprintf|vsprintf|strtok|gets)[[:space:]]*\(' "$f"
	done
}

check_sqlite() {
	sources | grep -v '^store/' | while read -r f; do
		grep -nH 'sqlite3_' "$f"
	done
}

# Every #include "..._int.h" must name a header of the including
# file's own module: "store/store_int.h" from store/, or a bare
# "x_int.h" that exists next to the including file.
check_int_includes() {
	sources | while read -r f; do
		dir=${f%%/*}
		grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"]*_int\.h"' "$f" |
		while IFS= read -r line; do
			hdr=$(printf '%s\n' "$line" | sed 's/.*"\([^"]*\)".*/\1/')
			case $hdr in
			*/*)	[ "${hdr%%/*}" = "$dir" ] && continue ;;
			*)	[ -f "$(dirname "$f")/$hdr" ] && continue ;;
			esac
			echo "$f:$line"
		done
	done
}

# The minimum kernel each document names, as "FILE: VERSION" lines.
kernel_versions() {
	for f in README.md docs/manual.md; do
		echo "$f: $(sed -n 's/.*Linux ≥ \([0-9][0-9.]*\).*/\1/p' "$f" | head -n 1)"
	done
	echo "docs/badio.1: $(sed -n 's/.*Linux \\(>= \([0-9][0-9.]*\).*/\1/p' docs/badio.1 | head -n 1)"
}

check_docs() {
	versions=$(kernel_versions)
	if [ "$(printf '%s\n' "$versions" | sed 's/.*: //' | sort -u | wc -l)" -ne 1 ] ||
	    printf '%s\n' "$versions" | grep -q ': $'; then
		printf '%s\n' "$versions"
	fi
}

case $mode in
docs)
	out=$(check_docs)
	what="the documents name different minimum kernels"
	;;
banned)
	out=$(check_banned)
	what="banned function (use snprintf/strlcpy-style code, see STYLE 17)"
	;;
boundaries)
	out=$(check_sqlite; check_int_includes)
	what="module boundary (sqlite3_ outside store/, or another module's *_int.h)"
	;;
*)
	echo "usage: check_sources.sh banned|boundaries|docs SRCDIR" >&2
	exit 2
	;;
esac

if [ -n "$out" ]; then
	printf '%s\n' "$out"
	echo "check_sources: $(printf '%s\n' "$out" | wc -l) line(s) break the rule: $what" >&2
	exit 1
fi
echo "check_sources: $mode: ok"
