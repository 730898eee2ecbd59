#!/bin/sh
# test_deb.sh BUILD_DIR VERSION CPACK: the .deb that `cpack -G DEB` makes from
# BUILD_DIR installs and runs.
#
# The package is built into a scratch directory, checked (name, version,
# architecture; Depends names the package of every library the binary
# links, found with readelf, ldconfig and dpkg -S), unpacked with
# `dpkg-deb -x` into a fresh root (never into the real system), and run
# from there: `badio --version`, the man page, the bash completion and
# the demo (examples/demo.sh with the prebuilt writers), whose report
# must name the naive writer's source line.
set -u

build=${1:?usage: test_deb.sh BUILD_DIR VERSION CPACK}
version=${2:?usage: test_deb.sh BUILD_DIR VERSION CPACK}
cpack=${3:?usage: test_deb.sh BUILD_DIR VERSION CPACK}

work=$(mktemp -d "${TMPDIR:-/tmp}/badio-deb-XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
failures=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

if ! "$cpack" -G DEB --config "$build/CPackConfig.cmake" -B "$work/pkg" \
    >"$work/cpack.log" 2>&1; then
	cat "$work/cpack.log"
	echo "FAIL: cpack -G DEB"
	exit 1
fi
deb=$(ls "$work"/pkg/*.deb)
arch=$(dpkg --print-architecture)
[ "$(basename "$deb")" = "badio_${version}_$arch.deb" ] ||
	fail "package file is $(basename "$deb"), want badio_${version}_$arch.deb"
[ "$(dpkg-deb -f "$deb" Package)" = badio ] || fail "Package is not badio"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "Version is not $version"
[ "$(dpkg-deb -f "$deb" Architecture)" = "$arch" ] || fail "Architecture is not $arch"

# Depends: the package of every shared library badio needs, and the four
# the brief names whatever the link line.
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
has_dep() {
	printf '%s\n' "$depends" | tr ',' '\n' | sed 's/^ *//; s/[ (].*//' |
	    grep -qx "$1"
}
for p in libc6 libsqlite3-0 libseccomp2 zlib1g libdw1 libsmartcols1 libnettle8; do
	has_dep "$p" || fail "Depends lacks $p"
done
dpkg-deb -x "$deb" "$work/root"
bin=$work/root/usr/bin/badio
for lib in $(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
	path=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64/ { print $NF; exit }')
	[ -n "$path" ] || { fail "cannot find $lib"; continue; }
	pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -n 1 | sed 's/:.*//')
	[ -n "$pkg" ] || pkg=$(dpkg -S "$path" 2>/dev/null | head -n 1 | sed 's/:.*//')
	[ -n "$pkg" ] || { fail "no package owns $path ($lib)"; continue; }
	has_dep "$pkg" || fail "badio needs $lib from $pkg, not in Depends"
done

# The files, where a Debian system looks for them.
for f in usr/bin/badio usr/share/man/man1/badio.1.gz \
    usr/share/bash-completion/completions/badio \
    usr/share/zsh/site-functions/_badio usr/share/doc/badio/manual.md \
    usr/libexec/badio/examples/demo.sh usr/libexec/badio/examples/naive \
    usr/libexec/badio/examples/atomic; do
	[ -e "$work/root/$f" ] || fail "package lacks /$f"
done

out=$("$bin" --version)
[ "$out" = "badio $version" ] || fail "--version prints '$out', want 'badio $version'"

# The man page renders, with its version.
if ! MANWIDTH=80 man -l "$work/root/usr/share/man/man1/badio.1.gz" \
    >"$work/man.txt" 2>"$work/man.err"; then
	fail "man -l badio.1.gz: $(cat "$work/man.err")"
fi
grep -q "badio $version" "$work/man.txt" || fail "man page footer lacks 'badio $version'"
grep -q "badio record" "$work/man.txt" || fail "man page lacks 'badio record'"

# The installed bash completion asks the installed binary.
if [ -f /usr/share/bash-completion/bash_completion ]; then
	got=$(PATH=$work/root/usr/bin:$PATH bash -c '
		. /usr/share/bash-completion/bash_completion
		. "$1"
		COMP_WORDS=(badio rec); COMP_CWORD=1
		COMP_LINE="badio rec"; COMP_POINT=9
		_badio badio rec badio
		printf "%s\n" "${COMPREPLY[@]}"' sh \
		"$work/root/usr/share/bash-completion/completions/badio")
	[ "$got" = record ] || fail "installed completion of 'badio rec': '$got'"
else
	fail "bash-completion is not installed (tools/setup.sh installs it)"
fi

# The demo, from the package alone.
if ! BADIO=$bin "$work/root/usr/libexec/badio/examples/demo.sh" "$work/demo" \
    >"$work/demo.log" 2>&1; then
	cat "$work/demo.log"
	fail "the installed demo failed"
fi
grep -q '^naive\.c:21 main  data\.txt  silent-corruption under short, torn, eio' \
    "$work/demo.log" || { cat "$work/demo.log"; fail "the demo's report does not name naive.c:21"; }
grep -q 'atomic: no bug, as expected' "$work/demo.log" ||
	fail "the demo's atomic writer has bugs"
[ -f "$work/demo/naive.db" ] && [ -f "$work/demo/atomic.db" ] ||
	fail "the demo did not keep its databases in $work/demo"
grep -q "the databases are kept in $work/demo" "$work/demo.log" ||
	fail "the demo does not say where its databases are"

if [ "$failures" -ne 0 ]; then
	echo "test_deb: $failures failure(s)"
	exit 1
fi
echo "test_deb: all passed"
