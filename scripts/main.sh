#!/usr/bin/env bash
# The main job, run as a user would: R with rpud. Until the convnet engine lands it reports what
# rpud runs on; then it trains seed 000's session on Fashion-MNIST.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
exec Rscript "$ROOT/scripts/main.R" "$@"
