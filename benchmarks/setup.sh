#!/usr/bin/env bash
# A separate environment for benchmarks: pyrpudl with NumPy 2 and PyTorch (CPU), so that peers
# run in the same process as we do, and so that the engine is exercised on NumPy 2 as well.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=$ROOT/.venv-bench
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e "$ROOT" "torch==2.13.0" "numpy>=2" scikit-learn pytest
"$VENV/bin/python" -c 'import numpy, torch, pyrpudl; print("bench env: numpy", numpy.__version__, "torch", torch.__version__)'
