#!/bin/sh
# The bad-input corpus (tests/bad-inputs/cases): every case must exit with its status and print its one-line error,
# with no sanitizer report. Large inputs (10 MB lines) are generated here, not stored.
set -f   # case contents hold [ ] * characters: no globbing anywhere
SRC=${TAMGA_TEST_SRCDIR:-.}
BLD=${TAMGA_TEST_BUILDDIR:-.}
T=$BLD/tamga
CHECK=$BLD/tests/bad-inputs/bad-check
CASES=$SRC/tests/bad-inputs/cases
if [ ! -x "$CHECK" ]; then echo "1..0 # SKIP bad-check is not built"; exit 0; fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tamga-bad.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
n=0; fail=0
# the model folder a case runs `tamga info` on gets this config.json unless the case writes its own
TINY_CONFIG='{"model_type":"bert","vocab_size":16,"hidden_size":8,"num_hidden_layers":2,"num_attention_heads":2,'\
'"intermediate_size":16,"max_position_embeddings":16,"type_vocab_size":2}'

trim() { printf '%s' "$1" | sed 's/^ *//; s/ *$//'; }

# Write the content of a case (see the header of the cases file) to $1.
write_content() {
	out=$1; c=$2
	case $c in
	@st\ *)
		set -- $c
		printf "$2" > "$out.h"
		len=$(wc -c < "$out.h")
		printf "$(printf '\\%03o\\%03o\\%03o\\%03o\\%03o\\%03o\\%03o\\%03o' $((len & 255)) $((len >> 8 & 255)) \
			$((len >> 16 & 255)) $((len >> 24 & 255)) 0 0 0 0)" > "$out"
		cat "$out.h" >> "$out"
		head -c "$3" /dev/zero >> "$out"
		rm -f "$out.h"
		;;
	@spm-chain\ *)
		spm_chain "$out" "${c#@spm-chain }"
		;;
	@fifo)
		mkfifo "$out"
		;;
	@cat\ *)
		: > "$out"
		for seg in ${c#@cat }; do
			case $seg in
			[0-9]*\*?|[0-9]*\*\\[0-7][0-7][0-7])        # COUNT copies of one byte
				head -c "${seg%%\**}" /dev/zero | tr '\000' "${seg#*\*}" >> "$out" ;;
			[0-9]*\**)                                 # COUNT copies of a string
				yes -- "${seg#*\*}" | head -n "${seg%%\**}" | tr -d '\n' >> "$out" ;;
			*) printf "$seg" >> "$out" ;;
			esac
		done
		;;
	*)
		printf "$c" > "$out"
		;;
	esac
}

# printf escapes of a little-endian 32-bit number, and of a protobuf varint
le32() { printf '\\%03o\\%03o\\%03o\\%03o' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
varint() {
	v=$1
	while [ "$v" -ge 128 ]; do printf '\\%03o' $((v & 127 | 128)); v=$((v >> 7)); done
	printf '\\%03o' "$v"
}

# A SentencePiece model (<unk> and 'a') whose precompiled charsmap is a darts-clone trie of the K keys a, aa,
# aaa, ...: node k sits in block k at label 'a' with its value unit at the start of block k + 1; unused units are
# 0x80808080 (value units, never a match). Valid except that a run of more than 32 a's finds more than 32 values.
spm_chain() {
	out=$1; K=$2
	units=$((256 * (K + 2)))
	cm=$((4 + 4 * units + 2))
	vcm=$(varint $cm)
	ns=$((1 + $(printf "$vcm" | wc -c) + cm))
	printf '\012\016\012\005<unk>\025\000\000\000\000\030\002\012\012\012\001a\025\000\000\000\000\030\001' > "$out"
	printf "\\032$(varint $ns)\\022$vcm$(le32 $((4 * units)))" >> "$out"
	printf "$(le32 $((256 << 10)))" >> "$out"                    # the root: children in block 1
	head -c $((4 * 96)) /dev/zero | tr '\000' '\200' >> "$out"
	printf '\200\200\200\200' >> "$out"                      # unit 0x61 of block 0: unused
	head -c $((4 * 158)) /dev/zero | tr '\000' '\200' >> "$out"
	k=1
	while [ $k -le $((K + 1)) ]; do
		if [ $k -ge 2 ]; then printf '\000\000\000\200' >> "$out"; else printf '\200\200\200\200' >> "$out"; fi
		head -c $((4 * 96)) /dev/zero | tr '\000' '\200' >> "$out"
		if [ $k -le "$K" ]; then
			p=$((256 * k + 97)); b=$((256 * (k + 1)))
			printf "$(le32 $(( ((p ^ b) << 10) | 256 | 97 )))" >> "$out"
		else
			printf '\200\200\200\200' >> "$out"
		fi
		head -c $((4 * 158)) /dev/zero | tr '\000' '\200' >> "$out"
		k=$((k + 1))
	done
	printf 'b\000' >> "$out"
}

limits() {
	case ${ASAN_OPTIONS-}${TAMGA_NO_ULIMIT-} in
	'') ulimit -v 2097152 2>/dev/null || true ;;
	esac
}

sanitizer_report() {
	grep -q -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' -e 'runtime error:' -e 'Sanitizer:DEADLYSIGNAL' "$1"
}

while IFS='|' read -r name via file arg status content expected; do
	name=$(trim "$name")
	case $name in ''|'#'*) continue ;; esac
	via=$(trim "$via"); file=$(trim "$file"); arg=$(trim "$arg"); status=$(trim "$status")
	content=$(trim "$content"); expected=$(trim "$expected")
	dir=$tmp/$name
	mkdir -p "$dir/$(dirname "$file")"
	write_content "$dir/$file" "$content"
	[ "$status" = + ] && continue
	# every case runs under a 120 s limit (a FIFO read as a file used to block open() for ever) and, outside the
	# sanitizer builds (ASan reserves terabytes of address space), a 2 GB address-space limit: an input that makes
	# tamga allocate gigabytes fails the case instead of eating the machine's memory
	if [ "$via" = data ]; then
		(cd "$dir" && limits && exec timeout 120 "$T" data check --data . > "$tmp/out" 2>&1); rc=$?
	elif [ "$via" = info ]; then
		set -- $arg
		[ -e "$dir/$1/config.json" ] || printf '%s' "$TINY_CONFIG" > "$dir/$1/config.json"
		(cd "$dir" && limits && exec timeout 120 "$T" info "$@" > "$tmp/out" 2>&1); rc=$?
	else
		(cd "$dir" && limits && exec timeout 120 "$CHECK" "$via" $arg > "$tmp/out" 2>&1); rc=$?
	fi
	[ "$rc" = 124 ] && echo "(timed out after 120 s)" >> "$tmp/out"
	n=$((n + 1))
	first=$({ grep -F -m1 -e "$expected" "$tmp/out" || head -1 "$tmp/out"; } | cut -c1-150)
	if sanitizer_report "$tmp/out"; then
		echo "not ok $n - $name: sanitizer report"
		sed 's/^/# /' "$tmp/out" | head -40
		fail=1
	elif [ "$rc" != "$status" ] || ! grep -qF -e "$expected" "$tmp/out"; then
		echo "not ok $n - $name: exit $rc (expected $status), output does not contain '$expected'"
		sed 's/^/# /' "$tmp/out" | head -10
		fail=1
	else
		echo "ok $n - $name: $first"
	fi
	rm -rf "$dir"
done < "$CASES"
echo "1..$n"
exit $fail
