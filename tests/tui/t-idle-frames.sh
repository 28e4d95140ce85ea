#!/bin/sh
# tamga --max-frames N on an idle screen (nothing training or queued, no key) leaves after about 2 seconds instead of
# waiting for N frames, which an idle screen may never draw (issue 18: --max-frames counted only drawn frames).
# Prints TAP.
BD=${TAMGA_TEST_BUILDDIR:-.}
T=$(cd "$BD" && pwd)/tamga
command -v tmux >/dev/null 2>&1 || { echo "1..0 # SKIP tmux is not installed"; exit 0; }
TMP=$(mktemp -d /tmp/t-tui-idle-XXXXXX)
SOCK=tamga-idle-$$
trap 'tmux -L $SOCK kill-server 2>/dev/null; rm -rf "$TMP"' EXIT
mkdir -p "$TMP/home"
tmux -L $SOCK -f /dev/null new-session -d -s tui -x 80 -y 24 \
	"cd '$TMP' && HOME='$TMP/home' LANG=C.UTF-8 '$T' --workspace '$TMP/ws' --model micro --max-frames 1000; echo TUI-EXIT \$? > '$TMP/exit'; sleep 60"
i=0
while [ ! -s "$TMP/exit" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
if [ -s "$TMP/exit" ] && grep -q "TUI-EXIT 0" "$TMP/exit"; then
	echo "ok 1 - an idle workbench with --max-frames 1000 leaves by itself ($((i / 10)) s)"
else
	echo "not ok 1 - an idle workbench with --max-frames 1000 leaves by itself (still open after 20 s)"
	tmux -L $SOCK capture-pane -p -t tui | sed 's/^/# |/'
	echo "1..1"; exit 1
fi
[ $i -ge 15 ]; r=$?
[ $r = 0 ] && echo "ok 2 - not before 2 seconds of idleness" || echo "not ok 2 - not before 2 seconds of idleness ($((i / 10)) s)"
echo "1..2"
exit $r
