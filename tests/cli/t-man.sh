#!/bin/sh
# Every subcommand of 'tamga --help' has an entry in tamga(1), and the man pages render without warnings.
T=${TAMGA_TEST_BUILDDIR:-.}/tamga
M=${TAMGA_TEST_SRCDIR:-.}/man
n=0; fail=0
for c in $("$T" --help | awk '/^commands:/ {on=1; next} on && /^  [a-z]/ {print $1} on && /^$/ {exit}'); do
	n=$((n+1))
	if grep -q "^\.It Cm $c\b" "$M/tamga.1"; then echo "ok $n - tamga(1) documents '$c'"
	else echo "not ok $n - tamga(1) has no '.It Cm $c' entry for the subcommand '$c'"; fail=1; fi
done
for p in tamga.1 tamga.5 tamga-lua.3 tamga-script.7; do
	[ -f "$M/$p" ] || continue
	n=$((n+1))
	if command -v mandoc >/dev/null 2>&1; then w=$(mandoc -T lint -W warning "$M/$p" 2>&1 | grep -v "STYLE\|referenced manual not found" | head -3)
	else w=$(LC_ALL=C.UTF-8 MANWIDTH=100 man --warnings -l "$M/$p" 2>&1 >/dev/null | head -3); fi
	if [ -z "$w" ]; then echo "ok $n - $p renders without warnings"; else echo "not ok $n - $p: $w"; fail=1; fi
done
# prose swallowed by a flag macro renders as flags: "(--lr-backoff -also -halves -the ...)" (issue 18)
if command -v mandoc >/dev/null 2>&1; then
	for p in tamga.1 tamga.5 tamga-lua.3; do
		[ -f "$M/$p" ] || continue
		n=$((n+1))
		w=$(mandoc -T ascii "$M/$p" | col -b | grep -E '(^| |\()-[a-z]+ -[a-z]+ -[a-z]+ -[a-z]+' | head -2)
		if [ -z "$w" ]; then echo "ok $n - $p: no words rendered as flags"; else echo "not ok $n - $p: words rendered as flags: $w"; fail=1; fi
	done
fi
[ $n -gt 10 ] || { n=$((n+1)); echo "not ok $n - found only $n commands in tamga --help"; fail=1; }
echo "1..$n"
exit $fail
