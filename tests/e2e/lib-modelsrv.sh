# shellcheck shell=bash
# Helpers for end-to-end tests against tests/tools/modelsrv, a TensorFlow
# Serving REST double serving one linear model with injected delays and
# failures. tests/e2e.sh sources every file here, so this one only defines
# functions (and no test_*).
#
#   MODELSRV=/path/to/modelsrv     the binary (default $TOOLS/modelsrv)
#   MODELSRV_WRAP="valgrind -q"    optional command to run it under
#   MODELSRV_START_TIMEOUT=5       seconds to wait for it to listen
#
#   start_modelsrv [ARGS...]       start it here; sets MODELSRV_PID, _PORT, _URL, _LOG
#   stop_modelsrv                  SIGTERM it and wait; fails if it exited non-zero
#   modelsrv_stats                 GET /_stats (JSON)
#
# The server is a child of the calling shell (so stop_modelsrv gets its exit
# status): wait for other background jobs by pid, as a bare `wait` would
# wait for the server too and hang.

# start_modelsrv [ARGS...]: starts the server in the background on a free
# 127.0.0.1 port with modelsrv.port / modelsrv.log / modelsrv.err in the
# current folder, plus ARGS (--model, --weights, --bias, --delay-ms,
# --slow-every/--slow-ms, --fail-every/--fail-status). It dies with the
# calling shell, so a test that fails before stop_modelsrv leaves nothing
# running.
start_modelsrv() {
	local dir=$PWD bin=${MODELSRV:-${TOOLS:-}/modelsrv} i tries
	if [ ! -x "$bin" ]; then
		echo "start_modelsrv: MODELSRV (or \$TOOLS/modelsrv) must name the modelsrv binary (got '$bin')" >&2
		return 1
	fi
	if [ -n "${MODELSRV_PID:-}" ] && kill -0 "$MODELSRV_PID" 2>/dev/null; then
		echo "start_modelsrv: already running as pid $MODELSRV_PID; stop_modelsrv first" >&2
		return 1
	fi
	rm -f "$dir/modelsrv.port" "$dir/modelsrv.port.tmp"
	# Output to a file: a server left behind must not hold a caller's pipe open.
	# shellcheck disable=SC2086 # MODELSRV_WRAP is a command line
	${MODELSRV_WRAP:-} "$bin" --port-file "$dir/modelsrv.port" --log "$dir/modelsrv.log" \
		--die-with-parent "$@" >>"$dir/modelsrv.err" 2>&1 &
	MODELSRV_PID=$!
	tries=$((${MODELSRV_START_TIMEOUT:-5} * 20))
	for ((i = 0; i < tries; i++)); do
		[ -s "$dir/modelsrv.port" ] && break
		kill -0 "$MODELSRV_PID" 2>/dev/null || break
		sleep 0.05
	done
	if [ ! -s "$dir/modelsrv.port" ]; then
		echo "start_modelsrv: modelsrv did not start (args: $*)" >&2
		sed 's/^/  modelsrv: /' "$dir/modelsrv.err" >&2
		kill "$MODELSRV_PID" 2>/dev/null
		wait "$MODELSRV_PID" 2>/dev/null
		unset MODELSRV_PID
		return 1
	fi
	MODELSRV_PORT=$(<"$dir/modelsrv.port")
	MODELSRV_URL=http://127.0.0.1:$MODELSRV_PORT
	MODELSRV_LOG=$dir/modelsrv.log
	export MODELSRV_PID MODELSRV_PORT MODELSRV_URL MODELSRV_LOG
}

# stop_modelsrv: SIGTERM, wait (SIGKILL after 10 s). Returns the server's
# exit status, so a sanitizer or valgrind error in it fails the test.
stop_modelsrv() {
	local i rc
	[ -n "${MODELSRV_PID:-}" ] || return 0
	kill -TERM "$MODELSRV_PID" 2>/dev/null
	for ((i = 0; i < 200; i++)); do
		kill -0 "$MODELSRV_PID" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$MODELSRV_PID" 2>/dev/null; then
		echo "stop_modelsrv: pid $MODELSRV_PID ignored SIGTERM for 10 s; killing it" >&2
		kill -KILL "$MODELSRV_PID" 2>/dev/null
	fi
	wait "$MODELSRV_PID" 2>/dev/null
	rc=$?
	# 127: started by another shell, so not ours to wait for; it is gone.
	[ "$rc" = 127 ] && rc=0
	unset MODELSRV_PID
	if [ "$rc" != 0 ]; then
		echo "stop_modelsrv: modelsrv exited $rc" >&2
		tail -20 modelsrv.err >&2 2>/dev/null
	fi
	return "$rc"
}

# modelsrv_stats: {"requests", "failed", "slow", "max_concurrent"} over the
# predict requests so far.
modelsrv_stats() {
	curl -s --max-time 10 "$MODELSRV_URL/_stats"
}
