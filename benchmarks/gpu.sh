#!/usr/bin/env bash
# Everything that needs a real GPU: the real-GPU tests, then the GEMM and the whole-training
# benchmarks against PyTorch on the same GPU. Logs go to $OUT (or ./out/gpu).
#
#   benchmarks/gpu.sh [tests] [gemm] [train] [darch]      (all four when none is named)
#
# On an H100 (2026-11-22) the tests took 6.5 minutes (compilation, and 200 cifar10_quick steps on
# the CPU backend for comparison) and the training benchmark about 5: on the lent machines, whose
# commands stop after 10 minutes, run them as separate calls. QUICK_ITERATIONS (4000) and
# LENET_ITERATIONS (10000) set the training runs.
#
# On the lent GPU machines (Python 3.12 with torch, numba and numba-cuda, no internet), wheels
# carried in .whl/ are installed first (NumPy 2.4: numba-cuda 0.30 fails to import on NumPy 2.5),
# and Fashion-MNIST is read from .gpudata/ when it was carried (Debian's files).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
LOGS=${OUT:-$ROOT/out/gpu}
mkdir -p "$LOGS"
export PYTHONUNBUFFERED=1
if compgen -G ".whl/*.whl" >/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH=/tmp/site:$ROOT
else
  export PYTHONPATH=$ROOT
fi
# the package as installed: kernels/ is pyrpudl.kernels (an editable install maps it; here a link does)
ln -sfn "$ROOT/kernels" "$ROOT/pyrpudl/kernels" 2>/dev/null
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm --format=csv | tee "$LOGS/gpu.txt"
FASHION=""
[ -f .gpudata/train-images-idx3-ubyte.gz ] && FASHION=.gpudata
steps=${*:-tests gemm train darch}
status=0
for step in $steps; do
  case $step in
    tests) python3 -m pytest -q -p no:cacheprovider --durations=10 tests/cuda 2>&1 | tee "$LOGS/tests.txt" ;;
    gemm) python3 benchmarks/gemm_cuda.py 2>&1 | tee "$LOGS/gemm.txt" ;;
    train) python3 benchmarks/convnet_gpu.py "${QUICK_ITERATIONS:-4000}" "${LENET_ITERATIONS:-10000}" $FASHION 2>&1 |
             tee "$LOGS/convnet.txt" ;;
    darch) python3 benchmarks/rbm_gpu.py 10 $FASHION 2>&1 | tee "$LOGS/rbm.txt" ;;
    *) echo "unknown step $step (tests, gemm, train, darch)" >&2; false ;;
  esac || status=1
done
rm -f "$ROOT/pyrpudl/kernels"
exit $status
