# Scripted end-to-end tests of the text kinds: data.pattern, data.length
# and data.pii (sourced by tests/e2e.sh; expect_exit and has come from
# cli.sh). Each test_* runs in a fresh empty folder.

# text_generate N: data.csv of N rows, and expect.txt with what the checks
# must count: bad emails, null emails, bad codes, long names, emails,
# cards and IPs in notes, phones in amount.
text_generate() {
	awk -v n="$1" 'BEGIN {
		print "id,email,code,name,notes,amount,s"
		long_s = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"
		for (i = 1; i <= n; i++) {
			email = "user" i "@example.com"
			if (i % 97 == 0) { email = "user" i "@example"; bad_email++ }
			else if (i % 113 == 0) { email = ""; null_email++ }
			code = sprintf("AB-%04d", i % 10000)
			if (i % 211 == 0) { code = sprintf("ab-%06d", i); bad_code++ }
			# 3, 7 and 9 characters (4, 21 and 9 bytes)
			name = i % 3 == 0 ? "Zoë" : i % 3 == 1 ? "日本語テキスト" : "Ann-Marie"
			if (i % 301 == 0) { name = "a name that is far too long"; long_name++ }
			notes = "order " i " shipped"
			if (i % 500 == 0) { notes = "mail ann" i "@example.org please"; emails++ }
			else if (i % 777 == 0) { notes = "card 4111 1111 1111 1111"; cards++ }
			else if (i % 1001 == 0) { notes = "from 10.0." (i % 256) ".1"; ips++ }
			amount = sprintf("%d.%02d", i * 7, i % 100)
			if (i % 1234 == 0) { amount = sprintf("+1 415 555 %04d", i % 10000); phones++ }
			# a value the catastrophic regex cannot get through, in several parts
			s = (i == 7777 || i == 15555 || i == 25000) ? long_s : "aaaa"
			printf "%d,%s,%s,%s,%s,%s,%s\n", i, email, code, name, notes, amount, s
		}
		printf "%d %d %d %d %d %d %d %d\n", bad_email, null_email, bad_code, long_name, emails, cards, ips, phones > "expect.txt"
	}' >data.csv
}

text_suite() {
	cat >mlgate.json <<-'EOF'
	{
	  "mlgate": 1,
	  "datasets": { "t": { "path": "data.csv" } },
	  "checks": [
	    { "kind": "data.pattern", "dataset": "t", "column": "email", "format": "email", "id": "email-format" },
	    { "kind": "data.pattern", "dataset": "t", "column": "email", "regex": "[a-z0-9.]+@[a-z0-9-]+(\\.[a-z0-9-]+)*\\.[a-z]{2,}", "mostly": 0.95, "id": "email-regex" },
	    { "kind": "data.pattern", "dataset": "t", "column": "code", "regex": "[A-Z]{2}-[0-9]{4}", "id": "code" },
	    { "kind": "data.pattern", "dataset": "t", "column": "notes", "regex": ".*@.*", "invert": true, "id": "no-at" },
	    { "kind": "data.pattern", "dataset": "t", "column": "s", "regex": "(a|aa)+", "id": "catastrophic" },
	    { "kind": "data.length", "dataset": "t", "column": "name", "min": 3, "max": 9, "id": "name-length" },
	    { "kind": "data.length", "dataset": "t", "column": "code", "min": 7, "max": 7, "mostly": 0.99, "id": "code-length" },
	    { "kind": "data.pii", "dataset": "t", "allow": "email", "id": "pii" },
	    { "kind": "data.pii", "dataset": "t", "columns": "notes", "kinds": "email", "max_share": 0.01, "id": "pii-share" }
	  ]
	}
	EOF
}

test_text_kinds_identical_for_every_j() {
	local j rc bad_email null_email bad_code long_name emails cards ips phones untimed
	untimed='del(.started, .duration_s, .checks[].duration_s)'
	text_generate 30000
	read -r bad_email null_email bad_code long_name emails cards ips phones <expect.txt
	text_suite
	for j in 1 2 3 8; do
		MLGATE_SCAN_PART_BYTES=4096 mlg run -j "$j" --json "j$j.json" >"out$j.txt" 2>&1
		rc=$?
		[ "$rc" = 1 ] || { echo "-j$j: exit $rc, expected 1"; tail -20 "out$j.txt"; return 1; }
	done
	for j in 2 3 8; do
		cmp <(jq "$untimed" j1.json) <(jq "$untimed" "j$j.json") ||
			{ diff <(jq "$untimed" j1.json) <(jq "$untimed" "j$j.json") | head -20; return 1; }
	done
	# the one result is right, not only the same
	jq -e --argjson bad "$bad_email" --argjson nulls "$null_email" '.checks[0].observed |
		.not_matching == $bad and .nulls == $nulls and .non_null == 30000 - $nulls' j1.json >/dev/null ||
		{ echo "email-format: expected $bad bad, $nulls nulls:"; jq -c '.checks[0].observed' j1.json; return 1; }
	jq -e '[.checks[0].examples[].row] == [97, 194, 291, 388, 485]' j1.json >/dev/null ||
		{ echo "email-format examples:"; jq -c '.checks[0].examples' j1.json; return 1; }
	jq -e --argjson bad "$bad_email" '.checks[1] | .status == "passed" and .observed.not_matching == $bad' j1.json >/dev/null ||
		{ jq -c '.checks[1] | {status, message, observed}' j1.json; return 1; }
	jq -e --argjson bad "$bad_code" '.checks[2].observed.not_matching == $bad and .checks[2].examples[0].row == 211' j1.json >/dev/null ||
		{ jq -c '.checks[2] | {message, observed}' j1.json; return 1; }
	jq -e --argjson emails "$emails" '.checks[3].observed.matching == $emails and .checks[3].examples[0].row == 500' j1.json >/dev/null ||
		{ jq -c '.checks[3] | {message, observed}' j1.json; return 1; }
	# the first value the regex cannot get through, in file order, whatever the parts
	jq -e '.checks[4].status == "error" and .checks[4].observed.error_row == 7777' j1.json >/dev/null ||
		{ jq -c '.checks[4] | {status, message, observed}' j1.json; return 1; }
	jq -e --argjson long "$long_name" '.checks[5].observed | .too_long == $long and .too_short == 0
		and .min_length == 3 and .max_length == 27' j1.json >/dev/null ||
		{ jq -c '.checks[5].observed' j1.json; return 1; }
	jq -e --argjson bad "$bad_code" '.checks[6].observed.too_long == $bad and .checks[6].status == "passed"' j1.json >/dev/null ||
		{ jq -c '.checks[6] | {status, message, observed}' j1.json; return 1; }
	jq -e --argjson e "$emails" --argjson c "$cards" --argjson i "$ips" --argjson p "$phones" '.checks[7].observed.found ==
		{ "notes": { "email": $e, "credit_card": $c, "ip": $i }, "amount": { "phone": $p } }' j1.json >/dev/null ||
		{ echo "pii: expected $emails emails, $cards cards, $ips IPs, $phones phones:"; jq -c '.checks[7].observed' j1.json; return 1; }
	jq -e '.checks[7].examples[0] == {"row": 500, "column": "notes", "value": "a***@e***.org", "reason": "email address"}
		and .checks[8].status == "passed"' j1.json >/dev/null ||
		{ jq -c '.checks[7].examples, .checks[8].message' j1.json; return 1; }
}

# Personal data found is shown masked, never whole, in every report.
test_pii_reports_only_masked_values() {
	local raw
	cp "$here/data/data.pii/fail-masked-examples/data.csv" . || return 1
	cat >mlgate.json <<-'EOF'
	{ "mlgate": 1, "datasets": { "t": { "path": "data.csv" } },
	  "checks": [ { "kind": "data.pii", "dataset": "t", "columns": "notes" },
	              { "kind": "data.pii", "dataset": "t", "columns": "contact" } ] }
	EOF
	expect_exit 1 mlg run --json r.json --junit r.xml || return 1
	has out.txt "**** **** **** 1111" || return 1
	# every finding is an example (5 are kept per check)
	jq -e '[.checks[].examples | length] == [5, 3]' r.json >/dev/null || { jq -c '.checks[].examples' r.json; return 1; }
	for raw in john.smith example.com 4111 "WEST 1234" 5698 168.1.20 db8 "415 555" 123-45 jane; do
		if grep -qF -- "$raw" r.json r.xml out.txt err.txt; then
			echo "'$raw' shown unmasked:"; grep -F -- "$raw" r.json r.xml out.txt err.txt | head -5
			return 1
		fi
	done
}
