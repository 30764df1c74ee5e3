# shellcheck shell=bash
# infra.prometheus against a real Prometheus (Debian's prometheus package,
# which scripts/deps.sh installs) scraping itself, and against
# tests/tools/promstub for the answers a healthy Prometheus will not give
# on demand (a refused POST, a 503, a body that is not JSON). Sourced by
# tests/e2e.sh; each test runs in a fresh folder and stops its servers on
# exit, whatever happens.
# shellcheck disable=SC2016 # backquotes and ${VAR} in single quotes are text: messages, suite files
# shellcheck disable=SC2154 # $here is tests/e2e.sh's

# prom_free_port: prints a loopback port nothing listens on (50 tries at most).
prom_free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	echo "prom_free_port: no free port found" >&2
	return 1
}

# prom_cleanup: stops whatever this test started (the EXIT trap).
prom_cleanup() {
	stop_prometheus
	stop_promstub
}

# start_prometheus [ROUTE-PREFIX]: starts Prometheus on a free loopback port,
# scraping itself every second, its storage in ./prom-data; waits (30 s at
# most) until up{job="prometheus"} has a sample. Sets PROM_PID, PROM_PORT
# and PROM_URL (with the prefix). A port taken meanwhile means another try.
start_prometheus() {
	local prefix=${1:-} port ok answer
	if ! command -v prometheus >/dev/null; then
		echo "prometheus is not installed: scripts/deps.sh installs Debian's prometheus package (CI does)" >&2
		return 1
	fi
	trap prom_cleanup EXIT
	for _ in 1 2 3; do
		port=$(prom_free_port) || return 1
		cat > prometheus.yml <<Y
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: prometheus
    metrics_path: ${prefix}/metrics
    static_configs:
      - targets: ['127.0.0.1:$port']
Y
		rm -rf prom-data
		prometheus --config.file=prometheus.yml --storage.tsdb.path="$PWD/prom-data" \
			--web.listen-address="127.0.0.1:$port" ${prefix:+--web.route-prefix="$prefix"} \
			--log.level=warn >prometheus.log 2>&1 &
		PROM_PID=$!
		PROM_PORT=$port
		PROM_URL="http://127.0.0.1:$port$prefix"
		ok=0
		for _ in $(seq 300); do
			# (jq -e on no input at all succeeds: hence the answer in a variable)
			answer=$(curl -sf --max-time 2 "$PROM_URL/api/v1/query" --data-urlencode 'query=up{job="prometheus"}' 2>/dev/null)
			if [ -n "$answer" ] && jq -e '.data.result | length > 0' <<<"$answer" >/dev/null 2>&1; then
				ok=1
				break
			fi
			kill -0 "$PROM_PID" 2>/dev/null || break
			sleep 0.1
		done
		if [ "$ok" = 1 ]; then
			export PROM_PID PROM_PORT PROM_URL
			return 0
		fi
		stop_prometheus
	done
	echo "prometheus did not answer up{job=\"prometheus\"} within 30 s:" >&2
	tail -20 prometheus.log >&2
	return 1
}

# stop_prometheus: SIGTERM, then SIGKILL after 10 s.
stop_prometheus() {
	[ -n "${PROM_PID:-}" ] || return 0
	kill -TERM "$PROM_PID" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$PROM_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$PROM_PID" 2>/dev/null
	wait "$PROM_PID" 2>/dev/null
	unset PROM_PID
	return 0
}

# start_promstub ARGS...: starts $TOOLS/promstub (port file, log ./stub.log);
# sets STUB_PID and STUB_URL.
start_promstub() {
	local bin=${TOOLS:-}/promstub
	[ -x "$bin" ] || { echo "start_promstub: $bin is not built (make build/release/tests/tools/promstub)" >&2; return 1; }
	trap prom_cleanup EXIT
	rm -f stub.port stub.log
	"$bin" --port-file stub.port --log stub.log --die-with-parent "$@" >stub.err 2>&1 &
	STUB_PID=$!
	for _ in $(seq 100); do
		[ -s stub.port ] && break
		kill -0 "$STUB_PID" 2>/dev/null || break
		sleep 0.05
	done
	[ -s stub.port ] || { echo "promstub did not start:" >&2; cat stub.err >&2; return 1; }
	STUB_URL="http://127.0.0.1:$(cat stub.port)"
	export STUB_PID STUB_URL
}

# stop_promstub: SIGTERM and wait; returns its exit status, so that a
# sanitizer report in promstub fails the test.
stop_promstub() {
	local rc
	[ -n "${STUB_PID:-}" ] || return 0
	kill -TERM "$STUB_PID" 2>/dev/null
	wait "$STUB_PID" 2>/dev/null
	rc=$?
	unset STUB_PID
	[ "$rc" = 0 ] || { echo "promstub exited $rc:" >&2; tail -20 stub.err >&2; }
	return "$rc"
}

# prom_expect RESULTS INDEX STATUS MESSAGE-REGEX: checks[INDEX] has that
# status and a message matching the (jq, PCRE-like) regex.
prom_expect() {
	local got
	if ! jq -e --argjson i "$2" --arg s "$3" --arg m "$4" \
		'.checks[$i].status == $s and (.checks[$i].message | test($m))' "$1" >/dev/null; then
		got=$(jq -c --argjson i "$2" '.checks[$i] | {status, message}' "$1")
		echo "checks[$2]: expected $3 with a message matching /$4/, got $got"
		return 1
	fi
}

test_prometheus_real_server() {
	start_prometheus || return 1
	export PROM_URL
	export MLGT_PROM_TOKEN="Bearer mlgt-secret-token-4711"
	cat > mlgate.json <<'J'
{ "mlgate": 1, "suite": "prometheus-e2e",
  "defaults": { "timeout": "30s" },
  "checks": [
    { "kind": "infra.prometheus", "url": "${PROM_URL}", "query": "up{job=\"prometheus\"}", "min": 1 },
    { "kind": "infra.prometheus", "url": "${PROM_URL}/", "query": "up{job=\"prometheus\"}", "min": 2 },
    { "kind": "infra.prometheus", "url": "${PROM_URL}", "query": "mlgate_no_such_metric_total", "min": 1 },
    { "kind": "infra.prometheus", "url": "${PROM_URL}", "query": "mlgate_no_such_metric_total", "min": 1, "on_empty": "error" },
    { "kind": "infra.prometheus", "url": "${PROM_URL}", "query": "0/0", "max": 0.01 },
    { "kind": "infra.prometheus", "url": "${PROM_URL}", "query": "0/0", "max": 0.01, "on_nan": "error" },
    { "kind": "infra.prometheus", "url": "${PROM_URL}", "query": "sum(up", "min": 1 },
    { "kind": "infra.prometheus", "url": "${PROM_URL}", "query": "up[1m]", "min": 1 },
    { "kind": "infra.prometheus", "url": "${PROM_URL}", "query": "{__name__=~\"up|scrape_samples_scraped\", job=\"prometheus\"}", "min": 1 },
    { "kind": "infra.prometheus", "url": "${PROM_URL}", "query": "{__name__=~\"up|scrape_samples_scraped\", job=\"prometheus\"}", "max": 1 },
    { "kind": "infra.prometheus", "url": "${PROM_URL}", "query": "{__name__=~\"up|scrape_samples_scraped\", job=\"prometheus\"}", "min": 1, "all_series": false },
    { "kind": "infra.prometheus", "url": "${PROM_URL}", "query": "time()", "time": "2024-01-31T12:00:00Z", "equals": 1706702400 },
    { "kind": "infra.prometheus", "url": "${PROM_URL}", "query": "time()", "time": 1700000000.25, "min": 1700000000.25, "max": 1700000000.25 },
    { "kind": "infra.prometheus", "url": "${PROM_URL}", "query": "vector(1) / 0", "max": 10 },
    { "kind": "infra.prometheus", "url": "${PROM_URL}", "query": "label_replace(vector(1), \"x\", \"a\", \"\", \"(\")", "min": 1 },
    { "kind": "infra.prometheus", "url": "${PROM_URL}", "query": "\"a string\"", "min": 1 },
    { "kind": "infra.prometheus", "url": "${PROM_URL}", "query": "sum(up{job=\"prometheus\"})", "equals": 1,
      "headers": { "X-Scope-OrgID": "team-a" }, "headers_env": { "Authorization": "MLGT_PROM_TOKEN" } },
    { "kind": "infra.prometheus", "url": "${PROM_URL}", "query": "label_replace(vector(0) / 0, \"x\", \"a\", \"\", \"\") or label_replace(vector(1), \"x\", \"b\", \"\", \"\")", "min": 0 },
    { "kind": "infra.prometheus", "url": "${PROM_URL}", "query": "label_replace(vector(0) / 0, \"x\", \"a\", \"\", \"\") or label_replace(vector(1), \"x\", \"b\", \"\", \"\")", "min": 0, "on_nan": "error" }
  ] }
J
	mlg run -j 4 --json r.json --junit j.xml >out.txt 2>&1
	local rc=$?
	[ "$rc" = 1 ] || { echo "exit $rc, expected 1"; cat out.txt; return 1; }
	local series="up\\{instance=\"127.0.0.1:$PROM_PORT\", job=\"prometheus\"\\}"
	prom_expect r.json 0 passed "^$series = 1 \\(at least 1\\)$" || return 1
	jq -e '.checks[0].observed | .value == 1 and .result_type == "vector" and .series_count == 1 and .labels.job == "prometheus"' r.json >/dev/null || { jq '.checks[0]' r.json; return 1; }
	jq -e '.checks[0].expected == {"min": 1}' r.json >/dev/null || return 1
	prom_expect r.json 1 failed "^$series = 1, expected at least 2$" || return 1
	jq -e '.checks[1].examples[0] | .reason == "below 2" and .labels.job == "prometheus" and .value == 1' r.json >/dev/null || { jq '.checks[1]' r.json; return 1; }
	prom_expect r.json 2 failed '^`mlgate_no_such_metric_total` returned no series, expected a value at least 1$' || return 1
	jq -e '.checks[2].observed.series_count == 0' r.json >/dev/null || return 1
	prom_expect r.json 3 error 'returned no series \("on_empty": "error"\)' || return 1
	prom_expect r.json 4 failed '^`0/0` = NaN, expected at most 0.01 \(NaN never passes\)$' || return 1
	jq -e '.checks[4].observed | .value == "NaN" and .result_type == "scalar"' r.json >/dev/null || { jq '.checks[4]' r.json; return 1; }
	prom_expect r.json 5 error '^`0/0` = NaN \("on_nan": "error"\)' || return 1
	prom_expect r.json 6 error '^Prometheus returned an error \(bad_data, HTTP 400\): invalid parameter "query": .*parse error' || return 1
	prom_expect r.json 7 error 'returned a range vector \(matrix\)' || return 1
	prom_expect r.json 8 passed '^all 2 series of `.*` are at least 1 \(lowest 1, highest [0-9]+\)$' || return 1
	jq -e '.checks[8].observed | .series_count == 2 and (.series | length) == 2 and .lowest == 1 and .highest > 1' r.json >/dev/null || { jq '.checks[8]' r.json; return 1; }
	prom_expect r.json 9 failed "^1 of 2 series out of bounds, e.g. scrape_samples_scraped\\{instance=\"127.0.0.1:$PROM_PORT\", job=\"prometheus\"\\} = [0-9]+, expected at most 1$" || return 1
	jq -e '.checks[9].examples_total == 1 and .checks[9].examples[0].labels.__name__ == "scrape_samples_scraped"' r.json >/dev/null || { jq '.checks[9]' r.json; return 1; }
	prom_expect r.json 10 error 'returned 2 series, expected one \("all_series": false\)' || return 1
	prom_expect r.json 11 passed '^`time\(\)` = 1706702400 \(exactly 1706702400\)$' || return 1
	jq -e '.checks[11].observed.time == "2024-01-31T12:00:00Z"' r.json >/dev/null || { jq '.checks[11].observed' r.json; return 1; }
	prom_expect r.json 12 passed '^`time\(\)` = 1700000000.25 \(from 1700000000.25 to 1700000000.25\)$' || return 1
	prom_expect r.json 13 failed '^`vector\(1\) / 0` = \+Inf, expected at most 10$' || return 1
	jq -e '.checks[13].observed.value == "+Inf"' r.json >/dev/null || return 1
	prom_expect r.json 14 error '^Prometheus returned an error \(execution, HTTP 422\): invalid regular expression' || return 1
	prom_expect r.json 15 error 'returned a string, expected a number' || return 1
	prom_expect r.json 16 passed '^`sum\(up\{job="prometheus"\}\)` = 1 \(exactly 1\)$' || return 1
	# a NaN among several series: failing (on_nan fail), or the check's error
	prom_expect r.json 17 failed '^1 of 2 series out of bounds, e.g. \{x="a"\} = NaN, expected at least 0$' || return 1
	jq -e '.checks[17].observed | .lowest == 1 and .highest == 1 and .series[0].value == "NaN"' r.json >/dev/null || { jq '.checks[17]' r.json; return 1; }
	prom_expect r.json 18 error '^1 of 2 series are NaN \("on_nan": "error"\), e.g. \{x="a"\}$' || return 1
	# the header secret appears nowhere
	! grep -r "mlgt-secret-token-4711" r.json j.xml out.txt || { echo "the secret leaked"; return 1; }
	# the JUnit report validates
	xmllint --noout --schema "$here/data/spec/junit-mlgate.xsd" j.xml || return 1
}

test_prometheus_path_prefix_and_wrong_base() {
	start_prometheus /prom || return 1
	export PROM_URL PROM_BARE="http://127.0.0.1:$PROM_PORT"
	cat > mlgate.json <<'J'
{ "mlgate": 1, "suite": "prometheus-prefix",
  "checks": [
    { "kind": "infra.prometheus", "url": "${PROM_URL}", "query": "up{job=\"prometheus\"}", "equals": 1 },
    { "kind": "infra.prometheus", "url": "${PROM_BARE}", "query": "up{job=\"prometheus\"}", "equals": 1, "retries": 0 }
  ] }
J
	mlg run --json r.json >out.txt 2>&1
	[ $? = 3 ] || { cat out.txt; return 1; }
	prom_expect r.json 0 passed ' = 1 \(exactly 1\)$' || return 1
	prom_expect r.json 1 error "^POST http://127.0.0.1:$PROM_PORT/api/v1/query: HTTP 404, not found \\(is \"url\" the server's base URL" || return 1
}

test_prometheus_get_fallback_headers_and_warnings() {
	printf '%s' '{"status":"success","warnings":["PromQL info: metric might not be a counter"],"data":{"resultType":"vector","result":[{"metric":{"__name__":"http_errors_ratio","track":"canary"},"value":[1700000000,"0.004"]}]}}' > ok.json
	start_promstub --no-post --reply 200:ok.json || return 1
	export STUB_URL MLGT_PROM_TOKEN="Bearer mlgt-secret-token-4711"
	cat > mlgate.json <<'J'
{ "mlgate": 1, "suite": "prometheus-stub",
  "checks": [
    { "kind": "infra.prometheus", "url": "${STUB_URL}/prefix/", "query": "sum(rate(x[5m])) / sum(rate(y[5m]))", "max": 0.01,
      "time": 1700000000, "headers": { "X-Scope-OrgID": "team-a" }, "headers_env": { "Authorization": "MLGT_PROM_TOKEN" } }
  ] }
J
	mlg run --json r.json >out.txt 2>&1 || { cat out.txt; return 1; }
	prom_expect r.json 0 passed '^http_errors_ratio\{track="canary"\} = 0.004 \(at most 0.01\); Prometheus warns: PromQL info: metric might not be a counter$' || return 1
	jq -e '.checks[0].observed.warnings == ["PromQL info: metric might not be a counter"]' r.json >/dev/null || return 1
	# POST first (405), then GET with the same fields in the URL
	[ "$(jq -r '.method' stub.log | tr '\n' ' ')" = "POST GET " ] || { cat stub.log; return 1; }
	jq -e -s '.[0].body | startswith("query=sum%28rate%28x%5B5m%5D%29%29%20%2F%20sum%28rate%28y%5B5m%5D%29%29&time=1700000000&timeout=")' stub.log >/dev/null || { cat stub.log; return 1; }
	jq -e -s '.[1] | .path == "/prefix/api/v1/query" and .args.query == "sum(rate(x[5m])) / sum(rate(y[5m]))" and .args.time == "1700000000"' stub.log >/dev/null || { cat stub.log; return 1; }
	jq -e -s '.[1].headers | .authorization == "Bearer mlgt-secret-token-4711" and ."x-scope-orgid" == "team-a" and .accept == "application/json"' stub.log >/dev/null || { cat stub.log; return 1; }
	! grep -q "mlgt-secret-token-4711" r.json out.txt || { echo "the secret leaked"; return 1; }
	stop_promstub
}

test_prometheus_retries_and_server_errors() {
	printf '%s' '{"status":"error","errorType":"unavailable","error":"too many queries for token mlgt-secret-token-4711"}' > busy.json
	printf '%s' '{"status":"success","data":{"resultType":"scalar","result":[1700000000,"0.5"]}}' > ok.json
	export MLGT_PROM_TOKEN="Bearer mlgt-secret-token-4711"
	local q='"query": "x", "min": 0, "headers_env": { "Authorization": "MLGT_PROM_TOKEN" }'
	# a 503 then a success: retried, passed
	start_promstub --reply 503:busy.json --reply 200:ok.json || return 1
	export STUB_URL
	printf '{ "suite": "s", "checks": [ { "kind": "infra.prometheus", "url": "${STUB_URL}", %s } ] }\n' "$q" > mlgate.json
	mlg run --json r.json >out.txt 2>&1 || { cat out.txt; return 1; }
	prom_expect r.json 0 passed '^`x` = 0.5 \(at least 0\)$' || return 1
	[ "$(wc -l < stub.log)" = 2 ] || { cat stub.log; return 1; }
	stop_promstub || return 1
	# always 503: an error with Prometheus's own message, the secret masked
	start_promstub --reply 503:busy.json || return 1
	printf '{ "suite": "s", "checks": [ { "kind": "infra.prometheus", "url": "${STUB_URL}", "retries": 1, %s } ] }\n' "$q" > mlgate.json
	mlg run --json r.json >out.txt 2>&1
	[ $? = 3 ] || { cat out.txt; return 1; }
	prom_expect r.json 0 error '^Prometheus returned an error \(unavailable, HTTP 503, 2 attempts\): too many queries for token \*\*\*$' || return 1
	! grep -q "mlgt-secret-token-4711" r.json out.txt || { echo "the secret leaked"; return 1; }
	stop_promstub || return 1
	# a login page instead of the API; a 401; a native histogram; a malformed value
	printf '<html><body>Please log in</body></html>' > login.html
	printf '%s' '{"status":"error","errorType":"unauthorized","error":"missing token"}' > unauth.json
	printf '%s' '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"h"},"histogram":[1700000000,{"count":"2","sum":"3"}]}]}}' > hist.json
	printf '%s' '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"0x1p3"]}]}}' > bad.json
	printf '%s' 'Unauthorized' > unauth.txt
	start_promstub --reply 200:login.html --reply 401:unauth.json --reply 200:hist.json --reply 200:bad.json --reply 401:unauth.txt || return 1
	printf '{ "suite": "s", "checks": [ { "kind": "infra.prometheus", "url": "${STUB_URL}", "retries": 0, %s } ] }\n' "$q" > mlgate.json
	local i want
	for want in 'HTTP 200, not a Prometheus API response .*: <html><body>Please log in</body></html>$' \
		'^Prometheus returned an error \(unauthorized, HTTP 401\): missing token$' \
		'^h is a native histogram, not a number' \
		'malformed sample 1 of the vector result$' \
		'HTTP 401, expected 200: Unauthorized$'; do
		mlg run --json r.json >out.txt 2>&1
		[ $? = 3 ] || { cat out.txt; return 1; }
		prom_expect r.json 0 error "$want" || return 1
	done
	i=$(wc -l < stub.log)
	[ "$i" = 5 ] || { echo "$i requests, expected 5"; return 1; }
	stop_promstub
}

test_prometheus_timeout_is_shared_by_attempts() {
	# A server that answers after 10 s: the check's timeout (1 s) bounds
	# all three attempts together, backoff included.
	printf '%s' '{"status":"success","data":{"resultType":"scalar","result":[1700000000,"1"]}}' > ok.json
	start_promstub --delay 10 --reply 200:ok.json || return 1
	export STUB_URL
	printf '{ "suite": "s", "checks": [ { "kind": "infra.prometheus", "url": "${STUB_URL}", "query": "x", "min": 0, "timeout": "1s" } ] }\n' > mlgate.json
	mlg run --json r.json >out.txt 2>&1
	[ $? = 3 ] || { cat out.txt; return 1; }
	prom_expect r.json 0 error "^cannot query Prometheus: POST $STUB_URL/api/v1/query: .*\\(attempt 3 of 3\\); the check's timeout \\(1 s\\) is spent$" || return 1
	jq -e '.checks[0].duration_s < 4' r.json >/dev/null || { jq '.checks[0].duration_s' r.json; return 1; }
	# each attempt told Prometheus to give up a little before mlgate does
	jq -e -s 'length == 3 and all(.[]; .body | test("&timeout=0\\.[0-9]+$"))' stub.log >/dev/null || { cat stub.log; return 1; }
	stop_promstub
}
