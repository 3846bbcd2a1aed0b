"""The ONNX file written by ``keras.Model.export(format="onnx")`` (tf2onnx under the TensorFlow backend)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..signature_maps import map_inputs, map_outputs

ARTIFACT_PATH = "artifacts/model.onnx"

# onnxruntime type strings → case dtype names.
_ONNX_DTYPES = {
    "tensor(float)": "float32", "tensor(double)": "float64", "tensor(float16)": "float16",
    "tensor(bfloat16)": "bfloat16", "tensor(int8)": "int8", "tensor(int16)": "int16", "tensor(int32)": "int32",
    "tensor(int64)": "int64", "tensor(uint8)": "uint8", "tensor(uint16)": "uint16", "tensor(uint32)": "uint32",
    "tensor(uint64)": "uint64", "tensor(bool)": "bool", "tensor(string)": "string",
}


def producer(versions: dict) -> str:
    return f"tf2onnx {versions['tf2onnx']} via keras.Model.export (keras {versions['keras']}, tf {versions['tensorflow']})"


def save(model, path: Path) -> None:
    model.export(str(path), format="onnx", verbose=False)


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


def truth(path: Path) -> None:
    return None


def run(path: Path, artifact: dict, case: dict, inputs: dict, reference_names: list[str]) -> dict:
    session = _session(path)
    feeds = {key: inputs[name] for key, name in artifact["inputMap"].items()}
    results = dict(zip([value.name for value in session.get_outputs()], session.run(None, feeds)))
    return {name: np.asarray(results[key]) for key, name in artifact["outputMap"].items()}


def _session(path: Path):
    import onnxruntime

    return onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _describe_value(value) -> dict:
    shape = None if value.shape is None else [dimension if isinstance(dimension, int) else None for dimension in value.shape]
    return {"name": value.name, "dtype": _ONNX_DTYPES.get(value.type, value.type), "shape": shape}
