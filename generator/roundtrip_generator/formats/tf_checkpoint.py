"""A TensorFlow object-based checkpoint: ``tf.train.Checkpoint(model=model).write``, read into a fresh model."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..forward_pass import name_outputs, run_keras_model
from ..keras_loading import build_fresh_model
from ..tensorflow_setup import import_tensorflow
from ..weight_truth import describe_array

ARTIFACT_PATH = "artifacts/checkpoint"
PREFIX = "ckpt"


def producer(versions: dict) -> str:
    return f"tf.train.Checkpoint.write (tf {versions['tensorflow']}, keras {versions['keras']})"


def save(model, path: Path) -> None:
    tf, _ = import_tensorflow()
    path.mkdir(parents=True, exist_ok=True)
    tf.train.Checkpoint(model=model).write(str(path / PREFIX))


def describe(path: Path, case: dict, reference_names: list[str]) -> dict:
    tf, _ = import_tensorflow()
    variables = tf.train.list_variables(str(path / PREFIX))
    return {"prefix": PREFIX, "variables": [{"name": name, "shape": list(shape)} for name, shape in variables]}


def truth(path: Path) -> dict:
    return {"weights": bundle_weights(path / PREFIX)}


# The serialized object graph is bookkeeping, not a weight; the readers decode it into metadata instead.
OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"


def bundle_weights(prefix: Path) -> dict[str, dict]:
    """Every tensor of a tensor bundle as ``tf.train.load_checkpoint`` reads it: ``{key: {dtype, shape, sha256}}``,
    hashed as C-contiguous little-endian bytes (strings: uint32 LE length + bytes per element)."""
    tf, _ = import_tensorflow()
    reader = tf.train.load_checkpoint(str(prefix))
    weights = {}
    for key, dtype in sorted(reader.get_variable_to_dtype_map().items()):
        if key == OBJECT_GRAPH_KEY:
            continue
        value = reader.get_tensor(key)
        if dtype == tf.string:
            weights[key] = describe_array(np.asarray(value, dtype=object))
        else:
            weights[key] = describe_array(value, dtype.name)
    return weights


def run(path: Path, artifact: dict, case: dict, inputs: dict, reference_names: list[str]) -> dict:
    tf, _ = import_tensorflow()
    model = build_fresh_model(case)
    tf.train.Checkpoint(model=model).read(str(path / PREFIX)).assert_existing_objects_matched()
    return name_outputs(reference_names, run_keras_model(model, inputs))
