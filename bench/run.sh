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
# The model part times model.classification (bench/model.json: accuracy,
# f1, roc_auc and log_loss overall and per value of a 20-value column) on
# build/bench/preds-1M.csv and preds-10M.csv (about 265 MB in all, made by
# `gen --predictions`), with -j1 and -j2, against the goal of issue 6:
# 10M rows in under 3 s. With python3 and numpy, it also times numpy on
# the same metrics and checks that the values agree.
#
# The drift part times data.drift (bench/drift.json: 10 of the 12 columns,
# email and ts being neither numbers nor categories) of build/bench/
# drift-1M.csv and drift-10M.csv (made by `gen --shift`: another seed, 4
# columns moved; another 1.2 GB) against bench-*.csv as the reference, and
# as the baseline the plain data-check scan of the same two files
# (bench/drift-baseline.json: data.schema with the types of the same 10
# columns on each), with -j1 and -j2, against the goal of issue 7: drift at
# no more than 1.5 times the baseline's time. It prints the peak anonymous memory beside the README's
# bound for drift (8 bytes per non-null numeric value compared, both sides,
# plus 8 bytes per value of the -j samples sorted at once, a sample being
# one column of one file).
#
# The scale part (bench/scale.sh, alone: BENCH_PARTS=scale) times the
# runner's own overhead: 1,000 trivial checks against pytest running 1,000
# trivial tests, 10,000 checks over 100 small datasets with all four
# reports (validated), and the peak memory of a 100k and a 1M test-case
# JUnit import; its own settings are described there.
#
# Timings are only printed, never judged: the script fails only when mlgate
# does (a check failing on the generated data is a failure too).
#
# Environment: MLGATE (the binary), BENCH_SUITE (default bench/suite.json),
# BENCH_SIZES (default "1M 10M"; any of 100K 1M 10M), BENCH_BEST (runs
# per figure, instead of 3 and 2: more on a busy machine), BENCH_NO_PHASES=1
# to skip the breakdown, BENCH_PARTS (default "data model drift scale":
# which parts run), BENCH_MODEL_SUITE (default bench/model.json),
# BENCH_MODEL_SIZES (default "1M 10M"), BENCH_DRIFT_SUITE (default
# bench/drift.json), BENCH_DRIFT_BASELINE (default bench/drift-baseline.json),
# BENCH_DRIFT_SIZES (default "1M 10M").
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
MLGATE=${MLGATE:-$root/mlgate}
SUITE=${BENCH_SUITE:-$root/bench/suite.json}
SIZES=${BENCH_SIZES:-1M 10M}
MODEL_SUITE=${BENCH_MODEL_SUITE:-$root/bench/model.json}
MODEL_SIZES=${BENCH_MODEL_SIZES:-1M 10M}
PARTS=${BENCH_PARTS:-data model drift scale}
DRIFT_SUITE=${BENCH_DRIFT_SUITE:-$root/bench/drift.json}
DRIFT_BASELINE=${BENCH_DRIFT_BASELINE:-$root/bench/drift-baseline.json}
DRIFT_SIZES=${BENCH_DRIFT_SIZES:-1M 10M}
out=$root/build/bench
mkdir -p "$out"

die() { echo "bench: $*" >&2; exit 1; }

# part NAME: NAME is one of the parts to run
part() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }

[ -x "$MLGATE" ] || die "no mlgate binary at $MLGATE (run make first)"
# a copy, so that a rebuild meanwhile changes nothing under the timings
cp "$MLGATE" "$out/mlgate" || die "cannot copy $MLGATE"
MLGATE=$out/mlgate

# ---- the data ----

gen=$out/gen
if [ ! -x "$gen" ] || [ "$root/bench/gen.c" -nt "$gen" ]; then
	${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o "$gen" "$root/bench/gen.c" -lm ||
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

# data_for SIZE [predictions|shift]: the file (the predictions file, or the
# shifted one for drift, with a second argument), generated when missing or
# made by another gen.c
data_for() {
	local size=$1 rows file stamp mode=()
	rows=$(rows_of "$size")
	file=$out/bench-$size.csv
	stamp="$rows rows, gen.c $gen_sum"
	if [ "${2:-}" = predictions ]; then
		file=$out/preds-$size.csv
		stamp="predictions, $stamp"
		mode=(--predictions)
	elif [ "${2:-}" = shift ]; then
		file=$out/drift-$size.csv
		stamp="shifted, $stamp"
		mode=(--shift)
	fi
	if [ ! -s "$file" ] || [ "$(cat "$file.stamp" 2>/dev/null)" != "$stamp" ]; then
		echo "bench: generating $file ($rows rows)..." >&2
		"$gen" "${mode[@]}" "$rows" "$file.tmp" || die "generating $file failed"
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
# $WARM (and $WARM2), so the files are in the page cache whatever evicted
# them meanwhile.
best() {
	local n=$1 i
	shift
	BEST='' PEAK=0
	for ((i = 0; i < n; i++)); do
		[ -z "${WARM:-}" ] || cat "$WARM" ${WARM2:+"$WARM2"} >/dev/null
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

# print_table FILE: the timings `measure` appended to FILE, as a table
print_table() {
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
	END { print sp }' "$1"
}

# measure SIZE FILE TABLE: times `cat FILE` and ${RUN[@]} with -j1 and -j2
# (best of 3, of 2 for 10M), appends a line to TABLE
measure() {
	local size=$1 file=$2 table=$3 rows bytes n cat_s cat_rss j1 j1_rss j2 j2_rss
	rows=$(rows_of "$size")
	bytes=$(stat -c %s "$file")
	if [ "$size" = 10M ]; then n=2; else n=3; fi
	n=${BENCH_BEST:-$n}
	WARM=$file
	SINK=/dev/null best "$n" cat "$file"
	cat_s=$BEST cat_rss=$PEAK
	best "$n" "${RUN[@]}" -j 1
	j1=$BEST j1_rss=$PEAK
	best "$n" "${RUN[@]}" -j 2
	j2=$BEST j2_rss=$PEAK
	printf '%s %s %s %s %s %s %s %s %s\n' "$size" "$rows" "$bytes" "$cat_s" "$cat_rss" \
		"$j1" "$j1_rss" "$j2" "$j2_rss" >>"$table"
}

simd=$("$MLGATE" version 2>/dev/null | sed -n 's/.*data fields split with //p')
[ -n "$simd" ] || simd="not reported by this mlgate"
if part data; then
	BENCH_DATA=/dev/null "$MLGATE" validate -c "$SUITE" >/dev/null ||
		die "$SUITE does not validate with this mlgate (see above)"
fi

echo "mlgate benchmark: $("$MLGATE" version | head -n 1), $(nproc) CPUs, $(uname -m)"
echo "CPU: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)"
echo "SIMD path: $simd"
if grep -qs on /sys/kernel/mm/damon/admin/kdamonds/*/state; then
	echo "note: DAMON is on (proactive reclaim may evict the file between runs: each run follows a read of it)"
fi

if part data; then
echo "suite: ${SUITE#"$root"/} ($(BENCH_DATA=/dev/null "$MLGATE" validate -c "$SUITE" | sed 's/.*valid: //'))"
echo

table=$out/table.txt
: >"$table"
for size in $SIZES; do
	file=$(data_for "$size") || exit 1
	run_on "$file"
	measure "$size" "$file" "$table"
done
print_table "$table"

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
fi

# ---- the model benchmark (issue 6: 10M predictions in under 3 s) ----

# model_compare CSV RESULTS: numpy's time on the same metrics, and whether
# every value in RESULTS (mlgate's JSON) agrees with numpy's.
model_compare() {
	python3 - "$1" "$2" <<'PY'
import json, sys, time

import numpy as np

path, results = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
cols = np.loadtxt(path, delimiter=",", skiprows=1, usecols=(1, 2), dtype=np.float64)
segments = np.loadtxt(path, delimiter=",", skiprows=1, usecols=(3,), dtype="U16")
t1 = time.perf_counter()
y, s = cols[:, 0] == 1, cols[:, 1]
names, seg = np.unique(segments, return_inverse=True)


def metrics(y, s):
    pred = s >= 0.5
    tp = np.count_nonzero(pred & y)
    fp = np.count_nonzero(pred & ~y)
    fn = np.count_nonzero(~pred & y)
    n, npos = y.size, np.count_nonzero(y)
    # ROC AUC as the Mann-Whitney U statistic, tied scores sharing their average rank
    order = np.argsort(s, kind="stable")
    _, first, counts = np.unique(s[order], return_index=True, return_counts=True)
    ranks = np.repeat(first + (counts + 1) / 2.0, counts)
    auc = (ranks[y[order]].sum() - npos * (npos + 1) / 2) / (npos * (n - npos))
    # clipped as scikit-learn 1.2 did (eps=1e-15), as mlgate does
    p = np.clip(s, 1e-15, 1 - 1e-15)
    log_loss = -np.mean(np.where(y, np.log(p), np.log1p(-p)))
    return {"accuracy": (n - fp - fn) / n, "f1": 2 * tp / (2 * tp + fp + fn),
            "roc_auc": auc, "log_loss": log_loss}


t2 = time.perf_counter()
want = {("all", m): v for m, v in metrics(y, s).items()}
for k, name in enumerate(names):
    sel = seg == k
    for m, v in metrics(y[sel], s[sel]).items():
        want[("segment=" + str(name), m)] = v
t3 = time.perf_counter()
print(f"numpy {np.__version__}: reading the CSV {t1 - t0:.2f} s (np.loadtxt), "
      f"the metrics overall and for {len(names)} segments {t3 - t2:.2f} s")

with open(results) as f:
    rows = json.load(f)["checks"][0]["observed"].get("metrics", [])
bad, seen = [], 0
for r in rows:
    key = (r.get("slice", "all"), r.get("metric"))
    if key not in want:
        continue
    seen += 1
    got, exp = r.get("value"), float(want[key])
    if not isinstance(got, (int, float)) or abs(got - exp) > 1e-9 * max(1.0, abs(exp)):
        bad.append(f"{key[1]} ({key[0]}): mlgate {got}, numpy {exp!r}")
if bad:
    print(f"values: {len(bad)} of {seen} DIFFER from numpy's by more than 1e-9 (relative):")
    for line in bad[:10]:
        print("  " + line)
else:
    print(f"values: all {seen} agree with numpy's to 1e-9 (relative)")
if seen != len(want):
    print(f"note: the results hold {seen} of the {len(want)} values numpy computed")

try:
    import sklearn
    from sklearn.metrics import roc_auc_score
except ImportError:
    sys.exit(0)
t = time.perf_counter()
roc_auc_score(y, s)
print(f"scikit-learn {sklearn.__version__}: roc_auc_score alone (overall only) {time.perf_counter() - t:.2f} s")
PY
}

if part model; then
	echo
	if ! "$MLGATE" kinds 2>/dev/null | grep -q '^model\.classification '; then
		echo "model benchmark: model.classification not available in this mlgate: skipped"
	else
		BENCH_PREDS=/dev/null "$MLGATE" validate -c "$MODEL_SUITE" >/dev/null ||
			die "$MODEL_SUITE does not validate with this mlgate (see above)"
		echo "model benchmark: ${MODEL_SUITE#"$root"/}: model.classification computing accuracy, f1,"
		echo "roc_auc and log_loss overall and for each value of a 20-value column (84 metric rows),"
		echo "from predictions (id, label, score, segment: bench/gen.c --predictions)"
		echo
		mtable=$out/model-table.txt
		: >"$mtable"
		for size in $MODEL_SIZES; do
			file=$(data_for "$size" predictions) || exit 1
			RUN=(env BENCH_PREDS="$file" "$MLGATE" run -c "$MODEL_SUITE" --quiet --color=never
			     --json "$out/model-$size.json")
			measure "$size" "$file" "$mtable"
		done
		print_table "$mtable"
		awk -v goal=3 '$1 == "10M" { s = $6 < $8 ? $6 : $8; j = $6 < $8 ? 1 : 2; found = 1 }
		END {
			if (!found) {
				printf "goal (10M rows in under %d s): not measured, no 10M in BENCH_MODEL_SIZES\n", goal
				exit
			}
			printf "goal: 10M rows in under %d s: %s (best %.3f s, with -j%d: %.1f M rows/s)\n", goal,
				s < goal ? "met" : "NOT met", s, j, 10 / s
		}' "$mtable"
		last=$(echo "$MODEL_SIZES" | awk '{ print $NF }')
		if command -v jq >/dev/null; then
			printf 'values on %s rows: %s\n' "$last" "$(jq -r '[.checks[0].observed.metrics[]?
				| select((.slice // "all") == "all")
				| "\(.metric) \(if .value == null then "undefined" else .value * 1e6 | round / 1e6 end)"]
				| join(", ")' "$out/model-$last.json")"
		fi
		if command -v python3 >/dev/null && python3 -c 'import numpy' 2>/dev/null; then
			echo "numpy on the same $last rows (the CSV read apart):"
			model_compare "$out/preds-$last.csv" "$out/model-$last.json"
		else
			echo "comparison with numpy: skipped (python3 with numpy is not available here)"
		fi
	fi
fi

# ---- the drift benchmark (issue 7: drift at no more than 1.5x the plain scan) ----

if part drift; then
	echo
	if ! "$MLGATE" kinds 2>/dev/null | grep -q '^data\.drift '; then
		echo "drift benchmark: data.drift not available in this mlgate: skipped"
	else
		for s in "$DRIFT_SUITE" "$DRIFT_BASELINE"; do
			BENCH_DATA=/dev/null BENCH_CURRENT=/dev/null "$MLGATE" validate -c "$s" >/dev/null ||
				die "$s does not validate with this mlgate (see above)"
		done
		command -v jq >/dev/null || die "the drift part needs jq (to read the drift results)"
		echo "drift benchmark: ${DRIFT_SUITE#"$root"/} (data.drift, auto methods) of a shifted current"
		echo "file (bench/gen.c --shift) against bench-SIZE.csv as the reference, and as the baseline"
		echo "${DRIFT_BASELINE#"$root"/}: data.schema with the types of the same columns on each file"
		echo
		dtable=$out/drift-table.txt
		: >"$dtable"
		for size in $DRIFT_SIZES; do
			ref=$(data_for "$size") || exit 1
			cur=$(data_for "$size" shift) || exit 1
			rows=$(rows_of "$size")
			if [ "$size" = 10M ]; then n=2; else n=3; fi
			n=${BENCH_BEST:-$n}
			WARM=$ref WARM2=$cur
			line="$size $rows"
			for suite in "$DRIFT_BASELINE" "$DRIFT_SUITE"; do
				for j in 1 2; do
					best "$n" env BENCH_DATA="$ref" BENCH_CURRENT="$cur" "$MLGATE" run -c "$suite" \
						--quiet --color=never -j "$j" --json "$out/drift-$size.json"
					line="$line $BEST $PEAK"
				done
			done
			WARM2=
			# the drift check is a warning (4 columns drift by design): an
			# error in it would not stop the run, so look
			jq -e '.checks[0] | .status != "error" and .observed.compared > 0' \
				"$out/drift-$size.json" >/dev/null ||
				die "data.drift did not compare the columns on $size rows: $(jq -c '.checks[0] |
					{status, message}' "$out/drift-$size.json")"
			# the README's bound: 8 bytes per numeric value, both sides; the
			# sort scratch: 8 bytes per value of the -j largest samples (a
			# sample: one column of one file; each is sorted on its own)
			bound=$(jq -r '[.checks[0].observed.columns[] | select(.type == "numeric")] as $c
				| ([$c[] | .reference_values, .current_values] | sort | reverse) as $s
				| "\(($s | add) * 8) \($s[0] * 8) \(($s[0] + $s[1]) * 8)"' "$out/drift-$size.json")
			echo "$line $bound" >>"$dtable"
		done
		awk -v goal=1.5 '
		function row(what, s, rss, bound) {
			printf "%-6s %-17s %11d %8.3f %12.0f %8.1f %10s\n", size, what, rows, s, rows / s,
				rss / 1024, bound == "" ? "" : sprintf("%.1f", bound / 1048576)
		}
		BEGIN {
			printf "%-6s %-17s %11s %8s %12s %8s %10s\n", "size", "what", "rows (both)", "wall s",
				"rows/s", "RSS MB", "bound MB"
		}
		{
			size = $1; rows = 2 * $2
			row("baseline -j1", $3, $4, ""); row("baseline -j2", $5, $6, "")
			row("drift -j1", $7, $8, $11 + $12); row("drift -j2", $9, $10, $11 + $13)
			b = $3 < $5 ? $3 : $5; d = $7 < $9 ? $7 : $9
			ratio[NR] = sprintf("%-6s drift / baseline: -j1 %.2fx, -j2 %.2fx, best against best %.2fx (%.3f s / %.3f s): %s",
				size, $7 / $3, $9 / $5, d / b, d, b, d / b <= goal ? "met" : "NOT met")
		}
		END {
			printf "(best of %s; RSS: peak anonymous memory, without the mapped files'"'"' pages; bound: the\n",
				"'"${BENCH_BEST:-3 for 1M and smaller, of 2 for 10M}"'"
			print " README'"'"'s memory for drift: 8 bytes per non-null numeric value compared in both files,"
			print " plus 8 bytes per value of the -j largest samples, a column of one file each, sorted at once)"
			print ""
			printf "goal: drift for all columns at no more than %.1fx the plain scan of the same files:\n", goal
			for (i = 1; i <= NR; i++)
				print ratio[i]
		}' "$dtable"
		last=$(echo "$DRIFT_SIZES" | awk '{ print $NF }')
		jq -r '.checks[0] | "columns compared on \(.observed.compared / 1) of 12 (email and ts left out: text with a value per row, not a category list); drifted on '"$last"' rows: \([.observed.columns[] | select(.drifted) | "\(.column) (\(.method) \(.statistic * 1e4 | round / 1e4))"] | join(", "))"' \
			"$out/drift-$last.json"
	fi
fi

# ---- the scale benchmark (the runner's own overhead; a large JUnit import) ----

if part scale; then
	echo
	MLGATE=$MLGATE "$root/bench/scale.sh" || exit 1
fi
