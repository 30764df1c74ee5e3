# The CI templates in ci-templates/, run as far as this machine can (sourced
# by tests/e2e.sh). The npm clients they need (gitlab-ci-local,
# @action-validator/cli, junit2json) are installed once, pinned, into
# build/npm by scripts/npm-tools.sh.
#
#  - GitHub: the action and the workflows validate; the scripts of the
#    action's steps and of the sharded workflow's merge job run as GitHub
#    would run them, on the example suite, against the mock registry.
#  - GitLab: gitlab-ci-local (shell executor, isolated jobs, artifacts passed
#    as GitLab passes them) runs the plain template and the CI/CD component
#    on a git repository holding the example suite: 2 or 3 shards, the merge,
#    one promotion against the mock registry; a closed gate promotes nothing;
#    rules keep promotion to the default branch.
#  - JUnit: an independent reader (junit2json) reads what mlgate's JSON says.
#  - Jenkins, Airflow, Grafana: the shell the Jenkinsfile and the DAG run
#    works; the DAG compiles; the dashboard queries only metrics mlgate emits.

# tpl_tools: installs the npm clients (once per e2e run); sets TPL_BIN and
# TPL_MLGATE (the binary, as an absolute path).
tpl_tools() {
	local stamp=$work/.npm-tools.ok
	if [ ! -f "$stamp" ]; then
		if ! "$root/scripts/npm-tools.sh" >"$work/npm-tools.log" 2>&1; then
			echo "scripts/npm-tools.sh failed:"
			tail -20 "$work/npm-tools.log"
			return 1
		fi
		: >"$stamp"
	fi
	TPL_BIN=${NPM_TOOLS_PREFIX:-$root/build/npm}/node_modules/.bin
	TPL_MLGATE=$(cd "$(dirname "$MLGATE")" && pwd)/$(basename "$MLGATE")
	[ -x "$TPL_MLGATE" ] || { echo "no mlgate binary at $MLGATE"; return 1; }
}

# tpl_yaml FILE: the YAML file as JSON.
tpl_yaml() {
	"$TPL_BIN/js-yaml" "$1"
}

# tpl_repo DIR: a git repository in DIR holding the example suite, with a
# GitLab remote (never contacted) whose default branch is main.
tpl_repo() {
	mkdir -p "$1" && cp -r "$root/examples/fraud/." "$1/" || return 1
	(
		cd "$1" || exit 1
		git init -q -b main . &&
			git remote add origin https://gitlab.example.com/ml/fraud.git &&
			git add -A && git -c user.name=ci -c user.email=ci@example.com commit -qm "fraud model" &&
			git update-ref refs/remotes/origin/main HEAD &&
			git symbolic-ref refs/remotes/origin/HEAD refs/remotes/origin/main
	)
}

# tpl_fake_src REPO: mlgate's source at REPO/tools/mlgate, standing in:
# `make deps all` "builds" ./mlgate there (a link to $FAKE_MLGATE_BUILD).
tpl_fake_src() {
	mkdir -p "$1/tools/mlgate" && printf '%s\n' '.PHONY: deps all' 'deps:' '	@echo deps ok' \
		'all:' '	ln -sf "$(FAKE_MLGATE_BUILD)" mlgate' >"$1/tools/mlgate/Makefile"
}

tpl_commit() {
	git add -A && git -c user.name=ci -c user.email=ci@example.com commit -qm "${1:-change}"
}

# tpl_gcl ARGS...: gitlab-ci-local in the current folder, with a home of its
# own and none of the caller's GCL_* settings.
tpl_gcl() {
	local v
	for v in $(compgen -e | grep '^GCL_'); do unset "$v"; done
	env -u MLGATE "$TPL_BIN/gitlab-ci-local" --home "$TPL_HOME" --max-job-name-padding 0 "$@"
}

# tpl_pipeline LOG [ARGS...]: the whole pipeline, shell executor, isolated
# jobs, MLGATE naming the binary (unless TPL_BUILD=1: then each job "builds"
# it from MLGATE_SRC), the registry's variables pointing at mockreg.
tpl_pipeline() {
	local log=$1 bin=MLGATE
	shift
	[ "${TPL_BUILD:-0}" = 1 ] && bin=FAKE_MLGATE_BUILD
	tpl_gcl --shell-isolation \
		--variable "$bin=$TPL_MLGATE" \
		--variable "MLFLOW_TRACKING_URI=$MOCKREG_URL" \
		--variable "MODEL_VERSION=7" \
		--variable "REGISTRY_HOOK_URL=$MOCKREG_URL/hooks/gate" \
		--variable "MLGATE_WEBHOOK_SECRET=whsec_dGVtcGxhdGVzLXRlc3Qtc2VjcmV0" \
		"$@" >"$log" 2>&1
}

# tpl_jobs LOG: "NAME RESULT" for each job the pipeline ran (PASS, FAIL, WARN).
tpl_jobs() {
	sed 's/\x1b\[[0-9;]*m//g' "$1" | awk '$1 ~ /^(PASS|FAIL|WARN)$/ {r = $1; $1 = ""; sub(/^ +/, ""); sub(/ +$/, ""); print $0 "\t" r}'
}

# tpl_listed ARGS...: the names of the jobs the pipeline would run (when != never).
tpl_listed() {
	tpl_gcl --list-csv "$@" 2>/dev/null | awk -F';' 'NR > 1 && $4 != "never" {print $1}'
}

tpl_alias() {
	mockreg_state | jq -r '.models["fraud-model"].aliases.champion // empty'
}

test_template_github_workflows_validate() {
	tpl_tools || return 1
	local f n=0 here=$PWD
	for f in "$root"/ci-templates/github/action.yml "$root"/ci-templates/github/workflows/*.yml; do
		n=$((n + 1))
		(cd "$root" && "$TPL_BIN/action-validator" "$f") >val.txt 2>&1 || { echo "$f does not validate:"; cat val.txt; return 1; }
	done
	[ "$n" -ge 4 ] || { echo "only $n files validated"; return 1; }
	# No template is left half-done.
	! grep -rniE 'TODO|FIXME|XXX|<your|CHANGE ?ME' "$root/ci-templates" || { echo "a placeholder in a template (above)"; return 1; }
	# The validator does reject: a composite step without a shell.
	mkdir -p broken && tpl_yaml "$root/ci-templates/github/action.yml" |
		jq '(.runs.steps[] | select(.id == "run")) |= del(.shell)' >broken/action.yml && [ -s broken/action.yml ] || return 1
	if (cd "$root" && "$TPL_BIN/action-validator" "$here/broken/action.yml") >val.txt 2>&1; then
		echo "action-validator accepted a composite run step without shell"
		return 1
	fi
	# What the workflows promise.
	tpl_yaml "$root/ci-templates/github/action.yml" | jq -e '
		.runs.using == "composite" and
		(.inputs | keys | contains(["args", "mlgate-src", "reports", "shard", "suite"])) and
		.inputs.suite.default == "mlgate.json" and .inputs["mlgate-src"].default == "." and
		.inputs.reports.default == "mlgate-reports" and .inputs.shard.default == "" and
		([.outputs.gate.value, .outputs.passed.value, .outputs.failed.value] ==
		 ["${{ steps.run.outputs.gate }}", "${{ steps.run.outputs.passed }}", "${{ steps.run.outputs.failed }}"]) and
		any(.runs.steps[]; .run == "make -C \"$MLGATE_SRC\" deps all") and
		any(.runs.steps[]; .uses == "actions/upload-artifact@v4" and (.if | startswith("always()")))' >/dev/null ||
		{ echo "action.yml lacks an input, an output, the build or the upload"; return 1; }
	tpl_yaml "$root/ci-templates/github/workflows/sharded.yml" | jq -e '
		.jobs.shard.strategy.matrix.shard == [1, 2, 3] and
		any(.jobs.shard.steps[]; .with.shard == "${{ matrix.shard }}/3") and
		.jobs.merge.needs == "shard" and
		any(.jobs.merge.steps[]; .uses == "actions/download-artifact@v4") and
		any(.jobs.merge.steps[]; (.run // "") | test("mlgate\" merge [^\n]*\\\\\n *-o merged.json --junit junit.xml ")) and
		any(.jobs.merge.steps[]; ((.run // "") | test("mlgate\" promote .*--results "))
			and .if == "github.ref == format('"'"'refs/heads/{0}'"'"', github.event.repository.default_branch)")' >/dev/null ||
		{ echo "sharded.yml: no matrix of 3, merge or default-branch promotion"; return 1; }
	tpl_yaml "$root/ci-templates/github/workflows/nightly-ct.yml" | jq -e '
		(.on | has("schedule") and has("workflow_dispatch")) and
		any(.jobs[].steps[]; .with.args == "--promote") and
		(.jobs[].env | .MLFLOW_TRACKING_URI and .MODEL_VERSION and .MLFLOW_TRACKING_TOKEN and .MLGATE_WEBHOOK_SECRET)' >/dev/null ||
		{ echo "nightly-ct.yml: no schedule, dispatch, --promote or registry variables"; return 1; }
	tpl_yaml "$root/ci-templates/github/workflows/pr-gate.yml" | jq -e '
		(.on | has("pull_request")) and any(.jobs.gate.steps[]; (.uses // "") | endswith("ci-templates/github"))' >/dev/null ||
		{ echo "pr-gate.yml does not run the action on pull requests"; return 1; }
}

# tpl_gh_step FILE JQ-PATH SCRIPT: writes the run script of a step to SCRIPT;
# it must not use ${{ }} expressions (those are only in env).
tpl_gh_step() {
	tpl_yaml "$1" | jq -er "$2 | .run" >"$3" || { echo "no step $2 in $1"; return 1; }
	! grep -q '\${{' "$3" || { echo "$1: step $2 has an expression in its script"; return 1; }
}

# tpl_gh_run SCRIPT: runs it as GitHub runs `shell: bash`.
tpl_gh_run() {
	bash --noprofile --norc -eo pipefail "$1"
}

test_template_github_action_and_sharded_merge_run() {
	tpl_tools || return 1
	local action=$root/ci-templates/github/action.yml sharded=$root/ci-templates/github/workflows/sharded.yml k rc
	tpl_gh_step "$action" '.runs.steps[] | select(.id == "run")' run.sh || return 1
	tpl_gh_step "$action" '.runs.steps[] | select(.name == "Exit with mlgate'"'"'s status")' exit.sh || return 1
	tpl_gh_step "$sharded" '.jobs.merge.steps[] | select(.id == "merge")' merge.sh || return 1
	tpl_gh_step "$sharded" '.jobs.merge.steps[] | select(.name == "Promote")' promote.sh || return 1
	tpl_gh_step "$root/ci-templates/github/workflows/nightly-ct.yml" '.jobs[].steps[] | select(.name == "Training check")' train.sh ||
		return 1
	# The workspace: the suite at the top, mlgate's source at tools/mlgate.
	mkdir ws && cp -r "$root/examples/fraud/." ws/ && mkdir -p ws/tools/mlgate &&
		ln -s "$TPL_MLGATE" ws/tools/mlgate/mlgate || return 1
	# the nightly workflow's training check: the suite's own, alone
	(cd ws && MLGATE_SRC=tools/mlgate MLGATE_SUITE=mlgate.json tpl_gh_run ../train.sh) >train.log 2>&1 ||
		{ echo "the training check failed"; cat train.log; return 1; }
	grep -q '^PASS  training smoke test' train.log && grep -q '1 passed, 0 failed, 0 errors, 10 skipped' train.log ||
		{ echo "the training check ran otherwise:"; cat train.log; return 1; }
	start_mockreg --model fraud-model:7:READY || return 1
	for k in 1 2 3; do
		: >"out$k.txt"
		(cd ws && GITHUB_ACTIONS=true GITHUB_WORKSPACE=$PWD GITHUB_OUTPUT=../out$k.txt \
			GITHUB_STEP_SUMMARY=../summary$k.md MLGATE_SRC=tools/mlgate MLGATE_SUITE=mlgate.json \
			MLGATE_ARGS='' MLGATE_SHARD=$k/3 MLGATE_REPORTS=mlgate-reports \
			MLGATE_ARTIFACT=mlgate-reports tpl_gh_run ../run.sh) >"run$k.log" 2>&1 ||
			{ echo "shard $k: the run step failed"; cat "run$k.log"; return 1; }
		grep -qx "exit-code=0" "out$k.txt" && grep -qx "gate=open" "out$k.txt" &&
			grep -qx "artifact=mlgate-reports-shard-$k-of-3" "out$k.txt" ||
			{ echo "shard $k: step outputs"; cat "out$k.txt"; return 1; }
		for f in results-shard-$k-of-3.json junit-shard-$k-of-3.xml summary-shard-$k-of-3.md metrics-shard-$k-of-3.txt; do
			[ -s "ws/mlgate-reports/$f" ] || { echo "shard $k did not write $f"; ls ws/mlgate-reports; return 1; }
		done
		# what actions/download-artifact@v4 makes of the shard's artifact
		mkdir -p "ws/shards/mlgate-reports-shard-$k-of-3" &&
			cp ws/mlgate-reports/*-shard-"$k"-of-3.* "ws/shards/mlgate-reports-shard-$k-of-3/" || return 1
	done
	(cd ws && GITHUB_WORKSPACE=$PWD MLGATE_SRC=tools/mlgate MLGATE_SUITE=mlgate.json tpl_gh_run ../merge.sh) >merge.log 2>&1 ||
		{ echo "the merge step failed"; cat merge.log; return 1; }
	jq -e '.gate == "open" and .complete == true and .summary.passed == 11' ws/shards/merged.json >/dev/null ||
		{ echo "merged results:"; jq '{gate, complete, summary}' ws/shards/merged.json; return 1; }
	xmllint --noout --schema "$root/tests/data/spec/junit-mlgate.xsd" ws/shards/junit.xml || return 1
	(cd ws && MLGATE_SRC=tools/mlgate MLGATE_SUITE=mlgate.json MLFLOW_TRACKING_URI=$MOCKREG_URL MODEL_VERSION=7 \
		REGISTRY_HOOK_URL=$MOCKREG_URL/hooks/gate MLGATE_WEBHOOK_SECRET=whsec_dGVzdA== tpl_gh_run ../promote.sh) >promote.log 2>&1 ||
		{ echo "the promote step failed"; cat promote.log; return 1; }
	[ "$(tpl_alias)" = 7 ] || { echo "champion is not 7"; mockreg_state; return 1; }
	[ "$(mockreg_count POST /api/2.0/mlflow/registered-models/alias)" = 1 ] || { mockreg_requests '*' /; return 1; }
	# Unsharded and closed: outputs from mlgate itself, the action fails with 1.
	printf '{"test": {"auc": 0.5, "log_loss": 0.1}, "slices": [{"auc": 0.9}]}\n' >ws/metrics.json
	: >out.txt
	(cd ws && GITHUB_ACTIONS=true GITHUB_WORKSPACE=$PWD GITHUB_OUTPUT=../out.txt GITHUB_STEP_SUMMARY=../summary.md \
		MLGATE_SRC=tools/mlgate MLGATE_SUITE=mlgate.json MLGATE_ARGS='' MLGATE_SHARD='' MLGATE_REPORTS=reports \
		MLGATE_ARTIFACT=mlgate-reports tpl_gh_run ../run.sh) >run.log 2>&1 || { echo "the run step failed"; cat run.log; return 1; }
	for want in gate=closed failed=1 passed=10 exit-code=1 artifact=mlgate-reports; do
		grep -qx "$want" out.txt || { echo "step outputs lack $want:"; cat out.txt; return 1; }
	done
	[ -s ws/reports/junit.xml ] && [ -s ws/reports/results.json ] && [ -s ws/reports/summary.md ] && [ -s ws/reports/metrics.txt ] ||
		{ ls ws/reports; return 1; }
	grep -q '^::error file=mlgate.json' run.log || { echo "no annotation"; cat run.log; return 1; }
	MLGATE_EXIT=1 tpl_gh_run exit.sh >/dev/null 2>&1
	rc=$?
	[ "$rc" = 1 ] || { echo "the action's last step exited $rc, not 1"; return 1; }
	stop_mockreg
}

test_template_gitlab_pipeline_shards_merges_and_promotes() {
	tpl_tools || return 1
	TPL_HOME=$PWD/gcl-home
	tpl_repo repo || return 1
	mkdir -p repo/ci && cp "$root/ci-templates/gitlab/mlgate.gitlab-ci.yml" repo/ci/ &&
		printf 'include:\n  - local: ci/mlgate.gitlab-ci.yml\n' >repo/.gitlab-ci.yml || return 1
	(cd repo && tpl_commit "CI") || return 1
	start_mockreg --model fraud-model:7:READY || return 1
	(cd repo && tpl_pipeline ../pipeline.log)
	local rc=$? jobs art=repo/.gitlab-ci-local/artifacts
	jobs=$(tpl_jobs pipeline.log)
	[ "$rc" = 0 ] || { echo "gitlab-ci-local exited $rc"; tail -40 pipeline.log; return 1; }
	[ "$(printf '%s\n' "$jobs" | grep -c 'PASS$')" = 4 ] && ! printf '%s\n' "$jobs" | grep -qv 'PASS$' ||
		{ echo "jobs:"; printf '%s\n' "$jobs"; tail -40 pipeline.log; return 1; }
	for j in 'mlgate:shard: \[1/2\]' 'mlgate:shard: \[2/2\]' 'mlgate:merge' 'mlgate:promote'; do
		printf '%s\n' "$jobs" | grep -q "^$j	PASS$" || { echo "job $j did not pass"; printf '%s\n' "$jobs"; return 1; }
	done
	# each shard's JSON is its artifact; the merge job's JUnit and metrics reports
	ls $art/*shard*/mlgate-reports/shard-1.json $art/*shard*/mlgate-reports/shard-2.json >/dev/null || { find $art; return 1; }
	local junit metrics merged
	junit=$(ls $art/*merge/mlgate-reports/junit.xml) && metrics=$(ls $art/*merge/mlgate-reports/metrics.txt) &&
		merged=$(ls $art/*promote/mlgate-reports/merged.json) || { find $art; return 1; }
	xmllint --noout --schema "$root/tests/data/spec/junit-mlgate.xsd" "$junit" || return 1
	[ "$(xmllint --xpath 'string(/testsuites/@tests)' "$junit")" = 11 ] || return 1
	grep -qx 'mlgate_gate_open 1' "$metrics" || { cat "$metrics"; return 1; }
	jq -e '.gate == "open" and .complete == true and (.promotion.calls | length) == 2' "$merged" >/dev/null ||
		{ jq '{gate, complete, promotion}' "$merged"; return 1; }
	[ "$(tpl_alias)" = 7 ] || { echo "champion is not 7"; mockreg_state; tail -30 pipeline.log; return 1; }
	[ "$(mockreg_count POST /api/2.0/mlflow/registered-models/alias)" = 1 ] || { mockreg_requests '*' /; return 1; }
	[ "$(mockreg_count POST /hooks/gate)" = 1 ] || { mockreg_requests '*' /; return 1; }
	[ "$(mockreg_state | jq -r '.models["fraud-model"].versions["7"].tags["mlgate.commit"]')" = "$(git -C repo rev-parse HEAD)" ] ||
		{ mockreg_state; return 1; }
	stop_mockreg
}

test_template_gitlab_closed_gate_promotes_nothing() {
	tpl_tools || return 1
	TPL_HOME=$PWD/gcl-home
	tpl_repo repo || return 1
	mkdir -p repo/ci && cp "$root/ci-templates/gitlab/mlgate.gitlab-ci.yml" repo/ci/ &&
		printf 'include:\n  - local: ci/mlgate.gitlab-ci.yml\n' >repo/.gitlab-ci.yml || return 1
	# a model that got worse; mlgate built in each job from tools/mlgate
	printf '{"test": {"auc": 0.61, "log_loss": 0.1}, "slices": [{"auc": 0.9}]}\n' >repo/metrics.json
	tpl_fake_src repo || return 1
	(cd repo && tpl_commit "worse model") || return 1
	start_mockreg --model fraud-model:7:READY || return 1
	(cd repo && TPL_BUILD=1 tpl_pipeline ../pipeline.log)
	local rc=$? jobs junit
	jobs=$(tpl_jobs pipeline.log)
	[ "$rc" != 0 ] || { echo "the pipeline passed with a closed gate"; tail -30 pipeline.log; return 1; }
	# one shard found it, the merge still ran (the merge request's report), promotion did not
	[ "$(grep -c '> deps ok$' pipeline.log)" = 3 ] || { echo "not every job built mlgate"; grep 'deps ok' pipeline.log; return 1; }
	[ "$(printf '%s\n' "$jobs" | grep -c '^mlgate:shard.*FAIL$')" = 1 ] || { printf '%s\n' "$jobs"; tail -30 pipeline.log; return 1; }
	printf '%s\n' "$jobs" | grep -q '^mlgate:merge	FAIL$' || { printf '%s\n' "$jobs"; tail -30 pipeline.log; return 1; }
	! printf '%s\n' "$jobs" | grep -q '^mlgate:promote' || { echo "promote ran"; printf '%s\n' "$jobs"; return 1; }
	junit=$(ls repo/.gitlab-ci-local/artifacts/*merge/mlgate-reports/junit.xml) || return 1
	[ "$(xmllint --xpath 'string(/testsuites/@failures)' "$junit")" = 1 ] || { head -5 "$junit"; return 1; }
	[ "$(mockreg_count '*' /api/)" = 0 ] && [ "$(mockreg_count '*' /hooks/)" = 0 ] || { mockreg_requests '*' /; return 1; }
	[ -z "$(tpl_alias)" ] || return 1
	stop_mockreg
}

test_template_gitlab_component_inputs() {
	tpl_tools || return 1
	TPL_HOME=$PWD/gcl-home
	tpl_repo repo || return 1
	# the component in the project itself, the suite in a subfolder
	mkdir -p repo/models/fraud && (cd repo && git mv -k data metrics.json mlgate.json model train.sh models/fraud/) || return 1
	cp -r "$root/ci-templates/gitlab/templates" repo/ || return 1
	tpl_fake_src repo || return 1
	cat >repo/.gitlab-ci.yml <<'Y'
include:
  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/mlgate@$CI_COMMIT_SHA
    inputs:
      suite: models/fraud/mlgate.json
      stage: gate
      shards: 3
      promote: true
stages: [gate]
Y
	(cd repo && tpl_commit "CI") || return 1
	start_mockreg --model fraud-model:7:READY || return 1
	(cd repo && TPL_BUILD=1 tpl_pipeline ../pipeline.log)
	local rc=$? jobs
	jobs=$(tpl_jobs pipeline.log)
	[ "$rc" = 0 ] || { echo "gitlab-ci-local exited $rc"; tail -40 pipeline.log; return 1; }
	[ "$(grep -c '> deps ok$' pipeline.log)" = 5 ] || { echo "not every job built mlgate"; grep 'deps ok' pipeline.log; return 1; }
	[ "$(printf '%s\n' "$jobs" | grep -c '^mlgate:shard: \[[123]/3\]	PASS$')" = 3 ] &&
		printf '%s\n' "$jobs" | grep -q '^mlgate:merge	PASS$' && printf '%s\n' "$jobs" | grep -q '^mlgate:promote	PASS$' &&
		[ "$(printf '%s\n' "$jobs" | wc -l)" = 5 ] || { printf '%s\n' "$jobs"; tail -40 pipeline.log; return 1; }
	grep -q 'mlgate:shard: \[1/3\].*starting shell (gate)' pipeline.log || { echo "the stage input was not used"; return 1; }
	[ "$(tpl_alias)" = 7 ] || { echo "champion is not 7"; mockreg_state; return 1; }
	[ "$(mockreg_count POST /api/2.0/mlflow/registered-models/alias)" = 1 ] || { mockreg_requests '*' /; return 1; }
	stop_mockreg
	# Rules: a merge request is gated but promotes nothing; a branch
	# pipeline runs nothing; promote: false never promotes.
	local listed
	listed=$(cd repo && git checkout -qb feature && tpl_listed --variable CI_PIPELINE_SOURCE=merge_request_event | tr '\n' ' ')
	[ "$listed" = "mlgate:shard: [1/3] mlgate:shard: [2/3] mlgate:shard: [3/3] mlgate:merge " ] ||
		{ echo "merge request pipeline: $listed"; return 1; }
	listed=$(cd repo && tpl_listed)
	[ -z "$listed" ] || { echo "branch pipeline: $listed"; return 1; }
	listed=$(cd repo && git checkout -q main && sed -i 's/promote: true/promote: false/' .gitlab-ci.yml &&
		tpl_commit "no promotion" && tpl_listed | tr '\n' ' ')
	[ "$listed" = "mlgate:shard: [1/3] mlgate:shard: [2/3] mlgate:shard: [3/3] mlgate:merge " ] ||
		{ echo "promote: false on main: $listed"; return 1; }
}

test_template_junit_reads_as_mlgate_wrote() {
	tpl_tools || return 1
	printf 'id,amount\n1,5\n2,99\n3,7\n' >data.csv
	printf '{"test": {"auc": 0.91}}\n' >metrics.json
	cat >mlgate.json <<'J'
{ "suite": "junit-mix",
  "datasets": { "d": { "path": "data.csv" } },
  "checks": [
    { "kind": "data.range", "dataset": "d", "column": "amount", "min": 0, "max": 10, "tags": ["ci"] },
    { "kind": "data.row_count", "dataset": "d", "min": 1, "tags": ["ci"] },
    { "kind": "model.metric", "file": "metrics.json", "path": "test.auc", "min": 0.95, "name": "AUC ≥ 0.95 <on> \"test\" & all", "tags": ["ci"] },
    { "kind": "model.metric", "file": "missing.json", "path": "test.auc", "min": 0.5, "tags": ["ci"] },
    { "kind": "model.metric", "file": "metrics.json", "path": "test.auc", "min": 0.99, "severity": "warn", "name": "stretch goal", "tags": ["ci"] },
    { "kind": "infra.command", "name": "export smoke test", "run": ["true"] } ] }
J
	mlg run --tag ci --junit junit.xml --json results.json >out.txt 2>&1
	[ $? = 1 ] || { cat out.txt; return 1; }
	"$TPL_BIN/junit2json" junit.xml >junit.json || return 1
	# the mix this test is about
	jq -e '.summary | .failed == 2 and .errors == 1 and .skipped == 1 and .warnings == 1 and .passed == 1' results.json >/dev/null ||
		{ jq .summary results.json; return 1; }
	jq -e --slurpfile r results.json '
		$r[0] as $r |
		# counts
		.tests == $r.summary.total and .failures == $r.summary.failed and
		.errors == $r.summary.errors and .skipped == $r.summary.skipped and
		# one testsuite per category, the checks in suite order
		([.testsuite[].name] == (["data", "model", "infra"]
			| map(. as $c | select(any($r.checks[]; .category == $c)) | "mlgate." + .))) and
		([.testsuite[].testcase[].name | tostring] ==
			[("data", "model", "infra") as $c | $r.checks[] | select(.category == $c) | .name]) and
		# each test case says what the check said
		all(.testsuite[].testcase[]; . as $t | ($r.checks[] | select(.name == ($t.name | tostring))) as $c |
			$t.classname == $c.kind and $t.line == $c.source.line and
			if $c.status == "failed" and $c.severity == "error" then
				($t.failure | length) == 1 and ($t.failure[0].message | tostring) == $c.message and
				($t.failure[0].inner | startswith($c.message + "\n")) and $t.error == null
			elif $c.status == "failed" then
				$t.failure == null and $t.error == null and ($t["system-out"][0] | startswith("warning (failed): " + $c.message))
			elif $c.status == "error" then
				($t.error | length) == 1 and ($t.error[0].message | tostring) == $c.message and $t.failure == null
			elif $c.status == "skipped" then
				($t.skipped | length) == 1 and ($t.skipped[0].message | tostring) == $c.message
			else
				$t.failure == null and $t.error == null and $t.skipped == null
			end)' junit.json >/dev/null || {
		echo "junit2json reads otherwise:"
		jq -c '.testsuite[].testcase[] | {name, classname, line, failure: .failure[0].message, error: .error[0].message, skipped: .skipped[0].message}' junit.json
		jq -c '.checks[] | {name, kind, status, severity, message}' results.json
		return 1
	}
}

test_template_airflow_dag_compiles_and_gates() {
	tpl_tools || return 1
	local dag=$root/ci-templates/airflow/mlgate_gate_dag.py
	python3 -c 'import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)' "$dag" dag.pyc ||
		return 1
	# Airflow is not here: a stand-in records the DAG's tasks, so their
	# order and the gate's own shell can be checked and run.
	mkdir -p stub/airflow/operators
	cat >stub/airflow/__init__.py <<'P'
class DAG:
    current = None
    def __init__(self, dag_id, **kw):
        self.dag_id, self.kw, self.tasks = dag_id, kw, []
    def __enter__(self):
        DAG.current = self
        return self
    def __exit__(self, *a):
        DAG.current = None
P
	: >stub/airflow/operators/__init__.py
	cat >stub/airflow/operators/bash.py <<'P'
from airflow import DAG
class BashOperator:
    def __init__(self, task_id, bash_command, **kw):
        self.task_id, self.bash_command, self.kw, self.downstream = task_id, bash_command, kw, []
        DAG.current.tasks.append(self)
    def __rshift__(self, other):
        self.downstream.append(other.task_id)
        return other
P
	cat >stub/pendulum.py <<'P'
import datetime
def datetime(*a, tz=None):
    import datetime as d
    return d.datetime(*a, tzinfo=d.timezone.utc)
P
	PYTHONPATH=$PWD/stub python3 - "$dag" >dag.json <<'P' || return 1
import json, runpy, sys
g = runpy.run_path(sys.argv[1])
dag = g["dag"]
print(json.dumps({"dag_id": dag.dag_id, "tasks": [
    {"id": t.task_id, "command": t.bash_command, "downstream": t.downstream,
     "env": t.kw.get("env"), "append_env": t.kw.get("append_env")} for t in dag.tasks]}))
P
	jq -e '[.tasks[] | {id, downstream}] == [
		{"id": "train_model", "downstream": ["mlgate_gate"]},
		{"id": "mlgate_gate", "downstream": ["deploy_model"]},
		{"id": "deploy_model", "downstream": []}] and
		(.tasks[1].command | test("run -c .* --promote")) and all(.tasks[]; .append_env == true)' dag.json >/dev/null ||
		{ echo "the DAG is not train >> gate (run --promote) >> deploy:"; jq -c '.tasks[] | {id, downstream}' dag.json; return 1; }
	jq -r '.tasks[1].command' dag.json >gate.sh
	jq -r '.tasks[0].command' dag.json >train.sh
	! grep -q '{#\|{%' gate.sh train.sh || { echo "Jinja syntax in a shell command"; return 1; }
	# The training and gating tasks' shell, in the project folder, against mockreg.
	cp -r "$root/examples/fraud" project || return 1
	start_mockreg --model fraud-model:7:READY || return 1
	MLGATE_PROJECT_DIR=$PWD/project bash train.sh >train.log 2>&1 || { cat train.log; return 1; }
	env MLGATE=$TPL_MLGATE MLGATE_PROJECT_DIR=$PWD/project MLGATE_MODEL_VERSION=7 AIRFLOW_CTX_DAG_RUN_ID=manual__1 \
		MLFLOW_TRACKING_URI=$MOCKREG_URL REGISTRY_HOOK_URL=$MOCKREG_URL/hooks/gate MLGATE_WEBHOOK_SECRET=s3cret \
		bash gate.sh >gate.log 2>&1 || { echo "the gate task failed"; cat gate.log; return 1; }
	[ "$(tpl_alias)" = 7 ] || { mockreg_state; cat gate.log; return 1; }
	[ -s project/mlgate-reports/manual__1/junit.xml ] && jq -e '.promotion' project/mlgate-reports/manual__1/results.json >/dev/null ||
		{ find project/mlgate-reports; return 1; }
	# a closed gate fails the task (so deploy_model does not run) and promotes nothing
	printf '{"test": {"auc": 0.5, "log_loss": 0.1}, "slices": [{"auc": 0.9}]}\n' >project/metrics.json
	env MLGATE=$TPL_MLGATE MLGATE_PROJECT_DIR=$PWD/project MLGATE_MODEL_VERSION=7 AIRFLOW_CTX_DAG_RUN_ID=manual__2 \
		MLFLOW_TRACKING_URI=$MOCKREG_URL REGISTRY_HOOK_URL=$MOCKREG_URL/hooks/gate MLGATE_WEBHOOK_SECRET=s3cret \
		bash gate.sh >gate2.log 2>&1
	[ $? = 1 ] || { echo "a closed gate did not fail the task with 1"; cat gate2.log; return 1; }
	[ "$(mockreg_count POST /api/2.0/mlflow/registered-models/alias)" = 1 ] || { mockreg_requests '*' /; return 1; }
	stop_mockreg
}

test_template_jenkinsfile_shell_runs() {
	tpl_tools || return 1
	local jf=$root/ci-templates/jenkins/Jenkinsfile
	# declarative: build, a gate with --junit, the junit step, promote on main
	python3 - "$jf" >steps.json <<'P' || return 1
import json, re, sys
src = open(sys.argv[1]).read()
code = re.sub(r"//[^\n]*", "", src)
assert code.count("{") == code.count("}"), "unbalanced braces"
assert re.search(r"^pipeline \{", code, re.M), "not a declarative pipeline"
stages = re.findall(r"stage\('([^']+)'\)", code)
sh = re.findall(r"sh '''(.*?)'''|sh '([^'\n]*)'", code, re.S)
print(json.dumps({
    "stages": stages,
    "sh": [a or b for a, b in sh],
    "junit": re.findall(r"junit testResults: '([^']+)'", code),
    "promote_when_main": bool(re.search(r"stage\('Promote'\) \{\s*when \{[^}]*branch 'main'", code, re.S)),
}))
P
	jq -e '.stages == ["Build mlgate", "Gate", "Promote"] and (.sh | length) == 3 and
		(.sh[1] | test("--junit")) and .junit == ["mlgate-reports/junit.xml"] and .promote_when_main' steps.json >/dev/null ||
		{ cat steps.json; return 1; }
	# Where Groovy is installed (Debian's groovy), the Jenkinsfile must parse.
	if command -v groovy >/dev/null 2>&1 && command -v java >/dev/null 2>&1; then
		printf '%s\n' 'def cu = new org.codehaus.groovy.control.CompilationUnit()' 'cu.addSource(new File(args[0]))' \
			'cu.compile(org.codehaus.groovy.control.Phases.CONVERSION)' >parse.groovy
		JAVA_HOME=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")} \
			groovy parse.groovy "$jf" >groovy.txt 2>&1 || { echo "the Jenkinsfile does not parse as Groovy:"; cat groovy.txt; return 1; }
	fi
	jq -r '.sh[1]' steps.json >gate.sh && jq -r '.sh[2]' steps.json >promote.sh || return 1
	# The Gate and Promote stages' shell in a workspace (Jenkins runs sh steps with sh -xe).
	cp -r "$root/examples/fraud" ws && mkdir -p ws/tools/mlgate && ln -s "$TPL_MLGATE" ws/tools/mlgate/mlgate || return 1
	start_mockreg --model fraud-model:7:READY || return 1
	(cd ws && MLGATE=tools/mlgate/mlgate MLGATE_SUITE=mlgate.json MLGATE_REPORTS=mlgate-reports sh -e ../gate.sh) >gate.log 2>&1 ||
		{ cat gate.log; return 1; }
	[ -s ws/mlgate-reports/junit.xml ] || return 1
	(cd ws && MLGATE=tools/mlgate/mlgate MLGATE_SUITE=mlgate.json MLGATE_REPORTS=mlgate-reports MODEL_VERSION=7 \
		MLFLOW_TRACKING_URI=$MOCKREG_URL REGISTRY_HOOK_URL=$MOCKREG_URL/hooks/gate MLGATE_WEBHOOK_SECRET=s3cret \
		MLFLOW_TRACKING_TOKEN=t0ken sh -e ../promote.sh) >promote.log 2>&1 || { cat promote.log; return 1; }
	[ "$(tpl_alias)" = 7 ] || { mockreg_state; return 1; }
	stop_mockreg
}

test_template_grafana_dashboard_charts_emitted_metrics() {
	local dash=$root/ci-templates/grafana/mlgate-dashboard.json
	jq -e '.panels | length > 0' "$dash" >/dev/null || { echo "not a dashboard with panels"; return 1; }
	# the data source is a Prometheus variable, and every panel uses it
	jq -e '(.templating.list[] | select(.name == "datasource") | .type == "datasource" and .query == "prometheus") and
		all(.panels[]; .datasource.uid == "${datasource}" and all(.targets[]; .datasource.uid == "${datasource}"))' "$dash" >/dev/null ||
		{ echo "panels not on the \${datasource} variable"; return 1; }
	# the metric names the queries use...
	jq -r '[.panels[].targets[].expr, (.templating.list[] | .definition // empty, .query.query? // empty)] | .[]' "$dash" |
		grep -o 'mlgate_[a-z0-9_]*' | sort -u >charted.txt
	for m in mlgate_gate_open mlgate_checks mlgate_check_duration_seconds mlgate_check_status mlgate_model_metric_metrics_json_test_auc_value; do
		grep -qx "$m" charted.txt || { echo "the dashboard does not chart $m"; return 1; }
	done
	# ...are all names mlgate run --metrics emits for the example suite
	cp -r "$root/examples/fraud" ex && (cd ex && mlg run --metrics ../m.txt -q >/dev/null 2>&1) || return 1
	grep -v '^#' m.txt | sed 's/[{ ].*//' | sort -u >emitted.txt
	comm -23 charted.txt emitted.txt >unknown.txt
	[ ! -s unknown.txt ] || { echo "the dashboard queries metrics mlgate does not emit:"; cat unknown.txt; return 1; }
}
