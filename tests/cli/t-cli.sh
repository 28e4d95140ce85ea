#!/bin/sh
# The tamga program: --help, --version, selfcheck, and clear errors for bad options.
T=${TAMGA_TEST_BUILDDIR:-.}/tamga
n=0; fail=0
t() { n=$((n+1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fail=1; fi; }
out=$($T --version 2>&1); t "--version prints the version and BLAS" 'echo "$out" | grep -q "^tamga [0-9]" && echo "$out" | grep -q "OpenBLAS"'
t "--version reports the OpenMP build of OpenBLAS" 'echo "$out" | grep -q "(openmp)"'
out=$($T --help 2>&1); t "--help lists the commands" 'echo "$out" | grep -q "selfcheck" && echo "$out" | grep -q "bench"'
out=$($T frobnicate 2>&1); rc=$?
t "an unknown command exits 2 with one line and a hint" '[ $rc = 2 ] && echo "$out" | grep -q "unknown command .frobnicate." && echo "$out" | grep -q hint'
out=$($T --threads zero selfcheck 2>&1); rc=$?
t "a bad --threads value is refused" '[ $rc = 2 ] && echo "$out" | grep -q "thread count"'
out=$($T bench --tokens -5 2>&1); rc=$?
t "bench refuses a negative size" '[ $rc = 2 ] && echo "$out" | grep -q "tokens"'
out=$($T selfcheck 2>&1); rc=$?
t "selfcheck passes" '[ $rc = 0 ] && echo "$out" | grep -q "3 passed, 0 failed"'
out=$($T bench linear --tokens 64 --in 32 --out 16 --repeat 3 --json 2>&1)
t "bench linear prints a JSON line with a ratio" 'echo "$out" | grep -q "\"ratio\":"'
# a stray folder named like a preset (no config.json) does not shadow the preset; a folder missing its config.json
# is named with the reason
tmp=$(mktemp -d); mkdir "$tmp/base"
Tabs=$(cd "$(dirname "$T")" && pwd)/$(basename "$T")
out=$(cd "$tmp" && HOME="$tmp" "$Tabs" train --model base --no-build --task udpos 2>&1); rc=$?
t "a folder ./base without config.json means the preset, and says so" '[ $rc != 0 ] && echo "$out" | grep -q "has no config.json; using the preset .base." && echo "$out" | grep -q "not built yet"'
out=$("$T" info "$tmp/base" 2>&1); rc=$?
t "a model folder without config.json: one line naming the file and why" '[ $rc = 1 ] && echo "$out" | grep -q "base/config.json: cannot read: No such file or directory" && ! echo "$out" | grep -q -- "-1"'
rm -rf "$tmp"
echo "1..$n"
exit $fail
