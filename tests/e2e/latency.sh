# infra.latency against tests/tools/modelsrv, a TensorFlow Serving double
# that sleeps a fixed delay per predict request, a longer one for every
# K-th, and fails every K-th (sourced by tests/e2e.sh). Its request log
# holds the delay it injected into each request, and /_stats the number of
# predict requests and the most it had in flight at once.
#
# Timing bounds are loose enough for valgrind (MLGATE_WRAP): the client's
# overhead is added to the server's delays, never subtracted.

# lat_slack MS: MS, or more under a wrapper (valgrind slows the client).
lat_slack() {
	if [ -n "${MLGATE_WRAP:-}" ]; then echo $(($1 * 2)); else echo "$1"; fi
}

# lat_with_server BODY-FUNCTION [MODELSRV-ARGS...]: runs the body with a
# server started here, and stops it whatever the body returns; an error
# of the server (sanitizer, valgrind) fails the test too.
lat_with_server() {
	local body=$1 rc
	shift
	start_modelsrv "$@" || return 1
	"$body"
	rc=$?
	stop_modelsrv || rc=1
	return "$rc"
}

# lat_suite CHECK-JSON...: a suite of infra.latency checks against the
# server's predict route; each argument is the rest of one check's object.
lat_suite() {
	local sep="" c
	{
		printf '{ "mlgate": 1, "suite": "latency-e2e", "checks": [\n'
		for c in "$@"; do
			printf '%s  { "kind": "infra.latency", "url": "${MODELSRV_URL}/v1/models/fraud:predict", "body": { "instances": [[1.0, 2.0]] }, %s }\n' "$sep" "$c"
			sep=","
		done
		printf '] }\n'
	} > mlgate.json
}

# lat_run ARGS...: mlgate run -j 1 (checks one after another, so that the
# server's request numbers, and so its faults, fall in a known order).
lat_run() {
	mlg run -j 1 --json r.json --junit j.xml "$@" >out.txt 2>err.txt
}

# lat_expect WHAT JQ-FILTER: r.json satisfies the filter.
lat_expect() {
	jq -e "$2" r.json >/dev/null && return 0
	echo "$1: r.json fails $2"
	jq -c '.checks[] | {status, message, observed: (.observed | del(.histogram)), hist: .observed.histogram.counts}' r.json
	return 1
}

lat_rc() {
	[ "$1" = "$2" ] || { echo "exit $1, expected $2"; cat out.txt err.txt; return 1; }
}

# lat_stat KEY: a number from the server's /_stats.
lat_stat() {
	modelsrv_stats | jq -r ".$1"
}

# server_percentile P FIRST: the nearest-rank P-th percentile of the delays
# the server injected into predict requests number FIRST and later.
server_percentile() {
	jq -s --argjson p "$1" --argjson first "$2" '
		[.[] | select(.n != null and .n >= $first) | .delay_ms] | sort as $d |
		($p / 100 * ($d | length)) | ceil as $rank |
		$d[(if $rank < 1 then 1 else $rank end) - 1]' "$MODELSRV_LOG"
}

check_latency_percentiles() {
	local rc slack50 slack_slow p s
	lat_suite '"requests": 100, "concurrency": 4, "p50": "1s", "p99": "5s"'
	lat_run
	rc=$?
	lat_rc "$rc" 0 || return 1
	slack50=$(lat_slack 60)
	slack_slow=$(lat_slack 150)
	lat_expect "counts" '.checks[0] | .status == "passed" and .observed.requests == 100 and
		.observed.errors == 0 and .observed.error_rate == 0 and .observed.concurrency == 4' || return 1
	# The warm-up opened the four connections; the measured requests reused them.
	lat_expect "keep-alive" '.checks[0].observed.connections_opened == 0' || return 1
	# 90 requests sleep 20 ms, 10 sleep 200 ms: p50 is a fast one, p95 and
	# p99 slow ones (nearest rank: the 95th and 99th of 100 sorted).
	lat_expect "p50" ".checks[0].observed | .p50_ms >= 20 and .p50_ms < 20 + $slack50 and .min_ms >= 20" || return 1
	lat_expect "p95/p99" ".checks[0].observed | .p95_ms >= 200 and .p95_ms < 200 + $slack_slow and
		.p99_ms >= 200 and .p99_ms < 200 + $slack_slow and .max_ms >= .p99_ms and .p99_ms >= .p95_ms" || return 1
	lat_expect "mean" '.checks[0].observed | .mean_ms >= 38 and .mean_ms <= .max_ms' || return 1
	# The histogram: per bucket, 10 above 200 ms, all 100 counted.
	lat_expect "histogram" '.checks[0].observed.histogram |
		(.counts | add) == 100 and (.counts | length) == 14 and (.buckets_ms | length) == 14 and
		.buckets_ms[7] == 200 and .buckets_ms[13] == "+Inf" and (.counts[8:] | add) == 10 and
		(.counts[0:5] | add) == 0' || return 1
	lat_expect "throughput" '.checks[0].observed | .throughput_rps > 0 and
		(.throughput_rps * .duration_s - 100 | fabs) < 0.001' || return 1
	lat_expect "expected" '.checks[0].expected == {"status": [200], "p50_ms": 1000, "p99_ms": 5000, "max_error_rate": 0}' || return 1
	# The same percentiles as the server's own injected delays over the
	# measured requests (numbers 11 to 110), plus the client's overhead.
	for p in 50 95 99; do
		s=$(server_percentile $p 11)
		lat_expect "p$p vs the server's $s ms" ".checks[0].observed.p${p}_ms >= $s and
			.checks[0].observed.p${p}_ms < $s + $slack_slow" || return 1
	done
	# Warm-up (10) and measured (100) requests reached the server, no
	# more; four were in flight at once, never more.
	[ "$(lat_stat requests)" = 110 ] || { echo "server saw $(lat_stat requests) predict requests, expected 110"; return 1; }
	[ "$(lat_stat max_concurrent)" = 4 ] || { echo "server saw $(lat_stat max_concurrent) at once, expected 4"; return 1; }
	[ "$(lat_stat slow)" = 11 ] || { modelsrv_stats; return 1; }
	grep -q 'PASS.*100 requests at concurrency 4: p50 ' out.txt || { cat out.txt; return 1; }
	xmllint --noout --schema "$here/data/spec/junit-mlgate.xsd" j.xml
}

test_latency_percentiles_match_the_servers_delays() {
	lat_with_server check_latency_percentiles --delay-ms 20 --slow-every 10 --slow-ms 200
}

check_latency_bounds() {
	local rc
	lat_suite '"requests": 40, "concurrency": 2, "warmup": 0, "p50": "150ms", "p95": "2s", "p99": "2s", "max": "3s", "min_throughput": 0.5' \
		'"requests": 40, "concurrency": 2, "warmup": 0, "p50": "10ms", "p99": "100ms", "min_throughput": 100000'
	lat_run
	rc=$?
	lat_rc "$rc" 1 || return 1
	lat_expect "pass" '.checks[0].status == "passed"' || return 1
	# Every exceeded bound is named with its numbers, in one message.
	lat_expect "fail" '.checks[1].status == "failed" and
		(.checks[1].message | test("^p50 [0-9.]+ ms > 10 ms; p99 [0-9.]+ ms > 100 ms; throughput [0-9.]+ req/s < 100000 req/s \\(40 requests at concurrency 2\\)$"))' || return 1
	lat_expect "expected" '.checks[1].expected == {"status": [200], "p50_ms": 10, "p99_ms": 100, "max_error_rate": 0, "min_throughput_rps": 100000}' || return 1
	grep -q 'min_throughput_rps' j.xml || { echo "no expected values in the JUnit properties"; return 1; }
	[ "$(lat_stat requests)" = 80 ] && [ "$(lat_stat max_concurrent)" = 2 ]
}

test_latency_bounds_pass_and_fail() {
	lat_with_server check_latency_bounds --delay-ms 20 --slow-every 10 --slow-ms 200
}

check_latency_error_rate() {
	local rc
	# Each check sends 110 requests: any 100 in a row hold 10 failures.
	lat_suite '"requests": 100, "concurrency": 4, "max_error_rate": 0.05' \
		'"requests": 100, "concurrency": 4, "max_error_rate": 0.15' \
		'"requests": 100, "concurrency": 4'
	lat_run
	rc=$?
	lat_rc "$rc" 1 || return 1
	lat_expect "rate" '[.checks[].observed | .errors == 10 and .error_rate == 0.1 and .requests == 100 and
		.error_reasons == {"HTTP 500": 10} and (.histogram.counts | add) == 90] | all' || return 1
	lat_expect "0.05" '.checks[0].status == "failed" and
		(.checks[0].message | startswith("error rate 10% > 5% (100 requests at concurrency 4; 10 errors, first request "))
		and (.checks[0].message | endswith(": HTTP 500, expected 200)"))' || return 1
	lat_expect "0.15" '.checks[1].status == "passed" and (.checks[1].message | endswith(", 10 errors (10%)"))' || return 1
	lat_expect "default 0" '.checks[2].status == "failed" and (.checks[2].message | startswith("error rate 10% > 0% ("))' || return 1
	# Examples: the first failed requests, all counted.
	lat_expect "examples" '.checks[0] | .examples_total == 10 and (.examples | length) == 5 and
		all(.examples[]; .reason == "HTTP 500" and .status == 500 and .request >= 1 and .request <= 100)' || return 1
	[ "$(lat_stat failed)" = 33 ] || { modelsrv_stats; return 1; }
}

test_latency_error_rate_is_exact() {
	lat_with_server check_latency_error_rate --delay-ms 5 --fail-every 10
}

check_latency_warmup() {
	local rc
	lat_suite '"requests": 20, "concurrency": 3, "warmup": 7' '"requests": 5, "warmup": 0'
	lat_run
	rc=$?
	lat_rc "$rc" 0 || return 1
	lat_expect "counts" '.checks[0].observed.requests == 20 and .checks[1].observed.requests == 5 and
		(.checks[0].observed.histogram.counts | add) == 20' || return 1
	# Without a warm-up the first measured request paid for the connection.
	lat_expect "connections" '.checks[0].observed.connections_opened == 0 and
		.checks[1].observed.connections_opened == 1' || return 1
	[ "$(lat_stat requests)" = 32 ] || { echo "server saw $(lat_stat requests) predict requests, expected 7 + 20 + 5"; return 1; }
	[ "$(lat_stat max_concurrent)" = 3 ]
}

test_latency_warmup_is_not_measured() {
	lat_with_server check_latency_warmup --delay-ms 20
}

check_latency_all_fail() {
	local rc
	lat_suite '"requests": 10, "concurrency": 2, "max_error_rate": 1'
	lat_run
	rc=$?
	# An answer, but never a good one: nothing to measure, an error.
	lat_rc "$rc" 3 || return 1
	lat_expect "error" '.checks[0].status == "error" and
		(.checks[0].message | test("^POST http://127.0.0.1:[0-9]+/v1/models/fraud:predict: all 10 requests failed, first request [0-9]+: HTTP 503, expected 200$")) and
		.checks[0].observed.errors == 10 and .checks[0].observed.p50_ms == null' || return 1
}

test_latency_every_request_failing_is_an_error() {
	lat_with_server check_latency_all_fail --fail-every 1 --fail-status 503
}

check_latency_request_timeout() {
	local rc
	lat_suite '"requests": 4, "warmup": 1, "request_timeout": "300ms", "max_error_rate": 0.6'
	lat_run
	rc=$?
	# Every second request sleeps 2 s (numbers 2 and 4 of the measured 2 to
	# 5): those time out and count as errors, and their connections are
	# dropped, so the next requests open new ones. (The warm-up request
	# also keeps valgrind's first-call costs out of the 300 ms.)
	lat_rc "$rc" 0 || return 1
	lat_expect "timeouts" '.checks[0].observed | .errors == 2 and .error_rate == 0.5 and
		.error_reasons == {"no answer within 0.3 s": 2} and .max_ms < 300 and
		.connections_opened == 2' || return 1
}

test_latency_request_timeout_counts_as_error() {
	lat_with_server check_latency_request_timeout --slow-every 2 --slow-ms 2000
}

check_latency_check_timeout() {
	local rc
	lat_suite '"requests": 1000, "warmup": 2, "timeout": "1500ms"'
	lat_run
	rc=$?
	lat_rc "$rc" 3 || return 1
	lat_expect "timed out" '.checks[0].status == "error" and
		(.checks[0].message | test("^timed out after [0-9]+ of 1000 requests \\(the check.s timeout is 1.5 s\\)$")) and
		.checks[0].observed.requests < 1000 and
		(.checks[0].message | capture("after (?<k>[0-9]+) of").k | tonumber) == .checks[0].observed.requests' || return 1
}

test_latency_check_timeout_stops_it() {
	lat_with_server check_latency_check_timeout --delay-ms 100
}

check_latency_interrupt() {
	local pid rc i
	lat_suite '"requests": 1000, "concurrency": 2, "warmup": 2'
	# not through mlg(): the signal must reach mlgate itself
	${MLGATE_WRAP:-} "$MLGATE" run --json r.json >out.txt 2>err.txt &
	pid=$!
	for ((i = 0; i < 200; i++)); do
		[ "$(lat_stat requests)" -ge 10 ] 2>/dev/null && break
		sleep 0.05
	done
	kill -INT "$pid"
	wait "$pid"
	rc=$?
	lat_rc "$rc" 130 || return 1
	lat_expect "interrupted" '.checks[0].status == "error" and
		(.checks[0].message | test("^interrupted after [0-9]+ of 1000 requests$")) and
		.checks[0].observed.requests < 1000' || return 1
}

test_latency_interrupt_stops_it() {
	lat_with_server check_latency_interrupt --delay-ms 50
}

check_latency_get_and_body_file() {
	local rc
	printf '{"instances": [[3.0]]}' > request.json
	cat > mlgate.json <<'J'
{ "mlgate": 1, "checks": [
  { "kind": "infra.latency", "url": "${MODELSRV_URL}/v1/models/fraud", "requests": 5, "warmup": 1 },
  { "kind": "infra.latency", "url": "${MODELSRV_URL}/v1/models/fraud:predict", "body_file": "request.json",
    "requests": 5, "warmup": 1, "headers": { "X-Request-Source": "mlgate" } },
  { "kind": "infra.latency", "url": "${MODELSRV_URL}/v1/models/nosuch:predict", "body_file": "request.json",
    "requests": 5, "warmup": 0, "expect_status": [404] }
] }
J
	lat_run
	rc=$?
	lat_rc "$rc" 0 || return 1
	lat_expect "passed" '[.checks[].status] == ["passed", "passed", "passed"]' || return 1
	# GET is the status route (not a predict); the body file made POSTs:
	# 1 + 5 to fraud, 5 to nosuch (answered 404, counted all the same).
	[ "$(lat_stat requests)" = 11 ] || { modelsrv_stats; return 1; }
	jq -e '.inputs | map(.path) | index("request.json") != null' r.json >/dev/null || { echo "body_file not recorded as an input"; jq .inputs r.json; return 1; }
}

test_latency_get_and_body_file() {
	lat_with_server check_latency_get_and_body_file --delay-ms 1
}

# headers_env: the header reaches the server (mockreg demands the bearer
# token and logs the headers) and its value is shown nowhere.
test_latency_secret_header_is_sent_and_never_shown() {
	local token="lat-token-do-not-print" rc
	start_mockreg --token "$token" --model fraud:3:READY || return 1
	cat > mlgate.json <<'J'
{ "mlgate": 1, "checks": [
  { "kind": "infra.latency", "url": "${MOCKREG_URL}/api/2.0/mlflow/registered-models/get?name=fraud",
    "headers_env": { "Authorization": "LAT_AUTH" }, "requests": 6, "warmup": 2, "concurrency": 2 },
  { "kind": "infra.latency", "url": "${MOCKREG_URL}/api/2.0/mlflow/registered-models/get?name=fraud",
    "headers_env": { "Authorization": "LAT_BAD_AUTH" }, "requests": 3, "warmup": 0 }
] }
J
	LAT_AUTH="Bearer $token" LAT_BAD_AUTH="Bearer not-$token" lat_run
	rc=$?
	stop_mockreg || return 1
	lat_rc "$rc" 3 || return 1
	lat_expect "auth" '.checks[0].status == "passed" and .checks[0].observed.requests == 6 and
		.checks[1].status == "error" and (.checks[1].message | endswith("first request 1: HTTP 401, expected 200"))' || return 1
	[ "$(mockreg_count GET /api/2.0/mlflow/registered-models/get)" = 11 ] || { echo "expected 11 requests"; cat "$MOCKREG_LOG"; return 1; }
	mockreg_requests GET /api/ | head -8 | jq -e --arg t "Bearer $token" 'select(.headers.authorization != $t)' >/dev/null &&
		{ echo "a request lacked the token"; return 1; }
	if grep -l "$token" out.txt err.txt r.json j.xml; then
		echo "the secret leaked into the files above"
		return 1
	fi
}

test_latency_validate_names_the_parameter() {
	cat > mlgate.json <<'J'
{ "mlgate": 1, "checks": [
  { "kind": "infra.latency", "url": "http://127.0.0.1:1/",
    "requests": 4, "concurrency": 8, "p99": "soon" } ] }
J
	mlg validate >out.txt 2>&1
	lat_rc $? 2 || return 1
	grep -qF 'mlgate.json:3:38: checks[0].p99: invalid duration' out.txt || { cat out.txt; return 1; }
	cat > mlgate.json <<'J'
{ "mlgate": 1, "checks": [
  { "kind": "infra.latency", "url": "http://127.0.0.1:1/",
    "requests": 4, "concurrency": 8 } ] }
J
	mlg validate >out.txt 2>&1
	lat_rc $? 2 || return 1
	grep -qF 'mlgate.json:3:20: checks[0].concurrency: 8 requests in flight is more than the 4 requests to send' out.txt || { cat out.txt; return 1; }
}
