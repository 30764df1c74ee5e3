# Scripted end-to-end tests of the key-set kinds (sourced by tests/e2e.sh):
# data.unique, data.distinct, data.no_overlap and data.conflicting_labels
# give the same results however the files are cut into parts, and a
# memory budget too small for the keys ends the check cleanly.

# The results without the times, for comparing runs.
keys_stable() {
	jq 'del(.started, .duration_s, .checks[].duration_s)' "$1"
}

# train.csv: 30,000 rows.
#  - id: every 250th row repeats the id of the row before (pairs a cut may
#    separate), every 700th id is empty (null);
#  - far: unique but for rows 15000 + 1000k + 1, which repeat row
#    1000k + 1: first occurrence and repeat lie in different parts for
#    any cut into two or more;
#  - grp: 7 values (a distinct set whose keys repeat all the time);
#  - f and y: 350 groups of (grp, f); y is "b" in every 1001st row, so
#    that 29 groups (0, 1..29) disagree.
# test.csv: 12,000 rows; every 40th id (u80, u160, ...) may be in train.
keys_write_data() {
	awk 'BEGIN {
		print "id,far,grp,f,y"
		for (i = 1; i <= 30000; i++) {
			id = "u" i
			if (i % 250 == 0) id = "u" (i - 1)
			if (i % 700 == 0) id = ""
			far = (i > 15000 && (i - 15000) % 1000 == 1) ? i - 15000 : i
			y = (i % 1001 == 0) ? "b" : "a"
			printf "%s,%d,g%d,%d,%s\n", id, far, i % 7, i % 50, y
		}
	}' > train.csv
	awk 'BEGIN {
		print "id,far,grp,f,y"
		for (i = 1; i <= 12000; i++)
			printf "%s,%d,g%d,%d,a\n", (i % 40 == 0 ? "u" (i * 2) : "t" i), i, i % 7, i % 50
	}' > test.csv
	# 8 MiB is plenty for these keys: state that grows out of proportion
	# (a working table sized by rows rather than keys) shows as an error
	cat > mlgate.json <<'EOF'
{ "mlgate": 1, "defaults": { "max_memory": "8MiB" },
  "datasets": { "train": { "path": "train.csv" }, "test": { "path": "test.csv" } },
  "checks": [
    { "kind": "data.unique", "dataset": "train", "columns": "id" },
    { "kind": "data.unique", "dataset": "train", "columns": "far", "id": "far" },
    { "kind": "data.unique", "dataset": "train", "columns": ["id", "grp"], "ignore_nulls": false, "id": "compound" },
    { "kind": "data.unique", "dataset": "train", "columns": "id", "mostly": 0.99, "id": "mostly" },
    { "kind": "data.distinct", "dataset": "train", "column": "grp", "min": 7, "max": 7 },
    { "kind": "data.distinct", "dataset": "train", "column": "id", "min_share": 0.99 },
    { "kind": "data.no_overlap", "dataset": "train", "other": "test", "columns": "id" },
    { "kind": "data.no_overlap", "dataset": "test", "other": "train", "id": "whole-rows" },
    { "kind": "data.conflicting_labels", "dataset": "train", "features": ["grp", "f"], "label": "y", "max_share": 0.05 } ] }
EOF
}

test_keys_identical_for_every_j() {
	keys_write_data
	MLGATE_SCAN_PART_BYTES=4096 expect_exit 1 mlg run -j1 --json j1.json || return 1
	for j in 2 3 8; do
		MLGATE_SCAN_PART_BYTES=4096 expect_exit 1 mlg run -j$j --json j$j.json || return 1
		diff <(keys_stable j1.json) <(keys_stable j$j.json) || { echo "-j$j differs"; return 1; }
	done
	# right, not only stable: counted again with awk
	awk -F, 'NR > 1 { if ($1 == "") nulls++; else if (seen[$1]++) { dups++; if (seen[$1] == 2) keys++ } }
		END { printf "{\"duplicate_rows\":%d,\"duplicated_keys\":%d,\"nulls\":%d,\"rows\":%d}\n", dups, keys, nulls, NR - 1 }' \
		train.csv > want.json
	[ "$(jq -c '.checks[0].observed | {duplicate_rows, duplicated_keys, nulls, rows}' j8.json)" = "$(cat want.json)" ] ||
		{ jq -c '.checks[0].observed' j8.json; cat want.json; return 1; }
	jq -e '.checks[0].examples | map(.row) == [250, 500, 750, 1000, 1250] and .[0].reason == "same as row 249"' j8.json >/dev/null ||
		{ jq -c '.checks[0].examples' j8.json; return 1; }
	# far repeats: the first occurrence was read by another thread
	jq -e '.checks[1].observed.duplicate_rows == 15 and .checks[1].examples[0].row == 15001 and
		.checks[1].examples[0].reason == "same as row 1" and .checks[1].examples[1].reason == "same as row 1001" and
		.checks[1].examples[4].row == 19001' j8.json >/dev/null ||
		{ jq -c '.checks[1]' j8.json; return 1; }
	jq -e '.checks[4].status == "passed" and .checks[4].observed.distinct == 7' j8.json >/dev/null ||
		{ jq -c '.checks[4]' j8.json; return 1; }
	awk -F, 'FNR == 1 { next } NR == FNR { train[$1] = 1; next } ($1 in train) && !done[$1]++ { n++ } END { print n }' \
		train.csv test.csv > overlap.txt
	jq -e --argjson n "$(cat overlap.txt)" '.checks[6].observed.overlapping_keys == $n and $n > 100' j8.json >/dev/null ||
		{ jq -c '.checks[6].observed' j8.json; cat overlap.txt; return 1; }
	jq -e '.checks[8].observed | .conflicting_groups == 29 and .groups == 350' j8.json >/dev/null || { jq -c '.checks[8]' j8.json; return 1; }
	# the streamed (gzip) reader reads one part: the same results
	gzip -c train.csv > train.csv.gz
	sed -i 's/"train.csv"/"train.csv.gz"/' mlgate.json
	expect_exit 1 mlg run -j4 --json gz.json || return 1
	diff <(keys_stable j1.json | jq '.checks') <(keys_stable gz.json | jq '.checks') || { echo "gzip differs"; return 1; }
}

test_keys_memory_cap_ends_the_check_cleanly() {
	awk 'BEGIN { print "id"; for (i = 1; i <= 50000; i++) print "id-" i }' > ids.csv
	cat > mlgate.json <<'EOF'
{ "mlgate": 1, "defaults": { "max_memory": "64KiB" },
  "datasets": { "d": { "path": "ids.csv" } },
  "checks": [
    { "kind": "data.unique", "dataset": "d", "columns": "id" },
    { "kind": "data.row_count", "dataset": "d", "min": 50000, "max": 50000 } ] }
EOF
	for j in 1 4; do
		MLGATE_SCAN_PART_BYTES=65536 expect_exit 3 mlg run -j$j --json r.json || return 1
		jq -e '.checks[0].status == "error" and (.checks[0].message | test("needs more than max_memory \\(65536 bytes\\)"))' r.json >/dev/null ||
			{ jq -c '.checks[0]' r.json; return 1; }
		# the other check of the same pass is not disturbed
		jq -e '.checks[1].status == "passed"' r.json >/dev/null || { jq -c '.checks[1]' r.json; return 1; }
		has out.txt "max_memory" || return 1
	done
}
