#!/usr/bin/env bash
# tools/setup.sh: install what badio needs to build and test, on Debian 12.
#
# Idempotent: asks dpkg which packages are missing and installs only those
# (apt-get update runs only when something is missing).  Runs as root, or
# through sudo.
set -euo pipefail

packages=(
	build-essential cmake pkg-config	# compiler and build
	libsqlite3-dev sqlite3			# the store
	libseccomp-dev				# the tracer's filter
	zlib1g-dev				# compressed stdin, debuglink CRCs
	libxxhash-dev				# the data checksum (xxh3)
	libarchive-dev				# --init snapshots (pax tar, zstd)
	tar zstd				# tests read the snapshots with tar
	libcriterion-dev			# unit and live tests
	python3 golang-go			# test target programs
	python3-gdbm				# dbm.gnu: a program that writes through mmap
	strace					# nested-tracing test, benchmark
	time					# benchmarks' peak memory (GNU time)
	libdw-dev				# stack traces
	libsmartcols-dev			# tables (util-linux, as lsblk)
	nettle-dev				# SHA-256 of the oracle script
	dpkg-dev				# the .deb: dpkg-shlibdeps (cpack)
	man-db mandoc				# man page test: man -l, lint
	bash-completion zsh			# completion tests
	chromium				# tests of the HTML report
	slurm-wlm munge				# tests of the Slurm recipe (scale)
	parallel rsync openssh-server openssh-client	# GNU parallel recipes
	libxml2-utils python3-jsonschema	# report formats: JUnit, SARIF schemas
	git sed util-linux			# real programs the determinism
						# tests explore; setpriv, unshare
)
missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ $status == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
	echo "setup: all ${#packages[@]} packages are installed"
	exit 0
fi

if ((EUID == 0)); then
	sudo=()
elif command -v sudo >/dev/null; then
	sudo=(sudo)
else
	echo "setup: missing packages: ${missing[*]}" >&2
	echo "setup: run as root or install sudo" >&2
	exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y -q --no-install-recommends "${missing[@]}"
