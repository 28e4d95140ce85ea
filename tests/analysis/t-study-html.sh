#!/bin/sh
# The study report's HTML in a real browser: headless Chromium loads it, takes a screenshot and logs no console
# message (no script error, nothing refused). Skips when chromium (Debian package chromium) is not installed.
T=${TAMGA_TEST_BUILDDIR:-.}/tamga
M=${TAMGA_TEST_MICRO:-}
B=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$B" ]; then echo "1..0 # SKIP chromium is not installed (tools/install-deps installs it)"; exit 0; fi
if [ -z "$M" ] || [ ! -f "$M/config.json" ]; then echo "1..0 # SKIP the micro model is not available (no data root?)"; exit 0; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0; fail=0
t() { n=$((n+1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fail=1; fi; }
W="$tmp/ws"
cat >"$tmp/mini.lua" <<EOF
return {
  name = "mini", model = "$M", tasks = { "udpos" }, sources = { "en" }, targets = { "kk", "uz" }, seeds = { 1 },
  workers = 2, bootstrap = 100, reference = "lora-w1",
  train = { epochs = 1, ["max-train"] = 32, ["max-eval"] = 16, batch = 16, bootstrap = 10 },
  arms = { { name = "lora-w0", peft = "lora:layers=0,targets=q+v,r=4", window = { 0, 0 } },
           { name = "lora-w1", peft = "lora:layers=1,targets=q+v,r=4", window = { 1, 1 } } },
}
EOF
timeout 600 "$T" study run "$tmp/mini.lua" -w "$W" >"$tmp/run.out" 2>&1 && "$T" study report "$tmp/mini.lua" -w "$W" \
    -o "$tmp/out" >>"$tmp/run.out" 2>&1; rc=$?
t "a two-arm study runs and reports (exit $rc)" '[ $rc = 0 ] && [ -s "$tmp/out/report.html" ] && [ "$(grep -c "<svg" "$tmp/out/report.html")" = 2 ]'
HOME="$tmp" timeout 120 "$B" --headless=new --no-sandbox --disable-gpu --no-first-run --disable-extensions \
    --enable-logging=stderr --v=0 --user-data-dir="$tmp/profile" --window-size=1200,2400 \
    --screenshot="$tmp/shot.png" "file://$tmp/out/report.html" >"$tmp/chromium.out" 2>"$tmp/chromium.err"; rc=$?
t "chromium loads the report and writes a screenshot (exit $rc)" '[ $rc = 0 ] && [ "$(head -c 4 "$tmp/shot.png" | od -An -c | tr -d " ")" = "211PNG" ]'
t "the screenshot is not blank (tables and plots drawn)" '[ "$(wc -c <"$tmp/shot.png")" -gt 40000 ]'
t "no console message (script errors, blocked or missing resources)" '! grep -q "CONSOLE" "$tmp/chromium.err"'
[ $fail = 0 ] || { sed 's/^/# /' "$tmp/run.out" | tail -10; grep "CONSOLE\|ERROR" "$tmp/chromium.err" | grep -v dbus | sed 's/^/# /' | head; }
echo "1..$n"
exit $fail
