# Scripted end-to-end tests of data.skew: the join of two datasets must
# not depend on how the files are cut into parts (sourced by tests/e2e.sh).
# Each test_* runs in a fresh empty folder; a non-zero return fails it.

# compare_run (tests/e2e/compare.sh) runs mlgate and keeps the untimed results.

# serving.csv (keys in order) and train.csv (keys reversed, some missing,
# some extra) with mismatches, values within the tolerance and nulls in
# every part; expect.txt holds the counts the kind must find.
skew_generate() {
	awk -v n="$1" 'BEGIN {
		print "id,amount,country" > "serving.csv"
		for (i = 1; i <= n; i++) {
			a = sprintf("%.2f", i * 0.5); c = (i % 3 ? "FR" : "DE")
			if (i % 333 == 0) a = ""
			if (i % 4001 == 0) { printf ",%s,%s\n", a, c > "serving.csv"; nullkeys++; continue }
			printf "%d,%s,%s\n", i, a, c > "serving.csv"
			if (i % 1000 == 7) { missing_other++; continue }
			b = a; d = c; da = 0; dc = 0
			if (i % 97 == 0 && a != "") { b = sprintf("%.2f", i * 0.5 + 0.2); da = 1 }
			else if (i % 89 == 0 && a != "") b = sprintf("%.2f", i * 0.5 + 0.05)
			else if (i % 777 == 0) { b = ""; da = a != "" }
			if (i % 501 == 0) { d = "US"; dc = 1 }
			am += da; cm += dc; mism += da || dc
			tr[++nt] = sprintf("%d,%s,%s", i, b, d)
			joined++
		}
		for (k = 1; k <= 10; k++) tr[++nt] = sprintf("%d,1,FR", n + 1000 + k)
		print "id,amount,country" > "train.csv"
		for (k = nt; k >= 1; k--) print tr[k] > "train.csv"
		printf "%d %d %d %d %d %d %d\n", joined, missing_other, 10, mism, am, cm, nullkeys > "expect.txt"
	}'
}

test_skew_identical_for_every_j() {
	local j joined missing_other missing_dataset mism am cm nullkeys
	skew_generate 30000
	read -r joined missing_other missing_dataset mism am cm nullkeys <expect.txt
	cat >mlgate.json <<-'EOF'
	{
	  "mlgate": 1,
	  "datasets": { "serving": { "path": "serving.csv" }, "train": { "path": "train.csv" } },
	  "checks": [
	    { "kind": "data.skew", "dataset": "serving", "other": "train", "key": "id",
	      "columns": ["amount", "country"], "tolerance": 0.1, "id": "skew" },
	    { "kind": "data.skew", "dataset": "train", "other": "serving", "key": ["country", "id"],
	      "columns": "amount", "rel_tolerance": 0.001, "max_mismatch_share": 0.5, "max_missing_share": 0.5, "id": "back" }
	  ]
	}
	EOF
	for j in 1 2 4 8; do
		MLGATE_SCAN_PART_BYTES=65536 compare_run "j$j" -j "$j" || return 1
	done
	for j in 2 4 8; do
		cmp -s j1.untimed "j$j.untimed" && continue
		echo "-j1 and -j$j differ:"; diff j1.untimed "j$j.untimed" | head -30
		return 1
	done
	# the counts are the ones the generator made
	jq -e --argjson joined "$joined" --argjson mo "$missing_other" --argjson md "$missing_dataset" \
		--argjson mism "$mism" --argjson am "$am" --argjson cm "$cm" --argjson nk "$nullkeys" '
		.checks[0].observed | .joined == $joined and .missing_in_other == $mo and
		.missing_in_dataset == $md and .mismatched == $mism and .null_keys == $nk and
		.mismatched_by_column.amount == $am and .mismatched_by_column.country == $cm' j1.json >/dev/null || {
		echo "expected joined=$joined missing=$missing_other/$missing_dataset mismatched=$mism ($am, $cm) null_keys=$nullkeys, got:"
		jq -c '.checks[0].observed' j1.json
		return 1
	}
	# examples come in the file order of "dataset", the first one being row 7's missing key
	jq -e '.checks[0].examples[0] == {"row": 7, "column": "id", "value": "7", "reason": "key not in '"'train'"'"}' \
		j1.json >/dev/null || { jq -c '.checks[0].examples[:3]' j1.json; return 1; }
}
