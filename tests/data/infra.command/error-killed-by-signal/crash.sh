echo about to crash
kill -9 $$
echo unreachable
