# Scripted end-to-end tests of mlgate run --shard and mlgate merge
# (sourced by tests/e2e.sh; expect_exit and has come from cli.sh).
# Each test_* runs in a fresh empty folder; a non-zero return fails it.

# What differs from one run to the next, and what only a merge adds.
merge_untimed='del(.started, .duration_s, .merged_shards) | .checks[] |= del(.duration_s)'

# A copy of the example suite in ex/, run as shards 1/3, 2/3, 3/3 into
# ex/s1.json... (the current folder becomes ex/).
shard_example() {
	cp -r "$root/examples/fraud" ex && cd ex || return 1
	for k in 1 2 3; do
		mlg run --shard "$k/3" --json "s$k.json" >"run$k.txt" 2>&1 || { cat "run$k.txt"; return 1; }
	done
}

# The variables the example's gate needs to promote (dry runs only).
promote_env() {
	MLFLOW_TRACKING_URI=http://127.0.0.1:9 MODEL_VERSION=1 REGISTRY_HOOK_URL=http://127.0.0.1:9/h \
		MLGATE_WEBHOOK_SECRET=not-a-secret "$@"
}

test_merge_equals_unsharded_run() {
	shard_example || return 1
	mlg run --json whole.json --junit whole.xml >whole.txt 2>&1 || { cat whole.txt; return 1; }
	expect_exit 0 mlg merge -o merged.json s1.json s2.json s3.json --junit merged.xml || return 1
	has out.txt "merged 3 shards: 11 checks: 11 passed, 0 failed, 0 errors, 0 skipped, 0 warnings: gate open" || return 1
	jq -e '.merged_shards == 3 and (has("shard") | not) and .complete and .gate == "open"' merged.json >/dev/null ||
		{ echo "merged.json lacks merged_shards or kept shard"; return 1; }
	cmp <(jq "$merge_untimed" merged.json) <(jq "$merge_untimed" whole.json) ||
		{ diff <(jq "$merge_untimed" merged.json) <(jq "$merge_untimed" whole.json) | head -20; return 1; }
	xmllint --noout --schema "$here/data/spec/junit-mlgate.xsd" merged.xml || return 1
	# the JUnit of the merged results is the unsharded run's, times aside
	cmp <(sed -E 's/ (time|timestamp)="[^"]*"//g' merged.xml) <(sed -E 's/ (time|timestamp)="[^"]*"//g' whole.xml) ||
		{ echo "merged JUnit differs"; return 1; }
	# the same bytes whatever the order of the files
	expect_exit 0 mlg merge s3.json s1.json -o again.json s2.json || return 1
	cmp merged.json again.json || { echo "the order of the files changed the merge"; return 1; }
	ls -a | grep -q '\.tmp\.' && { echo "temporary report left behind"; return 1; }
	return 0
}

test_merge_refuses_missing_or_duplicate_shard() {
	shard_example || return 1
	expect_exit 2 mlg merge -o merged.json s1.json s3.json || return 1
	has err.txt "missing shard 2 of 3" || return 1
	expect_exit 2 mlg merge -o merged.json s1.json s2.json s3.json s2.json || return 1
	has err.txt "shard 2 of 3 given twice: s2.json and s2.json" || return 1
	cp s2.json again2.json
	expect_exit 2 mlg merge -o merged.json s2.json s1.json again2.json || return 1
	has err.txt "shard 2 of 3 given twice: s2.json and again2.json" || return 1
	# a whole run is not a shard
	mlg run --json whole.json >/dev/null 2>&1
	expect_exit 2 mlg merge -o merged.json s1.json s2.json whole.json || return 1
	has err.txt "whole.json has no \"shard\"" || return 1
	[ ! -e merged.json ] || { echo "merged.json written for refused input"; return 1; }
}

test_merge_refuses_edited_suite() {
	shard_example || return 1
	# shard 2 ran after the suite was edited: a different version
	sed -i 's/"min": 100 }/"min": 101 }/' mlgate.json
	mlg run --shard 2/3 --json s2.json >/dev/null 2>&1
	expect_exit 2 mlg merge -o merged.json s1.json s2.json s3.json || return 1
	has err.txt "s1.json and s2.json are from different versions of the suite" || return 1
	# shards that agree, but not with the suite the reports are for
	sed -i 's/"min": 100 }/"min": 101 }/' mlgate.json
	for k in 1 3; do mlg run --shard "$k/3" --json "s$k.json" >/dev/null 2>&1; done
	cp "$root/examples/fraud/mlgate.json" mlgate.json
	expect_exit 2 mlg merge -o merged.json s1.json s2.json s3.json --junit j.xml || return 1
	has err.txt "another version of 'mlgate.json'" || return 1
	[ ! -e j.xml ] || { echo "JUnit written for results of another suite"; return 1; }
}

test_merge_exit_codes_follow_the_gate() {
	shard_example || return 1
	# a failing gating check: 1, and the merged results say which
	sed -i 's/"auc": 0.9[0-9]*/"auc": 0.5/' metrics.json
	for k in 1 2 3; do mlg run --shard "$k/3" --json "f$k.json" >/dev/null 2>&1; done
	expect_exit 1 mlg merge -o merged.json f1.json f2.json f3.json || return 1
	has out.txt "gate closed" || return 1
	jq -e '.gate == "closed" and .summary.failed >= 1' merged.json >/dev/null || return 1
	# deselected everywhere: incomplete, 3
	cp "$root/examples/fraud/metrics.json" metrics.json
	for k in 1 2 3; do mlg run --shard "$k/3" -k 'data.*' --json "k$k.json" >/dev/null 2>&1; done
	expect_exit 3 mlg merge -o merged.json k1.json k2.json k3.json || return 1
	has out.txt "incomplete: cannot promote" || return 1
	jq -e '.complete == false and ([.checks[] | select(.status == "skipped")] | length) == 5 and
		all(.checks[] | select(.status == "skipped"); .message == "deselected by -k/--tag")' merged.json >/dev/null ||
		{ jq -c '[.checks[] | {id, status, message}]' merged.json; return 1; }
	# usage
	expect_exit 2 mlg merge s1.json s2.json s3.json || return 1
	has err.txt "-o FILE is required" || return 1
	expect_exit 2 mlg merge -o merged.json || return 1
	expect_exit 2 mlg merge -o merged.json no-such.json || return 1
	has err.txt "no-such.json" || return 1
	printf 'not json' > bad.json
	expect_exit 2 mlg merge -o merged.json s1.json bad.json s3.json || return 1
	has err.txt "'bad.json' is not JSON"
}

test_promote_needs_merged_results() {
	shard_example || return 1
	mlg merge -o merged.json s1.json s2.json s3.json >/dev/null || return 1
	promote_env expect_exit 0 mlg promote --results merged.json --dry-run || return 1
	# one shard's results lack the other shards' checks: never a promotion
	promote_env expect_exit 3 mlg promote --results s1.json --dry-run || return 1
	has out.txt "nothing will be promoted"
}
