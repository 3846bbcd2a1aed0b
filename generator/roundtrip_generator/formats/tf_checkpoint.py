"""A TensorFlow object-based checkpoint: ``tf.train.Checkpoint(model=model).write``, read into a fresh model."""

from __future__ import annotations

from pathlib import Path

from ..forward_pass import name_outputs, run_keras_model
from ..keras_loading import build_fresh_model
from ..tensorflow_setup import import_tensorflow

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


def truth(path: Path) -> None:
    return None


def run(path: Path, artifact: dict, case: dict, inputs: dict, reference_names: list[str]) -> dict:
    tf, _ = import_tensorflow()
    model = build_fresh_model(case)
    tf.train.Checkpoint(model=model).read(str(path / PREFIX)).assert_existing_objects_matched()
    return name_outputs(reference_names, run_keras_model(model, inputs))
