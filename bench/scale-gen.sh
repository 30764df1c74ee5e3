#!/usr/bin/env bash
# Generates the suites of the scale benchmark (bench/run.sh, part "scale")
# and of the e2e test tests/e2e/scale.sh. Deterministic: no randomness, no
# clock, so two runs write byte-identical files.
#
#   bench/scale-gen.sh trivial N DIR
#       DIR/mlgate.json: N infra.file checks of one 6-byte file (DIR/artifact.txt),
#       each asking only that it exists and is at most 1 KB: a stat() each,
#       so a run's time is the runner's own (start, load, plan, run, report).
#       DIR/test_trivial.py: N pytest tests that each assert True, the same
#       work for pytest.
#   bench/scale-gen.sh mixed N D DIR
#       DIR/mlgate.json: N checks over D small datasets (DIR/data/dNNN.*,
#       40 to 59 rows of 7 columns; every fifth one JSON Lines, every fifth
#       from the fourth TSV, the rest CSV), N/D checks a dataset cycling
#       through 12 data kinds (row_count, not_null, range, unique, distinct,
#       allowed_values, schema, pattern, length, stats, class_balance,
#       compare). Every tenth check has an explicit id, the rest derive
#       theirs, so most targets repeat and get "#2", "#3"...: the worst
#       case for id assignment. Every check has tags; every 25th
#       needs the dataset's first check (a second pass over its dataset);
#       every 50th is a failing warning (a range too narrow: examples in
#       every report). Error checks all pass, so the run exits 0.
#   bench/scale-gen.sh junit N DIR
#       DIR/junit.xml: a pytest-style JUnit report of N test cases in suites
#       of 1000 (every 1000th case skipped, every 100th with captured output,
#       none failing; about 160 bytes a case), and DIR/mlgate.json: one
#       infra.junit check of it, which passes.
set -eu

usage() {
	echo "usage: $0 trivial N DIR | mixed N DATASETS DIR | junit N DIR" >&2
	exit 2
}

[ $# -ge 3 ] || usage
mode=$1
n=$2
case $mode in
trivial | junit)
	[ $# -eq 3 ] || usage
	dir=$3
	;;
mixed)
	[ $# -eq 4 ] || usage
	ndata=$3
	dir=$4
	[ "$ndata" -ge 1 ] || usage
	;;
*) usage ;;
esac
[ "$n" -ge 1 ] || usage
mkdir -p "$dir"

if [ "$mode" = trivial ]; then
	printf 'model\n' >"$dir/artifact.txt"
	awk -v n="$n" 'BEGIN {
		printf "{\n  \"mlgate\": 1,\n  \"suite\": \"scale-trivial-%d\",\n  \"checks\": [\n", n
		for (i = 0; i < n; i++)
			printf "    { \"kind\": \"infra.file\", \"path\": \"artifact.txt\", \"max_bytes\": 1000 }%s\n",
				i + 1 < n ? "," : ""
		printf "  ]\n}\n"
	}' >"$dir/mlgate.json"
	awk -v n="$n" 'BEGIN {
		for (i = 0; i < n; i++)
			printf "def test_%d():\n    assert True\n\n\n", i
	}' >"$dir/test_trivial.py"
	exit 0
fi

if [ "$mode" = junit ]; then
	awk -v n="$n" 'BEGIN {
		printf "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<testsuites name=\"scale\">\n"
		for (s = 0; s * 1000 < n; s++) {
			m = n - s * 1000 < 1000 ? n - s * 1000 : 1000
			printf "<testsuite name=\"pytest-%d\" tests=\"%d\" failures=\"0\" errors=\"0\" skipped=\"%d\" time=\"%.3f\">\n",
				s, m, int((m + 999) / 1000), m * 0.001
			for (i = s * 1000; i < s * 1000 + m; i++) {
				printf "  <testcase classname=\"tests.test_module_%d\" name=\"test_case_%d[param-%d]\" file=\"tests/test_module_%d.py\" line=\"%d\" time=\"0.001\"",
					s, i, i % 7, s, 10 + i % 1000
				if (i % 1000 == 0)
					printf "><skipped type=\"pytest.skip\" message=\"needs a GPU\">tests/test_module_%d.py:%d: needs a GPU</skipped></testcase>\n", s, 10 + i % 1000
				else if (i % 100 == 0)
					printf "><system-out>case %d: 42 rows &lt; 100 &amp; ok</system-out></testcase>\n", i
				else
					printf "/>\n"
			}
			printf "</testsuite>\n"
		}
		printf "</testsuites>\n"
	}' >"$dir/junit.xml"
	printf '{\n  "mlgate": 1,\n  "suite": "scale-junit-%s",\n  "checks": [\n    { "kind": "infra.junit", "file": "junit.xml", "min_tests": %s }\n  ]\n}\n' \
		"$n" "$((n - (n + 999) / 1000))" >"$dir/mlgate.json"
	exit 0
fi

mkdir -p "$dir/data"
# The datasets: dataset d has 40 + d % 20 rows; id unique, age 18-90, amount
# 0-999.99, country one of 5, email, ts in 2024, label 0/1 (a third 1).
awk -v nd="$ndata" -v dir="$dir/data" 'BEGIN {
	split("DE FR US GB IT", countries, " ")
	for (d = 0; d < nd; d++) {
		fmt = d % 5 == 4 ? "jsonl" : d % 5 == 3 ? "tsv" : "csv"
		sep = fmt == "tsv" ? "\t" : ","
		file = sprintf("%s/d%03d.%s", dir, d, fmt)
		rows = 40 + d % 20
		if (fmt != "jsonl")
			printf "id%sage%samount%scountry%semail%sts%slabel\n", sep, sep, sep, sep, sep, sep >file
		for (r = 0; r < rows; r++) {
			id = d * 1000 + r
			age = 18 + (r * 7 + d) % 73
			amount = sprintf("%.2f", ((r * 7919 + d * 104729) % 100000) / 100)
			country = countries[1 + (r + d) % 5]
			email = sprintf("user%d@example.org", id)
			ts = sprintf("2024-%02d-%02dT%02d:%02d:00Z", 1 + r % 12, 1 + r % 28, r % 24, (r * 13) % 60)
			label = r % 3 == 0 ? 1 : 0
			if (fmt == "jsonl")
				printf "{\"id\": %d, \"age\": %d, \"amount\": %s, \"country\": \"%s\", \"email\": \"%s\", \"ts\": \"%s\", \"label\": %d}\n",
					id, age, amount, country, email, ts, label >file
			else
				printf "%d%s%d%s%s%s%s%s%s%s%s%s%d\n", id, sep, age, sep, amount, sep, country,
					sep, email, sep, ts, sep, label >file
		}
		close(file)
	}
}'

awk -v n="$n" -v nd="$ndata" 'BEGIN {
	printf "{\n  \"mlgate\": 1,\n  \"suite\": \"scale-%d-checks-%d-datasets\",\n", n, nd
	printf "  \"defaults\": { \"timeout\": \"5m\" },\n  \"datasets\": {\n"
	for (d = 0; d < nd; d++) {
		fmt = d % 5 == 4 ? "jsonl" : d % 5 == 3 ? "tsv" : "csv"
		printf "    \"d%03d\": { \"path\": \"data/d%03d.%s\" }%s\n", d, d, fmt, d + 1 < nd ? "," : ""
	}
	printf "  },\n  \"checks\": [\n"
	per = int((n + nd - 1) / nd)
	for (i = 0; i < n; i++) {
		d = int(i / per)
		k = i % per
		ds = sprintf("d%03d", d)
		v = int(k / 12)          # variant: bounds move a little, targets repeat
		common = sprintf("\"dataset\": \"%s\", \"tags\": [\"scale\", \"%s\"]", ds, ds)
		if (k % 10 == 0)
			common = sprintf("\"id\": \"%s-c%03d\", %s", ds, k, common)
		if (k > 0 && k % 25 == 0)
			common = sprintf("%s, \"needs\": \"%s-c000\"", common, ds)
		if (k % 50 == 49) {
			line = sprintf("\"kind\": \"data.range\", %s, \"column\": \"amount\", \"max\": %d, \"severity\": \"warn\"",
				common, 10 + v)
		} else if (k % 12 == 0) {
			line = sprintf("\"kind\": \"data.row_count\", %s, \"min\": %d", common, 1 + v)
		} else if (k % 12 == 1) {
			line = sprintf("\"kind\": \"data.not_null\", %s, \"columns\": [\"id\", \"age\", \"country\"]", common)
		} else if (k % 12 == 2) {
			line = sprintf("\"kind\": \"data.range\", %s, \"column\": \"age\", \"min\": %d, \"max\": %d", common, 18 - v, 90 + v)
		} else if (k % 12 == 3) {
			line = sprintf("\"kind\": \"data.unique\", %s, \"columns\": [\"id\"]", common)
		} else if (k % 12 == 4) {
			line = sprintf("\"kind\": \"data.distinct\", %s, \"column\": \"country\", \"min\": 2, \"max\": %d", common, 5 + v)
		} else if (k % 12 == 5) {
			line = sprintf("\"kind\": \"data.allowed_values\", %s, \"column\": \"country\", \"values\": [\"DE\", \"FR\", \"US\", \"GB\", \"IT\"]", common)
		} else if (k % 12 == 6) {
			line = sprintf("\"kind\": \"data.schema\", %s, \"columns\": { \"id\": { \"type\": \"int\", \"nullable\": false }, \"amount\": \"float\", \"ts\": \"timestamp\" }", common)
		} else if (k % 12 == 7) {
			line = sprintf("\"kind\": \"data.pattern\", %s, \"column\": \"email\", \"format\": \"email\"", common)
		} else if (k % 12 == 8) {
			line = sprintf("\"kind\": \"data.length\", %s, \"column\": \"country\", \"min\": 2, \"max\": %d", common, 2 + v)
		} else if (k % 12 == 9) {
			line = sprintf("\"kind\": \"data.stats\", %s, \"column\": \"amount\", \"mean\": { \"min\": 0, \"max\": %d }, \"quantiles\": { \"0.9\": { \"max\": 1000 } }", common, 1000 + v)
		} else if (k % 12 == 10) {
			line = sprintf("\"kind\": \"data.class_balance\", %s, \"column\": \"label\", \"min_share\": 0.0%d", common, 1 + v % 9)
		} else {
			line = sprintf("\"kind\": \"data.compare\", %s, \"left\": \"amount\", \"op\": \">=\", \"right\": \"age\", \"mostly\": 0.%d", common, 5 + v % 4)
		}
		printf "    { %s }%s\n", line, i + 1 < n ? "," : ""
	}
	printf "  ]\n}\n"
}' >"$dir/mlgate.json"
