#!/bin/sh
# Oracle for tests/progs/html_saver.c: every line of log.txt is a whole
# record, and cfg and snap, when they exist, are whole.
if [ -f log.txt ] && grep -qv '^record [0-9]$' log.txt; then
	echo "log.txt has a damaged record"
	exit 1
fi
if [ -f cfg ] && [ "$(cat cfg)" != "mode=fast" ]; then
	echo "cfg is damaged ($(wc -c < cfg) bytes)"
	exit 1
fi
if [ -f snap ] && [ "$(cat snap)" != "snapshot" ]; then
	echo "snap is damaged ($(wc -c < snap) bytes)"
	exit 1
fi
exit 0
