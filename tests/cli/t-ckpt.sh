#!/bin/sh
# Crafted checkpoints (tamga(5) "Checkpoints") are refused by `tamga train --resume`: exit 1 and one error line that
# names the checkpoint file and the field (a "hint:" line says what to do), no crash, no sanitizer report, before
# any training (the checkpoint is checked before anything is copied into the run's parameters); the run
# then resumes from its intact checkpoint. A version-1 checkpoint (no checksum) still resumes.
. "${TAMGA_TEST_SRCDIR:-.}/tests/micro.sh"
PY=${PYTHON3:-python3}
args="--model $M --task udpos --source tr --targets az --peft lora:layers=0-1,targets=q+v,r=4 --steps 8
      --max-train 64 --max-eval 20 --eval-every 4 --batch 8 --seed 3 --bootstrap 20 --json"
w=$tmp/w
"$T" train $args -w "$w" >"$tmp/a.json" 2>"$tmp/a.err"
t "a short run finishes" '[ $prev_rc = 0 ] && grep -q "\"steps\":8" "$tmp/a.json"'
ck=$w/checkpoints/run-1.ckpt
t "it leaves a checkpoint" '[ -f "$ck" ]'
[ -f "$ck" ] || { sed 's/^/# /' "$tmp/a.err" | tail -5; echo "1..$n"; exit 1; }
cp "$ck" "$tmp/good.ckpt"

# craft SRC DST OP...: OP is meta KEY VALUE (VALUE "-" deletes the key), flip (a byte in the middle of the data
# buffer), nan (the first value of the data buffer), or cut N (drop the last N bytes)
craft() {
	"$PY" - "$@" <<'EOF'
import json, struct, sys
src, dst, op = sys.argv[1], sys.argv[2], sys.argv[3:]
b = open(src, 'rb').read()
n = struct.unpack('<Q', b[:8])[0]
h = json.loads(b[8:8 + n])
data = bytearray(b[8 + n:])
if op[0] == 'meta':
    if op[2] == '-':
        h['__metadata__'].pop(op[1], None)
    else:
        h['__metadata__'][op[1]] = op[2]
elif op[0] == 'flip':
    data[len(data) // 2] ^= 0x10
elif op[0] == 'nan':
    data[0:4] = struct.pack('<f', float('nan'))
elif op[0] == 'cut':
    data = data[:len(data) - int(op[1])]
hs = json.dumps(h, separators=(',', ':')).encode()
hs += b' ' * (-len(hs) % 8)
open(dst, 'wb').write(struct.pack('<Q', len(hs)) + hs + bytes(data))
EOF
}

# bad NAME EXPECTED OP...: the crafted checkpoint is refused with EXPECTED in the one error line
bad() {
	name=$1; expected=$2; shift 2
	craft "$src" "$ck" "$@"
	"$T" train --resume 1 -w "$w" >"$tmp/out" 2>"$tmp/err"; rc=$?
	first=$(grep -m1 '^tamga train: ' "$tmp/err")
	if [ $rc = 1 ] && printf '%s' "$first" | grep -qF "run-1.ckpt" && printf '%s' "$first" | grep -qF -e "$expected" &&
	    [ "$(grep -c '^tamga train: ' "$tmp/err")" = 1 ] && ! grep -q -e 'Sanitizer' -e 'runtime error:' "$tmp/err"
	then
		echo "ok $((n+1)) - $name: ${first#*checkpoints/}"; n=$((n+1))
	else
		n=$((n+1)); echo "not ok $n - $name: exit $rc, expected one line with '$expected'"; fail=1
		sed 's/^/# /' "$tmp/err" | head -20
	fi
}
src=$tmp/good.ckpt
bad "step -5"                 "'step' is \"-5\", expected an integer from 0 to 8 (the run's steps)" meta step -5
bad "step abc"                "'step' is \"abc\""                 meta step abc
bad "step 76.5"               "'step' is \"76.5\""                meta step 76.5
bad "step past the run"       "'step' is \"9\""                   meta step 9
bad "step with a space"       "'step' is \" 8\""                  meta step " 8"
bad "no step"                 "metadata has no 'step'"            meta step -
bad "version 99"              "'tamga_checkpoint_version' is \"99\"; this tamga reads versions 1 to 2" \
                                                                  meta tamga_checkpoint_version 99
bad "version 0"               "'tamga_checkpoint_version' is \"0\"" meta tamga_checkpoint_version 0
bad "no version"              "no 'tamga_checkpoint_version'"     meta tamga_checkpoint_version -
bad "lr_scale nan"            "'lr_scale' is \"nan\""             meta lr_scale nan
bad "lr_scale 2"              "'lr_scale' is \"2\""               meta lr_scale 2
bad "best nan"                "'best' is \"nan\""                 meta best nan
bad "best_step past step"     "'best_step' is \"9\""              meta best_step 9
bad "negative bad_evals"      "'bad_evals' is \"-1\""             meta bad_evals -1
bad "negative skipped"        "'skipped' is \"-2\""               meta skipped -2
bad "negative optimizer step" "'set0.adam_step' is \"-3\""        meta set0.adam_step -3
bad "optimizer step off"      "'set1.adam_step' is \"7\", expected 8" meta set1.adam_step 7
bad "sets 0"                  "'sets' is \"0\""                   meta sets 0
bad "sets 3"                  "checkpoint holds 3 parameter sets, this run has 2" meta sets 3
bad "not a checkpoint"        "not a tamga checkpoint"            meta format pt
bad "checksum missing"        "metadata has no 'checksum'"        meta checksum -
bad "checksum malformed"      "'checksum' is \"crc:1\""           meta checksum crc:1
bad "flipped data byte"       "does not match the checkpoint's checksum" flip
bad "truncated"               "run-1.ckpt"                        cut 100
# version 1 has no checksum, but its values are still checked
craft "$tmp/good.ckpt" "$tmp/v1a.ckpt" meta checksum -
craft "$tmp/v1a.ckpt" "$tmp/v1.ckpt" meta tamga_checkpoint_version 1
src=$tmp/v1.ckpt
bad "NaN in version-1 data"   "checkpoint tensor 'set0.best' holds nan at index 0" nan
bad "version-1 step -5"       "'step' is \"-5\""                 meta step -5
# the failed attempts changed nothing: the intact checkpoint resumes (nothing left to train at step 8)
cp "$tmp/good.ckpt" "$ck"
"$T" train --resume 1 -w "$w" >"$tmp/b.json" 2>"$tmp/b.err"; rc=$?
t "the intact checkpoint resumes after the refused ones" '[ $rc = 0 ] && grep -q "resuming from .* at step 8$" "$tmp/b.err"'
# with the same selected step and scores, though the best step (4) came before the resume (8): they are evaluated
# again from the restored best parameters, not stored twice
norm() { "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['best_step'], [(s['lang'], s['split'], round(s['score'], 12), round(s['ci_low'], 12)) for s in d['scores']])" "$1"; }
t "and reports the same selected step and scores ($(norm "$tmp/a.json" | cut -c1-40)...)" '[ "$(norm "$tmp/a.json")" = "$(norm "$tmp/b.json")" ]'
[ "$(norm "$tmp/a.json")" = "$(norm "$tmp/b.json")" ] || { echo "# a: $(norm "$tmp/a.json")"; echo "# b: $(norm "$tmp/b.json")"; }
t "the store holds each evaluation once" '[ "$(sqlite3 "$w/tamga.db" "select count(*) from evals")" = 6 ]'
# version 1 (before checksums) is still read, and says that its data is not verified
cp "$tmp/v1.ckpt" "$ck"
"$T" train --resume 1 -w "$w" >"$tmp/c.json" 2>"$tmp/c.err"; rc=$?
t "a version-1 checkpoint (no checksum) resumes, with a note" '[ $rc = 0 ] && grep -q "version 1 checkpoint: no checksum" "$tmp/c.err"'
echo "1..$n"
exit $fail
