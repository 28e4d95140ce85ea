#!/bin/sh
# Command-line consistency: every command answers --help and -h with its usage on stdout and exit 0; numbers are
# parsed strictly (whole string, finite, in range) by every numeric option and TAMGA_THREADS; empty list items are
# refused; 'tamga train' alone prints its usage; unknown commands and options get a "did you mean"; global
# --workspace/--data before a command; a source language without a dev split is named with the fix (CLI and Lua).
T=${TAMGA_TEST_BUILDDIR:-.}/tamga
M=${TAMGA_TEST_MICRO:-}
n=0; fail=0
t() { n=$((n+1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; echo "# $(echo "$out" | head -3)"; fail=1; fi; }
skip() { n=$((n+1)); echo "ok $n - # SKIP $1"; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tamga-options.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
Tabs=$(cd "$(dirname "$T")" && pwd)/$(basename "$T")
mkdir -p "$tmp/home/cwd"
# run tamga from an empty folder with a private HOME and no workspace, so nothing around the caller is used
tg() { (cd "$tmp/home/cwd" && HOME="$tmp/home" TAMGA_WORKSPACE="$tmp/ws" timeout 60 "$Tabs" "$@"); }

# --help and -h: every command of 'tamga --help'
for c in $("$T" --help | awk '/^commands:/ {on=1; next} on && /^  [a-z]/ {print $1} on && /^$/ {exit}'); do
	for h in --help -h; do
		out=$(tg "$c" $h 2>"$tmp/err"); rc=$?
		t "tamga $c $h: usage on stdout, nothing on stderr, exit 0" \
			'[ $rc = 0 ] && echo "$out" | head -1 | grep -q "^usage: tamga" && [ ! -s "$tmp/err" ]'
	done
done
out=$(tg selfcheck --help 2>&1)
t "selfcheck --help does not run the self-check" '! echo "$out" | grep -q "passed"'
out=$(tg train 2>&1); rc=$?
t "tamga train alone prints its usage and exit 2 (no default run)" \
	'[ $rc = 2 ] && echo "$out" | grep -q "^usage: tamga train" && [ ! -d "$tmp/ws" ]'

# strict numbers: "tamga CMD ARGS" must exit 2 with the message
bad() {
	want=$1; shift
	out=$(tg "$@" 2>&1); rc=$?
	t "tamga $* -> exit 2, '$want'" '[ $rc = 2 ] && echo "$out" | grep -q -- "$want" && echo "$out" | grep -q "hint:"'
}
bad "option '--batch': '1.5' is not an integer (1..65536)" train --task udpos --source tr --batch 1.5
bad "option '--epochs': '2abc' is not an integer" train --task udpos --source tr --epochs 2abc
bad "option '--lr': 'nan' is not a finite number" train --task udpos --source tr --lr nan
bad "option '--seed': -1 is out of range" train --task udpos --source tr --seed -1
bad "option '--targets': empty item in ',,,'" train --task udpos --source tr --targets ,,,
bad "option '--targets': empty item in 'az,,kk'" train --task udpos --source tr --targets az,,kk
bad "option '--workers': '2abc' is not an integer (1..64)" sweep --grid seed=1 --workers 2abc
bad "option '--epochs': '2x' is not an integer" demo --epochs 2x
bad "option '--sources': empty item" demo --sources ,
bad "option '--precision': 'fp16' is not one of fp32 or bf16" demo --precision fp16
bad "option '--steps': 1e100 is out of range" pretrain --steps 1e100
bad "option '--temperature': 'inf' is not a finite number" pretrain --temperature inf
bad "option '--tokens': '64x' is not an integer" bench --tokens 64x
bad "option '-n': '3x' is not an integer" data show udpos kk test -n 3x
bad "option '--width': 'abc' is not an integer" plot ttc --width abc -o x.png
bad "option '--max-words': '1.5' is not an integer" tokstats --max-words 1.5
bad "option '--langs': empty item" tokstats --langs kk,
bad "run id: '1x' is not an integer" show 1x
bad "run id: '2abc' is not an integer" report 2abc
bad "option '--max-frames': 0 is out of range" tui --max-frames 0
# analyze ttc: --boot 0 or 100..1000000, --level strictly between 0 and 1
bad "option '--boot': 1e9 is out of range (0..1000000)" analyze ttc --boot 1e9
bad "option '--boot': '1.5' is not an integer" analyze ttc --boot 1.5
bad "option '--boot': 50 resamples are too few" analyze ttc --boot 50
bad "option '--level': 2 is out of range (0 < x < 1)" analyze ttc --level 2
bad "option '--level': 'nan' is not a finite number" analyze ttc --level nan
bad "option '--level': -1 is out of range" analyze ttc --level -1
bad "option '--level': 1 is out of range" analyze ttc --level 1
bad "option '--chance': 1 is out of range" analyze ttc --chance 1
bad "option '--targets': empty item" analyze features --targets ,,,
out=$(tg analyze ttc --boot 0 --level 0.9 --workspace "$tmp/none" 2>&1); rc=$?
t "analyze ttc --boot 0 --level 0.9 are accepted (then: no workspace, exit 1)" '[ $rc = 1 ] && echo "$out" | grep -q "$tmp/none"'
out=$(tg analyze ttc --boot 1e3 --workspace "$tmp/none" 2>&1); rc=$?
t "an integer written with an exponent (1e3) is accepted" '[ $rc = 1 ]'
out=$(cd "$tmp/home/cwd" && TAMGA_THREADS=100000 "$Tabs" runs -w "$tmp/none" 2>&1); rc=$?
t "TAMGA_THREADS=100000 is refused like --threads 100000" '[ $rc = 2 ] && echo "$out" | grep -q "TAMGA_THREADS: 100000 is out of range (1..1024)"'
out=$(cd "$tmp/home/cwd" && TAMGA_THREADS=2abc "$Tabs" runs -w "$tmp/none" 2>&1); rc=$?
t "TAMGA_THREADS=2abc is refused" '[ $rc = 2 ] && echo "$out" | grep -q "TAMGA_THREADS: .2abc. is not an integer"'
out=$(tg --threads 100000 runs 2>&1); rc=$?
t "--threads 100000 is refused" '[ $rc = 2 ] && echo "$out" | grep -q "out of range (1..1024)"'

# did you mean
out=$(tg trian 2>&1); rc=$?
t "an unknown command suggests the closest one" '[ $rc = 2 ] && echo "$out" | grep -q "did you mean .train."'
out=$(tg train --task udpos --bach 8 2>&1); rc=$?
t "an unknown option suggests the closest one" '[ $rc = 2 ] && echo "$out" | grep -q "unknown option .--bach.; did you mean .--batch."'
out=$(tg analyze ttc --levle 0.9 2>&1); rc=$?
t "analyze: an unknown option suggests the closest one" '[ $rc = 2 ] && echo "$out" | grep -q "did you mean .--level."'
out=$(tg runs --jsn 2>&1); rc=$?
t "a misspelt flag at the end is an unknown option, not one missing a value" '[ $rc = 2 ] && echo "$out" | grep -q "did you mean .--json."'

# global --workspace and --data before the command
F=${TAMGA_TEST_BUILDDIR:-.}/tests/analysis/mkfixture
if [ -x "$F" ] && "$F" ws "$tmp/fx" >/dev/null 2>&1; then
	out=$(tg -w "$tmp/fx" runs 2>&1); rc=$?
	t "tamga -w DIR runs lists the runs of DIR" '[ $rc = 0 ] && echo "$out" | grep -q "lora-en-s1"'
	out=$(tg --workspace "$tmp/fx" --threads 1 runs --json 2>&1); rc=$?
	t "tamga --workspace DIR --threads 1 runs --json" '[ $rc = 0 ] && echo "$out" | grep -q "lora-en-s1"'
else
	skip "mkfixture is not built"
	skip "mkfixture is not built"
fi
out=$(tg --data "$tmp/no-such-root" data list 2>&1); rc=$?
t "tamga --data DIR data list uses DIR" '[ $rc = 2 ] && echo "$out" | grep -q "data root $tmp/no-such-root"'

# a source with a train split but no dev split: the reason and the fix, in the CLI and in Lua
if [ -n "$M" ] && [ -f "$M/config.json" ] && [ -n "$TAMGA_DATA" ] && ls "$TAMGA_DATA"/udpos/kk/*train* >/dev/null 2>&1 &&
    ! ls "$TAMGA_DATA"/udpos/kk/*dev* >/dev/null 2>&1; then
	out=$(tg train --model "$M" --task udpos --source kk --steps 1 -w "$tmp/ws" 2>&1); rc=$?
	t "train --source kk (no dev split): the reason and the fix" \
		'[ $rc = 1 ] && echo "$out" | grep -q "source language .kk. has a train split but no dev split" && echo "$out" | grep -q "hint: .*--source [a-z]* --targets kk"'
	out=$(tg run -e "local r, e = tamga.train{model='$M', task=tamga.task.udpos{source='kk'}, steps=1, workspace='$tmp/ws'} print(r, e)" 2>&1)
	# tamga.train raises (issue 18, bug 10: a nil a script dropped), with the same message and hint
	t "Lua tamga.train: raises the same message and hint, not 'failed'" \
		'echo "$out" | grep -q "tamga.train: .*no dev split" && echo "$out" | grep -q "^hint: .*--targets kk" && ! echo "$out" | grep -q "failed"'
else
	skip "no micro model, or the data root has a kk udpos dev split"
	skip "no micro model, or the data root has a kk udpos dev split"
fi

echo "1..$n"
exit $fail
