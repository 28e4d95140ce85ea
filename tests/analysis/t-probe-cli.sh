#!/bin/sh
# tamga analyze probe with its defaults on the data root and the micro model (issue 18, bug 13): the en-tr pair is
# probed (Tatoeba has 1,000 tr pairs; the default targets left tr out), and each pair says so on stderr when stderr
# is not a terminal (2 minutes went by without a line). Prints TAP.
T=${TAMGA_TEST_BUILDDIR:-.}/tamga
M=${TAMGA_TEST_MICRO:-}
if [ -z "$M" ] || [ ! -f "$M/config.json" ]; then echo "1..0 # SKIP the micro model is not available (no data root?)"; exit 0; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0; fail=0
t() { n=$((n+1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fail=1; fi; }

"$T" analyze probe --model "$M" --max-pairs 12 --format csv -o "$tmp/probe.csv" 2>"$tmp/probe.err"
rc=$?
t "analyze probe with the default sources and targets succeeds" '[ $rc = 0 ]'
t "en-tr is probed (rows for en,tr)" 'grep -q "^en,tr," "$tmp/probe.csv"'
t "and en-kk" 'grep -q "^en,kk," "$tmp/probe.csv"'
t "one progress line per pair on a stderr that is not a terminal" \
	'grep -q "^tamga analyze probe: en-tr, 12 tatoeba pairs, 3 layers$" "$tmp/probe.err" &&
	 [ "$(grep -c "^tamga analyze probe: en-" "$tmp/probe.err")" -ge 5 ]'
[ $fail = 0 ] || { sed 's/^/# /' "$tmp/probe.err"; head -5 "$tmp/probe.csv" | sed 's/^/# /'; }
echo "1..$n"
exit $fail
