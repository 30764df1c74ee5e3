# reads its input from the working directory (copied for each run)
test -f config.txt || exit 9
test ! -e model.txt || { echo "model.txt left from an earlier run" >&2; exit 8; }
sed 's/seed/model/' config.txt > model.txt
