# Runs where threads share something: the result of a check that reads two
# datasets, the cancel flag, the choice of the field splitter. In the plain
# build they check the results do not depend on -j; under ThreadSanitizer
# (make check SANITIZE=thread) they are the runs that used to report races
# (sourced by tests/e2e.sh).

# races_csv FILE ROWS: a CSV of ROWS rows whose last record holds a byte that
# is not UTF-8, so a scan fails only once it has read the whole file.
races_csv() {
	awk -v n="$2" 'BEGIN { print "a,b"; for (i = 0; i < n; i++) print i "," i % 7; printf "\377,3\n" }' > "$1"
}

# races_same_at_every_j JOBS...: runs the suite at each -j; every run must
# exit 3 with the same checks (status and message) as the first.
races_same_at_every_j() {
	local j first="" got rc
	for j in "$@"; do
		mlg run -j "$j" --json "r$j.json" >"out$j.txt" 2>&1
		rc=$?
		[ $rc = 3 ] || { echo "-j $j: exit $rc"; cat "out$j.txt"; return 1; }
		got=$(jq -c '[.checks[] | [.status, .message]]' "r$j.json")
		[ -n "$first" ] || first=$got
		[ "$got" = "$first" ] || { echo "-j $j differs:"; echo "$first"; echo "$got"; return 1; }
	done
	echo "$first"
}

# Both datasets of a two-dataset check fail while they are read side by
# side: the check's one result was written by both scans at once (a data
# race, and a double free of its message). The error shown is the one of
# the check's first dataset, at any -j.
test_races_two_datasets_fail_at_once() {
	races_csv train.csv 200000
	races_csv test.csv 200000
	cat > mlgate.json <<'J'
{ "suite": "races",
  "datasets": { "train": { "path": "train.csv" }, "test": { "path": "test.csv" } },
  "checks": [ { "kind": "data.no_overlap", "dataset": "train", "other": "test", "columns": ["a"] },
              { "kind": "data.no_overlap", "dataset": "test", "other": "train", "columns": ["a"] },
              { "kind": "data.row_count", "dataset": "train", "compare_to": "test", "within": 0.1 } ] }
J
	local got
	got=$(races_same_at_every_j 1 2 4) || { echo "$got"; return 1; }
	[ "$got" = '[["error","cannot read dataset '"'train'"': '"'train.csv'"' row 200001 (byte 1688894): invalid UTF-8"],["error","cannot read dataset '"'test'"': '"'test.csv'"' row 200001 (byte 1688894): invalid UTF-8"],["error","cannot read dataset '"'train'"': '"'train.csv'"' row 200001 (byte 1688894): invalid UTF-8"]]' ] ||
		{ echo "unexpected: $got"; return 1; }
}

# Both datasets lack the column: prepare() wrote the shared result from two
# threads. The first dataset's message, at any -j.
test_races_two_datasets_lack_the_column() {
	races_csv train.csv 1000
	races_csv test.csv 1000
	cat > mlgate.json <<'J'
{ "suite": "races",
  "datasets": { "train": { "path": "train.csv" }, "test": { "path": "test.csv" } },
  "checks": [ { "kind": "data.no_overlap", "dataset": "train", "other": "test", "columns": ["nope"] },
              { "kind": "data.no_overlap", "dataset": "test", "other": "train", "columns": ["nope"] } ] }
J
	local got
	got=$(races_same_at_every_j 1 2 3) || { echo "$got"; return 1; }
	[ "$got" = '[["error","dataset '"'train'"' has no column '"'nope'"' (columns: a, b)"],["error","dataset '"'test'"' has no column '"'nope'"' (columns: a, b)"]]' ] ||
		{ echo "unexpected: $got"; return 1; }
}

# SIGINT while several threads poll the cancel flag (two commands waiting,
# a dataset read in parts): the handler's store and the threads' loads must
# be atomic. Exit 130 with whole reports.
test_races_interrupt_while_threads_poll() {
	races_csv d.csv 100000
	cat > mlgate.json <<'J'
{ "suite": "races",
  "datasets": { "d": { "path": "d.csv" } },
  "checks": [ { "kind": "infra.command", "name": "one", "run": ["sh", "-c", "echo $$$$ >> pids; exec sleep 30"] },
              { "kind": "infra.command", "name": "two", "run": ["sh", "-c", "echo $$$$ >> pids; exec sleep 30"] },
              { "kind": "data.row_count", "dataset": "d", "min": 1 } ] }
J
	# not through mlg(): the signal must reach mlgate itself
	${MLGATE_WRAP:-} "$MLGATE" run -j 3 --json r.json --junit j.xml >out.txt 2>err.txt &
	local pid=$! rc
	for _ in $(seq 300); do [ -f pids ] && [ "$(wc -l < pids)" = 2 ] && break; sleep 0.1; done
	[ -f pids ] && [ "$(wc -l < pids)" = 2 ] || { echo "the commands never started"; kill -KILL $pid; return 1; }
	kill -INT $pid
	wait $pid
	rc=$?
	[ $rc = 130 ] || { echo "exit $rc, expected 130"; cat err.txt; return 1; }
	jq -e '.interrupted == true and .gate == "closed" and (.checks | length == 3) and
		.checks[0].status == "error" and .checks[1].status == "error"' r.json >/dev/null ||
		{ jq -c '.checks[] | [.status, .message]' r.json; return 1; }
	xmllint --noout --schema "$here/data/spec/junit-mlgate.xsd" j.xml
}

# The field splitter is chosen on first use, by whichever part threads get
# there first (it was a plain lazily written global). Many parts, both
# splitters, the same results.
test_races_splitter_chosen_by_threads() {
	races_csv d.csv 30000
	sed -i '$d' d.csv
	cat > mlgate.json <<'J'
{ "suite": "races",
  "datasets": { "d": { "path": "d.csv" } },
  "checks": [ { "kind": "data.range", "dataset": "d", "column": "b", "min": 0, "max": 5 },
              { "kind": "data.unique", "dataset": "d", "columns": "a" } ] }
J
	local simd got first=""
	for simd in "" generic; do
		MLGATE_SIMD=$simd MLGATE_SCAN_PART_BYTES=4096 mlg run -j 4 --json r.json >out.txt 2>&1
		[ $? = 1 ] || { cat out.txt; return 1; }
		got=$(jq -c '[.checks[] | [.status, .message, .observed]]' r.json)
		[ -n "$first" ] || first=$got
		[ "$got" = "$first" ] || { echo "MLGATE_SIMD=$simd differs:"; echo "$first"; echo "$got"; return 1; }
	done
	[ "$(jq -r '.checks[0].message' r.json)" = "4285 of 30000 values of b are above 5" ] ||
		{ jq -r '.checks[0].message' r.json; return 1; }
}
