# Promotion by retag against the real OCI registry from Debian's
# docker-registry package (sourced by tests/e2e.sh).

oci_suite() {
	printf '{"test": {"auc": %s}}\n' "${1:-0.91}" > metrics.json
	cat > mlgate.json <<'J'
{ "suite": "oci-e2e",
  "checks": [ { "kind": "model.metric", "file": "metrics.json", "path": "test.auc", "min": 0.9 } ],
  "gate": { "promote": [
    { "registry": "oci", "url": "${REGISTRY_URL}", "repository": "models/fraud",
      "tag": "${CANDIDATE:-candidate}", "promote_tag": "champion", "attempts": 2, "backoff": "100ms" } ] } }
J
}

test_oci_retag_promotes_the_exact_manifest() {
	start_registry || return 1
	local want got rc=0
	want=$(push_model_artifact models/fraud candidate) || { stop_registry; return 1; }
	oci_suite
	mlg run --promote --json r.json >out.txt 2>&1 || { cat out.txt; rc=1; }
	got=$(manifest_digest models/fraud champion)
	[ "$got" = "$want" ] || { echo "champion is '$got', expected '$want'"; cat out.txt; rc=1; }
	grep -qF "models/fraud:candidate -> champion ($want)" out.txt || { cat out.txt; rc=1; }
	jq -e '.promotion.calls[0].registry == "oci" and .promotion.calls[0].status == "done"' r.json >/dev/null || rc=1
	# Promoting the same results again is a no-op that says so.
	mlg promote --results r.json >out2.txt 2>&1 || { cat out2.txt; rc=1; }
	grep -q "already done" out2.txt || { echo "a repeat was not a no-op"; cat out2.txt; rc=1; }
	stop_registry
	return $rc
}

test_oci_gate_closed_leaves_the_registry_alone() {
	start_registry || return 1
	local rc=0
	push_model_artifact models/fraud candidate >/dev/null || { stop_registry; return 1; }
	oci_suite 0.5
	mlg run --promote >out.txt 2>&1
	[ $? = 1 ] || { echo "expected exit 1"; cat out.txt; rc=1; }
	[ -z "$(manifest_digest models/fraud champion)" ] || { echo "champion was created"; rc=1; }
	grep -q "gate closed" out.txt || rc=1
	stop_registry
	return $rc
}

test_oci_missing_candidate_is_exit_4() {
	start_registry || return 1
	local rc=0
	oci_suite
	CANDIDATE=nosuchtag mlg run --promote >out.txt 2>&1
	[ $? = 4 ] || { echo "expected exit 4"; cat out.txt; rc=1; }
	grep -q "manifests/nosuchtag: HTTP 404" out.txt || { cat out.txt; rc=1; }
	stop_registry
	return $rc
}
