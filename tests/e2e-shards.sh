#!/usr/bin/env bash
# Runs the end-to-end tests as N shards at once, each output line prefixed
# with its shard, and fails when any shard fails.
#
#   tests/e2e-shards.sh [N [NAME-GLOB]]     (N defaults to the CPU count)
#
# `make valgrind` uses it: under valgrind every mlgate process runs on one
# core at a fraction of its speed, so one shard a core divides the time.
set -u
here=$(cd "$(dirname "$0")" && pwd)
n=${1:-$(nproc)}
[ $# -gt 0 ] && shift
if ! [[ $n =~ ^[1-9][0-9]*$ ]]; then
	echo "e2e-shards.sh: the shard count must be a positive integer, not '$n'" >&2
	exit 2
fi
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
pids=()
for k in $(seq "$n"); do
	(
		E2E_SHARD=$k/$n "$here/e2e.sh" "$@" 2>&1 | tee "$logs/$k" | sed -u "s|^|[$k/$n] |"
		exit "${PIPESTATUS[0]}"
	) &
	pids+=($!)
done
rc=0
for p in "${pids[@]}"; do
	wait "$p" || rc=1
done
# One total, as a single e2e.sh run would print it; a shard that ended
# without its own total (killed, crashed) fails the run.
cat "$logs"/* | awk -v n="$n" '
	/^e2e: [0-9]+ passed, [0-9]+ failed$/ { p += $2; f += $4; shards++ }
	/^failed: / { names = names "\n" $0 }
	END {
		printf "e2e (%d of %d shards): %d passed, %d failed%s\n", shards, n, p, f, names
		exit shards != n
	}' || rc=1
exit $rc
