"""Export the ONNX protobuf schema the TS ONNX reader parses, from the pinned ``onnx`` package's own ``onnx_ml_pb2``.

``python -m roundtrip_generator.onnx_descriptor --out harness/formats/descriptors/onnx.desc`` writes a serialized
``google.protobuf.FileDescriptorSet`` (onnx-ml.proto and anything it imports), so no .proto file is copied by hand.
The output is deterministic for a given ``onnx`` version; re-run it when the lock's onnx pin changes.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def descriptor_set_bytes() -> bytes:
    from onnx import onnx_ml_pb2

    from .protos import descriptor_set_bytes as descriptor_set_of

    return descriptor_set_of([onnx_ml_pb2.DESCRIPTOR])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m roundtrip_generator.onnx_descriptor", description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    arguments = parser.parse_args(argv)
    import onnx

    data = descriptor_set_bytes()
    arguments.out.parent.mkdir(parents=True, exist_ok=True)
    arguments.out.write_bytes(data)
    print(f"{arguments.out}: {len(data)} bytes (onnx {onnx.__version__})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
