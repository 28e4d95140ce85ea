#!/bin/sh
# The log compiler of the .lua tests: the shared environment, then `tamga run TEST.lua` (the test prints TAP).
. "$(dirname "$0")/env.sh"
cd "$LUA_TEST_TMP" || exit 1
"$TAMGA" run "$TAMGA_TEST_SRCDIR/tests/lua/$(basename "$1")"
