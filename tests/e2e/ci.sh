# CI integration: summary, metrics, GitHub Actions, sharding (sourced by tests/e2e.sh).

ci_suite() {
	printf 'id,amount\n1,5\n2,%s\n3,7\n' "${1:-6}" > data.csv
	printf '{"test": {"auc": 0.91}}\n' > metrics.json
	cat > mlgate.json <<'J'
{ "suite": "ci-e2e",
  "datasets": { "d": { "path": "data.csv" } },
  "checks": [ { "kind": "data.range", "dataset": "d", "column": "amount", "min": 0, "max": 10 },
              { "kind": "data.row_count", "dataset": "d", "min": 1 },
              { "kind": "model.metric", "file": "metrics.json", "path": "test.auc", "min": 0.9 },
              { "kind": "infra.command", "name": "loud", "run": ["sh", "-c", "echo '::set-output name=gate::open'; echo '::add-mask::x'; exit ${LOUD_EXIT:-0}"] } ] }
J
}

test_metrics_are_valid_for_promtool() {
	command -v promtool >/dev/null || { echo "promtool missing (scripts/deps.sh installs prometheus)"; return 1; }
	ci_suite 99
	mlg run --metrics m.prom >out.txt 2>&1
	[ $? = 1 ] || return 1
	promtool check metrics < m.prom || { cat m.prom; return 1; }
	grep -qx 'mlgate_gate_open 0' m.prom || return 1
	grep -qx 'mlgate_model_metric_metrics_json_test_auc_value 0.91' m.prom || { grep auc m.prom; return 1; }
	grep -q '^mlgate_check_status{check="data.range:d.amount",kind="data.range",severity="error",status="failed"} 1$' m.prom || return 1
	tail -1 m.prom | grep -qx '# EOF'
}

test_summary_escapes_untrusted_text() {
	ci_suite '"<script>alert(1)</script>|**bold**[x](http://evil.example)`"'
	mlg run --summary s.md >out.txt 2>&1
	[ $? = 1 ] || { cat out.txt; return 1; }
	head -1 s.md | grep -q '^## ❌ mlgate: gate closed' || { head -3 s.md; return 1; }
	! grep -q '<script>' s.md || { echo "raw HTML from data"; return 1; }
	! grep -q '](http' s.md || { echo "a link from data"; return 1; }
	! grep -q '\*\*bold' s.md || { echo "markup from data"; return 1; }
	grep -q '&lt;script&gt;' s.md || { echo "the value is not shown escaped"; cat s.md; return 1; }
	grep -q '| model.metric&#58;metrics.json&#58;test.auc | 0.91 | ≥ 0.9 | ✅ |' s.md || { cat s.md; return 1; }
	grep -q '<details><summary>Passed checks</summary>' s.md
}

test_github_annotations_summary_and_outputs() {
	ci_suite 99
	printf 'earlier step\n' > step-summary.md
	: > step-outputs.txt
	GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY=$PWD/step-summary.md GITHUB_OUTPUT=$PWD/step-outputs.txt \
		mlg run >out.txt 2>&1
	[ $? = 1 ] || { cat out.txt; return 1; }
	grep -qx '::error file=mlgate.json,line=3,title=mlgate failed%3A data.range%3Ad.amount::1 of 3 values of amount are above 10' out.txt || { cat out.txt; return 1; }
	grep -qx 'gate=closed' step-outputs.txt && grep -qx 'failed=1' step-outputs.txt && grep -qx 'passed=3' step-outputs.txt || { cat step-outputs.txt; return 1; }
	head -1 step-summary.md | grep -qx 'earlier step' || { echo "the earlier summary was lost"; return 1; }
	grep -q '^## ❌ mlgate: gate closed' step-summary.md || return 1
	# --no-ci-integration: none of it
	: > step-outputs.txt
	GITHUB_ACTIONS=true GITHUB_OUTPUT=$PWD/step-outputs.txt mlg run --no-ci-integration >out.txt 2>&1
	! grep -q '^::' out.txt && [ ! -s step-outputs.txt ]
}

test_github_workflow_commands_from_data_are_stopped() {
	ci_suite
	GITHUB_ACTIONS=true LOUD_EXIT=1 mlg run >out.txt 2>&1
	[ $? = 1 ] || { cat out.txt; return 1; }
	local token
	token=$(sed -n 's/^::stop-commands::\(.*\)$/\1/p' out.txt)
	[ -n "$token" ] || { echo "no stop-commands"; cat out.txt; return 1; }
	# the command's output appears only between stop-commands and the resume token
	awk -v t="::$token::" '$0 == t {resumed = 1} resumed && /^::(set-output|add-mask)/ {bad = 1} END {exit bad}' out.txt || { echo "workflow command outside the stopped region"; cat out.txt; return 1; }
	grep -q 'set-output name=gate' out.txt || { echo "the output was not shown at all"; return 1; }
	grep -qx "::$token::" out.txt
}

test_github_annotations_capped_at_10() {
	printf '{"a": 1}\n' > m.json
	{
		printf '{ "suite": "many", "checks": [\n'
		for i in $(seq 12); do
			printf '  { "kind": "model.metric", "id": "c%d", "file": "m.json", "path": "a", "min": 2 }%s\n' "$i" "$([ "$i" = 12 ] || echo ,)"
		done
		printf '] }\n'
	} > mlgate.json
	GITHUB_ACTIONS=true mlg run >out.txt 2>&1
	[ "$(grep -c '^::error ' out.txt)" = 10 ] || { grep '^::' out.txt; return 1; }
	grep -q '^::notice title=mlgate::2 more problems not annotated' out.txt
}

test_shards_partition_the_suite_and_keep_datasets_together() {
	cp -r "$root/examples/fraud" ex && cd ex || return 1
	for k in 1 2 3; do
		mlg run --shard "$k/3" --json "s$k.json" >/dev/null 2>&1 || return 1
	done
	# every check runs in exactly one shard
	jq -s '[.[].checks[] | select(.status != "skipped") | .id] | (length == (unique | length)) and length == 11' s1.json s2.json s3.json | grep -qx true || return 1
	# the six checks on the train dataset run together
	jq -s '[.[] | [.checks[] | select(.status != "skipped" and .category == "data")] | length] | max == 6' s1.json s2.json s3.json | grep -qx true || return 1
	jq -e '.shard.index == 2 and .shard.count == 3 and .complete == false' s2.json >/dev/null || return 1
	# the plan is the same every time
	mlg run --shard 2/3 --json again.json >/dev/null 2>&1
	cmp <(jq -c '[.checks[].status]' s2.json) <(jq -c '[.checks[].status]' again.json) || return 1
	mlg run --shard 4/3 >/dev/null 2>&1
	[ $? = 2 ]
}

test_pushgateway_receives_the_metrics() {
	command -v prometheus-pushgateway >/dev/null || { echo "prometheus-pushgateway missing (scripts/deps.sh)"; return 1; }
	local port pid ok=0
	port=$(free_port) || return 1
	prometheus-pushgateway --web.listen-address="127.0.0.1:$port" --persistence.file="$PWD/pg.data" >pg.log 2>&1 &
	pid=$!
	for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1 && { ok=1; break; }; sleep 0.1; done
	[ $ok = 1 ] || { cat pg.log; kill $pid; return 1; }
	ci_suite 99
	mlg run --pushgateway "http://127.0.0.1:$port" >out.txt 2>&1
	[ $? = 1 ] || { cat out.txt; kill $pid; return 1; }
	curl -sf "http://127.0.0.1:$port/metrics" > pushed.txt
	grep -q '^mlgate_gate_open{instance="",job="mlgate",suite="ci-e2e"} 0$' pushed.txt || { grep mlgate_gate pushed.txt; cat out.txt; kill $pid; return 1; }
	grep -q '^mlgate_model_metric_metrics_json_test_auc_value{instance="",job="mlgate",suite="ci-e2e"} 0.91$' pushed.txt || { kill $pid; return 1; }
	kill $pid; wait $pid 2>/dev/null
	# a Pushgateway that is down is a warning, not a verdict
	ci_suite
	mlg run --pushgateway "http://127.0.0.1:$port" >out.txt 2>&1
	[ $? = 0 ] && grep -q "warning: metrics not pushed" out.txt
}

test_changed_since_selects_checks_with_changed_inputs() {
	cp -r "$root/examples/fraud" ex && cd ex || return 1
	git init -q -b main . && git add . && git -c user.email=t@e -c user.name=t commit -qm base || return 1
	ran() { jq -r '[.checks[] | select(.status != "skipped") | .id] | join(" ")' r.json; }
	mlg run --changed-since HEAD --json r.json >out.txt 2>&1 || { cat out.txt; return 1; }
	[ "$(ran)" = "infra.command:sh train.sh --smoke" ] || { echo "nothing changed, ran: $(ran)"; return 1; }
	jq -e '.complete == false and .checks[0].message == "unchanged since HEAD"' r.json >/dev/null || return 1
	printf '{"test": {"auc": 0.95, "f1": 0.7, "log_loss": 0.1}, "slices": [{"auc": 0.9}]}\n' > metrics.json
	mlg run --changed-since HEAD --json r.json >out.txt 2>&1 || { cat out.txt; return 1; }
	[ "$(jq '[.checks[] | select(.status != "skipped" and .kind == "model.metric")] | length' r.json)" = 3 ] || { echo "ran: $(ran)"; return 1; }
	[ "$(jq '[.checks[] | select(.status != "skipped" and .category == "data")] | length' r.json)" = 0 ] || return 1
	git checkout -q metrics.json
	echo "501,10.5,DE,2026-10-01T00:00:00Z,web,0" >> data/train.csv
	mlg run --changed-since HEAD --json r.json >out.txt 2>&1 || { cat out.txt; return 1; }
	[ "$(jq '[.checks[] | select(.status != "skipped" and .category == "data")] | length' r.json)" = 6 ] || { echo "ran: $(ran)"; return 1; }
	git checkout -q data/train.csv
	# a changed declaration selects that check alone
	sed -i 's/"path": "test.log_loss", "max": 0.3/"path": "test.log_loss", "max": 0.25/' mlgate.json
	mlg run --changed-since HEAD --json r.json >out.txt 2>&1 || { cat out.txt; return 1; }
	[ "$(ran)" = "model.metric:metrics.json:test.log_loss infra.command:sh train.sh --smoke" ] || { echo "ran: $(ran)"; return 1; }
	# partial: it cannot promote
	MLFLOW_TRACKING_URI=http://127.0.0.1:9 MODEL_VERSION=1 REGISTRY_HOOK_URL=http://127.0.0.1:9/h \
		mlg promote --results r.json --dry-run >out.txt 2>&1
	[ $? = 3 ] || { cat out.txt; return 1; }
	mlg run --changed-since no-such-rev >out.txt 2>&1
	[ $? = 2 ] && grep -q "cannot resolve 'no-such-rev'" out.txt
}
