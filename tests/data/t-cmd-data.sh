#!/bin/sh
# tamga data list/check/show: the real data root runs clean, a broken file is reported as file:line, exit codes.
T=${TAMGA_TEST_BUILDDIR:-.}/tamga
PY=${PYTHON3:-python3}
n=0; fail=0
t() { n=$((n+1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fail=1; fi; }
skip() { n=$((n+1)); echo "ok $n - # SKIP $1"; }
if [ ! -x "$T" ] || ! $T data --help >/dev/null 2>&1; then
	echo "1..0 # SKIP the tamga program has no data command yet"
	exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tamga-cmd-data.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

# no data root: from a folder with no ../shared/data and a HOME with no data, whatever surrounds the caller
mkdir -p "$tmp/home/cwd"
Tabs=$(cd "$(dirname "$T")" && pwd)/$(basename "$T")
out=$(cd "$tmp/home/cwd" && env -u TAMGA_DATA -u XDG_DATA_HOME HOME="$tmp/home" "$Tabs" data list 2>&1); rc=$?
t "no data root: exit 2 with a hint" '[ $rc = 2 ] && echo "$out" | grep -q "no data root" && echo "$out" | grep -q "hint: .*--data"'
out=$($T data frob --data "$tmp" 2>&1); rc=$?
t "unknown subcommand: exit 2" '[ $rc = 2 ] && echo "$out" | grep -q "unknown subcommand"'

mkdir -p "$tmp/udpos/kk" "$tmp/nli/en"
printf '1\tA\ta\tNOUN\t_\t_\t0\troot\t_\t_\n2\tB\tb\tNOUN\n' > "$tmp/udpos/kk/kk_ktb-ud-test.conllu"
printf 'p\th\tneutral\n' > "$tmp/nli/en/xnli.dev-en.tsv"
out=$($T data check --data "$tmp" 2>&1); rc=$?
t "check: a malformed file is a problem with file:line, exit 1" \
	'[ $rc = 1 ] && echo "$out" | grep -q "kk_ktb-ud-test.conllu:2: expected 10 tab-separated fields, found 4"'
t "check: a count that differs from MANIFEST.md is a problem" \
	'echo "$out" | grep -q "xnli.dev-en.tsv: 1 examples, MANIFEST.md states 2490"'
out=$($T data list --data "$tmp" 2>&1); rc=$?
t "list: the bad file shows as ERROR, exit 1" '[ $rc = 1 ] && echo "$out" | grep -q "^udpos  *kk .*ERROR"'

if [ -z "$TAMGA_DATA" ] || [ ! -d "$TAMGA_DATA" ]; then
	skip "real data root: TAMGA_DATA is not set or missing"
else
	out=$($T data check --data "$TAMGA_DATA" 2>&1); rc=$?
	t "check runs clean on the data root" '[ $rc = 0 ] && echo "$out" | grep -q "no problems"'
	echo "# $(echo "$out" | tail -1)"
	out=$($T data list 2>&1); rc=$?
	t "list (TAMGA_DATA) shows MANIFEST.md's udpos tr row" '[ $rc = 0 ] && echo "$out" | grep -q "^udpos  *tr  *9997  *7290  *10677"'
	$T data list --json > "$tmp/list.json"; rc=$?
	t "list --json is JSON with every dataset present and counted" \
		'[ $rc = 0 ] && "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); ds=d[\"datasets\"]; sys.exit(not (len(ds) > 100 and all(x[\"present\"] and x[\"examples\"] is not None for x in ds)))" "$tmp/list.json"'
	out=$($T data show ner kk dev kaznerd -n 1 2>&1)
	t "show prints examples with their tags" 'echo "$out" | grep -q "B-ART"'
fi
echo "1..$n"
exit $fail
