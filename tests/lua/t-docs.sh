#!/bin/sh
# The README's Lua, the Lua man page's example, every example (examples/*.lua) and every workshop file
# (examples/workshop/*.lua) run on the DEFAULT model (tamga.model.default(), not the micro model), each training cut
# to a few steps and every task to small samples by tests/lua/short.lua, so a spec that cannot be built on the
# default model's sizes (issue 18: quickstart's Pfeiffer budget on the small model) fails here, loudly. The
# default model is pretrained once with 1 step (its sizes and tokenizer are what matter) into
# tests/models/default-1step; TAMGA_TEST_DEFAULT_MODEL names an existing folder instead. t-examples.sh checks what
# the examples print, on the micro model with their own settings. Prints TAP.
. "$(dirname "$0")/env.sh"
cd "$LUA_TEST_TMP" || exit 1
SRC=$TAMGA_TEST_SRCDIR
EX="$SRC/examples"
SHORT="$SRC/tests/lua/short.lua"
n=0
fail=0

# the default model's preset (or folder), as a script without TAMGA_MODEL sees it
DEF=$(printf 'print(require("tamga").model.default())\n' > default.lua && env -u TAMGA_MODEL "$TAMGA" run default.lua)
if [ -n "$TAMGA_TEST_DEFAULT_MODEL" ]; then
	MODEL=$TAMGA_TEST_DEFAULT_MODEL
elif [ -d "$DEF" ]; then
	MODEL=$DEF
else
	MODEL="$TAMGA_TEST_BUILDDIR/tests/models/default-1step/$DEF"
	mkdir -p "$(dirname "$MODEL")"
	(
		flock 9
		if [ ! -f "$MODEL/config.json" ]; then
			"$TAMGA" pretrain --preset "$DEF" --steps 1 --out "$MODEL" >"$MODEL.log" 2>&1
		fi
	) 9>"$(dirname "$MODEL")/.lock"
fi
[ -f "$MODEL/config.json" ] || { echo "not ok 1 - the default model '$DEF' could not be built (see $MODEL.log)"; echo "1..1"; exit 1; }
echo "# default model: $DEF ($MODEL)"
export TAMGA_MODEL="$MODEL"

# run NAME FILE ARGS...: run a script with short.lua first; a failure shows its last lines
run() {
	name=$1
	shift
	n=$((n + 1))
	if "$TAMGA" run -e "dofile('$SHORT')" "$@" >"$name.out" 2>&1; then
		echo "ok $n - $name runs on the default model"
	else
		fail=1; echo "not ok $n - $name runs on the default model"; tail -8 "$name.out" | sed 's/^/# /'
	fi
}

# the README's Lua blocks and the man page's complete scripts (those that start with require "tamga")
awk '/^```lua$/ { k++; f = sprintf("readme-%d.lua", k); on = 1; next } /^```$/ { on = 0 } on { print > f }' "$SRC/README.md"
awk '/^\.Bd -literal/ { k++; on = 1; first = 1; next } /^\.Ed$/ { on = 0 }
	on { if (first && $0 !~ /^local tamga = require/) on = 0; else { gsub(/\\e/, "\\"); gsub(/\\&/, ""); print > sprintf("man-%d.lua", k) } first = 0 }' \
	"$SRC/man/tamga-lua.3"
for f in readme-*.lua man-*.lua; do
	[ -f "$f" ] && run "$(basename "$f" .lua)" "$f"
done
for f in "$EX"/*.lua "$EX"/workshop/*.lua; do
	b=$(basename "$f" .lua)
	case $b in
	ttc-matrix) run "$b" "$f" "$MODEL" 1 ttc.png ;;
	layer-probe) run "$b" "$f" "$MODEL" tr-kk 20 ;;
	*) run "$b" "$f" ;;
	esac
done

echo "1..$n"
exit $fail
