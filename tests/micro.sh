# Sourced by the shell tests that run the micro model: T (the tamga program), M (the micro model; without it the
# test is skipped), tmp (a temporary folder removed at exit), and `t NAME CONDITION` (one TAP line; n counts them,
# fail is set by a failure).
T=${TAMGA_TEST_BUILDDIR:-.}/tamga
M=${TAMGA_TEST_MICRO:-}
if [ -z "$M" ] || [ ! -f "$M/config.json" ]; then echo "1..0 # SKIP the micro model is not available (no data root?)"; exit 0; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0; fail=0
# prev_rc: the exit status of the command just before the check ($? itself is reset by the count)
t() { prev_rc=$?; n=$((n+1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fail=1; fi; }
