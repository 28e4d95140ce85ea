#!/bin/sh
# tamga run --sandbox and tamga repl --sandbox: each thing the sandbox takes away fails with an error naming it and
# the mode, and works without --sandbox; what stays (reading files, text chunks, require, the tamga API) works.
T=${TAMGA_TEST_BUILDDIR:-.}/tamga
n=0; fail=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tamga-sandbox.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
t() { n=$((n+1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; echo "$out" | head -4 | sed 's/^/# /'; fail=1; fi; }
export HOME="$tmp"
cd "$tmp" || exit 1
# a precompiled chunk and a module made of one, written without the sandbox
"$T" run -e 'local f = assert(io.open("bin.lua", "wb")) f:write(string.dump(function() return 42 end)) f:close()' ||
	echo "Bail out! cannot write a binary chunk"
cp bin.lua binmod.lua
printf 'return "text module"\n' > textmod.lua
echo hello > data.txt

# CHUNK  WHAT-THE-ERROR-SAYS [FILE]: fails under --sandbox with that message (and FILE is not created), runs without it
denied() {
	msg=$2; file=$3
	out=$("$T" run --sandbox -e "$1" 2>&1); rc=$?
	t "sandbox: $1 -> $2" '[ $rc = 1 ] && echo "$out" | grep -qF "$msg" && { [ -z "$file" ] || [ ! -e "$file" ]; }'
	out=$("$T" run -e "$1" 2>&1); rc=$?
	t "no sandbox: $1 works" '[ $rc = 0 ]'
}
denied 'os.execute("true")' "os.execute is disabled in sandbox mode (--sandbox)"
denied 'assert(io.popen("true")):close()' "io.popen is disabled in sandbox mode"
denied 'package.loadlib("libc.so.6", "*")' "package.loadlib is disabled in sandbox mode"
denied 'assert(load(io.open("bin.lua", "rb"):read("a")))' "attempt to load a binary chunk (mode is 't')"
denied 'assert(load(io.open("bin.lua", "rb"):read("a"), "x", "b"))' "load: binary chunks are disabled in sandbox mode"
denied 'assert(loadfile("bin.lua"))' "attempt to load a binary chunk"
denied 'assert(loadfile("bin.lua", "bt"))' "loadfile: binary chunks are disabled in sandbox mode"
denied 'dofile("bin.lua")' "attempt to load a binary chunk"
denied 'package.path = "./?.lua;" .. package.path; require "binmod"' "error loading module 'binmod'"
denied 'debug.traceback()' "debug.traceback: the debug library is disabled in sandbox mode"
denied 'require("debug").getinfo(1)' "debug.getinfo: the debug library is disabled in sandbox mode"
denied 'assert(io.open("w.txt", "w")):close()' 'io.open: writing files is disabled in sandbox mode (--sandbox): mode "w"' w.txt
denied 'assert(io.open("data.txt", "a+")):close()' 'io.open: writing files is disabled in sandbox mode'
denied 'io.output("w2.txt")' "io.output(FILE): writing files is disabled in sandbox mode" w2.txt
denied 'os.remove("w.txt")' "os.remove is disabled in sandbox mode"
denied 'os.rename("data.txt", "data.txt")' "os.rename is disabled in sandbox mode"
out=$("$T" run --sandbox bin.lua 2>&1); rc=$?
t "sandbox: a precompiled script file is refused, naming the file" '[ $rc = 1 ] && echo "$out" | grep -q "bin.lua: a precompiled (binary) chunk: sandbox mode"'
out=$("$T" run bin.lua 2>&1); rc=$?
t "no sandbox: the precompiled script runs" '[ $rc = 0 ]'

# what stays
out=$("$T" run --sandbox -e 'print(io.open("data.txt"):read("l"), io.lines("data.txt")(), load("return 1 + 1")())
package.path = "./?.lua;" .. package.path print((require "textmod"))
print(type(tamga), type(tamga.tensor), os.getenv("HOME") ~= nil, type(os.time()))' 2>&1); rc=$?
t "sandbox: reading files, text chunks, require of Lua source and the tamga API work" \
	'[ $rc = 0 ] && echo "$out" | grep -q "^hello	hello	2$" && echo "$out" | grep -q "^text module$" && echo "$out" | grep -q "^table	table	true	number$"'
out=$("$T" run --sandbox -e 'io.write("to stdout\n") io.stderr:write("to stderr\n")' 2>&1); rc=$?
t "sandbox: io.write and io.stderr still write" '[ $rc = 0 ] && echo "$out" | grep -q "to stdout" && echo "$out" | grep -q "to stderr"'
out=$(printf 'os.execute("true")\nprint("after", 1 + 1)\n' | "$T" repl --sandbox 2>&1)
t "repl --sandbox: the same errors, and the prompt goes on" 'echo "$out" | grep -q "os.execute is disabled in sandbox mode" && echo "$out" | grep -q "after	2"'
out=$(printf 'print(os.execute("true"))\n' | "$T" repl 2>&1)
t "repl without --sandbox: os.execute works" 'echo "$out" | grep -q "true	exit	0"'
echo "1..$n"
exit $fail
