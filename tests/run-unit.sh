#!/usr/bin/env bash
# Runs each cmocka test binary given on the command line from the
# repository root, and prints one closing line with the totals.
set -u
cd "$(dirname "$0")/.."
pass=0 fail=0 failed_bins=""
for t in "$@"; do
	out=$("$t" 2>&1); rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
	pass=$((pass + p)); fail=$((fail + f))
	if [ $rc -ne 0 ]; then
		failed_bins="$failed_bins $t"
		[ "$f" -gt 0 ] || fail=$((fail + 1))
	fi
done
echo "unit: $pass passed, $fail failed"
if [ -n "$failed_bins" ]; then
	echo "failing test programs:$failed_bins" >&2
	exit 1
fi
