# Sourced by every Lua test: the tamga program, the data root, one micro model shared by all tests, and a private
# HOME and workspace. The micro model is the one `make check` builds into tests/models (TAMGA_MODELS), or one the
# environment's TAMGA_MODELS holds; run by hand without either, it is built once (under a lock, so parallel tests wait
# for one build) into tests/lua/models.
: "${TAMGA_TEST_BUILDDIR:=$(pwd)}"
: "${TAMGA_TEST_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
TAMGA="$TAMGA_TEST_BUILDDIR/tamga"
export TAMGA_DATA="${TAMGA_DATA:-$TAMGA_TEST_SRCDIR/../shared/data}"

lua_test_skip() {
	echo "1..0 # SKIP $1"
	exit 0
}

[ -x "$TAMGA" ] || lua_test_skip "no tamga program at $TAMGA"
[ -d "$TAMGA_DATA" ] || lua_test_skip "no data root at $TAMGA_DATA (set TAMGA_DATA)"
[ -z "$TAMGA_SKIP_MICRO" ] || lua_test_skip "TAMGA_SKIP_MICRO is set"
if [ -n "$TAMGA_MODELS" ] && [ -f "$TAMGA_MODELS/micro/config.json" ]; then
	:       # the model the build (check_DATA) or the environment provides
elif [ -n "$TAMGA_TEST_MICRO" ]; then
	lua_test_skip "no micro model at $TAMGA_TEST_MICRO (see tests/models/micro.log)"
else
	TAMGA_MODELS="$TAMGA_TEST_BUILDDIR/tests/lua/models"
	mkdir -p "$TAMGA_MODELS"
	(
		flock 9
		if [ ! -f "$TAMGA_MODELS/micro/config.json" ]; then
			TAMGA_MODELS="$TAMGA_MODELS" "$TAMGA" pretrain --preset micro >"$TAMGA_MODELS/pretrain.log" 2>&1
		fi
	) 9>"$TAMGA_MODELS/.lock"
	[ -f "$TAMGA_MODELS/micro/config.json" ] || lua_test_skip "the micro model could not be built (see $TAMGA_MODELS/pretrain.log)"
fi
export TAMGA_MODELS
export TAMGA_MODEL=micro
export TAMGA_THREADS="${TAMGA_THREADS:-1}"

LUA_TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/tamga-lua-test.XXXXXX")
mkdir -p "$LUA_TEST_TMP/home" "$LUA_TEST_TMP/ws"
export HOME="$LUA_TEST_TMP/home"
export TAMGA_WORKSPACE="$LUA_TEST_TMP/ws"
unset XDG_STATE_HOME XDG_CACHE_HOME
lua_test_cleanup() {
	rm -rf "$LUA_TEST_TMP"
}
trap lua_test_cleanup EXIT
