"""The Keras forward pass shared by the reference and the Python reload checks."""

from __future__ import annotations

import numpy as np

from .keras_compat import flatten, to_numpy
from .tensorflow_setup import import_tensorflow


def model_input_order(model, case_names: list[str]) -> list[str]:
    """Case input names in the model's input order: by name when the model names its inputs, else case order."""
    try:
        model_inputs = getattr(model, "inputs", None) or []
    except ValueError:  # Keras 3.0-3.5: an unbuilt Sequential's ``inputs`` raises ("has no defined inputs yet")
        model_inputs = []
    names = [getattr(tensor, "name", None) for tensor in model_inputs]
    if len(names) == len(case_names) and sorted(names) == sorted(case_names):
        return names
    return list(case_names)


def run_keras_model(model, inputs: dict[str, np.ndarray]) -> list[np.ndarray]:
    """``model(inputs, training=False)`` with one tensor or a list, flattened to a list of numpy arrays."""
    tf, keras = import_tensorflow()
    order = model_input_order(model, list(inputs))
    tensors = [tf.convert_to_tensor(inputs[name]) for name in order]
    result = model(tensors[0] if len(tensors) == 1 else tensors, training=False)
    return [to_numpy(keras, tensor) for tensor in flatten(keras, result)]


def output_names(model, case: dict, count: int) -> list[str]:
    """Case ``outputs`` names if given; else the model's output layer names; else ``output_<i>``."""
    if case.get("outputs"):
        names = [output["name"] for output in case["outputs"]]
        if len(names) != count:
            raise ValueError(f"case names {len(names)} outputs {names}, the model returns {count}")
        return names
    _, keras = import_tensorflow()
    names = list(getattr(model, "output_names", None) or [])
    if not names and isinstance(model, keras.Sequential) and model.layers:
        names = [model.layers[-1].name]
    if len(names) == count and len(set(names)) == count:
        return names
    return [f"output_{index}" for index in range(count)]


def name_outputs(names: list[str], arrays: list[np.ndarray]) -> dict[str, np.ndarray]:
    if len(names) != len(arrays):
        raise ValueError(f"expected {len(names)} outputs {names}, the model returned {len(arrays)}")
    return dict(zip(names, arrays, strict=True))
