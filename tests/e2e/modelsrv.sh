# Self-test of tests/tools/modelsrv, the TensorFlow Serving REST double that
# the latency and prediction checks' tests use (sourced by tests/e2e.sh).
# MODELSRV_WRAP="valgrind -q --error-exitcode=99" runs the server under a
# wrapper; stop_modelsrv then fails on its errors.

# ms_call METHOD PATH [CURL-ARGS...]: body to ./body, status in $ms_code.
ms_call() {
	local m=$1 p=$2
	shift 2
	ms_code=$(curl -sS --max-time 20 -o body -w '%{http_code}' -X "$m" "$@" "$MODELSRV_URL$p")
}

# ms_post PATH JSON
ms_post() {
	ms_call POST "$1" -H 'Content-Type: application/json' -d "$2"
}

# ms_expect WHAT STATUS JQ-FILTER: the last answer had STATUS and a body
# for which JQ-FILTER holds.
ms_expect() {
	if [ "$ms_code" != "$2" ] || ! jq -e "$3" body >/dev/null 2>&1; then
		echo "$1: status $ms_code, body $(head -c 300 body), expected $2 and $3"
		return 1
	fi
}

# with_modelsrv BODY-FUNCTION [SERVER-ARGS...]: the server is stopped
# whatever BODY-FUNCTION returns; a server error (sanitizer, valgrind)
# fails the test too.
with_modelsrv() {
	local body=$1 rc
	shift
	start_modelsrv "$@" || return 1
	"$body"
	rc=$?
	stop_modelsrv || rc=1
	return "$rc"
}

ms_api_body() {
	ms_call GET /v1/models/fraud
	ms_expect "status" 200 '. == {"model_version_status":[{"version":"1","state":"AVAILABLE","status":{"error_code":"OK","error_message":""}}]}' || return 1
	ms_call GET /v1/models/fraud/versions/1
	ms_expect "status of version 1" 200 '.model_version_status[0].state == "AVAILABLE"' || return 1
	ms_call GET /v1/models/other
	ms_expect "unknown model" 404 '. == {"error":"Servable not found for request: Latest(other)"}' || return 1
	ms_call GET /v1/models/fraud/versions/2
	ms_expect "unknown version" 404 '.error == "Servable not found for request: Specific(fraud, 2)"' || return 1

	# weights 0.5,2 cycle; bias 1: [1,2,3] -> 1 + 0.5 + 4 + 1.5 = 7
	ms_post /v1/models/fraud:predict '{"instances": [[1, 2, 3], 4, {"x": [2, 1]}, [0]]}'
	ms_expect "predict rows" 200 '. == {"predictions": [7, 3, 4, 1]}' || return 1
	ms_post /v1/models/fraud/versions/1:predict '{"signature_name": "serving_default", "instances": [[2, 2]]}'
	ms_expect "predict versions/1" 200 '. == {"predictions": [6]}' || return 1
	ms_post /v1/models/fraud:predict '{"inputs": [[1, 2, 3], [0, 0]]}'
	ms_expect "predict columnar" 200 '. == {"outputs": [7, 1]}' || return 1
	ms_post /v1/models/fraud:predict '{"inputs": {"x": [[2, 1]]}}'
	ms_expect "predict columnar named" 200 '. == {"outputs": [4]}' || return 1
	ms_post /v1/models/fraud:predict '{"inputs": 2}'
	ms_expect "predict columnar scalar" 200 '. == {"outputs": 2}' || return 1

	# one log line per request (not /_stats), predict ones numbered
	modelsrv_stats | jq -e '. == {"requests": 5, "failed": 0, "slow": 0, "max_concurrent": 1}' || return 1
	[ "$(wc -l <"$MODELSRV_LOG")" = 9 ] || { cat "$MODELSRV_LOG"; return 1; }
	jq -se 'all(has("method") and has("path") and has("status") and has("delay_ms")) and
		([.[] | select(.n) | .n] == [1, 2, 3, 4, 5]) and .[2].status == 404 and .[2].method == "GET" and
		.[4].path == "/v1/models/fraud:predict" and .[4].delay_ms == 0' "$MODELSRV_LOG" || { cat "$MODELSRV_LOG"; return 1; }
}

test_modelsrv_api() {
	with_modelsrv ms_api_body --weights 0.5,2 --bias 1
}

ms_errors_body() {
	local P=/v1/models/m1:predict
	ms_post $P '{"instances": [1, 2'
	ms_expect "malformed json" 400 '.error | startswith("JSON Parse error")' || return 1
	ms_post $P '{"rows": [1]}'
	ms_expect "no instances" 400 '. == {"error": "Missing '"'inputs' or 'instances'"' key"}' || return 1
	ms_post $P '[1, 2]'
	ms_expect "not an object" 400 '.error | startswith("JSON Parse error")' || return 1
	ms_post $P '{"instances": 3}'
	ms_expect "instances not a list" 400 '.error | test("list/array")' || return 1
	ms_post $P '{"instances": []}'
	ms_expect "empty instances" 400 '.error | test("No values")' || return 1
	ms_post $P '{"instances": [[1], ["a"]]}'
	ms_expect "string value" 400 '.error | startswith("Failed to process element: 1 of '"'instances'"' list")' || return 1
	ms_post $P '{"instances": [{"y": [1]}]}'
	ms_expect "object without x" 400 '.error | test("Missing named input: x")' || return 1
	ms_post $P '{"instances": [1], "inputs": [1]}'
	ms_expect "both forms" 400 '.error | test("only one of")' || return 1
	ms_post /v1/models/fraud:predict '{"instances": [1]}'
	ms_expect "predict unknown model" 404 '.error == "Servable not found for request: Latest(fraud)"' || return 1
	ms_call GET $P
	ms_expect "GET predict" 404 '.error | startswith("Malformed request")' || return 1
	ms_post /v1/models/m1:classify '{"instances": [1]}'
	ms_expect "other verb" 404 'has("error")' || return 1
	ms_call GET /healthz
	ms_expect "other path" 404 'has("error")' || return 1
	ms_post $P '{"instances": [1.5]}'
	ms_expect "still fine" 200 '. == {"predictions": [1.5]}' || return 1
}

test_modelsrv_errors() {
	with_modelsrv ms_errors_body --model m1
}

ms_faults_body() {
	local i codes="" delays
	for i in $(seq 12); do
		ms_post /v1/models/fraud:predict '{"instances": [[1, 1]]}'
		codes="$codes $ms_code"
		if [ "$ms_code" = 503 ]; then
			ms_expect "injected $i" 503 '. == {"error": "injected failure"}' || return 1
		else
			ms_expect "normal $i" 200 '. == {"predictions": [2]}' || return 1
		fi
	done
	[ "$codes" = " 200 200 503 200 200 503 200 200 503 200 200 503" ] || { echo "statuses:$codes"; return 1; }
	modelsrv_stats | jq -e '. == {"requests": 12, "failed": 4, "slow": 3, "max_concurrent": 1}' || return 1
	delays=$(jq -sc '[.[].delay_ms]' "$MODELSRV_LOG")
	[ "$delays" = "[20,20,20,300,20,20,20,300,20,20,20,300]" ] || { echo "delays $delays"; return 1; }
	# the latency is the injected delay (give or take a slow wrapper)
	local t
	t=$(curl -s -o /dev/null -w '%{time_total}' -X POST -d '{"instances": [1]}' "$MODELSRV_URL/v1/models/fraud:predict")
	awk -v t="$t" 'BEGIN { exit !(t >= 0.02 && t < 5) }' || { echo "13th request took $t s"; return 1; }
	ms_post /v1/models/fraud:predict '{"instances": [1]}'
	ms_expect "14th" 200 '.predictions == [1]' || return 1
	ms_post /v1/models/fraud:predict '{"instances": [1]}'
	ms_expect "15th" 503 '.error == "injected failure"' || return 1
	t=$(curl -s -o /dev/null -w '%{time_total}' -X POST -d '{"instances": [1]}' "$MODELSRV_URL/v1/models/fraud:predict")
	awk -v t="$t" 'BEGIN { exit !(t >= 0.3 && t < 5) }' || { echo "16th (slow) request took $t s"; return 1; }
	# status requests are neither counted nor delayed
	ms_call GET /v1/models/fraud
	modelsrv_stats | jq -e '.requests == 16 and .failed == 5 and .slow == 4'
}

test_modelsrv_faults() {
	with_modelsrv ms_faults_body --delay-ms 20 --slow-every 4 --slow-ms 300 --fail-every 3 --fail-status 503
}

ms_concurrency_body() {
	local i pids=() start end
	start=$(date +%s.%N)
	for i in $(seq 8); do
		curl -s --max-time 20 -o "c$i.body" -X POST -d '{"instances": [1]}' "$MODELSRV_URL/v1/models/fraud:predict" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i"
	done
	end=$(date +%s.%N)
	for i in $(seq 8); do
		jq -e '. == {"predictions": [1]}' "c$i.body" >/dev/null || { cat "c$i.body"; return 1; }
	done
	# 8 x 1 s one after another would take 8 s
	awk -v s="$start" -v e="$end" 'BEGIN { exit !(e - s < 4) }' || { echo "8 concurrent requests took $(echo "$end - $start" | bc) s"; return 1; }
	modelsrv_stats | jq -e '.requests == 8 and .max_concurrent >= 4 and .max_concurrent <= 8' || { modelsrv_stats; return 1; }
}

test_modelsrv_concurrency() {
	with_modelsrv ms_concurrency_body --delay-ms 1000
}

test_modelsrv_port_and_shutdown() {
	local port pid start end
	start=$(date +%s)
	start_modelsrv --delay-ms 60000 || return 1
	port=$MODELSRV_PORT
	# a sleeping request does not hold up SIGTERM
	curl -s --max-time 20 -o /dev/null -X POST -d '{"instances": [1]}' "$MODELSRV_URL/v1/models/fraud:predict" &
	pid=$!
	sleep 0.2
	stop_modelsrv || return 1
	wait "$pid"
	end=$(date +%s)
	[ $((end - start)) -lt 10 ] || { echo "stopping took $((end - start)) s"; return 1; }
	# --port N listens there; SIGINT stops it cleanly too
	start_modelsrv --port "$port" --delay-ms 60000 || return 1
	[ "$MODELSRV_PORT" = "$port" ] || { echo "asked for $port, got $MODELSRV_PORT"; stop_modelsrv; return 1; }
	ms_call GET /v1/models/fraud
	ms_expect "fixed port" 200 '.model_version_status[0].version == "1"' || { stop_modelsrv; return 1; }
	kill -INT "$MODELSRV_PID"
	wait "$MODELSRV_PID" || { echo "SIGINT: exit $?"; return 1; }
	unset MODELSRV_PID
	# bad arguments fail start_modelsrv with the reason
	! start_modelsrv --weights 1,x 2>start.err || return 1
	grep -q "weights" modelsrv.err || { cat modelsrv.err; return 1; }
	! start_modelsrv --fail-status 99 2>start.err || return 1
	grep -q "fail-status" modelsrv.err
}
