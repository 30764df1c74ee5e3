# Scripted end-to-end tests of model.metric against a baseline read from
# git: the same metrics file at the merge base of HEAD and a ref, through
# libgit2, without a checkout (sourced by tests/e2e.sh; expect_exit and has
# come from cli.sh). Each test_* runs in a fresh empty folder.

# baseline_git ARGS...: git with a fixed identity, whatever the machine's config.
baseline_git() {
	git -c user.name=t -c user.email=t@example.com -c init.defaultBranch=main \
		-c advice.detachedHead=false "$@"
}

# baseline_metrics AUC F1: model/metrics.json.
baseline_metrics() {
	mkdir -p model
	printf '{ "test": { "auc": %s, "f1": %s } }\n' "$1" "$2" >model/metrics.json
}

# baseline_suite GIT_REF [MORE JSON MEMBERS]: model/mlgate.json with one
# check of test.auc against GIT_REF (max_drop 0.005) and one of both metrics.
baseline_suite() {
	local more=${2:-}
	mkdir -p model
	cat >model/mlgate.json <<-EOF
	{
	  "mlgate": 1,
	  "checks": [
	    { "kind": "model.metric", "file": "metrics.json", "path": "test.auc", "id": "auc"$more,
	      "baseline": { "git_ref": "$1", "max_drop": 0.005 } },
	    { "kind": "model.metric", "file": "metrics.json", "id": "both"$more,
	      "metrics": { "test.auc": {}, "test.f1": { "max_relative_drop": 0.1 } },
	      "baseline": { "git_ref": "$1", "max_drop": 0.005 } }
	  ]
	}
	EOF
}

# A repository in the current folder (the suite in its model/ folder):
#   base  (main):     auc 0.86, f1 0.8
#   feature, from base: the candidate's metrics, uncommitted or committed
#   main, after feature branched: auc 0.99 (a later, better model on main)
# Comparing with main's tip would fail every candidate; the merge base
# (base) is what the branch must not be worse than. Prints base's id.
baseline_repo() {
	baseline_git init -q . || return 1
	baseline_metrics 0.86 0.8
	baseline_suite main
	baseline_git add -A && baseline_git commit -qm base || return 1
	baseline_git checkout -qb feature || return 1
	baseline_git checkout -q main || return 1
	baseline_metrics 0.99 0.95
	baseline_git commit -qam "better on main" || return 1
	baseline_git checkout -q feature || return 1
	baseline_git rev-parse --short=7 main~1
}

test_baseline_git_ref_reads_the_merge_base() {
	local base head
	base=$(baseline_repo) || return 1
	[ ${#base} = 7 ] || { echo "no base commit: $base"; return 1; }
	head=$(baseline_git rev-parse HEAD)

	# 0.855 is 0.005 below base's 0.86 (main's tip has 0.99)
	baseline_metrics 0.855 0.79
	(cd model && expect_exit 0 mlg run --json ../r.json) || return 1
	jq -e --arg src "main@$base" '.checks[0] | .status == "passed"
		and .observed.value == 0.855 and .observed.baseline == 0.86
		and .observed.baseline_source == $src and .expected.max_drop == 0.005' r.json >/dev/null ||
		{ jq -c '.checks[0]' r.json; return 1; }
	has r.json "test.auc = 0.855, baseline 0.86 at main (merge base $base): dropped 0.005" || return 1
	jq -e '.checks[1] | .status == "passed" and .message == "2 metrics within bounds"
		and ([.observed.metrics[] | .baseline] == [0.86, 0.8])' r.json >/dev/null ||
		{ jq -c '.checks[1]' r.json; return 1; }

	# worse than the merge base: the message has candidate, baseline, delta and bound
	baseline_metrics 0.84 0.7
	baseline_git commit -qam "worse" || return 1
	(cd model && expect_exit 1 mlg run --json ../r.json) || return 1
	jq -e --arg m "test.auc = 0.84, baseline 0.86 at main (merge base $base): dropped 0.02, more than max_drop 0.005" \
		'.checks[0].status == "failed" and .checks[0].message == $m' r.json >/dev/null ||
		{ jq -c '.checks[0] | {status, message}' r.json; return 1; }
	# several metrics: the first failing is named, both rows are failed
	jq -e '.checks[1].status == "failed" and (.checks[1].message | startswith("test.auc = 0.84"))
		and (.checks[1].message | endswith("(2 of 2 metrics failed)"))
		and ([.checks[1].observed.metrics[].status] == ["failed", "failed"])
		and .checks[1].observed.metrics[1].why == "dropped 0.1, more than max_relative_drop 0.1 of the baseline (0.08)"' \
		r.json >/dev/null || { jq -c '.checks[1] | {message, observed}' r.json; return 1; }

	# nothing was checked out: HEAD, branch and working tree are as they were
	[ "$(baseline_git rev-parse --abbrev-ref HEAD)" = feature ] || { echo "branch moved"; return 1; }
	[ "$(baseline_git rev-parse HEAD~1)" = "$head" ] || { echo "HEAD moved"; return 1; }
	[ -z "$(baseline_git status --porcelain --untracked-files=no)" ] || { baseline_git status; return 1; }

	# on main itself the merge base is main's tip: 0.99 after 0.99
	baseline_git checkout -q main || return 1
	(cd model && expect_exit 0 mlg run --json ../r.json) || return 1
	has r.json "test.auc = 0.99, baseline 0.99 at main (merge base $(baseline_git rev-parse --short=7 main)): unchanged" || return 1
}

# The suite anywhere in the repository, run from anywhere: the file is
# found at the same path from the repository's root.
test_baseline_git_ref_from_another_folder() {
	local base
	base=$(baseline_repo) || return 1
	baseline_metrics 0.84 0.8
	mkdir -p elsewhere
	(cd elsewhere && expect_exit 1 mlg run -c ../model/mlgate.json --json ../r.json) || return 1
	has r.json "baseline 0.86 at main (merge base $base): dropped 0.02" || return 1
}

test_baseline_git_unknown_ref() {
	baseline_repo >/dev/null || return 1
	baseline_suite origin/main
	(cd model && expect_exit 3 mlg run --json ../r.json) || return 1
	jq -e '.checks[0].status == "error"' r.json >/dev/null || return 1
	has r.json "baseline: git_ref 'origin/main': unknown revision" || return 1
	has r.json 'fetch-depth: 0' || return 1
	has r.json 'GIT_DEPTH: 0' || return 1
	has r.json '`git fetch origin main`' || return 1
	# a local name: fetch it under its own name
	baseline_suite release-2
	(cd model && expect_exit 3 mlg run --json ../r.json) || return 1
	has r.json '`git fetch origin release-2:release-2`' || return 1
}

# A metrics file the base commit does not have (the first run on a branch
# that adds it): a pass with a note, or an error when asked.
test_baseline_git_file_absent_at_base() {
	local base
	baseline_git init -q . || return 1
	echo "a model" >README
	baseline_git add README && baseline_git commit -qm base || return 1
	base=$(baseline_git rev-parse --short=7 HEAD)
	baseline_git checkout -qb feature || return 1
	baseline_metrics 0.84 0.8
	baseline_suite main
	(cd model && expect_exit 0 mlg run --json ../r.json) || return 1
	jq -e --arg why "no baseline for test.auc: 'metrics.json' does not exist at main (merge base $base)" \
		--arg src "main@$base" \
		'.checks[0] | .status == "passed" and .message == "test.auc = 0.84; " + $why
		 and .observed.baseline_source == $src and .observed.metrics[0].why == $why' \
		r.json >/dev/null || { jq -c '.checks[0]' r.json; return 1; }
	jq -e --arg m "2 metrics within bounds; no baseline: 'metrics.json' does not exist at main (merge base $base)" \
		'.checks[1].status == "passed" and .checks[1].message == $m' r.json >/dev/null ||
		{ jq -c '.checks[1] | {status, message}' r.json; return 1; }

	baseline_suite main ', "on_missing_baseline": "error"'
	(cd model && expect_exit 3 mlg run --json ../r.json) || return 1
	has r.json "no baseline for test.auc: 'metrics.json' does not exist at main (merge base $base); on_missing_baseline is \\\"error\\\"" || return 1

	# a metric the base's file does not have yet is missing too
	baseline_git add -A && baseline_git commit -qm metrics || return 1
	baseline_git checkout -q main && baseline_git merge -q --ff-only feature && baseline_git checkout -qb next || return 1
	printf '{ "test": { "auc": 0.84, "f1": 0.8, "recall": 0.5 } }\n' >model/metrics.json
	cat >model/mlgate.json <<-'EOF'
	{ "checks": [ { "kind": "model.metric", "file": "metrics.json", "path": "test.recall",
	                "baseline": { "git_ref": "main", "max_drop": 0.01 } } ] }
	EOF
	(cd model && expect_exit 0 mlg run --json ../r.json) || return 1
	has r.json "no baseline for test.recall at main (merge base $(baseline_git rev-parse --short=7 main)): no key 'recall' in 'test' (keys: auc, f1)" || return 1
}

test_baseline_git_not_a_repository() {
	if git rev-parse --git-dir >/dev/null 2>&1; then
		echo "skipped: the temp folder is inside a git repository"
		return 0
	fi
	baseline_metrics 0.84 0.8
	baseline_suite main
	(cd model && expect_exit 3 mlg run --json ../r.json) || return 1
	has r.json "is not in a git repository (needed for git_ref 'main')" || return 1
}

# CI clones: a shallow single-branch clone has no origin/main at all; a
# shallow clone of every branch has it, but not the history down to the
# merge base.
test_baseline_git_shallow_clone() {
	mkdir origin && cd origin || return 1
	baseline_repo >/dev/null || return 1
	# more history on both sides, so that depth 1 cuts above the merge base
	baseline_metrics 0.85 0.8
	baseline_git commit -qam "feature 1" && baseline_git commit -q --allow-empty -m "feature 2" || return 1
	cd .. || return 1

	baseline_git clone -q --depth 1 --branch feature "file://$PWD/origin" one || return 1
	baseline_suite origin/main
	cp model/mlgate.json one/model/mlgate.json
	(cd one/model && expect_exit 3 mlg run --json ../../r.json) || return 1
	has r.json "git_ref 'origin/main': unknown revision" || return 1
	has r.json 'fetch-depth: 0' || return 1
	has r.json '`git fetch origin main`' || return 1

	baseline_git clone -q --depth 1 --no-single-branch --branch feature "file://$PWD/origin" all || return 1
	baseline_git -C all rev-parse -q --verify origin/main >/dev/null || { echo "no origin/main in the clone"; return 1; }
	cp model/mlgate.json all/model/mlgate.json
	# Neither under MLGATE_WRAP nor LeakSanitizer: libgit2 1.5's
	# git_merge_base() leaks 64 bytes per commit it cannot find (its own
	# allocation, on this error path only).
	(cd all/model && ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
		expect_exit 3 "$MLGATE" run --json ../../r.json) || return 1
	has r.json "cannot find the merge base of HEAD and git_ref 'origin/main': this clone is shallow" || return 1
	has r.json 'fetch-depth: 0' || return 1

	# the fix the message gives works
	baseline_git -C all fetch -q --unshallow || return 1
	(cd all/model && expect_exit 1 mlg run --json ../../r.json) || return 1
	has r.json "test.auc = 0.85, baseline 0.86 at origin/main (merge base " || return 1
}
