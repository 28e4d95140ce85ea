#!/bin/sh
# tamga study run then report on a tiny protocol (micro model, 3 arms x 2 seeds) from a fresh workspace: resumable,
# the report's numbers equal tamga report's scores and analyze compare's paired tests on the same runs, the HTML is
# self-contained with unique SVG ids, the PDF renders to PNG (pdftoppm); bad protocols are one-line errors.
T=${TAMGA_TEST_BUILDDIR:-.}/tamga
M=${TAMGA_TEST_MICRO:-}
PY=${PYTHON3:-python3}
if [ -z "$M" ] || [ ! -f "$M/config.json" ]; then echo "1..0 # SKIP the micro model is not available (no data root?)"; exit 0; fi
if ! $PY -c 'import sqlite3, json' 2>/dev/null; then echo "1..0 # SKIP python3 is not available"; exit 0; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "leak:libfontconfig.so" > "$tmp/lsan.supp"
LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$tmp/lsan.supp:print_suppressions=0"; export LSAN_OPTIONS
n=0; fail=0
t() { n=$((n+1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fail=1; fi; }
skip() { n=$((n+1)); echo "ok $n - # SKIP $1"; }
W="$tmp/ws"
cat >"$tmp/tiny.lua" <<EOF
return {
  name = "tiny",
  question = "Does LoRA on the first layer transfer like LoRA on the second, and like an adapter?",
  model = "$M",
  tasks = { "udpos" }, sources = { "en" }, targets = { "az", "kk", "uz" }, seeds = { 1, 2 },
  workers = 2, bootstrap = 200, probe = 60,
  train = { epochs = 1, ["max-train"] = 120, lr = 3e-3, ["max-eval"] = 40, batch = 16, bootstrap = 10,
    ["frozen-prefix"] = "cached" },
  reference = "pfeiffer",
  arms = function(layers)
    local arms = {}
    for lo = 0, layers - 1 do
      arms[#arms + 1] = { name = "lora-w" .. lo, peft = ("lora:layers=%d,targets=q+v,r=4"):format(lo), window = { lo, lo } }
    end
    arms[#arms + 1] = { name = "pfeiffer", peft = "pfeiffer:layers=all,dim=3" }
    return arms
  end,
}
EOF
timeout 900 "$T" study run "$tmp/tiny.lua" -w "$W" >"$tmp/run.out" 2>"$tmp/run.err"; rc=$?
t "study run finishes (exit $rc)" '[ $rc = 0 ] && grep -q "3 of 3 sweeps complete" "$tmp/run.out"'
t "6 runs, named by arm, task, source and seed, all done" '[ "$(sqlite3 "$W/tamga.db" "select count(*), sum(status = '"'done'"') from runs where name like '"'study:tiny arm=% task=udpos source=en seed=%'"'")" = "6|6" ]'
t "peak memory recorded per arm" '[ "$(grep -c "" "$W/study/tiny/peak.tsv")" = 3 ]'
timeout 900 "$T" study run "$tmp/tiny.lua" -w "$W" >"$tmp/run2.out" 2>"$tmp/run2.err"; rc=$?
t "run again: every point is skipped as done" '[ $rc = 0 ] && [ "$(grep -c "done before" "$tmp/run2.err")" = 6 ] && [ "$(sqlite3 "$W/tamga.db" "select count(*) from runs")" = 6 ]'

"$T" study report "$tmp/tiny.lua" -w "$W" >"$tmp/rep.out" 2>"$tmp/rep.err"; rc=$?
D="$W/study/tiny"
t "study report writes HTML, Markdown and PDF (exit $rc)" '[ $rc = 0 ] && [ -s "$D/report.html" ] && [ -s "$D/report.md" ] && [ -s "$D/report.pdf" ]'

# which runs used the frozen-prefix cache: the cost table says, per arm
cost() { sed -n '/^## Cost beside quality/,/^## /p' "$D/report.md" | grep "^| $1 " | awk -F'|' '{ print $9 }' | sed 's/^ *//; s/ *$//'; }
t "the report says which arms' runs used the frozen-prefix cache (lora-w1: $(cost lora-w1); lora-w0: $(cost lora-w0))" \
	'[ "$(cost lora-w1)" = "cached: embeddings, layers 0-0" ] && [ "$(cost lora-w0)" = "cached: nothing below" ] && [ "$(cost pfeiffer)" = "cached: nothing below" ]'
t "the lora-w1 runs computed the prefix states apart: $(grep -o "frozen prefix cached (embeddings and layers 0-0): [^,]*" "$tmp/run.err" | head -1)" \
	'grep -q "frozen prefix cached (embeddings and layers 0-0): [1-9][0-9]* batches computed in [0-9.]* s" "$tmp/run.err"'

# the score table against tamga report on the same runs
"$T" report -w "$W" --format csv >"$tmp/report.csv" 2>/dev/null
cat >"$tmp/scores.py" <<'EOF'
import csv, re, sys
md, rep = open(sys.argv[1]).read(), list(csv.DictReader(open(sys.argv[2])))
sec = md.split("### udpos from en: target score")[1].split("\n## ")[0]
rows = [l for l in sec.splitlines() if l.startswith("| ")]
head = [c.strip() for c in rows[0].strip("|").split("|")]
bad, checked = [], 0
for l in rows[1:]:
    cells = [c.strip() for c in l.strip("|").split("|")]
    arm = cells[0]
    for lang, cell in zip(head[3:], cells[3:]):
        got = float(cell.split()[0])
        v = [float(r["score"]) for r in rep if r["name"].startswith("study:tiny arm=%s " % arm) and r["lang"] == lang
             and r["is_source"] == "0"]
        want = sum(v) / len(v)
        checked += 1
        if len(v) != 2 or abs(got - want) > 6e-4:
            bad.append("%s %s: report.md %s, tamga report %.6f over %d runs" % (arm, lang, cell, want, len(v)))
        below = "below chance" in cell
        c = [float(r["chance"]) for r in rep if r["name"].startswith("study:tiny arm=%s " % arm) and r["lang"] == lang]
        if below != (want - sum(c) / len(c) <= 0):
            bad.append("%s %s: below-chance flag %s, gain %.4f" % (arm, lang, below, want - sum(c) / len(c)))
print("\n".join(bad) or "checked %d cells" % checked)
sys.exit(1 if bad or checked != 9 else 0)
EOF
$PY "$tmp/scores.py" "$D/report.md" "$tmp/report.csv" >"$tmp/scores.out" 2>&1; rc=$?
t "every score cell equals the seed mean of tamga report's scores (and the chance flags agree)" '[ $rc = 0 ]'

# the paired comparisons against tamga analyze compare on the same runs (same bootstrap seed and resamples)
ok=0
for pair in "lora-w0 pfeiffer" "lora-w1 pfeiffer" "lora-w0 lora-w1"; do
	set -- $pair
	"$T" analyze compare -w "$W" "study:tiny arm=$1 *" "study:tiny arm=$2 *" --task udpos --source en --boot 200 \
	    --seed 1 --format csv >"$tmp/cmp-$1-$2.csv" 2>/dev/null
	$PY - "$D/report.md" "$tmp/cmp-$1-$2.csv" "$1" "$2" >>"$tmp/cmp.out" 2>&1 <<'EOF' && ok=$((ok+1))
import csv, sys
md, rows, a, b = open(sys.argv[1]).read(), list(csv.DictReader(open(sys.argv[2]))), sys.argv[3], sys.argv[4]
sec = md.split("### %s vs %s (udpos, from en)" % (a, b))[1].split("\n### ")[0].split("\n## ")[0]
lines = {l.split("|")[1].strip(): [c.strip() for c in l.strip("|").split("|")] for l in sec.splitlines()
         if l.startswith("| ") and not l.startswith("| target")}
bad = []
for r in rows:
    c = lines.get(r["target"])
    if c is None:
        bad.append("no row for %s" % r["target"]); continue
    want = ["%+.3f" % float(r["diff"]), "[%+.3f, %+.3f]" % (float(r["diff_lo"]), float(r["diff_hi"])),
            "%.3f" % float(r["p_holm"])]
    if [c[4], c[5], c[6]] != want:
        bad.append("%s %s vs %s: report %s, analyze compare %s" % (r["target"], a, b, c[4:7], want))
if len(rows) != 3:
    bad.append("%d rows" % len(rows))
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
done
t "each comparison table equals analyze compare's diff, CI and Holm p (3 comparisons)" '[ $ok = 3 ]'
t "the answers name the best arm and the early-minus-late window difference" 'grep -q "the best arm is" "$D/report.md" && grep -q "early minus late" "$D/report.md"'
t "cost columns: trainable parameters and peak memory filled for every arm" '[ "$(grep -c "^| lora-w[01] | lora:layers=[01],targets=q+v,r=4 | [0-9][0-9]* | [0-9.]* | [0-9.]* | [0-9][0-9]* |" "$D/report.md")" = 2 ]'
t "the report records checksums and the exact sweep commands" 'grep -q "checksum [0-9a-f]\{16\}" "$D/report.md" && grep -q "^tamga sweep --prefix .study:tiny arm=pfeiffer. --grid task=udpos" "$D/report.md"'

# alignment before/after: 3 arms x 3 Tatoeba targets x 3 layers; what no arm trains cannot move
t "alignment probe table: a row per arm, target and layer" '[ "$(grep -c "^| \(lora-w[01]\|pfeiffer\) | \(az\|kk\|uz\) | [0-2] | " "$D/report.md")" = 27 ]'
t "layer 0 (embeddings) is unchanged by every arm, layer 1 by LoRA on layer 1 only" '[ "$(grep -c "^| [a-z0-9-]* | [a-z]* | 0 | .* | [+-]0.0000 |" "$D/report.md")" = 9 ] && [ "$(grep -c "^| lora-w1 | [a-z]* | 1 | .* | [+-]0.0000 |" "$D/report.md")" = 3 ] && [ "$(grep -c "^| lora-w0 | [a-z]* | 1 | .* | [+-]0.0000 |" "$D/report.md")" = 0 ]'

# HTML: self-contained, two inline SVG figures, ids unique in the page (cairo names glyphs alike in every SVG)
t "HTML has three inline SVG figures and loads nothing from elsewhere" '[ "$(grep -c "<svg" "$D/report.html")" = 3 ] && ! grep -Eq "(src|href)=\"(https?:|//|file:)" "$D/report.html"'
$PY -c '
import re, sys, collections
ids = collections.Counter(re.findall(r"\bid=\"([^\"]+)\"", open(sys.argv[1]).read()))
dup = [k for k, v in ids.items() if v > 1]
print(dup[:5]); sys.exit(1 if dup or len(ids) < 10 else 0)' "$D/report.html" >"$tmp/ids.out" 2>&1; rc=$?
t "every id in the HTML is unique (no glyph of one figure drawn from another)" '[ $rc = 0 ]'

# PDF rendered to PNG
if command -v pdftoppm >/dev/null 2>&1; then
	pdftoppm -r 50 -png "$D/report.pdf" "$tmp/page" 2>"$tmp/pdf.err"; rc=$?
	t "pdftoppm renders the PDF: 2 or more pages, no errors" '[ $rc = 0 ] && [ ! -s "$tmp/pdf.err" ] && [ "$(ls "$tmp"/page*.png | wc -l)" -ge 2 ]'
	t "the pages are PNG images with content" 'for p in "$tmp"/page*.png; do [ "$(head -c 4 "$p" | od -An -c | tr -d " ")" = "211PNG" ] || exit 1; done; [ "$(cat "$tmp"/page*.png | wc -c)" -gt 30000 ]'
else
	skip "pdftoppm (poppler-utils) is not installed"
	skip "pdftoppm (poppler-utils) is not installed"
fi

# bad protocols: one line naming the file (and line or field), exit 1, nothing run
bad() { printf '%s\n' "$2" >"$tmp/bad.lua"; out=$("$T" study run "$tmp/bad.lua" -w "$tmp/badws" 2>&1); rc=$?
	t "$1 (exit $rc)" '[ $rc = 1 ] && echo "$out" | head -1 | grep -q "$3" && [ "$(echo "$out" | grep -vc "^hint:")" = 1 ] && [ ! -e "$tmp/badws/tamga.db" ]'; }
bad "a syntax error names the file and line" 'return { name = "x",
  tasks = { "udpos" } oops }' "bad.lua:2:"
bad "a missing field is named" 'return { name = "x", sources = { "en" }, seeds = { 1 }, arms = { { name = "a", peft = "head" } } }' "field 'tasks'"
bad "an arm without peft is named" 'return { name = "x", tasks = { "udpos" }, sources = { "en" }, seeds = { 1 }, arms = { { name = "a" } } }' "arms\[1\].*peft"
bad "two arms of one name are refused" 'return { name = "x", tasks = { "udpos" }, sources = { "en" }, seeds = { 1 }, arms = { { name = "a", peft = "head" }, { name = "a", peft = "bitfit" } } }' "same name"
bad "a reference that names no arm is refused" 'return { name = "x", reference = "zz", tasks = { "udpos" }, sources = { "en" }, seeds = { 1 }, arms = { { name = "a", peft = "head" } } }' "field 'reference'"
bad "train options the study sets itself are refused" 'return { name = "x", tasks = { "udpos" }, sources = { "en" }, seeds = { 1 }, train = { seed = 3 }, arms = { { name = "a", peft = "head" } } }' "train.seed"
bad "a protocol cannot act: os.execute is disabled" 'os.execute("touch /tmp/x") return {}' "disabled"
out=$("$T" study frob 2>&1); rc=$?
t "an unknown subcommand is a usage error (exit $rc)" '[ $rc = 2 ] && echo "$out" | grep -q "run. or .report"'

[ $fail = 0 ] || { sed 's/^/# /' "$tmp/scores.out" "$tmp/cmp.out" "$tmp/ids.out" "$tmp/run.err" "$tmp/rep.err" 2>/dev/null | tail -40; }
echo "1..$n"
exit $fail
