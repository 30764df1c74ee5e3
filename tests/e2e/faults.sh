# Injected faults (sourced by tests/e2e.sh; expect_exit and has come from
# cli.sh). Each test_* runs in a fresh empty folder; a non-zero return
# fails it.
#
#  - Every allocation failing in turn, with the test-only variables of
#    runner/util.c: MLGATE_COUNT_ALLOC=1 prints how many allocations a
#    command makes (N), MLGATE_FAIL_ALLOC=K makes the K-th fail. Each K from
#    1 to N+1 runs once (two at a time) and must end with exit 3 and the one
#    line "mlgate: out of memory", or as the normal run did; every report
#    left must be the normal run's (times aside); no temporary file may be
#    left. Counted: mlgate's own allocations and cJSON's and libxml2's (their
#    hooks); not libc's, libgit2's, libcurl's or OpenSSL's. `run` and
#    `validate` try every K; `merge` every 3rd, `run -j 4` every 37th.
#    Under MLGATE_WRAP (valgrind) about 10 K spread evenly are tried;
#    FAULTS_STRIDE=S tries every S-th K everywhere.
#  - Reports to /dev/full, to a full file system (a 64 KiB tmpfs in a
#    private mount namespace, skipped where mounting is not allowed), into
#    folders that cannot be written (read-only mount, permissions, a path
#    under a file), and stdout to /dev/full.
#  - SIGTERM at random moments of a run (exit 130, complete reports that
#    say so), SIGKILL at random moments (the previous reports stay whole,
#    leftovers are hidden temporaries), SIGXFSZ in the middle of a write.

# The run's own exit code when nothing fails (a range check fails: 1).
faults_suite() {
	printf 'id,amount,country\n1,10.5,DE\n2,20,FR\n3,,US\n' > data.csv
	printf '{"test": {"auc": 0.91}}\n' > metrics.json
	cat > mlgate.json <<'J'
{ "suite": "faults",
  "datasets": { "d": { "path": "data.csv" } },
  "checks": [ { "kind": "data.row_count", "dataset": "d", "min": 1 },
              { "kind": "data.not_null", "dataset": "d", "columns": "id" },
              { "kind": "data.range", "dataset": "d", "column": "amount", "min": 0, "max": 15 },
              { "kind": "model.metric", "file": "metrics.json", "path": "test.auc", "min": 0.5 },
              { "kind": "infra.file", "path": "data.csv" } ] }
J
}

# A suite whose gate opens, with a webhook to promote to (never reached).
faults_open_suite() {
	printf 'id,amount\n1,10.5\n2,20\n' > data.csv
	cat > mlgate.json <<'J'
{ "suite": "open",
  "datasets": { "d": { "path": "data.csv" } },
  "checks": [ { "kind": "data.row_count", "dataset": "d", "min": 1 },
              { "kind": "data.range", "dataset": "d", "column": "amount", "min": 0 } ],
  "gate": { "promote": [ { "registry": "webhook", "url": "http://127.0.0.1:9/hook",
                           "secret_env": "FAULTS_SECRET", "model": "m", "version": "1" } ] } }
J
}

# What differs between two identical runs, removed before comparing.
faults_json_times='"(started|duration_s)":[^,]*'
faults_junit_times=' (time|timestamp)="[^"]*"'
faults_metrics_times='duration_seconds.*'

# faults_differ STRIP REF FILE...: prints each FILE whose text, with every
# match of the ERE STRIP removed, is not REF's (an empty FILE never is).
faults_differ() {
	local strip=$1
	shift
	awk -v strip="$strip" '
		{ if (strip != "") gsub(strip, ""); text[FILENAME] = text[FILENAME] $0 "\n" }
		END { for (i = 2; i < ARGC; i++) if (text[ARGV[i]] != text[ARGV[1]]) print ARGV[i] }' "$@"
}

# faults_every_k STRIDE ARGS...: runs `mlgate ARGS` once (in k0/) to learn
# its exit code (faults_ref) and its number of allocations (faults_n), then
# once for every STRIDE-th K and N+1, with MLGATE_FAIL_ALLOC=K, in k$K/:
# every @ in ARGS becomes k$K. Leaves rc and err (stderr) in each folder
# and the list of K in faults_ks; checks exit codes and stderr.
#
# Under valgrind the runs that die of the injected failure are not checked
# for leaks: that exit frees nothing on purpose (util.c), and what the
# dying frames held shows as "definitely lost". The normal runs (k0 and
# N+1) are.
faults_every_k() {
	local stride=$1 args wrap k i rc text bad=0 worker
	shift
	args=("$@")
	wrap=${MLGATE_WRAP:-}
	case $wrap in valgrind*) wrap="$wrap --leak-check=no" ;; esac
	mkdir k0
	MLGATE_COUNT_ALLOC=1 mlg "${args[@]//@/k0}" >k0/out 2>k0/err
	faults_ref=$?
	faults_n=$(sed -n 's/^mlgate: allocations: //p' k0/err)
	[ -n "$faults_n" ] || { echo "no allocation count:"; cat k0/err; return 1; }
	case $faults_ref in 0 | 1) ;; *) echo "the normal run exits $faults_ref"; cat k0/err; return 1 ;; esac
	if [ -n "${FAULTS_STRIDE:-}" ]; then
		stride=$FAULTS_STRIDE
	elif [ -n "${MLGATE_WRAP:-}" ]; then
		stride=$((faults_n / 10 + 1)) # valgrind: a tenth of the way apart
	fi
	faults_ks=()
	for ((k = 1; k <= faults_n; k += stride)); do faults_ks+=("$k"); done
	faults_ks+=($((faults_n + 1)))
	echo "$faults_n allocations; trying ${#faults_ks[@]} K (stride $stride): mlgate ${args[*]}"
	for worker in 0 1; do
		(
			# An injected failure ends mlgate with _exit(3) from whichever
			# thread met it, the others unjoined by design: not a leak.
			[ "${E2E_SANITIZER:-}" != thread ] || export TSAN_OPTIONS="$TSAN_OPTIONS:report_thread_leaks=0"
			for ((i = worker; i < ${#faults_ks[@]}; i += 2)); do
				k=${faults_ks[i]}
				mkdir "k$k"
				if [ "$k" -le "$faults_n" ]; then
					MLGATE_FAIL_ALLOC=$k MLGATE_WRAP=$wrap mlg "${args[@]//@/k$k}" >/dev/null 2>"k$k/err"
				else
					MLGATE_FAIL_ALLOC=$k mlg "${args[@]//@/k$k}" >/dev/null 2>"k$k/err"
				fi
				echo $? >"k$k/rc"
			done
		) &
	done
	wait
	for k in "${faults_ks[@]}"; do
		read -r rc <"k$k/rc"
		text=
		IFS= read -r -d '' text <"k$k/err"
		if [ "$rc" = 3 ] && [ "$text" = $'mlgate: out of memory\n' ]; then
			continue
		elif [ "$rc" = 3 ]; then
			echo "K=$k: exit 3 but stderr is not the one line:"; printf '%s' "$text" | head -5
		elif [ "$rc" != "$faults_ref" ]; then
			echo "K=$k: exit $rc (normal run: $faults_ref)"; printf '%s' "$text" | head -5
		elif [ -n "$text" ]; then
			echo "K=$k: stderr:"; printf '%s' "$text" | head -5
		elif [ "$k" -le $((faults_n - 50)) ]; then
			# the count varies by a few with string lengths (durations), not more
			echo "K=$k of $faults_n did not fail: the injection does not work"
		else
			continue
		fi
		bad=$((bad + 1))
		[ $bad -lt 10 ] || break
	done
	[ $bad = 0 ] || return 1
	if find . -name '*.tmp.*' | grep -q .; then
		echo "temporary files left:"; find . -name '*.tmp.*' | head; return 1
	fi
}

# faults_reports_whole NAME STRIP [CHECK-CMD...]: every k*/NAME is the
# normal run's k0/NAME with STRIP removed, and passes CHECK-CMD (given all
# the files at once).
faults_reports_whole() {
	local name=$1 strip=$2 files differ
	shift 2
	files=()
	for f in k*/"$name"; do [ -e "$f" ] && [ "$f" != "k0/$name" ] && files+=("$f"); done
	echo "$name: ${#files[@]} written under injected failures"
	[ ${#files[@]} -gt 0 ] || return 0
	if [ $# -gt 0 ] && ! "$@" "${files[@]}" >check.log 2>&1; then
		echo "$name: $*: fails:"; grep -v ' validates$' check.log | head -5; return 1
	fi
	differ=$(faults_differ "$strip" "k0/$name" "${files[@]}")
	[ -z "$differ" ] || { echo "$name differs from the normal run's in:" $differ; return 1; }
}

faults_jq_all() { jq -e '.schema == "mlgate.results/v1"' "$@" >/dev/null; }
faults_junit_all() { xmllint --noout --schema "$here/data/spec/junit-mlgate.xsd" "$@"; }

test_faults_every_allocation_run() {
	faults_suite
	faults_every_k 1 run -j 1 --json @/r.json --junit @/j.xml --summary @/s.md --metrics @/m.txt || return 1
	faults_reports_whole r.json "$faults_json_times" faults_jq_all || return 1
	faults_reports_whole j.xml "$faults_junit_times" faults_junit_all || return 1
	faults_reports_whole s.md "" || return 1
	faults_reports_whole m.txt "$faults_metrics_times" || return 1
	# the K past the last allocation wrote all four
	local last=k$((faults_n + 1))
	[ -s $last/r.json ] && [ -s $last/j.xml ] && [ -s $last/s.md ] && [ -s $last/m.txt ] ||
		{ echo "the run without failure lacks reports"; ls -a $last; return 1; }
}

# Workers on several threads: allocation order varies, so only a spread
# of K, and only what holds for any order.
test_faults_every_allocation_threads() {
	faults_suite
	faults_every_k 37 run -j 4 --json @/r.json --junit @/j.xml || return 1
	faults_reports_whole r.json "$faults_json_times" faults_jq_all || return 1
	faults_reports_whole j.xml "$faults_junit_times" faults_junit_all
}

test_faults_every_allocation_validate() {
	faults_suite
	faults_every_k 1 validate -c mlgate.json
}

test_faults_every_allocation_merge() {
	faults_suite
	mlg run -j 1 --shard 1/2 --json a.json >/dev/null 2>&1
	mlg run -j 1 --shard 2/2 --json b.json >/dev/null 2>&1
	[ -s a.json ] && [ -s b.json ] || { echo "no shard results"; return 1; }
	# the merge reads, merges and writes like run; every 3rd K keeps it short
	faults_every_k 3 merge -o @/r.json --junit @/j.xml \
		--summary @/s.md --metrics @/m.txt a.json b.json || return 1
	faults_reports_whole r.json "$faults_json_times" faults_jq_all || return 1
	faults_reports_whole j.xml "$faults_junit_times" faults_junit_all || return 1
	faults_reports_whole s.md "" || return 1
	faults_reports_whole m.txt "$faults_metrics_times"
}

# Each report to /dev/full: named in a clear error, exit 3 for an open
# gate, and with --promote nothing is promoted. (cli.sh covers --json to
# a symlink to /dev/full and a missing folder.)
test_faults_reports_to_dev_full() {
	[ -w /dev/full ] || { echo "skipped: no writable /dev/full"; return 0; }
	faults_open_suite
	local opt
	for opt in --json --junit --summary --metrics; do
		expect_exit 3 mlg run "$opt" /dev/full || return 1
		has err.txt "mlgate: cannot write '/dev/full': No space left on device" || return 1
		has out.txt "gate open" || return 1
	done
	# the other reports are still written, whole
	expect_exit 3 mlg run --json r.json --junit /dev/full --summary s.md || return 1
	jq -e '.gate == "open"' r.json >/dev/null && [ -s s.md ] || { echo "the other reports are missing"; return 1; }
	FAULTS_SECRET=x expect_exit 3 mlg run --json r.json --junit /dev/full --promote || return 1
	has err.txt "nothing promoted: the reports could not all be written" || return 1
	! grep -q "127.0.0.1:9" out.txt err.txt || { echo "the registry was called"; return 1; }
	# stdout on a full disk: the report, or only the terminal's, or a listing
	local args rc
	for args in "run --json -" "run" "kinds"; do
		# shellcheck disable=SC2086
		mlg $args >/dev/full 2>err.txt
		rc=$?
		[ $rc = 3 ] || { echo "mlgate $args >/dev/full: exit $rc"; cat err.txt; return 1; }
		has err.txt "cannot write to standard output: No space left on device" || return 1
	done
	if ls -a | grep -q '\.tmp\.'; then echo "temporary files left"; ls -a; return 1; fi
}

# faults_in_namespace SCRIPT: runs the bash SCRIPT in a private mount
# namespace (its mounts vanish with it), with MLGATE and MLGATE_WRAP.
# Returns 77 when mount namespaces or tmpfs mounts are not allowed.
faults_in_namespace() {
	unshare -m true 2>/dev/null || return 77
	MLGATE=$MLGATE MLGATE_WRAP=${MLGATE_WRAP:-} unshare -m bash -c "$1"
}

# A full file system: the write fails, the previous report is untouched,
# no temporary file is left, the gate is closed and nothing promoted.
test_faults_disk_full() {
	faults_open_suite
	mkdir full
	faults_in_namespace '
		mount -t tmpfs -o size=64k tmpfs full 2>/dev/null || exit 77
		printf "{\"old\": true}\n" > full/r.json
		head -c 1000000 /dev/zero > full/filler 2>/dev/null
		FAULTS_SECRET=x $MLGATE_WRAP "$MLGATE" run --json full/r.json --junit full/j.xml \
			--summary full/s.md --metrics full/m.txt --promote >out.txt 2>err.txt
		echo $? > rc
		cp full/r.json after.json
		ls -A full > list.txt
		exit 0'
	case $? in
	0) ;;
	77) echo "skipped: mounting a tmpfs in a mount namespace is not allowed here"; return 0 ;;
	*) echo "the namespace script failed"; return 1 ;;
	esac
	[ "$(cat rc)" = 3 ] || { echo "exit $(cat rc), expected 3"; cat err.txt; return 1; }
	local f
	for f in r.json j.xml s.md m.txt; do
		has err.txt "mlgate: cannot write 'full/$f': No space left on device" || return 1
	done
	has err.txt "nothing promoted: the reports could not all be written" || return 1
	[ "$(cat after.json)" = '{"old": true}' ] || { echo "the previous report changed:"; cat after.json; return 1; }
	[ "$(tr '\n' ' ' < list.txt)" = "filler r.json " ] || { echo "left in full/:"; cat list.txt; return 1; }
}

# Folders that cannot be written: a path under a file (ENOTDIR), a
# read-only mount (EROFS), and permissions (EACCES: as nobody when root,
# since root ignores them). Each: the path named, exit 3, nothing left.
test_faults_unwritable_folders() {
	faults_open_suite
	touch afile
	expect_exit 3 mlg run --json afile/r.json --junit afile/j.xml || return 1
	has err.txt "mlgate: cannot write 'afile/r.json': Not a directory" || return 1
	has err.txt "mlgate: cannot write 'afile/j.xml': Not a directory" || return 1
	mkdir ro
	faults_in_namespace '
		mount --bind ro ro 2>/dev/null && mount -o remount,bind,ro ro 2>/dev/null || exit 77
		FAULTS_SECRET=x $MLGATE_WRAP "$MLGATE" run --json ro/r.json --summary ro/s.md --promote >out.txt 2>err.txt
		echo $? > rc
		exit 0'
	case $? in
	0)
		[ "$(cat rc)" = 3 ] || { echo "read-only: exit $(cat rc)"; cat err.txt; return 1; }
		has err.txt "mlgate: cannot write 'ro/r.json': Read-only file system" || return 1
		has err.txt "mlgate: cannot write 'ro/s.md': Read-only file system" || return 1
		has err.txt "nothing promoted" || return 1
		;;
	77) echo "read-only mount: skipped (not allowed here)" ;;
	*) return 1 ;;
	esac
	# permissions: a world-readable copy, so that nobody can read the suite
	local dir rc
	dir=$(mktemp -d) && chmod 755 "$dir" && cp mlgate.json data.csv "$dir"/ && mkdir "$dir/locked" &&
		chmod 555 "$dir/locked" || return 1
	if [ "$(id -u)" != 0 ]; then
		mlg run -c "$dir/mlgate.json" --json "$dir/locked/r.json" >out.txt 2>err.txt
		rc=$?
	elif command -v setpriv >/dev/null &&
		setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$MLGATE" -a -r "$dir/mlgate.json" 2>/dev/null; then
		setpriv --reuid=65534 --regid=65534 --clear-groups ${MLGATE_WRAP:-} "$MLGATE" run \
			-c "$dir/mlgate.json" --json "$dir/locked/r.json" >out.txt 2>err.txt
		rc=$?
	else
		echo "permissions: skipped (root, and nobody cannot run $MLGATE through setpriv)"
		rm -rf "$dir"
		return 0
	fi
	[ -z "$(ls -A "$dir/locked")" ] || { echo "left in the locked folder:"; ls -A "$dir/locked"; rc=99; }
	rm -rf "$dir"
	[ "$rc" = 3 ] || { echo "permissions: exit $rc"; cat err.txt; return 1; }
	has err.txt "mlgate: cannot write '$dir/locked/r.json': Permission denied"
}

# A suite whose third check runs for 30 s, between data checks.
faults_slow_suite() {
	faults_suite
	cat > mlgate.json <<'J'
{ "suite": "signals",
  "datasets": { "d": { "path": "data.csv" } },
  "checks": [ { "kind": "data.row_count", "dataset": "d", "min": 1 },
              { "kind": "data.not_null", "dataset": "d", "columns": "id" },
              { "kind": "infra.command", "name": "slow", "run": ["sh", "-c", "echo $$$$ >> pids; exec sleep 30"] },
              { "kind": "model.metric", "file": "metrics.json", "path": "test.auc", "min": 0.5 },
              { "kind": "data.range", "dataset": "d", "column": "amount", "min": 0 } ] }
J
}

# SIGTERM at 10 random moments (0 to 300 ms): exit 130 with four whole
# reports that say the run was interrupted, or, when the signal came
# before mlgate could handle it, killed by it with no report at all.
test_faults_sigterm_at_random_moments() {
	faults_slow_suite
	local i ms pid rc seen130=0
	for i in $(seq 10); do
		rm -f r.json j.xml s.md m.txt
		ms=$((RANDOM % 301))
		# not through mlg(): the signal must reach mlgate itself
		${MLGATE_WRAP:-} "$MLGATE" run -j 2 --json r.json --junit j.xml --summary s.md --metrics m.txt \
			>out.txt 2>err.txt &
		pid=$!
		sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
		kill -TERM $pid
		wait $pid
		rc=$?
		echo "SIGTERM after $ms ms: exit $rc"
		if [ $rc = 143 ]; then
			if ls r.json j.xml s.md m.txt 2>/dev/null | grep -q .; then
				echo "killed by SIGTERM yet reports exist"; return 1
			fi
		elif [ $rc = 130 ]; then
			seen130=$((seen130 + 1))
			jq -e '.interrupted == true and .complete == false and .gate == "closed" and
				(.checks | length == 5) and
				all(.checks[]; .status == "passed" or (.status == "error" and (.message | test("interrupted"))))' \
				r.json >/dev/null || { echo "bad results:"; jq -c '.checks[] | [.status, .message]' r.json; return 1; }
			xmllint --noout --schema "$here/data/spec/junit-mlgate.xsd" j.xml || return 1
			has s.md "(interrupted)" || return 1
			[ "$(tail -1 m.txt)" = "# EOF" ] || { echo "metrics cut short"; tail -3 m.txt; return 1; }
			grep -qx 'mlgate_complete 0' m.txt && grep -qx 'mlgate_gate_open 0' m.txt ||
				{ echo "the metrics do not say incomplete and closed"; return 1; }
			has out.txt "gate closed (interrupted)" || return 1
		else
			echo "exit $rc after SIGTERM"; cat err.txt; return 1
		fi
		if ls -a | grep -q '\.tmp\.'; then echo "temporary files left"; ls -a; return 1; fi
	done
	# the command under test never outlives the run
	sleep 0.3
	if [ -s pids ]; then
		while read -r p; do
			! kill -0 "$p" 2>/dev/null || { echo "the command (pid $p) outlived the run"; return 1; }
		done < pids
	fi
	[ $seen130 -gt 0 ] || echo "note: every SIGTERM came before mlgate handled it"
	return 0
}

# SIGKILL at 10 random moments of a short run: the reports of the run
# before are whole (old or new, never cut); a leftover temporary is a
# hidden ".NAME.tmp.PID.XXXXXX" that no report glob matches.
test_faults_sigkill_keeps_previous_reports() {
	faults_suite
	mlg run -j 1 --json r.json --junit j.xml --summary s.md --metrics m.txt >/dev/null 2>&1
	[ -s r.json ] || { echo "no first report"; return 1; }
	local i ms pid left n=0
	for i in $(seq 10); do
		ms=$((RANDOM % 151))
		${MLGATE_WRAP:-} "$MLGATE" run -j 1 --json r.json --junit j.xml --summary s.md --metrics m.txt \
			>/dev/null 2>&1 &
		pid=$!
		sleep "0.$(printf '%03d' $ms)"
		kill -KILL $pid 2>/dev/null
		wait $pid
		jq -e '.schema == "mlgate.results/v1" and (.checks | length == 5)' r.json >/dev/null ||
			{ echo "SIGKILL after $ms ms: r.json is not whole"; tail -c 200 r.json; return 1; }
		xmllint --noout --schema "$here/data/spec/junit-mlgate.xsd" j.xml 2>/dev/null ||
			{ echo "SIGKILL after $ms ms: j.xml is not whole"; return 1; }
		[ "$(tail -1 m.txt)" = "# EOF" ] || { echo "SIGKILL after $ms ms: m.txt cut"; return 1; }
		for left in .*.tmp.*; do
			[ -e "$left" ] || continue
			[[ $left =~ ^\.(r\.json|j\.xml|s\.md|m\.txt)\.tmp\.$pid\.[A-Za-z0-9]{6}$ ]] ||
				{ echo "unexpected leftover: $left"; return 1; }
			n=$((n + 1))
			rm -f "$left"
		done
		[ "$(echo *.json)" = "metrics.json mlgate.json r.json" ] || { echo "stray report-like files:" *.json; return 1; }
	done
	echo "$n temporary files left by SIGKILL, all hidden and named after their report"
}

# A fatal signal in the middle of writing (SIGXFSZ, from a 1 KiB file size
# limit): the handler removes the temporary file and mlgate still ends by
# that signal; the report before is untouched.
test_faults_signal_while_writing() {
	faults_suite
	printf '{"old": true}\n' > r.json
	(
		ulimit -f 1
		exec ${MLGATE_WRAP:-} "$MLGATE" run -j 1 --json r.json >/dev/null 2>err.txt
	)
	local rc=$?
	[ $rc = $((128 + $(kill -l XFSZ))) ] || { echo "exit $rc, expected death by SIGXFSZ"; cat err.txt; return 1; }
	[ "$(cat r.json)" = '{"old": true}' ] || { echo "the previous report changed"; return 1; }
	if ls -a | grep -q '\.tmp\.'; then echo "temporary file left"; ls -a; return 1; fi
}

# A SIGTERM while a report waits for its reader (a FIFO, as with
# --junit >(upload)): the run had finished, its reports are written whole
# all the same, nothing is promoted, exit 130.
test_faults_sigterm_while_writing_reports() {
	faults_open_suite
	mkfifo pipe.xml
	FAULTS_SECRET=x ${MLGATE_WRAP:-} "$MLGATE" run --json r.json --junit pipe.xml --promote >out.txt 2>err.txt &
	local pid=$! rc i
	# the JSON is written first: then mlgate waits to open the FIFO
	for i in $(seq 300); do [ -e r.json ] && break; sleep 0.1; done
	[ -e r.json ] || { echo "r.json never came"; kill -KILL $pid; return 1; }
	sleep 0.2
	kill -TERM $pid
	sleep 0.2
	timeout 20 cat pipe.xml > got.xml
	wait $pid
	rc=$?
	[ $rc = 130 ] || { echo "exit $rc, expected 130"; cat err.txt; return 1; }
	jq -e '.gate == "open" and .complete' r.json >/dev/null || return 1
	xmllint --noout --schema "$here/data/spec/junit-mlgate.xsd" got.xml || return 1
	has err.txt "nothing promoted: interrupted" || return 1
	! grep -q "127.0.0.1:9" out.txt err.txt || { echo "the registry was called"; return 1; }
}
