# infra.resources and infra.reproducible: commands measured and run
# twice (sourced by tests/e2e.sh). $TOOLS/hog uses a known amount of
# memory and CPU time.

HOG=${TOOLS:-}/hog

# res_suite CHECK...: a suite of infra.resources checks (JSON objects).
res_suite() {
	local IFS=,
	printf '{ "suite": "resources-e2e", "checks": [ %s ] }\n' "$*" > mlgate.json
}

# status_of I: the status of check I in r.json; message_of I likewise.
status_of() { jq -r ".checks[$1].status" r.json; }
message_of() { jq -r ".checks[$1].message" r.json; }

test_infra_cmd_resources_memory_bound() {
	[ -x "$HOG" ] || { echo "no $HOG: make build/release/tests/tools/hog"; return 1; }
	res_suite \
		"{ \"kind\": \"infra.resources\", \"id\": \"roomy\", \"run\": [\"$HOG\", \"--mem\", \"100\"], \"max_memory\": \"300MiB\" }" \
		"{ \"kind\": \"infra.resources\", \"id\": \"tight\", \"run\": [\"$HOG\", \"--mem\", \"100\"], \"max_memory\": \"50MiB\" }"
	mlg run --json r.json >out.txt 2>&1
	[ $? = 1 ] || { cat out.txt; return 1; }
	[ "$(status_of 0)" = passed ] && [ "$(status_of 1)" = failed ] || { cat out.txt; return 1; }
	# the command's own peak: 100 MiB and a little, whatever mlgate's size
	jq -e '.checks[] | .observed.max_rss_bytes | . >= 104857600 and . < 157286400' r.json >/dev/null ||
		{ jq -c '.checks[].observed' r.json; return 1; }
	jq -e '.checks[1].expected == {"exit_code": 0, "max_memory_bytes": 52428800}' r.json >/dev/null || return 1
	message_of 1 | grep -q "used too much: peak memory 1[0-9][0-9]\.[0-9] MB (1[0-9][0-9]\.[0-9] MiB) > max_memory 52.4 MB (50.0 MiB)$" ||
		{ message_of 1; return 1; }
	message_of 0 | grep -q "used peak memory .* <= 314.6 MB (300.0 MiB)" || { message_of 0; return 1; }
}

test_infra_cmd_resources_cpu_and_wall_bounds() {
	res_suite \
		"{ \"kind\": \"infra.resources\", \"id\": \"busy\", \"run\": [\"$HOG\", \"--cpu\", \"0.5\"], \"max_cpu\": \"0.1s\" }" \
		"{ \"kind\": \"infra.resources\", \"id\": \"busy-ok\", \"run\": [\"$HOG\", \"--cpu\", \"0.2\"], \"max_cpu\": \"1m\", \"max_wall\": \"1m\" }" \
		"{ \"kind\": \"infra.resources\", \"id\": \"slow\", \"run\": [\"sleep\", \"10\"], \"max_wall\": \"300ms\" }" \
		"{ \"kind\": \"infra.resources\", \"id\": \"both\", \"run\": [\"$HOG\", \"--mem\", \"60\", \"--cpu\", \"0.3\"], \"max_memory\": \"20MB\", \"max_cpu\": 0.05, \"max_wall\": \"1m\" }"
	local t0=$SECONDS
	mlg run -j 4 --json r.json >out.txt 2>&1
	[ $? = 1 ] || { cat out.txt; return 1; }
	[ $((SECONDS - t0)) -lt 8 ] || { echo "the slow command was not stopped at max_wall"; return 1; }
	[ "$(jq -r '[.checks[].status] | join(" ")' r.json)" = "failed passed failed failed" ] || { cat out.txt; return 1; }
	jq -e '.checks[0].observed.cpu_s >= 0.5 and .checks[0].expected.max_cpu_s == 0.1' r.json >/dev/null ||
		{ jq -c '.checks[0]' r.json; return 1; }
	message_of 0 | grep -q '^`.*hog --cpu 0.5` used too much: CPU 0\.[5-9][0-9] s (user .* + system .*) > max_cpu 0.1 s$' ||
		{ message_of 0; return 1; }
	jq -e '.checks[1].observed.cpu_s >= 0.2 and .checks[1].observed.exit_code == 0' r.json >/dev/null || return 1
	message_of 2 | grep -q '^`sleep 10` ran longer than max_wall 0.3 s: stopped after 0\.[3-9][0-9] s$' ||
		{ message_of 2; return 1; }
	# every bound exceeded is named, with its numbers
	message_of 3 | grep -q 'used too much: peak memory .* > max_memory 20.0 MB (19.1 MiB), CPU .* > max_cpu 0.05 s$' ||
		{ message_of 3; return 1; }
}

test_infra_cmd_resources_errors_and_exit_code() {
	res_suite \
		"{ \"kind\": \"infra.resources\", \"id\": \"code\", \"run\": [\"$HOG\", \"--exit\", \"3\"], \"max_memory\": \"1GiB\" }" \
		"{ \"kind\": \"infra.resources\", \"id\": \"code-ok\", \"run\": [\"$HOG\", \"--exit\", \"3\"], \"exit_code\": 3, \"max_memory\": \"1GiB\" }" \
		'{ "kind": "infra.resources", "id": "missing", "run": ["mlgate-no-such-program"], "max_memory": "1GiB" }' \
		'{ "kind": "infra.resources", "id": "crash", "run": "kill -SEGV $$$$", "shell": true, "max_memory": "1GiB" }' \
		'{ "kind": "infra.resources", "id": "timeout", "run": ["sleep", "10"], "max_cpu": "1s", "timeout": "300ms" }'
	mlg run -j 2 --json r.json >out.txt 2>&1
	[ $? = 1 ] || { cat out.txt; return 1; }
	[ "$(jq -r '[.checks[].status] | join(" ")' r.json)" = "failed passed error error error" ] || { cat out.txt; return 1; }
	message_of 0 | grep -q 'hog --exit 3` exited with code 3, expected 0$' || { message_of 0; return 1; }
	[ "$(message_of 2)" = "cannot run 'mlgate-no-such-program': No such file or directory" ] || { message_of 2; return 1; }
	[ "$(message_of 3)" = '`kill -SEGV $$` crashed: killed by signal 11 (Segmentation fault)' ] || { message_of 3; return 1; }
	[ "$(message_of 4)" = '`sleep 10` timed out after 0.3 s and was killed with its process group' ] || { message_of 4; return 1; }
	# the measuring helper leaves no core file behind
	[ ! -e core ] || { echo "a core file"; return 1; }
}

# A training script: writes out/model.bin and out/metrics.json, counting
# its runs in ./count or ./$COUNTER (not an output). RUN_NOISE adds about
# run * 1e-9 to the AUC, TIMING writes the run number as timing.seconds,
# STAMP writes the time too, EXTRA an extra file in run 2, ONCE once.txt
# in run 1 only, FAIL_RUN=N fails run N.
repro_script() {
	cat > train.sh <<'S'
#!/bin/sh
c=${COUNTER:-count}
n=$(cat "$c" 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > "$c"
mkdir -p out
printf 'weights 1 2 3\n' > out/model.bin
auc=0.91
[ -n "${RUN_NOISE:-}" ] && auc="0.91000000${n}1"   # run 1: 0.9100000011, run 2: ...21
timing=
[ -n "${TIMING:-}" ] && timing=", \"timing\": {\"seconds\": $n}"
printf '{"test": {"auc": %s, "loss": 0.25}%s}\n' "$auc" "$timing" > out/metrics.json
[ -n "${STAMP:-}" ] && date +%s%N > out/stamp.txt
[ -n "${EXTRA:-}" ] && [ "$n" = 2 ] && echo extra > out/extra.txt
[ -n "${ONCE:-}" ] && [ "$n" = 1 ] && echo once > once.txt
[ -n "${FAIL_RUN:-}" ] && [ "$n" = "$FAIL_RUN" ] && { echo "run $n broke" >&2; exit 1; }
exit 0
S
	chmod +x train.sh
}

test_infra_cmd_reproducible_deterministic() {
	repro_script
	mkdir -p tmp
	cat > mlgate.json <<'J'
{ "suite": "repro-e2e",
  "checks": [
    { "kind": "infra.reproducible", "id": "clean", "run": ["./train.sh"], "outputs": ["out"], "runs": 3 },
    { "kind": "infra.reproducible", "id": "copy", "run": ["./train.sh"], "outputs": ["out/model.bin", "out/metrics.json"],
      "isolation": "copy", "compare": { "out/metrics.json": "json" } }
  ] }
J
	TMPDIR=$PWD/tmp mlg run -j 1 --json r.json >out.txt 2>&1 || { cat out.txt; return 1; }
	[ "$(message_of 0)" = '3 runs of `./train.sh` wrote identical outputs: 2 files' ] || { message_of 0; return 1; }
	[ "$(message_of 1)" = '2 runs of `./train.sh` wrote the same outputs: 2 files, 1 of them JSON compared value by value' ] ||
		{ message_of 1; return 1; }
	jq -e '.checks[0].observed | .runs == 3 and .files == 2 and .differences == 0 and
		(.outputs | map(.path)) == ["out/metrics.json", "out/model.bin"] and
		(.outputs[1].sha256 | length == 3 and (unique | length) == 1)' r.json >/dev/null || { jq -c '.checks[0]' r.json; return 1; }
	jq -e '.checks[1].expected == {"runs": 2, "isolation": "copy", "outputs": ["out/model.bin", "out/metrics.json"]}' r.json >/dev/null ||
		return 1
	# clean: the last run's outputs stay; copy: ran elsewhere, scratch folders gone
	[ "$(cat count)" = 3 ] || { echo "count $(cat count): the copies wrote here"; return 1; }
	[ -f out/model.bin ] || return 1
	[ -z "$(ls -A tmp)" ] || { echo "left in TMPDIR:"; ls -la tmp; return 1; }
}

test_infra_cmd_reproducible_timestamp_fails() {
	repro_script
	cat > mlgate.json <<'J'
{ "suite": "repro-e2e",
  "checks": [ { "kind": "infra.reproducible", "run": ["./train.sh"], "env": { "STAMP": "1" }, "outputs": ["out"] } ] }
J
	mlg run --json r.json >out.txt 2>&1
	[ $? = 1 ] || { cat out.txt; return 1; }
	message_of 0 | grep -Eq "^'out/stamp.txt' differs between run 1 and run 2 \(sha256 [0-9a-f]{12}… vs [0-9a-f]{12}…\)$" ||
		{ message_of 0; return 1; }
	jq -e '.checks[0].observed | .differing == ["out/stamp.txt"] and .differences == 1' r.json >/dev/null || return 1
	jq -e '.checks[0].examples[0] | .file == "out/stamp.txt" and .run == 2 and (.reference | length) == 64' r.json >/dev/null || return 1
	grep -q "   | 'out/stamp.txt' differs between run 1 and run 2" out.txt || { cat out.txt; return 1; }
}

test_infra_cmd_reproducible_json_tolerance() {
	repro_script
	cat > mlgate.json <<'J'
{ "suite": "repro-e2e",
  "checks": [
    { "kind": "infra.reproducible", "id": "loose", "run": ["./train.sh"], "env": { "RUN_NOISE": "1", "TIMING": "1", "COUNTER": "c1" },
      "outputs": ["out"], "compare": { "out/metrics.json": { "json": { "tolerance": 1e-6, "ignore": ["timing"] } } } },
    { "kind": "infra.reproducible", "id": "strict", "run": ["./train.sh"], "env": { "RUN_NOISE": "1", "TIMING": "1", "COUNTER": "c2" },
      "outputs": ["out"], "compare": { "out/metrics.json": { "json": { "tolerance": 1e-12, "ignore": "timing.seconds" } } } },
    { "kind": "infra.reproducible", "id": "timing", "run": ["./train.sh"], "env": { "TIMING": "1", "COUNTER": "c3" }, "outputs": ["out"], "runs": 3,
      "compare": { "out": { "json": { "relative_tolerance": 0.01 } }, "out/model.bin": "sha256" } }
  ] }
J
	# one at a time: the three share out/
	mlg run -j 1 --json r.json >out.txt 2>&1
	[ $? = 1 ] || { cat out.txt; return 1; }
	[ "$(jq -r '[.checks[].status] | join(" ")' r.json)" = "passed failed failed" ] || { cat out.txt; return 1; }
	[ "$(message_of 1)" = "'out/metrics.json' differs between run 1 and run 2 at test.auc (0.9100000011 vs 0.9100000021, off by 1e-09; tolerance 1e-12, relative 0)" ] ||
		{ message_of 1; return 1; }
	jq -e '.checks[1].examples == [{"file": "out/metrics.json", "run": 2, "path": "test.auc", "reference": 0.9100000011, "value": 0.9100000021, "reason": "off by 1e-09"}]' r.json >/dev/null ||
		{ jq -c '.checks[1].examples' r.json; return 1; }
	# a folder rule applies to the files under it; the seconds count 1, 2, 3
	[ "$(message_of 2)" = "'out/metrics.json' differs between run 1 and run 2 at timing.seconds (1 vs 2, off by 1; tolerance 0, relative 0.01); 2 differences in 1 file in all" ] ||
		{ message_of 2; return 1; }
	jq -e '[.checks[2].examples[] | [.run, .path, .reference, .value]] == [[2, "timing.seconds", 1, 2], [3, "timing.seconds", 1, 3]]' r.json >/dev/null ||
		{ jq -c '.checks[2].examples' r.json; return 1; }
}

test_infra_cmd_reproducible_missing_and_extra_outputs() {
	repro_script
	cat > mlgate.json <<'J'
{ "suite": "repro-e2e",
  "checks": [
    { "kind": "infra.reproducible", "id": "once", "run": ["./train.sh"], "env": { "ONCE": "1", "COUNTER": "c1" }, "outputs": ["out", "once.txt"] },
    { "kind": "infra.reproducible", "id": "extra", "run": ["./train.sh"], "env": { "EXTRA": "1", "COUNTER": "c2" }, "outputs": ["out"], "runs": 3 }
  ] }
J
	mlg run -j 1 --json r.json >out.txt 2>&1
	[ $? = 1 ] || { cat out.txt; return 1; }
	[ "$(message_of 0)" = "'once.txt' was not written by run 2" ] || { message_of 0; return 1; }
	jq -e '.checks[0].examples == [{"file": "once.txt", "run": 2, "reference": null, "value": null, "reason": "not written by run 2"}]' r.json >/dev/null ||
		{ jq -c '.checks[0].examples' r.json; return 1; }
	[ "$(message_of 1)" = "'out/extra.txt' was written by run 2 but not by run 1" ] || { message_of 1; return 1; }
	jq -e '.checks[1].observed.outputs[0] | .path == "out/extra.txt" and .sha256[0] == null and .sha256[2] == null and (.sha256[1] | length) == 64' r.json >/dev/null ||
		{ jq -c '.checks[1].observed' r.json; return 1; }
}

test_infra_cmd_reproducible_errors_clean_up() {
	mkdir -p tmp
	cat > mlgate.json <<'J'
{ "suite": "repro-e2e",
  "checks": [
    { "kind": "infra.reproducible", "id": "slow", "run": "mkdir -p out; sleep 10", "shell": true, "outputs": ["out"],
      "isolation": "copy", "timeout": "500ms" },
    { "kind": "infra.reproducible", "id": "nojson", "run": "mkdir -p out; date +x%N > out/m.json", "shell": true,
      "outputs": ["out"], "isolation": "copy", "compare": { "out/m.json": "json" } },
    { "kind": "infra.reproducible", "id": "nocwd", "run": ["true"], "cwd": "no-such-dir", "outputs": ["out"] }
  ] }
J
	TMPDIR=$PWD/tmp mlg run -j 1 --json r.json >out.txt 2>&1
	[ $? = 3 ] || { cat out.txt; return 1; }
	[ "$(jq -r '[.checks[].status] | join(" ")' r.json)" = "error error error" ] || { cat out.txt; return 1; }
	[ "$(message_of 0)" = 'run 1 of 2: `mkdir -p out; sleep 10` timed out after 0.5 s and was killed with its process group' ] ||
		{ message_of 0; return 1; }
	message_of 1 | grep -q "^'out/m.json' of run 1 is not valid JSON: line 1, column [0-9]*: " || { message_of 1; return 1; }
	[ "$(message_of 2)" = "run 1 of 2: cannot open the working directory 'no-such-dir': No such file or directory" ] || { message_of 2; return 1; }
	# the scratch copies are gone, also after the timeout
	[ -z "$(ls -A tmp)" ] || { echo "left in TMPDIR:"; ls -la tmp; return 1; }
}

test_infra_cmd_reproducible_failing_run_is_an_error() {
	repro_script
	cat > mlgate.json <<'J'
{ "suite": "repro-e2e",
  "checks": [ { "kind": "infra.reproducible", "run": ["./train.sh"], "env": { "FAIL_RUN": "2" }, "outputs": ["out"], "runs": 3 } ] }
J
	mlg run --json r.json >out.txt 2>&1
	[ $? = 3 ] || { cat out.txt; return 1; }
	[ "$(message_of 0)" = 'run 2 of 3: `./train.sh` exited with code 1' ] || { message_of 0; return 1; }
	jq -e '.checks[0].observed == {"runs": 1, "exit_code": 1}' r.json >/dev/null || { jq -c '.checks[0].observed' r.json; return 1; }
	grep -q '   | run 2 broke' out.txt || { cat out.txt; return 1; }
}

test_infra_cmd_suite_errors() {
	cat > mlgate.json <<'J'
{ "suite": "bad",
  "checks": [
    { "kind": "infra.resources", "run": ["make"] },
    { "kind": "infra.resources", "run": ["make"], "max_memory": "lots" },
    { "kind": "infra.reproducible", "run": ["make"], "outputs": ["../elsewhere", "out", "out/model.bin"], "runs": 20,
      "isolation": "fresh", "compare": { "model.bin": "json", "out/m.json": { "json": { "tolerance": -1 } } } },
    { "kind": "infra.resources", "run": ["make"], "max_wall": "0s" }
  ] }
J
	mlg validate >out.txt 2>&1
	[ $? = 2 ] || { cat out.txt; return 1; }
	for want in \
		'mlgate.json:3:5: checks[0]: expected at least one bound: "max_memory", "max_cpu" or "max_wall"' \
		'mlgate.json:4:51: checks[1].max_memory: expected a size such as "512MiB" or "2GB", or bytes as a number, found "lots"' \
		'checks[3].max_wall: expected a duration above 0' \
		"checks[2].outputs[0]: expected a path inside the working directory, found '..' in it: '../elsewhere'" \
		"checks[2].outputs[2]: 'out/model.bin' and 'out' overlap: list the folder only" \
		'checks[2].runs: expected 2 to 10 runs, found 20' \
		'checks[2].isolation: expected "clean" or "copy", found "fresh"' \
		"checks[2].compare[\"model.bin\"]: 'model.bin' is not one of the outputs nor inside one (outputs: 'out')" \
		'checks[2].compare["out/m.json"].json.tolerance: expected a number of at least 0, found a negative number'; do
		grep -qF -- "$want" out.txt || { echo "missing: $want"; cat out.txt; return 1; }
	done
}

# wait_for_file F: up to 10 s (valgrind starts slowly).
wait_for_file() {
	local i
	for i in $(seq 100); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	echo "$1 never came"
	return 1
}

# gone PID: the process ends within 5 s (it is a zombie at most).
gone() {
	local i
	[[ $1 =~ ^[0-9]+$ ]] || { echo "not a pid: '$1'"; return 1; }
	for i in $(seq 50); do
		{ kill -0 "$1" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; } || return 0
		sleep 0.1
	done
	echo "process $1 outlived mlgate"
	kill -KILL "$1" 2>/dev/null
	return 1
}

# mlgate killed by SIGKILL (or the OOM killer) takes the command it was
# running with it, though the command leads a process group of its own;
# and so for a measured command, which runs under a helper process. ($$$$
# is the shell's $$: the suite reads $$ as a literal $.)
test_infra_cmd_killed_mlgate_takes_its_command_along() {
	[ -x "$HOG" ] || { echo "no $HOG"; return 1; }
	cat > mlgate.json <<'J'
{ "checks": [
    { "kind": "infra.command", "id": "cmd", "run": ["sh", "-c", "echo $$$$ > cmd.pid; exec sleep 60"] },
    { "kind": "infra.resources", "id": "res", "run": ["sh", "-c", "echo $$$$ > res.pid; exec sleep 60"], "max_wall": "2m" } ] }
J
	local pid
	${MLGATE_WRAP:-} "$MLGATE" run -j 2 >out.txt 2>&1 &
	pid=$!
	wait_for_file cmd.pid && wait_for_file res.pid || { kill -KILL $pid; return 1; }
	kill -KILL $pid
	wait $pid 2>/dev/null
	gone "$(cat cmd.pid)" && gone "$(cat res.pid)"
}
