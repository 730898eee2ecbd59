#!/bin/sh
# Oracle for atomic.c: data.txt must be either the old version (from
# atomic-init/) or the new one, exactly: never missing, never a mix.
old='badio example: version 1 of this file.'
new='badio example: version 2 of this file, replaced atomically.'
if [ ! -f data.txt ]; then
	echo "data.txt is missing"
	exit 1
fi
printf '%s\n' "$new" | cmp -s - data.txt && exit 0
printf '%s\n' "$old" | cmp -s - data.txt && exit 0
echo "data.txt is neither the old nor the new version ($(wc -c < data.txt) bytes)"
exit 1
