"""The message schema: one source, its generated module current, and the R package's copy identical."""

import importlib.util
import subprocess
import sys

import pytest

from tests.conftest import ROOT

PROTO = ROOT / "pyrpudl" / "proto" / "rpudl_model.proto"


def test_the_r_package_ships_the_same_schema():
    assert (
        ROOT / "r_wrapper" / "rpud" / "inst" / "rpudl" / "rpudl_model.proto"
    ).read_text() == PROTO.read_text()


@pytest.mark.skipif(importlib.util.find_spec("grpc_tools") is None, reason="grpcio-tools (dev extra) missing")
def test_the_committed_generated_module_matches_the_schema(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "grpc_tools.protoc", f"-I{PROTO.parent}", f"--python_out={tmp_path}", PROTO],
        check=True,
    )
    generated = (tmp_path / "rpudl_model_pb2.py").read_text()
    assert generated == (PROTO.parent / "rpudl_model_pb2.py").read_text(), "run scripts/gen_proto.sh"
