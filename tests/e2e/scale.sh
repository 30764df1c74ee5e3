# Scripted end-to-end tests at scale (sourced by tests/e2e.sh; expect_exit
# and has come from cli.sh): a generated suite of 10,000 checks of 12 data
# kinds over 100 datasets (bench/scale-gen.sh, the suite `make bench`
# times) runs, and all four reports hold every check and validate. Under
# MLGATE_WRAP (valgrind in CI) the suite is 1,000 checks over 10 datasets.
# Each test_* runs in a fresh empty folder.

# scale_size: "CHECKS DATASETS" for this run
scale_size() {
	if [ -n "${MLGATE_WRAP:-}" ]; then echo "1000 10"; else echo "10000 100"; fi
}

test_scale_reports_validate() {
	local n d warn
	read -r n d <<<"$(scale_size)"
	"$root/bench/scale-gen.sh" mixed "$n" "$d" . || return 1
	expect_exit 0 mlg validate || return 1
	has out.txt "$n checks, $d datasets" || return 1
	# every warn-severity check fails by design (a range too narrow); the rest pass
	warn=$(grep -c '"severity": "warn"' mlgate.json)
	[ "$warn" -gt 0 ] || { echo "the generated suite has no warning"; return 1; }
	expect_exit 0 mlg run -j 2 --quiet --color=never --json r.json --junit j.xml --summary s.md \
		--metrics m.prom || return 1
	has out.txt "$n checks: $((n - warn)) passed, 0 failed, 0 errors, 0 skipped, $warn warnings" || return 1

	# JSON: every check once, in suite order, with the outcome its severity implies
	jq -e --argjson n "$n" --argjson w "$warn" '
		.schema == "mlgate.results/v1" and .gate == "open" and .complete and
		.summary == {total: $n, selected: $n, passed: ($n - $w), failed: 0, errors: 0,
			     skipped: 0, warnings: $w} and
		(.checks | length) == $n and
		([.checks[].id] | unique | length) == $n and
		([.checks[].source.line] | . == sort) and
		all(.checks[]; (.severity == "error" and .status == "passed") or
			       (.severity == "warn" and .status == "failed" and .examples_total > 0)) and
		(.inputs | length) == '"$d"' and all(.inputs[]; .sha256 | length == 64)' r.json >/dev/null ||
		{ echo "r.json:"; jq -c '{summary, inputs: (.inputs | length),
			odd: [.checks[] | select(.status != "passed" and .severity != "warn")][:3]}' r.json; return 1; }

	# JUnit: valid, one testcase per check, the same ids
	xmllint --noout --schema "$here/data/spec/junit-mlgate.xsd" j.xml 2>xsd.txt ||
		{ echo "j.xml does not validate:"; head -5 xsd.txt; return 1; }
	[ "$(grep -c '<testcase ' j.xml)" = "$n" ] || { echo "j.xml: not $n test cases"; return 1; }
	has j.xml "<testsuites name=\"scale-$n-checks-$d-datasets\" tests=\"$n\" failures=\"0\" errors=\"0\" skipped=\"0\"" || return 1
	diff <(jq -r '.checks[].id' r.json | sort) \
		<(sed -n 's/^ *<property name="id" value="\(.*\)"\/>$/\1/p' j.xml | sed 's/&amp;/\&/g; s/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g' | sort) \
		>ids.diff || { echo "JUnit ids differ from the JSON ids:"; head ids.diff; return 1; }
	[ "$(grep -c '<system-out>warning (failed): ' j.xml)" = "$warn" ] ||
		{ echo "j.xml: not $warn warnings in system-out"; return 1; }

	# Markdown: the verdict, the counts, each warning listed once
	has s.md "## ✅ mlgate: gate open — scale-$n-checks-$d-datasets" || return 1
	has s.md "$n checks: **$((n - warn)) passed**, **0 failed**, 0 errors, 0 skipped, $warn warnings" || return 1
	[ "$(grep -c '^⚠️ \*\*' s.md)" = "$warn" ] || { echo "s.md: not $warn warnings listed"; grep -c '^⚠️' s.md; return 1; }

	# Metrics: four status series a check, each sample in the family declared
	# above it, a family declared once (promtool takes 9 s on 10,000 checks'
	# 15 MB: it checks the smaller suite of the next test)
	[ "$(grep -c '^mlgate_check_status{' m.prom)" = "$((4 * n))" ] ||
		{ echo "m.prom: not $((4 * n)) status series"; return 1; }
	has m.prom "mlgate_checks{outcome=\"warning\"} $warn" || return 1
	scale_metrics_ok m.prom || return 1
}

# scale_metrics_ok FILE: the OpenMetrics text is well formed
scale_metrics_ok() {
	awk '
	/^# HELP / { next }
	/^# TYPE / { fam = $3; if (seen[fam]++) { print "family declared twice: " fam; bad = 1 } next }
	/^# EOF$/ { eof = NR; next }
	{
		name = $0
		sub(/[{ ].*/, "", name)
		if (name != fam) { print "line " NR ": sample of " name " under family " fam; bad = 1 }
	}
	END {
		if (eof != NR) { print "no # EOF at the end"; bad = 1 }
		exit bad
	}' "$1" | head -5
	[ "${PIPESTATUS[0]}" = 0 ] || return 1
	if command -v promtool >/dev/null && [ "$(wc -l <"$1")" -lt 60000 ]; then
		promtool check metrics <"$1" >promtool.txt 2>&1
		# 0: clean; 3: parsed, with lint remarks only
		case $? in 0 | 3) ;; *) echo "promtool rejects $1:"; head -5 promtool.txt; return 1 ;; esac
	fi
}

# The same results at any -j, and shard results that merge back into them.
test_scale_jobs_and_shards_agree() {
	local n d
	read -r n d <<<"$(scale_size)"
	n=$((n / 5)) d=$((d / 5))
	"$root/bench/scale-gen.sh" mixed "$n" "$d" . || return 1
	expect_exit 0 mlg run -j 1 --quiet --json j1.json --metrics m.prom || return 1
	scale_metrics_ok m.prom || return 1
	expect_exit 0 mlg run -j 3 --quiet --json j3.json || return 1
	expect_exit 0 mlg run -j 2 --quiet --shard 1/2 --json s1.json || return 1
	expect_exit 0 mlg run -j 2 --quiet --shard 2/2 --json s2.json || return 1
	expect_exit 0 mlg merge -o merged.json s1.json s2.json || return 1
	local norm='del(.started, .duration_s, .merged_shards) | .checks[] |= del(.duration_s)'
	diff <(jq -S "$norm" j1.json) <(jq -S "$norm" j3.json) >jobs.diff ||
		{ echo "-j 1 and -j 3 differ:"; head -20 jobs.diff; return 1; }
	diff <(jq -S "$norm" j1.json) <(jq -S "$norm" merged.json) >merge.diff ||
		{ echo "the merged shards differ from one run:"; head -20 merge.diff; return 1; }
}
