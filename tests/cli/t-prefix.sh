#!/bin/sh
# Frozen-prefix caching (issue 20): --frozen-prefix cached gives exactly the numbers of --frozen-prefix eval (every
# step's loss, every evaluation), whether its states are computed, read from memory or read from the workspace by a
# later run; a damaged cache entry is computed again, with one warning, and the numbers stay the same; weights that
# change make a new cache (no stale states); the mode is stored with the run; a run that trains the lowest layer has
# nothing to cache and says so; a bad value gets one line.
PY=${PYTHON3:-/usr/bin/python3}
D=${TAMGA_DATA:-}
. "${TAMGA_TEST_SRCDIR:-.}/tests/micro.sh"
W=$tmp/ws

"$T" train --frozen-prefix cache >"$tmp/bad.out" 2>&1; rc=$?
t "--frozen-prefix cache is refused, naming the choices" \
	'[ $rc = 2 ] && grep -q "^tamga train: option .--frozen-prefix.: .cache. is not one of train, eval or cached; default train$" "$tmp/bad.out"'
if [ ! -d "$D/udpos/tr" ]; then
	echo "ok $((n+1)) - # SKIP the micro model or the data root is not available"; echo "1..$((n+1))"; exit $fail; fi

run() {   # model, mode, extra
	m=$1 mode=$2; shift 2
	"$T" train --model "$m" --task udpos --source tr --targets az,kk --peft lora:layers=1,targets=q+v,r=4 --epochs 2 \
		--max-train 200 --max-eval 120 --batch 16 --seed 5 --bootstrap 100 -w "$W" --json --frozen-prefix "$mode" "$@"
}
# every step's loss and every evaluation row of run $1, exactly (17 significant digits)
numbers() { sqlite3 "$W/tamga.db" "select group_concat(printf('%.17g', loss), ' ') from (select loss from steps where run_id = $1 order by step);
	select group_concat(x, ' ') from (select step || lang || split || printf(' %.17g %.17g %.17g', score, ci_low, ci_high) as x from evals where run_id = $1 order by step, lang, split)"; }
run "$M" eval >"$tmp/1.json" 2>"$tmp/1.err"; r1=$?
run "$M" cached >"$tmp/2.json" 2>"$tmp/2.err"; r2=$?
run "$M" cached >"$tmp/3.json" 2>"$tmp/3.err"; r3=$?
t "eval, cached (cold) and cached (warm) runs finish" '[ $r1 = 0 ] && [ $r2 = 0 ] && [ $r3 = 0 ]'
t "the cold cached run computed its batches once and read them back: $(grep -o "frozen prefix cached.*" "$tmp/2.err" | head -1)" \
	'grep -q "frozen prefix cached (embeddings and layers 0-0): [1-9][0-9]* batches computed in .* [1-9][0-9]* read from memory, 0 from" "$tmp/2.err"'
t "the warm run computed nothing, reading every batch from the workspace: $(grep -o "frozen prefix cached.*" "$tmp/3.err" | head -1)" \
	'grep -q "frozen prefix cached (embeddings and layers 0-0): 0 batches computed in .* [1-9][0-9]* from $W/cache/prefix/" "$tmp/3.err"'
t "cached (cold) gives eval's numbers exactly: every step's loss and every evaluation" \
	'[ -n "$(numbers 1)" ] && [ "$(numbers 1)" = "$(numbers 2)" ]'
t "cached (warm, from the workspace) gives them exactly too" '[ -n "$(numbers 3)" ] && [ "$(numbers 1)" = "$(numbers 3)" ]'
t "the runs' JSON scores agree" '"$PY" -c "import json, sys
a, b, c = (json.load(open(f))[\"scores\"] for f in sys.argv[1:])
sys.exit(not (a == b == c))" "$tmp/1.json" "$tmp/2.json" "$tmp/3.json"'
cfg() { sqlite3 "$W/tamga.db" "select json_extract(config, '\$.frozen_prefix') from runs where id = $1"; }
t "the mode is stored with each run ($(cfg 1), $(cfg 2))" '[ "$(cfg 1)" = eval ] && [ "$(cfg 2)" = cached ]'

# a damaged entry: computed again, one warning, the same numbers
dir=$(ls -d "$W"/cache/prefix/*/ | head -1)
f=$(ls "$dir"*.f32 | head -1); sz=$(stat -c %s "$f")
head -c $((sz - 100)) "$f" >"$f.x" && mv "$f.x" "$f"
run "$M" cached >"$tmp/4.json" 2>"$tmp/4.err"; r4=$?
t "a truncated cache entry: one warning naming it, computed again ($(grep -c "not a complete entry" "$tmp/4.err") warning)" \
	'[ $r4 = 0 ] && [ "$(grep -c "prefix cache .*: not a complete entry for this batch" "$tmp/4.err")" = 1 ] && grep -q "frozen prefix cached (embeddings and layers 0-0): 1 batches computed" "$tmp/4.err"'
t "... and the run's numbers are the same" '[ -n "$(numbers 4)" ] && [ "$(numbers 1)" = "$(numbers 4)" ]'
t "... and the entry is whole again" '[ $(stat -c %s "$f") = $sz ]'

# changed weights: a new cache, numbers of the changed model (not the stale states)
cp -r "$M" "$tmp/m2"
"$PY" - "$tmp/m2/model.safetensors" <<'PYEOF'
import json, struct, sys
p = sys.argv[1]; b = bytearray(open(p, 'rb').read())
n = struct.unpack('<Q', b[:8])[0]; h = json.loads(b[8:8 + n])
k = [k for k in h if k.endswith('encoder.layer.0.attention.self.query.weight')][0]
f, w = {'F32': ('<f', 4), 'F16': ('<e', 2)}[h[k]['dtype']]
o = 8 + n + h[k]['data_offsets'][0]
for i in range(64):
    v = struct.unpack_from(f, b, o + w * i)[0]
    struct.pack_into(f, b, o + w * i, v + 0.5)
open(p, 'wb').write(bytes(b))
PYEOF
run "$tmp/m2" eval >"$tmp/5.json" 2>"$tmp/5.err"; r5=$?
run "$tmp/m2" cached >"$tmp/6.json" 2>"$tmp/6.err"; r6=$?
t "changed weights get their own cache folder ($(ls "$W/cache/prefix" | wc -l) folders)" \
	'[ $r5 = 0 ] && [ $r6 = 0 ] && [ $(ls "$W/cache/prefix" | wc -l) = 2 ] && grep -q "frozen prefix cached (embeddings and layers 0-0): [1-9][0-9]* batches computed" "$tmp/6.err"'
t "... and their cached run gives the changed model's numbers" '[ -n "$(numbers 5)" ] && [ "$(numbers 5)" = "$(numbers 6)" ] && [ "$(numbers 5)" != "$(numbers 1)" ]'

# nothing to cache when the lowest layer trains
"$T" train --model "$M" --task udpos --source tr --targets az --peft lora:layers=0-1,targets=q+v,r=4 --steps 2 \
	--max-train 40 --max-eval 20 --bootstrap 20 -w "$W" --frozen-prefix cached >/dev/null 2>"$tmp/7.err"; r7=$?
t "a run training layer 0 has nothing below it to cache, and says so" \
	'[ $r7 = 0 ] && grep -q "frozen prefix cached: nothing below the lowest trained layer to cache" "$tmp/7.err"'
echo "1..$n"
exit $fail
