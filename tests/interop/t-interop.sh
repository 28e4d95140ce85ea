#!/bin/sh
# Interop with the real Hugging Face libraries (tests/interop/interop.py), in the virtual environment that
# tests/interop/run.sh creates (TAMGA_INTEROP_VENV, default BUILD/interop-venv). Without it the test skips, unless
# TAMGA_INTEROP_REQUIRED=1 (as run.sh sets it), where a missing environment fails.
SRC=${TAMGA_TEST_SRCDIR:-.}
BLD=${TAMGA_TEST_BUILDDIR:-.}
VENV=${TAMGA_INTEROP_VENV:-$BLD/interop-venv}
if [ ! -x "$VENV/bin/python" ] || [ ! -f "$VENV/requirements.txt" ] ||
   ! cmp -s "$VENV/requirements.txt" "$SRC/tests/interop/requirements.txt"; then
	if [ "${TAMGA_INTEROP_REQUIRED:-}" = 1 ]; then
		echo "1..1"; echo "not ok 1 - no virtual environment with tests/interop/requirements.txt at $VENV"; exit 1
	fi
	echo "1..0 # SKIP no interop environment at $VENV (create it with tests/interop/run.sh; it needs PyPI)"
	exit 0
fi
exec "$VENV/bin/python" "$SRC/tests/interop/interop.py" --tool "$BLD/tests/interop/interop-tool" ${TAMGA_INTEROP_ARGS:-}
