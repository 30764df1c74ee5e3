# Scripted end-to-end tests of the command line (sourced by tests/e2e.sh).
# Each test_* runs in a fresh empty folder; a non-zero return fails it.

# expect_exit CODE CMD...: runs CMD, output to out.txt/err.txt, checks the code.
expect_exit() {
	local want=$1 rc
	shift
	"$@" >out.txt 2>err.txt
	rc=$?
	if [ "$rc" != "$want" ]; then
		echo "exit $rc, expected $want: $*"
		echo "--- stdout"; tail -20 out.txt
		echo "--- stderr"; tail -20 err.txt
		return 1
	fi
}

# has FILE TEXT: FILE contains TEXT.
has() {
	grep -qF -- "$2" "$1" || { echo "'$1' lacks: $2"; echo "--- $1:"; head -30 "$1"; return 1; }
}

write_data() {
	printf 'id,amount,country\n1,10.5,DE\n2,20,FR\n3,,US\n' > data.csv
	printf '{"test": {"auc": 0.91}}\n' > metrics.json
}

test_help_every_command() {
	local cmds
	cmds=$(mlg --help | awk '/^commands:/ {on=1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on=0}')
	[ -n "$cmds" ] || { echo "no commands listed"; return 1; }
	for c in $cmds; do
		expect_exit 0 mlg "$c" --help || return 1
		has out.txt "usage: mlgate $c" || return 1
	done
}

test_commands_documented_in_readme() {
	for c in $(mlg --help | awk '/^commands:/ {on=1; next} on && /^  [a-z]/ {print $1}'); do
		grep -q "mlgate $c" "$root/README.md" || { echo "README lacks 'mlgate $c'"; return 1; }
	done
	for opt in $(mlg run --help | grep -o -- '--[a-z-]*' | sort -u); do
		grep -qF -- "$opt" "$root/README.md" || { echo "README lacks run option $opt"; return 1; }
	done
}

test_exit_0_gate_open() {
	write_data
	cat > mlgate.json <<'J'
{ "datasets": { "d": { "path": "data.csv" } },
  "checks": [ { "kind": "data.row_count", "dataset": "d", "min": 1 },
              { "kind": "model.metric", "file": "metrics.json", "path": "test.auc", "min": 0.9 } ] }
J
	expect_exit 0 mlg run || return 1
	has out.txt "gate open"
}

test_exit_1_gate_closed() {
	write_data
	cat > mlgate.json <<'J'
{ "datasets": { "d": { "path": "data.csv" } },
  "checks": [ { "kind": "data.not_null", "dataset": "d", "columns": "amount" },
              { "kind": "model.metric", "file": "metrics.json", "path": "test.auc", "min": 0.95 } ] }
J
	expect_exit 1 mlg run || return 1
	has out.txt "1 of 3 values of amount are null" || return 1
	has out.txt "test.auc = 0.91, expected at least 0.95" || return 1
	has out.txt "gate closed"
}

test_exit_1_warning_keeps_gate_open() {
	write_data
	cat > mlgate.json <<'J'
{ "datasets": { "d": { "path": "data.csv" } },
  "checks": [ { "kind": "data.not_null", "dataset": "d", "columns": "amount", "severity": "warn" } ] }
J
	expect_exit 0 mlg run --json r.json || return 1
	[ "$(jq -r '.summary.warnings' r.json)" = 1 ] || { echo "warnings not counted"; return 1; }
	[ "$(jq -r '.gate' r.json)" = open ]
}

test_exit_2_invalid_suite_lists_every_error() {
	write_data
	cat > mlgate.json <<'J'
{
  // three problems, in three places
  "datasets": { "d": { "path": "data.csv" } },
  "checks": [
    { "kind": "data.rnage", "dataset": "d", "column": "amount" },
    { "kind": "data.range", "dataset": "nope", "column": "amount", "min": 0 },
    { "kind": "model.metric", "file": "metrics.json", "path": "test.auc",
      "mni": 0.9, "max": "high" }
  ]
}
J
	expect_exit 2 mlg validate || return 1
	has err.txt "mlgate.json:5:7: checks[0].kind: unknown check kind 'data.rnage': did you mean 'data.range'?" || return 1
	has err.txt "mlgate.json:6:29: checks[1].dataset: dataset 'nope' is not declared" || return 1
	has err.txt "mlgate.json:8:7: checks[2].mni: unknown parameter of model.metric 'mni': did you mean 'min'?" || return 1
	has err.txt "mlgate.json:8:19: checks[2].max: expected a number" || return 1
	has err.txt "4 problems; nothing was run" || return 1
	# run refuses the same suite with the same list, and runs nothing
	expect_exit 2 mlg run --json r.json || return 1
	[ ! -e r.json ] || { echo "a report was written for an invalid suite"; return 1; }
}

test_exit_2_syntax_error_position() {
	printf '{\n  "checks": [\n    { "kind": "data.range", }\n  ]\n}\n' > mlgate.json
	expect_exit 2 mlg validate || return 1
	has err.txt "mlgate.json:3:29: invalid JSON: a comma before '}': remove the trailing comma"
}

test_exit_2_usage() {
	expect_exit 2 mlg run --no-such-flag || return 1
	expect_exit 2 mlg run -j zero || return 1
	expect_exit 2 mlg frobnicate || return 1
	expect_exit 2 mlg explain no.such_kind || return 1
	expect_exit 2 mlg run --color=sometimes
}

test_exit_2_missing_suite_with_hint() {
	expect_exit 2 mlg run || return 1
	has err.txt "cannot open 'mlgate.json'" || return 1
	has err.txt "hint:"
}

test_exit_2_unset_variable() {
	write_data
	cat > mlgate.json <<'J'
{ "checks": [ { "kind": "model.metric", "file": "${METRICS_FILE}", "path": "test.auc", "min": 0.9 } ] }
J
	unset METRICS_FILE
	expect_exit 2 mlg validate || return 1
	has err.txt "checks[0].file: environment variable 'METRICS_FILE' is not set" || return 1
	METRICS_FILE=metrics.json expect_exit 0 mlg run || return 1
	sed -i 's/\${METRICS_FILE}/${METRICS_FILE:-metrics.json}/' mlgate.json
	expect_exit 0 mlg run
}

test_exit_3_not_evaluated() {
	write_data
	cat > mlgate.json <<'J'
{ "datasets": { "gone": { "path": "missing.csv" } },
  "checks": [ { "kind": "data.row_count", "dataset": "gone", "min": 1 },
              { "kind": "model.metric", "file": "metrics.json", "path": "test.f1", "min": 0.5 },
              { "kind": "infra.command", "run": ["no-such-program-mlgate"] } ] }
J
	expect_exit 3 mlg run --json r.json || return 1
	has out.txt "cannot open" || return 1
	has out.txt "no key 'f1' in 'test' (keys: auc)" || return 1
	has out.txt "cannot run 'no-such-program-mlgate'" || return 1
	[ "$(jq -r '.summary.errors' r.json)" = 3 ] && [ "$(jq -r '.gate' r.json)" = closed ]
}

test_exit_130_interrupted_reports_still_written() {
	write_data
	cat > mlgate.json <<'J'
{ "datasets": { "d": { "path": "data.csv" } },
  "checks": [ { "kind": "data.row_count", "dataset": "d", "min": 1 },
              { "kind": "infra.command", "name": "slow", "run": ["sh", "-c", "echo $$$$ > pid; exec sleep 30"] },
              { "kind": "infra.command", "name": "slow too", "run": ["sleep", "30"] } ] }
J
	# not through mlg(): a function in the background is a subshell, and
	# the signal must reach mlgate itself
	${MLGATE_WRAP:-} "$MLGATE" run -j 1 --json r.json --junit j.xml >out.txt 2>err.txt &
	local pid=$! rc
	for _ in $(seq 50); do [ -s pid ] && break; sleep 0.1; done
	[ -s pid ] || { echo "the command never started"; return 1; }
	kill -INT $pid
	wait $pid
	rc=$?
	[ "$rc" = 130 ] || { echo "exit $rc, expected 130"; cat err.txt out.txt; return 1; }
	jq -e '.complete == false and .interrupted == true and .gate == "closed"' r.json >/dev/null || { echo "bad results"; cat r.json; return 1; }
	[ "$(jq -r '.checks[0].status' r.json)" = passed ] || return 1
	[ "$(jq -r '.checks[1].status' r.json)" = error ] || return 1
	[ "$(jq -r '.checks[2].message' r.json)" = "interrupted before it ran" ] || { jq '.checks[2]' r.json; return 1; }
	xmllint --noout --schema "$here/data/spec/junit-mlgate.xsd" j.xml || return 1
	sleep 0.2
	! kill -0 "$(cat pid)" 2>/dev/null || { echo "the command outlived the run"; return 1; }
	ls -a | grep -q '\.tmp\.' && { echo "temporary report left behind"; return 1; }
	return 0
}

test_sigterm_is_interrupt_too() {
	cat > mlgate.json <<'J'
{ "checks": [ { "kind": "infra.command", "run": ["sh", "-c", "echo started > pid; exec sleep 30"] } ] }
J
	${MLGATE_WRAP:-} "$MLGATE" run --json r.json >out.txt 2>&1 &
	local pid=$!
	for _ in $(seq 100); do [ -s pid ] && break; sleep 0.1; done
	kill -TERM $pid
	wait $pid
	[ $? = 130 ] && jq -e '.interrupted' r.json >/dev/null
}

test_jobs_do_not_change_reports() {
	cp -r "$root/examples/fraud" ex
	cd ex || return 1
	local strip='del(.started, .duration_s) | .checks[] |= del(.duration_s)'
	mlg run -j 1 --json r1.json --junit j1.xml >o1.txt 2>&1 || return 1
	mlg run -j 4 --json r4.json --junit j4.xml >o4.txt 2>&1 || return 1
	cmp <(jq "$strip" r1.json) <(jq "$strip" r4.json) || { echo "JSON differs"; return 1; }
	cmp <(sed -E 's/ (time|timestamp)="[^"]*"//g' j1.xml) <(sed -E 's/ (time|timestamp)="[^"]*"//g' j4.xml) || { echo "JUnit differs"; return 1; }
	cmp <(sed -E 's/\([0-9.]+s\)//; s/ in [0-9.]+s//' o1.txt) <(sed -E 's/\([0-9.]+s\)//; s/ in [0-9.]+s//' o4.txt) || { echo "terminal differs"; return 1; }
}

test_json_to_stdout_keeps_stdout_clean() {
	write_data
	printf '{ "checks": [ { "kind": "model.metric", "file": "metrics.json", "path": "test.auc", "min": 0.5 } ] }\n' > mlgate.json
	expect_exit 0 mlg run --json - || return 1
	jq -e '.schema == "mlgate.results/v1"' out.txt >/dev/null || { echo "stdout is not the JSON"; head out.txt; return 1; }
	has err.txt "gate open" || return 1
	expect_exit 0 mlg run --junit - || return 1
	xmllint --noout --schema "$here/data/spec/junit-mlgate.xsd" out.txt
}

test_unwritable_report_fails_closed() {
	write_data
	printf '{ "checks": [ { "kind": "model.metric", "file": "metrics.json", "path": "test.auc", "min": 0.5 } ] }\n' > mlgate.json
	expect_exit 3 mlg run --json no/such/dir/r.json || return 1
	has err.txt "cannot write 'no/such/dir/r.json'" || return 1
	if [ -w /dev/full ]; then
		# a device is written in place (never replaced by a file), and a
		# full disk is a clear error, not a silent pass
		mkdir full && ln -s /dev/full full/r.json
		expect_exit 3 mlg run --json full/r.json || return 1
		has err.txt "No space left on device" || return 1
		[ -L full/r.json ] || { echo "the symlink was replaced"; return 1; }
	fi
	# a symlink to a report: the file it points at is replaced, the link kept
	mkdir -p real && ln -s real/r.json link.json
	expect_exit 0 mlg run --json link.json || return 1
	[ -L link.json ] && jq -e .schema real/r.json >/dev/null || { echo "symlinked report not written through"; return 1; }
	# a pipe (process substitution) gets the report
	expect_exit 0 mlg run --json >(cat > piped.json) || return 1
	sleep 0.2
	jq -e .schema piped.json >/dev/null || { echo "the report did not reach the pipe"; return 1; }
	# never over the suite or an input
	expect_exit 2 mlg run --json mlgate.json || return 1
	has err.txt "refusing to write a report over the suite file" || return 1
	jq -e .checks mlgate.json >/dev/null
}

test_selection_by_pattern_and_tag() {
	write_data
	cat > mlgate.json <<'J'
{ "datasets": { "d": { "path": "data.csv" } },
  "checks": [ { "kind": "data.not_null", "dataset": "d", "columns": "amount", "tags": ["nulls"] },
              { "kind": "model.metric", "id": "auc", "file": "metrics.json", "path": "test.auc", "min": 0.9, "tags": "quality" } ] }
J
	expect_exit 0 mlg run -k auc --json r.json || return 1
	jq -e '.checks[0].status == "skipped" and .checks[1].status == "passed" and .complete == false and .gate == "open"' r.json >/dev/null || return 1
	has out.txt "partial selection" || return 1
	expect_exit 0 mlg run --tag quality || return 1
	expect_exit 1 mlg run --tag nulls || return 1
	expect_exit 1 mlg run -k 'data.*'
}

test_color_only_when_asked_or_on_a_terminal() {
	write_data
	printf '{ "checks": [ { "kind": "model.metric", "file": "metrics.json", "path": "test.auc", "min": 0.5 } ] }\n' > mlgate.json
	expect_exit 0 mlg run || return 1
	! grep -q $'\033' out.txt || { echo "colour in a pipe"; return 1; }
	expect_exit 0 mlg run --color=always || return 1
	grep -q $'\033\[32m' out.txt || { echo "no colour with --color=always"; return 1; }
	NO_COLOR=1 expect_exit 0 mlg run --color=auto || return 1
	! grep -q $'\033' out.txt
}

test_kinds_json_lists_every_kind() {
	expect_exit 0 mlg kinds --json || return 1
	local n
	n=$(jq 'length' out.txt)
	[ "$n" -ge 7 ] || { echo "only $n kinds"; return 1; }
	jq -e 'all(.[]; (.params | length) > 0 and .example.kind == .name)' out.txt >/dev/null || { echo "a kind lacks params or its example is of another kind"; return 1; }
	for k in $(jq -r '.[].name' out.txt); do
		expect_exit 0 mlg explain "$k" || return 1
		has out.txt "example:" || return 1
		[ -d "$here/data/$k" ] || { echo "no golden cases in tests/data/$k"; return 1; }
		ls "$here/data/$k"/*/expected.json >/dev/null 2>&1 || { echo "tests/data/$k has no case"; return 1; }
		grep -q "#### \`$k\`" "$root/README.md" || { echo "README does not document $k"; return 1; }
	done
}

test_kind_examples_validate() {
	# Every kind's example is a valid check as written.
	mlg kinds --json > kinds.json || return 1
	printf 'a,b\n1,2\n' > train.csv
	jq '{datasets: {train: {path: "train.csv"}, test: {path: "train.csv"}, serving: {path: "train.csv"}}, checks: [.[].example]}' kinds.json > mlgate.json
	expect_exit 0 mlg validate
}

test_provenance_in_a_git_repository() {
	write_data
	printf '{ "checks": [ { "kind": "model.metric", "file": "metrics.json", "path": "test.auc", "min": 0.5 } ] }\n' > mlgate.json
	git init -q -b feature/x . && git add . && git -c user.email=t@e -c user.name=t commit -qm init || return 1
	expect_exit 0 mlg run --json r.json || return 1
	jq -e --arg c "$(git rev-parse HEAD)" '.git.commit == $c and .git.branch == "feature/x" and .git.dirty == false' r.json >/dev/null || { jq .git r.json; return 1; }
	echo '{"test": {"auc": 0.8}}' > metrics.json
	expect_exit 0 mlg run --json r.json || return 1
	jq -e '.git.dirty == true' r.json >/dev/null || return 1
	jq -e --arg s "$(sha256sum metrics.json | cut -d" " -f1)" '.inputs[0].path == "metrics.json" and .inputs[0].sha256 == $s' r.json >/dev/null || { jq .inputs r.json; return 1; }
	# detached HEAD in CI: the branch comes from the CI's variables
	git checkout -q --detach && CI_COMMIT_REF_NAME=main GITHUB_HEAD_REF= GITHUB_REF_NAME= expect_exit 0 mlg run --json r.json || return 1
	jq -e '.git.branch == "main"' r.json >/dev/null
}

test_outside_git_no_provenance_error() {
	write_data
	printf '{ "checks": [ { "kind": "model.metric", "file": "metrics.json", "path": "test.auc", "min": 0.5 } ] }\n' > mlgate.json
	GIT_CEILING_DIRECTORIES=$(dirname "$PWD") expect_exit 0 mlg run --json r.json || return 1
	jq -e 'has("git") | not' r.json >/dev/null
}

test_demo_suite_passes() {
	cp -r "$root/examples/fraud" ex && cd ex || return 1
	expect_exit 0 mlg run || return 1
	has out.txt "gate open"
}

# A header naming a column twice is ambiguous for every check (each would
# read the first): the reader refuses it, so data.schema is an error too.
test_schema_refuses_a_header_naming_a_column_twice() {
	printf 'a,a,b\n1,x,2\n' > d.csv
	printf '{ "datasets": { "d": { "path": "d.csv" } }, "checks": [ { "kind": "data.schema", "dataset": "d", "columns": { "a": "int", "b": "int" } } ] }\n' > mlgate.json
	expect_exit 3 mlg run --json r.json || return 1
	jq -e '.checks[0] | .status == "error" and (.message | endswith("header (line 1, byte 2): column '"'a'"' appears twice (columns 1 and 2): every check would read the first"))' r.json >/dev/null || { jq .checks[0].message r.json; return 1; }
}

test_a_fifo_dataset_is_an_error_not_a_hang() {
	mkfifo pipe.csv
	printf '{ "datasets": { "d": { "path": "pipe.csv" } }, "checks": [ { "kind": "data.row_count", "dataset": "d", "min": 1 } ] }\n' > mlgate.json
	timeout 20 "$MLGATE" run --json r.json >out.txt 2>&1
	[ $? = 3 ] || { echo "expected exit 3"; cat out.txt; return 1; }
	jq -e '.checks[0].message == "dataset '"'"'d'"'"': '"'"'pipe.csv'"'"' is not a regular file (a FIFO)"' r.json >/dev/null || { jq .checks[0].message r.json; return 1; }
}
