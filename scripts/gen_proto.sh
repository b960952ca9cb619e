#!/usr/bin/env bash
# Regenerates pyrpudl/proto/rpudl_model_pb2.py from rpudl_model.proto (needs grpcio-tools, a dev
# dependency). The generated module is committed so that users need no protobuf compiler.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
python -m grpc_tools.protoc -I pyrpudl/proto --python_out=pyrpudl/proto pyrpudl/proto/rpudl_model.proto
