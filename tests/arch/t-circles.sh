#!/bin/sh
# No include/dependency circles between source files: tests/arch/circles.py builds the file-level graph from the
# symbols each object defines and uses (nm) and fails on a cycle.
exec "${PYTHON3:-python3}" "${TAMGA_TEST_SRCDIR:-$(dirname "$0")/../..}/tests/arch/circles.py"
