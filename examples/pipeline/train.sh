#!/bin/sh
# A stand-in for a training job: fits a one-feature logistic "model" of
# fraud on amount, scores the held-out fifth of the rows (id % 5 == 0) and
# writes what a real job writes: the model, its test metrics and the test
# predictions. Deterministic: the same data gives byte-identical outputs.
set -eu
data=${1:-../fraud/data/train.csv}
out=${2:-out}
mkdir -p "$out"
awk -F, -v out="$out" '
NR == 1 { next }
$1 % 5 != 0 { n++; sum += $2; pos += $6; next }
{ test[++m] = $0 }
END {
	if (n == 0 || m == 0) { print "train.sh: no rows to train or test on" > "/dev/stderr"; exit 1 }
	centre = sum / n
	printf "{\"kind\": \"logistic\", \"feature\": \"amount\", \"centre\": %.6f, \"scale\": 50}\n", centre > (out "/model.json")
	print "id,country,y,p" > (out "/preds.csv")
	for (i = 1; i <= m; i++) {
		split(test[i], f, ",")
		p = 1 / (1 + exp(-(f[2] - centre) / 50))
		right += (p >= 0.5) == (f[6] == 1)
		printf "%s,%s,%s,%.6f\n", f[1], f[3], f[6], p > (out "/preds.csv")
	}
	printf "{\"train\": {\"rows\": %d, \"base_rate\": %.6f}, \"test\": {\"rows\": %d, \"accuracy\": %.6f}}\n", n, pos / n, m, right / m > (out "/metrics.json")
}' "$data"
