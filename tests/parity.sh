# Sourced by the parity tests (tests/model/t-parity.sh, tests/peft/t-peft-parity.sh) after setting REF (the
# Python reference, relative to the source tree) and CHECK (the checker, relative to the build tree). Skips the
# whole test without python3-torch. `run NAME ARGS...` writes the reference into a temporary folder and prints
# the checker's TAP lines as "ok - NAME: ..." (n counts them, fail is set by a failure); end with
# `echo "1..$n"; exit $fail`.
PY=${PYTHON3:-/usr/bin/python3}
SRC=${TAMGA_TEST_SRCDIR:-.}
BLD=${TAMGA_TEST_BUILDDIR:-.}
if ! $PY -c "import torch" 2>/dev/null; then echo "1..0 # SKIP python3-torch is not installed"; exit 0; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0; fail=0
run() {
	name=$1; shift
	if ! $PY "$SRC/$REF" "$tmp/$name" "$@" > "$tmp/$name.ref" 2>&1; then
		n=$((n+1)); echo "not ok $n - $name: reference failed"; sed 's/^/# /' "$tmp/$name.ref"; fail=1; return
	fi
	cat "$tmp/$name.ref"
	"$BLD/$CHECK" "$tmp/$name" 1e-4 > "$tmp/$name.out" 2>&1 || fail=1
	grep -v '^1\.\.' "$tmp/$name.out" | sed "s|$tmp/||" | while IFS= read -r line; do
		case $line in
		ok*|not\ ok*) echo "$line" | sed "s/^\(not ok\|ok\) [0-9]* - /\1 - $name: /" ;;
		*) echo "$line" ;;
		esac
	done
	n=$((n + $(grep -c '^\(not \)\?ok' "$tmp/$name.out")))
	rm -rf "$tmp/$name"
}
