#!/bin/sh
# Oracle for naive.c: data.txt must hold exactly the line naive writes.
# Exit 0: intact; anything else: damaged (badio explore runs this in the
# run's directory).
want='badio example: every byte of this line must reach the disk.'
if [ ! -f data.txt ]; then
	echo "data.txt is missing"
	exit 1
fi
if ! printf '%s\n' "$want" | cmp -s - data.txt; then
	echo "data.txt is damaged: $(wc -c < data.txt) bytes, want $(printf '%s\n' "$want" | wc -c)"
	exit 1
fi
exit 0
