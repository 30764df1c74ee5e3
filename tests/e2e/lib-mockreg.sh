# shellcheck shell=bash
# Helpers for end-to-end tests against tests/tools/mockreg, a mock MLflow
# Model Registry with a webhook receiver. tests/e2e.sh sources every file
# here, so this one only defines functions (and no test_*).
#
#   MOCKREG=/path/to/mockreg      the binary (required)
#   MOCKREG_WRAP="valgrind -q"    optional command to run it under
#   MOCKREG_START_TIMEOUT=5       seconds to wait for it to listen
#
#   start_mockreg [ARGS...]       start it here; sets MOCKREG_PID, _PORT, _URL, _LOG
#   stop_mockreg                  SIGTERM it and wait; fails if it exited non-zero
#   mockreg_state                 GET /_state (JSON)
#   mockreg_count METHOD PREFIX   logged requests matching (METHOD may be '*')
#   mockreg_requests METHOD PREFIX  those requests' log lines (JSON, one a line)
#
# The server is a child of the calling shell (so stop_mockreg gets its exit
# status): wait for other background jobs by pid, as a bare `wait` would
# wait for the server too and hang.

# start_mockreg [ARGS...]: starts "$MOCKREG" in the background with
# mockreg.port / mockreg.log / mockreg.err in the current folder, plus ARGS
# (--token, --basic, --model, --script). It dies with the calling shell, so a
# test that fails before stop_mockreg leaves nothing running.
start_mockreg() {
	local dir=$PWD i tries
	if [ -z "${MOCKREG:-}" ] || [ ! -x "$MOCKREG" ]; then
		echo "start_mockreg: MOCKREG must name the mockreg binary (got '${MOCKREG:-}')" >&2
		return 1
	fi
	if [ -n "${MOCKREG_PID:-}" ] && kill -0 "$MOCKREG_PID" 2>/dev/null; then
		echo "start_mockreg: already running as pid $MOCKREG_PID; stop_mockreg first" >&2
		return 1
	fi
	rm -f "$dir/mockreg.port" "$dir/mockreg.port.tmp"
	# Output to a file: a server left behind must not hold a caller's pipe open.
	# shellcheck disable=SC2086 # MOCKREG_WRAP is a command line
	${MOCKREG_WRAP:-} "$MOCKREG" --port-file "$dir/mockreg.port" --log "$dir/mockreg.log" \
		--die-with-parent "$@" >>"$dir/mockreg.err" 2>&1 &
	MOCKREG_PID=$!
	tries=$((${MOCKREG_START_TIMEOUT:-5} * 20))
	for ((i = 0; i < tries; i++)); do
		[ -s "$dir/mockreg.port" ] && break
		kill -0 "$MOCKREG_PID" 2>/dev/null || break
		sleep 0.05
	done
	if [ ! -s "$dir/mockreg.port" ]; then
		echo "start_mockreg: mockreg did not start (args: $*)" >&2
		sed 's/^/  mockreg: /' "$dir/mockreg.err" >&2
		kill "$MOCKREG_PID" 2>/dev/null
		wait "$MOCKREG_PID" 2>/dev/null
		unset MOCKREG_PID
		return 1
	fi
	MOCKREG_PORT=$(<"$dir/mockreg.port")
	MOCKREG_URL=http://127.0.0.1:$MOCKREG_PORT
	MOCKREG_LOG=$dir/mockreg.log
	export MOCKREG_PID MOCKREG_PORT MOCKREG_URL MOCKREG_LOG
}

# stop_mockreg: SIGTERM, wait (SIGKILL after 10 s). Returns mockreg's exit
# status, so a sanitizer or valgrind error in it fails the test.
stop_mockreg() {
	local i rc
	[ -n "${MOCKREG_PID:-}" ] || return 0
	kill -TERM "$MOCKREG_PID" 2>/dev/null
	for ((i = 0; i < 200; i++)); do
		kill -0 "$MOCKREG_PID" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$MOCKREG_PID" 2>/dev/null; then
		echo "stop_mockreg: pid $MOCKREG_PID ignored SIGTERM for 10 s; killing it" >&2
		kill -KILL "$MOCKREG_PID" 2>/dev/null
	fi
	wait "$MOCKREG_PID" 2>/dev/null
	rc=$?
	# 127: started by another shell, so not ours to wait for; it is gone.
	[ "$rc" = 127 ] && rc=0
	unset MOCKREG_PID
	if [ "$rc" != 0 ]; then
		echo "stop_mockreg: mockreg exited $rc" >&2
		tail -20 mockreg.err >&2 2>/dev/null
	fi
	return "$rc"
}

mockreg_state() {
	curl -s "$MOCKREG_URL/_state"
}

# mockreg_count METHOD PATH-PREFIX
mockreg_count() {
	mockreg_requests "$1" "$2" | wc -l | tr -d ' '
}

# mockreg_requests METHOD PATH-PREFIX: the matching log lines, in order.
mockreg_requests() {
	[ -s "${MOCKREG_LOG:-}" ] || return 0
	jq -c --arg m "$1" --arg p "$2" \
		'select(($m == "*" or .method == $m) and (.path | startswith($p)))' "$MOCKREG_LOG"
}
