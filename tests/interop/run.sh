#!/bin/sh
# The interop test stage: create (or reuse) the virtual environment of tests/interop/requirements.txt in the build
# folder, build tests/interop/interop-tool, and run tests/interop/t-interop.sh, where a missing environment or any
# mismatch fails (exit status 1).
#   tests/interop/run.sh [BUILD_DIR]     (default: build; run after configure)
# The environment sees Debian's packages (--system-site-packages: python3-torch 1.13, numpy, sentencepiece) and
# gets the pinned Hugging Face packages with --no-deps, so no PyTorch is downloaded. It is kept between runs and
# rebuilt when requirements.txt changes. Environment: TAMGA_INTEROP_VENV (its path), PIP_* as pip reads them.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
bld=$(cd "${1:-build}" && pwd)
venv=${TAMGA_INTEROP_VENV:-$bld/interop-venv}
req=$src/tests/interop/requirements.txt
start=$(date +%s)
if [ -x "$venv/bin/python" ] && cmp -s "$venv/requirements.txt" "$req"; then
	echo "interop: reusing $venv"
else
	rm -rf "$venv"
	/usr/bin/python3 -m venv --system-site-packages "$venv" ||
		{ echo "interop: cannot create a virtual environment (Debian: apt-get install python3-venv)"; exit 1; }
	"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -r "$req" ||
		{ echo "interop: pip could not install $req (is PyPI reachable?)"; rm -rf "$venv"; exit 1; }
	cp "$req" "$venv/requirements.txt"
	echo "interop: created $venv in $(( $(date +%s) - start )) s"
fi
cd "$bld"
make -s tests/interop/interop-tool
st=0
TAMGA_INTEROP_REQUIRED=1 TAMGA_INTEROP_VENV=$venv TAMGA_TEST_SRCDIR=$src TAMGA_TEST_BUILDDIR=$bld \
	TAMGA_DATA=${TAMGA_DATA:-$src/../shared/data} sh "$src/tests/interop/t-interop.sh" || st=$?
echo "interop: done in $(( $(date +%s) - start )) s"
exit $st
