#!/usr/bin/env bash
# Everything that needs a real GPU, in one call sized for a lent machine (15 minutes of device time
# per session, its start included; 10 minutes a command): logs and a summary in $OUT (or ./out/gpu).
#
#   benchmarks/gpu_prepare.sh                      (here, once: the wheels, data and signatures to carry)
#   benchmarks/gpu.sh [warm] [train] [profile] [darch] [tests] [gemm] [lstm]   (on the GPU machine)
#
# With no step named, all seven run in that order, most wanted first after the first: warm
# compiles every kernel for the signatures the simulator recorded (.gpudata/kernel_signatures.json,
# from gpu_prepare.sh) on all the machine's cores at once, into Numba's disk cache, from which the
# later steps load them (compiled one after another in the timed runs' processes, they took
# minutes); then the training runs against PyTorch (seed 000's 4000 cifar10_quick iterations, LeNet
# on Fashion-MNIST), the per-op profile of a step, darch (the RBM against PyTorch, then the DBN's
# accuracy run), the real-GPU tests, the GEMM shapes against torch, the row-by-row LSTM against
# nn.LSTM (cuDNN). LEASE_SECONDS (default 540) bounds the whole call: each step gets what is left, a step
# that does not fit is skipped and says so. QUICK_ITERATIONS (4000) and LENET_ITERATIONS (10000)
# set the training runs.
#
# The lent machines have Python 3.12 with torch, numba and numba-cuda and no internet: wheels
# carried in .whl/ are installed first (NumPy 2.4: numba-cuda 0.30 fails to import on NumPy 2.5),
# and Fashion-MNIST is read from .gpudata/ when it was carried (Debian's files).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# Three files come back (the device tool returns at most 8): summary.txt (the GPU and each step's
# exit and time), steps.log (every step's output, in order) and gpu_profile.json; each step's own
# log stays in STEP_LOGS for the tails printed last.
LOGS=${OUT:-$ROOT/out/gpu}
STEP_LOGS=$(mktemp -d)
mkdir -p "$LOGS"
export PYTHONUNBUFFERED=1
LEASE_SECONDS=${LEASE_SECONDS:-540}
: >"$LOGS/summary.txt"
if compgen -G ".whl/*.whl" >/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH=/tmp/site:$ROOT
else
  export PYTHONPATH=$ROOT
fi
# the package as installed: kernels/ is pyrpudl.kernels (an editable install maps it; here a link does)
ln -sfn "$ROOT/kernels" "$ROOT/pyrpudl/kernels" 2>/dev/null
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm --format=csv | tee -a "$LOGS/summary.txt"
: >"$LOGS/steps.log"
FASHION=""
[ -f .gpudata/train-images-idx3-ubyte.gz ] && FASHION=.gpudata

run_step() {
  case $1 in
    warm) if [ -f .gpudata/kernel_signatures.json ]; then
            python3 benchmarks/cuda_compile.py cache .gpudata/kernel_signatures.json "$(nproc)"
          else echo "no .gpudata/kernel_signatures.json (benchmarks/gpu_prepare.sh): kernels compile as they run"; fi ;;
    train) python3 benchmarks/convnet_gpu.py "${QUICK_ITERATIONS:-4000}" "${LENET_ITERATIONS:-10000}" $FASHION ;;
    profile) python3 benchmarks/gpu_profile.py 30 ;;
    tests) workers=""  # pytest-xdist, where the image has it: the tests' own compiling in parallel
           python3 -c "import xdist" 2>/dev/null && workers="-n 4"
           python3 -m pytest -q -p no:cacheprovider --durations=15 $workers tests/cuda ;;
    darch) python3 benchmarks/rbm_gpu.py 10 $FASHION &&
             if [ -n "$FASHION" ]; then python3 benchmarks/dbn_fashion_accuracy.py 5 12 0.2 "$FASHION"; fi ;;
    gemm) python3 benchmarks/gemm_cuda.py ;;
    lstm) python3 benchmarks/lstm_gpu.py 3000 ;;
    *) echo "unknown step $1 (warm, train, profile, tests, darch, gemm, lstm)" >&2; return 2 ;;
  esac
}
export -f run_step
export FASHION

steps=${*:-warm train profile darch tests gemm lstm}
status=0
for step in $steps; do
  left=$((LEASE_SECONDS - SECONDS))
  if [ "$left" -lt 30 ]; then
    echo "== $step: skipped, ${left}s of the lease left" | tee -a "$LOGS/summary.txt"
    status=1
    continue
  fi
  started=$SECONDS
  timeout --signal=INT --kill-after=10 "$left" bash -c "run_step $step" 2>&1 |
    tee "$STEP_LOGS/$step.txt" | sed -u "s/^/[$step] /" | tee -a "$LOGS/steps.log"
  code=$?
  echo "== $step: exit $code after $((SECONDS - started))s" | tee -a "$LOGS/summary.txt"
  [ "$code" -eq 0 ] || status=1
done
rm -f "$ROOT/pyrpudl/kernels"
# the end of the output is what the device tool hands back: each step's last lines, the training
# table last (the logs themselves come back whole from $OUT)
for step in $(printf '%s\n' $steps | tac); do
  [ -f "$STEP_LOGS/$step.txt" ] && { echo "---- $step"; tail -n 12 "$STEP_LOGS/$step.txt"; }
done
cat "$LOGS/summary.txt"
exit $status
