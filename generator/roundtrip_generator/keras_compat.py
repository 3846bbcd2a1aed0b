"""One generator for Keras 3, legacy tf_keras 2 (``TF_USE_LEGACY_KERAS=1``) and Keras 2.13–2.15.

The generator's modules write ``import keras`` / ``import_tensorflow()`` and Keras 3 spellings. This module
is the only place that knows the differences:

- which Keras: ``tf_keras`` when ``TF_USE_LEGACY_KERAS`` is set (then ``sys.modules["keras"]`` points at it, so
  the model library's ``import keras`` builds tf_keras layers, as a user of that stack writes
  ``import tf_keras as keras``), else the ``keras`` package (Keras 3, or Keras 2.x with TF ≤ 2.15);
- helpers Keras 2 lacks (``keras.ops.convert_to_numpy``, ``keras.tree.flatten``, ``keras.config``);
- artifact writers that differ: Keras 2 writes a SavedModel with ``model.save(dir, save_format="tf")``
  (``keras_metadata.pb`` included) and ONNX with ``tf2onnx.convert.from_keras``, where Keras 3 uses
  ``model.export``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

_LEGACY_SWITCH = "TF_USE_LEGACY_KERAS"


def legacy_keras_requested() -> bool:
    return os.environ.get(_LEGACY_SWITCH, "").strip().lower() in ("1", "true", "yes")


def import_keras():
    """The Keras the generator uses in this process; call after TensorFlow's environment variables are set."""
    if legacy_keras_requested():
        import tf_keras

        # Later ``import keras`` statements (the model library) must see the same Keras as tf.keras.
        sys.modules["keras"] = tf_keras
        return tf_keras
    import keras

    return keras


def keras_major(keras) -> int:
    return int(str(keras.__version__).split(".")[0])


def keras_module_name() -> str:
    """``tf_keras`` or ``keras``: what ``import_keras`` returns, for the versions JSON (no import needed)."""
    return "tf_keras" if legacy_keras_requested() else "keras"


def disable_interactive_logging(keras) -> None:
    config = getattr(keras, "config", None)
    if config is not None and hasattr(config, "disable_interactive_logging"):
        config.disable_interactive_logging()
    else:
        keras.utils.disable_interactive_logging()


def to_numpy(keras, tensor) -> np.ndarray:
    ops = getattr(keras, "ops", None)
    if ops is not None:
        return np.asarray(ops.convert_to_numpy(tensor))
    return np.asarray(tensor.numpy() if hasattr(tensor, "numpy") else tensor)


def flatten(keras, structure) -> list:
    tree = getattr(keras, "tree", None)
    if tree is not None:
        return list(tree.flatten(structure))
    import tensorflow as tf

    return list(tf.nest.flatten(structure))


# Keras 2 writers for formats whose Keras 3 writer is ``Model.export``: format name → (save, producer).
def _save_savedmodel_keras2(model, path: Path) -> None:
    model.save(str(path), save_format="tf")


def _producer_savedmodel_keras2(versions: dict) -> str:
    return f"keras.Model.save save_format=tf (tf {versions['tensorflow']}, {_keras_label(versions)})"


def _save_onnx_keras2(model, path: Path) -> None:
    import tensorflow as tf
    import tf2onnx

    # Named input specs keep the case's input names as the ONNX graph's input names.
    if model.inputs:
        specs = [
            tf.TensorSpec((None, *tensor.shape[1:]), tensor.dtype, name=_input_name(tensor, index))
            for index, tensor in enumerate(model.inputs)
        ]
    else:  # a subclassed model has no symbolic inputs, only the shape it was built with
        shape = tuple(model._build_input_shape)  # noqa: SLF001 - Keras 2 keeps no public record of it
        specs = [tf.TensorSpec((None, *shape[1:]), model.dtype or "float32", name="input_0")]
    tf2onnx.convert.from_keras(model, input_signature=specs, output_path=str(path))


def _producer_onnx_keras2(versions: dict) -> str:
    return f"tf2onnx {versions['tf2onnx']} convert.from_keras ({_keras_label(versions)}, tf {versions['tensorflow']})"


_KERAS2_WRITERS: dict[str, tuple[Callable, Callable]] = {
    "savedmodel": (_save_savedmodel_keras2, _producer_savedmodel_keras2),
    "onnx": (_save_onnx_keras2, _producer_onnx_keras2),
}


def artifact_writer(format_name: str, module) -> tuple[Callable, Callable]:
    """``(save(model, path), producer(versions))`` for ``format_name`` under the Keras of this process."""
    keras = import_keras()
    if keras_major(keras) < 3 and format_name in _KERAS2_WRITERS:
        return _KERAS2_WRITERS[format_name]
    return module.save, module.producer


def _keras_label(versions: dict) -> str:
    if versions.get("kerasModule") == "tf_keras":
        return f"tf_keras {versions.get('tf_keras')}"
    return f"keras {versions.get('keras')}"


def _input_name(tensor, index: int) -> str:
    name = getattr(tensor, "name", None) or f"input_{index}"
    return name.split(":")[0]
