#!/bin/sh
# Create the virtual environment of the PyTorch 2.x peer for bench/side-by-side.sh and bench/e2e.sh:
#   bench/torch2-venv.sh [DIR]      (default: build/bench-venv; about 5.5 GB, several minutes of downloads)
# It does not see Debian's packages, so its torch is PyPI's (see bench/requirements-torch2.txt).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
venv=${1:-build/bench-venv}
/usr/bin/python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements-torch2.txt"
"$venv/bin/python" -c "import torch, transformers, peft; print('bench venv:', '$venv', 'torch', torch.__version__,
      'transformers', transformers.__version__, 'peft', peft.__version__)"
