#!/usr/bin/env bash
# End-to-end tests: run the mlgate binary as a user would.
#
#   MLGATE=/path/to/mlgate tests/e2e.sh [NAME-GLOB]
#
# Two kinds of test:
#  - golden cases: every folder tests/data/<kind>/<case>/ holds a suite
#    (mlgate.json), its inputs, and expected.json:
#      { "exit": 1, "checks": [ { "status": "failed", "message": "...",
#        "observed": { ... } } ] }
#    The run's JSON results must match: same exit code; for the i-th entry
#    of "checks", the same status, and (when given) the same message and
#    the same values for every key given in "observed"/"expected".
#    "stderr_contains": [...] lists strings the run's stderr must contain.
#  - scripted tests: the test_* functions in tests/e2e/*.sh.
# Set MLGATE_WRAP (e.g. "valgrind -q --error-exitcode=99") to run every
# mlgate process under a wrapper. E2E_SHARD=K/N runs only the K-th of every
# N tests (K from 1), so that N copies share the tests (tests/e2e-shards.sh).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
MLGATE=${MLGATE:-$root/mlgate}
TOOLS=${TOOLS:-$root/build/release/tests/tools}
export MOCKREG=${MOCKREG:-$TOOLS/mockreg}
filter=${1:-*}
pass=0 fail=0
shard_k=1 shard_n=1 seq=0
if [ -n "${E2E_SHARD:-}" ]; then
	if ! [[ $E2E_SHARD =~ ^([0-9]+)/([0-9]+)$ ]] || [ "${BASH_REMATCH[1]}" -lt 1 ] ||
		[ "${BASH_REMATCH[1]}" -gt "${BASH_REMATCH[2]}" ]; then
		echo "e2e.sh: E2E_SHARD must be K/N with 1 <= K <= N, not '$E2E_SHARD'" >&2
		exit 2
	fi
	shard_k=${BASH_REMATCH[1]} shard_n=${BASH_REMATCH[2]}
fi
# mine: counts a selected test and says whether this shard runs it.
mine() {
	seq=$((seq + 1))
	[ $(((seq - 1) % shard_n + 1)) -eq "$shard_k" ]
}
failed_names=()
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Sanitized builds: E2E_SANITIZER says which ("thread", "address" or empty),
# for tests whose bounds (peak memory, wall time) a sanitizer's own cost
# would break. Under ThreadSanitizer every process writes its reports to
# files here: a test after which one appears fails with it, even when the
# process's exit code was not looked at (a server, a run expected to fail).
E2E_SANITIZER=
if ldd "$MLGATE" 2>/dev/null | grep -q 'libtsan'; then
	E2E_SANITIZER=thread
elif ldd "$MLGATE" 2>/dev/null | grep -q 'libasan'; then
	E2E_SANITIZER=address
fi
export E2E_SANITIZER
san_dir=
if [ "$E2E_SANITIZER" = thread ]; then
	san_dir=$work/tsan-reports
	mkdir -p "$san_dir"
	export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}:log_path=$san_dir/report"
fi

# san_reports: prints (the start of) the reports written since the last
# call and removes them; fails when there were none.
san_reports() {
	local f found=1
	[ -n "$san_dir" ] || return 1
	for f in "$san_dir"/report.*; do
		[ -f "$f" ] || continue
		found=0
		head -40 "$f"
		rm -f "$f"
	done
	return $found
}

# mlg ARGS...: runs mlgate (under $MLGATE_WRAP) in the current folder.
mlg() {
	${MLGATE_WRAP:-} "$MLGATE" "$@"
}

ok() {
	local reports
	if reports=$(san_reports); then
		not_ok "$1" "ThreadSanitizer reported (a process of this test, or one it left running):" "$reports"
		return 0
	fi
	pass=$((pass + 1)); echo "ok   $1"
}
not_ok() {
	local reports
	fail=$((fail + 1)); failed_names+=("$1")
	echo "FAIL $1"; shift
	[ $# -gt 0 ] && printf '     %s\n' "$@"
	if reports=$(san_reports); then printf '     %s\n' "ThreadSanitizer reported:" "$reports"; fi
	return 0
}

golden() {
	local dir=$1 name=$2 out rc exp_exit
	cp -r "$dir" "$work/$name"
	(
		cd "$work/$name" || exit 99
		mlg run -j 2 --json results.json --junit junit.xml >stdout.txt 2>stderr.txt
	)
	rc=$?
	out=$work/$name
	exp_exit=$(jq -r '.exit' "$dir/expected.json")
	if [ "$rc" != "$exp_exit" ]; then
		not_ok "$name" "exit $rc, expected $exp_exit" "$(tail -5 "$out/stderr.txt")" "$(tail -15 "$out/stdout.txt")"
		return
	fi
	if [ ! -s "$out/results.json" ]; then
		if jq -e '.checks' "$dir/expected.json" >/dev/null; then
			not_ok "$name" "no results.json written"
			return
		fi
	elif ! jq -e --slurpfile e "$dir/expected.json" '
		. as $r |
		def sub($want; $got): ($want // {}) | to_entries | all(.value == ($got // {})[.key]);
		($e[0].checks // []) | to_entries | all(
			.key as $i | .value as $x | $r.checks[$i] as $c |
			$c != null and $x.status == $c.status and
			(($x.message // $c.message) == $c.message) and
			sub($x.observed; $c.observed) and sub($x.expected; $c.expected))' \
		"$out/results.json" >/dev/null; then
		not_ok "$name" "results differ from expected.json:" \
			"$(jq -c '[.checks[] | {status, message, observed}]' "$out/results.json" | head -c 1500)"
		return
	fi
	if [ -s "$out/junit.xml" ] && ! xmllint --noout --schema "$here/data/spec/junit-mlgate.xsd" "$out/junit.xml" 2>"$out/xsd.txt"; then
		not_ok "$name" "junit.xml does not validate" "$(head -3 "$out/xsd.txt")"
		return
	fi
	while IFS= read -r want; do
		[ -n "$want" ] || continue
		if ! grep -qF -- "$want" "$out/stderr.txt" "$out/stdout.txt"; then
			not_ok "$name" "output lacks: $want" "$(head -5 "$out/stderr.txt")"
			return
		fi
	done < <(jq -r '(.stderr_contains // [])[]' "$dir/expected.json")
	ok "$name"
}

for dir in "$here"/data/*/*/; do
	[ -f "$dir/expected.json" ] || continue
	dir=${dir%/}
	name="golden/$(basename "$(dirname "$dir")")/$(basename "$dir")"
	# shellcheck disable=SC2053
	[[ $name == $filter || ${name//\//_} == $filter ]] || continue
	mine || continue
	golden "$dir" "${name//\//_}"
done

for f in "$here"/e2e/*.sh; do
	[ -f "$f" ] || continue
	# shellcheck source=/dev/null
	. "$f"
done
for t in $(declare -F | awk '{print $3}' | grep '^test_'); do
	# shellcheck disable=SC2053
	[[ $t == $filter ]] || continue
	mine || continue
	d="$work/$t"
	mkdir -p "$d"
	if (cd "$d" && "$t") >"$d.log" 2>&1; then
		ok "$t"
	else
		not_ok "$t" "$(tail -15 "$d.log")"
	fi
done

echo "e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ] || { printf 'failed: %s\n' "${failed_names[@]}" >&2; exit 1; }
