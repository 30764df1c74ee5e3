# Checks that depend on each other ("needs"): order, skipping, selection,
# shards, and suite errors (sourced by tests/e2e.sh).

# A train -> test -> gate suite: `train` writes metrics.json and preds.csv
# (and fails with $FAIL), the model checks read them, `deploy` needs both.
needs_suite() {
	cat > train.sh <<'S'
#!/bin/sh
sleep 0.3
echo "train start" >> order.log
printf '{"test": {"auc": %s}}\n' "${AUC:-0.91}" > metrics.json
printf 'y,p\n1,0.9\n0,0.2\n1,0.7\n0,0.4\n' > preds.csv
echo "train end" >> order.log
exit "${FAIL:-0}"
S
	chmod +x train.sh
	cat > mlgate.json <<'J'
{ "suite": "needs-e2e",
  "datasets": { "preds": { "path": "preds.csv" }, "other": { "path": "other.csv" } },
  "checks": [
    { "kind": "model.metric", "id": "auc", "file": "metrics.json", "path": "test.auc", "min": 0.8, "needs": "train" },
    { "kind": "data.row_count", "id": "rows", "dataset": "preds", "min": 4, "needs": ["train"] },
    { "kind": "model.classification", "id": "quality", "dataset": "preds", "label": "y", "score": "p",
      "metrics": { "roc_auc": { "min": 0.9 } }, "min_support": 1, "needs": ["train"] },
    { "kind": "data.row_count", "id": "independent", "dataset": "other", "min": 1 },
    { "kind": "infra.command", "id": "train", "run": ["./train.sh"] },
    { "kind": "infra.command", "id": "deploy", "run": ["sh", "-c", "echo deploy >> order.log"], "needs": ["auc", "quality"] }
  ] }
J
	printf 'a\n1\n' > other.csv
}

test_needs_train_then_test_then_gate() {
	needs_suite
	mlg run -j 4 --json r.json --junit j.xml >out.txt 2>&1 || { cat out.txt; return 1; }
	jq -e '[.checks[].status] == ["passed","passed","passed","passed","passed","passed"]' r.json >/dev/null || { cat out.txt; return 1; }
	# the dependants ran after train ended, deploy last
	[ "$(cat order.log)" = "$(printf 'train start\ntrain end\ndeploy')" ] || { cat order.log; return 1; }
	xmllint --noout --schema "$here/data/spec/junit-mlgate.xsd" j.xml
}

test_needs_failed_prerequisite_skips_dependants() {
	needs_suite
	FAIL=1 mlg run -j 4 --json r.json --junit j.xml >out.txt 2>&1
	[ $? = 1 ] || { cat out.txt; return 1; }
	jq -e '.checks[4].status == "failed" and .checks[3].status == "passed" and .gate == "closed"' r.json >/dev/null || return 1
	jq -e '.checks[0] | .status == "skipped" and .message == "not run because '"'train'"' failed"
		and .observed.needs == [{"id": "train", "status": "failed"}]' r.json >/dev/null || { jq '.checks[0]' r.json; return 1; }
	jq -e '.checks[1].status == "skipped" and .checks[2].status == "skipped"' r.json >/dev/null || return 1
	# skipping is transitive, and names what each check needed
	jq -e '.checks[5] | .status == "skipped" and .message == "not run because '"'auc'"' was skipped and '"'quality'"' was skipped"' r.json >/dev/null || { jq '.checks[5]' r.json; return 1; }
	! grep -q deploy order.log || return 1
	grep -q "SKIP  deploy  not run because 'auc' was skipped" out.txt || { cat out.txt; return 1; }
	xmllint --noout --schema "$here/data/spec/junit-mlgate.xsd" j.xml || return 1
	grep -q '<skipped message="not run because' j.xml
}

test_needs_failing_dependant_does_not_skip_siblings() {
	needs_suite
	AUC=0.5 mlg run -j 2 --json r.json >out.txt 2>&1
	[ $? = 1 ] || { cat out.txt; return 1; }
	jq -e '[.checks[].status] == ["failed","passed","passed","passed","passed","skipped"]' r.json >/dev/null || { jq -c '[.checks[].status]' r.json; return 1; }
}

test_needs_errored_prerequisite_exits_3() {
	needs_suite
	sed -i 's|"run": \["./train.sh"\]|"run": ["./no-such-train.sh"]|' mlgate.json
	mlg run --json r.json >out.txt 2>&1
	[ $? = 3 ] || { cat out.txt; return 1; }
	jq -e '.checks[4].status == "error" and .checks[0].message == "not run because '"'train'"' could not be evaluated"' r.json >/dev/null || { jq -c '.checks[] | [.status, .message]' r.json; return 1; }
}

test_needs_results_identical_at_any_jobs() {
	needs_suite
	for j in 1 2 3 8; do
		rm -f order.log
		mlg run -j "$j" --json "r$j.json" >/dev/null 2>&1 || return 1
		jq -S 'del(.started, .duration_s, .checks[].duration_s)' "r$j.json" > "n$j.json"
	done
	cmp n1.json n2.json && cmp n1.json n3.json && cmp n1.json n8.json
}

test_needs_k_selects_prerequisites() {
	needs_suite
	mlg run -k deploy --json r.json >out.txt 2>&1 || { cat out.txt; return 1; }
	# deploy brings auc and quality, which bring train; the others stay out
	jq -e '[.checks[] | .status] == ["passed","skipped","passed","skipped","passed","passed"]
		and .checks[1].message == "deselected by -k/--tag" and .complete == false' r.json >/dev/null || { jq -c '[.checks[] | [.id, .status]]' r.json; return 1; }
	mlg run --tag none -k auc --json r2.json >/dev/null 2>&1
	mlg run -k auc --json r2.json >/dev/null 2>&1 || return 1
	jq -e '[.checks[] | .status] == ["passed","skipped","skipped","skipped","passed","skipped"]' r2.json >/dev/null
}

test_needs_independent_chains_run_in_parallel() {
	# Each step stamps its own start and end (ns), so the test reads the
	# schedule itself, not wall-clock time that valgrind inflates.
	cat > step.sh <<'S'
#!/bin/sh
echo "$1 start $(date +%s%N)" >> times.log
sleep 1
echo "$1 end $(date +%s%N)" >> times.log
S
	chmod +x step.sh
	cat > mlgate.json <<'J'
{ "checks": [
    { "kind": "infra.command", "id": "a1", "run": ["./step.sh", "a1"] },
    { "kind": "infra.command", "id": "a2", "run": ["./step.sh", "a2"], "needs": "a1" },
    { "kind": "infra.command", "id": "b1", "run": ["./step.sh", "b1"] },
    { "kind": "infra.command", "id": "b2", "run": ["./step.sh", "b2"], "needs": "b1" } ] }
J
	local j
	for j in 2 4; do
		rm -f times.log
		mlg run -j "$j" --json r.json >out.txt 2>&1 || { cat out.txt; return 1; }
		# the two chains overlapped (b1 began before a1 ended) and a chain
		# never did: a2 began after a1 ended, b2 after b1
		awk '{ t[$1 " " $2] = $3 }
		END {
			if (!(t["b1 start"] < t["a1 end"] && t["a1 start"] < t["b1 end"])) { print "chains ran one after the other"; exit 1 }
			if (!(t["a2 start"] >= t["a1 end"] && t["b2 start"] >= t["b1 end"])) { print "a step began before its prerequisite ended"; exit 1 }
		}' times.log || { echo "-j $j"; cat times.log; return 1; }
	done
}

test_needs_shards_keep_chains_together() {
	needs_suite
	for k in 1 2; do
		mlg run --shard "$k/2" --json "s$k.json" >/dev/null 2>&1 || return 1
	done
	# train and everything that needs it ran in one shard
	for k in 1 2; do
		ran=$(jq -c '[.checks[] | select(.message | startswith("in another shard") | not) | .id]' "s$k.json")
		case $ran in
		*train*) [ "$ran" = '["auc","rows","quality","train","deploy"]' ] || { echo "shard $k ran $ran"; return 1; } ;;
		esac
	done
	mlg merge -o m.json s1.json s2.json >/dev/null 2>&1 || return 1
	jq -e '.complete == true and .gate == "open" and .summary.passed == 6' m.json >/dev/null
}

test_needs_merge_counts_blocked_checks_as_selected() {
	needs_suite
	FAIL=1 mlg run --shard 1/2 --json s1.json >/dev/null 2>&1
	FAIL=1 mlg run --shard 2/2 --json s2.json >/dev/null 2>&1
	mlg merge -o m.json s1.json s2.json >/dev/null 2>&1
	jq -e '.complete == true and .gate == "closed" and .summary.skipped == 4 and .summary.failed == 1' m.json >/dev/null || { jq '.summary, .complete' m.json; return 1; }
}

test_needs_suite_errors() {
	cat > mlgate.json <<'J'
{ "checks": [
    { "kind": "infra.command", "id": "a", "run": ["true"], "needs": ["c"] },
    { "kind": "infra.command", "id": "b", "run": ["true"], "needs": "a" },
    { "kind": "infra.command", "id": "c", "run": ["true"], "needs": ["b"] } ] }
J
	mlg validate >out.txt 2>&1
	[ $? = 2 ] || { cat out.txt; return 1; }
	grep -qF "mlgate.json:3:60: checks[1].needs: dependency cycle: 'a' (checks[0]) needs 'c' (checks[2]) needs 'b' (checks[1]) needs 'a' (checks[0])" out.txt || { cat out.txt; return 1; }
	cat > mlgate.json <<'J'
{ "checks": [
    { "kind": "infra.command", "id": "train", "run": ["true"] },
    { "kind": "infra.command", "id": "x", "run": ["true"], "needs": ["trian", 7, "x"] } ] }
J
	mlg validate >out.txt 2>&1
	[ $? = 2 ] || return 1
	grep -qF "mlgate.json:3:70: checks[1].needs[0]: no check has the id 'trian' (needed by 'x'): did you mean 'train'?" out.txt || { cat out.txt; return 1; }
	grep -qF "checks[1].needs[1]: expected a check id, found a number" out.txt || { cat out.txt; return 1; }
	cat > mlgate.json <<'J'
{ "checks": [
    { "kind": "infra.command", "id": "x", "run": ["true"], "needs": "x" } ] }
J
	mlg validate >out.txt 2>&1
	grep -qF "checks[0].needs: 'x' needs itself" out.txt || { cat out.txt; return 1; }
	cat > mlgate.json <<'J'
{ "checks": [
    { "kind": "infra.command", "id": "train", "severity": "warn", "run": ["true"] },
    { "kind": "infra.command", "id": "mid", "severity": "warn", "run": ["true"], "needs": "train" },
    { "kind": "infra.command", "id": "gate", "run": ["true"], "needs": "mid" } ] }
J
	mlg validate >out.txt 2>&1
	[ $? = 2 ] || return 1
	grep -qF "checks[1].severity: 'mid' has severity \"warn\" but the gating check 'gate' needs it" out.txt || { cat out.txt; return 1; }
	grep -qF "checks[0].severity: 'train' has severity \"warn\" but the gating check 'gate' needs it through others" out.txt || { cat out.txt; return 1; }
}

# The README's train -> test -> gate example, as shipped in examples/pipeline.
test_needs_pipeline_example() {
	mkdir -p examples
	cp -r "$root/examples/pipeline" "$root/examples/fraud" examples/
	rm -rf examples/pipeline/out
	(cd examples/pipeline && mlg run -j 2 --json ../../r.json >../../out.txt 2>&1) || { cat out.txt; return 1; }
	jq -e '.gate == "open" and .summary.passed == 8' r.json >/dev/null || { cat out.txt; return 1; }
	[ -s examples/pipeline/out/model.tar ] || return 1
	# a model below the bar: the dependants of the failed check are skipped, nothing is packaged
	rm -rf examples/pipeline/out
	sed -i 's/"min": 0.6, "needs": "train"/"min": 0.9, "needs": "train"/' examples/pipeline/mlgate.json
	(cd examples/pipeline && mlg run -j 2 --json ../../r.json >../../out.txt 2>&1)
	[ $? = 1 ] || { cat out.txt; return 1; }
	jq -e '.checks[3].status == "failed" and .checks[7].status == "skipped"' r.json >/dev/null || return 1
	[ ! -e examples/pipeline/out/model.tar ]
}
