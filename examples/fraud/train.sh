#!/bin/sh
# A stand-in for the training entry point of a tabular fraud classifier.
# --smoke: read the training data, fit a one-feature threshold "model" on a
# sample and check it beats the base rate, without writing any artifact.
set -eu
data="data/train.csv"
[ -r "$data" ] || { echo "train.sh: cannot read $data" >&2; exit 2; }
awk -F, 'NR > 1 {
	n++; pos += $6
	if ($2 > 100) { flagged++; hit += $6 }
}
END {
	if (n == 0) { print "no rows" > "/dev/stderr"; exit 1 }
	base = pos / n; prec = flagged ? hit / flagged : 0
	printf "rows=%d base_rate=%.3f precision_at_100=%.3f\n", n, base, prec
	if (prec <= base) { print "model does not beat the base rate" > "/dev/stderr"; exit 1 }
}' "$data"
