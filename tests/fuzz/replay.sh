#!/bin/sh
# Replays every fuzz target over its seeds and its kept reproducers, once
# each, with the target linked against tests/fuzz/replay.c (any compiler,
# no libFuzzer): `make fuzz-replay`, part of `make check`.
#
# usage: tests/fuzz/replay.sh BUILD_FUZZ_DIR BIN...
#
# For each BIN named fuzz_X (a path, or a name looked up in
# BUILD_FUZZ_DIR) the inputs are tests/fuzz/corpus/fuzz_X/ and
# tests/fuzz/regress/fuzz_X/ (reproducers of bugs found and fixed). A
# crash, a sanitizer report or a leak stops with the input that caused it
# and the tail of the output; at the end one line sums up:
#   fuzz-replay: 8 targets, 312 inputs
set -u

if [ $# -lt 2 ]; then
	echo "usage: $0 BUILD_FUZZ_DIR BIN..." >&2
	exit 2
fi
dir=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
# Sanitizer builds: stop at the first report, leaks included.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS
mkdir -p "$dir" || exit 2

targets=0
inputs=0
for bin in "$@"; do
	case $bin in
	*/*) ;;
	*) bin=$dir/$bin ;;
	esac
	name=$(basename "$bin")
	if [ ! -x "$bin" ]; then
		echo "fuzz-replay: $bin: no such program (build it with make fuzz-replay)" >&2
		exit 2
	fi
	set --
	for sub in corpus regress; do
		[ -d "$here/$sub/$name" ] && set -- "$@" "$here/$sub/$name"
	done
	if [ $# -eq 0 ]; then
		echo "fuzz-replay: $name has no seeds: add some to tests/fuzz/corpus/$name/" >&2
		exit 1
	fi
	log=$dir/$name.replay.log
	"$bin" "$@" >"$log" 2>&1
	rc=$?
	# replay prints "FILE (N bytes)" before running each input
	ran=$(grep -c ' bytes)$' "$log")
	if [ $rc -ne 0 ]; then
		last=$(grep ' bytes)$' "$log" | tail -n 1)
		# LeakSanitizer reports at exit, after the last input: any of them
		grep -q 'LeakSanitizer' "$log" && last="one of its inputs (a leak; run them one by one)"
		echo "fuzz-replay: FAILED: $name (exit $rc) on ${last:-no input}" >&2
		echo "--- last lines of $log ---" >&2
		tail -n 40 "$log" >&2
		echo "fuzz-replay: FAILED: $name on ${last:-no input}" >&2
		exit 1
	fi
	targets=$((targets + 1))
	inputs=$((inputs + ran))
done
echo "fuzz-replay: $targets targets, $inputs inputs"
