#!/usr/bin/env bash
# Run here, on the development machine, before a session's GPU call: puts what benchmarks/gpu.sh
# needs and the lent GPU machines lack (no internet there) into two folders git ignores, then says
# how to call the device. Idempotent.
#   .whl/      wheels for their Python 3.12: NumPy 2.4 (numba-cuda 0.30 fails to import on the
#              image's NumPy 2.5), lmdb (not in the image), protobuf at our pin (the generated
#              rpudl_model_pb2 needs a runtime at least as new as the compiler that made it), h5py
#              (HDF5 snapshots and weights)
#   .gpudata/  Fashion-MNIST, Debian's files (dataset-fashion-mnist), for LeNet's accuracy run, and
#              kernel_signatures.json: every kernel the CUDA tests launch, with its argument types,
#              recorded in Numba's simulator (benchmarks/kernel_signatures.py), which gpu.sh's warm
#              step compiles on all the GPU machine's cores at once
# Then every kernel is compiled for sm_90 here, with NVIDIA's NVVM and NVRTC wheels (no GPU needed):
# a compile error the simulator cannot see is found at no device time (a few minutes).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PY=${PYTHON:-$ROOT/.venv/bin/python}
mkdir -p .git/info
for folder in /.whl/ /.gpudata/; do
  grep -qxF "$folder" .git/info/exclude 2>/dev/null || echo "$folder" >>.git/info/exclude
done
WHEELS=("numpy==2.4.6" "lmdb==3.0.0" "protobuf==7.36.2" "h5py==3.16.0")
rm -rf .whl && mkdir -p .whl
"$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
  --platform manylinux2014_x86_64 --platform manylinux1_x86_64 -d .whl "${WHEELS[@]}"
FASHION=/usr/share/datasets/fashion-mnist
mkdir -p .gpudata
if [ -f "$FASHION/train-images-idx3-ubyte.gz" ]; then
  cp -u "$FASHION"/*-ubyte.gz .gpudata/
else
  echo "no $FASHION (apt-get install dataset-fashion-mnist): LeNet will train on random data" >&2
fi
NUMBA_ENABLE_CUDASIM=1 KERNEL_SIGNATURES=.gpudata/kernel_signatures.json PYTHONPATH=benchmarks \
  "$PY" -m pytest -q -p no:cacheprovider -p kernel_signatures -n auto tests/cuda | tail -n 3
"$PY" -m pip install -q "nvidia-cuda-nvrtc==13.0.88" "nvidia-nvvm==13.0.88"
"$PY" benchmarks/cuda_compile.py ptx .gpudata/kernel_signatures.json "$(nproc)"
ls -l .whl .gpudata
tree=$(git ls-files -co --exclude-standard | xargs -d '\n' du -cb 2>/dev/null | tail -1 | cut -f1)
extra=$(du -cb .whl .gpudata | tail -1 | cut -f1)
echo "travels: $(((tree + extra) / 1048576)) MiB of the 64 allowed"
echo 'device call: run(command="bash benchmarks/gpu.sh", carry=[".whl", ".gpudata"], timeout_s=600)'
