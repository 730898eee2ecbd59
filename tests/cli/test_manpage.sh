#!/bin/sh
# test_manpage.sh BADIO MANPAGE VERSION: the man page (docs/badio.1, the
# source in the tree) documents exactly the options badio has.
#
# For every command `badio --help` lists, three lists of options must be
# equal: the option lines of `badio help CMD` (as "-o/--output" or
# "--redo"), the tags of the option list in the man page's section
# `.SS "badio CMD ..."`, and (long names only) the getopt table the
# command parses with, as `badio --complete` gives it.  The global
# options likewise (OPTIONS section).  The page must also pass mandoc's
# lint without a warning, once its version is filled in.
set -u

badio=${1:?usage: test_manpage.sh BADIO MANPAGE VERSION}
page=${2:?usage: test_manpage.sh BADIO MANPAGE VERSION}
version=${3:?usage: test_manpage.sh BADIO MANPAGE VERSION}

work=$(mktemp -d "${TMPDIR:-/tmp}/badio-man-XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
failures=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# compare WHAT A B: the sorted lines of files A and B are equal
compare() {
	sort -u "$2" >"$work/a"
	sort -u "$3" >"$work/b"
	if ! diff -u "$work/a" "$work/b" >"$work/diff"; then
		fail "$1:"
		sed 's/^/    /' "$work/diff"
	fi
}

# The option lines of a help text: "  -o, --output DB ..." or
# "      --redo ...", at most 6 spaces in (explanations are further in).
help_options() {
	sed -n 's/^ \{2,6\}\(-[A-Za-z]\), \(--[a-z][a-z-]*\).*/\1\/\2/p
		s/^ \{2,6\}\(--[a-z][a-z-]*\).*/\1/p'
}

# The tags of the option lists (the line after .TP) in the section of
# COMMAND (.SS "badio COMMAND ..."), or in .SH OPTIONS when COMMAND is "".
man_options() {
	sed 's/\\-/-/g; s/\\f[BIRP]//g' "$page" | awk -v cmd="$1" '
		/^\.SH / { sec = (cmd == "" && $2 == "OPTIONS"); next }
		/^\.SS / { sec = (cmd != "" && $0 ~ "^\\.SS \"badio " cmd "( |\")"); next }
		/^\.TP/ { tag = 1; next }
		tag && sec {
			tag = 0
			long = ""; short = ""
			if (match($0, /--[a-z][a-z-]*/))
				long = substr($0, RSTART, RLENGTH)
			if (match($0, /(^|[ "])-[A-Za-z]([ "]|$)/)) {
				short = substr($0, RSTART, RLENGTH)
				gsub(/[ "]/, "", short)
			}
			if (long == "")
				print "(no option in tag: " $0 ")"
			else if (short != "")
				print short "/" long
			else
				print long
			next
		}
		{ tag = 0 }'
}

commands=$("$badio" --help | awk '/^Commands:/ { on = 1; next } on && !NF { exit } on { print $1 }')
[ -n "$commands" ] || fail "badio --help lists no commands"

for cmd in $commands; do
	[ "$cmd" = help ] && continue
	grep -q "^\.SS \"badio $cmd[ \"]" "$page" ||
		fail "the man page has no section .SS \"badio $cmd ...\""
	"$badio" help "$cmd" | help_options >"$work/help"
	man_options "$cmd" >"$work/man"
	compare "options of '$cmd': badio help $cmd (-) against the man page (+)" \
		"$work/help" "$work/man"
	sed 's/.*\///' "$work/help" >"$work/help-long"
	"$badio" --complete badio "$cmd" -- >"$work/table"
	compare "options of '$cmd': badio help $cmd (-) against its getopt table (+)" \
		"$work/help-long" "$work/table"
done
# and no section for a command badio does not have
sed -n 's/^\.SS "badio \([a-z]*\).*/\1/p' "$page" | while read -r cmd; do
	printf '%s\n' $commands | grep -qx "$cmd" ||
		echo "FAIL: the man page documents a command 'badio $cmd' that badio lacks"
done >"$work/extra"
if [ -s "$work/extra" ]; then
	cat "$work/extra"
	failures=$((failures + 1))
fi

man_options "" >"$work/man"
"$badio" --complete badio - >"$work/table"
compare "global options: badio's (-) against the man page's OPTIONS (+)" \
	"$work/table" "$work/man"

# lint, with the version filled in as the build does
sed "s/@PROJECT_VERSION@/$version/g" "$page" >"$work/badio.1"
if command -v mandoc >/dev/null; then
	if ! mandoc -T lint -W warning "$work/badio.1" >"$work/lint" 2>&1; then
		fail "mandoc -T lint:"
		sed "s|$work/||" "$work/lint"
	fi
else
	fail "mandoc is not installed (tools/setup.sh installs it)"
fi
MANWIDTH=80 man -l "$work/badio.1" >"$work/rendered" 2>"$work/man.err" ||
	fail "man -l: $(cat "$work/man.err")"
[ -s "$work/man.err" ] && fail "man -l warns: $(cat "$work/man.err")"

if [ "$failures" -ne 0 ]; then
	echo "test_manpage: $failures failure(s)"
	exit 1
fi
echo "test_manpage: all passed"
