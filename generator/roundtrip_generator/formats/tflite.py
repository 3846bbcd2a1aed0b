"""A TFLite flatbuffer from ``tf.lite.TFLiteConverter.from_keras_model``; reloaded in Python only.

The reload prefers ``ai_edge_litert`` when installed and falls back to the deprecated
``tf.lite.Interpreter``; deprecation warnings seen on the way are reported in the check message.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from ..signature_maps import map_inputs, map_outputs
from ..tensorflow_setup import import_tensorflow

ARTIFACT_PATH = "artifacts/model.tflite"
SIGNATURE = "serving_default"


def producer(versions: dict) -> str:
    return f"tf.lite.TFLiteConverter.from_keras_model (tf {versions['tensorflow']}, keras {versions['keras']})"


def save(model, path: Path) -> None:
    tf, _ = import_tensorflow()
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    # Ops without a TFLite builtin (e.g. some recurrent kernels) fall back to TF select ops.
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS]
    path.write_bytes(converter.convert())


def describe(path: Path, case: dict, reference_names: list[str]) -> dict:
    runner, interpreter_name, _ = _signature_runner(path)
    details_in, details_out = runner.get_input_details(), runner.get_output_details()
    inputs = {key: _describe(value) for key, value in details_in.items()}
    outputs = {key: _describe(details_out[key]) for key in sorted(details_out)}
    return {"interpreter": interpreter_name, "signatures": {SIGNATURE: {"inputs": inputs, "outputs": outputs}},
            "inputMap": map_inputs(list(inputs), [spec["name"] for spec in case["inputs"]]),
            "outputMap": map_outputs(list(outputs), reference_names)}


def truth(path: Path) -> None:
    return None


def run(path: Path, artifact: dict, case: dict, inputs: dict, reference_names: list[str]):
    runner, interpreter_name, seen = _signature_runner(path)
    result = runner(**{key: inputs[name] for key, name in artifact["inputMap"].items()})
    outputs = {name: np.asarray(result[key]) for key, name in artifact["outputMap"].items()}
    note = f"interpreter {interpreter_name}"
    if seen:
        note += "; warnings: " + " | ".join(seen)
    return outputs, note


def _signature_runner(path: Path):
    """``(runner, interpreter name, warning texts)`` for the ``serving_default`` signature (or the only one)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            from ai_edge_litert.interpreter import Interpreter

            name = "ai_edge_litert.interpreter.Interpreter"
        except ImportError:
            tf, _ = import_tensorflow()
            Interpreter = tf.lite.Interpreter
            name = "tf.lite.Interpreter"
        interpreter = Interpreter(model_path=str(path))
        signatures = interpreter.get_signature_list()
        key = SIGNATURE if SIGNATURE in signatures else next(iter(signatures))
        runner = interpreter.get_signature_runner(key)
    seen = sorted({" ".join(str(item.message).split())[:200] for item in caught
                   if issubclass(item.category, (DeprecationWarning, UserWarning, FutureWarning))})
    return runner, name, seen


def _describe(detail: dict) -> dict:
    return {"dtype": np.dtype(detail["dtype"]).name, "shape": [int(d) for d in detail["shape_signature"]]}
