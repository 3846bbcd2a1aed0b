"""The ONNX file written by ``keras.Model.export(format="onnx")`` (tf2onnx under the TensorFlow backend)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..keras_compat import export_onnx
from ..signature_maps import map_inputs, map_outputs

ARTIFACT_PATH = "artifacts/model.onnx"

# onnxruntime type strings → case dtype names.
_ONNX_DTYPES = {
    "tensor(float)": "float32",
    "tensor(double)": "float64",
    "tensor(float16)": "float16",
    "tensor(bfloat16)": "bfloat16",
    "tensor(int8)": "int8",
    "tensor(int16)": "int16",
    "tensor(int32)": "int32",
    "tensor(int64)": "int64",
    "tensor(uint8)": "uint8",
    "tensor(uint16)": "uint16",
    "tensor(uint32)": "uint32",
    "tensor(uint64)": "uint64",
    "tensor(bool)": "bool",
    "tensor(string)": "string",
}


def producer(versions: dict) -> str:
    return (
        f"tf2onnx {versions['tf2onnx']} via keras.Model.export (keras {versions['keras']}, tf {versions['tensorflow']})"
    )


def save(model, path: Path) -> None:
    export_onnx(model, path)


def describe(path: Path, case: dict, reference_names: list[str]) -> dict:
    """Inputs/outputs in session order as onnxruntime reports them; symbolic dimensions become null."""
    session = _session(path)
    inputs = [_describe_value(value) for value in session.get_inputs()]
    outputs = [_describe_value(value) for value in session.get_outputs()]
    return {
        "inputs": inputs,
        "outputs": outputs,
        "inputMap": map_inputs([value["name"] for value in inputs], [spec["name"] for spec in case["inputs"]]),
        "outputMap": map_outputs([value["name"] for value in outputs], reference_names),
    }


def truth(path: Path) -> dict:
    """Every top-level initializer as ``onnx.numpy_helper`` decodes it (external data included), plus the graph's
    inputs/outputs and opsets; hashes as in ``weight_truth`` (little-endian C-order bytes; strings length-prefixed)."""
    import onnx
    from onnx import numpy_helper

    from ..weight_truth import describe_array

    model = onnx.load(str(path), load_external_data=True)
    weights = {}
    for initializer in model.graph.initializer:
        weights[initializer.name] = describe_array(numpy_helper.to_array(initializer))

    def value(info) -> dict:
        tensor_type = info.type.tensor_type
        dims = (
            [
                dim.dim_value if dim.HasField("dim_value") else (dim.dim_param if dim.HasField("dim_param") else None)
                for dim in tensor_type.shape.dim
            ]
            if tensor_type.HasField("shape")
            else None
        )
        return {"name": info.name, "elemType": tensor_type.elem_type, "shape": dims}

    return {
        "weights": dict(sorted(weights.items())),
        "graph": {
            "inputs": [value(info) for info in model.graph.input],
            "outputs": [value(info) for info in model.graph.output],
            "opsets": {opset.domain: opset.version for opset in model.opset_import},
            "producer": {"name": model.producer_name, "version": model.producer_version},
        },
    }


def run(path: Path, artifact: dict, case: dict, inputs: dict, reference_names: list[str]) -> dict:
    session = _session(path)
    feeds = {key: inputs[name] for key, name in artifact["inputMap"].items()}
    results = dict(zip([value.name for value in session.get_outputs()], session.run(None, feeds), strict=True))
    return {name: np.asarray(results[key]) for key, name in artifact["outputMap"].items()}


def _session(path: Path):
    import onnxruntime

    return onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _describe_value(value) -> dict:
    shape = (
        None
        if value.shape is None
        else [dimension if isinstance(dimension, int) else None for dimension in value.shape]
    )
    return {"name": value.name, "dtype": _ONNX_DTYPES.get(value.type, value.type), "shape": shape}
