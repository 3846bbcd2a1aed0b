"""The legacy full-model HDF5 file (``model.h5``): ``model_config`` attribute plus ``/model_weights``."""

from __future__ import annotations

from pathlib import Path

import h5py

from ..forward_pass import name_outputs, run_keras_model
from ..keras_loading import load_keras_model
from ..weight_truth import decode_json_attribute, describe_hdf5

ARTIFACT_PATH = "artifacts/model.h5"


def producer(versions: dict) -> str:
    return f"keras.Model.save legacy HDF5 (keras {versions['keras']}, h5py {versions['h5py']})"


def save(model, path: Path) -> None:
    model.save(path)


def describe(path: Path, case: dict, reference_names: list[str]) -> dict:
    return {}


def truth(path: Path) -> dict:
    with h5py.File(path, "r") as file:
        attributes = {key: _plain(value) for key, value in file.attrs.items() if key != "model_config"}
        config = decode_json_attribute(file.attrs["model_config"]) if "model_config" in file.attrs else None
    return {"weights": describe_hdf5(path), "config": config, "attributes": attributes}


def run(path: Path, artifact: dict, case: dict, inputs: dict, reference_names: list[str]) -> dict:
    model = load_keras_model(path, case)
    return name_outputs(reference_names, run_keras_model(model, inputs))


def _plain(value):
    """Root attributes as JSON: bytes → text, arrays → lists."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if hasattr(value, "tolist"):
        return [_plain(item) for item in value.tolist()] if value.ndim else _plain(value.item())
    return value
