#!/usr/bin/env bash
# make bench: how fast `mlgate run` reads data, against `cat`.
#
#   MLGATE=./mlgate bench/run.sh
#
# Generates build/bench/bench-1M.csv and bench-10M.csv (about 1.2 GB in all)
# with bench/gen.c on first use, and again when gen.c changes; then, for
# each, times `cat FILE >/dev/null` (the file already in the page cache)
# and `mlgate run` of bench/suite.json with -j1 and -j2 (best of 3 for 1M,
# of 2 for 10M; each run right after a read of the file), and prints one
# table. Then it times subsets of the suite on the 10M file to show where
# the time goes.
#
# Timings are only printed, never judged: the script fails only when mlgate
# does (a check failing on the generated data is a failure too).
#
# Environment: MLGATE (the binary), BENCH_SUITE (default bench/suite.json),
# BENCH_SIZES (default "1M 10M"; any of 100K 1M 10M), BENCH_BEST (runs
# per figure, instead of 3 and 2: more on a busy machine), BENCH_NO_PHASES=1
# to skip the breakdown.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
MLGATE=${MLGATE:-$root/mlgate}
SUITE=${BENCH_SUITE:-$root/bench/suite.json}
SIZES=${BENCH_SIZES:-1M 10M}
out=$root/build/bench
mkdir -p "$out"

die() { echo "bench: $*" >&2; exit 1; }

[ -x "$MLGATE" ] || die "no mlgate binary at $MLGATE (run make first)"
# a copy, so that a rebuild meanwhile changes nothing under the timings
cp "$MLGATE" "$out/mlgate" || die "cannot copy $MLGATE"
MLGATE=$out/mlgate

# ---- the data ----

gen=$out/gen
if [ ! -x "$gen" ] || [ "$root/bench/gen.c" -nt "$gen" ]; then
	${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o "$gen" "$root/bench/gen.c" ||
		die "cannot build bench/gen.c"
fi
gen_sum=$(sha256sum "$root/bench/gen.c" | cut -c1-16)

rows_of() {
	case $1 in
	100K) echo 100000 ;;
	1M) echo 1000000 ;;
	10M) echo 10000000 ;;
	*) die "unknown size '$1' (100K, 1M or 10M)" ;;
	esac
}

# data_for SIZE: the file, generated when missing or made by another gen.c
data_for() {
	local size=$1 rows file stamp
	rows=$(rows_of "$size")
	file=$out/bench-$size.csv
	stamp="$rows rows, gen.c $gen_sum"
	if [ ! -s "$file" ] || [ "$(cat "$file.stamp" 2>/dev/null)" != "$stamp" ]; then
		echo "bench: generating $file ($rows rows)..." >&2
		"$gen" "$rows" "$file.tmp" || die "generating $file failed"
		# written back now, not while the timings run
		sync "$file.tmp"
		mv "$file.tmp" "$file"
		echo "$stamp" >"$file.stamp"
	fi
	echo "$file"
}

# ---- timing ----

# timed CMD...: runs CMD once, its output to $SINK (default: a file kept
# for error reports); sets WALL (seconds), RSS (KiB) and RC. RSS is the
# peak of RssAnon, sampled every 10 ms: the memory mlgate holds, without the
# pages of the mapped data file (the page cache holds those anyway), which
# is what the goal counts.
timed() {
	local t0 t1 pid a
	t0=$EPOCHREALTIME
	"$@" >"${SINK:-$out/last.out}" 2>"$out/last.err" &
	pid=$!
	RSS=0
	while kill -0 "$pid" 2>/dev/null; do
		a=$(awk '/^RssAnon:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
		[ -n "$a" ] && [ "$a" -gt "$RSS" ] && RSS=$a
		sleep 0.01
	done
	wait "$pid"
	RC=$?
	t1=$EPOCHREALTIME
	WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
}

# best N CMD...: the fastest of N runs in BEST, the largest RSS in PEAK;
# stops the script when the command fails. Each run follows a read of
# $WARM, so the file is in the page cache whatever evicted it meanwhile.
best() {
	local n=$1 i
	shift
	BEST='' PEAK=0
	for ((i = 0; i < n; i++)); do
		[ -z "${WARM:-}" ] || cat "$WARM" >/dev/null
		timed "$@"
		if [ "$RC" != 0 ]; then
			echo "bench: failed (exit $RC): $*" >&2
			tail -n 25 "$out/last.out" >&2
			tail -n 10 "$out/last.err" >&2
			exit 1
		fi
		if [ -z "$BEST" ] || awk -v a="$WALL" -v b="$BEST" 'BEGIN { exit !(a < b) }'; then
			BEST=$WALL
		fi
		[ "$RSS" -gt "$PEAK" ] && PEAK=$RSS
	done
}

# run_on FILE: the command line of `mlgate run` on FILE, in RUN (add -j N, -k ...)
run_on() {
	RUN=(env BENCH_DATA="$1" "$MLGATE" run -c "$SUITE" --quiet --color=never)
}

# ---- what runs ----

simd=$("$MLGATE" version 2>/dev/null | sed -n 's/.*data fields split with //p')
[ -n "$simd" ] || simd="not reported by this mlgate"
BENCH_DATA=/dev/null "$MLGATE" validate -c "$SUITE" >/dev/null ||
	die "$SUITE does not validate with this mlgate (see above)"

echo "mlgate benchmark: $("$MLGATE" version | head -n 1), $(nproc) CPUs, $(uname -m)"
echo "CPU: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)"
echo "SIMD path: $simd"
if grep -qs on /sys/kernel/mm/damon/admin/kdamonds/*/state; then
	echo "note: DAMON is on (proactive reclaim may evict the file between runs: each run follows a read of it)"
fi
echo "suite: ${SUITE#"$root"/} ($(BENCH_DATA=/dev/null "$MLGATE" validate -c "$SUITE" | sed 's/.*valid: //'))"
echo

table=$out/table.txt
: >"$table"
for size in $SIZES; do
	file=$(data_for "$size") || exit 1
	rows=$(rows_of "$size")
	bytes=$(stat -c %s "$file")
	if [ "$size" = 10M ]; then n=2; else n=3; fi
	n=${BENCH_BEST:-$n}
	WARM=$file
	SINK=/dev/null best "$n" cat "$file"
	cat_s=$BEST cat_rss=$PEAK
	run_on "$file"
	best "$n" "${RUN[@]}" -j 1
	j1=$BEST j1_rss=$PEAK
	best "$n" "${RUN[@]}" -j 2
	j2=$BEST j2_rss=$PEAK
	printf '%s %s %s %s %s %s %s %s %s\n' "$size" "$rows" "$bytes" "$cat_s" "$cat_rss" \
		"$j1" "$j1_rss" "$j2" "$j2_rss" >>"$table"
done

awk -v sp="(best of ${BENCH_BEST:-3 for 1M and smaller, of 2 for 10M}; RSS: peak anonymous memory (RssAnon sampled every 10 ms), without the mapped file's pages)" '
function row(what, rows, bytes, s, rss, cat_s, speedup) {
	printf "%-6s %-13s %10d %14d %8.3f %9.1f %12.0f %8.1f %7.2f %8s\n", size, what, rows, bytes,
		s, bytes / s / 1e6, rows / s, rss / 1024, s / cat_s, speedup
}
BEGIN {
	printf "%-6s %-13s %10s %14s %8s %9s %12s %8s %7s %8s\n", "size", "what", "rows", "bytes",
		"wall s", "MB/s", "rows/s", "RSS MB", "x cat", "-j2 gain"
}
{
	size = $1
	row("cat", $2, $3, $4, $5, $4, "")
	row("mlgate -j1", $2, $3, $6, $7, $4, "")
	row("mlgate -j2", $2, $3, $8, $9, $4, sprintf("%.2fx", $6 / $8))
}
END { print sp }' "$table"

# ---- where the time goes (10M, -j1) ----

case " $SIZES " in *" 10M "*) phase_size=10M ;; *) phase_size=$(echo "$SIZES" | awk '{ print $NF }') ;; esac
if [ "${BENCH_NO_PHASES:-0}" != 1 ]; then
	file=$out/bench-$phase_size.csv
	rows=$(rows_of "$phase_size")
	if [ "$phase_size" = 10M ]; then n=2; else n=3; fi
	n=${BENCH_BEST:-$n}
	run_on "$file"
	WARM=$file
	echo
	echo "where the time goes: $phase_size rows, -j1, best of $n; each line adds checks to the one above"
	printf '%-46s %8s %8s %12s\n' "checks run" "wall s" "+ s" "ns/row"
	prev=0
	phase() { # LABEL -k PATTERN...
		local label=$1
		shift
		best "$n" "${RUN[@]}" -j 1 "$@"
		awk -v l="$label" -v s="$BEST" -v p="$prev" -v r="$rows" \
			'BEGIN { printf "%-46s %8.3f %8.3f %12.1f\n", l, s, s - p, (s - p) * 1e9 / r }'
		prev=$BEST
	}
	phase "row_count (reading, tokenizing)" -k 'data.row_count:*'
	phase "+ schema (all 12 columns converted)" -k 'data.row_count:*' -k 'data.schema:*'
	phase "+ pattern (email regex)" -k 'data.row_count:*' -k 'data.schema:*' -k 'data.pattern:*'
	phase "+ unique (hashing 'id')" -k 'data.row_count:*' -k 'data.schema:*' -k 'data.pattern:*' \
		-k 'data.unique:*'
	phase "+ stats (exact quantiles of 'amount')" -k 'data.row_count:*' -k 'data.schema:*' \
		-k 'data.pattern:*' -k 'data.unique:*' -k 'data.stats:*'
	phase "+ the rest (not_null, range, distinct, allowed)"
	prev=0
	best "$n" env MLGATE_SIMD=generic "${RUN[@]}" -j 1 -k 'data.row_count:*'
	awk -v s="$BEST" -v r="$rows" \
		'BEGIN { printf "%-46s %8.3f %8s %12.1f\n", "row_count, MLGATE_SIMD=generic", s, "", s * 1e9 / r }'
	echo "(times include starting mlgate, the SHA-256 of the file, taken beside the parsing"
	echo " thread, and the git lookup; -j1 is one parsing thread; a negative increment"
	echo " means other work on the machine disturbed a run: run again)"
fi
