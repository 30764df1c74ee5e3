# infra.junit: importing another runner's JUnit report (sourced by
# tests/e2e.sh; expect_exit and has come from cli.sh). Each test_* runs in
# a fresh empty folder.

# A stand-in for `pytest --junitxml=reports/junit.xml` (pytest is not
# installed here): writes the report in pytest's form and exits as pytest
# does, 1 when a test failed. FAIL=1 makes test_scaler fail.
junit_import_fake_pytest() {
	cat >fake-pytest.sh <<-'EOF'
	mkdir -p reports
	if [ "${FAIL:-0}" = 1 ]; then
		tc='<testcase classname="tests.test_features" name="test_scaler" time="0.004"><failure message="assert 0.0 == 0.5">def test_scaler():
	&gt;       assert x.mean() == 0.5
	E       assert 0.0 == 0.5

	tests/test_features.py:14: AssertionError</failure></testcase>'
		failures=1
	else
		tc='<testcase classname="tests.test_features" name="test_scaler" time="0.004" />'
		failures=0
	fi
	printf '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="0" failures="%s" skipped="0" tests="2" time="0.020" timestamp="2025-03-04T10:11:12.345678" hostname="ci">%s<testcase classname="tests.test_features" name="test_encoder[onehot]" time="0.003" /></testsuite></testsuites>' \
		"$failures" "$tc" >reports/junit.xml
	echo "collected 2 items"
	exit "$failures"
	EOF
}

# The command runs the tests (its check passes when pytest ran, whether or
# not a test failed: exit 0 or 1), then infra.junit judges the results. -j 1
# keeps suite order.
junit_import_suite() {
	cat >mlgate.json <<-'EOF'
	{
	  "mlgate": 1,
	  "suite": "junit-e2e",
	  "checks": [
	    { "kind": "infra.command", "name": "unit tests ran", "run": "sh fake-pytest.sh; [ $? -le 1 ]", "shell": true },
	    { "kind": "infra.junit", "name": "feature unit tests", "file": "reports/junit.xml" }
	  ]
	}
	EOF
}

test_junit_import_report_written_in_the_same_suite() {
	junit_import_fake_pytest
	junit_import_suite
	FAIL=1 expect_exit 1 mlg run -j 1 --json r.json --junit j.xml || return 1
	jq -e '.checks[0].status == "passed" and .checks[1].status == "failed"' r.json >/dev/null || { jq . r.json; return 1; }
	jq -e '.checks[1].message == "1 of 2 imported tests failed: tests.test_features::test_scaler (assert 0.0 == 0.5)"' r.json >/dev/null ||
		{ jq '.checks[1]' r.json; return 1; }
	jq -e '.checks[1].examples[0] | .case == "tests.test_features::test_scaler" and .classname == "tests.test_features" and .name == "test_scaler"' r.json >/dev/null ||
		{ jq '.checks[1].examples' r.json; return 1; }
	# the report is an input of the run, with its digest
	jq -e '.inputs | map(select(.path == "reports/junit.xml" and (.sha256 | length) == 64)) | length == 1' r.json >/dev/null ||
		{ jq '.inputs' r.json; return 1; }
	# mlgate's own JUnit report carries the imported failure and stays valid
	xmllint --noout --schema "$here/data/spec/junit-mlgate.xsd" j.xml || return 1
	has j.xml 'message="1 of 2 imported tests failed: tests.test_features::test_scaler (assert 0.0 == 0.5)"' || return 1
	has out.txt 'failed tests.test_features::test_scaler: assert 0.0 == 0.5' || return 1
	# fixed: the gate opens
	FAIL=0 expect_exit 0 mlg run -j 1 --json r.json || return 1
	jq -e '.checks[1].message == "2 imported tests passed" and .checks[1].observed.tests == 2' r.json >/dev/null ||
		{ jq '.checks[1]' r.json; return 1; }
}

# junit_import_generate N: reports/big.xml with N cases, every 1000th failing.
junit_import_generate() {
	mkdir -p reports
	awk -v n="$1" 'BEGIN {
		print "<?xml version=\"1.0\" encoding=\"utf-8\"?><testsuites><testsuite name=\"pytest\">"
		for (i = 0; i < n; i++) {
			if (i % 1000 == 7)
				printf "<testcase classname=\"tests.test_big\" name=\"test_%d\" time=\"0.001\"><failure message=\"assert %d == 0\">trace</failure></testcase>\n", i, i
			else
				printf "<testcase classname=\"tests.test_big\" name=\"test_%d[p%d]\" time=\"0.001\"><system-out>line %d</system-out></testcase>\n", i, i % 97, i
		}
		print "</testsuite></testsuites>"
	}' >reports/big.xml
}

# Under a wrapper (valgrind) or in an ASan build the process is not ours to measure.
junit_import_measurable() {
	[ -z "${MLGATE_WRAP:-}" ] && ! grep -qa '__asan_init' "$MLGATE"
}

test_junit_import_large_report_in_bounded_memory() {
	local pid peak=0 kb rc
	junit_import_generate 200000
	cat >mlgate.json <<-'EOF'
	{ "mlgate": 1, "suite": "junit-big",
	  "checks": [ { "kind": "infra.junit", "file": "reports/big.xml", "max_failures": 1000 } ] }
	EOF
	# not through mlg(), a function: $! would be the subshell running it
	${MLGATE_WRAP:-} "$MLGATE" run --json r.json >out.txt 2>&1 &
	pid=$!
	# the high-water mark of the run's resident memory, while it lasts
	while kill -0 "$pid" 2>/dev/null; do
		kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
		[ -n "$kb" ] && peak=$kb
		sleep 0.02
	done
	wait "$pid"
	rc=$?
	[ "$rc" = 0 ] || { echo "exit $rc"; cat out.txt; return 1; }
	jq -e '.checks[0].observed | .tests == 200000 and .failed == 200 and .passed == 199800' r.json >/dev/null ||
		{ jq '.checks[0]' r.json; return 1; }
	jq -e '.checks[0].message == "199800 of 200000 imported tests passed (200 failed), within max_failures 1000"' r.json >/dev/null ||
		{ jq '.checks[0].message' r.json; return 1; }
	# the examples and the details list stay capped; the counts are exact
	jq -e '.checks[0] | (.examples | length) == 5 and (.details | endswith("... and 150 more\n"))' r.json >/dev/null ||
		{ jq '.checks[0] | {examples, details}' r.json | tail -5; return 1; }
	if junit_import_measurable; then
		echo "peak resident memory: $peak kB for a $(wc -c <reports/big.xml)-byte report"
		[ "$peak" -lt 102400 ] || { echo "more than 100 MB"; return 1; }
	fi
}

test_junit_import_timeout_is_an_error() {
	junit_import_generate 50000
	cat >mlgate.json <<-'EOF'
	{ "mlgate": 1, "suite": "junit-timeout",
	  "checks": [ { "kind": "infra.junit", "file": "reports/big.xml", "timeout": "1ms" } ] }
	EOF
	expect_exit 3 mlg run --json r.json || return 1
	jq -e --arg want "'reports/big.xml' was not read within the check's timeout of 0.001 s (" \
		'.checks[0].status == "error" and (.checks[0].message | startswith($want))' r.json >/dev/null ||
		{ jq '.checks[0]' r.json; return 1; }
	jq -e '.checks[0].examples == null' r.json >/dev/null || { jq '.checks[0]' r.json; return 1; }
}

# Imported failing cases appear in mlgate's own JUnit report as testcases of
# their own, failures only when the importing check fails and gates.
test_junit_import_cases_reappear_in_mlgate_junit() {
	cp -r "$here/data/infra.junit/fail-pytest/." .
	mlg run --junit j.xml --json r.json >out.txt 2>&1
	[ $? = 1 ] || { cat out.txt; return 1; }
	xmllint --noout --schema "$here/data/spec/junit-mlgate.xsd" j.xml || return 1
	# 2 checks + 4 imported cases per check
	[ "$(xmllint --xpath 'count(//testcase)' j.xml)" = 10 ] || return 1
	[ "$(xmllint --xpath 'count(//testcase[@classname="tests.test_features" and @name="test_scaler"]/failure)' j.xml)" = 1 ] || return 1
	[ "$(xmllint --xpath 'count(//testcase[@name="test_load_data"]/error)' j.xml)" = 1 ] || return 1
	[ "$(xmllint --xpath 'string(//testcase[@name="test_scaler"][1]/properties/property[@name="imported_by"]/@value)' j.xml)" = "infra.junit:reports/pytest.xml" ] || return 1
	# the tolerant check passed: its copies are output, not failures
	[ "$(xmllint --xpath 'count(//testcase[@name="test_scaler"][system-out])' j.xml)" = 1 ] || return 1
	grep -q '(tolerated by tolerant)' j.xml || return 1
	[ "$(xmllint --xpath 'string(/testsuites/@failures)' j.xml)" = 3 ] &&
		[ "$(xmllint --xpath 'string(/testsuites/@errors)' j.xml)" = 2 ]
}

# A byte the declared encoding cannot convert: libxml2's encoding layer
# raises that error with no parser, to its global handler, which printed
# "encoding error : input conversion failed..." and "I/O error" lines to
# stderr. Now the check's message says it and stderr stays empty, with
# several imports on several threads (the handlers are per thread).
test_junit_import_encoding_errors_not_on_stderr() {
	local i checks=""
	for i in 1 2 3 4 5 6; do
		printf '<?xml version="1.0" encoding="Shift_JIS"?>\n<testsuite name="s\202" tests="1"><testcase name="t" classname="c"/></testsuite>\n' > sjis$i.xml
		printf '<?xml version="1.0" encoding="ISO-2022-JP"?>\n<testsuite name="s\033$B" tests="1"><testcase name="t\377" classname="c"/></testsuite>\n' > jis$i.xml
		printf '<?xml version="1.0" encoding="nope-9"?>\n<testsuite name="s" tests="1"/>\n' > unknown$i.xml
		checks="$checks${checks:+, }{ \"kind\": \"infra.junit\", \"file\": \"sjis$i.xml\" }, { \"kind\": \"infra.junit\", \"file\": \"jis$i.xml\" }, { \"kind\": \"infra.junit\", \"file\": \"unknown$i.xml\" }"
	done
	printf '{ "checks": [ %s ] }\n' "$checks" > mlgate.json
	expect_exit 3 mlg run -j 4 --json r.json || return 1
	[ ! -s err.txt ] || { echo "stderr is not empty:"; cat -A err.txt | head; return 1; }
	has out.txt "'sjis1.xml' is not well-formed XML: input conversion failed due to input error, bytes 0x82" || return 1
	has out.txt "'unknown6.xml' is not well-formed XML: unsupported encoding nope-9" || return 1
	[ "$(jq '[.checks[] | select(.status == "error" and (.message | test("not well-formed XML: .")))] | length' r.json)" = 18 ] ||
		{ jq -r '.checks[].message' r.json; return 1; }
}
