"""Seed 001: an exported SavedModel through tf.saved_model.load (the ``serve`` endpoint) and keras.layers.TFSMLayer."""

from __future__ import annotations

import numpy as np

from ..tensorflow_setup import import_tensorflow
from . import check, max_abs_diff


def saved_model_load(context) -> list[dict]:
    tf, keras = import_tensorflow()
    path = str(context.artifact("savedmodel"))
    values = [context.inputs[spec["name"]] for spec in context.case["inputs"]]
    expected = list(context.expected.values())
    tolerance = context.case["tolerance"]["default"]
    limit = tolerance["atol"] + tolerance["rtol"] * max(float(np.max(np.abs(array))) for array in expected)

    loaded = tf.saved_model.load(path)
    served = tf.nest.flatten(loaded.serve(*[tf.constant(value) for value in values]))
    diff = max_abs_diff(expected, [tensor.numpy() for tensor in served])
    checks = [check("savedmodel", "tf-saved-model-serve", diff <= limit,
                    f"tf.saved_model.load(...).serve: max |diff| {diff:.3g} (limit {limit:.3g})", diff)]

    layer = keras.layers.TFSMLayer(path, call_endpoint="serve")
    wrapped = keras.tree.flatten(layer(*[tf.constant(value) for value in values]))
    diff = max_abs_diff(expected, [keras.ops.convert_to_numpy(tensor) for tensor in wrapped])
    checks.append(check("savedmodel", "tfsm-layer", diff <= limit,
                        f"keras.layers.TFSMLayer(call_endpoint='serve'): max |diff| {diff:.3g}, "
                        f"{len(layer.weights)} weights tracked", diff))
    return checks
