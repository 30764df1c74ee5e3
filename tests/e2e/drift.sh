# Scripted end-to-end tests of data.drift and data.drift_share: the
# statistics through the whole binary agree with SciPy's
# (tests/data/oracles/drift.json), the automatic choice follows Evidently's
# rule, and results do not depend on how the files are cut.
# Sourced by tests/e2e.sh; each test_* runs in a fresh empty folder.

drift_oracle=$here/data/oracles/drift.json

# drift_close GOT WANT TOL: within TOL, relative (absolute near 0).
drift_close() {
	awk -v g="$1" -v w="$2" -v t="$3" 'BEGIN {
		d = g - w; if (d < 0) d = -d
		s = w < 0 ? -w : w; if (s < 1e-6) s = 1e-6
		exit !(d <= t * s)
	}'
}

# drift_run METHOD [THRESHOLD]: data.drift of column x, ref.csv against cur.csv.
drift_run() {
	local th=""
	[ -n "${2:-}" ] && th=", \"threshold\": $2"
	cat >mlgate.json <<EOS
{ "mlgate": 1, "suite": "drift", "datasets": { "ref": { "path": "ref.csv" }, "cur": { "path": "cur.csv" } },
  "checks": [ { "kind": "data.drift", "dataset": "cur", "reference": "ref", "columns": ["x"],
                "method": "$1"$th } ] }
EOS
	rm -f results.json
	mlg run --json results.json >out.txt 2>&1
	[ -s results.json ] || { cat out.txt; return 1; }
}

# drift_expect WHAT JQ-GOT WANT TOL
drift_expect() {
	local got
	got=$(jq -r ".checks[0].observed.columns[0].$2 // \"none\"" results.json)
	drift_close "$got" "$3" "$4" && return 0
	echo "$1: got $got, expected $3"; jq -c '.checks[0] | {message, observed}' results.json | head -c 600; echo
	return 1
}

test_drift_numeric_oracles() {
	local i n c
	n=$(jq '.numeric | length' "$drift_oracle")
	for ((i = 0; i < n; i++)); do
		jq ".numeric[$i]" "$drift_oracle" >case.json
		c=$(jq -r .name case.json)
		{ echo x; jq -r '.reference[]' case.json; } >ref.csv
		{ echo x; jq -r '.current[]' case.json; } >cur.csv
		drift_run ks || return 1
		drift_expect "$c ks statistic" statistic "$(jq .expected.ks_auto.statistic case.json)" 1e-9 || return 1
		drift_expect "$c ks p" p_value "$(jq .expected.ks_auto.pvalue case.json)" 1e-6 || return 1
		drift_run wasserstein 1e9 || return 1
		drift_expect "$c wasserstein" statistic "$(jq .expected.wasserstein case.json)" 1e-9 || return 1
		drift_run wasserstein_normed || return 1
		drift_expect "$c wasserstein_normed" statistic "$(jq .expected.wasserstein_normed case.json)" 1e-9 || return 1
	done
}

# Rows of a category column from the oracle's counts.
drift_expand() {
	jq -r --arg side "$1" '. as $c | [range(0; $c.categories | length)] | .[] as $i
		| range(0; $c[$side + "_counts"][$i]) | $c.categories[$i]' case.json
}

test_drift_categorical_oracles() {
	local i n c
	n=$(jq '.categorical | length' "$drift_oracle")
	for ((i = 0; i < n; i++)); do
		jq ".categorical[$i]" "$drift_oracle" >case.json
		c=$(jq -r .name case.json)
		{ echo x; drift_expand reference; } >ref.csv
		{ echo x; drift_expand current; } >cur.csv
		drift_run chi2 || return 1
		drift_expect "$c chi2" statistic "$(jq .expected.chisquare_vs_reference_proportions.statistic case.json)" 1e-9 || return 1
		drift_expect "$c chi2 p" p_value "$(jq .expected.chisquare_vs_reference_proportions.pvalue case.json)" 1e-6 || return 1
		drift_run jensen_shannon || return 1
		drift_expect "$c jensen_shannon" statistic "$(jq .expected.jensenshannon_distance_base_e case.json)" 1e-9 || return 1
		drift_run l_infinity || return 1
		drift_expect "$c l_infinity" statistic "$(jq .expected.l_infinity case.json)" 1e-9 || return 1
		drift_run psi || return 1
		drift_expect "$c psi" statistic "$(jq '.expected["psi_eps_1e-4"]' case.json)" 1e-9 || return 1
	done
}

# drift_generate N SHIFT FILE: a numeric, a categorical and a binary column.
drift_generate() {
	awk -v n="$1" -v shift="$2" -v seed="$3" 'BEGIN {
		srand(seed); print "amount,country,flag"
		for (i = 1; i <= n; i++) {
			u = rand(); v = rand()
			x = sqrt(-2 * log(u + 1e-12)) * cos(6.283185307 * v) + shift
			c = rand() < 0.5 + shift / 4 ? "DE" : (rand() < 0.5 ? "FR" : "US")
			printf "%.4f,%s,%d\n", x, c, rand() < 0.3 + shift / 10
		}
	}'
}

test_drift_auto_choice() {
	drift_generate 800 0 1 >ref.csv
	drift_generate 900 1 2 >cur.csv
	cat >mlgate.json <<'EOS'
{ "mlgate": 1, "suite": "auto", "datasets": { "ref": { "path": "ref.csv" }, "cur": { "path": "cur.csv" } },
  "checks": [ { "kind": "data.drift", "dataset": "cur", "reference": "ref" } ] }
EOS
	mlg run --json small.json >out.txt 2>&1
	[ $? = 1 ] || { echo "expected drift (exit 1)"; cat out.txt; return 1; }
	[ "$(jq -c '[.checks[0].observed.columns[] | .method]' small.json)" = '["ks","chi2","z"]' ] ||
		{ jq -c '[.checks[0].observed.columns[] | {column, method, method_why}]' small.json; return 1; }
	jq -e '.checks[0].message | test("^amount drifted: ks p = [0-9.e-]+ < 0.05 \\(statistic 0\\.[0-9]+\\); 3 columns drifted$")' small.json >/dev/null ||
		{ jq -r '.checks[0].message' small.json; return 1; }
	# a larger reference: distances
	drift_generate 5000 0 1 >ref.csv
	drift_generate 5000 0 3 >cur.csv
	mlg run --json large.json >out.txt 2>&1
	[ $? = 0 ] || { echo "expected no drift"; cat out.txt; return 1; }
	[ "$(jq -c '[.checks[0].observed.columns[] | .method]' large.json)" = '["wasserstein_normed","jensen_shannon","jensen_shannon"]' ] ||
		{ jq -c '[.checks[0].observed.columns[] | {column, method, method_why}]' large.json; return 1; }
	jq -e '.checks[0].observed.columns[0].histogram | (.reference | length) == (.current | length) and (.edges | length) + 1 == (.reference | length)' large.json >/dev/null ||
		{ echo "no shared histogram"; return 1; }
}

test_drift_same_results_whatever_the_cut() {
	drift_generate 40000 0 1 >ref.csv
	drift_generate 50000 0.2 5 >cur.csv
	cat >mlgate.json <<'EOS'
{ "mlgate": 1, "suite": "cut", "datasets": { "ref": { "path": "ref.csv" }, "cur": { "path": "cur.csv" } },
  "checks": [ { "kind": "data.drift", "dataset": "cur", "reference": "ref", "columns": ["amount", "flag"], "method": "ks" },
              { "kind": "data.drift", "dataset": "cur", "reference": "ref", "columns": ["amount"], "method": "psi" },
              { "kind": "data.drift_share", "dataset": "cur", "reference": "ref" } ] }
EOS
	mlg run -j 1 --json one.json >one.txt 2>&1
	MLGATE_SCAN_PART_BYTES=65536 mlg run -j 4 --json four.json >four.txt 2>&1
	[ -s one.json ] && [ -s four.json ] || { cat one.txt four.txt; return 1; }
	jq "$compare_untimed" one.json >one.untimed
	jq "$compare_untimed" four.json >four.untimed
	cmp -s one.untimed four.untimed || { diff one.untimed four.untimed | head -20; return 1; }
}

# A reference profile gives the same verdicts and numbers as the raw
# reference when it keeps every distinct value (exact), and stays within
# the documented bounds when it keeps a sketch.
test_drift_profile_exact() {
	drift_generate 3000 0 1 >train.csv
	drift_generate 2000 0.3 2 >serving.csv
	mlg profile --reference train.csv -o ref.json 2>err.txt || { cat err.txt; return 1; }
	grep -q "wrote 'ref.json': a reference profile of 3 columns of 'train.csv' (3000 rows)" err.txt ||
		{ cat err.txt; return 1; }
	jq -e '.schema == "mlgate.reference_profile/v1" and (.source.sha256 | length) == 64' ref.json >/dev/null ||
		{ head -c 300 ref.json; return 1; }
	cat >mlgate.json <<'EOS'
{ "mlgate": 1, "suite": "p", "datasets": { "train": { "path": "train.csv" }, "serving": { "path": "serving.csv" } },
  "checks": [ { "kind": "data.drift", "dataset": "serving", "reference": "train" },
              { "kind": "data.drift", "dataset": "serving", "reference_profile": "ref.json" },
              { "kind": "data.drift", "dataset": "serving", "reference": "train", "method": "psi" },
              { "kind": "data.drift", "dataset": "serving", "reference_profile": "ref.json", "method": "psi" } ] }
EOS
	mlg run --json r.json >out.txt 2>&1
	[ -s r.json ] || { cat out.txt; return 1; }
	jq -e '.checks[0].observed == .checks[1].observed and .checks[2].observed == .checks[3].observed
		and .checks[0].status == .checks[1].status' r.json >/dev/null ||
		{ jq -c '[.checks[] | [.status, .message]]' r.json; return 1; }
}

test_drift_profile_sketch_within_bounds() {
	awk 'BEGIN { srand(3); print "x"; for (i = 0; i < 60000; i++) printf "%.6f\n", rand() * 10 }' >train.csv
	awk 'BEGIN { srand(4); print "x"; for (i = 0; i < 50000; i++) printf "%.6f\n", rand() * 10.2 }' >serving.csv
	mlg profile --reference train.csv --points 1000 -o ref.json 2>err.txt || { cat err.txt; return 1; }
	jq -e '.columns.x.sketch | length == 1000' ref.json >/dev/null || { echo "no 1000-point sketch"; return 1; }
	cat >mlgate.json <<'EOS'
{ "mlgate": 1, "suite": "p", "datasets": { "train": { "path": "train.csv" }, "serving": { "path": "serving.csv" } },
  "checks": [ { "kind": "data.drift", "dataset": "serving", "reference": "train", "method": "ks" },
              { "kind": "data.drift", "dataset": "serving", "reference_profile": "ref.json", "method": "ks" },
              { "kind": "data.drift", "dataset": "serving", "reference": "train", "method": "wasserstein", "threshold": 1 },
              { "kind": "data.drift", "dataset": "serving", "reference_profile": "ref.json", "method": "wasserstein", "threshold": 1 } ] }
EOS
	mlg run --json r.json >out.txt 2>&1
	[ -s r.json ] || { cat out.txt; return 1; }
	# |D' - D| <= 1/K + 1/n; |W' - W| <= (max - min)/K, with max - min < 10
	jq -e '[.checks[].observed.columns[0].statistic] as $s
		| (($s[1] - $s[0]) | fabs) <= (1 / 1000 + 1 / 60000) and (($s[3] - $s[2]) | fabs) <= 10 / 1000
		and ($s[1] != $s[0])' r.json >/dev/null ||
		{ jq -c '[.checks[].observed.columns[0].statistic]' r.json; return 1; }
}
