#!/usr/bin/env bash
# Self-test of the mock MLflow registry, with curl and jq:
#
#   tests/tools/mockreg-selftest.sh /path/to/mockreg
#
# Every endpoint, auth, each fault action, concurrency of delays, /_state,
# and the request log. MOCKREG_WRAP (e.g. "valgrind -q --error-exitcode=99")
# runs the server under a wrapper; stop_mockreg then fails on its errors.
set -u
here=$(cd "$(dirname "$0")" && pwd)
MOCKREG=${1:?usage: mockreg-selftest.sh MOCKREG-BINARY}
MOCKREG=$(cd "$(dirname "$MOCKREG")" && pwd)/$(basename "$MOCKREG")
export MOCKREG
# shellcheck source-path=SCRIPTDIR source=../e2e/lib-mockreg.sh
. "$here/../e2e/lib-mockreg.sh"

W=$(mktemp -d)
trap 'stop_mockreg >/dev/null 2>&1; rm -rf "$W"' EXIT
cd "$W" || exit 1
pass=0 fail=0

# check NAME CMD...: CMD succeeding passes NAME.
check() {
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $name"
		echo "     status $code, curl exit $crc, body: $(head -c 300 body 2>/dev/null)"
	fi
}

# call METHOD PATH [CURL-ARGS...]: body to ./body, headers to ./headers,
# status in $code, curl's exit in $crc.
code=0 crc=0
call() {
	local m=$1 p=$2
	shift 2
	code=$(curl -sS -o body -D headers -w '%{http_code}' -X "$m" "$@" "$MOCKREG_URL$p" 2>curl.err)
	crc=$?
}
post() { call POST "$1" -H 'Content-Type: application/json' -d "$2"; }
is() { [ "$1" = "$2" ]; }
jqb() { jq -e "$1" body; }
header() { grep -i "^$1:" headers | head -1 | cut -d' ' -f2- | tr -d '\r'; }
state() { mockreg_state | jq -e "$1"; }

MV=/api/2.0/mlflow/model-versions
RM=/api/2.0/mlflow/registered-models

# --- server A: models, faults -------------------------------------------
cat >script <<'EOF'
# consumed in order, one request each
GET /api/2.0/mlflow/model-versions/get status 500 mlflow INTERNAL_ERROR
GET /api/2.0/mlflow/model-versions/get status 502
GET /api/2.0/mlflow/model-versions/get retry-after 2 503
GET /api/2.0/mlflow/model-versions/get retry-after-date 30 429
GET /api/2.0/mlflow/model-versions/get reset

GET /api/2.0/mlflow/model-versions/get invalid-json
GET /api/2.0/mlflow/model-versions/get redirect http://127.0.0.1:9/elsewhere#x
*   /hooks/slow   delay 1.5   # trailing comment
POST /hooks/flaky status 503
EOF
start_mockreg --model m:1:READY --model m:2:READY --model m:3:READY \
	--model other:1:FAILED_REGISTRATION --script script || exit 1

q="?name=m&version=1"
call GET "$MV/get$q"
check "status mlflow: 500" is "$code" 500
check "status mlflow: body" jqb '.error_code == "INTERNAL_ERROR" and .message == "injected 500"'
call GET "$MV/get$q"
check "status: 502 text" is "$code/$(cat body)" "502/injected 502"
call GET "$MV/get$q"
check "retry-after: 503 + seconds" is "$code/$(header Retry-After)" "503/2"
call GET "$MV/get$q"
ra=$(header Retry-After)
delta=$(($(date -d "$ra" +%s) - $(date +%s)))
check "retry-after-date: 429" is "$code" 429
check "retry-after-date: IMF-fixdate" grep -Eq '^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$' <<<"$ra"
check "retry-after-date: ~30 s ahead ($delta)" test "$delta" -ge 27 -a "$delta" -le 31
call GET "$MV/get$q"
check "reset: curl sees an error (exit $crc)" test "$crc" = 18 -o "$crc" = 56
call GET "$MV/get$q"
check "invalid-json: 200 json" is "$code/$(header Content-Type)" "200/application/json"
check "invalid-json: truncated" is "$(cat body)" '{"model_version": '
check "invalid-json: unparsable" test "$(jq . body >/dev/null 2>&1; echo $?)" != 0
call GET "$MV/get$q"
check "redirect: 302 Location" is "$code/$(header Location)" "302/http://127.0.0.1:9/elsewhere#x"

# Rules used up: normal behaviour.
call GET "$MV/get$q"
check "get version: 200" is "$code" 200
check "get version: fields" jqb '.model_version | .name == "m" and .version == "1" and
	(.creation_timestamp | type) == "number" and (.last_updated_timestamp | type) == "number" and
	.current_stage == "None" and .status == "READY" and (.source | type) == "string" and
	(.run_id | length) == 32 and (.description | type) == "string" and .tags == [] and .aliases == []'
call GET "$MV/get?name=other&version=1"
check "get version: FAILED_REGISTRATION" jqb '.model_version.status == "FAILED_REGISTRATION"'
call GET "$MV/get?name=m&version=9"
check "get version: 404" is "$code" 404
check "get version: 404 body" jqb '.error_code == "RESOURCE_DOES_NOT_EXIST" and .message == "Model Version (name=m, version=9) not found"'
call GET "$MV/get?name=m"
check "get version: no version 400" is "$code/$(jq -r .error_code body)" "400/INVALID_PARAMETER_VALUE"
call GET "$MV/get?version=1"
check "get version: no name 400" is "$code/$(jq -r .error_code body)" "400/INVALID_PARAMETER_VALUE"
call GET "$MV/get?name=m&version=abc"
check "get version: non-integer 400" is "$code" 400

call GET "$RM/get?name=m"
check "get model: 200" is "$code" 200
check "get model: fields" jqb '.registered_model | .name == "m" and (.creation_timestamp | type) == "number" and
	(.last_updated_timestamp | type) == "number" and .latest_versions[0].version == "3" and
	.aliases == [] and .tags == []'
call GET "$RM/get?name=nope"
check "get model: 404" is "$code/$(jq -r .error_code body)" "404/RESOURCE_DOES_NOT_EXIST"

post "$RM/alias" '{"name":"m","alias":"champion","version":"2"}'
check "set alias: 200 {}" is "$code/$(cat body)" "200/{}"
call GET "$RM/alias?name=m&alias=champion"
check "get alias: v2" jqb '.model_version.version == "2" and .model_version.aliases == ["champion"]'
post "$RM/alias" '{"name":"m","alias":"champion","version":"3"}'
call GET "$RM/alias?name=m&alias=champion"
check "move alias: v3" jqb '.model_version.version == "3"'
call GET "$RM/get?name=m"
check "get model: aliases" jqb '.registered_model.aliases == [{"alias":"champion","version":"3"}]'
call GET "$MV/get?name=m&version=2"
check "old version lost alias" jqb '.model_version.aliases == []'
post "$RM/alias" '{"name":"m","alias":"latest","version":"1"}'
check "alias latest: 400" is "$code/$(jq -r .error_code body)" "400/INVALID_PARAMETER_VALUE"
post "$RM/alias" '{"name":"m","alias":"LATEST","version":"1"}'
check "alias LATEST: 400" is "$code" 400
post "$RM/alias" '{"name":"m","version":"1"}'
check "alias missing field: 400" is "$code/$(jq -r .error_code body)" "400/INVALID_PARAMETER_VALUE"
post "$RM/alias" '{"name":"m","alias":"a","version":1}'
check "alias numeric version: 400" is "$code" 400
post "$RM/alias" '{"name":"m","alias":"a","version":"9"}'
check "alias missing version: 404" is "$code/$(jq -r .error_code body)" "404/RESOURCE_DOES_NOT_EXIST"
post "$RM/alias" '{"name":"nope","alias":"a","version":"1"}'
check "alias missing model: 404" is "$code" 404
call POST "$RM/alias" -d '{"name":"m","alias":"a","version":"1"}' -H 'Content-Type:'
check "POST without Content-Type: 400" is "$code" 400
call GET "$RM/alias?name=m&alias=nope"
check "get missing alias: 404" is "$code/$(jq -r .error_code body)" "404/RESOURCE_DOES_NOT_EXIST"
call DELETE "$RM/alias" -H 'Content-Type: application/json' -d '{"name":"m","alias":"champion"}'
check "delete alias (body): 200 {}" is "$code/$(cat body)" "200/{}"
call GET "$RM/alias?name=m&alias=champion"
check "deleted alias: 404" is "$code" 404
post "$RM/alias" '{"name":"m","alias":"challenger","version":"1"}'
check "state: alias set" state '.models.m.aliases == {"challenger": "1"}'
call DELETE "$RM/alias?name=m&alias=challenger"
check "delete alias (query): 200" is "$code" 200
check "state: alias gone" state '.models.m.aliases == {}'

post "$MV/set-tag" '{"name":"m","version":"1","key":"gate","value":"passed"}'
check "set-tag: 200 {}" is "$code/$(cat body)" "200/{}"
check "state: tag" state '.models.m.versions["1"].tags == {"gate": "passed"}'
call GET "$MV/get$q"
check "get version: tags" jqb '.model_version.tags == [{"key":"gate","value":"passed"}]'
post "$MV/set-tag" '{"name":"m","version":"7","key":"gate","value":"x"}'
check "set-tag missing version: 404" is "$code" 404
post "$MV/set-tag" '{"name":"m","version":"1","value":"x"}'
check "set-tag no key: 400" is "$code" 400

post "$MV/transition-stage" '{"name":"m","version":"1","stage":"production","archive_existing_versions":false}'
check "transition: 200" is "$code" 200
check "transition: canonical stage" jqb '.model_version.current_stage == "Production" and .model_version.version == "1"'
post "$MV/transition-stage" '{"name":"m","version":"2","stage":"Production","archive_existing_versions":true}'
check "transition archive: v2 Production" jqb '.model_version.current_stage == "Production"'
check "state: v1 archived" state '.models.m.versions["1"].current_stage == "Archived" and .models.m.versions["2"].current_stage == "Production"'
post "$MV/transition-stage" '{"name":"m","version":"3","stage":"Prod","archive_existing_versions":false}'
check "transition bad stage: 400" is "$code/$(jq -r .error_code body)" "400/INVALID_PARAMETER_VALUE"
post "$MV/transition-stage" '{"name":"m","version":"9","stage":"Staging","archive_existing_versions":false}'
check "transition missing version: 404" is "$code" 404
call GET "$RM/get?name=m"
check "latest_versions per stage" jqb '[.registered_model.latest_versions[] | [.current_stage, .version]] ==
	[["None","3"],["Production","2"],["Archived","1"]]'

call GET /api/2.0/mlflow/experiments/nope
check "unknown endpoint: 404" is "$code/$(jq -r .error_code body)" "404/ENDPOINT_NOT_FOUND"
post "$MV/get" '{}'
check "wrong method: 405" is "$code" 405
call GET /elsewhere
check "non-API path: 404" is "$code" 404

call POST /hooks/flaky -H 'webhook-id: abc' -d '{"event":"x"}'
check "hook fault first: 503" is "$code" 503
call POST /hooks/flaky -H 'webhook-id: abc' -d '{"event":"x"}'
check "hook: 200 ok" is "$code/$(cat body)" "200/ok"
call POST /hooks/flaky -H 'webhook-id: abc' -d '{"event":"x"}'
call POST /hooks/other -H 'webhook-id: def' -d '{}'
check "state: webhooks (attempts, faulted too)" state '.webhooks == {"abc": 3, "def": 1}'
call GET /hooks/x
check "hook GET: 405" is "$code" 405

# delay: another request is answered while the delayed one sleeps.
curl -s -o slow.body -w '%{time_total}' -X POST "$MOCKREG_URL/hooks/slow" >slow.time &
slow=$!
sleep 0.2
fast=$(curl -s -o /dev/null -w '%{time_total}' "$MOCKREG_URL$MV/get$q")
wait "$slow"
check "delay: concurrent request fast ($fast s)" awk -v t="$fast" 'BEGIN { exit !(t < 1.0) }'
check "delay: delayed request slow ($(cat slow.time) s)" awk -v t="$(cat slow.time)" 'BEGIN { exit !(t >= 1.4) }'
check "delay: then normal" is "$(cat slow.body)" ok

# The log: one valid line per request, /_state excluded.
n=$(wc -l <"$MOCKREG_LOG")
check "log: one line per request ($n)" state ".requests == $n"
check "log: n is 1..N" jq -se '[.[].n] == [range(1; length + 1)]' "$MOCKREG_LOG"
check "log: no /_state" test "$(mockreg_count '*' /_state)" = 0
check "log: fields" jq -se 'all(has("n") and has("method") and has("path") and has("query") and has("headers") and has("body") and has("status"))' "$MOCKREG_LOG"
check "log: reset has status 0" jq -se '.[4].status == 0 and .[3].status == 429 and .[0].status == 500' "$MOCKREG_LOG"
check "log: query and lowercase headers" jq -se '.[0].query == {"name":"m","version":"1"} and .[0].headers["user-agent"] != null' "$MOCKREG_LOG"
first_alias=$(mockreg_requests POST "$RM/alias" | head -1)
check "log: POST body and content-type" jq -e '.body == "{\"name\":\"m\",\"alias\":\"champion\",\"version\":\"2\"}" and
	.headers["content-type"] == "application/json"' <<<"$first_alias"
check "mockreg_count" test "$(mockreg_count GET "$MV/get")" = 16 -a "$(mockreg_count '*' /hooks/)" = 6
check "stop: exit 0" stop_mockreg

# --- server B: bearer token ---------------------------------------------
start_mockreg --token s3cret --model m:1:READY || exit 1
call GET "$MV/get$q"
check "token: none 401" is "$code/$(jq -r .error_code body)" "401/UNAUTHENTICATED"
call GET "$MV/get$q" -H 'Authorization: Bearer wrong'
check "token: wrong 401" is "$code" 401
call GET /api/2.0/mlflow/nope
check "token: unknown endpoint still 401" is "$code" 401
call GET "$MV/get$q" -H 'Authorization: Bearer s3cret'
check "token: right 200" is "$code" 200
post /hooks/a '{}'
check "token: hooks open" is "$code" 200
call GET /_state
check "token: /_state open" is "$code" 200
check "stop B: exit 0" stop_mockreg

# --- server C: basic auth -----------------------------------------------
start_mockreg --basic alice:pw --model m:1:READY || exit 1
call GET "$MV/get$q" -u alice:pw
check "basic: right 200" is "$code" 200
call GET "$MV/get$q" -u alice:bad
check "basic: wrong 401" is "$code" 401
call GET "$MV/get$q"
check "basic: none 401" is "$code/$(header WWW-Authenticate)" '401/Basic realm="mlflow"'
check "stop C: exit 0" stop_mockreg

# --- server D: /_state is never scripted; SIGINT stops too --------------
printf '* / status 500\n' >script2
start_mockreg --script script2 || exit 1
call GET /_state
check "script skips /_state" is "$code" 200
call GET /anything
check "catch-all rule" is "$code" 500
call GET /anything
check "rule used once" is "$code" 404
kill -INT "$MOCKREG_PID"
wait "$MOCKREG_PID"
check "SIGINT: exit 0" test $? = 0
unset MOCKREG_PID

# --- startup errors fail loudly -------------------------------------------
printf 'GET /x frobnicate\n' >bad
start_fails() { ! start_mockreg --script bad; }
check "bad script: start fails" start_fails
check "bad script: says where" grep -q 'bad:1' mockreg.err

echo "mockreg-selftest: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
