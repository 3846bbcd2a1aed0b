"""Seed 001: an exported SavedModel through tf.saved_model.load (the ``serve`` endpoint) and keras.layers.TFSMLayer."""

from __future__ import annotations

import numpy as np

from ..comparison import dtype_problem
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
    served = [tensor.numpy() for tensor in tf.nest.flatten(loaded.serve(*[tf.constant(value) for value in values]))]
    diff = max_abs_diff(expected, served)
    dtypes = _dtype_problems(context.expected, served)
    checks = [
        check(
            "savedmodel",
            "tf-saved-model-serve",
            diff <= limit and not dtypes,
            f"tf.saved_model.load(...).serve: max |diff| {diff:.3g} (limit {limit:.3g}){dtypes}",
            diff,
        )
    ]

    layer = keras.layers.TFSMLayer(path, call_endpoint="serve")
    outputs = keras.tree.flatten(layer(*[tf.constant(value) for value in values]))
    wrapped = [keras.ops.convert_to_numpy(tensor) for tensor in outputs]
    diff = max_abs_diff(expected, wrapped)
    dtypes = _dtype_problems(context.expected, wrapped)
    checks.append(
        check(
            "savedmodel",
            "tfsm-layer",
            diff <= limit and not dtypes,
            f"keras.layers.TFSMLayer(call_endpoint='serve'): max |diff| {diff:.3g}, "
            f"{len(layer.weights)} weights tracked{dtypes}",
            diff,
        )
    )
    return checks


def _dtype_problems(expected: dict, received: list) -> str:
    """``; <problem>…`` for every output whose dtype is not the reference's, empty when all match."""
    pairs = zip(expected.items(), received, strict=False)
    problems = [dtype_problem(name, reference, np.asarray(array)) for (name, reference), array in pairs]
    return "".join(f"; {problem}" for problem in problems if problem)
