# Scripted end-to-end tests of the predictions kinds (model.classification,
# model.regression, model.fairness): metrics through the whole binary agree
# with scikit-learn's (tests/data/oracles), results do not depend on how
# the file is cut, and a baseline read from git gates a worse candidate.
# Sourced by tests/e2e.sh; each test_* runs in a fresh empty folder.

model_oracles=$here/data/oracles

# model_close GOT WANT: within 1e-9, relative (absolute near 0).
model_close() {
	awk -v g="$1" -v w="$2" 'BEGIN {
		d = g - w; if (d < 0) d = -d
		s = w < 0 ? -w : w; if (s < 1e-6) s = 1e-6
		exit !(d <= 1e-9 * s)
	}'
}

# model_compare RESULTS CASE-JSON KEYMAP: every expected number of the
# oracle case equals the "all" row of the metric it maps to.
model_compare() {
	local results=$1 case=$2 name want got bad=0
	while IFS=$'\t' read -r name want; do
		got=$(jq -r --arg m "$name" '.checks[0].observed.metrics[] | select(.slice == "all" and .metric == $m) | .value // "undefined"' "$results")
		if [ "$want" = undefined ] || [ "$got" = undefined ]; then
			[ "$want" = "$got" ] && continue
		elif [ -n "$got" ] && model_close "$got" "$want"; then
			continue
		fi
		echo "$(jq -r .name "$case") $name: got '$got', expected $want"
		bad=1
	done < <(jq -r '.expected | to_entries[] | select(.key != "confusion_matrix")
		| [(.key | sub("roc_auc_ovr_macro"; "roc_auc")), (.value | tostring)] | @tsv' "$case")
	return $bad
}

test_model_binary_oracles() {
	local i n metrics
	n=$(jq '.binary | length' "$model_oracles/classification.json")
	for ((i = 0; i < n; i++)); do
		jq ".binary[$i]" "$model_oracles/classification.json" >case.json
		{ echo "label,score"; jq -r '[.y_true, .y_score] | transpose[] | @csv' case.json; } >preds.csv
		metrics=$(jq -c '.expected | del(.confusion_matrix) | with_entries(.value = {})' case.json)
		cat >mlgate.json <<EOS
{ "mlgate": 1, "suite": "oracle", "datasets": { "preds": { "path": "preds.csv" } },
  "checks": [ { "kind": "model.classification", "dataset": "preds", "label": "label",
                "score": "score", "threshold": $(jq .threshold case.json), "metrics": $metrics } ] }
EOS
		mlg run --json results.json >out.txt 2>&1
		[ -s results.json ] || { cat out.txt; return 1; }
		model_compare results.json case.json || return 1
		if jq -e '.expected.confusion_matrix' case.json >/dev/null; then
			[ "$(jq -c .expected.confusion_matrix case.json)" = "$(jq -c .checks[0].observed.confusion_matrix results.json)" ] ||
				{ echo "binary[$i]: confusion matrix differs"; return 1; }
		fi
	done
}

test_model_multiclass_oracles() {
	local i n k metrics scores header
	n=$(jq '.multiclass | length' "$model_oracles/classification.json")
	for ((i = 0; i < n; i++)); do
		jq ".multiclass[$i]" "$model_oracles/classification.json" >case.json
		k=$(jq '.classes | length' case.json)
		header=$(jq -r '["y"] + [.classes[] | "p\(.)"] | join(",")' case.json)
		{ echo "$header"; jq -r '[.y_true, .y_prob] | transpose[] | [.[0]] + .[1] | @csv' case.json; } >preds.csv
		scores=$(jq -c '[.classes[] | {key: tostring, value: "p\(.)"}] | from_entries' case.json)
		metrics=$(jq -c '.expected | del(.confusion_matrix) | with_entries(.key |= sub("roc_auc_ovr_macro"; "roc_auc") | .value = {})' case.json)
		cat >mlgate.json <<EOS
{ "mlgate": 1, "suite": "oracle", "datasets": { "preds": { "path": "preds.csv" } },
  "checks": [ { "kind": "model.classification", "dataset": "preds", "label": "y",
                "scores": $scores, "metrics": $metrics } ] }
EOS
		mlg run --json results.json >out.txt 2>&1
		[ -s results.json ] || { cat out.txt; return 1; }
		model_compare results.json case.json || return 1
		[ "$(jq -c .expected.confusion_matrix case.json)" = "$(jq -c .checks[0].observed.confusion_matrix results.json)" ] ||
			{ echo "multiclass[$i] ($k classes): confusion matrix differs"; return 1; }
	done
}

test_model_regression_oracles() {
	local i n metrics
	n=$(jq '.cases | length' "$model_oracles/regression.json")
	for ((i = 0; i < n; i++)); do
		jq ".cases[$i]" "$model_oracles/regression.json" >case.json
		{ echo "y,yhat"; jq -r '[.y_true, .y_pred] | transpose[] | @csv' case.json; } >preds.csv
		metrics=$(jq -c '.expected | with_entries(.value = {})' case.json)
		cat >mlgate.json <<EOS
{ "mlgate": 1, "suite": "oracle", "datasets": { "preds": { "path": "preds.csv" } },
  "checks": [ { "kind": "model.regression", "dataset": "preds", "label": "y",
                "prediction": "yhat", "metrics": $metrics } ] }
EOS
		mlg run --json results.json >out.txt 2>&1
		[ -s results.json ] || { cat out.txt; return 1; }
		model_compare results.json case.json || return 1
	done
}

# model_generate N: predictions with ties, slices (one small), a baseline.
model_generate() {
	awk -v n="$1" 'BEGIN {
		srand(11)
		print "id,label,score,country,device" > "cand.csv"
		print "id,label,score,country,device" > "base.csv"
		for (i = 1; i <= n; i++) {
			y = rand() < 0.3
			s = int((y ? 0.35 : 0) * 100 + rand() * 65) / 100
			b = int((y ? 0.30 : 0) * 100 + rand() * 70) / 100
			c = i % 50 == 0 ? "IS" : (i % 3 == 0 ? "FR" : "US")
			d = i % 2 ? "ios" : "web"
			printf "%d,%d,%.2f,%s,%s\n", i, y, s, c, d > "cand.csv"
			printf "%d,%d,%.2f,%s,%s\n", i, y, b, c, d > "base.csv"
		}
	}'
}

test_model_same_results_whatever_the_cut() {
	model_generate 60000
	cat >mlgate.json <<'EOS'
{ "mlgate": 1, "suite": "cut", "datasets": { "cand": { "path": "cand.csv" }, "base": { "path": "base.csv" } },
  "checks": [
    { "kind": "model.classification", "dataset": "cand", "label": "label", "score": "score",
      "baseline_dataset": "base", "bootstrap": { "resamples": 40, "seed": 3 },
      "metrics": { "accuracy": { "min": 0.5, "not_worse_than_baseline": 0.05 },
                   "roc_auc": { "min": 0.5, "on": "ci_low", "not_worse_than_baseline": 0.05 },
                   "log_loss": {}, "f1": { "max_drop": 0.5 }, "ece": {} },
      "slices": ["country", ["country", "device"]] },
    { "kind": "model.fairness", "dataset": "cand", "label": "label", "score": "score",
      "group": "country", "metric": "recall", "max_gap": 0.5 } ] }
EOS
	mlg run -j 1 --json one.json >one.txt 2>&1
	MLGATE_SCAN_PART_BYTES=65536 mlg run -j 4 --json four.json >four.txt 2>&1
	[ -s one.json ] && [ -s four.json ] || { cat one.txt four.txt; return 1; }
	jq "$compare_untimed" one.json >one.untimed
	jq "$compare_untimed" four.json >four.untimed
	cmp -s one.untimed four.untimed || { diff one.untimed four.untimed | head -20; return 1; }
	# the slices are all there, the small one reported but not gated
	jq -e '[.checks[0].observed.metrics[] | .slice] | index("country=IS, device=web") != null' one.json >/dev/null ||
		{ echo "no cross slice in the table"; return 1; }
	jq -e '.checks[0].observed.metrics[] | select(.slice == "country=FR" and .metric == "roc_auc") | .ci_low < .value and .value < .ci_high and (.p_value | type) == "number"' one.json >/dev/null ||
		{ echo "no interval or p-value for roc_auc on country=FR"; jq -c '.checks[0].observed.metrics[:8]' one.json; return 1; }
}

test_model_baseline_from_git() {
	model_generate 3000
	git init -q -b main . && git config user.email t@example.com && git config user.name t
	cp base.csv preds.csv
	cat >mlgate.json <<'EOS'
{ "mlgate": 1, "suite": "git-baseline",
  "datasets": { "preds": { "path": "preds.csv" }, "main": { "path": "preds.csv", "git_ref": "main" } },
  "checks": [ { "kind": "model.classification", "dataset": "preds", "label": "label", "score": "score",
                "baseline_dataset": "main", "metrics": { "roc_auc": { "max_drop": 0.01 } } } ] }
EOS
	git add -A && git commit -qm baseline
	git checkout -qb feature
	# the candidate: scores with less signal (worse), same rows
	awk -F, 'NR == 1 { print; next } { srand(NR); $3 = sprintf("%.2f", rand()); print }' OFS=, base.csv >preds.csv
	mlg run --json results.json >out.txt 2>&1
	local rc=$?
	[ "$rc" = 1 ] || { echo "exit $rc, expected 1"; cat out.txt; return 1; }
	jq -e '.checks[0].message | test("^roc_auc \\(3000 rows\\): 0\\.[0-9]+ against baseline 0\\.[0-9]+: dropped 0\\.[0-9]+, more than max_drop 0\\.01$")' results.json >/dev/null ||
		{ jq -r '.checks[0].message' results.json; return 1; }
	jq -e '.checks[0].observed.metrics[0] | .baseline > .value and .delta < 0' results.json >/dev/null ||
		{ jq -c '.checks[0].observed.metrics' results.json; return 1; }
}

# The metrics table as labelled OpenMetrics series, per slice, that
# promtool accepts: what a Pushgateway and Grafana chart run after run.
test_model_metrics_openmetrics() {
	command -v promtool >/dev/null || { echo "promtool missing (scripts/deps.sh installs prometheus)"; return 1; }
	model_generate 2000
	cat >mlgate.json <<'EOS'
{ "mlgate": 1, "suite": "om", "datasets": { "cand": { "path": "cand.csv" }, "base": { "path": "base.csv" } },
  "checks": [ { "kind": "model.classification", "dataset": "cand", "label": "label", "score": "score",
                "baseline_dataset": "base", "metrics": { "roc_auc": {}, "accuracy": {} }, "slices": ["country"] } ] }
EOS
	mlg run --metrics m.prom --json results.json >out.txt 2>&1 || { cat out.txt; return 1; }
	promtool check metrics <m.prom || { cat m.prom; return 1; }
	grep -q '^mlgate_model_metric{check="model.classification:cand.roc_auc,accuracy",metric="roc_auc",slice="country=FR"} 0\.' m.prom &&
		grep -q '^mlgate_model_metric_delta{check="model.classification:cand.roc_auc,accuracy",metric="accuracy",slice="all"} ' m.prom ||
		{ grep model_metric m.prom; return 1; }
	# every row with a value is there, once
	[ "$(grep -c '^mlgate_model_metric{' m.prom)" = "$(jq '[.checks[0].observed.metrics[] | select(.value)] | length' results.json)" ] ||
		{ echo "series and table rows differ"; return 1; }
}
