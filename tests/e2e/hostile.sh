# Hostile input too large to commit, or needing links, the environment, a
# listener or GitHub Actions' variables. The small cases are golden ones in
# tests/data/hostile/ (see its README.md). Sourced by tests/e2e.sh; every
# test runs in its own empty folder.

# hostile_run RC ARGS...: runs mlgate, output in out.txt, and wants exit RC.
hostile_run() {
	local want=$1 rc
	shift
	mlg "$@" >out.txt 2>&1
	rc=$?
	[ "$rc" = "$want" ] && return 0
	echo "exit $rc, expected $want: mlgate $*"
	tail -20 out.txt
	return 1
}

# hostile_has FILE TEXT: FILE holds TEXT (fixed string).
hostile_has() {
	grep -qF -- "$2" "$1" && return 0
	echo "'$1' lacks: $2"
	head -c 3000 "$1"
	return 1
}

# hostile_rss_kb ARGS...: runs mlgate ARGS and prints its peak resident set
# size in KiB on fd 3: GNU time's when installed, else the kernel's
# high-water mark (VmHWM in /proc) polled while it runs; mlgate's exit code
# is returned. Under MLGATE_WRAP (valgrind) the figure means nothing: 0.
hostile_rss_kb() {
	local rc pid hwm=0 now
	if [ -n "${MLGATE_WRAP:-}" ]; then
		mlg "$@"
		rc=$?
		echo 0 >&3
		return "$rc"
	fi
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%M' -o rss.txt "$MLGATE" "$@"
		rc=$?
		tail -1 rss.txt >&3
		return "$rc"
	fi
	"$MLGATE" "$@" &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		now=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
		[ -n "$now" ] && hwm=$now
		sleep 0.05
	done
	wait "$pid"
	rc=$?
	echo "$hwm" >&3
	return "$rc"
}

# A 100 MB field: read when a check needs it, never copied into reports
# whole, never kept in memory more than once per reader.
test_hostile_huge_field() {
	local rss
	{
		printf 'id,big,label\n1,'
		head -c 100000000 /dev/zero | tr '\0' 'x'
		printf ',1\n2,b,0\n'
	} > big.csv
	cat > mlgate.json <<'EOF'
{ "datasets": { "d": { "path": "big.csv" } },
  "checks": [ { "kind": "data.row_count", "dataset": "d", "min": 2, "max": 2 },
              { "kind": "data.range", "dataset": "d", "column": "label", "min": 0, "max": 1 },
              { "kind": "data.not_null", "dataset": "d", "columns": ["id", "label"] } ] }
EOF
	# checks that do not read the field: a clean pass; the file is mapped,
	# so its pages count towards RSS but are the page cache's
	rss=$(hostile_rss_kb run -j 2 --json r.json 3>&1 >out.txt 2>&1) || { tail out.txt; return 1; }
	echo "not reading the 100 MB field: peak RSS ${rss} KiB"
	[ "$(jq -r '[.checks[].status] | unique | join(",")' r.json)" = passed ] || { jq -c '.checks[]|{status,message}' r.json; return 1; }
	# (a sanitizer's shadow memory counts too: the plain build checks the bound)
	[ -n "${E2E_SANITIZER:-}" ] || [ "$rss" -lt 400000 ] || { echo "peak RSS ${rss} KiB"; return 1; }
	# a check that reads it: the right verdict, and an example cut short
	cat > mlgate.json <<'EOF'
{ "datasets": { "d": { "path": "big.csv" } },
  "checks": [ { "kind": "data.length", "dataset": "d", "column": "big", "max": 10 },
              { "kind": "data.unique", "dataset": "d", "columns": "big" } ] }
EOF
	rss=$(hostile_rss_kb run -j 2 --json r.json --junit j.xml --summary s.md 3>&1 >out.txt 2>&1)
	[ $? = 1 ] || { tail out.txt; return 1; }
	echo "reading the 100 MB field: peak RSS ${rss} KiB"
	[ "$(jq -r '.checks[0].message' r.json)" = "1 of 2 values of big are longer than 10 characters" ] || { jq -c '.checks[0]' r.json | head -c 500; return 1; }
	[ "$(jq -r '.checks[0].examples[0].reason' r.json)" = "100000000 characters, more than 10" ] || return 1
	[ "$(jq -r '.checks[1].status' r.json)" = passed ] || return 1
	[ "$(stat -c %s r.json)" -lt 100000 ] || { echo "results.json holds the field: $(stat -c %s r.json) bytes"; return 1; }
	[ "$(stat -c %s j.xml)" -lt 100000 ] || { echo "junit.xml holds the field: $(stat -c %s j.xml) bytes"; return 1; }
	[ "$(stat -c %s out.txt)" -lt 100000 ] || { echo "the terminal report holds the field"; return 1; }
	[ -n "${E2E_SANITIZER:-}" ] || [ "$rss" -lt 1000000 ] || { echo "peak RSS ${rss} KiB"; return 1; }
	# streamed (gzip): the reader's window grows to hold the one record
	gzip -1 -c big.csv > big.csv.gz && rm big.csv
	sed -i 's/"big.csv"/"big.csv.gz"/' mlgate.json
	rss=$(hostile_rss_kb run -j 2 --json r.json 3>&1 >out.txt 2>&1)
	[ $? = 1 ] || { tail out.txt; return 1; }
	echo "gzip, reading the 100 MB field: peak RSS ${rss} KiB"
	[ "$(jq -r '.checks[0].message' r.json)" = "1 of 2 values of big are longer than 10 characters" ] || return 1
	[ -n "${E2E_SANITIZER:-}" ] || [ "$rss" -lt 1000000 ] || { echo "peak RSS ${rss} KiB"; return 1; }
}

# 10,000 columns: found by name, typed, and named properly in errors.
test_hostile_10000_columns() {
	python3 - <<'EOF' || return 1
n = 10000
with open('wide.csv', 'w') as f:
    f.write(','.join('c%d' % i for i in range(1, n + 1)) + '\n')
    for r in range(50):
        row = [str(r * n + i) for i in range(1, n + 1)]
        if r == 7:
            row[9998] = ''  # c9999 is null in row 8
        f.write(','.join(row) + '\n')
EOF
	cat > mlgate.json <<'EOF'
{ "datasets": { "w": { "path": "wide.csv" } },
  "checks": [
    { "kind": "data.schema", "dataset": "w", "columns": { "c1": "int", "c5000": "int", "c10000": "int" } },
    { "kind": "data.not_null", "dataset": "w", "columns": ["c1", "c9999", "c10000"] },
    { "kind": "data.range", "dataset": "w", "column": "c10000", "min": 0, "max": 1e9 },
    { "kind": "data.not_null", "dataset": "w", "columns": "c10001" }
  ] }
EOF
	SECONDS=0
	hostile_run 1 run -j 2 --json r.json || return 1
	[ "$SECONDS" -lt 30 ] || { echo "took ${SECONDS}s"; return 1; }
	[ "$(jq -r '.checks[0].status' r.json)" = passed ] || { jq -c '.checks[0]' r.json | head -c 600; return 1; }
	[ "$(jq -r '.checks[1].message' r.json)" = "1 of 50 values of c9999 are null (98% non-null, expected at least 100%)" ] || { jq -r '.checks[1].message' r.json; return 1; }
	[ "$(jq -r '.checks[2].message' r.json)" = "all 50 values of c10000 are in range (observed 10000 to 500000)" ] || { jq -r '.checks[2].message' r.json; return 1; }
	# a missing column: the first 20 names and the count, not 10,000 names
	[ "$(jq -r '.checks[3].message' r.json)" = "dataset 'w' has no column 'c10001' (columns: c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15, c16, c17, c18, c19, c20, ... (10000 in all))" ] || { jq -r '.checks[3].message' r.json; return 1; }
	# a row with one field too many names its row and what the header has
	printf '%s,extra\n' "$(sed -n 2p wide.csv)" >> wide.csv
	hostile_run 3 run -j 2 --json r.json || return 1
	[ "$(jq -r '.checks[0].message' r.json)" = "cannot read dataset 'w': 'wide.csv' row 51 (line 52, byte $(head -51 wide.csv | wc -c)): expected 10000 fields as in the header, found 10001" ] || { jq -r '.checks[0].message' r.json; return 1; }
}

# 100,000 levels of [ or {: a clear error with a position, no stack overflow.
test_hostile_deep_nesting() {
	local open close
	open=$(head -c 100000 /dev/zero | tr '\0' '[')
	close=$(head -c 100000 /dev/zero | tr '\0' ']')
	printf '{ "checks": %s%s }\n' "$open" "$close" > mlgate.json
	hostile_run 2 validate || return 1
	hostile_has out.txt "mlgate.json:1:524: invalid JSON: nested too deeply" || return 1
	printf '{ "checks": [], "x": %s }\n' "$(head -c 100000 /dev/zero | sed 's/\x0/{"a":/g')" > mlgate.json
	hostile_run 2 validate || return 1
	hostile_has out.txt "mlgate.json:1:" || return 1
	hostile_has out.txt "invalid JSON: nested too deeply" || return 1
	# a JSON Lines line, a metrics file, a reference profile, golden cases
	printf '{"id": 1}\n{"id": %s%s}\n' "$open" "$close" > d.jsonl
	printf '{"auc": 0.9, "x": %s%s}\n' "$open" "$close" > m.json
	printf '{"x": %s%s}\n' "$open" "$close" > profile.json
	printf '{"request": %s%s, "expected": {}}\n' "$open" "$close" > cases.jsonl
	printf 'x\n1\n' > x.csv
	cat > mlgate.json <<'EOF'
{ "datasets": { "d": { "path": "d.jsonl" }, "x": { "path": "x.csv" } },
  "checks": [ { "kind": "data.row_count", "dataset": "d", "min": 1 },
              { "kind": "model.metric", "file": "m.json", "path": "auc", "min": 0.5 },
              { "kind": "data.drift", "dataset": "x", "columns": "x", "reference_profile": "profile.json" },
              { "kind": "infra.http", "url": "http://127.0.0.1:9/", "cases": "cases.jsonl" } ] }
EOF
	hostile_run 3 run --json r.json || return 1
	[ "$(jq -r '.checks[0].message' r.json)" = "cannot read dataset 'd': 'd.jsonl' row 2 (line 2, byte 80): invalid JSON: nesting deeper than 64 levels" ] || { jq -r '.checks[0].message' r.json; return 1; }
	[ "$(jq -r '.checks[1].message' r.json)" = "'m.json' is not valid JSON: nested too deeply (line 1, column 530)" ] || { jq -r '.checks[1].message' r.json; return 1; }
	[ "$(jq -r '.checks[2].status' r.json)" = error ] || return 1
	hostile_has out.txt "reference_profile 'profile.json' is not valid JSON" || return 1
	[ "$(jq -r '.checks[3].message' r.json)" = "cases 'cases.jsonl' line 1 is not valid JSON: nested too deeply (column 524)" ] || { jq -r '.checks[3].message' r.json; return 1; }
	# results given to merge and promote
	printf '{"schema": "mlgate.results/v1", "x": %s%s}\n' "$open" "$close" > deep-results.json
	hostile_run 2 merge -o merged.json deep-results.json deep-results.json || return 1
	hostile_has out.txt "'deep-results.json' is not JSON" || return 1
	[ ! -e merged.json ] || { echo "merge wrote a result from deep input"; return 1; }
}

# ${VAR} is expanded once: a value holding ${OTHER} or $(...) stays literal.
test_hostile_env_expanded_once() {
	printf '{"auc": 0.9}\n' > m.json
	cat > mlgate.json <<'EOF'
{ "suite": "${HOSTILE_FOO}",
  "checks": [ { "kind": "model.metric", "file": "m.json", "path": "auc", "min": 0.5,
                "name": "${HOSTILE_CMD} ${HOSTILE_UNSET_REF} ${HOSTILE_BAR}" } ] }
EOF
	HOSTILE_FOO='${HOSTILE_BAR}' HOSTILE_BAR=x HOSTILE_CMD='$(touch pwned)' HOSTILE_UNSET_REF='${HOSTILE_NOT_SET_AT_ALL}' \
		hostile_run 0 run --json r.json || return 1
	[ "$(jq -r '.suite' r.json)" = '${HOSTILE_BAR}' ] || { jq -r .suite r.json; return 1; }
	[ "$(jq -r '.checks[0].name' r.json)" = '$(touch pwned) ${HOSTILE_NOT_SET_AT_ALL} x' ] || { jq -r '.checks[0].name' r.json; return 1; }
	[ ! -e pwned ] || { echo "a value ran as a command"; return 1; }
}

# Symbolic links out of the suite's folder are caught; links inside it are fine.
test_hostile_symlink_escapes() {
	mkdir -p suite/data outside
	printf 'a\n1\n' > outside/x.csv
	printf 'a\n1\n' > suite/data/in.csv
	printf '{"auc": 0.9}\n' > outside/m.json
	ln -s ../../outside suite/data/shared
	ln -s in.csv suite/data/alias.csv
	ln -s /etc/passwd suite/passwd.csv
	ln -s loop-b suite/loop-a && ln -s loop-a suite/loop-b
	ln -s ../outside/m.json suite/m.json
	cat > suite/mlgate.json <<'EOF'
{ "datasets": {
    "in": { "path": "data/in.csv" },
    "alias": { "path": "data/alias.csv" },
    "shared": { "path": "data/shared/x.csv" },
    "passwd": { "path": "passwd.csv" },
    "loop": { "path": "loop-a" }
  },
  "checks": [ { "kind": "data.row_count", "dataset": "in", "min": 1 },
              { "kind": "model.metric", "file": "m.json", "path": "auc", "min": 0.5 } ] }
EOF
	hostile_run 2 validate -c suite/mlgate.json || return 1
	hostile_has out.txt "suite/mlgate.json:4:17: datasets.shared.path: dataset 'shared': 'data/shared/x.csv' leads outside the suite's folder '$PWD/suite' through a symbolic link (to '$PWD/outside/x.csv'); to allow it: \"paths\": {\"allow_outside\": [\"$PWD/outside\"]}" || return 1
	hostile_has out.txt "datasets.passwd.path: dataset 'passwd': 'passwd.csv' leads outside the suite's folder '$PWD/suite' through a symbolic link (to '/etc/passwd')" || return 1
	hostile_has out.txt "checks[1].file: parameter of model.metric 'file': 'm.json' leads outside the suite's folder '$PWD/suite' through a symbolic link (to '$PWD/outside/m.json')" || return 1
	hostile_has out.txt "has 3 problems" || return 1
	# allowing the target folder (and /etc) lets the same suite load; the loop
	# is inside, and ends as an error when read, not as a hang
	sed -i '1s|^{|{ "paths": { "allow_outside": ["../outside", "/etc"] },|' suite/mlgate.json
	hostile_run 0 validate -c suite/mlgate.json || return 1
	printf '{ "datasets": { "loop": { "path": "loop-a" } }, "checks": [ { "kind": "data.row_count", "dataset": "loop", "min": 1 } ] }\n' > suite/loop.json
	hostile_run 3 run -c suite/loop.json --json r.json || return 1
	hostile_has r.json "Too many levels of symbolic links" || return 1
	# a suite reached through a link to its folder: paths stay relative to it
	ln -s suite via
	hostile_run 0 run -c via/mlgate.json --json r.json || return 1
}

# infra.reproducible deletes its outputs before each run: an output that is a
# link to a folder elsewhere loses the link, never the files it points to.
test_hostile_reproducible_clean_keeps_link_targets() {
	mkdir -p suite victim
	echo keep > victim/precious.txt
	ln -s ../victim suite/out
	cat > suite/mlgate.json <<'EOF2'
{ "checks": [ { "kind": "infra.reproducible", "run": ["sh", "-c", "mkdir -p out2 && echo 1 > out2/a"],
                "outputs": ["out", "out2"], "runs": 2, "isolation": "clean" } ] }
EOF2
	hostile_run 1 run -c suite/mlgate.json --json r.json || return 1
	[ "$(jq -r '.checks[0].message' r.json)" = "'out' was not written by any of the 2 runs" ] || { jq -r '.checks[0].message' r.json; return 1; }
	[ "$(cat victim/precious.txt)" = keep ] || { echo "a file behind a link was deleted"; return 1; }
}

# Text from data files, suite names and commands cannot start a workflow
# command in GitHub Actions' log: it is inside ::stop-commands:: or escaped.
test_hostile_github_workflow_commands() {
	local token
	hostile_untrusted_suite || return 1
	: > gh-out.txt
	GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY=$PWD/gh-summary.md GITHUB_OUTPUT=$PWD/gh-out.txt \
		mlg run --json r.json >out.txt 2>&1
	[ $? = 1 ] || { tail -20 out.txt; return 1; }
	token=$(sed -n 's/^::stop-commands::\(.*\)$/\1/p' out.txt)
	[ -n "$token" ] || { echo "no stop-commands"; return 1; }
	# outside the stopped region, every workflow command is one of ours
	awk -v t="::$token::" '
		NR == 1 && $0 != "::stop-commands::" substr(t, 3, length(t) - 4) { bad = 1; print "first line: " $0 }
		$0 == t { resumed = 1; next }
		resumed && /^::/ && !/^::(error|warning) file=mlgate\.json,line=[0-9]+,title=mlgate / && !/^::notice title=mlgate::/ { bad = 1; print "not ours: " $0 }
		resumed && !/^::/ { bad = 1; print "a plain line after the region: " $0 }
		END { exit bad }' out.txt || return 1
	# the annotations carry data escaped: no raw newline, CR or % in them
	! grep -q '^::set-\|^::add-mask\|^::stop-commands::[^m]' <(sed -n "/^::$token::\$/,\$p" out.txt) || return 1
	hostile_has out.txt "%0A" || return 1
	# step outputs: our four keys, nothing from data
	[ "$(cut -d= -f1 gh-out.txt | sort | tr '\n' ' ')" = "errors failed gate passed " ] || { cat gh-out.txt; return 1; }
	hostile_summary_is_inert gh-summary.md
}

# The Markdown summary: nothing from data, names or commands renders as markup.
test_hostile_summary_escapes_everything() {
	hostile_untrusted_suite || return 1
	mlg run --summary s.md >out.txt 2>&1
	[ $? = 1 ] || { tail -20 out.txt; return 1; }
	hostile_summary_is_inert s.md
}

# Nothing in a data file runs a command: values that look like shell are
# only ever data, whatever report shows them.
test_hostile_no_command_from_data() {
	hostile_untrusted_suite || return 1
	GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY=$PWD/gh.md mlg run --json r.json --junit j.xml --summary s.md --metrics m.txt >out.txt 2>&1
	[ $? = 1 ] || { tail -20 out.txt; return 1; }
	for f in pwned pwned2 pwned3; do
		[ ! -e "$f" ] || { echo "'$f' was created: data ran as a command"; return 1; }
	done
	hostile_has r.json '$(touch pwned)' || return 1
}

# Nothing in a data file makes mlgate reach a URL the suite did not name.
test_hostile_no_url_from_data() {
	local port pid
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	# a listener that records every connection, and stops by itself
	python3 - "$port" >listener.log 2>&1 <<'EOF' &
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16); s.settimeout(0.2)
end = time.time() + 60
open("listening", "w").close()
while time.time() < end:
    try:
        c, _ = s.accept()
    except socket.timeout:
        continue
    with open("connections", "a") as f:
        f.write("connection\n")
    c.close()
EOF
	pid=$!
	for _ in $(seq 50); do [ -e listening ] && break; sleep 0.1; done
	local url="http://127.0.0.1:$port"
	printf '{"auc": 0.9, "url": "%s/m", "$ref": "%s/schema.json", "$schema": "%s/s", "links": {"href": "%s/x"}}\n' "$url" "$url" "$url" "$url" > m.json
	printf 'id,site\n1,%s/a\n2,"<img src=%s/b>"\n3,"![x](%s/c.png)"\n' "$url" "$url" "$url" > d.csv
	printf '{"id": 1, "site": "%s/j"}\n' "$url" > d.jsonl
	cat > dtd.xml <<EOF
<?xml version="1.0"?>
<!DOCTYPE testsuite SYSTEM "$url/evil.dtd">
<testsuite name="s" tests="1"><testcase name="t" classname="c"/></testsuite>
EOF
	cat > ent.xml <<EOF
<?xml version="1.0"?>
<!DOCTYPE testsuite [ <!ENTITY e SYSTEM "$url/entity"> ]>
<testsuite name="s" tests="1"><testcase name="t" classname="c"><failure message="&e;"/></testcase></testsuite>
EOF
	cat > xi.xml <<EOF
<?xml version="1.0"?>
<testsuite xmlns:xi="http://www.w3.org/2001/XInclude" name="s" tests="1"><testcase name="t" classname="c"><failure message="m"><xi:include href="$url/xi"/></failure></testcase></testsuite>
EOF
	cat > ns.xml <<EOF
<?xml version="1.0"?>
<testsuite xmlns="$url/ns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="$url/ns $url/s.xsd" name="s" tests="1"><testcase name="t" classname="c"/></testsuite>
EOF
	cat > mlgate.json <<'EOF'
{ "datasets": { "c": { "path": "d.csv" }, "j": { "path": "d.jsonl" } },
  "checks": [ { "kind": "model.metric", "file": "m.json", "path": "auc", "min": 0.5 },
              { "kind": "data.allowed_values", "dataset": "c", "column": "site", "values": ["x"] },
              { "kind": "data.pattern", "dataset": "j", "column": "site", "regex": "^x$" },
              { "kind": "infra.junit", "file": "dtd.xml" },
              { "kind": "infra.junit", "file": "ent.xml" },
              { "kind": "infra.junit", "file": "xi.xml" },
              { "kind": "infra.junit", "file": "ns.xml" } ] }
EOF
	mlg run --json r.json --junit j.xml --summary s.md >out.txt 2>&1
	local rc=$?
	sleep 0.3
	[ "$rc" = 1 ] || { kill "$pid"; echo "exit $rc"; tail -20 out.txt; return 1; }
	[ -e listening ] || { kill "$pid"; echo "the listener did not start"; cat listener.log; return 1; }
	if [ -s connections ]; then
		kill "$pid"
		echo "mlgate connected to a URL named only in data: $(wc -l < connections) time(s)"
		return 1
	fi
	# the listener does see a connection: its silence above means something
	curl -s -m 2 "$url/" >/dev/null 2>&1
	for _ in $(seq 20); do [ -s connections ] && break; sleep 0.1; done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	[ -s connections ] || { echo "the listener saw no connection at all"; return 1; }
}

# A suite whose data, names and command output are all hostile (shared by
# the tests above).
hostile_untrusted_suite() {
	printf 'id,<img src=x onerror=alert(1)>,"**bold** [l](http://127.0.0.1:9/)"\n' > d.csv
	printf '1,"x\n::set-env name=PWNED::1","::add-mask::secret"\n' >> d.csv
	printf '2,"::set-output name=gate::open","%%0A::error::boom%%0D"\n' >> d.csv
	printf '3,"$(touch pwned)","`touch pwned2`; touch pwned3"\n' >> d.csv
	printf '4,"<details><summary>x</summary>","| a | b |"\n' >> d.csv
	printf '5,"x\r::warning::cr","::stop-commands::fake"\n' >> d.csv
	cat > junit-in.xml <<'EOF'
<?xml version="1.0"?>
<testsuite name="s" tests="2">
  <testcase name="t1&#10;::set-output name=gate::open" classname="c"><failure message="::add-mask::x&#10;::error::from junit">&lt;script&gt;</failure></testcase>
  <testcase name="**t2** &lt;img src=x&gt;" classname="c"><failure message="[link](http://127.0.0.1:9/)"/></testcase>
</testsuite>
EOF
	cat > mlgate.json <<'EOF'
{ "suite": "hostile <b>suite</b> | ::warning::",
  "datasets": { "d": { "path": "d.csv" } },
  "checks": [
    { "kind": "data.allowed_values", "dataset": "d", "column": "<img src=x onerror=alert(1)>", "values": ["ok"] },
    { "kind": "data.pattern", "dataset": "d", "column": "**bold** [l](http://127.0.0.1:9/)", "regex": "^ok$" },
    { "kind": "data.not_null", "dataset": "d", "columns": "no such <script>", "name": "name\n::set-output name=gate::open <b>x</b>" },
    { "kind": "infra.command", "name": "cmd **x** [y](http://127.0.0.1:9/)", "run": ["sh", "-c", "printf '::set-output name=gate::open\\n::add-mask::x\\n<script>alert(1)</script>\\n'; touch /dev/null; exit 1"] },
    { "kind": "infra.junit", "file": "junit-in.xml" }
  ] }
EOF
}

# hostile_summary_is_inert FILE: no markup, link, table or HTML from data.
hostile_summary_is_inert() {
	local f=$1
	[ -s "$f" ] || { echo "no summary"; return 1; }
	! grep -q '<img\|<script\|<b>\|<details><summary>x' "$f" || { echo "raw HTML from data in $f"; grep -n '<img\|<script\|<b>\|<details><summary>x' "$f" | head; return 1; }
	! grep -q '](http' "$f" || { echo "a link from data in $f"; grep -n '](http' "$f" | head; return 1; }
	! grep -q '\*\*bold\|\*\*x\*\*\|\*\*t2' "$f" || { echo "emphasis from data in $f"; return 1; }
	! grep -q '^::' "$f" || { echo "a workflow command line in $f"; return 1; }
	! grep -q '| a | b |' "$f" || { echo "a table row from data in $f"; return 1; }
	hostile_has "$f" '&lt;img src=x onerror=alert(1)&gt;'
}

# A registry's error answer is quoted in the promotion's failure message:
# its ESC, CR, newlines, bidirectional and C1 controls and "::" lines are
# shown escaped, on one bounded line (runner/promote.c, promote_send.c).
test_hostile_registry_error_message_escaped() {
	local port pid rc longest
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	cat > server.py <<'EOF'
import http.server, json, sys, time
msg = "bad\n::add-mask::leak\r\x1b[2K\x1b[1Gok \u202egnp.exe \u0085x" + "y" * 5000
body = json.dumps({"error_code": "INVALID_PARAMETER_VALUE\n::error::forged", "message": msg}).encode()
if sys.argv[2] == "plain":
    body = ("<html>\n::add-mask::plain\r\x1b[31m \u202eevil \u2066x\u2069 \u0085 </html>").encode()
class H(http.server.BaseHTTPRequestHandler):
    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_GET = do_POST = do_PATCH = do_DELETE = answer
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H)
s.timeout = 0.2
open("listening", "w").close()
end = time.time() + 60
while time.time() < end:
    s.handle_request()
EOF
	printf '{"auc": 0.9}\n' > m.json
	cat > mlgate.json <<EOF
{ "checks": [ { "kind": "model.metric", "file": "m.json", "path": "auc", "min": 0.5 } ],
  "gate": { "promote": [ { "registry": "mlflow", "url": "http://127.0.0.1:$port", "model": "m",
                           "version": "1", "alias": "champion", "attempts": 1 } ] } }
EOF
	for mode in json plain; do
		rm -f listening
		python3 server.py "$port" "$mode" >listener.log 2>&1 &
		pid=$!
		for _ in $(seq 50); do [ -e listening ] && break; sleep 0.1; done
		MLFLOW_TRACKING_TOKEN=t GITHUB_ACTIONS= mlg run --promote >out.txt 2>&1
		rc=$?
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		[ "$rc" = 4 ] || { echo "$mode: exit $rc, expected 4"; cat -A out.txt | tail; return 1; }
		! grep -q '^::' out.txt || { echo "$mode: the registry's answer forged a workflow command"; grep -n '^::' out.txt; return 1; }
		! grep -q $'[\r\033]' out.txt || { echo "$mode: raw control characters from the registry"; cat -A out.txt; return 1; }
		! grep -q $'\u202e\|\u2066\|\xc2\x85' out.txt || { echo "$mode: raw bidi or C1 controls from the registry"; return 1; }
		if [ "$mode" = json ]; then
			hostile_has out.txt 'HTTP 400 from MLflow: INVALID_PARAMETER_VALUE\n::error::forged: bad\n::add-mask::leak\r\x1B[2K\x1B[1Gok \u202Egnp.exe \u0085xyyy' || return 1
			# bounded: the 5,000 bytes of "y" are cut
			longest=$(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' out.txt)
			[ "$longest" -lt 1200 ] || { echo "a line of $longest bytes"; return 1; }
			hostile_has out.txt 'yyy...' || return 1
		else
			# the body excerpt (not JSON): the same escapes
			hostile_has out.txt '::add-mask::plain' || return 1
			hostile_has out.txt '\u202Eevil \u2066x\u2069 \u0085' || return 1
		fi
	done
}

# --- pending: bugs in files the hostile helper does not own ----------------
# Not run (their names do not start with test_): rename to test_hostile_*
# once fixed. See tests/data/hostile/README.md.

# The terminal report prints names, messages and command output with raw
# control characters: ESC sequences recolour or rewrite the log, CR
# overwrites a line, and a newline in a name forges a line of its own.
test_hostile_terminal_escapes_controls() {
	hostile_untrusted_suite || return 1
	printf '6,"\033[2K\033[1Gok","x"\n' >> d.csv
	mlg run >out.txt 2>&1
	[ $? = 1 ] || return 1
	! grep -q $'\033' out.txt || { echo "raw ESC in the terminal report"; grep -n $'\033' out.txt | cat -v | head; return 1; }
	! grep -q $'\r' out.txt || { echo "raw CR in the terminal report"; return 1; }
	! grep -q '^::set-output' out.txt || { echo "a name or value forged a line"; grep -n '^::set-output' out.txt; return 1; }
}

# A value far past any sensible length is cut in every report, not only in
# examples: data.allowed_values copies it whole into observed.unexpected.
test_hostile_report_values_bounded() {
	{ printf 'id,v\n1,'; head -c 1000000 /dev/zero | tr '\0' 'x'; printf '\n2,b\n'; } > d.csv
	cat > mlgate.json <<'EOF'
{ "datasets": { "d": { "path": "d.csv" } },
  "checks": [ { "kind": "data.allowed_values", "dataset": "d", "column": "v", "values": ["b"] },
              { "kind": "data.distinct", "dataset": "d", "column": "v", "max": 1 },
              { "kind": "data.class_balance", "dataset": "d", "column": "v", "min_share": 0.9 } ] }
EOF
	mlg run --json r.json --junit j.xml >out.txt 2>&1
	[ $? = 1 ] || { tail out.txt; return 1; }
	[ "$(stat -c %s r.json)" -lt 100000 ] || { echo "results.json: $(stat -c %s r.json) bytes"; return 1; }
	[ "$(stat -c %s j.xml)" -lt 100000 ] || { echo "junit.xml: $(stat -c %s j.xml) bytes"; return 1; }
	[ "$(stat -c %s out.txt)" -lt 100000 ] || { echo "terminal: $(stat -c %s out.txt) bytes"; return 1; }
}

# Suite errors are printed before ::stop-commands:: and carry ${VAR} values
# (a pull request's title in an environment variable, say) as they are: a
# newline in one starts a workflow command line of its own.
test_hostile_suite_errors_escape_controls() {
	printf '{ "checks": [ { "kind": "${HOSTILE_KIND}" } ] }\n' > mlgate.json
	HOSTILE_KIND=$'nope\n::add-mask::leak\r\033[2K' GITHUB_ACTIONS=true mlg run >out.txt 2>&1
	[ $? = 2 ] || return 1
	! grep -q '^::add-mask' out.txt || { echo "a suite error forged a workflow command"; cat -A out.txt | head -3; return 1; }
	! grep -q $'[\r\033]' out.txt || { echo "raw control characters in a suite error"; return 1; }
	hostile_has out.txt "unknown check kind 'nope\\n::add-mask::leak\\r\\x1B[2K'"
}

# Every command's errors quote arguments and paths as one escaped line: a
# newline in a file name cannot start a workflow command of its own.
test_hostile_cli_errors_escape_controls() {
	printf '{ "checks": [] }\n' > mlgate.json
	mlg validate "$(printf 'x\n::add-mask::leak\033[2K')" >out.txt 2>&1
	[ $? = 2 ] || { cat out.txt; return 1; }
	! grep -q '^::add-mask' out.txt || { echo "an argument forged a workflow command"; return 1; }
	! grep -q $'\033' out.txt || { echo "raw ESC in an error"; return 1; }
	hostile_has out.txt "unexpected argument 'x\\n::add-mask::leak\\x1B[2K'"
}
