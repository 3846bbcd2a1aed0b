"""Weights only: ``model.save_weights("model.weights.h5")``, restored into a freshly built model of the case."""

from __future__ import annotations

from pathlib import Path

from ..forward_pass import name_outputs, run_keras_model
from ..keras_loading import build_fresh_model
from ..weight_truth import describe_hdf5

ARTIFACT_PATH = "artifacts/model.weights.h5"


def producer(versions: dict) -> str:
    return f"keras.Model.save_weights (keras {versions['keras']}, h5py {versions['h5py']})"


def save(model, path: Path) -> None:
    model.save_weights(str(path))


def describe(path: Path, case: dict, reference_names: list[str]) -> dict:
    return {}


def truth(path: Path) -> dict:
    return {"weights": describe_hdf5(path)}


def run(path: Path, artifact: dict, case: dict, inputs: dict, reference_names: list[str]) -> dict:
    model = build_fresh_model(case)
    model.load_weights(str(path))
    return name_outputs(reference_names, run_keras_model(model, inputs))
