# Scripted end-to-end tests of the metrics tables model kinds put in
# observed.metrics: under the check's line in the terminal report, as a
# table in the Markdown summary, as text (not one huge property) in JUnit
# (sourced by tests/e2e.sh; expect_exit and has come from cli.sh). Each
# test_* runs in a fresh empty folder. The tables' layout is unit-tested
# in tests/test_report.c; this checks the wiring through `mlgate run`.

reports_metrics_suite() {
	printf '{"test": {"auc": 0.91, "f1": 0.5}}\n' >metrics.json
	printf '{"test": {"auc": 0.9, "f1": 0.6}}\n' >baseline.json
	cat >mlgate.json <<-'JSON'
	{
	  "mlgate": 1,
	  "suite": "metric-tables",
	  "checks": [
	    { "kind": "model.metric", "id": "single", "file": "metrics.json", "path": "test.auc", "min": 0.9 },
	    { "kind": "model.metric", "id": "quality", "file": "metrics.json",
	      "metrics": { "test.auc": { "min": 0.9 }, "test.f1": { "min": 0.4 } },
	      "baseline": { "file": "baseline.json", "max_drop": 0.02 } },
	    { "kind": "model.metric", "id": "passing", "file": "metrics.json",
	      "metrics": { "test.auc": { "min": 0.5 }, "test.f1": { "min": 0.4 } } }
	  ]
	}
	JSON
}

# lacks FILE TEXT: FILE does not contain TEXT.
reports_metrics_lacks() {
	! grep -qF -- "$2" "$1" || { echo "'$1' has: $2"; grep -nF -- "$2" "$1" | head -5; return 1; }
}

test_reports_metrics_tables() {
	reports_metrics_suite
	expect_exit 1 mlg run -j 2 --color=never --json r.json --junit j.xml --summary s.md || return 1
	jq -e '.checks[1].observed.metrics | length == 2' r.json >/dev/null ||
		{ echo "no metrics table in the results:"; jq -c '.checks[1].observed' r.json; return 1; }

	# terminal: the table right under the check's line, with the baseline
	awk '/^FAIL  quality / { getline; print; exit }' out.txt | grep -q '^      metric .* baseline  delta ' ||
		{ echo "no table under the line of 'quality':"; cat out.txt; return 1; }
	grep -q '^      test\.f1 .* -0\.1 .*failed' out.txt || { echo "no failed row for test.f1:"; cat out.txt; return 1; }
	has out.txt '   observed: {"baseline_source":"baseline.json"}' || return 1
	has out.txt "   metrics: 2 rows, in the table under the check's line above" || return 1
	# a passed check's table too; none for a check without one
	awk '/^PASS  passing / { getline; print; exit }' out.txt | grep -q '^      metric ' ||
		{ echo "no table under the line of 'passing':"; cat out.txt; return 1; }
	awk '/^PASS  single / { getline; print; exit }' out.txt | grep -q '^      ' &&
		{ echo "a table under the line of 'single':"; cat out.txt; return 1; }

	# Markdown: a table for the problem, and one for the passed check
	has s.md '| metric | value | bound | baseline | delta | status | why |' || return 1
	has s.md '| test.f1 | 0.5 |' || return 1
	has s.md '### Model metrics' || return 1
	has s.md '✅ **passing**' || return 1
	# observed without the table, which follows as one
	has s.md 'observed: {"baseline&#95;source"&#58;"baseline.json"}  ' || return 1

	# JUnit: valid; whole-dataset values as properties, the table as text
	xmllint --noout --schema "$here/data/spec/junit-mlgate.xsd" j.xml || return 1
	has j.xml '<property name="observed.metrics.test.f1" value="0.5"/>' || return 1
	reports_metrics_lacks j.xml 'name="observed.metrics" value="[' || return 1
	has j.xml 'metrics:' || return 1
	has j.xml '<system-out>2 metrics' || return 1

	# --quiet: the failed check with its table, nothing of the passed ones
	expect_exit 1 mlg run -j 1 --quiet --color=never || return 1
	grep -q '^      test\.f1 ' out.txt || { echo "--quiet dropped the table of a failed check"; cat out.txt; return 1; }
	[ "$(grep -c '^      metric ' out.txt)" = 1 ] || { echo "--quiet shows a passed check's table"; cat out.txt; return 1; }
}
