# infra.http against tests/tools/modelsrv (a TensorFlow Serving REST double)
# and tests/tools/mockreg (for a bearer token and a text answer); sourced by
# tests/e2e.sh. Every test stops its servers whatever happens (http_with).
#
# The model served: weights 0.5,2 (cycling), bias 1, so
#   [1,2,3] -> 7   [2,2] -> 6   [0] -> 1   [4] -> 3   [2,1] -> 4   [7] -> 4.5

HTTP_MODEL_ARGS=(--weights 0.5,2 --bias 1)

# http_with SERVER BODY-FUNCTION [SERVER-ARGS...]: starts modelsrv or
# mockreg, runs the body, stops the server; fails if either fails.
http_with() {
	local server=$1 body=$2 rc
	shift 2
	"start_$server" "$@" || return 1
	"$body"
	rc=$?
	"stop_$server" || rc=1
	return "$rc"
}

# http_suite CHECK-JSON...: mlgate.json with these checks (10 s timeout each).
http_suite() {
	local IFS=,
	printf '{ "mlgate": 1, "suite": "http-e2e", "defaults": { "timeout": "10s" },\n  "checks": [ %s ] }\n' "$*" > mlgate.json
}

# http_run EXPECTED-EXIT: runs the suite with JSON and JUnit reports.
http_run() {
	mlg run --json r.json --junit j.xml >out.txt 2>err.txt
	local rc=$?
	if [ "$rc" != "$1" ]; then
		echo "exit $rc, expected $1"
		cat out.txt err.txt
		return 1
	fi
}

# http_is ID JQ-FILTER: the check's result satisfies the filter.
http_is() {
	jq -e --arg id "$1" ".checks[] | select(.id == \$id) | $2" r.json >/dev/null || {
		echo "check $1 does not satisfy: $2"
		jq --arg id "$1" '.checks[] | select(.id == $id) | {status, message, observed, expected, examples}' r.json
		return 1
	}
}

http_status_and_json_body() {
	local u=$MODELSRV_URL/v1/models
	http_suite \
		"{ \"kind\": \"infra.http\", \"id\": \"status\", \"url\": \"$u/fraud\",
		   \"expect\": { \"status\": 200, \"json\": { \"\$.model_version_status[0].state\": \"AVAILABLE\",
		                 \"\$.model_version_status[0].status.error_code\": { \"matches\": \"^OK\$\" },
		                 \"\$.error\": { \"exists\": false } } } }" \
		"{ \"kind\": \"infra.http\", \"id\": \"predict\", \"url\": \"$u/fraud:predict\",
		   \"body\": { \"instances\": [[1, 2, 3], [2, 2]] },
		   \"expect\": { \"json\": { \"\$.predictions\": [7, 6], \"predictions[1]\": { \"min\": 5, \"max\": 6 } } } }" \
		"{ \"kind\": \"infra.http\", \"id\": \"wrong\", \"url\": \"$u/fraud:predict\",
		   \"body\": { \"instances\": [[1, 2, 3], [2, 2]] },
		   \"expect\": { \"json\": { \"\$.predictions[1]\": 6.5, \"\$.predictions[0]\": { \"max\": 6 } } } }" \
		"{ \"kind\": \"infra.http\", \"id\": \"unknown-model\", \"url\": \"$u/other\" }" \
		"{ \"kind\": \"infra.http\", \"id\": \"unknown-model-404\", \"url\": \"$u/other\", \"expect\": { \"status\": [404, 410] } }"
	http_run 1 || return 1
	http_is status '.status == "passed" and .observed.status == 200 and (.message | test("^GET http://127.0.0.1:[0-9]+/v1/models/fraud answered HTTP 200 in [0-9]+ ms; 3 JSON values as expected$"))' || return 1
	http_is status '.observed.json["$.model_version_status[0].state"] == "AVAILABLE" and .observed.bytes > 0 and .observed.time_ms >= 0' || return 1
	http_is predict '.status == "passed" and .observed.json["$.predictions"] == [7, 6]' || return 1
	http_is wrong '.status == "failed" and .message == "$.predictions[1] is 6, expected 6.5 ± 1e-06 (and 1 more problem)"' || return 1
	http_is wrong '.examples_total == 2 and .examples[1] == {"path": "$.predictions[0]", "got": 7, "expected": {"max": 6}, "reason": "$.predictions[0] is 7, expected at most 6"}' || return 1
	http_is unknown-model '.status == "failed" and (.message | test(": answered HTTP 404, expected 200$")) and .observed.status == 404' || return 1
	http_is unknown-model-404 '.status == "passed" and .expected.status == [404, 410]' || return 1
	# the error page is in the details, in the JUnit body too
	grep -q 'Servable not found for request: Latest(other)' j.xml || { echo "no answer body in junit"; return 1; }
}

test_http_status_and_json_paths() {
	http_with modelsrv http_status_and_json_body "${HTTP_MODEL_ARGS[@]}"
}

http_regex_body() {
	local u=$MODELSRV_URL/v1/models/fraud
	http_suite \
		"{ \"kind\": \"infra.http\", \"id\": \"ok\", \"url\": \"$u\",
		   \"expect\": { \"json\": { \"model_version_status[0].state\": { \"matches\": \"^AVAIL\" } } } }" \
		"{ \"kind\": \"infra.http\", \"id\": \"no\", \"url\": \"$u\",
		   \"expect\": { \"json\": { \"model_version_status[0].state\": { \"matches\": \"^(LOADING|UNLOADING)\$\" } } } }" \
		"{ \"kind\": \"infra.http\", \"id\": \"contains\", \"url\": \"$u\", \"expect\": { \"body_contains\": \"AVAILABLE\" } }" \
		"{ \"kind\": \"infra.http\", \"id\": \"lacks\", \"url\": \"$u\", \"expect\": { \"body_contains\": \"FAILED\" } }"
	http_run 1 || return 1
	http_is ok '.status == "passed"' || return 1
	http_is no '.status == "failed" and .message == "model_version_status[0].state is \"AVAILABLE\", expected a match of '"'"'^(LOADING|UNLOADING)$'"'"'"' || return 1
	http_is contains '.status == "passed"' || return 1
	http_is lacks '.status == "failed" and (.message | endswith(": the answer does not contain '"'"'FAILED'"'"'"))'
}

test_http_regex_and_body_contains() {
	http_with modelsrv http_regex_body "${HTTP_MODEL_ARGS[@]}"
}

# [7] -> 1 + 0.5 * 7 = 4.5; tolerances at their boundary (4.5 + 0.25 is
# exact in binary; 4.5 + 0.1 is not: the few-ulps slack decides).
http_tolerance_body() {
	local u=$MODELSRV_URL/v1/models/fraud:predict b='"body": { "instances": [[7]] }'
	http_suite \
		"{ \"kind\": \"infra.http\", \"id\": \"at-abs\", \"url\": \"$u\", $b, \"tolerance\": 0.25, \"expect\": { \"json\": { \"\$.predictions[0]\": 4.75 } } }" \
		"{ \"kind\": \"infra.http\", \"id\": \"past-abs\", \"url\": \"$u\", $b, \"tolerance\": 0.25, \"expect\": { \"json\": { \"\$.predictions[0]\": 4.7501 } } }" \
		"{ \"kind\": \"infra.http\", \"id\": \"at-approx\", \"url\": \"$u\", $b, \"expect\": { \"json\": { \"\$.predictions[0]\": { \"approx\": 4.6, \"tolerance\": 0.1 } } } }" \
		"{ \"kind\": \"infra.http\", \"id\": \"past-approx\", \"url\": \"$u\", $b, \"expect\": { \"json\": { \"\$.predictions[0]\": { \"approx\": 4.6001, \"tolerance\": 0.1 } } } }" \
		"{ \"kind\": \"infra.http\", \"id\": \"at-rel\", \"url\": \"$u\", $b, \"tolerance\": 0, \"relative_tolerance\": 0.1, \"expect\": { \"json\": { \"\$.predictions[0]\": 5 } } }" \
		"{ \"kind\": \"infra.http\", \"id\": \"past-rel\", \"url\": \"$u\", $b, \"tolerance\": 0, \"relative_tolerance\": 0.1, \"expect\": { \"json\": { \"\$.predictions[0]\": 5.001 } } }" \
		"{ \"kind\": \"infra.http\", \"id\": \"default\", \"url\": \"$u\", $b, \"expect\": { \"json\": { \"\$.predictions[0]\": 4.500001 } } }" \
		"{ \"kind\": \"infra.http\", \"id\": \"past-default\", \"url\": \"$u\", $b, \"expect\": { \"json\": { \"\$.predictions[0]\": 4.5000011 } } }"
	http_run 1 || return 1
	http_is at-abs '.status == "passed"' || return 1
	http_is past-abs '.status == "failed" and .message == "$.predictions[0] is 4.5, expected 4.7501 ± 0.25"' || return 1
	http_is at-approx '.status == "passed"' || return 1
	http_is past-approx '.status == "failed" and .message == "$.predictions[0] is 4.5, expected 4.6001 ± 0.1"' || return 1
	http_is at-rel '.status == "passed" and .expected.relative_tolerance == 0.1' || return 1
	http_is past-rel '.status == "failed" and .message == "$.predictions[0] is 4.5, expected 5.001 ± 0.5001"' || return 1
	http_is default '.status == "passed" and .expected.tolerance == 1e-06' || return 1
	http_is past-default '.status == "failed"'
}

test_http_tolerance_at_the_boundary() {
	http_with modelsrv http_tolerance_body "${HTTP_MODEL_ARGS[@]}"
}

http_post_body() {
	local u=$MODELSRV_URL/v1/models/fraud:predict
	printf '{"inputs": [[1, 2, 3], [0, 0]]}' > inputs.json
	printf 'not json at all' > junk.txt
	http_suite \
		"{ \"kind\": \"infra.http\", \"id\": \"body\", \"url\": \"$u\", \"body\": { \"instances\": [[2, 2]] },
		   \"expect\": { \"json\": { \"predictions\": [6] } } }" \
		"{ \"kind\": \"infra.http\", \"id\": \"file\", \"url\": \"$u\", \"body_file\": \"inputs.json\",
		   \"expect\": { \"json\": { \"\$.outputs\": [7, 1] } } }" \
		"{ \"kind\": \"infra.http\", \"id\": \"junk\", \"url\": \"$u\", \"body_file\": \"junk.txt\", \"content_type\": \"text/plain\",
		   \"expect\": { \"status\": 400 } }" \
		"{ \"kind\": \"infra.http\", \"id\": \"method\", \"url\": \"$u\", \"method\": \"PUT\", \"body\": { \"instances\": [[2, 2]] },
		   \"expect\": { \"status\": 404 } }"
	http_run 0 || return 1
	http_is body '.status == "passed"' || return 1
	http_is file '.status == "passed"' || return 1
	http_is junk '.status == "passed" and .observed.status == 400' || return 1
	http_is method '.status == "passed" and (.message | startswith("PUT "))' || return 1
	# the body file is an input of the run
	jq -e '.inputs | map(.path) | index("inputs.json") != null' r.json >/dev/null || { jq .inputs r.json; return 1; }
	# checks run in parallel (-j 2): the order of the requests is not fixed
	[ "$(jq -sc '[.[] | select(.method == "POST") | .status] | sort' "$MODELSRV_LOG")" = "[200,200,400]" ] || { cat "$MODELSRV_LOG"; return 1; }
}

test_http_post_body_and_body_file() {
	http_with modelsrv http_post_body "${HTTP_MODEL_ARGS[@]}"
}

# The token reaches the server (mockreg answers 401 without it) and never
# shows: not in results, JUnit, stdout or stderr, even when the server
# echoes it (modelsrv names an unknown model in its error).
HTTP_TOKEN=tok-3f9a7c1e5b
http_secret_body() {
	http_suite \
		"{ \"kind\": \"infra.http\", \"id\": \"auth\", \"url\": \"$MOCKREG_URL/api/2.0/mlflow/registered-models/get?name=fraud\",
		   \"headers_env\": { \"Authorization\": \"HTTP_E2E_AUTH\" }, \"expect\": { \"status\": [200, 404] } }" \
		"{ \"kind\": \"infra.http\", \"id\": \"bad-auth\", \"url\": \"$MOCKREG_URL/api/2.0/mlflow/registered-models/get?name=fraud\",
		   \"headers_env\": { \"Authorization\": \"HTTP_E2E_BAD_AUTH\" }, \"expect\": { \"status\": [200, 404] } }"
	HTTP_E2E_AUTH="Bearer $HTTP_TOKEN" HTTP_E2E_BAD_AUTH="Bearer wrong-$HTTP_TOKEN" http_run 1 || return 1
	http_is auth '.status == "passed"' || return 1
	http_is bad-auth '.status == "failed" and .observed.status == 401' || return 1
	if grep -l -- "$HTTP_TOKEN" r.json j.xml out.txt err.txt; then
		echo "the token shows"
		return 1
	fi
}

test_http_headers_env_secret_reaches_server_never_shown() {
	http_with mockreg http_secret_body --token "$HTTP_TOKEN" || return 1
	# a server echoing the secret back (here in the URL it names) gets it masked
	start_modelsrv "${HTTP_MODEL_ARGS[@]}" || return 1
	http_suite \
		"{ \"kind\": \"infra.http\", \"id\": \"echo\", \"url\": \"$MODELSRV_URL/v1/models/${HTTP_TOKEN}\",
		   \"headers_env\": { \"X-Api-Key\": \"HTTP_E2E_KEY\" } }"
	HTTP_E2E_KEY=$HTTP_TOKEN http_run 1 || { stop_modelsrv; return 1; }
	stop_modelsrv || return 1
	http_is echo '.status == "failed" and (.message | contains("/v1/models/***: answered HTTP 404"))' || return 1
	grep -q 'Latest(\*\*\*)' out.txt || { echo "the echoed body is not shown masked"; cat out.txt; return 1; }
	if grep -l -- "$HTTP_TOKEN" r.json j.xml out.txt err.txt; then
		echo "the echoed token shows"
		return 1
	fi
}

# Five cases, a blank line among them; lines 3 and 6 expect wrong values.
http_cases_files() {
	cat > good.jsonl <<'J'
{"name": "three features", "request": {"instances": [[1, 2, 3]]}, "expected": {"predictions": [7]}}
{"request": {"instances": [[2, 2]]}, "expected": {"predictions": [6.0000001]}}
{"request": {"instances": [[0]]}, "expected": {"predictions": [1]}}

{"request": {"instances": [[4], [2, 1]]}, "expected": {"predictions": [3, 4]}}
{"request": {"signature_name": "serving_default", "instances": [[7]]}, "expected": {"predictions": [4.5]}}
J
	cat > bad.jsonl <<'J'
{"name": "three features", "request": {"instances": [[1, 2, 3]]}, "expected": {"predictions": [7]}}
{"request": {"instances": [[2, 2]]}, "expected": {"predictions": [6]}}
{"name": "zero", "request": {"instances": [[0]]}, "expected": {"predictions": [1.5]}}

{"request": {"instances": [[4], [2, 1]]}, "expected": {"predictions": [3, 4]}}
{"request": {"instances": [[7], [1]]}, "expected": {"predictions": [4.5]}}
J
}

http_cases_body() {
	local u=$MODELSRV_URL/v1/models/fraud:predict
	http_cases_files
	http_suite \
		"{ \"kind\": \"infra.http\", \"id\": \"good\", \"url\": \"$u\", \"cases\": \"good.jsonl\" }" \
		"{ \"kind\": \"infra.http\", \"id\": \"bad\", \"url\": \"$u\", \"cases\": \"bad.jsonl\" }"
	http_run 1 || return 1
	http_is good '.status == "passed" and .observed.cases == 5 and .observed.passed == 5 and .observed.differ == 0 and .observed.errors == 0' || return 1
	http_is good '(.message | test("^5 of 5 cases match \\(POST http://127.0.0.1:[0-9]+/v1/models/fraud:predict; slowest answer [0-9]+ ms\\)$"))' || return 1
	http_is bad '.status == "failed" and .observed.cases == 5 and .observed.passed == 3 and .observed.differ == 2' || return 1
	http_is bad ".message == \"2 of 5 cases differ: line 3 ('zero'): \$.predictions[0] is 1, expected 1.5 ± 1e-06\"" || return 1
	http_is bad '.examples_total == 2 and (.examples | map(.line)) == [3, 6]' || return 1
	http_is bad '.examples[0] == {"line": 3, "name": "zero", "path": "$.predictions[0]", "got": 1, "expected": 1.5, "reason": "$.predictions[0] is 1, expected 1.5 ± 1e-06"}' || return 1
	http_is bad '.examples[1] == {"line": 6, "path": "$.predictions", "got": [4.5, 1.5], "expected": [4.5], "reason": "$.predictions has 2 items, expected 1"}' || return 1
	# the cases file is an input, with its digest
	jq -e '.inputs | map(.path) | index("bad.jsonl") != null' r.json >/dev/null || { jq .inputs r.json; return 1; }
	grep -q 'line 3 (.zero.)' j.xml || { echo "the JUnit failure does not name the case"; return 1; }
}

test_http_golden_cases() {
	http_with modelsrv http_cases_body "${HTTP_MODEL_ARGS[@]}"
}

http_slow_body() {
	local u=$MODELSRV_URL/v1/models/fraud:predict
	http_suite \
		"{ \"kind\": \"infra.http\", \"id\": \"slow\", \"url\": \"$u\", \"body\": { \"instances\": [[1]] },
		   \"expect\": { \"max_time\": \"100ms\" } }" \
		"{ \"kind\": \"infra.http\", \"id\": \"patient\", \"url\": \"$u\", \"body\": { \"instances\": [[1]] },
		   \"expect\": { \"max_time\": \"20s\" }, \"timeout\": \"30s\" }" \
		"{ \"kind\": \"infra.http\", \"id\": \"timeout\", \"url\": \"$u\", \"body\": { \"instances\": [[1]] }, \"timeout\": \"150ms\" }"
	http_run 1 || return 1
	http_is slow '.status == "failed" and (.message | test(": answered in [0-9]+ ms, more than max_time 100 ms$")) and .observed.time_ms >= 400 and .expected.max_time_ms == 100' || return 1
	http_is patient '.status == "passed"' || return 1
	http_is timeout '.status == "error" and (.message | endswith(": no answer within the check'"'"'s timeout of 0.15 s"))'
}

test_http_slow_server_against_max_time() {
	http_with modelsrv http_slow_body "${HTTP_MODEL_ARGS[@]}" --delay-ms 400
}

# A 5xx is an answer, and a wrong one: failed (the server is broken), not
# error (which is for no answer at all). Retries are opt-in.
http_500_body() {
	local u=$MODELSRV_URL/v1/models/fraud:predict
	http_suite \
		"{ \"kind\": \"infra.http\", \"id\": \"once\", \"url\": \"$u\", \"body\": { \"instances\": [[1]] } }" \
		"{ \"kind\": \"infra.http\", \"id\": \"retried\", \"url\": \"$u\", \"body\": { \"instances\": [[1]] }, \"retries\": 1 }"
	mlg run -j 1 --json r.json --junit j.xml >out.txt 2>err.txt
	[ $? = 1 ] || { cat out.txt err.txt; return 1; }
	http_is once '.status == "failed" and (.message | test("^POST http://127.0.0.1:[0-9]+/v1/models/fraud:predict: answered HTTP 503, expected 200$"))' || return 1
	http_is once '.observed.status == 503 and (.observed | has("attempts") | not)' || return 1
	http_is retried '.status == "failed" and .observed.attempts == 2 and .observed.status == 503' || return 1
	[ "$(jq -s 'map(select(.method == "POST")) | length' "$MODELSRV_LOG")" = 3 ] || { cat "$MODELSRV_LOG"; return 1; }
	grep -q 'injected failure' out.txt || { echo "the error body is not shown"; return 1; }
}

test_http_server_500_is_failed() {
	http_with modelsrv http_500_body "${HTTP_MODEL_ARGS[@]}" --fail-every 1 --fail-status 503
}

# A retry hides one failure when asked to; the cases stop at the first
# case without an answer.
http_flaky_body() {
	local u=$MODELSRV_URL/v1/models/fraud:predict
	http_cases_files
	http_suite \
		"{ \"kind\": \"infra.http\", \"id\": \"cases\", \"url\": \"$u\", \"cases\": \"good.jsonl\", \"retries\": 1 }"
	http_run 0 || return 1
	http_is cases '.status == "passed" and .observed.passed == 5' || return 1
	[ "$(jq -s 'map(select(.status == 500)) | length' "$MODELSRV_LOG")" = 2 ] || { cat "$MODELSRV_LOG"; return 1; }
}

test_http_retries_on_5xx() {
	http_with modelsrv http_flaky_body "${HTTP_MODEL_ARGS[@]}" --fail-every 3
}

http_text_body() {
	http_suite \
		"{ \"kind\": \"infra.http\", \"id\": \"text\", \"url\": \"$MOCKREG_URL/hooks/x\", \"body\": { \"a\": 1 },
		   \"expect\": { \"json\": { \"ok\": true } } }" \
		"{ \"kind\": \"infra.http\", \"id\": \"contains\", \"url\": \"$MOCKREG_URL/hooks/x\", \"body\": { \"a\": 1 },
		   \"expect\": { \"body_contains\": \"ok\" } }"
	http_run 3 || return 1
	http_is text '.status == "error" and (.message | test("^POST http://127.0.0.1:[0-9]+/hooks/x: the answer \\(HTTP 200\\) is not JSON: "))' || return 1
	http_is contains '.status == "passed"'
}

test_http_answer_not_json_is_error() {
	http_with mockreg http_text_body
}

# A server that went away mid-run: the first case without an answer is an
# error and the rest are not sent.
test_http_cases_stop_when_the_server_is_gone() {
	start_modelsrv "${HTTP_MODEL_ARGS[@]}" || return 1
	local u=$MODELSRV_URL/v1/models/fraud:predict
	stop_modelsrv || return 1
	http_cases_files
	http_suite "{ \"kind\": \"infra.http\", \"id\": \"gone\", \"url\": \"$u\", \"cases\": \"good.jsonl\" }"
	http_run 3 || return 1
	http_is gone '.status == "error" and .observed.errors == 1 and .observed.not_sent == 4 and .observed.passed == 0' || return 1
	http_is gone '(.message | test("^line 1 \\(.three features.\\) of .good.jsonl.: POST http://127.0.0.1:[0-9]+/v1/models/fraud:predict: .*; 4 of 5 not sent$"))'
}

test_http_suite_errors_exit_2() {
	cat > mlgate.json <<'J'
{ "mlgate": 1, "suite": "http-bad",
  "checks": [
    { "kind": "infra.http", "url": "http://127.0.0.1:8501/v1/models/fraud",
      "expect": { "json": { "$.predictions[": 1 } } }
  ] }
J
	mlg validate >out.txt 2>&1
	[ $? = 2 ] || { cat out.txt; return 1; }
	grep -qF "mlgate.json:4:29: checks[0].expect.json[\"\$.predictions[\"]: invalid path '\$.predictions['" out.txt || { cat out.txt; return 1; }
}
