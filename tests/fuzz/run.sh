#!/bin/sh
# Runs every libFuzzer target for SECONDS each, one after the other, one
# process each (the machines are shared): `make fuzz FUZZ_SECONDS=N`, and
# a short smoke in .ci/run.
#
# usage: tests/fuzz/run.sh FUZZERS_DIR SECONDS
#
# For each FUZZERS_DIR/fuzz_X:
#   working corpus  build/fuzz-corpus/fuzz_X/ (kept between runs), seeded
#                   from tests/fuzz/corpus/fuzz_X/ and tests/fuzz/regress/fuzz_X/
#                   (read only: new inputs go to the working corpus)
#   dictionary      tests/fuzz/fuzz_X.dict, when there is one
#   findings        build/fuzz-artifacts/fuzz_X/ (crash-*, leak-*, timeout-*, oom-*)
#   log             build/fuzz-artifacts/fuzz_X/fuzz.log
# Every target runs even after a finding; the exit status is 1 when any
# found something (each finding is named, with the command that replays
# it), 2 on a usage error, else 0. One line per target gives its runs,
# coverage and speed, from libFuzzer's last status line.
set -u

if [ $# -ne 2 ] || ! [ "$2" -gt 0 ] 2>/dev/null; then
	echo "usage: $0 FUZZERS_DIR SECONDS" >&2
	exit 2
fi
dir=$1
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS

# Longest input each target gets: room for what it reads, no more (longer
# inputs mostly slow the fuzzer down).
max_len() {
	case $1 in
	fuzz_value) echo 256 ;;
	fuzz_http | fuzz_jsonpath) echo 4096 ;;
	fuzz_csv | fuzz_jsonl) echo 8192 ;;
	fuzz_suite | fuzz_merge) echo 16384 ;;
	fuzz_junit_import) echo 32768 ;;
	*) echo 4096 ;;
	esac
}

found=0
count=0
for bin in "$dir"/fuzz_*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	name=$(basename "$bin")
	corpus=$root/build/fuzz-corpus/$name
	artifacts=$root/build/fuzz-artifacts/$name
	log=$artifacts/fuzz.log
	mkdir -p "$corpus" "$artifacts" || exit 2
	set -- -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-max_len="$(max_len "$name")" -print_final_stats=1 \
		-artifact_prefix="$artifacts/"
	[ -f "$here/$name.dict" ] && set -- "$@" -dict="$here/$name.dict"
	set -- "$@" "$corpus"
	for sub in corpus regress; do
		[ -d "$here/$sub/$name" ] && set -- "$@" "$here/$sub/$name"
	done
	count=$((count + 1))
	echo "fuzz: $name for ${seconds}s: $bin $*" >"$log"
	"$bin" "$@" >>"$log" 2>&1
	rc=$?
	last=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -n 1)
	runs=$(grep '^stat::number_of_executed_units:' "$log" | awk '{print $2}')
	speed=$(grep '^stat::average_exec_per_sec:' "$log" | awk '{print $2}')
	cov=$(printf '%s\n' "$last" | sed -n 's/.*\(cov: [0-9]*\).*/\1/p')
	ft=$(printf '%s\n' "$last" | sed -n 's/.*\(ft: [0-9]*\).*/\1/p')
	echo "fuzz: $name: ${runs:-?} runs, ${speed:-?} exec/s, ${cov:-cov: ?}, ${ft:-ft: ?}"
	if [ $rc -ne 0 ]; then
		found=1
		artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
		echo "fuzz: FINDING in $name (exit $rc): ${artifact:-no artifact written, see $log}" >&2
		grep -E 'ERROR|SUMMARY|runtime error|^    #[0-9] ' "$log" | head -n 20 >&2
		[ -n "$artifact" ] && echo "fuzz: replay it with: $bin $artifact" >&2
	fi
done
if [ $count -eq 0 ]; then
	echo "fuzz: no fuzz_* programs in $dir (make SANITIZE=fuzz fuzzers builds them)" >&2
	exit 2
fi
if [ $found -ne 0 ]; then
	echo "fuzz: findings above; keep each reproducer in tests/fuzz/regress/<target>/ once fixed" >&2
	exit 1
fi
echo "fuzz: $count targets, ${seconds}s each: no finding"
