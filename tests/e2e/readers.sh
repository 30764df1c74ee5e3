# Scripted end-to-end tests of the dataset readers (sourced by tests/e2e.sh):
# compressed files, JSON Lines, git revisions, LFS pointers, dataset options,
# and bad bytes reported with their row and offset.

# A small table in CSV and JSON Lines with the same content.
write_table() {
	printf 'id,amount,country\n1,10.5,DE\n2,20,FR\n3,,US\n4,7,NA\n' > t.csv
	{
		echo '{"id": 1, "amount": 10.5, "geo": {"country": "DE"}}'
		echo '{"id": 2, "amount": 20, "geo": {"country": "FR"}}'
		echo ''
		echo '{"id": 3, "amount": null, "geo": {"country": "US"}}'
		echo '{"id": 4, "amount": 7, "geo": {"country": "NA"}, "extra": [1, 2]}'
	} > t.jsonl
}

# suite DATASET-JSON COLUMN-OF-COUNTRY: not_null + range + row_count over dataset "d".
suite() {
	cat > mlgate.json <<EOF
{ "mlgate": 1, "datasets": { "d": $1 },
  "checks": [
    { "kind": "data.row_count", "dataset": "d", "min": 4, "max": 4 },
    { "kind": "data.not_null", "dataset": "d", "columns": ["id", "$2"] },
    { "kind": "data.range", "dataset": "d", "column": "amount", "min": 0, "max": 100 } ] }
EOF
}

# The results without times, for comparing runs.
stable() {
	jq -S '.checks | map(del(.duration_s))' "$1"
}

test_gzip_and_zstd_read_like_the_plain_file() {
	write_table
	suite '{ "path": "t.csv" }' country
	expect_exit 0 mlg run --json plain.json || return 1
	gzip -c t.csv > t.csv.gz
	zstd -q -c t.csv > t.csv.zst 2>/dev/null || python3 -c 'import sys' || return 1
	suite '{ "path": "t.csv.gz" }' country
	expect_exit 0 mlg run --json gz.json || return 1
	diff <(stable plain.json) <(stable gz.json) || return 1
	# the digest is of the stored (compressed) bytes
	jq -e --arg s "$(sha256sum t.csv.gz | cut -d' ' -f1)" '.inputs[0].sha256 == $s' gz.json >/dev/null || { jq .inputs gz.json; return 1; }
	if [ -s t.csv.zst ]; then
		suite '{ "path": "t.csv.zst" }' country
		expect_exit 0 mlg run --json zst.json || return 1
		diff <(stable plain.json) <(stable zst.json) || return 1
	fi
	# a name that says .gz does not matter: the magic bytes do
	cp t.csv.gz misnamed.csv
	suite '{ "path": "misnamed.csv" }' country
	expect_exit 0 mlg run --json mis.json || return 1
	# a corrupt or truncated stream is an error of the checks, exit 3
	head -c 40 t.csv.gz > cut.csv.gz
	suite '{ "path": "cut.csv.gz" }' country
	expect_exit 3 mlg run --json cut.json || return 1
	jq -e '[.checks[].status] | all(. == "error")' cut.json >/dev/null || { jq -c '[.checks[].message]' cut.json; return 1; }
	has out.txt "truncated gzip stream"
}

test_large_gzip_streams_in_windows() {
	# 300,000 rows: more than one read window, a record cut between windows
	awk 'BEGIN { print "id,amount,country"; for (i = 1; i <= 300000; i++) printf "%d,%d.%02d,\"C\r\n%d\"\r\n", i, i % 100, i % 97, i % 7 }' > big.csv
	gzip -1 -c big.csv > big.csv.gz
	cat > mlgate.json <<'EOF'
{ "mlgate": 1, "datasets": { "p": { "path": "big.csv" }, "z": { "path": "big.csv.gz" } },
  "checks": [
    { "kind": "data.row_count", "dataset": "p", "min": 300000, "max": 300000 },
    { "kind": "data.row_count", "dataset": "z", "min": 300000, "max": 300000 },
    { "kind": "data.range", "dataset": "z", "column": "amount", "min": 0, "max": 99.96 } ] }
EOF
	expect_exit 0 mlg run --json r.json || return 1
}

test_jsonl_nested_fields_and_missing_keys() {
	write_table
	suite '{ "path": "t.jsonl" }' geo.country
	# amount is null in row 3 only: range passes, not_null passes (amount not listed)
	expect_exit 0 mlg run --json r.json || return 1
	suite '{ "path": "t.jsonl" }' geo.country
	sed -i 's/"columns": \["id", "geo.country"\]/"columns": ["id", "geo.country", "amount"]/' mlgate.json
	expect_exit 1 mlg run --json r.json || return 1
	jq -e '.checks[1].status == "failed" and .checks[1].observed.nulls.amount == 1' r.json >/dev/null || { jq -c .checks r.json; return 1; }
	has err.txt '"row":3,"column":"amount"' || has out.txt '"row":3,"column":"amount"' || return 1
	# format by option, and a broken line reported with its row and byte
	cp t.jsonl data.txt
	printf '{"id": 5, "amount": 1, "geo": {"country": "DE"}\n' >> data.txt
	suite '{ "path": "data.txt", "format": "jsonl" }' geo.country
	expect_exit 3 mlg run --json r.json || return 1
	jq -e '.checks[0].message | test("row 5 \\(line 6, byte [0-9]+\\): invalid JSON")' r.json >/dev/null || { jq -c '.checks[0].message' r.json; return 1; }
}

test_jsonl_gzip_and_columns_option() {
	write_table
	gzip -c t.jsonl > t.jsonl.gz
	suite '{ "path": "t.jsonl.gz", "columns": ["id", "amount", "geo.country"] }' geo.country
	expect_exit 0 mlg run --json r.json || { cat out.txt; return 1; }
}

test_null_values_option() {
	write_table
	suite '{ "path": "t.csv", "null_values": ["NA"] }' country
	expect_exit 1 mlg run --json r.json || return 1
	# "NA" (Namibia here) is now null: the country column has a null
	jq -e '.checks[1].status == "failed" and .checks[1].observed.nulls.country == 1' r.json >/dev/null || { jq -c .checks[1] r.json; return 1; }
}

test_columns_option_hides_the_others() {
	write_table
	suite '{ "path": "t.csv", "columns": ["id", "amount"] }' country
	expect_exit 3 mlg run --json r.json || return 1
	jq -e '.checks[1].status == "error" and (.checks[1].message | test("no column .country."))' r.json >/dev/null || { jq -c .checks[1] r.json; return 1; }
	suite '{ "path": "t.csv", "columns": ["id", "nope"] }' amount
	expect_exit 3 mlg run --json r.json || return 1
	has out.txt "option \"columns\" names 'nope'" || return 1
}

test_git_ref_reads_the_committed_file() {
	write_table
	suite '{ "path": "t.csv", "git_ref": "HEAD" }' country
	git init -q -b main . && git add t.csv mlgate.json && git -c user.email=t@e -c user.name=t commit -qm data || return 1
	# the working copy has a bad amount: HEAD's does not
	printf '5,1000,DE\n' >> t.csv
	expect_exit 0 mlg run --json r.json || return 1
	jq -e --arg s "$(git show HEAD:t.csv | sha256sum | cut -d' ' -f1)" '.inputs[0].path == "t.csv@HEAD" and .inputs[0].sha256 == $s' r.json >/dev/null || { jq .inputs r.json; return 1; }
	suite '{ "path": "t.csv" }' country
	expect_exit 1 mlg run --json r.json || return 1
	suite '{ "path": "t.csv", "git_ref": "no-such-branch" }' country
	expect_exit 3 mlg run --json r.json || return 1
	has out.txt "unknown revision" || return 1
}

test_git_lfs_pointer_is_not_data() {
	printf 'version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n' > big.csv
	printf '{ "datasets": { "d": { "path": "big.csv" } }, "checks": [ { "kind": "data.row_count", "dataset": "d", "min": 1 } ] }\n' > mlgate.json
	expect_exit 3 mlg run --json r.json || return 1
	jq -e '.checks[0].message | test("Git LFS pointer") and test("git lfs pull")' r.json >/dev/null || { jq -c .checks[0].message r.json; return 1; }
}

test_invalid_utf8_named_with_row_and_byte() {
	printf 'id,name\n1,ok\n2,caf\xe9\n3,ok\n' > d.csv
	printf '{ "datasets": { "d": { "path": "d.csv" } }, "checks": [ { "kind": "data.row_count", "dataset": "d", "min": 1 } ] }\n' > mlgate.json
	expect_exit 3 mlg run --json r.json || return 1
	jq -e '.checks[0].message == "cannot read dataset '"'"'d'"'"': '"'"'d.csv'"'"' row 2 (byte 18): invalid UTF-8"' r.json >/dev/null || { jq -c .checks[0].message r.json; return 1; }
	gzip -c d.csv > d.csv.gz
	sed -i 's/d.csv"/d.csv.gz"/' mlgate.json
	expect_exit 3 mlg run --json r.json || return 1
	jq -e '.checks[0].message | test("row 2 \\(byte 18\\): invalid UTF-8")' r.json >/dev/null || { jq -c .checks[0].message r.json; return 1; }
}

test_reading_is_identical_for_every_j_and_simd_path() {
	awk 'BEGIN { srand(7); print "id,x,s"; for (i = 1; i <= 30000; i++) { q = (i % 5 == 0) ? "\"a,\"\"b\"\"\nc\"" : "plain"; printf "%d,%.6f,%s%s", i, rand() * 100, q, (i % 3 ? "\n" : "\r\n") } }' > d.csv
	cat > mlgate.json <<'EOF'
{ "mlgate": 1, "datasets": { "d": { "path": "d.csv" } },
  "checks": [
    { "kind": "data.row_count", "dataset": "d", "min": 30000, "max": 30000 },
    { "kind": "data.range", "dataset": "d", "column": "x", "min": 0, "max": 50, "mostly": 0.4 },
    { "kind": "data.not_null", "dataset": "d", "columns": ["id", "x", "s"] } ] }
EOF
	MLGATE_SCAN_PART_BYTES=4096 expect_exit 0 mlg run -j1 --json j1.json || return 1
	for j in 2 3 8; do
		MLGATE_SCAN_PART_BYTES=4096 expect_exit 0 mlg run -j$j --json j$j.json || return 1
		diff <(stable j1.json) <(stable j$j.json) || { echo "-j$j differs"; return 1; }
	done
	MLGATE_SIMD=generic MLGATE_SCAN_PART_BYTES=4096 expect_exit 0 mlg run -j3 --json g.json || return 1
	diff <(stable j1.json) <(stable g.json) || { echo "generic differs"; return 1; }
}
