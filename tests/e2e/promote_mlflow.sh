# Promotion against tests/tools/mockreg, a test server that answers as
# MLflow's Model Registry REST API does and receives webhooks, with faults
# injected by script (sourced by tests/e2e.sh).

HOOK_SECRET_PLAIN="hook-secret-do-not-print"
MLFLOW_TOKEN="mlflow-token-do-not-print"

# gate_suite [AUC] [MLFLOW-EXTRA-JSON] [WEBHOOK-EXTRA-JSON]
gate_suite() {
	printf '{"test": {"auc": %s}}\n' "${1:-0.91}" > metrics.json
	cat > mlgate.json <<J
{ "suite": "gate-e2e",
  "checks": [ { "kind": "model.metric", "file": "metrics.json", "path": "test.auc", "min": 0.9 },
              { "kind": "infra.file", "path": "metrics.json", "max_bytes": 1, "severity": "warn" } ],
  "gate": { "promote": [
    { "registry": "mlflow", "url": "\${MOCKREG_URL}", "model": "fraud", "version": "\${MODEL_VERSION:-3}",
      "alias": "champion", "attempts": 3, "backoff": "50ms", "timeout": "\${MLFLOW_TIMEOUT:-2s}" ${2:-} },
    { "registry": "webhook", "url": "\${MOCKREG_URL}/hooks/gate", "secret_env": "HOOK_SECRET",
      "model": "fraud", "version": "3", "on": ["approved", "rejected"], "github_signature": true,
      "attempts": 3, "backoff": "50ms", "timeout": "2s" ${3:-} } ] } }
J
}

# run_gate ARGS...: mlgate with the registry's secrets in its environment.
run_gate() {
	HOOK_SECRET=$HOOK_SECRET_PLAIN MLFLOW_TRACKING_TOKEN=$MLFLOW_TOKEN mlg "$@" >out.txt 2>err.txt
}

# no_secrets_in FILES...: neither secret appears anywhere.
no_secrets_in() {
	if grep -l -e "$HOOK_SECRET_PLAIN" -e "$MLFLOW_TOKEN" "$@" 2>/dev/null; then
		echo "a secret leaked into the files above"
		return 1
	fi
}

alias_of() {
	mockreg_state | jq -r --arg a "$1" '.models.fraud.aliases[$a] // empty'
}

tag_of() {
	mockreg_state | jq -r --arg k "$1" '.models.fraud.versions["3"].tags[$k] // empty'
}

expect_rc() {
	[ "$1" = "$2" ] || { echo "exit $1, expected $2"; cat out.txt err.txt; return 1; }
}

test_promote_mlflow_sets_alias_and_tags_and_signs_the_webhook() {
	start_mockreg --token "$MLFLOW_TOKEN" --model fraud:3:READY --model fraud:2:READY || return 1
	gate_suite
	git init -q . && git add . && git -c user.email=t@e -c user.name=t commit -qm c
	run_gate run --promote --json r.json --junit j.xml
	expect_rc $? 0 || return 1
	[ "$(alias_of champion)" = 3 ] || { echo "alias not set"; mockreg_state; return 1; }
	[ "$(tag_of mlgate.gate)" = approved ] || { mockreg_state; return 1; }
	[ "$(tag_of mlgate.commit)" = "$(git rev-parse HEAD)" ] || { mockreg_state; return 1; }
	[ "$(tag_of mlgate.results_digest)" = "$(jq -r .promotion.results_digest r.json)" ] || return 1
	jq -e '.promotion.calls | length == 2' r.json >/dev/null || { jq .promotion r.json; return 1; }
	# The webhook's signatures verify with an independent HMAC (openssl).
	local req id ts body sig want gh
	req=$(mockreg_requests POST /hooks/gate)
	[ "$(printf '%s\n' "$req" | wc -l)" = 1 ] || { echo "expected one delivery"; return 1; }
	id=$(jq -r '.headers["webhook-id"]' <<<"$req")
	ts=$(jq -r '.headers["webhook-timestamp"]' <<<"$req")
	sig=$(jq -r '.headers["webhook-signature"]' <<<"$req")
	body=$(jq -j '.body' <<<"$req")
	want="v1,$(printf '%s.%s.%s' "$id" "$ts" "$body" | openssl dgst -sha256 -hmac "$HOOK_SECRET_PLAIN" -binary | base64 -w0)"
	[ "$sig" = "$want" ] || { echo "signature $sig, expected $want"; return 1; }
	gh="sha256=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$HOOK_SECRET_PLAIN" | awk '{print $NF}')"
	[ "$(jq -r '.headers["x-hub-signature-256"]' <<<"$req")" = "$gh" ] || { echo "bad X-Hub-Signature-256"; return 1; }
	[ "$(jq -r '.headers["idempotency-key"]' <<<"$req")" = "$id" ] || return 1
	jq -e '.type == "model.promotion.approved" and .data.model == "fraud" and .data.version == "3"' <<<"$body" >/dev/null || { echo "$body"; return 1; }
	# MLflow calls carried the bearer token; nothing printed or saved shows it.
	mockreg_requests '*' /api/ | jq -e --arg t "Bearer $MLFLOW_TOKEN" 'select(.headers.authorization != $t)' >/dev/null && { echo "a call lacked the token"; return 1; }
	no_secrets_in out.txt err.txt r.json j.xml || return 1
	stop_mockreg
}

test_promote_whsec_secret_is_base64_decoded() {
	start_mockreg --model fraud:3:READY || return 1
	gate_suite 0.91 ', "on": ["rejected"]'
	local secret="whsec_$(printf 'raw key bytes' | base64 -w0)" req id ts body sig want hexkey
	HOOK_SECRET=$secret mlg run --promote >out.txt 2>err.txt
	expect_rc $? 0 || return 1
	req=$(mockreg_requests POST /hooks/gate)
	id=$(jq -r '.headers["webhook-id"]' <<<"$req")
	ts=$(jq -r '.headers["webhook-timestamp"]' <<<"$req")
	sig=$(jq -r '.headers["webhook-signature"]' <<<"$req")
	body=$(jq -j '.body' <<<"$req")
	hexkey=$(printf 'raw key bytes' | od -An -tx1 | tr -d ' \n')
	want="v1,$(printf '%s.%s.%s' "$id" "$ts" "$body" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$hexkey" -binary | base64 -w0)"
	[ "$sig" = "$want" ] || { echo "signature $sig, expected $want"; return 1; }
	[ "$(mockreg_count '*' /api/)" = 0 ] || { echo "mlflow was called with on: []"; return 1; }
	stop_mockreg
}

test_promote_basic_auth() {
	start_mockreg --basic "ml:pa55word" --model fraud:3:READY || return 1
	gate_suite
	HOOK_SECRET=x MLFLOW_TRACKING_USERNAME=ml MLFLOW_TRACKING_PASSWORD=pa55word mlg run --promote >out.txt 2>err.txt
	expect_rc $? 0 || return 1
	[ "$(alias_of champion)" = 3 ] || return 1
	! grep -q pa55word out.txt err.txt || { echo "password printed"; return 1; }
	stop_mockreg
}

test_promote_retries_500_then_succeeds_with_one_key() {
	printf 'GET /api/2.0/mlflow/model-versions/get status 500\nPOST /hooks/ status 502\n' > faults
	start_mockreg --token "$MLFLOW_TOKEN" --model fraud:3:READY --script faults || return 1
	gate_suite
	run_gate run --promote
	expect_rc $? 0 || return 1
	[ "$(mockreg_count GET /api/2.0/mlflow/model-versions/get)" = 2 ] || { echo "expected 2 attempts"; return 1; }
	[ "$(mockreg_requests GET /api/ | jq -r '.headers["idempotency-key"]' | sort -u | wc -l)" = 1 ] || { echo "idempotency key changed between attempts"; return 1; }
	[ "$(mockreg_count POST /hooks/)" = 2 ] || return 1
	[ "$(mockreg_requests POST /hooks/ | jq -r '[.headers["webhook-id"], .headers["webhook-signature"], .body] | @json' | sort -u | wc -l)" = 1 ] || { echo "a retried webhook differed"; return 1; }
	[ "$(alias_of champion)" = 3 ] || return 1
	stop_mockreg
}

test_promote_honours_retry_after() {
	printf 'POST /api/2.0/mlflow/registered-models/alias retry-after 1 503\nPOST /hooks/ retry-after-date 1 429\n' > faults
	start_mockreg --token "$MLFLOW_TOKEN" --model fraud:3:READY --script faults || return 1
	gate_suite
	local t0 t1
	t0=$(date +%s.%N)
	run_gate run --promote
	expect_rc $? 0 || return 1
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a >= 1.0) }' || { echo "Retry-After: 1 was not waited for"; return 1; }
	[ "$(mockreg_count POST /api/2.0/mlflow/registered-models/alias)" = 2 ] || return 1
	[ "$(mockreg_count POST /hooks/)" = 2 ] || return 1
	[ "$(mockreg_state | jq '[.webhooks[]] | add')" = 2 ] || return 1
	stop_mockreg
}

test_promote_connection_reset_is_retried() {
	printf 'GET /api/2.0/mlflow/model-versions/get reset\n' > faults
	start_mockreg --token "$MLFLOW_TOKEN" --model fraud:3:READY --script faults || return 1
	gate_suite
	run_gate run --promote
	expect_rc $? 0 || return 1
	[ "$(mockreg_count GET /api/2.0/mlflow/model-versions/get)" = 2 ] || return 1
	stop_mockreg
}

test_promote_slow_response_times_out() {
	printf 'GET /api/2.0/mlflow/model-versions/get delay 3\n' > faults
	start_mockreg --token "$MLFLOW_TOKEN" --model fraud:3:READY --script faults || return 1
	gate_suite
	MLFLOW_TIMEOUT=500ms run_gate run --promote
	expect_rc $? 0 || return 1
	# (the server logs the slow request only once it has answered)
	grep -q "model-versions/get?name=fraud&version=3: 2 attempts" out.txt || { cat out.txt; return 1; }
	stop_mockreg
	# Every attempt too slow: the promotion fails, and nothing is promoted.
	printf 'GET /api/2.0/mlflow/model-versions/get delay 2\n%.0s' 1 2 3 > faults
	rm -f mockreg.log
	start_mockreg --token "$MLFLOW_TOKEN" --model fraud:3:READY --script faults || return 1
	MLFLOW_TIMEOUT=500ms run_gate run --promote
	expect_rc $? 4 || return 1
	grep -q "attempt 3 of 3" out.txt || { cat out.txt; return 1; }
	[ -z "$(alias_of champion)" ] || return 1
	[ "$(mockreg_count POST /hooks/)" = 0 ] || { echo "the webhook was called after a failure"; return 1; }
	stop_mockreg
}

test_promote_invalid_json_is_not_retried() {
	printf 'GET /api/2.0/mlflow/model-versions/get invalid-json\n' > faults
	start_mockreg --token "$MLFLOW_TOKEN" --model fraud:3:READY --script faults || return 1
	gate_suite
	run_gate run --promote
	expect_rc $? 4 || return 1
	grep -q "not JSON" out.txt || { cat out.txt; return 1; }
	[ "$(mockreg_count GET /api/)" = 1 ] && [ -z "$(alias_of champion)" ] || return 1
	stop_mockreg
}

test_promote_4xx_are_not_retried_and_shown_as_mlflow_says() {
	start_mockreg --token "$MLFLOW_TOKEN" --model fraud:3:READY || return 1
	gate_suite
	HOOK_SECRET=x MLFLOW_TRACKING_TOKEN=wrong mlg run --promote >out.txt 2>err.txt
	expect_rc $? 4 || return 1
	grep -q "HTTP 401 from MLflow: UNAUTHENTICATED" out.txt || { cat out.txt; return 1; }
	[ "$(mockreg_count '*' /api/)" = 1 ] || { echo "a 401 was retried"; return 1; }
	! grep -q wrong out.txt err.txt || { echo "the token was printed"; return 1; }
	stop_mockreg
	printf 'POST /api/2.0/mlflow/registered-models/alias status 403 mlflow PERMISSION_DENIED\n' > faults
	rm -f mockreg.log
	start_mockreg --token "$MLFLOW_TOKEN" --model fraud:3:READY --script faults || return 1
	run_gate run --promote
	expect_rc $? 4 || return 1
	grep -q "HTTP 403 from MLflow: PERMISSION_DENIED: injected 403" out.txt || { cat out.txt; return 1; }
	[ "$(mockreg_count POST /api/2.0/mlflow/registered-models/alias)" = 1 ] || return 1
	stop_mockreg
	rm -f mockreg.log
	start_mockreg --token "$MLFLOW_TOKEN" --model fraud:3:READY || return 1
	MODEL_VERSION=9 run_gate run --promote
	expect_rc $? 4 || return 1
	grep -q "HTTP 404 from MLflow: RESOURCE_DOES_NOT_EXIST" out.txt || { cat out.txt; return 1; }
	stop_mockreg
}

test_promote_refuses_a_version_not_ready() {
	start_mockreg --token "$MLFLOW_TOKEN" --model fraud:3:PENDING_REGISTRATION || return 1
	gate_suite
	run_gate run --promote
	expect_rc $? 4 || return 1
	grep -q "fraud version 3 is PENDING_REGISTRATION, not READY" out.txt || { cat out.txt; return 1; }
	[ -z "$(alias_of champion)" ] || return 1
	stop_mockreg
}

test_gate_closed_promotes_nothing_but_reports_the_rejection() {
	start_mockreg --token "$MLFLOW_TOKEN" --model fraud:3:READY || return 1
	gate_suite 0.5
	run_gate run --promote --json r.json
	expect_rc $? 1 || return 1
	[ -z "$(alias_of champion)" ] || { echo "promoted on a closed gate"; return 1; }
	[ "$(mockreg_count POST /api/2.0/mlflow/registered-models/alias)" = 0 ] || return 1
	[ "$(tag_of mlgate.gate)" = rejected ] || { mockreg_state; return 1; }
	mockreg_requests POST /hooks/ | jq -e '.body | fromjson | .type == "model.promotion.rejected" and (.data.failed_checks | length) == 1' >/dev/null || { mockreg_requests POST /hooks/; return 1; }
	stop_mockreg
}

test_gate_errored_promotes_nothing() {
	start_mockreg --token "$MLFLOW_TOKEN" --model fraud:3:READY || return 1
	gate_suite
	rm metrics.json
	run_gate run --promote
	expect_rc $? 3 || return 1
	[ "$(mockreg_count POST /api/2.0/mlflow/registered-models/alias)" = 0 ] && [ -z "$(alias_of champion)" ] || return 1
	stop_mockreg
}

test_promote_from_saved_results_and_never_twice() {
	start_mockreg --token "$MLFLOW_TOKEN" --model fraud:3:READY || return 1
	gate_suite
	run_gate run --json r.json
	expect_rc $? 0 || return 1
	[ "$(mockreg_count '*' /)" = 0 ] || { echo "run without --promote called a registry"; return 1; }
	run_gate promote --results r.json
	expect_rc $? 0 || return 1
	[ "$(alias_of champion)" = 3 ] || return 1
	local n
	n=$(mockreg_count '*' /)
	run_gate promote --results r.json
	expect_rc $? 0 || return 1
	grep -q "already done" out.txt || { cat out.txt; return 1; }
	[ "$(mockreg_count '*' /)" = "$n" ] || { echo "a repeat sent requests"; return 1; }
	stop_mockreg
}

test_promote_refuses_foreign_or_incomplete_results() {
	start_mockreg --token "$MLFLOW_TOKEN" --model fraud:3:READY || return 1
	gate_suite
	run_gate run --json r.json -k 'model.metric*'
	expect_rc $? 0 || return 1
	run_gate promote --results r.json
	expect_rc $? 3 || return 1
	grep -q "did not pass (first: model.metric:metrics.json:test.auc, skipped)\|partial selection\|lack" out.txt err.txt || true
	run_gate run --json full.json
	sed -i 's/"min": 0.9/"min": 0.8/' mlgate.json
	run_gate promote --results full.json
	expect_rc $? 2 || return 1
	grep -q "another version of 'mlgate.json'" err.txt || { cat err.txt; return 1; }
	echo '{"schema": "something/else"}' > other.json
	run_gate promote --results other.json
	expect_rc $? 2 || return 1
	[ "$(mockreg_count '*' /)" = 0 ] || { echo "requests were sent"; return 1; }
	stop_mockreg
}

test_promote_dry_run_sends_nothing_and_masks_secrets() {
	start_mockreg --token "$MLFLOW_TOKEN" --model fraud:3:READY || return 1
	gate_suite
	run_gate run --promote --dry-run --json r.json
	expect_rc $? 0 || return 1
	[ "$(mockreg_count '*' /)" = 0 ] || { echo "a dry run sent requests"; return 1; }
	grep -q "^GET $MOCKREG_URL/api/2.0/mlflow/model-versions/get?name=fraud&version=3" out.txt || { cat out.txt; return 1; }
	grep -q '^  Authorization: \*\*\*\*' out.txt || return 1
	grep -q '^  webhook-signature: \*\*\*\*' out.txt || return 1
	grep -q '{"name":"fraud","alias":"champion","version":"3"}' out.txt || return 1
	jq -e 'has("promotion") | not' r.json >/dev/null || { echo "a dry run was recorded"; return 1; }
	no_secrets_in out.txt err.txt r.json || return 1
	stop_mockreg
}

test_promote_legacy_stage() {
	start_mockreg --token "$MLFLOW_TOKEN" --model fraud:3:READY --model fraud:2:READY || return 1
	gate_suite 0.91 ', "stage": "Production", "archive_existing_versions": true'
	run_gate run --promote
	expect_rc $? 0 || return 1
	grep -q '"stage" is deprecated in MLflow' out.txt || { cat out.txt; return 1; }
	[ "$(mockreg_state | jq -r '.models.fraud.versions["3"].current_stage')" = Production ] || return 1
	stop_mockreg
}

test_webhook_redirect_is_not_followed() {
	printf 'POST /hooks/ redirect http://127.0.0.1:9/elsewhere\n' > faults
	start_mockreg --token "$MLFLOW_TOKEN" --model fraud:3:READY --script faults || return 1
	gate_suite
	run_gate run --promote
	expect_rc $? 4 || return 1
	grep -q "HTTP 302 (redirects are not followed for webhooks)" out.txt || { cat out.txt; return 1; }
	stop_mockreg
}

test_promote_missing_secret_is_named() {
	start_mockreg --token "$MLFLOW_TOKEN" --model fraud:3:READY || return 1
	gate_suite
	MLFLOW_TRACKING_TOKEN=$MLFLOW_TOKEN mlg run --promote >out.txt 2>err.txt
	expect_rc $? 4 || return 1
	grep -q "nothing was called: environment variable 'HOOK_SECRET' (gate.promote\[1\].secret_env) is not set" out.txt || { cat out.txt; return 1; }
	# checked before the first call: MLflow (entry 0) was not touched either
	[ "$(mockreg_count '*' /)" = 0 ] || { echo "a registry was called"; return 1; }
	stop_mockreg
}

test_promote_unset_gate_variable_stops_before_running() {
	gate_suite
	env -u MOCKREG_URL "$MLGATE" run --promote >out.txt 2>err.txt
	expect_rc $? 2 || return 1
	grep -q "gate.promote\[0\].url: environment variable 'MOCKREG_URL' is not set" err.txt || { cat err.txt; return 1; }
	# without --promote the same suite runs
	env -u MOCKREG_URL "$MLGATE" run >out.txt 2>err.txt
	expect_rc $? 0
}

test_example_suite_promotes_to_mlflow() {
	cp -r "$root/examples/fraud" ex && cd ex || return 1
	start_mockreg --token "$MLFLOW_TOKEN" --model fraud-model:7:READY || return 1
	MLFLOW_TRACKING_URI=$MOCKREG_URL MODEL_VERSION=7 REGISTRY_HOOK_URL=$MOCKREG_URL/hooks/fraud \
		MLGATE_WEBHOOK_SECRET=$HOOK_SECRET_PLAIN MLFLOW_TRACKING_TOKEN=$MLFLOW_TOKEN \
		mlg run --promote --json r.json >out.txt 2>err.txt
	expect_rc $? 0 || return 1
	mockreg_state | jq -e '.models["fraud-model"].aliases.champion == "7" and
		.models["fraud-model"].versions["7"].tags["mlgate.gate"] == "approved"' >/dev/null || { mockreg_state; return 1; }
	[ "$(mockreg_count POST /hooks/fraud)" = 1 ] || return 1
	no_secrets_in out.txt err.txt r.json || return 1
	stop_mockreg
}

# The test server itself answers as documented (its own 89 checks).
test_mockreg_selftest() {
	"$root/tests/tools/mockreg-selftest.sh" "$MOCKREG" > selftest.log 2>&1 || { tail -20 selftest.log; return 1; }
	tail -1 selftest.log | grep -q ' 0 failed$'
}

test_promote_waits_for_the_reports() {
	start_mockreg --token "$MLFLOW_TOKEN" --model fraud:3:READY || return 1
	gate_suite
	run_gate run --promote --json no/such/dir/r.json
	expect_rc $? 3 || return 1
	grep -q "nothing promoted: the reports could not all be written" err.txt || { cat err.txt; return 1; }
	[ "$(mockreg_count '*' /)" = 0 ] || { echo "promoted without its evidence"; return 1; }
	stop_mockreg
}

test_promote_stops_on_sigterm() {
	printf 'GET /api/2.0/mlflow/model-versions/get delay 8\n' > faults
	start_mockreg --token "$MLFLOW_TOKEN" --model fraud:3:READY --script faults || return 1
	gate_suite
	HOOK_SECRET=$HOOK_SECRET_PLAIN MLFLOW_TRACKING_TOKEN=$MLFLOW_TOKEN MLFLOW_TIMEOUT=20s \
		${MLGATE_WRAP:-} "$MLGATE" run --promote --json r.json >out.txt 2>err.txt &
	local pid=$! rc
	for _ in $(seq 200); do grep -q "gate open: promoting" out.txt 2>/dev/null && break; sleep 0.05; done
	sleep 0.5
	kill -TERM $pid
	wait $pid
	rc=$?
	[ "$rc" = 130 ] || { echo "exit $rc, expected 130"; cat out.txt err.txt; return 1; }
	grep -q "interrupted; nothing more is promoted" out.txt || { cat out.txt; return 1; }
	[ -z "$(alias_of champion)" ] || { echo "promoted after SIGTERM"; return 1; }
	jq -e 'has("promotion") | not' r.json >/dev/null || return 1
	stop_mockreg
}

test_promote_needs_something_to_promote_on() {
	gate_suite
	# no gating check at all: nothing was tested
	sed -i 's/"min": 0.9 }/"min": 0.9, "severity": "warn" }/' mlgate.json
	MOCKREG_URL=http://127.0.0.1:9 run_gate run --promote --dry-run
	expect_rc $? 3 || return 1
	grep -q "no gating check" out.txt || { cat out.txt; return 1; }
	# no gate.promote entries: --promote is a usage error
	printf '{"a": 1}\n' > m.json
	printf '{ "checks": [ { "kind": "model.metric", "file": "m.json", "path": "a", "min": 0 } ] }\n' > mlgate.json
	run_gate run --promote
	expect_rc $? 2 || return 1
	grep -q 'nothing to promote to' err.txt || { cat err.txt; return 1; }
	# a -k that matches nothing is not a green gate
	run_gate run -k 'no-such-check*'
	expect_rc $? 3 || return 1
	grep -q "no check matched the selection" err.txt
}

test_promote_masks_credentials_in_urls() {
	start_mockreg --model fraud:3:READY || return 1
	gate_suite
	MOCKREG_URL="http://bob:hunter2@127.0.0.1:$MOCKREG_PORT" HOOK_SECRET=x mlg run --promote --dry-run >out.txt 2>err.txt
	expect_rc $? 0 || return 1
	! grep -q hunter2 out.txt err.txt || { echo "a password in a URL was printed"; return 1; }
	grep -q "http://\*\*\*\*@127.0.0.1:$MOCKREG_PORT/api/2.0/mlflow/model-versions/get?name=fraud&version=3" out.txt || { cat out.txt; return 1; }
	stop_mockreg
}

test_promote_only_the_version_that_was_tested() {
	start_mockreg --token "$MLFLOW_TOKEN" --model fraud:1:READY --model fraud:2:READY || return 1
	gate_suite
	sed -i 's/"version": "3" }/"version": "${MODEL_VERSION:-3}" }/' mlgate.json
	MODEL_VERSION=1 run_gate run --json r.json
	expect_rc $? 0 || return 1
	jq -e '.candidates[0].version == "1" and .candidates[0].model == "fraud"' r.json >/dev/null || { jq .candidates r.json; return 1; }
	MODEL_VERSION=2 run_gate promote --results r.json
	expect_rc $? 2 || return 1
	grep -q "the results tested version '1' for gate.promote\[0\], not '2'" out.txt || { cat out.txt; return 1; }
	[ "$(mockreg_count '*' /)" = 0 ] || { echo "a registry was called"; return 1; }
	MODEL_VERSION=1 run_gate promote --results r.json
	expect_rc $? 0 || return 1
	[ "$(alias_of champion)" = 1 ] || return 1
	stop_mockreg
}

test_promote_refuses_results_edited_by_hand() {
	start_mockreg --token "$MLFLOW_TOKEN" --model fraud:3:READY || return 1
	gate_suite 0.5
	run_gate run --json r.json
	expect_rc $? 1 || return 1
	# flip the failed check to passed, leave summary and gate as they were
	jq '(.checks[] | select(.status == "failed")).status = "passed"' r.json > edited.json
	run_gate promote --results edited.json
	expect_rc $? 2 || return 1
	grep -q "the results are inconsistent" err.txt || { cat out.txt err.txt; return 1; }
	[ "$(mockreg_count POST /api/2.0/mlflow/registered-models/alias)" = 0 ] || return 1
	stop_mockreg
}
