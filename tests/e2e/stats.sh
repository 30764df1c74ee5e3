# Scripted end-to-end tests of data.stats, data.allowed_values and
# data.class_balance (sourced by tests/e2e.sh; expect_exit and has come
# from cli.sh). Each test_* runs in a fresh empty folder.

# What differs from one run to the next.
stats_untimed='del(.started, .duration_s, .checks[].duration_s)'

# data.csv: 30,000 rows from a fixed seed. x: floats from 1e-4 to 1e8 in
# magnitude, both signs, about 1% empty and a few "n/a"; cat: five common
# values and rare tokens from 2,000 (more distinct unexpected values than
# allowed_values tracks); label: five classes of unequal size.
stats_data() {
	awk 'BEGIN {
		srand(20261126)
		print "id,x,cat,label"
		for (i = 1; i <= 30000; i++) {
			r = rand()
			if (r < 0.01) x = ""
			else if (r < 0.0115) x = "n/a"
			else x = sprintf("%.17g", (rand() - 0.3) * 10 ^ int(rand() * 12 - 4))
			c = rand() < 0.97 ? substr("abcde", int(rand() * 5) + 1, 1) : "t" int(rand() * 2000)
			u = rand()
			l = u < 0.4 ? 0 : u < 0.7 ? 1 : u < 0.85 ? 2 : u < 0.97 ? 3 : 4
			print i "," x "," c "," l
		}
	}' >data.csv
	cat >mlgate.json <<'EOF'
{
  "mlgate": 1,
  "suite": "stats-parts",
  "datasets": { "train": { "path": "data.csv" } },
  "checks": [
    { "kind": "data.stats", "dataset": "train", "column": "x", "id": "all",
      "mean": { "min": -1e9, "max": 1e9 }, "std": { "min": 0 }, "min": { "max": 0 }, "max": { "min": 0 },
      "median": { "min": -1e9 }, "quantiles": { "0.001": { "min": -1e9 }, "0.25": { "min": -1e9 },
      "0.75": { "max": 1e9 }, "0.99": { "max": 1e9 }, "0.999": { "max": 1e9 } } },
    { "kind": "data.stats", "dataset": "train", "column": "x", "id": "sums-only", "mean": { "min": -1e9 }, "std": { "max": 1e9 } },
    { "kind": "data.allowed_values", "dataset": "train", "column": "cat", "values": ["a", "b", "c", "d", "e"], "mostly": 0.9 },
    { "kind": "data.class_balance", "dataset": "train", "column": "label", "min_share": 0.05 }
  ]
}
EOF
}

# The results of -j1, -j2, -j3 and -j8, cut into parts of 4 KiB, are the same bytes.
test_stats_same_result_for_any_parts() {
	local j
	stats_data
	for j in 1 2 3 8; do
		MLGATE_SCAN_PART_BYTES=4096 mlg run -j "$j" --json "r$j.json" >"out$j.txt" 2>&1
		[ $? = 1 ] || { echo "-j$j: expected exit 1 (the n/a values fail data.stats)"; tail -20 "out$j.txt"; return 1; }
		jq -S "$stats_untimed" "r$j.json" >"n$j.json" || return 1
	done
	for j in 2 3 8; do
		cmp n1.json "n$j.json" || { echo "-j1 and -j$j differ:"; diff n1.json "n$j.json" | head -30; return 1; }
	done
	# the runs did check something: counts, quantiles, exact tracked values
	jq -e '.checks[0].observed | .count > 29000 and .not_numeric > 0 and (.quantiles | length) == 5' n1.json >/dev/null ||
		{ echo "unexpected observed values of data.stats:"; jq -c '.checks[0].observed' n1.json; return 1; }
	jq -e '[.checks[].status] == ["failed", "failed", "passed", "failed"]' n1.json >/dev/null ||
		{ echo "unexpected statuses:"; jq -c '[.checks[] | {status, message}]' n1.json; return 1; }
	jq -e '.checks[2].observed | (.unexpected | length) == 20 and (has("unexpected_distinct") | not)' n1.json >/dev/null ||
		{ echo "allowed_values did not overflow its tracked values:"; jq -c '.checks[2].observed' n1.json; return 1; }
	# the examples (n/a rows) carry the row numbers of the whole file, first ones first
	jq -e '[.checks[0].examples[].row] | . == sort and length > 0' n1.json >/dev/null || return 1
	has out8.txt 'examples (' || return 1
}

# Mean and median agree with awk and sort on the same values.
test_stats_agree_with_awk() {
	local got want
	stats_data
	MLGATE_SCAN_PART_BYTES=4096 mlg run -j 3 --json r.json >out.txt 2>&1
	cut -d, -f2 data.csv | tail -n +2 | grep -v -e '^$' -e '^n/a$' | sort -g >x.txt
	want=$(awk '{ s += $1; n++ } END { printf "%.17g %d", s / n, n }' x.txt)
	got=$(jq -r '.checks[0].observed | "\(.mean) \(.count)"' r.json)
	awk -v w="$want" -v g="$got" 'BEGIN {
		split(w, a, " "); split(g, b, " ")
		d = a[1] - b[1]; if (d < 0) d = -d
		m = a[1] < 0 ? -a[1] : a[1]
		exit !(a[2] == b[2] && d <= 1e-6 * m)
	}' || { echo "mean and count: mlgate $got, awk $want"; return 1; }
	# type 7 median: the mean of the two middle values of an even count
	want=$(awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.17g", v[(NR + 1) / 2]; else printf "%.17g", (v[NR / 2] + v[NR / 2 + 1]) / 2 }' x.txt)
	got=$(jq -r '.checks[0].observed.median' r.json)
	awk -v w="$want" -v g="$got" 'BEGIN { d = w - g; if (d < 0) d = -d; m = w < 0 ? -w : w; exit !(d <= 1e-12 * m) }' ||
		{ echo "median: mlgate $got, sort $want"; return 1; }
}
