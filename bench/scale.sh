#!/usr/bin/env bash
# make bench, part "scale": the runner's own overhead with many checks, and
# the memory of a large JUnit import.
#
#   MLGATE=./mlgate bench/scale.sh         (or BENCH_PARTS=scale make bench)
#
# Suites made by bench/scale-gen.sh under build/bench/scale/ (again only
# when the generator changes):
#  - trivial-1, trivial-1000: 1 and 1,000 infra.file checks of one 6-byte
#    file. "Trivial": each check is one stat() and two comparisons, so the
#    time is mlgate's own: starting, loading and validating the suite,
#    planning, running the checks on the threads, writing the report.
#    Timed with --junit, against pytest running 1,000 tests that each
#    `assert True` with --junitxml, in the same run.
#  - mixed-10000: 10,000 checks of 12 data kinds over 100 datasets of 40
#    to 59 rows (CSV, TSV, JSON Lines), all four reports (--json, --junit,
#    --summary, --metrics), which are then validated (jq, xmllint against
#    tests/data/spec/junit-mlgate.xsd, promtool when installed).
#  - junit-100000, junit-1000000 (when this mlgate has infra.junit): one
#    infra.junit check importing a pytest-style report of 100k and 1M test
#    cases (13 and 137 MB); the peak RSS of the second should be about that
#    of the first (the reader streams).
#
# Time: hyperfine (--warmup 1, the mean and the min of BENCH_SCALE_RUNS runs)
# when it is installed, else the best of BENCH_SCALE_RUNS (default 5) runs
# timed by the shell ($EPOCHREALTIME, else `date +%s%N`). Peak RSS and CPU
# time (user + system): one more run under `/usr/bin/time -f '%M %U %S'`,
# else under bench/maxrss.c (getrusage); RSS counts every resident page,
# the libraries' too.
#
# Environment: MLGATE, BENCH_SCALE_RUNS (default 5), BENCH_SCALE_JUNIT
# (default "100000 1000000"; empty: skip the import), BENCH_SCALE_CHECKS
# (default 10000: the mixed suite's size, over BENCH_SCALE_DATASETS, default
# 100), PYTHON (an interpreter with pytest; default: the first of python3
# and /usr/bin/python3 that has it). Like bench/run.sh, it prints figures
# and fails only when a command fails or a report does not validate.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
MLGATE=${MLGATE:-$root/mlgate}
RUNS=${BENCH_SCALE_RUNS:-5}
JUNIT_SIZES=${BENCH_SCALE_JUNIT-100000 1000000}
NCHECKS=${BENCH_SCALE_CHECKS:-10000}
NDATA=${BENCH_SCALE_DATASETS:-100}
out=$root/build/bench/scale
mkdir -p "$out"

die() { echo "bench (scale): $*" >&2; exit 1; }

[ -x "$MLGATE" ] || die "no mlgate binary at $MLGATE (run make first)"
case $MLGATE in "$root"/build/bench/*) ;; *)
	# a copy, so that a rebuild meanwhile changes nothing under the timings
	cp "$MLGATE" "$out/mlgate" || die "cannot copy $MLGATE"
	MLGATE=$out/mlgate ;;
esac

# ---- measuring ----

if [ -x /usr/bin/time ]; then
	rss_tool="/usr/bin/time -f '%M %U %S'"
	rss_of() { /usr/bin/time -f '%M %U %S' -o "$out/rss.txt" "$@" >/dev/null 2>"$out/last.err"; }
else
	if [ ! -x "$out/maxrss" ] || [ "$root/bench/maxrss.c" -nt "$out/maxrss" ]; then
		${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o "$out/maxrss" \
			"$root/bench/maxrss.c" || die "cannot build bench/maxrss.c"
	fi
	rss_tool="bench/maxrss.c (getrusage)"
	rss_of() { "$out/maxrss" "$@" >/dev/null 2>"$out/rss.all"; local rc=$?; tail -n 1 "$out/rss.all" >"$out/rss.txt"; return $rc; }
fi
if command -v hyperfine >/dev/null; then
	time_tool="hyperfine --warmup 1 --runs $RUNS (min of the runs; mean beside it)"
else
	time_tool="the best of $RUNS run(s), wall clock from the shell"
fi

now_ns() {
	if [ -n "${EPOCHREALTIME:-}" ]; then
		local t=${EPOCHREALTIME/[.,]/}
		echo "${t}000"
	else
		date +%s%N
	fi
}

# measure DIR CMD...: runs CMD in DIR; sets BEST (seconds, the fastest run),
# MEAN (hyperfine's mean, or empty), and from one more run PEAK (KiB) and
# CPU (user + system seconds: steadier than wall time on a busy machine).
# Exits the script when CMD fails.
measure() {
	local dir=$1 i t0 t1 s
	shift
	BEST='' MEAN=''
	if command -v hyperfine >/dev/null; then
		(cd "$dir" && hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$out/hf.json" \
			--output=null -- "$(printf '%q ' "$@")") >"$out/hf.out" 2>&1 ||
			{ cat "$out/hf.out" >&2; die "failed: $*"; }
		BEST=$(jq -r '.results[0].min' "$out/hf.json")
		MEAN=$(jq -r '.results[0].mean' "$out/hf.json")
	else
		for ((i = 0; i < RUNS; i++)); do
			t0=$(now_ns)
			(cd "$dir" && "$@") >"$out/last.out" 2>"$out/last.err" ||
				{ tail -n 20 "$out/last.out" "$out/last.err" >&2; die "failed (exit $?): $*"; }
			t1=$(now_ns)
			s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')
			if [ -z "$BEST" ] || awk -v a="$s" -v b="$BEST" 'BEGIN { exit !(a < b) }'; then
				BEST=$s
			fi
		done
	fi
	(cd "$dir" && rss_of "$@") || { cat "$out/last.err" >&2; die "failed under $rss_tool: $*"; }
	read -r PEAK CPU <<<"$(tail -n 1 "$out/rss.txt" | awk '{ printf "%d %.2f", $1, $2 + $3 }')"
}

# ---- the suites ----

gen_sum=$(sha256sum "$root/bench/scale-gen.sh" | cut -c1-16)

# suite NAME ARGS...: build/bench/scale/NAME made by `scale-gen.sh ARGS... DIR`
suite() {
	local name=$1 dir=$out/$1
	shift
	if [ "$(cat "$dir.stamp" 2>/dev/null)" != "$* $gen_sum" ]; then
		rm -rf "$dir" "$dir.stamp"
		"$root/bench/scale-gen.sh" "$@" "$dir" || die "generating $name failed"
		echo "$* $gen_sum" >"$dir.stamp"
	fi
}

suite trivial-1 trivial 1
suite trivial-1000 trivial 1000
suite "mixed-$NCHECKS" mixed "$NCHECKS" "$NDATA"

pytest_py=${PYTHON:-}
if [ -z "$pytest_py" ]; then
	for p in python3 /usr/bin/python3; do
		if "$p" -m pytest --version >/dev/null 2>&1; then
			pytest_py=$p
			break
		fi
	done
fi

# ---- runner overhead ----

echo "scale benchmark: the runner's own overhead ($(nproc) CPUs, default -j)"
echo "time: $time_tool; peak RSS: one more run under $rss_tool"
echo

declare -a rows cmds
# row LABEL CHECKS DIR CMD...: measures CMD in DIR, keeps a table row
row() {
	local label=$1 n=$2 dir=$3
	shift 3
	measure "$dir" "$@"
	rows+=("$(printf '%s\t%s\t%s\t%s\t%s\t%s' "$label" "$n" "$BEST" "$CPU" "$PEAK" "$MEAN")")
	cmds+=("$(printf 'cd %s && %s' "${dir#"$root"/}" "$(printf '%q ' "$@" | sed -e "s#^$MLGATE #mlgate #" -e 's/ $//')")")
}

t=$out/trivial-1
row "mlgate run, 1 trivial check" 1 "$t" \
	"$MLGATE" run -c mlgate.json --quiet --color=never --junit junit.xml
t1=$BEST
t=$out/trivial-1000
row "mlgate run, 1,000 trivial checks" 1000 "$t" \
	"$MLGATE" run -c mlgate.json --quiet --color=never --junit junit.xml
t1000=$BEST
xmllint --noout --schema "$root/tests/data/spec/junit-mlgate.xsd" "$t/junit.xml" 2>"$out/xsd.txt" ||
	{ head -5 "$out/xsd.txt" >&2; die "the JUnit report of trivial-1000 does not validate"; }
tp=
if [ -n "$pytest_py" ]; then
	row "pytest, 1,000 trivial tests" 1000 "$t" \
		"$pytest_py" -m pytest -q --junitxml=pytest-junit.xml test_trivial.py
	tp=$BEST
fi
m=$out/mixed-$NCHECKS
row "mlgate run, $NCHECKS checks, $NDATA datasets, 4 reports" "$NCHECKS" "$m" \
	"$MLGATE" run -c mlgate.json --quiet --color=never --json r.json --junit j.xml --summary s.md --metrics m.prom
tmix=$BEST
row "mlgate validate, the same suite" "$NCHECKS" "$m" "$MLGATE" validate -c mlgate.json

printf '%-52s %7s %8s %13s %6s %7s\n' "what" "checks" "wall s" "ms per check" "CPU s" "RSS MB"
for r in "${rows[@]}"; do
	IFS=$'\t' read -r label n s cpu kb mean <<<"$r"
	printf '%-52s %7d %8.3f %13.3f %6.2f %7.1f%s\n' "$label" "$n" "$s" "$(awk -v s="$s" -v n="$n" 'BEGIN { print s * 1000 / n }')" \
		"$cpu" "$(awk -v k="$kb" 'BEGIN { print k / 1024 }')" "${mean:+  (mean $(awk -v m="$mean" 'BEGIN { printf "%.3f", m }') s)}"
done
echo "(wall: the fastest run; ms per check: wall / checks; CPU s: user + system of the RSS run)"
echo "commands (in build/bench/scale/; mlgate: a copy of \$MLGATE there):"
for i in "${!cmds[@]}"; do
	printf '  %d. %s\n' "$((i + 1))" "${cmds[$i]}"
done
[ -n "$pytest_py" ] || echo "  (pytest: not found for python3 or /usr/bin/python3: no comparison; set PYTHON)"
echo

awk -v t1="$t1" -v t="$t1000" -v tp="$tp" -v tm="$tmix" -v nm="$NCHECKS" 'BEGIN {
	printf "per trivial check beyond the first: %.3f ms ((%.3f s - %.3f s) / 999)\n", (t - t1) * 1000 / 999, t, t1
	printf "goal: 1,000 trivial checks in under 0.2 s: %s (%.3f s)\n", t < 0.2 ? "met" : "NOT met", t
	printf "goal: under 1 ms a check: %s (%.3f ms a check on %d checks, reading the datasets and writing 4 reports included)\n",
		tm * 1000 / nm < 1 ? "met" : "NOT met", tm * 1000 / nm, nm
	if (tp != "")
		printf "pytest / mlgate on 1,000 trivial tests with a JUnit report: %.3f s / %.3f s = %.1fx\n", tp, t, tp / t
}'

# the reports of the mixed run validate
(
	cd "$m" || exit 1
	jq -e --argjson n "$NCHECKS" '.summary.total == $n and (.checks | length) == $n and
		([.checks[].id] | unique | length) == $n and .summary.errors == 0 and .summary.failed == 0' \
		r.json >/dev/null || { echo "r.json: not $NCHECKS distinct checks without errors"; exit 1; }
	xmllint --noout --schema "$root/tests/data/spec/junit-mlgate.xsd" j.xml 2>"$out/xsd.txt" ||
		{ head -5 "$out/xsd.txt"; exit 1; }
	[ "$(grep -c '<testcase ' j.xml)" = "$NCHECKS" ] || { echo "j.xml: not $NCHECKS test cases"; exit 1; }
	grep -q '^## .*gate open' s.md || { echo "s.md: no heading"; exit 1; }
	tail -n 1 m.prom | grep -qx '# EOF' || { echo "m.prom: no '# EOF' at the end"; exit 1; }
	if command -v promtool >/dev/null; then
		promtool check metrics <m.prom >"$out/promtool.txt" 2>&1
		rc=$?
		# 3: parsed, with lint remarks only
		[ "$rc" = 0 ] || [ "$rc" = 3 ] || { head -5 "$out/promtool.txt"; exit 1; }
	fi
) || die "the reports of the $NCHECKS-check run do not validate"
echo "reports of the $NCHECKS-check run: JSON ($NCHECKS distinct ids), JUnit (valid against junit-mlgate.xsd),"
echo "Markdown and metrics$(command -v promtool >/dev/null && echo " (promtool check metrics parses them)") checked"

# ---- a large JUnit import ----

if [ -n "$JUNIT_SIZES" ]; then
	echo
	if ! "$MLGATE" kinds 2>/dev/null | grep -q '^infra\.junit '; then
		echo "JUnit import: infra.junit not available in this mlgate: skipped"
	else
		echo "JUnit import: one infra.junit check of a pytest-style report (bench/scale-gen.sh junit N)"
		printf '%-10s %10s %9s %6s %8s\n' "test cases" "MB" "wall s" "CPU s" "RSS MB"
		first=
		for n in $JUNIT_SIZES; do
			suite "junit-$n" junit "$n"
			measure "$out/junit-$n" "$MLGATE" run -c mlgate.json --quiet --color=never --json r.json
			printf '%-10s %10.1f %9.3f %6.2f %8.1f\n' "$n" "$(stat -c %s "$out/junit-$n/junit.xml" | awk '{ print $1 / 1e6 }')" \
				"$BEST" "$CPU" "$(awk -v k="$PEAK" 'BEGIN { print k / 1024 }')"
			jq -e --argjson n "$n" '.checks[0].status == "passed" and .checks[0].observed.tests == $n' \
				"$out/junit-$n/r.json" >/dev/null ||
				die "the import of $n cases did not pass: $(jq -c '.checks[0] | {status, message}' "$out/junit-$n/r.json")"
			if [ -z "$first" ]; then
				first=$n first_rss=$PEAK
			else
				awk -v a="$first_rss" -v b="$PEAK" -v na="$first" -v nb="$n" 'BEGIN {
					printf "peak RSS, %d cases against %d: %.2fx for %.0fx the cases (%s)\n", nb, na, b / a, nb / na,
						b / a < 1.5 ? "bounded" : "NOT bounded: it grows with the report"
				}'
			fi
		done
		echo "command: cd build/bench/scale/junit-N && mlgate run -c mlgate.json --quiet --color=never --json r.json"
	fi
fi
